"""Where to buy a product: its points of sale (OCOP shops, tourist stops) and online listings.

Both lists live on the product and are shown as they stand today, never frozen into a published
record: shops open and close, and a trace printed a year ago should send a buyer where the product
is sold now. A point of sale's commune is stored by its official code (map in force since 1 July
2025) and answered with its name.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from tracelabel import admin_units
from tracelabel.models import Organization
from tracelabel.services.errors import FieldError

MAX_POINTS_OF_SALE = 20
MAX_ONLINE_LISTINGS = 20
POINT_LIMITS = {"name": 200, "address": 300, "commune": 100, "hours": 200}
URL_LIMIT, PLATFORM_LIMIT = 500, 50
# The words naming each part in a message (translated at the edge, like every message parameter).
POINT_PARTS = {"name": "the name", "address": "the address", "commune": "the commune",
               "hours": "the opening hours"}


def _text(value: Any, key: str, field: str, n: int, errors: list[FieldError]) -> str | None:
    params = {"n": n, "part": POINT_PARTS[key], "max": POINT_LIMITS[key]}
    if value is not None and not isinstance(value, str):
        errors.append(FieldError(field, "Point of sale %(n)s: %(part)s must be text.", params))
        return None
    text = " ".join(value.split()) if value else ""
    if len(text) > POINT_LIMITS[key]:
        errors.append(FieldError(field, "Point of sale %(n)s: %(part)s has at most %(max)s "
                                        "characters.", params))
    return text or None


def _entries(value: Any, field: str, limit: int, errors: list[FieldError]) -> list[dict] | None:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        errors.append(FieldError(field, "Give a list of entries."))
        return None
    if len(value) > limit:
        errors.append(FieldError(field, "At most %(max)s entries.", {"max": limit}))
        return None
    return value


def _commune_code(text: str | None, province_code: str | None, field: str, n: int,
                  errors: list[FieldError]) -> str | None:
    if not text:
        return None
    try:
        return admin_units.find_commune(text, province_code).code
    except admin_units.UnitNotFound:
        province = admin_units.province_by_code(province_code)
        if province is not None:
            errors.append(FieldError(field, "Point of sale %(n)s: “%(commune)s” is not a commune of "
                                            "%(province)s.",
                                     {"n": n, "commune": text, "province": province.name}))
        else:
            errors.append(FieldError(field, "Point of sale %(n)s: no single commune is called "
                                            "“%(commune)s” on the map in force since 1 July 2025; "
                                            "give its official code.", {"n": n, "commune": text}))
        return None


def clean_points_of_sale(value: Any, province_code: str | None,
                         errors: list[FieldError]) -> list[dict[str, str | None]]:
    """The points of sale as stored, ``{name, address, commune_code, hours}``; notes what is wrong."""
    entries = _entries(value, "points_of_sale", MAX_POINTS_OF_SALE, errors)
    cleaned = []
    for index, entry in enumerate(entries or []):
        n, prefix = index + 1, f"points_of_sale.{index}"
        unknown = set(entry) - set(POINT_LIMITS) - {"commune_code"}
        if unknown:
            errors.append(FieldError(prefix, "Point of sale %(n)s: unknown field %(names)s.",
                                     {"n": n, "names": ", ".join(sorted(unknown))}))
        parts = {key: _text(entry.get(key), key, f"{prefix}.{key}", n, errors)
                 for key in POINT_LIMITS}
        for key in ("name", "address"):
            if parts[key] is None and not any(e.field == f"{prefix}.{key}" for e in errors):
                errors.append(FieldError(f"{prefix}.{key}", "Point of sale %(n)s: give %(part)s.",
                                         {"n": n, "part": POINT_PARTS[key]}))
        commune = parts["commune"] or entry.get("commune_code")
        code = _commune_code(commune if isinstance(commune, str) else None, province_code,
                             f"{prefix}.commune", n, errors)
        cleaned.append({"name": parts["name"], "address": parts["address"], "commune_code": code,
                        "hours": parts["hours"]})
    return cleaned


def _url(value: Any, field: str, n: int, errors: list[FieldError]) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        errors.append(FieldError(field, "Online listing %(n)s: give its web address.", {"n": n}))
        return None
    if len(text) > URL_LIMIT:
        errors.append(FieldError(field, "Online listing %(n)s: a web address has at most %(max)s "
                                        "characters.", {"n": n, "max": URL_LIMIT}))
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme.lower() not in ("https", "http") or not host or \
            "." not in host or any(char.isspace() for char in text) or "@" in parts.netloc:
        errors.append(FieldError(field, "Online listing %(n)s: “%(url)s” is not a web address "
                                        "starting with https:// or http://.", {"n": n, "url": text}))
        return None
    if not parts.netloc.isascii():  # an internationalized domain, kept in its ASCII (IDNA) form
        try:
            netloc = parts.netloc.replace(host, host.encode("idna").decode("ascii"))
        except UnicodeError:
            errors.append(FieldError(field, "Online listing %(n)s: “%(url)s” is not a web address "
                                            "starting with https:// or http://.",
                                     {"n": n, "url": text}))
            return None
        text = parts._replace(netloc=netloc).geturl()
    return text


def clean_online_listings(value: Any, errors: list[FieldError]) -> list[dict[str, str]]:
    """The online listings as stored, ``{url, platform}`` (https or http only)."""
    entries = _entries(value, "online_listings", MAX_ONLINE_LISTINGS, errors)
    cleaned = []
    for index, entry in enumerate(entries or []):
        n, prefix = index + 1, f"online_listings.{index}"
        unknown = set(entry) - {"url", "platform"}
        if unknown:
            errors.append(FieldError(prefix, "Online listing %(n)s: unknown field %(names)s.",
                                     {"n": n, "names": ", ".join(sorted(unknown))}))
        url = _url(entry.get("url"), f"{prefix}.url", n, errors)
        platform = entry.get("platform")
        platform = " ".join(platform.split()) if isinstance(platform, str) else ""
        if not platform:
            errors.append(FieldError(f"{prefix}.platform", "Online listing %(n)s: name its "
                                     "platform (Shopee, TikTok Shop, Facebook …).", {"n": n}))
        elif len(platform) > PLATFORM_LIMIT:
            errors.append(FieldError(f"{prefix}.platform", "Online listing %(n)s: the platform's "
                                     "name has at most %(max)s characters.",
                                     {"n": n, "max": PLATFORM_LIMIT}))
        cleaned.append({"url": url, "platform": platform})
    return cleaned


def check(session: Session, organization_id: int, values: dict[str, Any],
          errors: list[FieldError]) -> None:
    """Clean the where-to-buy lists given in ``values`` in place (communes inside the producer's
    province when it has one), noting each problem by field."""
    if "points_of_sale" in values:
        organization = session.get(Organization, organization_id)
        province_code = organization.province_code if organization is not None else None
        values["points_of_sale"] = clean_points_of_sale(values["points_of_sale"], province_code,
                                                        errors)
    if "online_listings" in values:
        values["online_listings"] = clean_online_listings(values["online_listings"], errors)


def points_of_sale_view(stored: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Stored points of sale as answers carry them: the commune's name beside its code."""
    shown = []
    for entry in stored or []:
        commune = admin_units.commune_by_code(entry.get("commune_code"))
        shown.append({"name": entry.get("name"), "address": entry.get("address"),
                      "commune": commune.name if commune else None,
                      "commune_code": commune.code if commune else None,
                      "hours": entry.get("hours")})
    return shown


def online_listings_view(stored: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    """Stored online listings as answers carry them."""
    return [{"url": entry["url"], "platform": entry["platform"]} for entry in stored or []]


def public_view(points_of_sale: list[dict[str, Any]] | None,
                online_listings: list[dict[str, Any]] | None) -> dict[str, list[dict[str, Any]]]:
    """The product's where-to-buy as a public page shows it (live, never frozen)."""
    shops = points_of_sale_view(points_of_sale)
    for shop in shops:
        commune = admin_units.commune_by_code(shop["commune_code"])
        province = admin_units.province_by_code(commune.province_code) if commune else None
        shop["province"] = province.name if province else None
    return {"points_of_sale": shops, "online_listings": online_listings_view(online_listings)}
