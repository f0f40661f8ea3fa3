"""Batches: creation with their origin links, the life cycle, and unit serials."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tracelabel import codes
from tracelabel.db import utcnow
from tracelabel.models import (
    Batch,
    BatchInput,
    Certificate,
    Facility,
    Product,
    RawMaterialArea,
)
from tracelabel.services import published
from tracelabel.services.actors import (
    Actor,
    get_visible,
    owning_organization,
    require_owner,
)
from tracelabel.services.audit import record_change, snapshot
from tracelabel.services.errors import Conflict, FieldError, Forbidden, ValidationFailed
from tracelabel.services.fields import clean_text, require_date_order

MAX_UNITS_PER_REQUEST = 1_000_000
MAX_SERIAL = 99_999_999
LINKS = {"area_ids": ("areas", RawMaterialArea), "facility_ids": ("facilities", Facility),
         "certificate_ids": ("certificates", Certificate)}


def batch_snapshot(batch: Batch) -> dict[str, Any]:
    """The batch's columns and links, as the audit trail records them."""
    return snapshot(batch, extra={
        "area_ids": [area.id for area in batch.areas],
        "facility_ids": [facility.id for facility in batch.facilities],
        "certificate_ids": [certificate.id for certificate in batch.certificates],
        "inputs": [{"input_batch_id": i.input_batch_id, "lot": i.lot, "supplier": i.supplier,
                    "quantity": i.quantity, "unit": i.unit} for i in batch.inputs],
    })


def get_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """A batch the actor may see, or NotFound."""
    return get_visible(session, Batch, batch_id, actor, "Batch")


def find_batch_by_code(session: Session, code: str) -> Batch | None:
    """The batch with this short code (any case or typing slip), or None."""
    try:
        canonical = codes.parse_batch_code(code)
    except codes.CodeError:
        return None
    return session.scalar(select(Batch).where(Batch.code == canonical))


