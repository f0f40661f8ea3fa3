"""Accounts and API tokens: create, deactivate and activate, reset a password, revoke a token."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from tracelabel.extensions import db
from tracelabel.services import accounts, organizations
from tracelabel.services.errors import ValidationFailed
from tracelabel.web.admin.forms import AccountForm, ResetPasswordForm
from tracelabel.web.admin.routes import blueprint
from tracelabel.web.auth.forms import ConfirmForm, show_domain_errors
from tracelabel.web.auth.session import current_actor
from tracelabel.web.producer.forms import record_values

TOKENS_PER_PAGE = 50


@blueprint.get("/users")
def users() -> str:
    """Every account with its role, organization and state, and what may be done to it."""
    return render_template("admin/users.html", users=accounts.list_users(db.session, current_actor()),
                           confirm=ConfirmForm())


@blueprint.route("/users/new", methods=["GET", "POST"])
def new_user() -> Any:
    """Create a producer or inspector account."""
    actor = current_actor()
    form = AccountForm()
    form.organization_id.choices = [("", "—")] + [
        (organization.id, organization.name)
        for organization, _count in organizations.list_organizations(db.session, actor)]
    if form.validate_on_submit():
        try:
            accounts.create_user(db.session, actor, **record_values(form))
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("Account created. Hand the first password over in person."), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/form.html", form=form, title=_l("New account")), status


def _set_active(user_id: int, active: bool) -> Any:
    if ConfirmForm().validate_on_submit():
        user = accounts.set_active(db.session, current_actor(), user_id, active)
        db.session.commit()
        flash(gettext("%(email)s can sign in and use its API tokens again.", email=user.email)
              if active else
              gettext("%(email)s is deactivated: its sessions and API tokens no longer work.",
                      email=user.email), "success")
    return redirect(url_for("admin.users"))


@blueprint.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int) -> Any:
    """Switch an account off: its sessions and tokens are refused from the next request on."""
    return _set_active(user_id, False)


@blueprint.post("/users/<int:user_id>/activate")
def activate_user(user_id: int) -> Any:
    """Switch an account on again (its person signs in afresh)."""
    return _set_active(user_id, True)


@blueprint.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int) -> Any:
    """Set a new password for an account, or generate one shown on this page only once."""
    user = accounts.get_user(db.session, user_id)
    if user is None:
        return render_template("admin/error.html", title=gettext("Account not found.")), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user, generated = accounts.reset_password(db.session, current_actor(), user_id,
                                                      form.new_password.data or None)
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error, {"password": "new_password"})
        else:
            db.session.commit()
            if generated:  # shown in this answer only: never flashed into the session cookie
                return render_template("admin/password_reset.html", user=user, plain=generated)
            flash(gettext("The password of %(email)s is reset: its sessions have ended and a new "
                          "password must be chosen at the next sign-in.", email=user.email),
                  "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/password.html", form=form, user=user), status


@blueprint.get("/tokens")
def tokens() -> str:
    """Every API token with its owner, newest first; ``?email=`` shows one account's."""
    email = (request.args.get("email") or "").strip() or None
    page = accounts.list_all_tokens(db.session, current_actor(), email=email,
                                    page=max(request.args.get("page", 1, type=int) or 1, 1),
                                    per_page=TOKENS_PER_PAGE)
    return render_template("admin/tokens.html", page=page, email=email or "",
                           state=accounts.token_state, confirm=ConfirmForm())


@blueprint.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Any:
    """Revoke anyone's API token."""
    if ConfirmForm().validate_on_submit():
        accounts.revoke_token(db.session, current_actor(), token_id)
        db.session.commit()
        flash(gettext("The token has been revoked."), "success")
    return redirect(url_for("admin.tokens", email=request.form.get("email") or None))
