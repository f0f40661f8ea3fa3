"""A batch's full record and what an inspector does to it: suspend, reinstate, recall, review
its certificates, recall what was made from it, export its chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from tracelabel.db import utcnow
from tracelabel.extensions import db
from tracelabel.links import batch_trace_url
from tracelabel.services import batches, inspection, inspector_reads
from tracelabel.services.errors import ValidationFailed
from tracelabel.services.search import BatchFilters
from tracelabel.services.workspace import certificate_state
from tracelabel.web.auth.forms import WorkspaceForm, show_domain_errors
from tracelabel.web.auth.session import current_actor
from tracelabel.web.inspector import forms
from tracelabel.web.inspector.routes import blueprint
from tracelabel.web.inspector.search import EXPORT_TYPES, export_response
from tracelabel.web.producer.batch_forms import STEP_LABELS

# Which moves a batch in each status allows, in the order the page shows them.
MOVES = {"published": ("suspend", "recall"), "suspended": ("reinstate", "recall")}
MOVE_LABELS = {"suspend": _l("Suspend sales"), "reinstate": _l("Lift the suspension"),
               "recall": _l("Recall this batch")}
VERDICTS = {"verify": "verified", "reject": "rejected"}


def render_record(batch_id: int, status: int = 200, **failed: WorkspaceForm) -> Any:
    """The record page; ``failed`` holds a submitted form to show again with its errors."""
    record = inspector_reads.batch_record(db.session, current_actor(), batch_id, utcnow())
    batch = record.batch
    moves = {move: failed.get(move) or forms.ReasonForm(formdata=None, prefix=move)
             for move in MOVES.get(batch.status, ())}
    reviews = {c.id: failed.get(f"cert{c.id}") or forms.ReviewForm(formdata=None, prefix=f"cert{c.id}")
               for c in batch.certificates}
    today = dt.date.today()
    return render_template(
        "inspector/batch.html", record=record, batch=batch, moves=moves, move_labels=MOVE_LABELS,
        reviews=reviews, states={c.id: certificate_state(c, today) for c in batch.certificates},
        statuses=forms.STATUS_LABELS, step_labels=STEP_LABELS,
        trace_url=batch_trace_url(current_app.config["PUBLIC_URL"], batch)), status


@blueprint.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> Any:
    """Everything about a batch, and the actions its status allows."""
    return render_record(batch_id)


@blueprint.post("/batches/<int:batch_id>/<any(suspend, reinstate, recall):move>")
def change_status(batch_id: int, move: str) -> Any:
    """Suspend, reinstate or recall the batch, with a reason."""
    form = forms.ReasonForm(prefix=move)
    if form.validate_on_submit():
        try:
            batches.change_batch_status(db.session, current_actor(), batch_id, move,
                                        form.reason.data)
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("Done: %(action)s.", action=MOVE_LABELS[move]), "success")
            return redirect(url_for("inspector.batch", batch_id=batch_id))
    return render_record(batch_id, 422, **{move: form})


@blueprint.post("/batches/<int:batch_id>/certificates/<int:certificate_id>/<any(verify, reject):verdict>")
def review_certificate(batch_id: int, certificate_id: int, verdict: str) -> Any:
    """Verify a certificate against its issuer, or reject it with a reason."""
    form = forms.ReviewForm(prefix=f"cert{certificate_id}")
    if form.validate_on_submit():
        try:
            inspection.review_certificate(db.session, current_actor(), certificate_id,
                                          VERDICTS[verdict], form.reason.data)
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("Certificate verified.") if verdict == "verify"
                  else gettext("Certificate rejected."), "success")
            return redirect(url_for("inspector.batch", batch_id=batch_id) + "#certificates")
    return render_record(batch_id, 422, **{f"cert{certificate_id}": form})


@blueprint.route("/batches/<int:batch_id>/recall-downstream", methods=["GET", "POST"])
def recall_downstream(batch_id: int) -> Any:
    """Preview every batch on sale made from this lot, then recall them all with one reason."""
    origin = batches.get_batch(db.session, current_actor(), batch_id)
    return recall_page(origin, {"batch_id": batch_id},
                       url_for("inspector.batch", batch_id=batch_id))


def recall_page(origin: Any, where: dict[str, int], back: str) -> Any:
    """The preview and the confirm form of a recall from an area or a lot; posted, the recall."""
    actor = current_actor()
    form = forms.ReasonForm()
    if form.validate_on_submit():
        try:
            recalled = inspection.recall_downstream(db.session, actor, form.reason.data, **where)
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("%(count)s batches recalled.", count=len(recalled)), "success")
            return redirect(back)
    preview = inspector_reads.recall_preview(db.session, actor, **where)
    return render_template("inspector/recall.html", origin=origin, where=where, preview=preview,
                           form=form, back=back, statuses=forms.STATUS_LABELS), (
        422 if form.is_submitted() else 200)


@blueprint.get("/batches/<int:batch_id>/export")
def export_batch(batch_id: int) -> Any:
    """One batch's chain as an EPCIS 2.0 document or the spreadsheet."""
    fmt = request.args.get("format", "epcis")
    if fmt not in EXPORT_TYPES:
        abort(404)
    found = batches.get_batch(db.session, current_actor(), batch_id)
    return export_response(BatchFilters(code=found.code), fmt, f"truy-xuat-{found.code}")
