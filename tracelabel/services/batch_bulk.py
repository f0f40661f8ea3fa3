"""Many draft batches at once (an import): the same checks as ``create_batch``, with the records
they read loaded once per file instead of once per row, and the rows written in one flush."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, tuple_
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
    batch_areas,
    batch_certificates,
    batch_facilities,
)
from tracelabel.services import audit
from tracelabel.services.actors import Actor
from tracelabel.services.batches import BatchReads, _apply_fields
from tracelabel.services.errors import FieldError

CHUNK = 500  # values per IN (...) list, well under every database's parameter limit


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


class PreloadedReads(BatchReads):
    """Answers ``BatchReads`` from the organization's records and the file's named batches."""

    def __init__(self, session: Session, organization_id: int, rows: list[dict[str, Any]]) -> None:
        super().__init__(session)
        self.owned: dict[type, dict[int, Any]] = {
            model: {record.id: record for record in session.scalars(
                select(model).where(model.organization_id == organization_id))}
            for model in (RawMaterialArea, Facility, Certificate)}
        inputs = [item for row in rows for item in row.get("input_lots") or []]
        self.by_code = self._batches(Batch.code, {i["code"] for i in inputs if i.get("code")})
        self.by_id = self._batches(Batch.id, {i["batch_id"] for i in inputs if i.get("batch_id")})
        pairs = {(row["product_id"], row["lot"].strip()) for row in rows
                 if row.get("product_id") and isinstance(row.get("lot"), str)}
        self.lots: set[tuple[int, str]] = set()
        for chunk in _chunks(pairs):
            self.lots.update(tuple(row) for row in session.execute(
                select(Batch.product_id, Batch.lot)
                .where(tuple_(Batch.product_id, Batch.lot).in_(chunk))).all())

    def _batches(self, column: Any, keys: set[Any]) -> dict[Any, Batch]:
        found: dict[Any, Batch] = {}
        for chunk in _chunks(keys):
            for batch in self.session.scalars(select(Batch).where(column.in_(chunk))):
                found[getattr(batch, column.key)] = batch
        return found

    def lot_taken(self, product_id: int, lot: str, batch_id: int | None) -> bool:
        return (product_id, lot) in self.lots

    def records(self, model: type, ids: list[int]) -> list[Any]:
        owned = self.owned.get(model, {})
        return [owned[i] for i in set(ids) if i in owned]

    def batch_by_code(self, code: str) -> Batch | None:
        return self.by_code.get(code)

    def batch_by_id(self, batch_id: int) -> Batch | None:
        return self.by_id.get(batch_id)


def new_codes(session: Session, count: int) -> list[str]:
    """``count`` fresh batch codes, none already taken (one query per few hundred codes)."""
    fresh: set[str] = set()
    while len(fresh) < count:
        wanted = {codes.new_batch_code() for _ in range(count - len(fresh))} - fresh
        for chunk in _chunks(wanted):
            wanted -= set(session.scalars(select(Batch.code).where(Batch.code.in_(chunk))))
        fresh |= wanted
    return list(fresh)


class DraftBatch:
    """A batch being checked: ``_apply_fields`` sets its values and links as on a ``Batch``,
    without the ORM's bookkeeping (an import checks tens of thousands)."""

    COLUMNS = tuple(column.key for column in Batch.__table__.columns)

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(dict.fromkeys(self.COLUMNS), areas=[], facilities=[],
                             certificates=[], inputs=[], **values)

    def row(self) -> dict[str, Any]:
        """The batches row to insert."""
        return {key: getattr(self, key) for key in self.COLUMNS if key != "id"}

    def snapshot(self) -> dict[str, Any]:
        """What ``batch_snapshot`` records of the batch once written."""
        return audit.snapshot_values({key: getattr(self, key) for key in self.COLUMNS}, extra={
            "area_ids": [area.id for area in self.areas],
            "facility_ids": [facility.id for facility in self.facilities],
            "certificate_ids": [certificate.id for certificate in self.certificates],
            "inputs": [{"input_batch_id": i.input_batch.id if i.input_batch else None,
                        "lot": i.lot, "supplier": i.supplier, "quantity": i.quantity,
                        "unit": i.unit} for i in self.inputs],
        })


