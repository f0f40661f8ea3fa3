"""A background job's page, shared by the producer and inspector workspaces: progress (a bar that
refreshes itself without JavaScript), the failure reason, the download while it is kept and a
cancel button. Each area's blueprint names its routes ``job``, ``job_state``, ``cancel_job`` and
``job_result`` and passes its name here."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, render_template, send_file, url_for

from tracelabel.extensions import db
from tracelabel.models import Job
from tracelabel.services import jobs
from tracelabel.web.auth.forms import WorkspaceForm
from tracelabel.web.auth.session import current_actor
from tracelabel.web.errors import translate

REFRESH_SECONDS = 3


def job_state(job: Job, area: str) -> dict[str, Any]:
    """What the page and its script show: state, progress, download URL, failure reason."""
    return {"state": job.state, "progress": round(job.progress, 4),
            "result_url": url_for(f"{area}.job_result", job_id=job.id)
            if jobs.result_file(job) else None,
            "error": translate(job.error, job.error_params or {}) if job.error else None}


def job_page(job_id: int, area: str) -> str:
    """The signed-in user's job as a page (another's is 404); it reloads itself while under way."""
    found = jobs.get_job(db.session, current_actor(), job_id)
    rows = [(e["line"], e["field"], translate(e["message"], e.get("params") or {}))
            for e in (found.result or {}).get("errors", [])]
    return render_template("workspace_job.html", job=found, state=job_state(found, area),
                           rows=rows, area=area, form=WorkspaceForm(),
                           refresh=REFRESH_SECONDS if found.state in jobs.ACTIVE else None)


def job_state_json(job_id: int, area: str) -> Any:
    """The job's state as JSON, for the page's script."""
    return jsonify(job_state(jobs.get_job(db.session, current_actor(), job_id), area))


def cancel(job_id: int) -> None:
    """Cancel the user's job from its page's form (CSRF-checked); commits."""
    jobs.get_job(db.session, current_actor(), job_id)  # another's job: 404 before the token
    if not WorkspaceForm().validate_on_submit():
        abort(400)
    jobs.cancel_job(db.session, current_actor(), job_id)
    db.session.commit()


def download(job_id: int) -> Any:
    """The job's file while it is kept; 404 otherwise."""
    found = jobs.get_job(db.session, current_actor(), job_id)
    path = jobs.result_file(found)
    if path is None:
        abort(404)
    return send_file(path, mimetype=found.media_type, as_attachment=True,
                     download_name=found.result_name or path.name, max_age=0)
