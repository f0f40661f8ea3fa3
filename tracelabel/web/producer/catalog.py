"""Pages for the records a producer registers once: products, areas, facilities, certificates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracelabel.extensions import db
from tracelabel.models import Certificate, Facility, Product, RawMaterialArea
from tracelabel.services import catalog, workspace
from tracelabel.services.errors import ValidationFailed
from tracelabel.web.auth.forms import WorkspaceForm, show_domain_errors
from tracelabel.web.auth.session import current_actor
from tracelabel.web.place_pickers import fill_places, keep_unsettled, place_help
from tracelabel.web.producer import forms
from tracelabel.web.producer.routes import blueprint


@dataclass(frozen=True)
class Kind:
    """One kind of record and the words its pages use."""

    name: str
    model: type
    form: type[WorkspaceForm]
    new_title: Any
    edit_title: Any
    aliases: dict[str, str] = field(default_factory=dict)


KINDS = (
    Kind("products", Product, forms.ProductForm, _l("New product"), _l("Edit product")),
    Kind("areas", RawMaterialArea, forms.AreaForm, _l("New raw-material area"), _l("Edit area")),
    Kind("facilities", Facility, forms.FacilityForm, _l("New facility"), _l("Edit facility")),
    Kind("certificates", Certificate, forms.CertificateForm, _l("New certificate"),
         _l("Edit certificate"), {"subject_id": "subject", "subject_type": "subject"}),
)
FIELD_HELP = {
    "gtin": _l("8, 12, 13 or 14 digits, check digit included. Leave empty if the product has none."),
    "code": _l("The code issued by the plant-protection authority, if the area has one."),
    "latitude": _l("Decimal degrees, e.g. 21.5942 (north is positive)."),
    "longitude": _l("Decimal degrees, e.g. 105.8482 (east is positive)."),
    "stars": _l("For OCOP certificates only."),
}


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def list_records(kind: Kind) -> str:
    """A page of the organization's records of one kind."""
    actor = current_actor()
    if kind.model is Certificate:
        page, states = workspace.certificate_rows(db.session, actor, dt.date.today(), page=_page())
        return render_template("producer/certificates.html", page=page, states=states,
                               labels=forms.SCHEME_LABELS)
    page = catalog.list_records(db.session, actor, kind.model, page=_page())
    return render_template(f"producer/{kind.name}.html", page=page,
                           groups=forms.OCOP_GROUP_LABELS, statuses=forms.AREA_STATUS_LABELS)


def _certificate_form(record: Certificate | None) -> forms.CertificateForm:
    form = forms.CertificateForm(obj=record)
    if record is not None:
        del form.scheme, form.subject  # fixed once saved
    else:
        found = workspace.registry(db.session, current_actor())
        form.set_subjects(current_user.organization_name or "", found.products, found.areas,
                          found.facilities)
    return form


def _form(kind: Kind, record: Any) -> WorkspaceForm:
    if kind.model is Certificate:
        return _certificate_form(record)
    form = kind.form(obj=record)
    if kind.model is RawMaterialArea and record is not None:
        del form.code_status, form.code_status_since  # official after registration: inspectors set it
        if record.code_status_source == "authority":
            del form.code
    if kind.model is Product and record is not None and not form.is_submitted():
        form.fill(record)
    if kind.model in (RawMaterialArea, Facility):
        fill_places(form, record)
    return form


def save_record(kind: Kind, record_id: int | None = None) -> Any:
    """The form for a new record or an existing one; a valid post saves it all or nothing."""
    actor = current_actor()
    record = catalog.get_record(db.session, actor, kind.model, record_id) if record_id else None
    form = _form(kind, record)
    if form.validate_on_submit():
        try:
            if record is None:
                catalog.create_record(db.session, actor, kind.model, form.values())
            else:
                catalog.update_record(db.session, actor, kind.model, record.id,
                                      keep_unsettled(form.values(), record))
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error, kind.aliases)
        else:
            db.session.commit()
            flash(gettext("Saved."), "success")
            return redirect(url_for(f"producer.{kind.name}"))
    status = 422 if form.is_submitted() else 200
    places = place_help(record) if kind.model in (RawMaterialArea, Facility) else {}
    return render_template("producer/record_form.html", form=form, kind=kind, record=record,
                           help={**FIELD_HELP, **places}), status


def _bound(view: Any, kind: Kind, name: str) -> Any:
    """The view for one kind, named as its endpoint (CSRF exemptions and logs use the name)."""
    def bound(**kwargs: Any) -> Any:
        return view(kind, **kwargs)
    bound.__name__, bound.__doc__ = name, view.__doc__
    return bound


for _kind in KINDS:
    blueprint.add_url_rule(f"/{_kind.name}", _kind.name, _bound(list_records, _kind, _kind.name))
    for _rule, _endpoint in ((f"/{_kind.name}/new", f"new_{_kind.name}"),
                             (f"/{_kind.name}/<int:record_id>/edit", f"edit_{_kind.name}")):
        blueprint.add_url_rule(_rule, _endpoint, _bound(save_record, _kind, _endpoint),
                               methods=["GET", "POST"])
