"""The words of the public pages for the domain's closed vocabularies, and date and number formatting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from flask_babel import format_date, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

# Decision 148/QĐ-TTg (2023) groups; "textile" is the older group of Decision 1048/2019.
OCOP_GROUPS = {
    "food": _l("Food"),
    "beverage": _l("Beverages"),
    "herbal": _l("Medicinal herbs and herbal products"),
    "handicraft": _l("Handicrafts"),
    "ornamental": _l("Ornamental plants and animals"),
    "tourism": _l("Community tourism, eco-tourism and tourist sites"),
    "textile": _l("Textiles and garments (group used before 2023)"),
}
STEPS = {
    "planting": _l("Planting"), "harvesting": _l("Harvesting"), "receiving": _l("Receiving"),
    "processing": _l("Processing"), "packing": _l("Packing"), "storing": _l("Storing"),
    "shipping": _l("Shipping"), "inspecting": _l("Inspection"), "other": _l("Other step"),
}
AREA_CODE_STATUSES = {
    "active": _l("code in force"), "suspended": _l("code SUSPENDED"), "revoked": _l("code REVOKED"),
}
SCHEMES = {
    "ocop": "OCOP", "vietgap": "VietGAP", "globalgap": "GlobalG.A.P.", "organic": _l("Organic"),
    "haccp": "HACCP", "iso22000": "ISO 22000",
    "food_safety": _l("Food safety establishment certificate"), "other": _l("Other certificate"),
}
VALIDITY = {"valid": _l("Valid"), "expired": _l("Expired"), "not_yet_valid": _l("Not yet valid")}
VERIFICATION = {
    "verified": _l("Verified by an inspector"),
    "rejected": _l("Rejected by an inspector"),
    "unverified": _l("Declared by the producer, not yet verified by an inspector"),
}
CODE_STATUS_SOURCES = {
    "producer": _l("as declared by the producer"), "authority": _l("as set by the authority"),
}
CHANGED_RECORDS = {
    "product": _l("the product"), "producer": _l("the producer"), "area": _l("the area"),
    "facility": _l("the facility"), "certificate": _l("the certificate"),
}
CHANGED_FIELDS = {
    "name": _l("name"), "name_en": _l("English name"), "brand": _l("brand"), "model_code": _l("model"),
    "gtin": "GTIN", "unit": _l("pack size"), "description": _l("description"),
    "ocop_group": _l("OCOP group"), "standards": _l("standards"), "warnings": _l("warnings"),
    "storage_instructions": _l("storage"), "shelf_life_days": _l("shelf life"), "kind": _l("kind"),
    "province": _l("province"), "commune": _l("commune"), "address": _l("address"),
    "phone": _l("phone"), "website": _l("website"), "identifier": _l("tax code"),
    "code": _l("area code"), "material": _l("material"), "standard": _l("farming standard"),
    "area_ha": _l("area"), "food_safety_cert_no": _l("food safety certificate"),
    "number": _l("number"), "issuer": _l("issuer"), "issuing_level": _l("issuing level"),
    "stars": _l("stars"), "valid_from": _l("valid from"), "valid_until": _l("valid until"),
}
ORGANIZATION_KINDS = {
    "enterprise": _l("Enterprise"), "cooperative": _l("Cooperative"),
    "household": _l("Household business"),
}
ISSUING_LEVELS = {"province": _l("provincial level"), "national": _l("national level")}


# Vietnamese pages write dates as the workspace does (29/11/2026); English pages keep an English
# form with the month in words (29 Nov 2026), which no reader can take for 11/29.
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


def day(iso: str | None) -> str:
    """An ISO date (YYYY-MM-DD) written for the reader's language."""
    if not iso:
        return ""
    pattern = DATE_PATTERNS.get(str(get_locale() or "vi"), DATE_PATTERNS["vi"])
    return format_date(dt.date.fromisoformat(iso), pattern)


def amount(value: str | int | Decimal | None) -> str:
    """A quantity with the reader's separators: 1.200 in Vietnamese, 1,200 in English."""
    if value is None or value == "":
        return ""
    try:
        return format_decimal(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


def moment(iso: str | None) -> str:
    """An ISO date-time with offset, as its local date and time (the zone it was recorded in)."""
    if not iso:
        return ""
    when = dt.datetime.fromisoformat(iso)
    zone = "" if when.utcoffset() == dt.timedelta(hours=7) else f" (UTC{when.strftime('%z')[:3]})"
    return f"{day(when.date().isoformat())}, {when.strftime('%H:%M')}{zone}"


TEMPLATE_GLOBALS = {
    "OCOP_GROUPS": OCOP_GROUPS, "STEPS": STEPS, "AREA_CODE_STATUSES": AREA_CODE_STATUSES,
    "SCHEMES": SCHEMES, "VALIDITY": VALIDITY, "VERIFICATION": VERIFICATION,
    "ORGANIZATION_KINDS": ORGANIZATION_KINDS, "ISSUING_LEVELS": ISSUING_LEVELS,
    "CODE_STATUS_SOURCES": CODE_STATUS_SOURCES, "CHANGED_RECORDS": CHANGED_RECORDS,
    "CHANGED_FIELDS": CHANGED_FIELDS,
}
