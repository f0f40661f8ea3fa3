"""Search across producers, and exports of what a search finds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from tracelabel import worker
from tracelabel.extensions import db
from tracelabel.services import exports, inspector_reads
from tracelabel.services.search import COUNT_CAP, BatchFilters
from tracelabel.web.auth.session import current_actor
from tracelabel.web.downloads import finished_file
from tracelabel.web.inspector import forms
from tracelabel.web.inspector.routes import blueprint

PER_PAGE = 50
EXPORT_TYPES = exports.FILE_TYPES


class ExportRequestForm(forms.ExportForm):
    """The export form, and whether to have the file written in the background."""

    background = BooleanField(_l("Run in the background (you get a page to follow it and "
                                 "download the file)"))


def page_number() -> int:
    """The ``page`` query argument, 1 when absent or nonsense."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


@blueprint.get("/", endpoint="search")
def search_page() -> Any:
    """The search form and, once anything is asked, one page of matching batches."""
    form = forms.SearchForm(request.args)
    asked = any(value for key, value in request.args.items() if key != "page")
    if asked and not form.validate():
        return render_template("inspector/search.html", form=form, results=None), 422
    results = inspector_reads.search_page(db.session, current_actor(), form.filters(),
                                          sort=form.sort.data, page=page_number(),
                                          per_page=PER_PAGE)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("inspector/search.html", form=form, results=results, query=query,
                           capped=results.total > COUNT_CAP, cap=COUNT_CAP,
                           statuses=forms.STATUS_LABELS)


def export_response(filters: BatchFilters, fmt: str, name: str, background: bool = False) -> Any:
    """The chains of the matching batches as a download, built completely before it is sent; a
    large export (or one asked for in the background) becomes a job and its page."""
    media_type, extension = EXPORT_TYPES[fmt]
    count = exports.count_matching(db.session, current_actor(), filters)
    if background or count > exports.EXPORT_JOB_THRESHOLD:
        job = exports.create_export_job(db.session, current_actor(), filters, fmt,
                                        f"{name}.{extension}", count,
                                        current_app.config["PUBLIC_URL"])
        db.session.commit()
        worker.enqueue(current_app, job.id)
        return redirect(url_for("inspector.job", job_id=job.id))
    writer = exports.write_epcis if fmt == "epcis" else exports.write_csv
    return finished_file(
        lambda out: writer(exports.matching_batches(db.session, current_actor(), filters),
                           current_app.config["PUBLIC_URL"], out),
        media_type=media_type, filename=f"{name}.{extension}")


@blueprint.get("/exports")
def exports_page() -> Any:
    """The search filters and a format; submitted, the file itself, or a large export's job page."""
    form = ExportRequestForm(request.args)
    if "format" not in request.args:
        return render_template("inspector/exports.html", form=form,
                               threshold=exports.EXPORT_JOB_THRESHOLD)
    if not form.validate():
        return render_template("inspector/exports.html", form=form,
                               threshold=exports.EXPORT_JOB_THRESHOLD), 422
    return export_response(form.filters(), form.format.data,
                           f"truy-xuat-{dt.date.today().isoformat()}", form.background.data)
