"""The programme blueprint: programme officials and inspectors (each within its scope)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from tracelabel import admin_units
from tracelabel.extensions import db
from tracelabel.services.errors import DomainError
from tracelabel.web.auth.session import require_role
from tracelabel.web.errors import STATUS_BY_KIND, field_errors, translate

blueprint = Blueprint("programme", __name__, url_prefix="/programme")
ROLES = ("programme", "inspector")


@blueprint.before_request
def only_officials() -> Any:
    """Anonymous visitors go to the login page; producers and administrators are refused (403)."""
    return require_role(*ROLES)


@blueprint.errorhandler(DomainError)
def refused(error: DomainError) -> Any:
    """A refused request (another province, a date in the future, …) as a page."""
    db.session.rollback()
    status = STATUS_BY_KIND.get(error.kind, 400)
    return render_template("inspector/error.html", status=status,
                           title=translate(error.message, error.params),
                           errors=field_errors(error.errors)), status


@blueprint.app_template_global("scope_province_name")
def scope_province_name(code: str | None) -> str | None:
    """The name of the province an official sees (None: the whole country)."""
    province = admin_units.province_by_code(code)
    return province.name if province else None
