"""Inspectors' API: one step back and forward, recalls from an origin, certificate reviews,
alerts, exports and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, current_app, g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from tracelabel.extensions import db
from tracelabel.services import audit, batches, exports, inspection, search
from tracelabel.services.errors import Forbidden
from tracelabel.web.api import jobs as api_jobs
from tracelabel.web.api import schemas
from tracelabel.web.downloads import finished_file

blueprint = Blueprint("inspection", __name__, url_prefix="/api/v1",
                      description="Tracing, recalls, certificate reviews, alerts, exports, audit.")
EXPORT_TYPES = exports.FILE_TYPES


class BatchRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    lot = fields.String()
    status = fields.String()
    product_id = fields.Integer()
    organization_id = fields.Integer()


class TraceSchema(Schema):
    batch_id = fields.Integer()
    areas = fields.List(fields.Nested(schemas.AreaSchema))
    input_lots = fields.List(fields.Nested(schemas.InputLotSchema))
    input_batches = fields.List(fields.Nested(BatchRefSchema))
    made_into = fields.List(fields.Nested(BatchRefSchema))


class RecallSchema(schemas.InputSchema):
    reason = schemas.text(2000)
    preview = fields.Boolean(load_default=False)


class RecallResultSchema(Schema):
    preview = fields.Boolean()
    batches = fields.List(fields.Nested(BatchRefSchema))


class ReviewSchema(schemas.InputSchema):
    reason = schemas.text(2000)


class CertificateAlertSchema(Schema):
    certificate = fields.Nested(schemas.CertificateSchema)
    batches_on_sale = fields.Integer()
    days_left = fields.Integer()


class ScanAlertSchema(Schema):
    batch = fields.Nested(BatchRefSchema)
    serial = fields.Integer()
    kind = fields.String(metadata={"description": "copied or recalled"})
    clients = fields.Integer()
    scans = fields.Integer()


class AlertsSchema(Schema):
    certificates = fields.List(fields.Nested(CertificateAlertSchema))
    scans = fields.List(fields.Nested(ScanAlertSchema))


class AlertsQuerySchema(schemas.CleanSchema):
    days = fields.Integer(load_default=30, validate=validate.Range(1, 366))


def background_field() -> fields.Boolean:
    return fields.Boolean(load_default=False, metadata={
        "description": "write the file in a background job (202 and the job's URL); exports of "
                       f"more than {exports.EXPORT_JOB_THRESHOLD:,} batches always are"})


class ExportFormatSchema(schemas.CleanSchema):
    format = fields.String(required=True, validate=validate.OneOf(tuple(EXPORT_TYPES)))
    background = background_field()


class ExportQuerySchema(schemas.BatchQuerySchema):
    format = fields.String(required=True, validate=validate.OneOf(tuple(EXPORT_TYPES)))
    background = background_field()


class AuditEntrySchema(Schema):
    seq = fields.Integer()
    occurred_at = fields.AwareDateTime()
    actor_user_id = fields.Integer(allow_none=True)
    actor_label = fields.String()
    action = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    hash = fields.String()


class AuditPageSchema(schemas.PageSchema):
    items = fields.List(fields.Nested(AuditEntrySchema))


class AuditQuerySchema(schemas.ListQuerySchema):
    actor_user_id = schemas.query_id()
    entity_type = fields.String(validate=validate.Length(1, 40))
    entity_id = fields.String(validate=validate.Length(1, 40))
    action = fields.String(validate=validate.Length(1, 60))
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()


class ChainReportSchema(Schema):
    ok = fields.Boolean()
    entries_checked = fields.Integer()
    bad_seq = fields.Integer(allow_none=True)
    problem = fields.String(allow_none=True)


@blueprint.route("/batches/<int:batch_id>/trace", methods=["GET"])
@blueprint.response(200, TraceSchema)
def trace(batch_id: int) -> Any:
    """One step back (areas, input lots) and one step forward (batches made from this one)."""
    batch = batches.get_batch(db.session, g.actor, batch_id)
    return {"batch_id": batch.id, "areas": batch.areas, "input_lots": batch.inputs,
            "input_batches": [i.input_batch for i in batch.inputs if i.input_batch is not None],
            "made_into": search.batches_made_from(db.session, g.actor, batch.id)}


@blueprint.route("/areas/<int:area_id>/batches", methods=["GET"])
@blueprint.response(200, RecallResultSchema)
def area_batches(area_id: int) -> Any:
    """One step forward from a raw-material area: the batches on sale made from it."""
    found = inspection.downstream_batches(db.session, g.actor, area_id=area_id)
    return {"preview": True, "batches": found}


def _recall(reason: str | None, preview: bool, **origin: int) -> Any:
    if preview:
        if not g.actor.is_inspector:
            raise Forbidden("Only an inspector may do this.")
        return {"preview": True, "batches": inspection.downstream_batches(db.session, g.actor,
                                                                          **origin)}
    recalled = inspection.recall_downstream(db.session, g.actor, reason or "", **origin)
    db.session.commit()
    return {"preview": False, "batches": recalled}


@blueprint.route("/areas/<int:area_id>/recall", methods=["POST"])
@blueprint.arguments(RecallSchema)
@blueprint.response(200, RecallResultSchema)
def recall_from_area(values: dict[str, Any], area_id: int) -> Any:
    """Recall every batch on sale made from the area (``preview: true`` lists them first)."""
    return _recall(values.get("reason"), values["preview"], area_id=area_id)


@blueprint.route("/batches/<int:batch_id>/recall-downstream", methods=["POST"])
@blueprint.arguments(RecallSchema)
@blueprint.response(200, RecallResultSchema)
def recall_made_from(values: dict[str, Any], batch_id: int) -> Any:
    """Recall every batch on sale made from this lot (``preview: true`` lists them first)."""
    return _recall(values.get("reason"), values["preview"], batch_id=batch_id)


def _review(certificate_id: int, verdict: str, reason: str | None) -> Any:
    certificate = inspection.review_certificate(db.session, g.actor, certificate_id, verdict, reason)
    db.session.commit()
    return certificate


@blueprint.route("/certificates/<int:certificate_id>/verify", methods=["POST"])
@blueprint.arguments(ReviewSchema)
@blueprint.response(200, schemas.CertificateSchema)
def verify_certificate(values: dict[str, Any], certificate_id: int) -> Any:
    """Mark a certificate as checked against its issuer (inspectors)."""
    return _review(certificate_id, "verified", values.get("reason"))


@blueprint.route("/certificates/<int:certificate_id>/reject", methods=["POST"])
@blueprint.arguments(ReviewSchema)
@blueprint.response(200, schemas.CertificateSchema)
def reject_certificate(values: dict[str, Any], certificate_id: int) -> Any:
    """Reject a certificate that does not hold, with a reason (inspectors)."""
    return _review(certificate_id, "rejected", values.get("reason"))


@blueprint.route("/areas/<int:area_id>/code-status", methods=["POST"])
@blueprint.arguments(schemas.CodeStatusInSchema)
@blueprint.response(200, schemas.AreaSchema)
def set_code_status(values: dict[str, Any], area_id: int) -> Any:
    """Set an area code's official status, with a reason (inspectors)."""
    area = inspection.set_area_code_status(db.session, g.actor, area_id, values["code_status"],
                                           values["reason"])
    db.session.commit()
    return area


