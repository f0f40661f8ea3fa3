"""CSV import of batches: a dry run reports every bad row; the import writes all rows or none."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_babel import ngettext
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from tracelabel.extensions import db
from tracelabel.services import imports, jobs
from tracelabel.services.errors import FieldError, ValidationFailed
from tracelabel.web.api import jobs as api_jobs
from tracelabel.web.api import schemas
from tracelabel.web.errors import problem, translate

blueprint = Blueprint("imports", __name__, url_prefix="/api/v1/imports",
                      description="Import batches from a spreadsheet (CSV, UTF-8, `,` or `;`).")


class ImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "CSV, UTF-8 with or without BOM"})


class ImportOptionsSchema(schemas.CleanSchema):
    dry_run = fields.Boolean(load_default=False)
    background = fields.Boolean(load_default=False, metadata={
        "description": "write the rows in a background job (202 and the job's URL); files of "
                       "more than 5,000 rows always are, once every row is checked"})


class RowErrorSchema(Schema):
    line = fields.Integer()
    field = fields.String()
    message = fields.String()


class ImportReportSchema(Schema):
    rows_read = fields.Integer()
    rows_written = fields.Integer()
    dry_run = fields.Boolean()
    ok = fields.Boolean()
    errors = fields.List(fields.Nested(RowErrorSchema))


def row_errors(report: imports.ImportReport) -> list[dict[str, Any]]:
    """Each bad row as the API shows it, line number first."""
    return [{"line": e.line, "field": e.field, "message": translate(e.message, e.params)}
            for e in report.errors]


def read_upload(upload: Any) -> bytes:
    """The uploaded file's bytes, refusing one larger than the configured cap."""
    limit = current_app.config["MAX_IMPORT_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed([FieldError("file", "The file is larger than %(max)s MB.",
                                           {"max": limit // 2**20})])
    return data


@blueprint.route("", methods=["POST"])
@blueprint.arguments(ImportFileSchema, location="files")
@blueprint.arguments(ImportOptionsSchema, location="form")
@blueprint.response(201, ImportReportSchema)
@blueprint.alt_response(200, schema=ImportReportSchema, description="a dry run's report")
def import_batches(files: dict[str, Any], options: dict[str, Any]) -> Any:
    """Create draft batches from a CSV; nothing is written unless every row is valid."""
    data = read_upload(files["file"])
    background = not options["dry_run"] and (options["background"]
                                             or data.count(b"\n") > imports.JOB_ROWS)
    try:
        report = imports.import_batches(db.session, g.actor, data,
                                        dry_run=options["dry_run"] or background)
    except imports.ImportRejected as error:
        raise ValidationFailed([FieldError("file", error.message, error.params)]) from None
    body = {"rows_read": report.rows_read, "rows_written": report.rows_written,
            "dry_run": report.dry_run, "ok": report.ok, "errors": row_errors(report)}
    if report.dry_run or not report.ok:
        db.session.rollback()
    if background and report.ok:  # every row checked: the job writes them
        return api_jobs.start("import", {"input_path": str(imports.save_job_input(
            jobs.results_folder(current_app.instance_path), data)), "total": report.rows_read})
    if not report.ok and (background or not report.dry_run):
        return problem(422, ngettext("%(num)s row has errors; nothing was imported.",
                                     "%(num)s rows have errors; nothing was imported.",
                                     len({e.line for e in report.errors})),
                       errors=body["errors"], kind="validation")
    if report.dry_run:
        return body, 200
    db.session.commit()
    return body
