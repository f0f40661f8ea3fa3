"""Each account's own pages: the overview, the password change and API tokens."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from tracelabel.extensions import db
from tracelabel.services import accounts
from tracelabel.services.errors import ValidationFailed
from tracelabel.web.auth.forms import ConfirmForm, PasswordForm, TokenForm, show_domain_errors
from tracelabel.web.auth.routes import blueprint
from tracelabel.web.auth.session import current_actor, refresh_session

PASSWORD_FIRST_AREAS = ("producer", "inspector", "admin", "programme")
PASSWORD_FIRST_PAGES = ("auth.account", "auth.tokens", "auth.revoke_token")


@blueprint.before_app_request
def password_first() -> Any:
    """After an administrator's reset, the workspace waits until its person chose a password."""
    if request.blueprint not in PASSWORD_FIRST_AREAS and request.endpoint not in PASSWORD_FIRST_PAGES:
        return None  # public pages, the API and sign-in never load the session user here
    if current_user.is_authenticated and getattr(current_user, "must_change_password", False):
        flash(gettext("Choose your own password to go on: the one you signed in with was set by "
                      "an administrator."), "info")
        return redirect(url_for("auth.password"))
    return None


@blueprint.get("/account")
@login_required
def account() -> str:
    """Who is signed in, and the links to the password and token pages."""
    return render_template("auth/account.html")


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    """Change one's own password; every other session of the account ends."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/password.html", form=form), 422 if form.is_submitted() else 200
    try:
        user = accounts.change_password(db.session, current_actor(),
                                        current_password=form.current_password.data,
                                        new_password=form.new_password.data)
    except ValidationFailed as error:
        db.session.rollback()
        show_domain_errors(form, error)
        return render_template("auth/password.html", form=form), 422
    db.session.commit()
    refresh_session(user)
    flash(gettext("Your password has been changed."), "success")
    return redirect(url_for("auth.account"))


def _tokens_page(form: TokenForm, plain: str | None = None, status: int = 200) -> Any:
    tokens = accounts.list_tokens(db.session, current_actor())
    return render_template("auth/tokens.html", form=form, tokens=tokens, plain=plain,
                           revoke_form=ConfirmForm(), state=accounts.token_state), status


@blueprint.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> Any:
    """List one's API tokens and create a new one (its value is shown this once)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, status=422 if form.is_submitted() else 200)
    actor = current_actor()
    try:
        user = accounts.get_user(db.session, actor.user_id)
        _token, plain = accounts.create_token(db.session, actor, user, form.name.data or "",
                                              expires=form.expires.data)
    except ValidationFailed as error:
        db.session.rollback()
        show_domain_errors(form, error)
        return _tokens_page(form, status=422)
    db.session.commit()
    return _tokens_page(TokenForm(formdata=None), plain=plain)


@blueprint.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Any:
    """Revoke one of one's tokens."""
    if ConfirmForm().validate_on_submit():
        accounts.revoke_token(db.session, current_actor(), token_id)
        db.session.commit()
        flash(gettext("The token has been revoked."), "success")
    return redirect(url_for("auth.tokens"))
