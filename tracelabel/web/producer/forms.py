"""Forms of the producer workspace's records: products, areas, facilities and certificates."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tracelabel import admin_units
from tracelabel.services import where_to_buy
from tracelabel.services.catalog import TEXT_LIMITS
from tracelabel.web.auth.forms import WorkspaceForm
from tracelabel.web.place_pickers import CommuneField, ProvinceField

OCOP_GROUP_LABELS = {
    "food": _l("Food"), "beverage": _l("Beverages"), "herbal": _l("Medicinal herbs and herbal products"),
    "handicraft": _l("Handicrafts"), "ornamental": _l("Ornamental plants and animals"),
    "tourism": _l("Community and eco-tourism"), "textile": _l("Textiles (rated before 2023)"),
}
AREA_STATUS_LABELS = {"active": _l("Active"), "suspended": _l("Suspended"), "revoked": _l("Revoked")}
SCHEME_LABELS = {
    "ocop": "OCOP", "vietgap": "VietGAP", "globalgap": "GlobalG.A.P.", "organic": _l("Organic"),
    "haccp": "HACCP", "iso22000": "ISO 22000", "food_safety": _l("Food-safety establishment"),
    "other": _l("Other"),
}
LEVEL_LABELS = {"": _l("—"), "province": _l("Province"), "national": _l("National")}


def limit(name: str) -> Length:
    """The length the catalog service accepts for a text field (rendered as ``maxlength``)."""
    return Length(max=TEXT_LIMITS[name], message=_l("Use at most %(max)s characters."))


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def none_if_blank(value: Any) -> Any:
    """Blank selects and texts mean "not given"."""
    return None if value in ("", "None") else value


def int_or_none(value: Any) -> int | None:
    """A select's value as an integer, or None when nothing is chosen."""
    return None if value in (None, "", "None") else int(value)


class LocalDecimalField(DecimalField):
    """A decimal typed with a point or, as in Vietnamese, a comma; shown without trailing zeros."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Accept "12,5" as well as "12.5" (a comma alone is the decimal mark)."""
        if valuelist and isinstance(valuelist[0], str):
            text = valuelist[0].strip().replace(" ", "")
            valuelist = [text.replace(",", ".") if "," in text and "." not in text else text]
        super().process_formdata(valuelist)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, Decimal):
            return format(self.data.normalize(), "f")
        return "" if self.data is None else str(self.data)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (easier on a phone than a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def record_values(form: WorkspaceForm) -> dict[str, Any]:
    """The form's data for a service: every field but the CSRF token, blanks as None."""
    return {name: none_if_blank(value) for name, value in form.data.items() if name != "csrf_token"}


class PointOfSaleRow(Form):
    """One point of sale: a row of the product form (a blank row is skipped)."""

    name = StringField(_l("Shop or stop"), validators=[
        Length(max=where_to_buy.POINT_LIMITS["name"])])
    address = StringField(_l("Address"), validators=[
        Length(max=where_to_buy.POINT_LIMITS["address"])])
    commune = StringField(_l("Commune (name or code)"), validators=[
        Length(max=where_to_buy.POINT_LIMITS["commune"])])
    hours = StringField(_l("Opening hours"), validators=[
        Length(max=where_to_buy.POINT_LIMITS["hours"])])


class OnlineListingRow(Form):
    """One online listing: a shop page or a livestream channel."""

    platform = StringField(_l("Platform"), validators=[Length(max=where_to_buy.PLATFORM_LIMIT)])
    url = StringField(_l("Web address (https://…)"), validators=[Length(max=where_to_buy.URL_LIMIT)])


BLANK_ROWS = 2  # rows offered beyond those saved; saving offers two more (no script needed)
POINT_KEYS = ("name", "address", "commune", "hours")


def _rows(saved: list[dict[str, Any]] | None, keys: tuple[str, ...],
          limit: int) -> list[SimpleNamespace]:
    rows = [SimpleNamespace(**{key: entry.get(key) for key in keys}) for entry in saved or []]
    blank = [SimpleNamespace(**dict.fromkeys(keys)) for _ in range(BLANK_ROWS)]
    return (rows + blank)[:max(limit, len(rows))]


def _filled(rows: Any, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    entries = rows if isinstance(rows, list) else []
    return [{key: (entry.get(key) or "").strip() or None for key in keys}
            for entry in entries if isinstance(entry, dict) and any(
                (entry.get(key) or "").strip() for key in keys)]


def _commune_text(code: str | None) -> str | None:
    """A saved commune as typed back: its name when the name alone finds it, else its code."""
    commune = admin_units.commune_by_code(code)
    if commune is None:
        return None
    try:
        return commune.name if admin_units.find_commune(commune.name).code == code else code
    except admin_units.UnitNotFound:
        return code


class ProductForm(WorkspaceForm):
    """A product and what its trace page shows."""

    name = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), limit("name")])
    name_en = StringField(_l("Name in English"), validators=[limit("name_en")])
    brand = StringField(_l("Brand / trademark"), validators=[limit("brand")])
    ocop_group = SelectField(_l("OCOP product group"), choices=options(OCOP_GROUP_LABELS.items()))
    unit = StringField(_l("Unit / pack size"), validators=[limit("unit")])
    gtin = StringField(_l("GTIN (barcode number)"))
    description = TextAreaField(_l("Description"), validators=[limit("description")])
    standards = TextAreaField(_l("Declared standards (one per line)"))
    warnings = TextAreaField(_l("Warnings"), validators=[limit("warnings")])
    storage_instructions = TextAreaField(_l("Storage and usage instructions"),
                                         validators=[limit("storage_instructions")])
    shelf_life_days = IntegerField(_l("Shelf life (days)"), validators=[Optional(), NumberRange(min=1)])
    points_of_sale = FieldList(FormField(PointOfSaleRow), _l("Where to buy: shops and stops"),
                               min_entries=BLANK_ROWS, max_entries=where_to_buy.MAX_POINTS_OF_SALE)
    online_listings = FieldList(FormField(OnlineListingRow),
                                _l("Where to buy online: shop pages, livestream channels"),
                                min_entries=BLANK_ROWS,
                                max_entries=where_to_buy.MAX_ONLINE_LISTINGS)

    def values(self) -> dict[str, Any]:
        """The product's fields as the catalog service takes them."""
        values = record_values(self)
        entered = self.standards.data or ""
        # A post without the field keeps the product's list (WTForms leaves the object's value).
        lines = entered if isinstance(entered, list) else entered.splitlines()
        values["standards"] = [line.strip() for line in lines if line.strip()]
        values["points_of_sale"] = _filled(self.points_of_sale.data, POINT_KEYS)
        values["online_listings"] = _filled(self.online_listings.data, ("url", "platform"))
        return values

    def fill(self, product: Any) -> None:
        """Show a product's standards one per line, and its where-to-buy rows with blank ones."""
        self.standards.data = "\n".join(product.standards or [])
        points = [{**entry, "commune": _commune_text(entry.get("commune_code"))}
                  for entry in product.points_of_sale or []]
        self.points_of_sale.process(None, _rows(points, POINT_KEYS, where_to_buy.MAX_POINTS_OF_SALE))
        self.online_listings.process(None, _rows(product.online_listings, ("platform", "url"),
                                                 where_to_buy.MAX_ONLINE_LISTINGS))


