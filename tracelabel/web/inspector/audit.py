"""The audit trail: filter the entries, and verify the hash chain end to end."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l

from tracelabel.extensions import db
from tracelabel.services import audit as audit_trail
from tracelabel.services import inspector_reads
from tracelabel.web.auth.forms import ConfirmForm
from tracelabel.web.auth.session import current_actor
from tracelabel.web.inspector import forms
from tracelabel.web.inspector.routes import blueprint
from tracelabel.web.inspector.search import page_number

PER_PAGE = 50


def _entries(form: forms.AuditForm) -> Any:
    """A page of entries matching the form, or None when a field is wrong (errors on the form)."""
    asked = any(value for key, value in request.args.items() if key != "page")
    if asked and not form.validate():
        return None
    filters = form.filters()
    if form.actor.data and form.actor.data.strip():
        filters["actor_user_id"] = inspector_reads.actor_user_id(db.session, form.actor.data)
        if filters["actor_user_id"] is None:
            form.actor.errors = [*form.actor.errors, _l("No account has this id or email.")]
            return None
    return audit_trail.list_entries(db.session, current_actor(), page=page_number(),
                                    per_page=PER_PAGE, **filters)


def render_audit(report: Any = None) -> Any:
    """The filters, a page of entries and, after a check, the chain's report."""
    form = forms.AuditForm(request.args)
    entries = _entries(form)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("inspector/audit.html", form=form, entries=entries, query=query,
                           report=report, confirm=ConfirmForm()), 200 if entries is not None else 422


@blueprint.get("/audit")
def audit() -> Any:
    """The audit trail, newest first (inspectors and administrators)."""
    return render_audit()


@blueprint.post("/audit/verify")
def verify_audit() -> Any:
    """Walk the whole chain, as ``tracelabel audit verify`` does, and show the result."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return render_audit(audit_trail.verify_chain(db.session))
