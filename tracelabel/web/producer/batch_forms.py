"""Forms of the batch walk-through: product and lot, origin, chain events, certificates, labels."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from tracelabel.models import TRACE_STEPS
from tracelabel.services.labels import label_options
from tracelabel.web.auth.forms import WorkspaceForm
from tracelabel.web.producer.forms import (
    LocalDecimalField,
    MultiCheckboxField,
    int_or_none,
    none_if_blank,
    options,
)

STEP_LABELS = {
    "planting": _l("Planting"), "harvesting": _l("Harvesting"), "receiving": _l("Receiving"),
    "processing": _l("Processing"), "packing": _l("Packing"), "storing": _l("Storing"),
    "shipping": _l("Shipping"), "inspecting": _l("Inspecting"), "other": _l("Other"),
}
# Time zones a Vietnamese producer's events are likely recorded in; Vietnam's first.
OFFSETS = [("+07:00", _l("Vietnam (UTC+7)"))] + [
    (f"{sign}{hours:02d}:00", f"UTC{sign}{hours}") for sign, hours in
    (("+", 8), ("+", 9), ("+", 0), ("+", 1), ("+", 2), ("-", 5), ("-", 8))]
TEMPLATES = {"a4-3x8": _l("A4 sheet, 3 × 8 labels"), "a4-2x5": _l("A4 sheet, 2 × 5 labels"),
             "roll-50x30": _l("Roll, 50 × 30 mm"), "roll-100x50": _l("Roll, 100 × 50 mm")}
SYMBOLS = {"qr": _l("QR code"), "ean13": "EAN-13", "upca": "UPC-A", "gs1-128": "GS1-128",
           "code128": "Code 128", "datamatrix": _l("Data Matrix (link)"),
           "gs1-datamatrix": "GS1 DataMatrix", "qr+ean13": _l("QR code + EAN-13"),
           "qr+upca": _l("QR code + UPC-A")}
ON_LABEL = {"gs1-128": _l("QR code + GS1-128"), "code128": _l("QR code + Code 128")}
FORMATS = {"pdf": _l("PDF (print)"), "zpl": _l("ZPL (thermal printer)"),
           "png": _l("PNG (one symbol)"), "svg": _l("SVG (one symbol)")}


class BatchDetailsForm(WorkspaceForm):
    """Step 1: the product, the lot and its dates and quantity."""

    product_id = SelectField(_l("Product"), coerce=int_or_none, validators=[InputRequired()])
    lot = StringField(_l("Lot code"), validators=[InputRequired(), Length(max=40)])
    production_date = DateField(_l("Production date"), validators=[InputRequired()])
    expiry_date = DateField(_l("Expiry date"), validators=[Optional()])
    quantity = LocalDecimalField(_l("Quantity"), validators=[Optional(), NumberRange(min=0.001)])
    unit = StringField(_l("Unit (e.g. box, kg)"))
    note = TextAreaField(_l("Internal note"))

    def values(self) -> dict[str, Any]:
        """The fields the batch service takes (the product only when creating)."""
        return {name: none_if_blank(field.data) for name, field in self._fields.items()
                if name != "csrf_token"}


class NewBatchForm(BatchDetailsForm):
    """A new batch: step 1 plus the links an earlier batch can pass on when copied."""

    area_ids = MultiCheckboxField(_l("Raw-material areas"), coerce=int)
    facility_ids = MultiCheckboxField(_l("Facilities"), coerce=int)
    certificate_ids = MultiCheckboxField(_l("Certificates claimed"), coerce=int)
    expiry_proposed = HiddenField()  # "1" once an expiry was proposed: a blank one is then meant

    def values(self) -> dict[str, Any]:
        """The batch's fields, without the page's own bookkeeping."""
        values = super().values()
        values.pop("expiry_proposed", None)
        return values

    def proposed_expiry(self, shelf_life_days: int | None) -> dt.date | None:
        """Production date + shelf life, when the expiry was left blank and not yet proposed."""
        if self.expiry_date.data or self.expiry_proposed.data or not shelf_life_days:
            return None
        if not self.production_date.data:
            return None
        return self.production_date.data + dt.timedelta(days=shelf_life_days)


class InputLotForm(Form):
    """One input lot: a tracelabel batch code, or a supplier's lot."""

    code = StringField(_l("tracelabel code"))
    lot = StringField(_l("Lot"))
    supplier = StringField(_l("Supplier"))
    quantity = LocalDecimalField(_l("Quantity"), validators=[Optional(), NumberRange(min=0.001)])
    unit = StringField(_l("Unit"))

    def is_blank(self) -> bool:
        """Whether the row was left empty."""
        return all(field.data in (None, "") for field in self._fields.values())