class BatchReads:
    """The reads that check a batch's values, one query each; an import answers them from
    records it loaded once per file (``services.batch_bulk``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lot_taken(self, product_id: int, lot: str, batch_id: int | None) -> bool:
        """Whether another batch of the product has this lot."""
        taken = select(Batch.id).where(Batch.product_id == product_id, Batch.lot == lot)
        if batch_id is not None:
            taken = taken.where(Batch.id != batch_id)
        return self.session.scalar(taken) is not None

    def records(self, model: type, ids: list[int]) -> list[Any]:
        """The records of ``model`` with these ids (of any organization)."""
        return list(self.session.scalars(select(model).where(model.id.in_(set(ids))))) if ids else []

    def batch_by_code(self, code: str) -> Batch | None:
        """The batch with this short code, or None."""
        return find_batch_by_code(self.session, code)

    def batch_by_id(self, batch_id: int) -> Batch | None:
        """The batch with this id, or None."""
        return self.session.get(Batch, batch_id)


def _new_code(session: Session) -> str:
    while True:
        code = codes.new_batch_code()
        if session.scalar(select(Batch.id).where(Batch.code == code)) is None:
            return code


def _check_lot(reads: BatchReads, product: Product, lot: str | None, errors: list[FieldError],
               batch_id: int | None = None) -> None:
    if not lot:
        return
    if product.gtin:
        try:
            codes.validate_ai_value("10", lot)
        except codes.CodeError as error:
            errors.append(FieldError("lot", error.message))
            return
    if reads.lot_taken(product.id, lot, batch_id):
        errors.append(FieldError("lot", "This product already has a batch with lot %(lot)s.",
                                 {"lot": lot}))


def _owned_links(reads: BatchReads, model: type, ids: list[int], organization_id: int,
                 field: str, errors: list[FieldError]) -> list[Any]:
    found = reads.records(model, ids)
    owned = {record.id: record for record in found if record.organization_id == organization_id}
    missing = [str(i) for i in ids if i not in owned]
    if missing:
        errors.append(FieldError(field, "These ids are not among your records: %(ids)s.",
                                 {"ids": ", ".join(missing)}))
    return [owned[i] for i in dict.fromkeys(ids) if i in owned]


def _input_batch(reads: BatchReads, actor: Actor, item: dict[str, Any], position: int,
                 errors: list[FieldError]) -> Batch | None:
    field = f"input_lots.{position}"
    if item.get("code"):
        batch = reads.batch_by_code(item["code"])
        if batch is None or (batch.status == "draft" and batch.organization_id != actor.organization_id):
            errors.append(FieldError(f"{field}.code", "No batch has the code %(code)s.",
                                     {"code": item["code"]}))
        return batch
    if item.get("batch_id"):
        batch = reads.batch_by_id(item["batch_id"])
        if batch is None or not (actor.reads_everything or batch.organization_id == actor.organization_id):
            errors.append(FieldError(f"{field}.batch_id", "Batch %(id)s was not found.",
                                     {"id": item["batch_id"]}))
            return None
        return batch
    return None


def _build_inputs(reads: BatchReads, actor: Actor, items: list[dict[str, Any]],
                  errors: list[FieldError]) -> list[BatchInput]:
    inputs = []
    for position, item in enumerate(items):
        source = _input_batch(reads, actor, item, position, errors)
        lot = clean_text(item.get("lot"), f"input_lots.{position}.lot", errors, max_length=40)
        if source is None and not lot and not any(e.field.startswith(f"input_lots.{position}")
                                                  for e in errors):
            errors.append(FieldError(f"input_lots.{position}",
                                     "Name the input lot: a tracelabel code or a lot code."))
        quantity = item.get("quantity")
        if quantity is not None and Decimal(quantity) <= 0:
            errors.append(FieldError(f"input_lots.{position}.quantity", "Enter a quantity above zero."))
        inputs.append(BatchInput(
            input_batch=source, lot=lot or (source.lot if source else None),
            supplier=clean_text(item.get("supplier"), f"input_lots.{position}.supplier", errors),
            quantity=quantity, unit=clean_text(item.get("unit"), f"input_lots.{position}.unit",
                                               errors, max_length=40)))
    return inputs


def _apply_fields(session: Session, actor: Actor, batch: Batch, product: Product,
                  values: dict[str, Any], errors: list[FieldError],
                  reads: BatchReads | None = None) -> None:
    reads = reads or BatchReads(session)
    if "lot" in values:
        values["lot"] = clean_text(values["lot"], "lot", errors, required=True, max_length=40)
        _check_lot(reads, product, values["lot"], errors, batch.id)
    if "production_date" in values and values["production_date"] is None:
        errors.append(FieldError("production_date", "This field is required."))
    require_date_order(values.get("production_date", batch.production_date),
                       values.get("expiry_date", batch.expiry_date), "expiry_date", errors,
                       "The expiry date comes before the production date.")
    if values.get("quantity") is not None and Decimal(values["quantity"]) <= 0:
        errors.append(FieldError("quantity", "Enter a quantity above zero."))
    for key in ("unit", "note"):
        if key in values:
            values[key] = clean_text(values[key], key, errors, max_length=40 if key == "unit" else 5000)
    for key in ("lot", "production_date", "expiry_date", "quantity", "unit", "note"):
        if key in values:
            setattr(batch, key, values[key])
    for key, (attribute, model) in LINKS.items():
        if key in values:
            setattr(batch, attribute, _owned_links(reads, model, values[key] or [],
                                                   batch.organization_id, key, errors))
    if "input_lots" in values:
        batch.inputs = _build_inputs(reads, actor, values["input_lots"] or [], errors)


def create_batch(session: Session, actor: Actor, values: dict[str, Any],
                 organization_id: int | None = None) -> Batch:
    """Create a draft batch of one of the organization's products, with its origin links."""
    owner = owning_organization(actor, organization_id)
    errors: list[FieldError] = []
    product = session.get(Product, values.get("product_id") or 0)
    if product is None or product.organization_id != owner:
        raise ValidationFailed.one("product_id", "No product with this id belongs to the organization.")
    for key in ("lot", "production_date"):
        values.setdefault(key, None)
    with session.no_autoflush:
        batch = Batch(code=_new_code(session), organization_id=owner, product=product,
                      product_id=product.id, status="draft", created_by_id=actor.user_id)
        _apply_fields(session, actor, batch, product, dict(values), errors)
    if errors:
        raise ValidationFailed(errors)
    session.add(batch)
    session.flush()
    record_change(session, actor, "batch.create", "batch", batch.id, None, batch_snapshot(batch))
    return batch


def update_batch(session: Session, actor: Actor, batch_id: int, changes: dict[str, Any]) -> Batch:
    """Change a draft batch; a published one keeps its facts and takes corrections as events."""
    batch = get_batch(session, actor, batch_id)
    require_owner(actor, batch)
    if batch.status != "draft":
        raise Conflict("A published batch cannot be edited; record a correcting event instead.")
    before = batch_snapshot(batch)
    errors: list[FieldError] = []
    with session.no_autoflush:
        _apply_fields(session, actor, batch, batch.product, dict(changes), errors)
    if errors:
        raise ValidationFailed(errors)
    batch.updated_at = utcnow()
    session.flush()
    record_change(session, actor, "batch.update", "batch", batch.id, before, batch_snapshot(batch))
    return batch


