"""Places written as text that no official unit answers: the list, and settling one."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from tracelabel.extensions import db
from tracelabel.services import places
from tracelabel.services.errors import ValidationFailed
from tracelabel.web.admin.forms import PlaceForm
from tracelabel.web.admin.routes import blueprint
from tracelabel.web.auth.forms import show_domain_errors
from tracelabel.web.auth.session import current_actor
from tracelabel.web.place_pickers import PLACE_HELP

KIND_LABELS = {"organization": _l("Organization"), "area": _l("Raw-material area"),
               "facility": _l("Facility")}


@blueprint.get("/places")
def places_to_settle() -> str:
    """Organizations, areas and facilities whose place awaits its official units."""
    rows = places.unsettled_places(db.session, current_actor())
    return render_template("admin/places.html", rows=rows, kinds=KIND_LABELS,
                           counts=places.count_unsettled(db.session))


@blueprint.route("/places/<any(organization, area, facility):kind>/<int:record_id>",
                 methods=["GET", "POST"])
def settle_place(kind: str, record_id: int) -> Any:
    """Set the official province and commune of one record."""
    record = places.get_located(db.session, kind, record_id)
    form = PlaceForm()
    if not form.is_submitted():
        suggested = places.suggestion(record)
        form.province.data, form.commune.data = suggested["province"], suggested["commune"]
    if form.validate_on_submit():
        try:
            places.settle_place(db.session, current_actor(), kind, record.id,
                                form.province.data or None, form.commune.data or None)
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("Place saved."), "success")
            return redirect(url_for("admin.places_to_settle"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/place_form.html", form=form, record=record, kind=kind,
                           kinds=KIND_LABELS, help={"commune": PLACE_HELP},
                           written=", ".join(part for part in (
                               getattr(record, "commune", None), record.province) if part)), status
