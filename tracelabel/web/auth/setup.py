"""Sessions, sign-in and CSRF protection for the server-rendered pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, render_template
from flask_babel import format_decimal, get_locale, gettext
from flask_wtf.csrf import CSRFError

from tracelabel.extensions import csrf, login_manager
from tracelabel.web.auth.session import load_session_user
from tracelabel.web.auth.throttle import FailureThrottle
from tracelabel.web.auth.views import THROTTLE_KEY

SESSION_IDLE = dt.timedelta(hours=8)  # a signed cookie older than this is refused by the server
SESSION_ABSOLUTE = dt.timedelta(hours=12)  # however active, sign in again after this


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def configure_sessions(app: Flask) -> None:
    """Cookie flags: HttpOnly, SameSite=Lax, Secure whenever the service is served over HTTPS."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = (app.config["SESSION_COOKIE_SECURE"]
                                           or app.config["PUBLIC_URL"].startswith("https://"))
    app.config.setdefault("SESSION_IDLE", SESSION_IDLE)
    app.config.setdefault("SESSION_ABSOLUTE", SESSION_ABSOLUTE)
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_IDLE"]
    app.config["REMEMBER_COOKIE_DURATION"] = dt.timedelta(0)  # no "remember me" cookie
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", int(SESSION_ABSOLUTE.total_seconds()))
    app.config["WTF_I18N_ENABLED"] = False  # WorkspaceForm translates WTForms' own messages


def render_csrf_error(error: CSRFError) -> Any:
    """An expired or missing form token: say so plainly and offer to go back."""
    return render_template("auth/csrf_error.html"), 400


def workspace_context() -> dict[str, Any]:
    """What the workspace templates need: the page's language and number formatting."""
    return {"workspace_locale": lambda: str(get_locale() or "vi"), "format_decimal": format_decimal}


def init_app(app: Flask) -> None:
    """Bind Flask-Login and CSRF protection, and the sign-in throttle, to the app."""
    configure_sessions(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please sign in to open this page.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
    csrf.init_app(app)
    app.extensions[THROTTLE_KEY] = FailureThrottle(
        per_email=app.config.get("LOGIN_FAILURES_PER_EMAIL", 5),
        per_address=app.config.get("LOGIN_FAILURES_PER_ADDRESS", 30),
        window_seconds=app.config.get("LOGIN_FAILURE_WINDOW_SECONDS", 900),
        redis_url=app.config.get("REDIS_URL"), key_secret=str(app.config["SECRET_KEY"]),
        key_prefix=app.config.get("LOGIN_THROTTLE_KEY_PREFIX", "tracelabel:login-failures"))
    app.register_error_handler(CSRFError, render_csrf_error)
    app.context_processor(workspace_context)
