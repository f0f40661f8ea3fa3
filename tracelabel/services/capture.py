"""What the field-capture page keeps on the phone: the producer's open batches, areas, facilities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from tracelabel.models import Batch, Facility, RawMaterialArea
from tracelabel.services.actors import Actor, visible

# A recalled batch's chain is closed; every other status may still take events.
OPEN_STATUSES = ("draft", "published", "suspended")
MAX_BATCHES = 300


def open_batches(session: Session, actor: Actor) -> list[Batch]:
    """The batches whose chain may still grow, newest first, with their products."""
    return list(session.scalars(
        visible(select(Batch), Batch, actor).where(Batch.status.in_(OPEN_STATUSES))
        .options(joinedload(Batch.product)).order_by(Batch.created_at.desc(), Batch.id.desc())
        .limit(MAX_BATCHES)))


def capture_data(session: Session, actor: Actor) -> dict[str, Any]:
    """The records an offline capture page needs, as plain JSON-ready data (three queries)."""
    areas = session.scalars(visible(select(RawMaterialArea), RawMaterialArea, actor)
                            .order_by(RawMaterialArea.name))
    facilities = session.scalars(visible(select(Facility), Facility, actor).order_by(Facility.name))
    return {
        "batches": [{"id": b.id, "code": b.code, "lot": b.lot, "product": b.product.name,
                     "status": b.status, "production_date": b.production_date.isoformat()}
                    for b in open_batches(session, actor)],
        "areas": [{"id": a.id, "name": a.name, "code": a.code} for a in areas],
        "facilities": [{"id": f.id, "name": f.name} for f in facilities],
    }
