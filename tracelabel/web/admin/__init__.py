"""Administration pages: organizations and the accounts of producers and inspectors."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from tracelabel.extensions import db
from tracelabel.services import accounts
from tracelabel.services.accounts import EMAIL_PATTERN
from tracelabel.services.errors import ValidationFailed
from tracelabel.web.auth.forms import WorkspaceForm, show_domain_errors
from tracelabel.web.auth.session import current_actor, require_role
from tracelabel.web.producer.forms import int_or_none, options, record_values

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
EMAIL = EMAIL_PATTERN.pattern
KIND_LABELS = {"cooperative": _l("Cooperative"), "enterprise": _l("Enterprise"),
               "household": _l("Household business")}
ROLE_LABELS = {"producer": _l("Producer"), "inspector": _l("Inspector")}


class OrganizationForm(WorkspaceForm):
    """A producer organization."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=options(KIND_LABELS.items()))
    tax_code = StringField(_l("Tax code"), validators=[Length(max=20)])
    province = StringField(_l("Province"), validators=[Length(max=100)])
    commune = StringField(_l("Commune"), validators=[Length(max=100)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=200),
                                              Regexp(EMAIL, message=_l("Enter a valid email address."))])
    gs1_company_prefix = StringField(_l("GS1 company prefix"), validators=[Length(max=12)])


class AccountForm(WorkspaceForm):
    """A producer's or an inspector's account, with a first password to hand over."""

    email = EmailField(_l("Email"), validators=[DataRequired()])
    display_name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=options(ROLE_LABELS.items()))
    organization_id = SelectField(_l("Organization (producers only)"), coerce=int_or_none)
    password = PasswordField(_l("First password"), validators=[DataRequired()])


@blueprint.before_request
def only_admins() -> Any:
    """Anonymous visitors go to the login page; other roles are refused (403)."""
    return require_role("admin")


@blueprint.get("")
def home() -> str:
    """Every organization with its number of accounts."""
    rows = accounts.list_organizations(db.session, current_actor())
    return render_template("admin/organizations.html", rows=rows, kinds=KIND_LABELS)


@blueprint.route("/organizations/new", methods=["GET", "POST"])
def new_organization() -> Any:
    """Register a producer organization."""
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            accounts.create_organization(db.session, current_actor(), **record_values(form))
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("Organization created."), "success")
            return redirect(url_for("admin.home"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/form.html", form=form, title=_l("New organization")), status


@blueprint.get("/users")
def users() -> str:
    """Every account with its role and organization."""
    return render_template("admin/users.html", users=accounts.list_users(db.session, current_actor()))


@blueprint.route("/users/new", methods=["GET", "POST"])
def new_user() -> Any:
    """Create a producer or inspector account."""
    actor = current_actor()
    form = AccountForm()
    form.organization_id.choices = [("", "—")] + [
        (organization.id, organization.name)
        for organization, _count in accounts.list_organizations(db.session, actor)]
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
