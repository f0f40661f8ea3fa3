"""tracelabel: traceability labels and trace pages for Vietnam's OCOP products."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

# The service's parts (settings, extensions, web pages, API, commands) are imported by the
# functions below when an app is built, not with the package: `tracelabel --help` and the
# commands start without loading what they do not use (see tracelabel/console.py).

# Message catalogs per area (tracelabel/translations/<area>/<lang>/LC_MESSAGES/messages.po).
TRANSLATION_AREAS = ("core", "public", "workspace", "inspector")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, commands, web extensions, blueprints and error pages."""
    app = create_database_app(test_config)
    register_web_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def create_database_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The app without its web parts: settings, database and commands, for the commands that only
    read and write the database (the web parts take seconds to import)."""
    from tracelabel import config as settings
    from tracelabel.extensions import db

    app = Flask(__name__, instance_path=settings.instance_path_from_env(),
                instance_relative_config=True)
    app.extensions["tracelabel.factory"] = create_app  # gunicorn workers build their own app
    configure(app, test_config)
    db.init_app(app)
    register_commands(app)
    return app


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Defaults, then instance/config.py, then TRACELABEL_* variables, then the test's own."""
    from tracelabel import config as settings

    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(settings.settings_from_env())
    if test_config:
        app.config.from_mapping(test_config)
    app.config.setdefault("DATABASE_URL", settings.default_database_url(app.instance_path))
    settings.fill_generated_secrets(app.config, app.instance_path)
    app.config["PUBLIC_URL"] = app.config["PUBLIC_URL"].rstrip("/")


def register_web_extensions(app: Flask) -> None:
    """Bind security headers, translations, the API document and sign-in to this app."""
    from tracelabel.extensions import select_locale
    from tracelabel.web import auth, extensions, security

    security.init_app(app)  # security headers, trusted proxies, rate limits
    extensions.babel.init_app(app, default_locale="vi", locale_selector=select_locale,
                              default_translation_directories=translation_directories(),
                              default_timezone=app.config["DISPLAY_TIMEZONE"])
    extensions.api.init_app(app, spec_kwargs={"security": [{"bearerAuth": []}]})
    extensions.api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    auth.init_app(app)  # sign-in sessions (Flask-Login) and CSRF protection on every form


def translation_directories() -> str:
    """Each area keeps its own catalogs; Flask-Babel merges them (";"-separated)."""
    root = os.path.join(os.path.dirname(__file__), "translations")
    return ";".join(os.path.join(root, area) for area in TRANSLATION_AREAS)


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` limited to ids the database can hold: a larger number is an unknown page (404)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    """The public pages and the JSON API."""
    from tracelabel.web import admin, auth, extensions, inspector, producer, programme
    from tracelabel.web.api import BLUEPRINTS as API_BLUEPRINTS
    from tracelabel.web.api import register_api
    from tracelabel.web.media import blueprint as media
    from tracelabel.web.public import blueprint as public

    app.url_map.converters["int"] = DatabaseIdConverter
    app.register_blueprint(public)
    app.register_blueprint(media)
    register_api(extensions.api)
    for blueprint in API_BLUEPRINTS:  # bearer tokens, no cookies: nothing for CSRF to protect
        extensions.csrf.exempt(blueprint)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(producer.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(inspector.blueprint)
    app.register_blueprint(programme.blueprint)


def register_errorhandlers(app: Flask) -> None:
    """One error path: problem+json under /api/, a page elsewhere."""
    from tracelabel.web import errors

    errors.register(app)


def register_commands(app: Flask) -> None:
    """The ``tracelabel`` command groups, also reachable as ``flask --app tracelabel``."""
    from tracelabel.cli import register as register_cli

    register_cli(app)
