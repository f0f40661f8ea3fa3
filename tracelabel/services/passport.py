"""The digital product passport (Decree 37/2026/NĐ-CP) of a batch or one of its units."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracelabel import codes
from tracelabel.db import utcnow
from tracelabel.links import batch_trace_url, unit_trace_url
from tracelabel.models import (
    Batch,
    BatchInput,
    Certificate,
    Product,
    RawMaterialArea,
    TraceEvent,
)
from tracelabel.services.errors import NotFound
from tracelabel.services.events import superseded_ids
from tracelabel.services.labels import ocop_stars
from tracelabel.services.photos import public_photo_of

CONTEXT = {"@vocab": "https://tracelabel.vn/dpp#", "gs1": "https://ref.gs1.org/voc/",
           "schema": "https://schema.org/"}


def passport_schema() -> dict[str, Any]:
    """The JSON Schema every passport validates against (shipped in the package)."""
    text = resources.files("tracelabel.schemas").joinpath("dpp.schema.json").read_text("utf-8")
    return json.loads(text)


def _area_location(area: RawMaterialArea) -> dict[str, Any]:
    return {"kind": "area", "name": area.name, "code": area.code,
            "code_status": area.code_status if area.code else None,
            "province": area.province, "commune": area.commune}


def _event_location(event: TraceEvent) -> dict[str, Any] | None:
    if event.area is not None:
        return _area_location(event.area)
    if event.facility is not None:
        return {"kind": "facility", "name": event.facility.name,
                "code": event.facility.food_safety_cert_no, "province": event.facility.province,
                "commune": None}
    if event.place:
        return {"kind": "place", "name": event.place, "code": None}
    return None


def _certificate(certificate: Certificate, today: dt.date) -> dict[str, Any]:
    return {"scheme": certificate.scheme, "number": certificate.number,
            "issuer": certificate.issuer, "stars": certificate.stars,
            "covers": certificate.subject_type, "valid_from": certificate.valid_from.isoformat(),
            "valid_until": certificate.valid_until.isoformat(),
            "validity": certificate.validity_on(today),
            "verified": certificate.verification_status == "verified"}


def _producer(batch: Batch) -> dict[str, Any]:
    organization = batch.organization
    identifier = ({"scheme": "vn-tax-code", "value": organization.tax_code} if organization.tax_code
                  else {"scheme": "tracelabel-organization", "value": str(organization.id)})
    return {"name": organization.name, "kind": organization.kind, "identifier": identifier,
            "address": organization.address, "commune": organization.commune,
            "province": organization.province, "country": "VN", "phone": organization.phone,
            "email": organization.email}


def _product(batch: Batch, public_url: str, today: dt.date) -> dict[str, Any]:
    product = batch.product
    images = [public_url + public_photo_of(photo).src for photo in product.photos]
    return {"name": product.name, "name_en": product.name_en, "gtin": product.gtin,
            "brand": product.brand, "model": product.model_code, "ocop_group": product.ocop_group,
            "ocop_stars": ocop_stars(batch, today), "unit": product.unit,
            "description": product.description, "standards": list(product.standards or []),
            "images": images}


def _shelf_life_days(batch: Batch) -> int | None:
    if batch.expiry_date is None or batch.expiry_date <= batch.production_date:
        return None
    return (batch.expiry_date - batch.production_date).days


def batch_passport(batch: Batch, public_url: str, *, serial: int | None = None,
                   keys: codes.CodeKeys | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """The passport of a published batch, or of one unit when ``serial`` (and the keys) are given."""
    today = today or dt.date.today()
    if serial is not None and keys is not None:
        uri = unit_trace_url(public_url, batch, serial, keys)
        unit_code = codes.make_unit_code(batch.code, serial, keys)
    else:
        uri, unit_code = batch_trace_url(public_url, batch), None
    corrected = superseded_ids(batch.events)
    return {
        "@context": CONTEXT, "@type": "DigitalProductPassport", "@id": uri,
        "passport_version": "1.0",
        "identifier": {"uri": uri, "traceability_code": unit_code or batch.code,
                       "gtin": batch.product.gtin, "lot": batch.lot,
                       "serial": unit_code.split(".", 1)[1] if unit_code else None},
        "subject": "unit" if unit_code else "batch",
        "status": {"state": batch.status, "reason": batch.status_reason if batch.status != "published"
                   else None,
                   "since": batch.status_changed_at.isoformat() if batch.status_changed_at else None},
        "product": _product(batch, public_url, today),
        "producer": _producer(batch),
        "origin": {"country": "VN", "areas": [_area_location(area) for area in batch.areas],
                   "input_lots": [{"lot": i.lot or i.input_batch.lot,
                                   "uri": batch_trace_url(public_url, i.input_batch)
                                   if i.input_batch is not None else None,
                                   "supplier": i.supplier} for i in batch.inputs]},
        "traceability": {"trace_page": uri, "events": [
            {"step": e.step, "time": e.occurred_local.isoformat(), "location": _event_location(e),
             "corrected": e.id in corrected} for e in batch.events]},
        "certificates": [_certificate(c, today) for c in batch.certificates],
        "dates": {"production_date": batch.production_date.isoformat(),
                  "expiry_date": batch.expiry_date.isoformat() if batch.expiry_date else None,
                  "shelf_life_days": _shelf_life_days(batch)},
        "warnings": {"safety": batch.product.warnings, "storage": batch.product.storage_instructions},
        "issued_at": utcnow().isoformat(),
    }


def public_passport(session: Session, batch_id: int, public_url: str, *, serial: int | None = None,
                    keys: codes.CodeKeys | None = None) -> dict[str, Any]:
    """The passport the resolver serves for a public batch (or one of its units)."""
    batch = session.scalar(select(Batch).where(Batch.id == batch_id).options(
        selectinload(Batch.product).selectinload(Product.photos), selectinload(Batch.organization),
        selectinload(Batch.areas), selectinload(Batch.certificates),
        selectinload(Batch.inputs).selectinload(BatchInput.input_batch),
        selectinload(Batch.events).selectinload(TraceEvent.area),
        selectinload(Batch.events).selectinload(TraceEvent.facility)))
    if batch is None or batch.status == "draft":
        raise NotFound("Batch %(id)s was not found.", {"id": batch_id})
    return batch_passport(batch, public_url, serial=serial, keys=keys)
