"""Background jobs: poll a job, cancel it, download its result (its owner only)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, send_file, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from tracelabel import worker
from tracelabel.extensions import db
from tracelabel.models import Job
from tracelabel.services import jobs
from tracelabel.web.errors import problem, translate

blueprint = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs",
                      description="Background jobs: large label runs, imports and exports.")


class JobErrorSchema(Schema):
    line = fields.Integer()
    field = fields.String()
    message = fields.String()


class JobSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    state = fields.String(metadata={"description": "queued, running, done, failed or cancelled"})
    progress = fields.Float(metadata={"description": "0 to 1"})
    result_url = fields.String(allow_none=True)
    error = fields.String(allow_none=True, metadata={"description": "why it failed, in words"})
    errors = fields.List(fields.Nested(JobErrorSchema))
    result = fields.Dict()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)


def job_body(job: Job) -> dict[str, Any]:
    """The job as the API answers it (errors translated into the request's language)."""
    result = dict(job.result or {})
    row_errors = result.pop("errors", [])
    return {
        "id": job.id, "kind": job.kind, "state": job.state, "progress": round(job.progress, 4),
        "result_url": url_for("jobs.result", job_id=job.id, _external=True)
        if jobs.result_file(job) else None,
        "error": translate(job.error, job.error_params or {}) if job.error else None,
        "errors": [{"line": e["line"], "field": e["field"],
                    "message": translate(e["message"], e.get("params") or {})} for e in row_errors],
        "result": result, "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at, "expires_at": job.expires_at,
    }


def accepted(job: Job) -> Response:
    """202 with ``Location:`` the job: what a request answers when its work became a job."""
    response = current_app.json.response(job_body(job))
    response.status_code = 202
    response.headers["Location"] = url_for("jobs.JobItem", job_id=job.id, _external=True)
    return response


def enqueued(job: Job) -> Response:
    """Commit a job recorded by a service, enqueue it and answer 202."""
    db.session.commit()
    worker.enqueue(current_app, job.id)
    return accepted(job)


def start(kind: str, parameters: dict[str, Any]) -> Response:
    """Record and enqueue a job for the request's actor; answer 202."""
    return accepted(worker.start_job(current_app, db.session, g.actor, kind, parameters))


@blueprint.route("/<int:job_id>")
class JobItem(MethodView):
    @blueprint.response(200, JobSchema)
    def get(self, job_id: int) -> Any:
        """The job's state, progress, result URL (while kept) and failure reason."""
        return job_body(jobs.get_job(db.session, g.actor, job_id))

    @blueprint.response(200, JobSchema)
    def delete(self, job_id: int) -> Any:
        """Cancel a queued or running job (409 once it has finished)."""
        job = jobs.cancel_job(db.session, g.actor, job_id)
        db.session.commit()
        return job_body(job)


@blueprint.route("/<int:job_id>/result", methods=["GET"])
@blueprint.response(200, description="the job's file")
def result(job_id: int) -> Any:
    """The job's result file, for its owner, while it is kept."""
    job = jobs.get_job(db.session, g.actor, job_id)
    path = jobs.result_file(job)
    if path is None:
        if job.state == "done":
            return problem(410, translate("This file was kept for a limited time and has been "
                                          "removed; run the job again.", {}))
        return problem(409, translate("This job has no file yet (it is %(state)s).",
                                      {"state": job.state}))
    return send_file(path, mimetype=job.media_type, as_attachment=True,
                     download_name=job.result_name or path.name, max_age=0)