@dataclass
class BulkOutcome:
    """The ids of the batches written (or that would be), or each refused row's errors (by the
    row's index) and nothing written."""

    batch_ids: list[int] = field(default_factory=list)
    checked: int = 0
    errors: dict[int, list[FieldError]] = field(default_factory=dict)


def create_batches(session: Session, actor: Actor, rows: list[dict[str, Any]],
                   organization_id: int, *, write: bool = True) -> BulkOutcome:
    """Check every row as ``create_batch`` would, then write them all or, if any is refused, none
    (nor when ``write`` is false: a dry run, or a file with rows refused before this check).

    Rows name products of the organization by id. The audit entries are appended last, in one
    short step (``audit.append_changes``), so the chain's head is held only from there to the
    commit.
    """
    products = {p.id: p for p in session.scalars(
        select(Product).where(Product.organization_id == organization_id))}
    reads = PreloadedReads(session, organization_id, rows)
    outcome = BulkOutcome()
    drafts = []
    now = utcnow()
    with session.no_autoflush:
        for index, (values, code) in enumerate(zip(rows, new_codes(session, len(rows)),
                                                   strict=True)):
            errors: list[FieldError] = []
            product = products.get(values.get("product_id") or 0)
            if product is None:
                outcome.errors[index] = [FieldError(
                    "product_id", "No product with this id belongs to the organization.")]
                continue
            draft = DraftBatch(code=code, organization_id=organization_id, product_id=product.id,
                               status="draft", units_issued=0, version=1, created_at=now,
                               updated_at=now, created_by_id=actor.user_id)
            _apply_fields(session, actor, draft, product,  # type: ignore[arg-type]
                          {"lot": None, "production_date": None, **values}, errors, reads)
            if errors:
                outcome.errors[index] = errors
            else:
                reads.lots.add((product.id, draft.lot))  # a second row with this lot is refused
                drafts.append(draft)
    outcome.checked = len(drafts)
    if outcome.errors or not write:
        return outcome
    _insert(session, drafts)
    audit.append_changes(session, actor, [
        audit.PendingChange("batch.create", "batch", draft.id, None, draft.snapshot())
        for draft in drafts])
    outcome.batch_ids = [draft.id for draft in drafts]
    return outcome


def _insert(session: Session, drafts: list[DraftBatch]) -> None:
    """Insert the batches and their links, a few statements per thousand rows."""
    by_code = {draft.code: draft for draft in drafts}
    # A plain executemany, then the ids by code: on psycopg an INSERT … RETURNING of thousands
    # of rows is rewritten into huge statements whose parameters are parsed in Python.
    session.execute(insert(Batch.__table__), [d.row() for d in drafts])
    for chunk in _chunks(by_code):
        for code, batch_id in session.execute(select(Batch.code, Batch.id)
                                              .where(Batch.code.in_(chunk))):
            by_code[code].id = batch_id
    links = ((batch_areas, "area_id", "areas"), (batch_facilities, "facility_id", "facilities"),
             (batch_certificates, "certificate_id", "certificates"))
    for table, column, attribute in links:
        pairs = [{"batch_id": d.id, column: record.id} for d in drafts
                 for record in getattr(d, attribute)]
        if pairs:
            session.execute(insert(table), pairs)
    inputs = [{"batch_id": d.id, "input_batch_id": i.input_batch.id if i.input_batch else None,
               "lot": i.lot, "supplier": i.supplier, "quantity": i.quantity, "unit": i.unit}
              for d in drafts for i in d.inputs]
    if inputs:
        session.execute(insert(BatchInput.__table__), inputs)
