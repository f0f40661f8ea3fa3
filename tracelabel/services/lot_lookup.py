"""Finding public batches by the lot number printed on a package (what a consumer types)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracelabel.models import Batch, Organization, Product
from tracelabel.services.trace import PUBLIC_STATUSES

MAX_LOT_MATCHES = 20
MAX_CASED_LETTERS = 10  # 2**10 spellings at most in one IN list


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
    rows = session.execute(
        select(Batch.code, Batch.lot, Batch.status, Product.name, Organization.name)
        .join(Product, Product.id == Batch.product_id)
        .join(Organization, Organization.id == Batch.organization_id)
        .where(Batch.lot.in_(case_spellings(lot)), Batch.status.in_(PUBLIC_STATUSES))
        .order_by(Product.name, Batch.id)
        .limit(limit))
    return [LotMatch(*row) for row in rows]


def case_spellings(lot: str) -> set[str]:
    """The spellings of ``lot`` that differ from it only in case, for an indexed equality match.

    Neither SQLite's lower() (ASCII only) nor an unindexed scan will do, and the schema has no
    case-folded column, so the lot index is asked for every spelling: all of them when the lot has
    at most MAX_CASED_LETTERS letters (lots printed on packages have a few), else the lot as typed,
    in upper case, in lower case and with each word capitalized.
    """
    choices = [_cases(char) for char in lot]
    if sum(len(options) > 1 for options in choices) > MAX_CASED_LETTERS:
        return {lot, lot.upper(), lot.lower(), lot.title()}
    return {"".join(spelling) for spelling in itertools.product(*choices)}


def _cases(char: str) -> tuple[str, ...]:
    # Only one-character mappings: "ß".upper() is "SS", not a spelling of the same lot.
    return tuple(dict.fromkeys(c for c in (char, char.lower(), char.upper()) if len(c) == 1))
