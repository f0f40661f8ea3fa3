"""Extensions, created unbound and initialised by ``create_app``."""

from __future__ import annotations

import http
from typing import Any

import marshmallow as ma
from flask import Flask, current_app, g, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tracelabel.db import make_engine, make_session_factory

EXTENSION_KEY = "tracelabel.database"


class Database:
    """One engine per app and one session per request, closed (rolled back if uncommitted) at teardown."""

    def init_app(self, app: Flask) -> None:
        """Create the app's engine from its DATABASE_URL."""
        engine = make_engine(app.config["DATABASE_URL"], echo=app.config["SQLALCHEMY_ECHO"])
        app.extensions[EXTENSION_KEY] = (engine, make_session_factory(engine))
        app.teardown_appcontext(self._close_session)

    @staticmethod
    def engine_for(app: Flask) -> Engine:
        """The app's engine."""
        return app.extensions[EXTENSION_KEY][0]

    @staticmethod
    def session_factory_for(app: Flask) -> sessionmaker[Session]:
        """The app's session factory, for work outside a request (CLI, jobs)."""
        return app.extensions[EXTENSION_KEY][1]

    @property
    def session(self) -> Session:
        """The session of the current request or app context."""
        if "db_session" not in g:
            g.db_session = self.session_factory_for(current_app)()
        return g.db_session

    @staticmethod
    def _close_session(_error: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


class FieldProblemSchema(ma.Schema):
    """One refused field (``line`` for a CSV row)."""

    field = ma.fields.String()
    message = ma.fields.String()
    line = ma.fields.Integer()


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem document, as every API error answers."""

    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(FieldProblemSchema))


class TracelabelApi(Api):
    """flask-smorest's Api, leaving error pages to ``web.errors`` (problem+json under /api/)."""

    ERROR_SCHEMA = ProblemSchema
    PROBLEM_CONTENT_TYPE = "application/problem+json"

    def _register_responses(self) -> None:
        """Document every error status (and the default error) as a problem+json document."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, self.PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, self.PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _register_error_handlers(self) -> None:  # the app registers its own
        return None

    def handle_http_exception(self, error: Any) -> Any:  # pragma: no cover - never registered
        raise error


LANGUAGES = ("vi", "en")
LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """Vietnamese unless the visitor asks otherwise: ?lang=, then the cookie, then Accept-Language."""
    asked = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


db = Database()
api = TracelabelApi()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
