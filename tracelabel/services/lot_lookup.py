"""Finding public batches by the lot number printed on a package (what a consumer types)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracelabel.models import Batch, Organization, Product
from tracelabel.services.trace import PUBLIC_STATUSES

MAX_LOT_MATCHES = 20


@dataclass(frozen=True, slots=True)
class LotMatch:
    """A published (or withdrawn) batch whose lot is the one asked for."""

    code: str
    lot: str
    status: str
    product: str
    producer: str


def published_lots(session: Session, typed: str, limit: int = MAX_LOT_MATCHES) -> list[LotMatch]:
    """Public batches whose lot equals ``typed`` ignoring case; drafts never appear."""
    lot = typed.strip()
    if not lot or len(lot) > 40:
        return []
    # The lot index serves the usual spellings (as printed, upper, lower); lower() then makes the
    # match case-insensitive among them without scanning every batch.
    spellings = {lot, lot.upper(), lot.lower()}
    rows = session.execute(
        select(Batch.code, Batch.lot, Batch.status, Product.name, Organization.name)
        .join(Product, Product.id == Batch.product_id)
        .join(Organization, Organization.id == Batch.organization_id)
        .where(Batch.lot.in_(spellings), func.lower(Batch.lot) == lot.lower(),
               Batch.status.in_(PUBLIC_STATUSES))
        .order_by(Product.name, Batch.id)
        .limit(limit))
    return [LotMatch(*row) for row in rows]
