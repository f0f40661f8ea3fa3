"""The per-product facts behind the coverage dashboard, as one SQL subquery: for each product
with an OCOP rating begun by a date D, its commune, group, stars and whether it was labelled, meets
Circular 02, was scanned in 30 / 90 days, is rated, due for re-evaluation or lapsed (the definitions
are in :mod:`tracelabel.services.programme`).

Each fact is a probe of an index per product (a product's labelled batches, its latest batch, its
last scan day), so the cost follows the number of products, not of batches, label runs or scans;
label runs and scans come from the tallies plus the few rows not rolled up yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, and_, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from tracelabel.models import (
    Batch,
    Certificate,
    LabelRun,
    Organization,
    Product,
    ProductPhoto,
    ProductScanDay,
    RawMaterialArea,
    Scan,
    TraceEvent,
)
from tracelabel.models.coverage import LabelledBatch
from tracelabel.services import scan_tallies

VIETNAM = dt.timezone(dt.timedelta(hours=7))
SHORT_WINDOW, LONG_WINDOW = 30, 90
REEVALUATION_WINDOW = 90


def end_of(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in Vietnam."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=VIETNAM)


def filled(column: Any) -> Any:
    """The text column is neither NULL nor empty."""
    return func.coalesce(column, "") != ""


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _found(statement: Any) -> Any:
    """Whether a per-product probe finds a row.

    A LIMIT 1 scalar subquery rather than EXISTS: PostgreSQL turns an EXISTS into a hashed
    subplan over the whole table (every batch, every scan day), where this probes the index once
    per product, so the cost follows the number of products, not of batches or scans.
    """
    return statement.limit(1).scalar_subquery().is_not(None)


def _ratings(as_of: dt.date) -> Any:
    """Per product: the end of its last OCOP certificate begun by D, and its stars on D."""
    return (select(Certificate.product_id.label("product_id"),
                   func.max(Certificate.valid_until).label("until"),
                   func.max(case((Certificate.valid_until >= as_of, Certificate.stars)))
                   .label("stars"))
            .where(Certificate.scheme == "ocop", Certificate.subject_type == "product",
                   Certificate.verification_status != "rejected", Certificate.valid_from <= as_of)
            .group_by(Certificate.product_id).subquery("ratings"))


def product_of(batch_id: Any, *conditions: Any) -> Any:
    """The product of the batch ``batch_id`` names (NULL unless ``conditions`` hold).

    A subquery per row rather than a join, for the few rows not rolled up yet: it makes every
    database read them first, by primary key, where a join let SQLite walk all batches instead.
    """
    return select(Batch.product_id).where(Batch.id == batch_id, *conditions).scalar_subquery()


def _last_scanned(as_of: dt.date) -> Any:
    """The last day up to D the product's codes were scanned, in the tallies (one index probe
    answers both windows)."""
    return (select(ProductScanDay.day).where(ProductScanDay.product_id == Product.id,
                                             ProductScanDay.day <= as_of)
            .order_by(ProductScanDay.day.desc()).limit(1).scalar_subquery())


def _scanned(days: int, as_of: dt.date, seen: scan_tallies.Watermarks, product: Any) -> Any:
    """Scanned in the ``days`` days up to D: in the tallies, or among the scans not rolled up yet
    (a few minutes' worth, read once per statement, not once per product)."""
    first = as_of - dt.timedelta(days=days)
    recent = select(product_of(Scan.batch_id)).where(
        scan_tallies.scans_not_rolled_up(seen), Scan.scanned_at >= end_of(first),
        Scan.scanned_at < end_of(as_of))
    return or_(product.c.last_scanned > first, product.c.product_id.in_(recent))


def _ready(product: Any) -> Any:
    """Readiness of the product's latest batch (``services/readiness.batch_gaps``) in SQL."""
    batch_id = product.c.batch_id
    event, later = aliased(TraceEvent), aliased(TraceEvent)
    current = ~select(later.id).where(later.supersedes_id == event.id).exists()
    area = aliased(RawMaterialArea)
    bad_place = or_(
        and_(event.area_id.is_not(None), or_(~filled(area.code), area.code_status != "active")),
        and_(event.area_id.is_(None), event.facility_id.is_(None), ~filled(event.place)))
    return and_(
        batch_id.is_not(None), filled(product.c.brand), filled(product.c.address),
        func.coalesce(product.c.standards, "null").not_in(["[]", "null"]),
        or_(filled(product.c.warnings), filled(product.c.storage_instructions)),
        _found(select(Batch.id).where(Batch.id == batch_id, Batch.expiry_date.is_not(None))),
        _found(select(ProductPhoto.id).where(ProductPhoto.product_id == product.c.product_id)),
        _found(select(event.id).where(event.batch_id == batch_id, current)),
        ~_found(select(event.id).outerjoin(area, area.id == event.area_id)
                .where(event.batch_id == batch_id, current, bad_place)))


def _labelled(cutoff: dt.datetime, seen: scan_tallies.Watermarks) -> Any:
    """Labelled by the cutoff: a published batch, published and first printed before it, found
    among the product's labelled batches (most of its batches may never have been), or among the
    label runs not rolled up yet."""
    published = (Batch.status == "published", Batch.published_at < cutoff)
    rolled = _found(select(LabelledBatch.batch_id).join(Batch, Batch.id == LabelledBatch.batch_id)
                    .where(LabelledBatch.product_id == Product.id,
                           LabelledBatch.first_labelled_at < cutoff, *published))
    recent = select(product_of(LabelRun.batch_id, *published)).where(
        scan_tallies.label_runs_not_rolled_up(seen), LabelRun.created_at < cutoff)
    return or_(rolled, Product.id.in_(recent))


def product_facts(province_code: str | None, as_of: dt.date,
                  seen: scan_tallies.Watermarks) -> Any:
    """One row per product with an OCOP rating begun by D, in the province: its commune, group,
    stars and flags (labelled, meeting, scanned_30, scanned_90, ocop, due, lapsed); scans are
    read from the tallies and past the watermarks ``seen``."""
    ratings, cutoff = _ratings(as_of), end_of(as_of)
    latest = (select(func.max(Batch.id)).where(Batch.product_id == Product.id,
                                               Batch.status == "published",
                                               Batch.published_at < cutoff).scalar_subquery())
    products = (select(Product.id.label("product_id"), Product.ocop_group,
                       Organization.commune_code, Organization.address, ratings.c.stars,
                       ratings.c.until, Product.brand, cast(Product.standards, String)
                       .label("standards"), Product.warnings, Product.storage_instructions,
                       _flag(_labelled(cutoff, seen)).label("labelled"),
                       latest.label("batch_id"), _last_scanned(as_of).label("last_scanned"))
                .join(ratings, ratings.c.product_id == Product.id)
                .join(Organization, Organization.id == Product.organization_id))
    if province_code is not None:
        products = products.where(Organization.province_code == province_code)
    # OFFSET 0 keeps the subquery whole: each product's latest batch and last scan are looked up
    # once, not once per condition that reads them.
    products = products.offset(0).subquery("products")
    due_by = as_of + dt.timedelta(days=REEVALUATION_WINDOW)
    return (select(products.c.product_id, products.c.commune_code, products.c.ocop_group,
                   products.c.stars, products.c.labelled,
                   _flag(_scanned(SHORT_WINDOW, as_of, seen, products)).label("scanned_30"),
                   _flag(_scanned(LONG_WINDOW, as_of, seen, products)).label("scanned_90"),
                   _flag(_ready(products)).label("meeting"),
                   _flag(products.c.until >= as_of).label("ocop"),
                   _flag(and_(products.c.until >= as_of, products.c.until <= due_by)).label("due"),
                   _flag(products.c.until < as_of).label("lapsed"))
            .select_from(products).subquery("facts"))