def publication_gaps(batch: Batch) -> list[FieldError]:
    """What keeps a batch from being published (the life-cycle rule), as field errors."""
    gaps = []
    if batch.product is None:
        gaps.append(FieldError("product_id", "A batch needs a product."))
    if not batch.lot:
        gaps.append(FieldError("lot", "A batch needs a lot code."))
    if batch.production_date is None:
        gaps.append(FieldError("production_date", "A batch needs a production date."))
    if not batch.areas and not batch.inputs:
        gaps.append(FieldError("area_ids", "A batch needs at least one origin: a raw-material "
                                           "area or an input lot."))
    return gaps


def publish_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """Publish a draft: its trace page goes live and its chain becomes append-only."""
    batch = get_batch(session, actor, batch_id)
    require_owner(actor, batch)
    if batch.status != "draft":
        raise Conflict("Only a draft batch can be published; this one is %(status)s.",
                       {"status": batch.status})
    gaps = publication_gaps(batch)
    if gaps:
        raise ValidationFailed(gaps)
    before = batch_snapshot(batch)
    batch.status, batch.published_at = "published", utcnow()
    batch.status_changed_at, batch.status_changed_by_id = batch.published_at, actor.user_id
    session.flush()
    record_change(session, actor, "batch.publish", "batch", batch.id, before, batch_snapshot(batch))
    published.record_publication(session, actor, batch)
    return batch


STATUS_MOVES = {
    "suspend": ({"published"}, "suspended"),
    "reinstate": ({"suspended"}, "published"),
    "recall": ({"published", "suspended"}, "recalled"),
}


def change_batch_status(session: Session, actor: Actor, batch_id: int, move: str,
                        reason: str | None) -> Batch:
    """Suspend, reinstate or recall a batch: inspectors only, always with a reason."""
    if not actor.is_inspector:
        raise Forbidden("Only an inspector may suspend, reinstate or recall a batch.")
    batch = get_batch(session, actor, batch_id)
    allowed_from, target = STATUS_MOVES[move]
    errors: list[FieldError] = []
    reason = clean_text(reason, "reason", errors, required=True, max_length=2000)
    if errors:
        raise ValidationFailed(errors)
    if batch.status not in allowed_from:
        raise Conflict("A %(status)s batch cannot be moved this way (%(move)s).",
                       {"status": batch.status, "move": move})
    before = batch_snapshot(batch)
    batch.status, batch.status_reason = target, reason
    batch.status_changed_at, batch.status_changed_by_id = utcnow(), actor.user_id
    session.flush()
    record_change(session, actor, f"batch.{move}", "batch", batch.id, before, batch_snapshot(batch))
    return batch


def issue_units(session: Session, actor: Actor, batch_id: int, count: int) -> tuple[int, int]:
    """Reserve the next ``count`` unit serials of a published batch; a serial is never reissued."""
    batch = get_batch(session, actor, batch_id)
    require_owner(actor, batch)
    if batch.status != "published":
        raise Conflict("Unit labels are issued for published batches only; this one is "
                       "%(status)s.", {"status": batch.status})
    if not isinstance(count, int) or not 1 <= count <= MAX_UNITS_PER_REQUEST:
        raise ValidationFailed.one("count", "Issue between 1 and %(max)s units at a time.",
                                   max=MAX_UNITS_PER_REQUEST)
    last = _reserve_serials(session, batch, count)
    first = last - count + 1
    record_change(session, actor, "batch.issue_units", "batch", batch.id,
                  {"units_issued": first - 1}, {"units_issued": last, "first": first, "last": last})
    return first, last


def _reserve_serials(session: Session, batch: Batch, count: int) -> int:
    """Add ``count`` to the batch's serial counter in one statement and return the new last serial.

    Two requests issuing units at once queue on the row instead of one failing on a stale
    version: each gets its own range, since asking for N more labels never clashes in a
    producer's eyes.
    """
    reserved = session.execute(
        update(Batch)
        .where(Batch.id == batch.id, Batch.status == "published",
               Batch.units_issued + count <= MAX_SERIAL)
        .values(units_issued=Batch.units_issued + count, version=Batch.version + 1)
        .returning(Batch.units_issued)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.expire(batch, ["units_issued", "version", "status"])
    if reserved is not None:
        return reserved
    if batch.status != "published":
        raise Conflict("Unit labels are issued for published batches only; this one is "
                       "%(status)s.", {"status": batch.status})
    raise ValidationFailed.one("count", "This batch cannot take more than %(max)s units.",
                               max=MAX_SERIAL)


def is_expired(batch: Batch, today: dt.date) -> bool:
    """Whether the batch's expiry date has passed."""
    return batch.expiry_date is not None and batch.expiry_date < today
