"""The digital product passport (Decree 37/2026/NĐ-CP) of a batch or one of its units."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracelabel import codes
from tracelabel.db import utcnow
from tracelabel.links import batch_trace_url, unit_trace_url
from tracelabel.models import Batch, Product
from tracelabel.services.errors import NotFound
from tracelabel.services.photos import public_photo_of

CONTEXT = {"@vocab": "https://tracelabel.vn/dpp#", "gs1": "https://ref.gs1.org/voc/",
           "schema": "https://schema.org/"}


def passport_schema() -> dict[str, Any]:
    """The JSON Schema every passport validates against (shipped in the package)."""
    text = resources.files("tracelabel.schemas").joinpath("dpp.schema.json").read_text("utf-8")
    return json.loads(text)


def _area_location(area: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "area", "name": area["name"], "code": area["code"],
            "code_status": area["code_status"] if area["code"] else None,
            "code_status_source": area["code_status_source"] if area["code"] else None,
            "province": area["province"], "commune": area["commune"]}


def _event_location(event: dict[str, Any]) -> dict[str, Any] | None:
    if event["area"] is not None:
        return _area_location(event["area"])
    if event["facility"] is not None:
        facility = event["facility"]
        return {"kind": "facility", "name": facility["name"], "code": facility["food_safety_cert_no"],
                "province": facility["province"], "commune": None}
    if event["place"]:
        return {"kind": "place", "name": event["place"], "code": None}
    return None


def _certificate(claim: dict[str, Any]) -> dict[str, Any]:
    return {"scheme": claim["scheme"], "number": claim["number"], "issuer": claim["issuer"],
            "stars": claim["stars"], "covers": claim["covers"]["type"],
            "valid_from": claim["valid_from"], "valid_until": claim["valid_until"],
            "validity": claim["validity"], "verified": claim["verification"] == "verified",
            "verification": claim["verification"]}


def _producer(producer: dict[str, Any]) -> dict[str, Any]:
    """Public facts only: no e-mail; an identifier only for an enterprise or a cooperative."""
    document = {"name": producer["name"], "kind": producer["kind"], "address": producer["address"],
                "commune": producer["commune"], "province": producer["province"], "country": "VN",
                "phone": producer["phone"]}
    if producer["identifier"]:
        document["identifier"] = producer["identifier"]
    return document


def _product(facts: dict[str, Any], images: list[str]) -> dict[str, Any]:
    product = facts["product"]
    ocop = product["ocop"]
    stars = ocop["stars"] if ocop and ocop["validity"] == "valid" else None
    return {"name": product["name"], "name_en": product["name_en"], "gtin": product["gtin"],
            "brand": product["brand"], "model": product["model_code"],
            "ocop_group": product["ocop_group"], "ocop_stars": stars, "unit": product["unit"],
            "description": product["description"], "standards": product["standards"],
            "images": images}


def _shelf_life_days(batch: dict[str, Any]) -> int | None:
    if not batch["expiry_date"]:
        return None
    days = (dt.date.fromisoformat(batch["expiry_date"]) -
            dt.date.fromisoformat(batch["production_date"])).days
    return days if days > 0 else None


@dataclass(frozen=True)
class PassportSubject:
    """What the passport names: the batch or one unit, its URI and traceability code."""

    uri: str
    code: str
    lot: str
    serial: str | None
    published_at: dt.datetime
    status_changed_at: dt.datetime | None
    status_reason: str | None


def build_passport(facts: dict[str, Any], subject: PassportSubject, images: list[str],
                   public_url: str) -> dict[str, Any]:
    """The passport from the batch's public facts (the same the trace page shows, nothing more)."""
    batch, origin, status = facts["batch"], facts["origin"], facts["status"]
    return {
        "@context": CONTEXT, "@type": "DigitalProductPassport", "@id": subject.uri,
        "passport_version": "1.0",
        "identifier": {"uri": subject.uri, "traceability_code": subject.code,
                       "gtin": facts["product"]["gtin"], "lot": subject.lot, "serial": subject.serial},
        "subject": "unit" if subject.serial else "batch",
        "status": {"state": status, "reason": subject.status_reason if status != "published" else None,
                   "since": subject.status_changed_at.isoformat() if subject.status_changed_at
                   else None},
        "product": _product(facts, images),
        "producer": _producer(facts["producer"]),
        "origin": {"country": "VN", "areas": [_area_location(area) for area in origin["areas"]],
                   "input_lots": [{"lot": i["lot"], "uri": codes.batch_trace_url(public_url, i["code"])
                                   if i["code"] else None, "supplier": i["supplier"]}
                                  for i in origin["inputs"] if i["lot"]]},
        "traceability": {"trace_page": subject.uri, "events": [
            {"step": e["step"], "time": e["occurred_at"], "location": _event_location(e),
             "corrected": e["corrects_earlier_entry"]} for e in origin["events"]]},
        "certificates": [_certificate(c) for c in facts["certificates"]],
        "later_changes": facts.get("later_changes", []),
        "dates": {"production_date": batch["production_date"], "expiry_date": batch["expiry_date"],
                  "shelf_life_days": _shelf_life_days(batch)},
        "warnings": {"safety": facts["product"]["warnings"],
                     "storage": facts["product"]["storage_instructions"]},
        # The passport states the batch as published: it is issued once, at publication.
        "issued_at": subject.published_at.isoformat(),
    }


def batch_passport(batch: Batch, public_url: str, facts: dict[str, Any], *,
                   serial: int | None = None, keys: codes.CodeKeys | None = None) -> dict[str, Any]:
    """The passport of a public batch, or of one unit when ``serial`` (and the keys) are given."""
    if serial is not None and keys is not None:
        uri = unit_trace_url(public_url, batch, serial, keys)
        unit_code = codes.make_unit_code(batch.code, serial, keys)
    else:
        uri, unit_code = batch_trace_url(public_url, batch), None
    images = [public_url + public_photo_of(photo).src for photo in batch.product.photos]
    subject = PassportSubject(uri, unit_code or batch.code, batch.lot,
                              unit_code.split(".", 1)[1] if unit_code else None,
                              batch.published_at or utcnow(), batch.status_changed_at,
                              batch.status_reason)
    return build_passport(facts, subject, images, public_url)


def public_passport(session: Session, batch_id: int, public_url: str, facts: dict[str, Any], *,
                    serial: int | None = None, keys: codes.CodeKeys | None = None) -> dict[str, Any]:
    """The passport the resolver serves for a public batch (or one of its units)."""
    batch = session.scalar(select(Batch).where(Batch.id == batch_id).options(
        selectinload(Batch.product).selectinload(Product.photos)))
    if batch is None or batch.status == "draft":
        raise NotFound("Batch %(id)s was not found.", {"id": batch_id})
    return batch_passport(batch, public_url, facts, serial=serial, keys=keys)
