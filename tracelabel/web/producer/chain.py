"""Steps 2–4 of a batch: where it came from, its chain of events, the certificates it claims."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext

from tracelabel.extensions import db
from tracelabel.models import Batch
from tracelabel.services import batches, events, workspace
from tracelabel.services.errors import ValidationFailed
from tracelabel.services.workspace import certificate_state
from tracelabel.web.auth.forms import ConfirmForm, show_domain_errors
from tracelabel.web.auth.session import current_actor
from tracelabel.web.producer import batch_forms
from tracelabel.web.producer.batches import render_step, save_step
from tracelabel.web.producer.routes import blueprint


def _area_label(area: Any) -> str:
    return f"{area.name} ({area.code})" if area.code else area.name


@blueprint.route("/batches/<int:batch_id>/origin", methods=["GET", "POST"])
def batch_origin(batch_id: int) -> Any:
    """Step 2: raw-material areas, input lots and facilities."""
    actor = current_actor()
    batch = workspace.batch_with_chain(db.session, actor, batch_id)
    found = workspace.registry(db.session, actor)
    rows = [{"code": i.input_batch.code if i.input_batch else None, "lot": i.lot,
             "supplier": i.supplier, "quantity": i.quantity, "unit": i.unit} for i in batch.inputs]
    form = batch_forms.OriginForm(data={
        "area_ids": [a.id for a in batch.areas], "facility_ids": [f.id for f in batch.facilities],
        "input_lots": [*rows, {}, {}]})
    form.area_ids.choices = [(a.id, _area_label(a)) for a in found.areas]
    form.facility_ids.choices = [(f.id, f.name) for f in found.facilities]
    return save_step(form, batch, "producer.batch_events", "producer/batch_origin.html")


def _event_form(batch: Batch, found: workspace.Registry) -> batch_forms.EventForm:
    form = batch_forms.EventForm()
    none = [("", "—")]
    form.area_id.choices = none + [(a.id, _area_label(a)) for a in found.areas]
    form.facility_id.choices = none + [(f.id, f.name) for f in found.facilities]
    replaced = events.superseded_ids(batch.events)
    form.supersedes_id.choices = none + [
        (e.id, f"#{e.id} {batch_forms.STEP_LABELS[e.step]} {e.occurred_local:%d/%m/%Y %H:%M}")
        for e in batch.events if e.id not in replaced]
    return form


@blueprint.route("/batches/<int:batch_id>/events", methods=["GET", "POST"])
def batch_events(batch_id: int) -> Any:
    """Step 3: the chain so far and a form for the next event (or a correction, once published)."""
    actor = current_actor()
    batch = workspace.batch_with_chain(db.session, actor, batch_id)
    form = _event_form(batch, workspace.registry(db.session, actor))
    if form.validate_on_submit():
        try:
            events.append_event(db.session, actor, batch.id, form.values())
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("Event added."), "success")
            return redirect(url_for("producer.batch_events", batch_id=batch.id))
    status = 422 if form.is_submitted() else 200
    return render_step("producer/batch_events.html", batch, status, form=form,
                       confirm=ConfirmForm(), replaced=events.superseded_ids(batch.events),
                       step_labels=batch_forms.STEP_LABELS)


@blueprint.post("/batches/<int:batch_id>/events/<int:event_id>/delete")
def delete_event(batch_id: int, event_id: int) -> Any:
    """Remove an event of a draft batch (a published chain only takes corrections)."""
    if ConfirmForm().validate_on_submit():
        events.remove_draft_event(db.session, current_actor(), batch_id, event_id)
        db.session.commit()
        flash(gettext("Event removed."), "success")
    return redirect(url_for("producer.batch_events", batch_id=batch_id))


@blueprint.route("/batches/<int:batch_id>/certificates", methods=["GET", "POST"])
def batch_certificates(batch_id: int) -> Any:
    """Step 4: the certificates this batch claims, with their validity today."""
    actor = current_actor()
    batch = workspace.batch_with_chain(db.session, actor, batch_id)
    found = workspace.registry(db.session, actor)
    form = batch_forms.CertificatesForm(data={"certificate_ids": [c.id for c in batch.certificates]})
    form.certificate_ids.choices = [(c.id, f"{c.scheme.upper()} {c.number}") for c in found.certificates]
    if form.validate_on_submit():
        try:
            batches.update_batch(db.session, actor, batch.id,
                                 {"certificate_ids": form.certificate_ids.data})
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            return redirect(url_for("producer.batch", batch_id=batch.id))
    status = 422 if form.is_submitted() else 200
    today = dt.date.today()
    return render_step("producer/batch_certificates.html", batch, status, form=form,
                       certificates={c.id: c for c in found.certificates},
                       states={c.id: certificate_state(c, today) for c in found.certificates})
