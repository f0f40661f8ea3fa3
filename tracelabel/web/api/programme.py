"""The province's coverage toward "100% of OCOP products labelled" (programme officials and
inspectors, each within its scope): the same numbers as the dashboard at /programme/."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from tracelabel.db import utcnow
from tracelabel.extensions import db
from tracelabel.services import programme
from tracelabel.services.errors import Forbidden
from tracelabel.services.trace import vietnam_today
from tracelabel.web.api import schemas
from tracelabel.web.programme.figures import coverage_json

blueprint = Blueprint("programme_api", __name__, url_prefix="/api/v1/programme",
                      description="The province's OCOP label coverage (programme officials, "
                                  "inspectors).")


class CoverageQuerySchema(schemas.CleanSchema):
    province = fields.String(metadata={"description": "national officials: a province's name or "
                                                      "code (default: the whole country)"})
    as_of = fields.Date(metadata={"description": "count as of this date (default: today)"})


class CountsSchema(Schema):
    ocop_products = fields.Integer()
    labelled = fields.Integer()
    labelled_percent = fields.Float(allow_none=True)
    meeting_circular_02 = fields.Integer()
    scanned_30_days = fields.Integer()
    scanned_90_days = fields.Integer()


class CommuneCountsSchema(CountsSchema):
    commune = fields.String(allow_none=True)
    commune_code = fields.String(allow_none=True)


class GroupCountsSchema(CountsSchema):
    ocop_group = fields.String()


class StarsCountsSchema(CountsSchema):
    stars = fields.Integer()


class AreaCodesSchema(Schema):
    code_status = fields.String()
    areas = fields.Integer()


class WeekSchema(Schema):
    week = fields.String(metadata={"description": "the Monday starting the week (YYYY-MM-DD)"})
    scans = fields.Integer()


class CoverageSchema(CountsSchema):
    province = fields.String(allow_none=True)
    province_code = fields.String(allow_none=True)
    as_of = fields.String()
    reevaluation_due = fields.Integer()
    lapsed = fields.Integer()
    by_commune = fields.List(fields.Nested(CommuneCountsSchema))
    by_group = fields.List(fields.Nested(GroupCountsSchema))
    by_stars = fields.List(fields.Nested(StarsCountsSchema))
    area_codes = fields.List(fields.Nested(AreaCodesSchema))
    scans_per_week = fields.List(fields.Nested(WeekSchema))


@blueprint.route("/coverage", methods=["GET"])
@blueprint.arguments(CoverageQuerySchema, location="query")
@blueprint.response(200, CoverageSchema)
def coverage(args: dict[str, Any]) -> Any:
    """OCOP products, labelled, meeting Circular 02, scanned, by commune, group and stars,
    re-evaluations due and lapsed, area codes by status and scans per week, as of a date."""
    if g.actor.role not in ("programme", "inspector"):
        raise Forbidden("Only officials read the province's coverage.")
    found = programme.coverage(db.session, g.actor, args.get("province"),
                               args.get("as_of") or vietnam_today(), utcnow())
    db.session.commit()  # the scan tallies just rolled up
    return coverage_json(found)
