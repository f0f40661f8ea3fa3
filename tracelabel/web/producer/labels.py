"""After publication: issue unit serials and download the labels."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, flash, redirect, request, url_for
from flask_babel import gettext

from tracelabel import codes
from tracelabel.extensions import db
from tracelabel.services import batches
from tracelabel.services.errors import ValidationFailed
from tracelabel.services.labels import MEDIA_TYPES, LabelRequest, render_batch_labels
from tracelabel.web.auth.session import current_actor
from tracelabel.web.errors import translate
from tracelabel.web.producer import batch_forms
from tracelabel.web.producer.routes import blueprint

SPOOL_BYTES = 8 * 1024 * 1024  # built in memory, then on disk: sent only once complete


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
    """The label file (the same query as the API's); ``preview=1`` shows it in the page."""
    form = batch_forms.LabelsForm(request.args)
    label_request = LabelRequest(fmt=form.format.data or "pdf", symbology=form.symbology.data or "qr",
                                 template=form.template.data or "a4-3x8",
                                 units=(form.units.data or "").strip() or None)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - send_file closes it
    try:
        render_batch_labels(db.session, current_actor(), batch_id, label_request,
                            public_url=current_app.config["PUBLIC_URL"],
                            code_keys=codes.parse_code_keys(current_app.config["CODE_KEYS"]),
                            out=spool)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    batch = batches.get_batch(db.session, current_actor(), batch_id)
    suffix = f"-{label_request.units.replace(' ', '')}" if label_request.units else ""
    disposition = "inline" if request.args.get("preview") == "1" else "attachment"
    response = Response(_drain(spool), mimetype=MEDIA_TYPES[label_request.fmt], headers={
        "Content-Length": str(size),
        "Content-Disposition": f'{disposition}; filename="nhan-{batch.code}{suffix}.{label_request.fmt}"'})
    response.call_on_close(spool.close)
    return response


def _drain(spool: Any, block: int = 256 * 1024) -> Iterator[bytes]:
    """Send the finished file in blocks, closing it at the end."""
    try:
        while chunk := spool.read(block):
            yield chunk
    finally:
        spool.close()
