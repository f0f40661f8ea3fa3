"""The public view of a batch or product: the facts a trace page shows, and nothing private.

A request first reads a ``BatchKey`` (one indexed query: the batch, its product and the change
marker), then asks for the public facts, which a ``TraceCache`` keeps per process keyed by that
marker and the day. The marker is (batch version, product ``updated_at``, audit head ``page_seq``):
every change the services make appends to the audit trail and, unless no public page shows it
(accounts, tokens, drafts, serials issued: ``audit.public_seqs``), moves ``page_seq``, so an edit of
an area, a certificate, a photo or the producer changes the marker too, while scans (not audited)
and label runs do not. The day is part of the key because certificate validity and expiry are
computed for "today" in Vietnam.

Left out on purpose: accounts, tokens, e-mail addresses, ``Batch.note`` (the producer's own notes),
event notes (free text a producer may use internally), who recorded or verified anything,
inspectors' verification notes and the coordinates of growing areas (often a family's home).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracelabel.db import driver_cursor, driver_sql
from tracelabel.models import (
    Batch,
    BatchInput,
    Certificate,
    Organization,
    Product,
    PublishedRecord,
    RawMaterialArea,
    TraceEvent,
)
from tracelabel.services import event_photos, photos, published, where_to_buy
from tracelabel.services.published import iso, public_text

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


# The key queries run on every scan: plain SQL straight to the driver (SQLAlchemy's execution
# would cost more than the query). The marker's raw values only serve as a cache key, so they are
# not converted.
KEY_SELECT = """
SELECT b.id, b.code, b.lot, b.status, b.units_issued, p.id, p.gtin,
       b.version, p.updated_at, (SELECT page_seq FROM audit_head WHERE id = 1)
FROM batches AS b JOIN products AS p ON p.id = b.product_id
"""
_BATCH_BY_CODE = KEY_SELECT + "WHERE b.code = :code"
_BATCH_BY_GTIN_LOT = KEY_SELECT + "WHERE p.gtin = :gtin AND b.lot = :lot"
# A product is public once one of its batches is: a GTIN alone reveals nothing of a draft catalogue.
_PRODUCT_BY_GTIN = ("SELECT p.id, p.updated_at, (SELECT page_seq FROM audit_head WHERE id = 1) "
                    "FROM products AS p WHERE p.gtin = :gtin AND EXISTS (SELECT 1 FROM batches "
                    "AS b WHERE b.product_id = p.id AND b.status <> 'draft')")


def batch_key(row: Sequence[Any]) -> BatchKey:
    """The BatchKey of a row that starts with KEY_SELECT's columns."""
    return BatchKey(*row[:7], marker=tuple(row[7:10]))


def _first_row(session: Session, sql: str, params: dict[str, Any]) -> Sequence[Any] | None:
    with driver_cursor(session) as cursor:
        cursor.execute(driver_sql(sql, session.get_bind().dialect.name), params)
        return cursor.fetchone()


def find_batch(session: Session, *, code: str | None = None, gtin: str | None = None,
               lot: str | None = None) -> BatchKey | None:
    """The batch with this canonical short code, or this GTIN and lot; None when unknown."""
    if code is not None:
        row = _first_row(session, _BATCH_BY_CODE, {"code": code})
    else:
        row = _first_row(session, _BATCH_BY_GTIN_LOT, {"gtin": gtin, "lot": lot})
    return None if row is None else batch_key(row)


def find_product(session: Session, gtin: str) -> ProductKey | None:
    """The product with this GTIN (14 digits), or None."""
    row = _first_row(session, _PRODUCT_BY_GTIN, {"gtin": gtin})
    return None if row is None else ProductKey(row[0], gtin, tuple(row[1:]))


