"""Batches, their chain events, publication, status changes and unit serials."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from flask import Response, current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from tracelabel import codes
from tracelabel.extensions import db
from tracelabel.services import batches, passport, readiness, search, trace
from tracelabel.services.errors import Conflict
from tracelabel.services.labels import (
    LABEL_JOB_THRESHOLD,
    MEDIA_TYPES,
    LabelRequest,
    planned_labels,
    render_batch_labels,
)
from tracelabel.web import idempotent
from tracelabel.web.api import jobs as api_jobs
from tracelabel.web.api import schemas
from tracelabel.web.downloads import finished_file
from tracelabel.web.errors import translate

blueprint = Blueprint("batches", __name__, url_prefix="/api/v1/batches",
                      description="Batches (lots) and their origin chain.")


@blueprint.route("")
class BatchCollection(MethodView):
    @blueprint.arguments(schemas.BatchQuerySchema, location="query")
    @blueprint.response(200, schemas.BatchPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Search the batches you may see (inspectors: every producer's), paginated and sortable."""
        paging = {key: args.pop(key) for key in ("page", "per_page", "sort")}
        found = search.search_batches(db.session, g.actor, search.BatchFilters(**args), **paging)
        return {"items": found.items, "total": min(found.total, search.COUNT_CAP),
                "total_is_lower_bound": found.total > search.COUNT_CAP,
                "page": found.page, "per_page": found.per_page}

    @blueprint.arguments(schemas.BatchInSchema)
    @blueprint.response(201, schemas.BatchSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Create a draft batch with its origin links."""
        batch = batches.create_batch(db.session, g.actor, values)
        db.session.commit()
        return batch


@blueprint.route("/<int:batch_id>")
class BatchItem(MethodView):
    @blueprint.response(200, schemas.BatchSchema)
    def get(self, batch_id: int) -> Any:
        """Read one batch."""
        return batches.get_batch(db.session, g.actor, batch_id)

    @blueprint.arguments(schemas.BatchPatchSchema(partial=True))
    @blueprint.response(200, schemas.BatchSchema)
    def patch(self, changes: dict[str, Any], batch_id: int) -> Any:
        """Change a draft batch."""
        batch = batches.update_batch(db.session, g.actor, batch_id, changes)
        db.session.commit()
        return batch


@blueprint.route("/<int:batch_id>/publish", methods=["POST"])
@blueprint.response(200, schemas.BatchSchema)
def publish(batch_id: int) -> Any:
    """Publish a draft batch: its trace page goes live and its chain becomes append-only."""
    batch = batches.publish_batch(db.session, g.actor, batch_id)
    db.session.commit()
    return batch


def _status_route(move: str, summary: str) -> None:
    @blueprint.route(f"/<int:batch_id>/{move}", methods=["POST"], endpoint=move)
    @blueprint.arguments(schemas.StatusChangeSchema)
    @blueprint.response(200, schemas.BatchSchema)
    def change(values: dict[str, Any], batch_id: int) -> Any:
        batch = batches.change_batch_status(db.session, g.actor, batch_id, move, values["reason"])
        db.session.commit()
        return batch

    change.__doc__ = summary


_status_route("suspend", "Suspend a published batch (inspectors), with a reason.")
_status_route("reinstate", "Lift a suspension (inspectors), with a reason.")
_status_route("recall", "Recall a batch (inspectors), with a reason.")


@blueprint.route("/<int:batch_id>/readiness", methods=["GET"])
@blueprint.response(200, schemas.ReadinessSchema)
def batch_readiness(batch_id: int) -> Any:
    """Which of the ten items of Circular 02/2024 the batch's trace would lack."""
    report = readiness.batch_readiness(db.session, g.actor, batch_id)
    return {
        "batch_id": report.batch_id, "ready": report.ready,
        "items": [{"item": key, "label": translate(label, {}), "ok": report.item_ok(key)}
                  for key, label in readiness.ITEMS.items()],
        "gaps": [{"item": gap.item, "message": translate(gap.message, gap.params)}
                 for gap in report.gaps],
    }


@blueprint.route("/<int:batch_id>/passport", methods=["GET"])
@blueprint.response(200, description="the digital product passport (JSON-LD)",
                    content_type="application/ld+json")
def batch_passport(batch_id: int) -> Any:
    """The batch's digital product passport (Decree 37/2026), as the public resolver serves it."""
    batch = batches.get_batch(db.session, g.actor, batch_id)
    if batch.status == "draft":
        raise Conflict("A draft batch has no passport yet; publish it first.")
    facts = trace.batch_facts(db.session, batch.id, trace.vietnam_today())
    body = passport.batch_passport(batch, current_app.config["PUBLIC_URL"], facts)
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/ld+json")


@blueprint.route("/<int:batch_id>/units", methods=["POST"])
@blueprint.arguments(schemas.UnitsInSchema)
@blueprint.response(201, schemas.UnitsSchema)
def issue_units(values: dict[str, Any], batch_id: int) -> Any:
    """Issue the next ``count`` unit serials of a published batch."""
    first, last = batches.issue_units(db.session, g.actor, batch_id, values["count"])
    db.session.commit()
    return {"batch_id": batch_id, "first": first, "last": last}


@blueprint.route("/<int:batch_id>/events")
class EventCollection(MethodView):
    @blueprint.response(200, schemas.EventListSchema)
    def get(self, batch_id: int) -> Any:
        """The batch's chain, oldest first, corrections included."""
        return {"items": batches.get_batch(db.session, g.actor, batch_id).events}

    @blueprint.arguments(schemas.EventInSchema)
    @blueprint.response(201, schemas.EventSchema)
    def post(self, values: dict[str, Any], batch_id: int) -> Any:
        """Append a step to the chain; ``supersedes_id`` makes it a correction.

        With an ``Idempotency-Key`` header, sending the same request again answers the first
        result (header ``Idempotent-Replayed: true``) and records nothing new; the same key with
        another body is 422.
        """
        return idempotent.append_event(g.actor, batch_id, values)


@blueprint.route("/<int:batch_id>/labels", methods=["GET"])
@blueprint.arguments(schemas.LabelQuerySchema, location="query")
@blueprint.response(200, description="the label file (PNG, SVG, PDF or ZPL)", content_type=
                    "application/pdf")
def labels(args: dict[str, Any], batch_id: int) -> Response:
    """Labels of a published batch: one symbol (png, svg), a sheet (pdf) or ZPL; ``units`` for unit labels.

    A run above 20,000 labels (or any, with ``background=true``) becomes a job: 202 with
    ``Location:`` the job (`GET /api/v1/jobs/{id}`), whose ``result_url`` downloads the file.
    """
    request = LabelRequest(fmt=args["format"], symbology=args["symbology"],
                           template=args["template"], units=args.get("units"), dpi=args.get("dpi"))
    keys = codes.parse_code_keys(current_app.config["CODE_KEYS"])
    batch = batches.get_batch(db.session, g.actor, batch_id)
    suffix = f"-{request.units.replace(' ', '')}" if request.units else ""
    filename = f"nhan-{batch.code}{suffix}.{request.fmt}"
    count = planned_labels(db.session, g.actor, batch_id, request)
    if args.get("background") or count > LABEL_JOB_THRESHOLD:
        return api_jobs.start("labels", {
            "batch_id": batch_id, "request": dataclasses.asdict(request), "total": count,
            "public_url": current_app.config["PUBLIC_URL"], "filename": filename})
    response = finished_file(
        lambda out: render_batch_labels(db.session, g.actor, batch_id, request,
                                        public_url=current_app.config["PUBLIC_URL"],
                                        code_keys=keys, out=out),
        media_type=MEDIA_TYPES[request.fmt], filename=filename)
    db.session.commit()  # the label run
    return response
