"""Sign in, sign out, and the language switch."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, logout_user

from tracelabel.extensions import LANGUAGE_COOKIE, LANGUAGES, db
from tracelabel.services import accounts
from tracelabel.web.auth.forms import ConfirmForm, LoginForm
from tracelabel.web.auth.routes import blueprint
from tracelabel.web.auth.session import HOME_BY_ROLE, safe_next, start_session
from tracelabel.web.auth.throttle import FailureThrottle

THROTTLE_KEY = "tracelabel.login_throttle"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def login_throttle() -> FailureThrottle:
    """This app's throttle on failed sign-ins."""
    return current_app.extensions[THROTTLE_KEY]


def home_url(role: str) -> str:
    """Where each role starts."""
    return url_for(HOME_BY_ROLE.get(role, "auth.account"))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The sign-in form; ``?next=`` is followed only when it is a local path."""
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or home_url(current_user.role))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200
    email, address = form.email.data, request.remote_addr or "-"
    wait = login_throttle().retry_after(email, address)
    if wait:
        form.form_errors.append(gettext("Too many failed attempts. Try again in %(minutes)s minutes.",
                                        minutes=(wait + 59) // 60))
        return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}
    user = accounts.authenticate_user(db.session, email, form.password.data)
    if user is None:
        db.session.rollback()
        login_throttle().record_failure(email, address)
        form.form_errors.append(gettext("The email or password is not correct."))
        return render_template("auth/login.html", form=form), 422
    db.session.commit()
    login_throttle().reset(email, address)
    start_session(user)
    return redirect(next_url or home_url(user.role))


@blueprint.post("/logout")
def logout() -> Any:
    """End the session (a POST with the CSRF token, so no other site can sign anyone out)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("auth.login"))


@blueprint.get("/language/<code>")
def language(code: str) -> Any:
    """Remember the chosen language in a cookie and go back to the page (a local path)."""
    response = redirect(safe_next(request.args.get("next")) or url_for("auth.login"))
    if code in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=LANGUAGE_COOKIE_AGE, httponly=True,
                            samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
