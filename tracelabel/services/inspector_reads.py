"""Reads for the inspector workspace's pages: each page's records in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from tracelabel.models import (
    Batch,
    BatchInput,
    Certificate,
    RawMaterialArea,
    Scan,
    TraceEvent,
    User,
)
from tracelabel.services import audit, event_places, inspection, search
from tracelabel.services.actors import Actor, get_visible
from tracelabel.services.batches import get_batch
from tracelabel.services.events import superseded_ids
from tracelabel.services.pages import Page

SCAN_DAYS = 30
AUDIT_ENTRIES_SHOWN = 100
MAX_ID = 2**31 - 1


def with_producers(session: Session, batches: Iterable[Batch]) -> list[Batch]:
    """Load the batches' organizations and products in one query (the rows of a list)."""
    found = list(batches)
    if found:
        session.scalars(select(Batch).where(Batch.id.in_([b.id for b in found])).options(
            joinedload(Batch.organization), joinedload(Batch.product))).all()
    return found


def search_page(session: Session, actor: Actor, filters: search.BatchFilters, *, sort: str,
                page: int, per_page: int = 50) -> Page:
    """A page of search results with their products and producers loaded."""
    found = search.search_batches(session, actor, filters, sort=sort, page=page, per_page=per_page)
    with_producers(session, found.items)
    return found


def _local_day(session: Session) -> Any:
    """The scan's calendar day in Vietnam (UTC+7), the way each database spells it."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(Scan.scanned_at, "+7 hours")
    return func.date(func.timezone("Asia/Ho_Chi_Minh", Scan.scanned_at))


def scans_per_day(session: Session, batch_id: int, since: dt.datetime) -> list[tuple[dt.date, int]]:
    """How many times the batch's codes were scanned on each day (Vietnam time) since a moment."""
    day = _local_day(session)
    rows = session.execute(select(day, func.count(Scan.id))
                           .where(Scan.batch_id == batch_id, Scan.scanned_at >= since)
                           .group_by(day).order_by(day)).all()
    return [(dt.date.fromisoformat(str(value)[:10]), count) for value, count in rows]


@dataclass
class BatchRecord:
    """Everything an inspector reads about one batch."""

    batch: Batch
    corrected: set[int]
    made_into: list[Batch]
    scans: list[tuple[dt.date, int]]
    audit_entries: list[Any]
    far_off: dict[int, event_places.FarOff] = field(default_factory=dict)


def batch_record(session: Session, actor: Actor, batch_id: int, now: dt.datetime) -> BatchRecord:
    """A batch with its chain, who recorded what, certificates, scans, audit entries and the
    batches one step back and forward."""
    batch = get_batch(session, actor, batch_id)
    session.scalars(select(Batch).where(Batch.id == batch.id).options(
        joinedload(Batch.product), joinedload(Batch.organization), joinedload(Batch.status_changed_by),
        selectinload(Batch.areas), selectinload(Batch.facilities),
        selectinload(Batch.certificates).options(
            joinedload(Certificate.verified_by), joinedload(Certificate.product),
            joinedload(Certificate.area), joinedload(Certificate.facility),
            joinedload(Certificate.organization)),
        selectinload(Batch.inputs).joinedload(BatchInput.input_batch),
        selectinload(Batch.events).options(joinedload(TraceEvent.area),
                                           joinedload(TraceEvent.facility),
                                           joinedload(TraceEvent.recorded_by)))).all()
    with_producers(session, [i.input_batch for i in batch.inputs if i.input_batch is not None])
    made_into = with_producers(session, search.batches_made_from(session, actor, batch.id))
    entries = audit.list_entries(session, actor, entity_type="batch", entity_id=str(batch.id),
                                 per_page=AUDIT_ENTRIES_SHOWN).items
    far = {e.id: flag for e in batch.events if (flag := event_places.far_off(e)) is not None}
    return BatchRecord(batch, superseded_ids(batch.events), made_into,
                       scans_per_day(session, batch.id, now - dt.timedelta(days=SCAN_DAYS)),
                       entries, far)


@dataclass
class AreaRecord:
    """A raw-material area and every batch made from it."""

    area: RawMaterialArea
    batches: list[Batch]
    on_sale: int


def area_record(session: Session, actor: Actor, area_id: int) -> AreaRecord:
    """The area with its owner, and the batches that name it as an origin (one step forward)."""
    area = get_visible(session, RawMaterialArea, area_id, actor, "Area")
    found = with_producers(session, search.batches_from_area(session, actor, area.id))
    return AreaRecord(area, found, sum(b.status in ("published", "suspended") for b in found))


def recall_preview(session: Session, actor: Actor, **origin: int) -> list[Batch]:
    """The batches a recall from an area or lot would reach, with products and producers loaded."""
    return with_producers(session, inspection.downstream_batches(session, actor, **origin))


@dataclass
class Alerts:
    """What needs an inspector's attention now."""

    certificates: list[inspection.CertificateAlert]
    scans: list[inspection.ScanAlert]


def alerts(session: Session, actor: Actor, today: dt.date, since: dt.datetime) -> Alerts:
    """Certificate and scan alerts, with the records their rows name loaded up front."""
    certificates = inspection.certificate_alerts(session, actor, today)
    if certificates:
        ids = [a.certificate.id for a in certificates]
        session.scalars(select(Certificate).where(Certificate.id.in_(ids)).options(
            joinedload(Certificate.organization), joinedload(Certificate.product),
            joinedload(Certificate.area), joinedload(Certificate.facility))).all()
    scans = inspection.scan_alerts(session, actor, since)
    with_producers(session, [a.batch for a in scans])
    return Alerts(certificates, scans)


def actor_user_id(session: Session, text: str) -> int | None:
    """The user an audit filter names by id or email, or None when no account matches."""
    text = text.strip()
    if text.isdigit():
        if int(text) > MAX_ID:
            return None
        return int(text) if session.get(User, int(text)) is not None else None
    return session.scalar(select(User.id).where(func.lower(User.email) == text.lower()))
