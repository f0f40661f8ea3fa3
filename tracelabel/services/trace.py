"""The public view of a batch or product: the facts a trace page shows, and nothing private.

A request first reads a ``BatchKey`` (one indexed query: the batch, its product and the change
marker), then asks for the public facts, which a ``TraceCache`` keeps per process keyed by that
marker and the day. The marker is (batch version, product ``updated_at``, audit head ``seq``): every
change the services make appends to the audit trail (and bumps the head), so an edit of an area, a
certificate, a photo or the producer changes the marker too, while scans (not audited) do not. The day
is part of the key because certificate validity and expiry are computed for "today" in Vietnam.

Left out on purpose: accounts, tokens, e-mail addresses, ``Batch.note`` (the producer's own notes),
event notes (free text a producer may use internally), who recorded or verified anything,
inspectors' verification notes and the coordinates of growing areas (often a family's home).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session

from tracelabel.models import (
    Batch,
    BatchInput,
    Certificate,
    Facility,
    Organization,
    Product,
    RawMaterialArea,
    TraceEvent,
    batch_areas,
    batch_certificates,
    batch_facilities,
)
from tracelabel.services import photos

VIETNAM = dt.timezone(dt.timedelta(hours=7))
PUBLIC_STATUSES = ("published", "suspended", "recalled")


def vietnam_today() -> dt.date:
    """Today's date in Vietnam, the day against which validity and expiry are shown."""
    return dt.datetime.now(VIETNAM).date()


@dataclass(frozen=True, slots=True)
class BatchKey:
    """What one cheap query tells about a batch: enough to verify a code and key the cache."""

    batch_id: int
    code: str
    lot: str
    status: str
    units_issued: int
    product_id: int
    gtin: str | None
    marker: tuple[Any, ...]

    @property
    def is_public(self) -> bool:
        """Drafts are not public; published, suspended and recalled batches are."""
        return self.status in PUBLIC_STATUSES


@dataclass(frozen=True, slots=True)
class ProductKey:
    """A product found by its GTIN, and its change marker."""

    product_id: int
    gtin: str
    marker: tuple[Any, ...]


# The key queries run on every scan: plain SQL on the session's connection, built once, skipping
# the ORM's statement construction (a third of the request's time otherwise). The marker's raw
# values only serve as a cache key, so they are not converted.
_KEY_SELECT = """
SELECT b.id, b.code, b.lot, b.status, b.units_issued, p.id, p.gtin,
       b.version, p.updated_at, (SELECT seq FROM audit_head WHERE id = 1)
FROM batches AS b JOIN products AS p ON p.id = b.product_id
"""
_BATCH_BY_CODE = text(_KEY_SELECT + "WHERE b.code = :code")
_BATCH_BY_GTIN_LOT = text(_KEY_SELECT + "WHERE p.gtin = :gtin AND b.lot = :lot")
_PRODUCT_BY_GTIN = text("SELECT p.id, p.updated_at, (SELECT seq FROM audit_head WHERE id = 1) "
                        "FROM products AS p WHERE p.gtin = :gtin")


def find_batch(session: Session, *, code: str | None = None, gtin: str | None = None,
               lot: str | None = None) -> BatchKey | None:
    """The batch with this canonical short code, or this GTIN and lot; None when unknown."""
    connection = session.connection()
    if code is not None:
        row = connection.execute(_BATCH_BY_CODE, {"code": code}).first()
    else:
        row = connection.execute(_BATCH_BY_GTIN_LOT, {"gtin": gtin, "lot": lot}).first()
    if row is None:
        return None
    return BatchKey(*row[:7], marker=tuple(row[7:]))


def find_product(session: Session, gtin: str) -> ProductKey | None:
    """The product with this GTIN (14 digits), or None."""
    row = session.connection().execute(_PRODUCT_BY_GTIN, {"gtin": gtin}).first()
    return None if row is None else ProductKey(row[0], gtin, tuple(row[1:]))


