"""Search across producers, and exports of what a search finds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, current_app, render_template, request

from tracelabel.extensions import db
from tracelabel.services import exports, inspector_reads
from tracelabel.services.search import COUNT_CAP, BatchFilters
from tracelabel.web.auth.session import current_actor
from tracelabel.web.downloads import finished_file
from tracelabel.web.inspector import forms
from tracelabel.web.inspector.routes import blueprint

PER_PAGE = 50
EXPORT_TYPES = {"epcis": ("application/ld+json", "jsonld"), "csv": ("text/csv", "csv")}


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


def export_response(filters: BatchFilters, fmt: str, name: str) -> Response:
    """The chains of the matching batches as a download, built completely before it is sent."""
    writer = exports.write_epcis if fmt == "epcis" else exports.write_csv
    media_type, extension = EXPORT_TYPES[fmt]
    return finished_file(
        lambda out: writer(exports.matching_batches(db.session, current_actor(), filters),
                           current_app.config["PUBLIC_URL"], out),
        media_type=media_type, filename=f"{name}.{extension}")


@blueprint.get("/exports")
def exports_page() -> Any:
    """The search filters and a format; submitted, the file itself."""
    form = forms.ExportForm(request.args)
    if "format" not in request.args:
        return render_template("inspector/exports.html", form=form)
    if not form.validate():
        return render_template("inspector/exports.html", form=form), 422
    return export_response(form.filters(), form.format.data,
                           f"truy-xuat-{dt.date.today().isoformat()}")
