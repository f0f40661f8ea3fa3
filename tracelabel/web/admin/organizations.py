"""Organizations: the list, a new one, and editing one (details and GS1 company prefixes)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from tracelabel.extensions import db
from tracelabel.models import Organization
from tracelabel.services import organizations
from tracelabel.services.errors import Conflict, ValidationFailed
from tracelabel.web.admin.forms import KIND_LABELS, PREFIX_HELP, OrganizationForm
from tracelabel.web.admin.routes import blueprint
from tracelabel.web.auth.forms import show_domain_errors
from tracelabel.web.auth.session import current_actor
from tracelabel.web.place_pickers import fill_places, keep_unsettled, place_help
from tracelabel.web.producer.forms import record_values


@blueprint.get("")
def home() -> str:
    """Every organization with its prefixes and number of accounts."""
    rows = organizations.list_organizations(db.session, current_actor())
    return render_template("admin/organizations.html", rows=rows, kinds=KIND_LABELS)


def _warn_about_foreign_products(organization: Organization) -> None:
    found = organizations.foreign_products(db.session, organization)
    if found:
        flash(gettext("Products of other organizations already carry GTINs under these prefixes: "
                      "%(products)s. Look into them.",
                      products=", ".join(f"{p.name} ({p.gtin})" for p in found[:10])), "warning")


def _organization_form(organization: Organization | None) -> Any:
    form = OrganizationForm(obj=organization)
    fill_places(form, organization)
    if organization is not None and not form.is_submitted():
        form.gs1_prefixes.data = "\n".join(entry.prefix for entry in organization.gs1_prefixes)
    if form.validate_on_submit():
        values = keep_unsettled(record_values(form), organization)
        try:
            if organization is None:
                organization = organizations.create_organization(db.session, current_actor(),
                                                                 **values)
            else:
                values["gs1_prefixes"] = values["gs1_prefixes"] or ""  # empty: none at all
                organizations.update_organization(db.session, current_actor(), organization.id,
                                                  values)
        except (ValidationFailed, Conflict) as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("Organization saved."), "success")
            _warn_about_foreign_products(organization)
            return redirect(url_for("admin.home"))
    title = _l("New organization") if organization is None else _l("Edit organization")
    status = 422 if form.is_submitted() else 200
    return render_template("admin/form.html", form=form, title=title,
                           help={"gs1_prefixes": PREFIX_HELP, **place_help(organization)}), status


@blueprint.route("/organizations/new", methods=["GET", "POST"])
def new_organization() -> Any:
    """Register a producer organization."""
    return _organization_form(None)


@blueprint.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
def edit_organization(organization_id: int) -> Any:
    """Change an organization's details and its GS1 company prefixes."""
    return _organization_form(organizations.get_organization(db.session, organization_id))