@blueprint.route("/alerts", methods=["GET"])
@blueprint.arguments(AlertsQuerySchema, location="query")
@blueprint.response(200, AlertsSchema)
def alerts(args: dict[str, Any]) -> Any:
    """Certificates lapsing while their batches are on sale; codes that look copied or are recalled."""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=args["days"])
    return {"certificates": inspection.certificate_alerts(db.session, g.actor, dt.date.today()),
            "scans": inspection.scan_alerts(db.session, g.actor, since)}


def _export(filters: search.BatchFilters, fmt: str, name: str, background: bool) -> Response:
    writer = exports.write_epcis if fmt == "epcis" else exports.write_csv
    media_type, extension = EXPORT_TYPES[fmt]
    count = exports.count_matching(db.session, g.actor, filters)
    if background or count > exports.EXPORT_JOB_THRESHOLD:
        return api_jobs.enqueued(exports.create_export_job(
            db.session, g.actor, filters, fmt, f"{name}.{extension}", count,
            current_app.config["PUBLIC_URL"]))
    return finished_file(
        lambda out: writer(exports.matching_batches(db.session, g.actor, filters),
                           current_app.config["PUBLIC_URL"], out),
        media_type=media_type, filename=f"{name}.{extension}")


@blueprint.route("/batches/<int:batch_id>/export", methods=["GET"])
@blueprint.arguments(ExportFormatSchema, location="query")
@blueprint.response(200, description="EPCIS 2.0 JSON-LD or CSV (UTF-8 with BOM)")
def export_batch(args: dict[str, Any], batch_id: int) -> Response:
    """One batch's chain as an EPCIS 2.0 document or the sortable spreadsheet."""
    batch = batches.get_batch(db.session, g.actor, batch_id)
    filters = search.BatchFilters(code=batch.code)
    return _export(filters, args["format"], f"truy-xuat-{batch.code}", args["background"])


@blueprint.route("/exports", methods=["GET"])
@blueprint.arguments(ExportQuerySchema, location="query")
@blueprint.response(200, description="EPCIS 2.0 JSON-LD or CSV (UTF-8 with BOM)")
def export_many(args: dict[str, Any]) -> Response:
    """The chains of every batch matching the search filters, streamed.

    An export of more than 5,000 batches (or any, with ``background=true``) becomes a job: 202
    with ``Location:`` the job (`GET /api/v1/jobs/{id}`), whose ``result_url`` downloads the file.
    """
    fmt, background = args.pop("format"), args.pop("background")
    for key in ("page", "per_page", "sort"):
        args.pop(key, None)
    return _export(search.BatchFilters(**args), fmt, f"truy-xuat-{dt.date.today().isoformat()}",
                   background)


@blueprint.route("/audit", methods=["GET"])
@blueprint.arguments(AuditQuerySchema, location="query")
@blueprint.response(200, AuditPageSchema)
def audit_entries(args: dict[str, Any]) -> Any:
    """The audit trail, newest first, filtered by actor, entity, action and time (inspectors, admins)."""
    paging = {key: args.pop(key) for key in ("page", "per_page")}
    return audit.list_entries(db.session, g.actor, **args, **paging)


@blueprint.route("/audit/verify", methods=["POST"])
@blueprint.response(200, ChainReportSchema)
def audit_verify() -> Any:
    """Walk the whole audit chain, as ``tracelabel audit verify`` does (inspectors, admins)."""
    if g.actor.role not in ("inspector", "admin"):
        raise Forbidden("Only inspectors and administrators read the audit trail.")
    return audit.verify_chain(db.session)
