"""The dashboard, the lists behind its figures, and the workbook."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from tracelabel import admin_units, charts
from tracelabel.db import utcnow
from tracelabel.extensions import db
from tracelabel.services import programme
from tracelabel.services.trace import vietnam_today
from tracelabel.web.auth.session import current_actor
from tracelabel.web.downloads import finished_file
from tracelabel.web.producer.forms import AREA_STATUS_LABELS, OCOP_GROUP_LABELS
from tracelabel.web.programme.figures import commune_name, parse_as_of
from tracelabel.web.programme.routes import blueprint
from tracelabel.web.programme.workbook import write_workbook

PER_PAGE = 50
LIST_TITLES = {
    "ocop": _l("OCOP products"), "labelled": _l("Labelled OCOP products"),
    "unlabelled": _l("OCOP products without an electronic label"),
    "meeting": _l("OCOP products whose trace meets Circular 02"),
    "scanned_30": _l("OCOP products scanned in the last 30 days"),
    "scanned_90": _l("OCOP products scanned in the last 90 days"),
    "due": _l("OCOP products due for re-evaluation within 90 days"),
    "lapsed": _l("Products whose OCOP rating lapsed"),
}


def _where() -> dict[str, str]:
    """The province and date the page counts, as query arguments to carry into every link."""
    return {key: request.args[key].strip() for key in ("province", "as_of")
            if request.args.get(key, "").strip()}


def _coverage() -> programme.Coverage:
    where = _where()
    as_of = parse_as_of(where.get("as_of"), vietnam_today())
    return programme.coverage(db.session, current_actor(), where.get("province"), as_of, utcnow())


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _charts(coverage: programme.Coverage) -> dict[str, str]:
    def shares(rows: dict[Any, programme.Counts], name: Any) -> list[charts.Share]:
        return [charts.Share(str(name(key)), c.labelled, c.ocop_products) for key, c in rows.items()]

    return {
        "headline": charts.progress_bar(gettext("OCOP products with an electronic label"),
                                        coverage.totals.labelled, coverage.totals.ocop_products,
                                        "headline-table"),
        "commune": charts.share_chart(
            gettext("Labelled of OCOP products, by commune"),
            shares(coverage.by_commune, lambda c: commune_name(c) or gettext("Commune not set")),
            "commune-table"),
        "group": charts.share_chart(gettext("Labelled of OCOP products, by OCOP group"),
                                    shares(coverage.by_group, lambda g: OCOP_GROUP_LABELS[g]),
                                    "group-table"),
        "stars": charts.share_chart(gettext("Labelled of OCOP products, by stars"),
                                    shares(coverage.by_stars, lambda s: f"{s} ★"), "stars-table"),
        "areas": charts.bar_chart(gettext("Area codes by status"),
                                  [(str(AREA_STATUS_LABELS[s]), n)
                                   for s, n in coverage.area_codes.items()], "areas-table"),
        "weeks": charts.week_chart(gettext("Scans per week over the last year"),
                                   coverage.scans_per_week, "weeks-table"),
    }


@blueprint.get("/", endpoint="dashboard")
def dashboard() -> Any:
    """The coverage of the official's province (national officials: the one chosen, or all)."""
    coverage = _coverage()
    db.session.commit()  # the scan tallies just rolled up
    return render_template("programme/dashboard.html", c=coverage, where=_where(),
                           charts=_charts(coverage), groups=OCOP_GROUP_LABELS,
                           commune_labels={code: commune_name(code) or gettext("Commune not set")
                                           for code in coverage.by_commune},
                           star_labels={stars: f"{stars} ★" for stars in coverage.by_stars},
                           area_statuses=AREA_STATUS_LABELS, commune_name=commune_name,
                           provinces=admin_units.provinces(),
                           scoped=current_actor().province_scope is not None)


@blueprint.get("/products")
def products() -> Any:
    """The products one figure counts (``list`` = ocop, labelled, meeting, …), by name."""
    where = _where()
    as_of = parse_as_of(where.get("as_of"), vietnam_today())
    listing = programme.ProductListing(
        kind=request.args.get("list", "ocop"), commune_code=request.args.get("commune") or None,
        ocop_group=request.args.get("group") or None,
        stars=request.args.get("stars", type=int))
    page = programme.product_list(db.session, current_actor(), where.get("province"), as_of,
                                  listing, page=_page(), per_page=PER_PAGE)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("programme/products.html", page=page, listing=listing, query=query,
                           title=LIST_TITLES[listing.kind], as_of=as_of, groups=OCOP_GROUP_LABELS,
                           commune_name=commune_name, where=where)


@blueprint.get("/areas")
def areas() -> Any:
    """The coded raw-material areas of the province with one code status."""
    where = _where()
    status = request.args.get("status", "active")
    page = programme.area_list(db.session, current_actor(), where.get("province"), status,
                               page=_page(), per_page=PER_PAGE)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("programme/areas.html", page=page, status=status, query=query,
                           statuses=AREA_STATUS_LABELS, commune_name=commune_name, where=where)


@blueprint.get("/coverage.xlsx")
def workbook() -> Any:
    """The dashboard's numbers as an XLSX workbook, one sheet per breakdown."""
    coverage = _coverage()
    response = finished_file(
        lambda out: write_workbook(coverage, out),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"do-phu-ocop-{coverage.province_code or 'toan-quoc'}-{coverage.as_of}.xlsx")
    db.session.commit()
    return response