class TraceCache:
    """A bounded, thread-safe, least-recently-used map from versioned keys to public views."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any | None:
        """The cached value for key, or None."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        """Keep value for key, forgetting the least recently used beyond the size."""
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_build(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """The cached value for key, built (outside the lock) on a miss."""
        value = self.get(key)
        if value is None:
            value = build()
            self.put(key, value)
        return value


def public_trace(session: Session, key: BatchKey, today: dt.date, cache: TraceCache) -> dict[str, Any]:
    """The public facts of a batch as plain JSON-ready data, built once per version and day."""
    return cache.get_or_build(("batch", key.batch_id, key.marker, today),
                              lambda: batch_facts(session, key.batch_id, today))


def public_product(session: Session, key: ProductKey, today: dt.date,
                   cache: TraceCache) -> dict[str, Any]:
    """The public facts of a product alone (a Digital Link without a known lot)."""
    return cache.get_or_build(("product", key.product_id, key.marker, today),
                              lambda: _build_product(session, key.product_id, today))


def _day(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(VIETNAM).date().isoformat()


def _photo(session: Session, product_id: int) -> dict[str, Any] | None:
    photo = photos.public_photo(session, product_id)  # the lead's photo store; None without one
    return None if photo is None else {"src": photo.src, "srcset": photo.srcset,
                                       "width": photo.width, "height": photo.height}


def _validity(claim: dict[str, Any], today: dt.date) -> str:
    if today < dt.date.fromisoformat(claim["valid_from"]):
        return "not_yet_valid"
    return "expired" if today > dt.date.fromisoformat(claim["valid_until"]) else "valid"


def _certificate_views(claims: dict[str, dict[str, Any]], live: dict[int, Certificate],
                       today: dt.date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The claims with today's validity and the inspectors' verdicts; rejected ones apart, starless."""
    shown, rejected = [], []
    for key, claim in sorted(claims.items(), key=lambda item: int(item[0])):
        certificate = live.get(int(key))
        verdict = certificate.verification_status if certificate else "unverified"
        public = {name: value for name, value in claim.items() if name != "id"}
        if verdict == "rejected":
            rejected.append({"scheme": claim["scheme"], "number": claim["number"],
                             "issuer": claim["issuer"], "covers": claim["covers"],
                             "rejected_on": _day(certificate.verified_at)})
            continue
        shown.append({**public, "validity": _validity(claim, today), "verification": verdict,
                      "verified_on": _day(certificate.verified_at) if verdict == "verified" else None})
    return shown, rejected


