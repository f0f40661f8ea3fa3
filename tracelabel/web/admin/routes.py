"""The admin blueprint: administrators only; a refused use case becomes an admin page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from tracelabel.extensions import db
from tracelabel.services.errors import DomainError
from tracelabel.web.auth.session import require_role
from tracelabel.web.errors import STATUS_BY_KIND, field_errors, translate

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.before_request
def only_admins() -> Any:
    """Anonymous visitors go to the login page; other roles are refused (403)."""
    return require_role("admin")


@blueprint.errorhandler(DomainError)
def refused(error: DomainError) -> Any:
    """A refused use case (one's own deactivation, an unknown account, …) as a page."""
    db.session.rollback()
    status = STATUS_BY_KIND.get(error.kind, 400)
    return render_template("admin/error.html", status=status,
                           title=translate(error.message, error.params),
                           errors=field_errors(error.errors)), status
