"""A background job's page: progress (a bar that refreshes itself without JavaScript), the
failure reason, the download while it is kept, and a cancel button."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext

from tracelabel.extensions import db
from tracelabel.models import Job
from tracelabel.services import jobs
from tracelabel.web.auth.forms import WorkspaceForm
from tracelabel.web.auth.session import current_actor
from tracelabel.web.errors import translate
from tracelabel.web.producer.routes import blueprint

REFRESH_SECONDS = 3


def _state(job: Job) -> dict[str, Any]:
    return {"state": job.state, "progress": round(job.progress, 4),
            "result_url": url_for("producer.job_result", job_id=job.id)
            if jobs.result_file(job) else None,
            "error": translate(job.error, job.error_params or {}) if job.error else None}


@blueprint.get("/jobs/<int:job_id>")
def job(job_id: int) -> Any:
    """The job's page; it reloads itself every few seconds while the job is under way."""
    found = jobs.get_job(db.session, current_actor(), job_id)
    state = _state(found)
    rows = [(e["line"], e["field"], translate(e["message"], e.get("params") or {}))
            for e in (found.result or {}).get("errors", [])]
    return render_template("producer/job.html", job=found, state=state, rows=rows,
                           form=WorkspaceForm(), refresh=REFRESH_SECONDS
                           if found.state in jobs.ACTIVE else None)


@blueprint.get("/jobs/<int:job_id>/state")
def job_state(job_id: int) -> Any:
    """The job's state as JSON, for the page's script."""
    return jsonify(_state(jobs.get_job(db.session, current_actor(), job_id)))


@blueprint.post("/jobs/<int:job_id>/cancel")
def cancel_job(job_id: int) -> Any:
    """Cancel the job (the form carries its CSRF token)."""
    jobs.get_job(db.session, current_actor(), job_id)  # another's job: 404 first
    if not WorkspaceForm().validate_on_submit():
        abort(400)
    jobs.cancel_job(db.session, current_actor(), job_id)
    db.session.commit()
    flash(gettext("The job was cancelled."), "success")
    return redirect(url_for("producer.job", job_id=job_id))


@blueprint.get("/jobs/<int:job_id>/result")
def job_result(job_id: int) -> Any:
    """The job's file, while it is kept."""
    found = jobs.get_job(db.session, current_actor(), job_id)
    path = jobs.result_file(found)
    if path is None:
        abort(404)
    return send_file(path, mimetype=found.media_type, as_attachment=True,
                     download_name=found.result_name or path.name, max_age=0)
