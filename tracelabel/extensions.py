"""Extensions, created unbound and initialised by ``create_app``.

The database lives here; the web's own extensions (the API document, translations, sign-in,
CSRF) live in ``tracelabel.web.extensions`` and are reachable from here too, imported on first
use, so that a command that only reads the database does not load them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g, request

from tracelabel.db import make_engine, make_session_factory

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

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


LANGUAGES = ("vi", "en")
LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """Vietnamese unless the visitor asks otherwise: ?lang=, then the cookie, then Accept-Language."""
    asked = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


WEB_EXTENSIONS = frozenset({"api", "babel", "login_manager", "csrf", "TracelabelApi", "ProblemSchema"})

db = Database()


def __getattr__(name: str) -> Any:
    """The web's extensions, from ``tracelabel.web.extensions`` (imported now)."""
    if name in WEB_EXTENSIONS:
        from tracelabel.web import extensions as web_extensions

        return getattr(web_extensions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