class TraceCache:
    """A bounded, thread-safe, least-recently-used map from versioned keys to public views."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """The cached value for key, built (outside the lock) on a miss."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def public_trace(session: Session, key: BatchKey, today: dt.date, cache: TraceCache) -> dict[str, Any]:
    """The public facts of a batch as plain JSON-ready data, built once per version and day."""
    return cache.get_or_build(("batch", key.batch_id, key.marker, today),
                              lambda: _build_trace(session, key.batch_id, today))


def public_product(session: Session, key: ProductKey, today: dt.date,
                   cache: TraceCache) -> dict[str, Any]:
    """The public facts of a product alone (a Digital Link without a known lot)."""
    return cache.get_or_build(("product", key.product_id, key.marker, today),
                              lambda: _build_product(session, key.product_id, today))


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _text(value: Any) -> str | None:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"  # 1200.000 -> "1200"
    return None if value is None else str(value)


def _product_facts(session: Session, product: Product, today: dt.date) -> dict[str, Any]:
    photo = photos.public_photo(session, product.id)  # the lead's photo store; None without one
    ocop = session.scalars(select(Certificate).where(
        Certificate.product_id == product.id, Certificate.scheme == "ocop")).all()
    return {
        "name": product.name, "name_en": product.name_en, "brand": product.brand,
        "model_code": product.model_code, "gtin": product.gtin, "unit": product.unit,
        "description": product.description, "ocop_group": product.ocop_group,
        "ocop": _ocop_rating(ocop, today), "standards": list(product.standards or []),
        "warnings": product.warnings, "storage_instructions": product.storage_instructions,
        "shelf_life_days": product.shelf_life_days,
        "photo": None if photo is None else {"src": photo.src, "srcset": photo.srcset,
                                             "width": photo.width, "height": photo.height},
    }


def _ocop_rating(certificates: list[Certificate], today: dt.date) -> dict[str, Any] | None:
    if not certificates:
        return None
    best = max(certificates, key=lambda c: (c.validity_on(today) == "valid", c.valid_until))
    return {"stars": best.stars, "certificate_number": best.number,
            "issuing_level": best.issuing_level, "valid_until": _iso(best.valid_until),
            "validity": best.validity_on(today)}


def _producer_facts(organization: Organization) -> dict[str, Any]:
    return {"name": organization.name, "kind": organization.kind,
            "province": organization.province, "commune": organization.commune,
            "address": organization.address, "phone": organization.phone,
            "website": organization.website}


def _area_facts(area: RawMaterialArea) -> dict[str, Any]:
    return {"name": area.name, "code": area.code, "code_status": area.code_status,
            "code_status_since": _iso(area.code_status_since), "material": area.material,
            "province": area.province, "commune": area.commune, "standard": area.standard,
            "area_ha": _text(area.area_ha)}


def _facility_facts(facility: Facility) -> dict[str, Any]:
    return {"name": facility.name, "address": facility.address, "province": facility.province,
            "food_safety_cert_no": facility.food_safety_cert_no}


def _events(session: Session, batch_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(TraceEvent, RawMaterialArea, Facility)
        .outerjoin(RawMaterialArea, RawMaterialArea.id == TraceEvent.area_id)
        .outerjoin(Facility, Facility.id == TraceEvent.facility_id)
        .where(TraceEvent.batch_id == batch_id)
        .order_by(TraceEvent.occurred_at, TraceEvent.id)).all()
    replaced = {event.supersedes_id for event, _a, _f in rows if event.supersedes_id}
    return [{"step": event.step, "occurred_at": event.occurred_local.isoformat(),
             "place": event.place, "area": area and _area_facts(area),
             "facility": facility and _facility_facts(facility),
             "corrects_earlier_entry": event.supersedes_id is not None}
            for event, area, facility in rows if event.id not in replaced]


