"""Readiness: which of the ten items of Circular 02/2024 (Art. 6.5) a batch's trace would lack."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from tracelabel.models import Batch, TraceEvent
from tracelabel.services.actors import Actor
from tracelabel.services.batches import get_batch
from tracelabel.services.events import superseded_ids

# The ten items, in the circular's order, with the English msgid a person reads.
ITEMS: dict[str, str] = {
    "product_name": "Product name",
    "product_image": "Product image",
    "producer_name": "Producer name",
    "producer_address": "Producer address",
    "stages": "Stages, each with a product code, a location code and a time",
    "event_times": "Event times",
    "traceability_code": "Traceability code",
    "brand": "Brand or trademark, model, serial",
    "shelf_life": "Shelf life (expiry date)",
    "standards": "Standards applied",
    "warnings": "Warnings and storage instructions (digital product passport)",
}


@dataclass(frozen=True)
class Gap:
    """One thing the trace lacks, tied to the item of the circular it concerns."""

    item: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Readiness:
    """The gaps of a batch's trace; ``ready`` when there are none."""

    batch_id: int
    gaps: list[Gap]

    @property
    def ready(self) -> bool:
        """Whether the trace shows all ten items."""
        return not self.gaps

    def item_ok(self, item: str) -> bool:
        """Whether one item of the ten is fully shown."""
        return all(gap.item != item for gap in self.gaps)


def _stage_gaps(events: list[TraceEvent]) -> list[Gap]:
    if not events:
        return [Gap("stages", "The origin chain has no stages yet.")]
    gaps = []
    for number, event in enumerate(events, start=1):
        if event.area is not None and not event.area.code:
            gaps.append(Gap("stages", "Stage %(number)s (%(step)s) is at an area without an official "
                            "area code.", {"number": number, "step": event.step}))
        elif event.area is None and event.facility is None and not event.place:
            gaps.append(Gap("stages", "Stage %(number)s (%(step)s) has no location.",
                            {"number": number, "step": event.step}))
        elif event.area is not None and event.area.code_status != "active":
            gaps.append(Gap("stages", "Stage %(number)s uses area code %(code)s, which is %(status)s.",
                            {"number": number, "code": event.area.code,
                             "status": event.area.code_status}))
    return gaps


def batch_gaps(batch: Batch) -> list[Gap]:
    """Every item the batch's public trace would be missing, in the circular's order."""
    product, organization = batch.product, batch.organization
    gaps: list[Gap] = []
    if not product.photos:
        gaps.append(Gap("product_image", "The product has no photo."))
    if not organization.address:
        gaps.append(Gap("producer_address", "The producer's address is missing."))
    current = [e for e in batch.events if e.id not in superseded_ids(batch.events)]
    gaps.extend(_stage_gaps(current))
    if not product.brand:
        gaps.append(Gap("brand", "The product has no brand or trademark."))
    if batch.expiry_date is None:
        gaps.append(Gap("shelf_life", "The batch has no expiry date."))
    if not product.standards:
        gaps.append(Gap("standards", "The product declares no standard (TCVN, QCVN, ISO …)."))
    if not product.warnings and not product.storage_instructions:
        gaps.append(Gap("warnings", "The product has no warnings or storage instructions."))
    return gaps


def batch_readiness(session: Session, actor: Actor, batch_id: int) -> Readiness:
    """The readiness of a batch the actor may see."""
    batch = get_batch(session, actor, batch_id)
    return Readiness(batch.id, batch_gaps(batch))