def _ocop_rating(certificates: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The headline OCOP rating: the best valid one of the claims no inspector rejected."""
    ratings = [c for c in certificates if c["scheme"] == "ocop"]
    if not ratings:
        return None
    best = max(ratings, key=lambda c: (c["validity"] == "valid", c["verification"] == "verified",
                                       c["valid_until"]))
    return {"stars": best["stars"], "certificate_number": best["number"],
            "issuing_level": best["issuing_level"], "valid_until": best["valid_until"],
            "validity": best["validity"], "verification": best["verification"]}


def _official_status(area: RawMaterialArea | None) -> dict[str, Any]:
    """An area code's status as it stands today, and who stated it (the producer or an inspector)."""
    if area is None:
        return {"code_status": None, "code_status_since": None, "code_status_source": None}
    return {"code_status": area.code_status, "code_status_since": iso(area.code_status_since),
            "code_status_source": area.code_status_source}


def _events(session: Session, batch_id: int, areas: dict[str, dict[str, Any]],
            facilities: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = session.scalars(select(TraceEvent).where(TraceEvent.batch_id == batch_id)
                           .order_by(TraceEvent.occurred_at, TraceEvent.id)).all()
    replaced = {event.supersedes_id for event in rows if event.supersedes_id}
    shown = [event for event in rows if event.id not in replaced]
    # Public event photos only (never the event's position); live, like product photos.
    pictures = event_photos.public_photos(shown)
    return [{"step": event.step, "occurred_at": event.occurred_local.isoformat(),
             "place": event.place, "area": areas.get(str(event.area_id)),
             "facility": facilities.get(str(event.facility_id)),
             "corrects_earlier_entry": event.supersedes_id is not None,
             "photos": [{"src": p.src, "srcset": p.srcset, "width": p.width, "height": p.height}
                        for p in pictures.get(event.id, [])]}
            for event in shown]


def _inputs(session: Session, batch_id: int) -> list[dict[str, Any]]:
    source = Batch.__table__.alias("source")
    rows = session.execute(
        select(BatchInput.lot, BatchInput.supplier, BatchInput.quantity, BatchInput.unit,
               source.c.lot, source.c.code, source.c.status)
        .outerjoin(source, source.c.id == BatchInput.input_batch_id)
        .where(BatchInput.batch_id == batch_id).order_by(BatchInput.id)).all()
    # A draft input batch is not public: neither its code nor its lot appears.
    return [{"lot": lot or (source_lot if status in PUBLIC_STATUSES else None),
             "supplier": supplier, "quantity": public_text(quantity), "unit": unit,
             "code": code if status in PUBLIC_STATUSES else None}
            for lot, supplier, quantity, unit, source_lot, code, status in rows]


def _public(facts: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in facts.items() if key != "id"}


def batch_facts(session: Session, batch_id: int, today: dt.date) -> dict[str, Any]:
    """A public batch's trace: the record frozen at publication with today's official facts."""
    batch = session.get(Batch, batch_id)
    record = session.get(PublishedRecord, batch_id)
    # A batch published before records existed has none until `tracelabel db upgrade` freezes it.
    facts = record.facts if record is not None else published.freeze(session, batch)
    live_areas = {str(a.id): a for a in session.scalars(select(RawMaterialArea).where(
        RawMaterialArea.id.in_([int(i) for i in facts["areas"]])))}
    areas = {key: {**value, **_official_status(live_areas.get(key))}
             for key, value in facts["areas"].items()}
    live_certificates = {c.id: c for c in session.scalars(select(Certificate).where(
        Certificate.id.in_([int(i) for i in facts["certificates"]])))}
    certificates, rejected = _certificate_views(facts["certificates"], live_certificates, today)
    notice = None if batch.status == "published" else {
        "status": batch.status, "reason": batch.status_reason, "since": _day(batch.status_changed_at)}
    changes = [] if record is None else published.later_changes(
        session, record, {str(i) for i, c in live_certificates.items()
                          if c.verification_status == "rejected"})
    return {
        "kind": "batch", "code": batch.code, "status": batch.status, "status_notice": notice,
        "product": {**_public(facts["product"]), "ocop": _ocop_rating(certificates),
                    "photo": _photo(session, batch.product_id)},
        "producer": _public(facts["producer"]),
        "batch": {"lot": batch.lot, "production_date": iso(batch.production_date),
                  "expiry_date": iso(batch.expiry_date),
                  "expired": batch.expiry_date is not None and batch.expiry_date < today,
                  "quantity": public_text(batch.quantity), "unit": batch.unit},
        "origin": {"areas": [areas[str(i)] for i in facts["area_ids"]],
                   "facilities": [facts["facilities"][str(i)] for i in facts["facility_ids"]],
                   "inputs": _inputs(session, batch_id),
                   "events": _events(session, batch_id, areas, facts["facilities"])},
        "certificates": certificates, "rejected_claims": rejected,
        # Live, not as published: shops open and close.
        "where_to_buy": _where_to_buy(session, batch.product_id),
        "published_on": _day(batch.published_at), "later_changes": changes,
        "as_of": iso(today),
    }


def _withdrawn_batches(session: Session, product_id: int) -> list[dict[str, Any]]:
    """The product's recalled and suspended batches, newest first: a consumer must see them."""
    rows = session.execute(
        select(Batch.code, Batch.lot, Batch.status, Batch.status_reason, Batch.status_changed_at)
        .where(Batch.product_id == product_id, Batch.status.in_(("recalled", "suspended")))
        .order_by(Batch.status_changed_at.desc(), Batch.id.desc())).all()
    return [{"code": code, "lot": lot, "status": status, "reason": reason, "since": _day(since)}
            for code, lot, status, reason, since in rows]


def _build_product(session: Session, product_id: int, today: dt.date) -> dict[str, Any]:
    product, organization = session.execute(
        select(Product, Organization).join(Organization, Organization.id == Product.organization_id)
        .where(Product.id == product_id)).one()
    claims = {str(c.id): published.certificate_facts(c, covers)
              for c, covers in published.claimed_certificates(session, None, product_id)}
    live = {c.id: c for c in session.scalars(select(Certificate).where(
        Certificate.id.in_([int(i) for i in claims])))}
    certificates, rejected = _certificate_views(claims, live, today)
    return {"kind": "product", "withdrawn_batches": _withdrawn_batches(session, product_id),
            "product": {**published.product_facts(product), "ocop": _ocop_rating(certificates),
                        "photo": _photo(session, product_id)},
            "producer": published.producer_facts(organization),
            "certificates": certificates, "rejected_claims": rejected,
            "where_to_buy": where_to_buy.public_view(product.points_of_sale,
                                                     product.online_listings),
            "as_of": iso(today)}


def _where_to_buy(session: Session, product_id: int) -> dict[str, Any]:
    points, listings = session.execute(select(Product.points_of_sale, Product.online_listings)
                                       .where(Product.id == product_id)).one()
    return where_to_buy.public_view(points, listings)