class OriginForm(WorkspaceForm):
    """Step 2: the areas, input lots and facilities the batch came from."""

    area_ids = MultiCheckboxField(_l("Raw-material areas"), coerce=int)
    facility_ids = MultiCheckboxField(_l("Facilities"), coerce=int)
    input_lots = FieldList(FormField(InputLotForm), min_entries=2)

    def values(self) -> dict[str, Any]:
        """Links and the non-empty input lot rows, as the batch service takes them."""
        rows = [{key: none_if_blank(value) for key, value in entry.form.data.items()}
                for entry in self.input_lots if not entry.form.is_blank()]
        return {"area_ids": self.area_ids.data, "facility_ids": self.facility_ids.data,
                "input_lots": rows}


class CertificatesForm(WorkspaceForm):
    """Step 4: the certificates the batch claims."""

    certificate_ids = MultiCheckboxField(_l("Certificates claimed"), coerce=int)


class EventForm(WorkspaceForm):
    """Step 3: one event of the chain."""

    step = SelectField(_l("Step"), choices=options((s, STEP_LABELS[s]) for s in TRACE_STEPS))
    occurred_at = DateTimeLocalField(_l("Date and time"), validators=[InputRequired()])
    offset = SelectField(_l("Time zone"), choices=options(OFFSETS))
    area_id = SelectField(_l("Raw-material area"), coerce=int_or_none)
    facility_id = SelectField(_l("Facility"), coerce=int_or_none)
    place = StringField(_l("Other place (described)"))
    note = TextAreaField(_l("Note"))
    supersedes_id = SelectField(_l("Corrects event"), coerce=int_or_none)

    def values(self) -> dict[str, Any]:
        """The event as the events service takes it (a time with its zone)."""
        hours, minutes = self.offset.data[1:].split(":")
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes))
        zone = dt.timezone(-delta if self.offset.data.startswith("-") else delta)
        return {"step": self.step.data, "occurred_at": self.occurred_at.data.replace(tzinfo=zone),
                "area_id": self.area_id.data, "facility_id": self.facility_id.data,
                "place": none_if_blank(self.place.data), "note": none_if_blank(self.note.data),
                "supersedes_id": self.supersedes_id.data}


class UnitsForm(WorkspaceForm):
    """Issue the next N unit serials."""

    count = IntegerField(_l("Number of unit labels"),
                         validators=[InputRequired(), NumberRange(min=1, max=100_000)])


class LabelsForm(Form):
    """The labels to download (a GET form: it changes nothing); only outputs that exist for the
    product are offered, from the labels service's table."""

    output = SelectField(_l("Labels"))
    units = StringField(_l("Unit serials (e.g. 1-24; empty: the batch code)"))

    def __init__(self, formdata: Any = None, *, gtin: str | None = None, **kwargs: Any) -> None:
        super().__init__(formdata, **kwargs)
        self.output.choices = label_choices(gtin)


def label_choices(gtin: str | None) -> dict[str, list[tuple[str, str]]]:
    """Options grouped by file format: ``format:template:symbology`` and what it prints."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for option in label_options(gtin):
        symbol = SYMBOLS[option.symbology] if option.template is None else \
            ON_LABEL.get(option.symbology, SYMBOLS[option.symbology])
        text = f"{symbol} — {TEMPLATES[option.template]}" if option.template else str(symbol)
        groups.setdefault(str(FORMATS[option.fmt]), []).append(
            (f"{option.fmt}:{option.template or ''}:{option.symbology}", text))
    return groups
