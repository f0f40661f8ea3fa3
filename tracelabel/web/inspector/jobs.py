"""A background job's page in the inspector workspace: large exports (the page itself is shared:
web/job_pages)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext

from tracelabel.web import job_pages
from tracelabel.web.inspector.routes import blueprint


@blueprint.get("/jobs/<int:job_id>")
def job(job_id: int) -> Any:
    """The job's page; it reloads itself every few seconds while the job is under way."""
    return job_pages.job_page(job_id, "inspector")


@blueprint.get("/jobs/<int:job_id>/state")
def job_state(job_id: int) -> Any:
    """The job's state as JSON, for the page's script."""
    return job_pages.job_state_json(job_id, "inspector")


@blueprint.post("/jobs/<int:job_id>/cancel")
def cancel_job(job_id: int) -> Any:
    """Cancel the job (the form carries its CSRF token)."""
    job_pages.cancel(job_id)
    flash(gettext("The job was cancelled."), "success")
    return redirect(url_for("inspector.job", job_id=job_id))


@blueprint.get("/jobs/<int:job_id>/result")
def job_result(job_id: int) -> Any:
    """The job's file, while it is kept."""
    return job_pages.download(job_id)
