"""Batch pages: the list, a new batch (or a copy of an earlier one), step 1, review and publish."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from tracelabel.extensions import db
from tracelabel.links import batch_trace_url
from tracelabel.models import Batch
from tracelabel.services import batches, readiness, workspace
from tracelabel.services.errors import ValidationFailed
from tracelabel.web.auth.forms import ConfirmForm, show_domain_errors
from tracelabel.web.auth.session import current_actor
from tracelabel.web.errors import translate
from tracelabel.web.producer import batch_forms
from tracelabel.web.producer.checklist import checklist_rows
from tracelabel.web.producer.routes import blueprint

STATUS_LABELS = {"draft": _l("draft"), "published": _l("published"), "suspended": _l("suspended"),
                 "recalled": _l("recalled")}
STEPS = (("producer.batch_details", _l("Product and lot")), ("producer.batch_origin", _l("Origin")),
         ("producer.batch_events", _l("Chain events")),
         ("producer.batch_certificates", _l("Certificates")), ("producer.batch", _l("Review")))


def save_step(form: Any, batch: Batch, next_endpoint: str, template: str) -> Any:
    """Save a draft's step through ``update_batch`` and go on, or show the step again with errors."""
    if form.validate_on_submit():
        try:
            batches.update_batch(db.session, current_actor(), batch.id, form.values())
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            return redirect(url_for(next_endpoint, batch_id=batch.id))
    return render_step(template, batch, 422 if form.is_submitted() else 200, form=form)


def render_step(template: str, batch: Batch, status: int = 200, **context: Any) -> Any:
    """A page of the walk-through, with the step bar."""
    return render_template(template, batch=batch, steps=STEPS, statuses=STATUS_LABELS,
                           **context), status


@blueprint.get("/batches", endpoint="batches")
def batches_list() -> str:
    """The organization's batches, newest first, optionally by status."""
    status = request.args.get("status") if request.args.get("status") in STATUS_LABELS else None
    page = workspace.batch_rows(db.session, current_actor(), status=status,
                                page=max(request.args.get("page", 1, type=int) or 1, 1))
    return render_template("producer/batches.html", page=page, status=status,
                           statuses=STATUS_LABELS)


def _copy_of(source_id: int | None, products: list[Any]) -> dict[str, Any]:
    today = dt.date.today()
    if not source_id:
        only = products[0] if len(products) == 1 else None  # one product: nothing to choose
        return {"production_date": today, **({"product_id": only.id, "expiry_date": _shelf_end(
            today, only)} if only else {})}
    source = workspace.batch_with_chain(db.session, current_actor(), source_id)
    return {"product_id": source.product_id, "production_date": today,
            "expiry_date": _shelf_end(today, source.product),
            "quantity": source.quantity, "unit": source.unit,
            "area_ids": [a.id for a in source.areas], "facility_ids": [f.id for f in source.facilities],
            "certificate_ids": [c.id for c in source.certificates]}


def _shelf_end(produced: dt.date, product: Any) -> dt.date | None:
    """The expiry a product's shelf life proposes for a batch produced that day."""
    days = getattr(product, "shelf_life_days", None)
    return produced + dt.timedelta(days=days) if days else None


def _propose_expiry(form: Any, products: list[Any]) -> int | None:
    """Fill a blank expiry from the chosen product's shelf life; its days, or None if none was."""
    product = next((p for p in products if p.id == form.product_id.data), None)
    days = product.shelf_life_days if product else None
    proposal = form.proposed_expiry(days)
    if proposal is None:
        return None
    form.expiry_date.data, form.expiry_date.raw_data = proposal, []
    form.expiry_proposed.data = "1"
    return days


def _link_choices(form: Any, found: workspace.Registry) -> None:
    form.area_ids.choices = [(a.id, f"{a.name} ({a.code})" if a.code else a.name) for a in found.areas]
    form.facility_ids.choices = [(f.id, f.name) for f in found.facilities]
    form.certificate_ids.choices = [(c.id, f"{c.scheme.upper()} {c.number}")
                                    for c in found.certificates]


@blueprint.route("/batches/new", methods=["GET", "POST"])
def new_batch() -> Any:
    """Step 1 of a new batch; ``?copy=ID`` starts from an earlier batch (a new lot to fill in)."""
    actor = current_actor()
    copy_id = request.args.get("copy", type=int)
    found = workspace.registry(db.session, actor)
    form = batch_forms.NewBatchForm(data=_copy_of(copy_id, found.products))
    form.product_id.choices = [("", "—")] + [(p.id, p.name) for p in found.products]
    _link_choices(form, found)
    valid = form.validate_on_submit()
    proposed_days = _propose_expiry(form, found.products) if valid else None
    if proposed_days:  # shown for the producer to check (or clear) before the batch is created
        return render_template("producer/batch_new.html", form=form, copy_id=copy_id,
                               has_products=True, proposed_days=proposed_days)
    if valid:
        try:
            batch = batches.create_batch(db.session, actor, form.values())
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("Batch created. Next: where it came from."), "success")
            return redirect(url_for("producer.batch_origin", batch_id=batch.id))
    status = 422 if form.is_submitted() else 200
    return render_template("producer/batch_new.html", form=form, copy_id=copy_id,
                           has_products=bool(found.products)), status


@blueprint.route("/batches/<int:batch_id>/details", methods=["GET", "POST"])
def batch_details(batch_id: int) -> Any:
    """Step 1: the lot, its dates and quantity (drafts only)."""
    actor = current_actor()
    batch = workspace.batch_with_chain(db.session, actor, batch_id)
    form = batch_forms.BatchDetailsForm(obj=batch)
    del form.product_id  # fixed once created
    return save_step(form, batch, "producer.batch_origin", "producer/batch_details.html")


@blueprint.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> Any:
    """Review: everything the trace page will show, what is missing, then publish or labels."""
    actor = current_actor()
    found = workspace.batch_with_chain(db.session, actor, batch_id)
    report = readiness.batch_readiness(db.session, actor, found.id)
    return render_step("producer/batch_review.html", found, gaps=batches.publication_gaps(found),
                       checklist=checklist_rows(report, found), ready=report.ready,
                       trace_url=batch_trace_url(current_app.config["PUBLIC_URL"], found),
                       confirm=ConfirmForm(), units_form=batch_forms.UnitsForm(formdata=None),
                       labels_form=batch_forms.LabelsForm(gtin=found.product.gtin),
                       step_labels=batch_forms.STEP_LABELS)


@blueprint.post("/batches/<int:batch_id>/publish")
def publish_batch(batch_id: int) -> Any:
    """Publish a draft: its trace page goes live."""
    if ConfirmForm().validate_on_submit():
        try:
            batches.publish_batch(db.session, current_actor(), batch_id)
        except ValidationFailed as error:
            db.session.rollback()
            for item in error.errors:
                flash(translate(item.message, item.params), "error")
        else:
            db.session.commit()
            flash(gettext("Published. The trace page is live; now print the labels."), "success")
    return redirect(url_for("producer.batch", batch_id=batch_id))

