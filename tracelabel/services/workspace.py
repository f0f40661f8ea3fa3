"""Reads for the producer workspace's pages: each page's records in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from tracelabel.models import (
    Batch,
    BatchInput,
    Certificate,
    Facility,
    Product,
    RawMaterialArea,
    TraceEvent,
)
from tracelabel.services.actors import Actor, visible
from tracelabel.services.batches import get_batch
from tracelabel.services.pages import Page, paginate

EXPIRY_WARNING = dt.timedelta(days=30)


def certificate_state(certificate: Certificate, today: dt.date) -> str:
    """``expired``, ``expiring`` (within 30 days), ``not_yet_valid`` or ``valid`` on that day."""
    validity = certificate.validity_on(today)
    if validity == "valid" and certificate.valid_until - today <= EXPIRY_WARNING:
        return "expiring"
    return validity


@dataclass
class Overview:
    """The workspace's front page: how much is registered and what needs attention."""

    counts: dict[str, int]
    drafts: list[Batch]
    certificates_needing_attention: list[tuple[Certificate, str]] = field(default_factory=list)


def _count(session: Session, actor: Actor, model: type) -> int:
    return int(session.scalar(visible(select(func.count()).select_from(model), model, actor)) or 0)


def overview(session: Session, actor: Actor, today: dt.date) -> Overview:
    """Counts of the actor's records, recent drafts, and certificates expired or expiring soon."""
    counts = {name: _count(session, actor, model) for name, model in (
        ("products", Product), ("areas", RawMaterialArea), ("facilities", Facility),
        ("certificates", Certificate), ("batches", Batch))}
    drafts = session.scalars(visible(select(Batch), Batch, actor)
                             .where(Batch.status == "draft").options(joinedload(Batch.product))
                             .order_by(Batch.id.desc()).limit(10)).all()
    soon = session.scalars(visible(select(Certificate), Certificate, actor)
                           .where(Certificate.valid_until <= today + EXPIRY_WARNING)
                           .options(*_certificate_subjects()).order_by(Certificate.valid_until)).all()
    return Overview(counts, list(drafts), [(c, certificate_state(c, today)) for c in soon])


def _certificate_subjects() -> tuple[Any, ...]:
    return (joinedload(Certificate.product), joinedload(Certificate.area),
            joinedload(Certificate.facility))


def certificate_rows(session: Session, actor: Actor, today: dt.date, *, page: int = 1,
                     per_page: int = 50) -> tuple[Page, dict[int, str]]:
    """A page of certificates with what they cover loaded, and each one's state today."""
    statement = (visible(select(Certificate), Certificate, actor).options(*_certificate_subjects())
                 .order_by(Certificate.valid_until, Certificate.id))
    result = paginate(session, statement, page, per_page)
    return result, {c.id: certificate_state(c, today) for c in result.items}


def batch_rows(session: Session, actor: Actor, *, page: int = 1, per_page: int = 50,
               status: str | None = None) -> Page:
    """A page of batches, newest first, with their products loaded."""
    statement = visible(select(Batch), Batch, actor).options(joinedload(Batch.product))
    if status:
        statement = statement.where(Batch.status == status)
    return paginate(session, statement.order_by(Batch.id.desc()), page, per_page)


@dataclass
class Registry:
    """Everything of the organization a batch can link to, for the batch forms."""

    products: list[Product]
    areas: list[RawMaterialArea]
    facilities: list[Facility]
    certificates: list[Certificate]


def registry(session: Session, actor: Actor) -> Registry:
    """The actor's products, areas, facilities and certificates, by name (four queries)."""
    def load(model: type, *order: Any, options: tuple[Any, ...] = ()) -> list[Any]:
        return list(session.scalars(visible(select(model), model, actor).options(*options)
                                    .order_by(*order)))
    return Registry(load(Product, Product.name), load(RawMaterialArea, RawMaterialArea.name),
                    load(Facility, Facility.name),
                    load(Certificate, Certificate.valid_until.desc(), options=_certificate_subjects()))


def batch_with_chain(session: Session, actor: Actor, batch_id: int) -> Batch:
    """A batch the actor may see, with its links and chain loaded for the batch pages."""
    batch = get_batch(session, actor, batch_id)
    session.scalars(select(Batch).where(Batch.id == batch.id).options(
        selectinload(Batch.areas), selectinload(Batch.facilities),
        selectinload(Batch.certificates).options(*_certificate_subjects()),
        selectinload(Batch.inputs).joinedload(BatchInput.input_batch),
        selectinload(Batch.events).options(joinedload(TraceEvent.area),
                                           joinedload(TraceEvent.facility)))).all()
    return batch
