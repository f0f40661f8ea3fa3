"""The inspector blueprint: inspectors only (admins also read the audit trail); refused use cases
become a workspace page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from tracelabel.extensions import db
from tracelabel.services.errors import DomainError
from tracelabel.web.auth.session import require_role
from tracelabel.web.errors import STATUS_BY_KIND, field_errors, translate

blueprint = Blueprint("inspector", __name__, url_prefix="/inspector")
# The audit trail is the one place administrators share with inspectors.
AUDIT_ENDPOINTS = frozenset({"inspector.audit", "inspector.verify_audit"})


@blueprint.before_request
def only_inspectors() -> Any:
    """Anonymous visitors go to the login page; producers (and admins, but on the audit trail)
    are refused (403)."""
    if request.endpoint in AUDIT_ENDPOINTS:
        return require_role("inspector", "admin")
    return require_role("inspector")


@blueprint.errorhandler(DomainError)
def refused(error: DomainError) -> Any:
    """A refused use case (nothing to recall, a batch already recalled, …) as a page."""
    db.session.rollback()
    status = STATUS_BY_KIND.get(error.kind, 400)
    return render_template("inspector/error.html", status=status,
                           title=translate(error.message, error.params),
                           errors=field_errors(error.errors)), status
