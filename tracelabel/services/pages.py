"""Paginated reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    """One page of a list, with the total number of matches."""

    items: list[Any]
    total: int
    page: int
    per_page: int


def paginate(session: Session, statement: Select[Any], page: int, per_page: int) -> Page:
    """Run a select for one page (1-based) and count all matches."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), int(total or 0), page, per_page)