class AreaForm(WorkspaceForm):
    """A raw-material area with its official code."""

    name = StringField(_l("Name"), validators=[DataRequired(), limit("name")])
    code = StringField(_l("Official area code (e.g. VN-DTOR-0017)"), validators=[limit("code")])
    code_status = SelectField(_l("Code status"), choices=options(AREA_STATUS_LABELS.items()))
    code_status_since = DateField(_l("Status since"), validators=[Optional()])
    material = StringField(_l("Material / crop"), validators=[DataRequired(), limit("material")])
    province = ProvinceField()
    commune = CommuneField()
    latitude = LocalDecimalField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = LocalDecimalField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    area_ha = LocalDecimalField(_l("Area (hectares)"), validators=[Optional(), NumberRange(min=0.01)])
    standard = StringField(_l("Farming standard (e.g. VietGAP)"), validators=[limit("standard")])

    def values(self) -> dict[str, Any]:
        """The area's fields as the catalog service takes them."""
        return record_values(self)


class FacilityForm(WorkspaceForm):
    """A processing or packing establishment."""

    name = StringField(_l("Name"), validators=[DataRequired(), limit("name")])
    address = StringField(_l("Address"), validators=[DataRequired(), limit("address")])
    province = ProvinceField()
    commune = CommuneField()
    food_safety_cert_no = StringField(_l("Food-safety certificate number"),
                                      validators=[limit("food_safety_cert_no")])

    def values(self) -> dict[str, Any]:
        """The facility's fields as the catalog service takes them."""
        return record_values(self)


class CertificateForm(WorkspaceForm):
    """A certificate and what it covers; scheme and subject are fixed once saved."""

    scheme = SelectField(_l("Scheme"), choices=options(SCHEME_LABELS.items()))
    subject = SelectField(_l("Covers"), choices=[])
    number = StringField(_l("Certificate number"), validators=[DataRequired(), limit("number")])
    issuer = StringField(_l("Issued by"), validators=[DataRequired(), limit("issuer")])
    issuing_level = SelectField(_l("Issuing level"), choices=options(LEVEL_LABELS.items()))
    stars = SelectField(_l("OCOP stars"), choices=options([("", "—"), ("3", "3"), ("4", "4"), ("5", "5")]),
                        coerce=int_or_none)
    valid_from = DateField(_l("Valid from"), validators=[InputRequired()])
    valid_until = DateField(_l("Valid until"), validators=[InputRequired()])

    def set_subjects(self, organization_name: str, products: list[Any], areas: list[Any],
                     facilities: list[Any]) -> None:
        """Offer the organization and its own products, areas and facilities as subjects."""
        self.subject.choices = [("organization:", f"{_l('Organization')}: {organization_name}")] + [
            (f"{kind}:{record.id}", f"{label}: {record.name}")
            for kind, label, records in (("product", _l("Product"), products),
                                         ("area", _l("Area"), areas),
                                         ("facility", _l("Facility"), facilities))
            for record in records]

    def values(self) -> dict[str, Any]:
        """The certificate's fields as the catalog service takes them."""
        values = record_values(self)
        if "subject" in values:
            kind, _, record_id = (values.pop("subject") or "").partition(":")
            values["subject_type"], values["subject_id"] = kind, int_or_none(record_id)
        return values
