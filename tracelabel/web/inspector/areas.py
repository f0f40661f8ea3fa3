"""A raw-material area: its official code, the batches made from it, and a recall of them all."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from tracelabel.extensions import db
from tracelabel.models import RawMaterialArea
from tracelabel.services import inspection, inspector_reads
from tracelabel.services.actors import get_visible
from tracelabel.services.errors import ValidationFailed
from tracelabel.web.auth.forms import show_domain_errors
from tracelabel.web.auth.session import current_actor
from tracelabel.web.inspector import forms
from tracelabel.web.inspector.batches import recall_page
from tracelabel.web.inspector.routes import blueprint
from tracelabel.web.producer.forms import AREA_STATUS_LABELS

SOURCE_LABELS = {"producer": _l("declared by the producer"), "authority": _l("set by the authority")}


def _status_form(**kwargs: Any) -> forms.CodeStatusForm:
    form = forms.CodeStatusForm(**kwargs)
    form.code_status.choices = list(AREA_STATUS_LABELS.items())
    return form


def _render(area_id: int, form: forms.CodeStatusForm, status: int = 200) -> Any:
    record = inspector_reads.area_record(db.session, current_actor(), area_id)
    return render_template("inspector/area.html", record=record, area=record.area, form=form,
                           statuses=forms.STATUS_LABELS, code_statuses=AREA_STATUS_LABELS,
                           sources=SOURCE_LABELS), status


@blueprint.get("/areas/<int:area_id>")
def area(area_id: int) -> Any:
    """The area and every batch that names it as an origin (one step forward)."""
    return _render(area_id, _status_form(formdata=None))


@blueprint.post("/areas/<int:area_id>/code-status")
def set_code_status(area_id: int) -> Any:
    """Set the area code's official status, with a reason."""
    form = _status_form()
    if form.validate_on_submit():
        try:
            inspection.set_area_code_status(db.session, current_actor(), area_id,
                                            form.code_status.data, form.reason.data)
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("The area code's official status is saved."), "success")
            return redirect(url_for("inspector.area", area_id=area_id))
    return _render(area_id, form, 422)


@blueprint.route("/areas/<int:area_id>/recall", methods=["GET", "POST"])
def recall_from_area(area_id: int) -> Any:
    """Preview every batch on sale made from the area, then recall them all with one reason."""
    origin = get_visible(db.session, RawMaterialArea, area_id, current_actor(), "Area")
    return recall_page(origin, {"area_id": area_id}, url_for("inspector.area", area_id=area_id))