def _certificates(session: Session, batch_id: int | None, product_id: int,
                  today: dt.date) -> list[dict[str, Any]]:
    claimed = select(batch_certificates.c.certificate_id).where(
        batch_certificates.c.batch_id == batch_id)
    rows = session.execute(
        select(Certificate, Product.name, RawMaterialArea.name, Facility.name, Organization.name)
        .outerjoin(Product, Product.id == Certificate.product_id)
        .outerjoin(RawMaterialArea, RawMaterialArea.id == Certificate.area_id)
        .outerjoin(Facility, Facility.id == Certificate.facility_id)
        .join(Organization, Organization.id == Certificate.organization_id)
        .where(or_(Certificate.id.in_(claimed),
                   and_(Certificate.product_id == product_id, Certificate.scheme == "ocop")))
        .order_by(Certificate.id)).all()
    return [{"scheme": c.scheme, "number": c.number, "issuer": c.issuer,
             "issuing_level": c.issuing_level, "stars": c.stars,
             "valid_from": _iso(c.valid_from), "valid_until": _iso(c.valid_until),
             "validity": c.validity_on(today), "verification": c.verification_status,
             "verified_on": _iso(c.verified_at and c.verified_at.astimezone(VIETNAM).date()),
             "covers": {"type": c.subject_type,
                        "name": {"product": product, "area": area, "facility": facility}.get(
                            c.subject_type, organization)}}
            for c, product, area, facility, organization in rows]


def _inputs(session: Session, batch_id: int) -> list[dict[str, Any]]:
    source = Batch.__table__.alias("source")
    rows = session.execute(
        select(BatchInput.lot, BatchInput.supplier, BatchInput.quantity, BatchInput.unit,
               source.c.code, source.c.status)
        .outerjoin(source, source.c.id == BatchInput.input_batch_id)
        .where(BatchInput.batch_id == batch_id).order_by(BatchInput.id)).all()
    return [{"lot": lot, "supplier": supplier, "quantity": _text(quantity), "unit": unit,
             "code": code if status in PUBLIC_STATUSES else None}
            for lot, supplier, quantity, unit, code, status in rows]


def _linked(session: Session, model: type, table: Any, column: Any, batch_id: int) -> list[Any]:
    return list(session.scalars(select(model).join(table, column == model.id)
                                .where(table.c.batch_id == batch_id).order_by(model.id)))


def _build_trace(session: Session, batch_id: int, today: dt.date) -> dict[str, Any]:
    batch, product, organization = session.execute(
        select(Batch, Product, Organization)
        .join(Product, Product.id == Batch.product_id)
        .join(Organization, Organization.id == Batch.organization_id)
        .where(Batch.id == batch_id)).one()
    areas = _linked(session, RawMaterialArea, batch_areas, batch_areas.c.area_id, batch_id)
    facilities = _linked(session, Facility, batch_facilities, batch_facilities.c.facility_id, batch_id)
    notice = None if batch.status == "published" else {
        "status": batch.status, "reason": batch.status_reason,
        "since": _iso(batch.status_changed_at and batch.status_changed_at.astimezone(VIETNAM).date())}
    return {
        "kind": "batch", "code": batch.code, "status": batch.status, "status_notice": notice,
        "product": _product_facts(session, product, today),
        "producer": _producer_facts(organization),
        "batch": {"lot": batch.lot, "production_date": _iso(batch.production_date),
                  "expiry_date": _iso(batch.expiry_date),
                  "expired": batch.expiry_date is not None and batch.expiry_date < today,
                  "quantity": _text(batch.quantity), "unit": batch.unit},
        "origin": {"areas": [_area_facts(a) for a in areas],
                   "facilities": [_facility_facts(f) for f in facilities],
                   "inputs": _inputs(session, batch_id), "events": _events(session, batch_id)},
        "certificates": _certificates(session, batch_id, product.id, today),
        "as_of": _iso(today),
    }


def _build_product(session: Session, product_id: int, today: dt.date) -> dict[str, Any]:
    product, organization = session.execute(
        select(Product, Organization).join(Organization, Organization.id == Product.organization_id)
        .where(Product.id == product_id)).one()
    return {"kind": "product", "product": _product_facts(session, product, today),
            "producer": _producer_facts(organization),
            "certificates": _certificates(session, None, product_id, today), "as_of": _iso(today)}
