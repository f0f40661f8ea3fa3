"""A raw-material area: its official code, the batches made from it, and a recall of them all."""

from __future__ import annotations

from typing import Any

from flask import render_template, url_for

from tracelabel.extensions import db
from tracelabel.models import RawMaterialArea
from tracelabel.services import inspector_reads
from tracelabel.services.actors import get_visible
from tracelabel.web.auth.session import current_actor
from tracelabel.web.inspector import forms
from tracelabel.web.inspector.batches import recall_page
from tracelabel.web.inspector.routes import blueprint
from tracelabel.web.producer.forms import AREA_STATUS_LABELS


@blueprint.get("/areas/<int:area_id>")
def area(area_id: int) -> Any:
    """The area and every batch that names it as an origin (one step forward)."""
    record = inspector_reads.area_record(db.session, current_actor(), area_id)
    return render_template("inspector/area.html", record=record, area=record.area,
                           statuses=forms.STATUS_LABELS, code_statuses=AREA_STATUS_LABELS)


@blueprint.route("/areas/<int:area_id>/recall", methods=["GET", "POST"])
def recall_from_area(area_id: int) -> Any:
    """Preview every batch on sale made from the area, then recall them all with one reason."""
    origin = get_visible(db.session, RawMaterialArea, area_id, current_actor(), "Area")
    return recall_page(origin, {"area_id": area_id}, url_for("inspector.area", area_id=area_id))
