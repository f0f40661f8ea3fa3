"""Finding batches across producers (inspectors) or within one's own (producers), fast at scale."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from tracelabel import codes
from tracelabel.models import (
    Batch,
    BatchInput,
    Certificate,
    Organization,
    Product,
    ProductPhoto,
    RawMaterialArea,
    TraceEvent,
    batch_areas,
    batch_certificates,
)
from tracelabel.services.actors import Actor, visible
from tracelabel.services.pages import Page

# Counting every match of a broad filter over millions of rows costs more than the page itself;
# past this many the total reads "1,000 or more" (an inspector narrows the search then).
COUNT_CAP = 1_000
SORTS = {
    "newest": (Batch.id.desc(),),
    "production_date": (Batch.production_date.asc(), Batch.id.asc()),
    "-production_date": (Batch.production_date.desc(), Batch.id.desc()),
    "lot": (Batch.lot.asc(), Batch.id.asc()),
}


@dataclass(frozen=True)
class BatchFilters:
    """What an inspector can search by; every field is optional."""

    code: str | None = None
    lot: str | None = None
    product: str | None = None
    product_id: int | None = None
    producer: str | None = None
    organization_id: int | None = None
    province: str | None = None
    area_code: str | None = None
    area_id: int | None = None
    certificate_scheme: str | None = None
    certificate_status: str | None = None
    produced_from: dt.date | None = None
    produced_to: dt.date | None = None
    status: str | None = None
    has_gaps: bool | None = None


def code_condition(text: str) -> Any:
    """The batch a typed or scanned code names: a short code, a unit code or a trace URL."""
    text = text.strip()
    path, query = text, ""
    if "://" in text:
        parts = urlsplit(text)
        path, query = parts.path, parts.query
    if "/01/" in path.lower() or path.startswith("01/"):
        try:
            link = codes.parse_digital_link(path[path.lower().index("/01/"):] if "/01/" in path.lower()
                                            else "/" + path, query)
        except codes.CodeError:
            return False
        condition = Product.gtin == link.gtin
        return and_(condition, Batch.lot == link.lot) if link.lot else condition
    candidate = path.rstrip("/").rsplit("/", 1)[-1]
    batch_part = candidate.split(".", 1)[0]
    try:
        return Batch.code == codes.parse_batch_code(batch_part)
    except codes.CodeError:
        return False


def _gap_condition() -> Any:
    """Batches whose trace lacks an item of Circular 02/2024 (the readiness check, in SQL).

    Uncorrelated IN subqueries, so the condition composes with any join the other filters add.
    """
    no_photo = ~Batch.product_id.in_(select(ProductPhoto.product_id))
    no_events = ~Batch.id.in_(select(TraceEvent.batch_id))
    uncoded_area = Batch.id.in_(
        select(TraceEvent.batch_id).join(RawMaterialArea, RawMaterialArea.id == TraceEvent.area_id)
        .where(or_(RawMaterialArea.code.is_(None), RawMaterialArea.code_status != "active")))
    product_gaps = Batch.product_id.in_(select(Product.id).where(or_(
        Product.brand.is_(None), Product.standards.is_(None),
        func.coalesce(func.json_array_length(Product.standards), 0) == 0)))
    no_address = Batch.organization_id.in_(
        select(Organization.id).where(Organization.address.is_(None)))
    return or_(no_photo, no_events, uncoded_area, product_gaps, no_address,
               Batch.expiry_date.is_(None))


def _certificate_condition(scheme: str | None, status: str | None, today: dt.date) -> Any:
    conditions = [batch_certificates.c.certificate_id == Certificate.id]
    if scheme:
        conditions.append(Certificate.scheme == scheme)
    if status == "expired":
        conditions.append(Certificate.valid_until < today)
    elif status == "valid":
        conditions.append(and_(Certificate.valid_from <= today, Certificate.valid_until >= today))
    elif status in ("verified", "rejected", "unverified"):
        conditions.append(Certificate.verification_status == status)
    return Batch.id.in_(select(batch_certificates.c.batch_id).where(*conditions))


def apply_filters(statement: Select[Any], f: BatchFilters, today: dt.date) -> Select[Any]:
    """Narrow a select on batches to those matching the filters."""
    simple = {Batch.lot: f.lot, Batch.product_id: f.product_id, Batch.status: f.status,
              Batch.organization_id: f.organization_id}
    for column, value in simple.items():
        if value is not None:
            statement = statement.where(column == value)
    if f.code:
        statement = statement.where(code_condition(f.code))
    if f.code or f.product:
        statement = statement.join(Product, Product.id == Batch.product_id)
    if f.product:
        statement = statement.where(func.lower(Product.name).contains(f.product.strip().lower()))
    if f.producer or f.province:
        statement = statement.join(Organization, Organization.id == Batch.organization_id)
    if f.producer:
        statement = statement.where(func.lower(Organization.name).contains(f.producer.strip().lower()))
    if f.province:
        statement = statement.where(func.lower(Organization.province) == f.province.strip().lower())
    if f.area_code or f.area_id:
        # IN (…) rather than a correlated EXISTS: the few matching links are found by index first.
        areas = (select(RawMaterialArea.id).where(RawMaterialArea.id == f.area_id) if f.area_id
                 else select(RawMaterialArea.id).where(
                     RawMaterialArea.code == f.area_code.strip().upper()))
        statement = statement.where(Batch.id.in_(
            select(batch_areas.c.batch_id).where(batch_areas.c.area_id.in_(areas))))
    if f.certificate_scheme or f.certificate_status:
        statement = statement.where(_certificate_condition(f.certificate_scheme,
                                                           f.certificate_status, today))
    if f.produced_from:
        statement = statement.where(Batch.production_date >= f.produced_from)
    if f.produced_to:
        statement = statement.where(Batch.production_date <= f.produced_to)
    if f.has_gaps is not None:
        statement = statement.where(_gap_condition() if f.has_gaps else ~_gap_condition())
    return statement


def search_batches(session: Session, actor: Actor, filters: BatchFilters, *, sort: str = "newest",
                   page: int = 1, per_page: int = 50, today: dt.date | None = None) -> Page:
    """One page of the batches matching the filters, with the total (capped at COUNT_CAP)."""
    statement = apply_filters(visible(select(Batch), Batch, actor), filters, today or dt.date.today())
    capped = statement.with_only_columns(Batch.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    items = session.scalars(
        statement.order_by(*SORTS.get(sort, SORTS["newest"]))
        .options(selectinload(Batch.product), selectinload(Batch.areas),
                 selectinload(Batch.facilities), selectinload(Batch.certificates),
                 selectinload(Batch.inputs))
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(items), min(total, COUNT_CAP + 1), page, per_page)


def batches_from_area(session: Session, actor: Actor, area_id: int) -> list[Batch]:
    """One step forward from a raw-material area: every batch that names it as an origin."""
    statement = visible(select(Batch), Batch, actor).where(Batch.id.in_(
        select(batch_areas.c.batch_id).where(batch_areas.c.area_id == area_id)))
    return list(session.scalars(statement.order_by(Batch.id)))


def batches_made_from(session: Session, actor: Actor, batch_id: int) -> list[Batch]:
    """One step forward from a lot: every batch that used it as an input lot."""
    statement = visible(select(Batch), Batch, actor).where(Batch.id.in_(
        select(BatchInput.batch_id).where(BatchInput.input_batch_id == batch_id)))
    return list(session.scalars(statement.order_by(Batch.id)))
