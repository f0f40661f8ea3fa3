"""Signed-in sessions: the user adapter Flask-Login keeps, role checks and safe redirects."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, session
from flask_login import UserMixin, current_user, login_user

from tracelabel.extensions import db, login_manager
from tracelabel.models import User
from tracelabel.services.accounts import actor_for, get_user
from tracelabel.services.actors import Actor

AUTH_TIME_KEY = "auth_at"
HOME_BY_ROLE = {"producer": "producer.home", "admin": "admin.home", "inspector": "inspector.search",
                "programme": "programme.dashboard"}


def password_fingerprint(user: User) -> str:
    """A short digest of the password hash and the session version: changing the password ends
    every other session, and so do a deactivation and an administrator's password reset."""
    material = f"{user.session_version or 0}:{user.password_hash}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


class SessionUser(UserMixin):
    """The signed-in account as the web layer sees it (a plain copy; models stay free of Flask)."""

    def __init__(self, user: User) -> None:
        self.user_id = user.id
        self.email = user.email
        self.display_name = user.display_name
        self.role = user.role
        self.organization_id = user.organization_id
        self.organization_name = user.organization.name if user.organization else None
        self.actor: Actor = actor_for(user)
        self._active = user.is_active
        self.must_change_password = user.must_change_password
        self._session_id = f"{user.id}.{password_fingerprint(user)}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Deactivated accounts cannot stay signed in."""
        return self._active

    def get_id(self) -> str:
        """What the session stores: the user id and the password fingerprint."""
        return self._session_id


def _session_too_old(max_age: dt.timedelta) -> bool:
    started = session.get(AUTH_TIME_KEY)
    return not isinstance(started, int | float) or time.time() - started > max_age.total_seconds()


def load_session_user(session_id: str) -> SessionUser | None:
    """The user of a session id, unless the account, its password or the session's age says no."""
    user_id, _, fingerprint = session_id.partition(".")
    if not user_id.isdigit() or _session_too_old(current_app.config["SESSION_ABSOLUTE"]):
        return None
    user = get_user(db.session, int(user_id))
    if user is None or not user.is_active or not hmac.compare_digest(fingerprint,
                                                                       password_fingerprint(user)):
        return None
    return SessionUser(user)


def start_session(user: User) -> None:
    """Sign the user in on a fresh session (no pre-login data carries over)."""
    session.clear()
    session.permanent = True
    session[AUTH_TIME_KEY] = int(time.time())
    login_user(SessionUser(user))


def refresh_session(user: User) -> None:
    """Keep this session after a password change (the others end with the old fingerprint)."""
    started = session.get(AUTH_TIME_KEY)
    start_session(user)
    session[AUTH_TIME_KEY] = started


def require_role(*roles: str) -> Any:
    """For ``before_request``: send the anonymous to the login page, refuse other roles (403)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in roles:
        abort(403)
    return None


def current_actor() -> Actor:
    """The actor of the signed-in user."""
    return current_user.actor


def safe_next(target: str | None) -> str | None:
    """A local path to go to after login, or None: absolute and scheme-relative URLs are refused."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ord(char) < 33 or char == "\\" for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
