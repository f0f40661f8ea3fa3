"""After publication: issue unit serials and download the labels."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext

from tracelabel import codes, worker
from tracelabel.extensions import db
from tracelabel.services import batches
from tracelabel.services.errors import ValidationFailed
from tracelabel.services.labels import (
    LABEL_JOB_THRESHOLD,
    MEDIA_TYPES,
    LabelRequest,
    planned_labels,
    render_batch_labels,
)
from tracelabel.web.auth.session import current_actor
from tracelabel.web.downloads import finished_file
from tracelabel.web.errors import translate
from tracelabel.web.producer import batch_forms
from tracelabel.web.producer.routes import blueprint


@blueprint.post("/batches/<int:batch_id>/units")
def issue_units(batch_id: int) -> Any:
    """Reserve the next N unit serials of a published batch."""
    batches.get_batch(db.session, current_actor(), batch_id)  # another producer's batch: 404 first
    form = batch_forms.UnitsForm()
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(f"{form.count.label.text}: {message}", "error")
        return redirect(url_for("producer.batch", batch_id=batch_id, _anchor="labels"))
    try:
        first, last = batches.issue_units(db.session, current_actor(), batch_id, form.count.data)
    except ValidationFailed as error:
        db.session.rollback()
        for item in error.errors:
            flash(translate(item.message, item.params), "error")
        return redirect(url_for("producer.batch", batch_id=batch_id, _anchor="labels"))
    db.session.commit()
    flash(gettext("Unit labels %(first)s–%(last)s issued.", first=first, last=last), "success")
    return redirect(url_for("producer.batch", batch_id=batch_id, units=f"{first}-{last}",
                            _anchor="labels"))


@blueprint.get("/batches/<int:batch_id>/labels")
def labels(batch_id: int) -> Any:
    """The label file (the same query as the API's, or the form's ``output``); ``preview=1``
    shows it in the page."""
    form = batch_forms.LabelsForm(request.args)
    label_request = _label_request(request.args.get("output"), (form.units.data or "").strip())
    batch = batches.get_batch(db.session, current_actor(), batch_id)
    suffix = f"-{label_request.units.replace(' ', '')}" if label_request.units else ""
    preview = request.args.get("preview") == "1"
    filename = f"nhan-{batch.code}{suffix}.{label_request.fmt}"
    count = planned_labels(db.session, current_actor(), batch_id, label_request)
    if not preview and (count > LABEL_JOB_THRESHOLD or request.args.get("background") == "1"):
        job = worker.start_job(current_app, db.session, current_actor(), "labels", {
            "batch_id": batch_id, "request": dataclasses.asdict(label_request), "total": count,
            "public_url": current_app.config["PUBLIC_URL"], "filename": filename})
        return redirect(url_for("producer.job", job_id=job.id))
    response = finished_file(
        lambda out: render_batch_labels(
            db.session, current_actor(), batch_id, label_request,
            public_url=current_app.config["PUBLIC_URL"],
            code_keys=codes.parse_code_keys(current_app.config["CODE_KEYS"]), out=out,
            record_run=not preview),
        media_type=MEDIA_TYPES.get(label_request.fmt, "application/octet-stream"),  # checked first
        filename=filename, inline=preview)
    db.session.commit()  # the label run
    return response


def _label_request(output: str | None, units: str) -> LabelRequest:
    """``format:template:symbology`` from the form's select, else the separate query arguments."""
    if output and output.count(":") == 2:
        fmt, template, symbology = output.split(":")
    else:
        fmt, template, symbology = (request.args.get("format", ""), request.args.get("template", ""),
                                    request.args.get("symbology", ""))
    return LabelRequest(fmt=fmt or "pdf", symbology=symbology or "qr", template=template or None,
                        units=units or None)
