"""The producer blueprint: signed-in producers only; refused use cases become a workspace page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from tracelabel.extensions import db
from tracelabel.services.errors import DomainError
from tracelabel.web.auth.session import require_role
from tracelabel.web.errors import STATUS_BY_KIND, field_errors, translate

blueprint = Blueprint("producer", __name__, url_prefix="/workspace")


# The capture page's service worker and manifest, which the browser fetches on its own (the
# manifest without cookies): no data in them, so no session needed.
OPEN_ENDPOINTS = frozenset({"producer.capture_worker", "producer.capture_manifest"})


@blueprint.before_request
def only_producers() -> Any:
    """Anonymous visitors go to the login page; inspectors and admins are refused (403)."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    return require_role("producer")


@blueprint.errorhandler(DomainError)
def refused(error: DomainError) -> Any:
    """A refused use case (another producer's record, a published batch, …) as a page."""
    db.session.rollback()
    status = STATUS_BY_KIND.get(error.kind, 400)
    return render_template("producer/error.html", status=status,
                           title=translate(error.message, error.params),
                           errors=field_errors(error.errors)), status
