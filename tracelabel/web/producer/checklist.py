"""The readiness checklist on a batch's page: the items of Circular 02/2024, each shown or not,
the gaps in the user's language, and where to fix them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from tracelabel.models import Batch
from tracelabel.services.readiness import ITEMS, Readiness
from tracelabel.web.errors import translate

# Where each item is fixed: the product's pages, or a step of the batch. Items with no entry are
# always shown (name, code, times) or kept by the administrator (the producer's address).
PRODUCT_PAGES = {"product_image": "producer.product_photos", "brand": "producer.edit_products",
                 "standards": "producer.edit_products", "warnings": "producer.edit_products"}
BATCH_STEPS = {"stages": "producer.batch_events", "shelf_life": "producer.batch_details"}
# A published batch's facts (its expiry date among them) no longer change; its chain takes
# corrections.
FIXED_ONCE_PUBLISHED = {"shelf_life"}


@dataclass(frozen=True)
class ChecklistRow:
    """One item of the circular as the batch page lists it."""

    item: str
    label: str
    ok: bool
    gaps: list[str]
    fix_url: str | None


def _fix_url(item: str, batch: Batch) -> str | None:
    if item in PRODUCT_PAGES:
        endpoint = PRODUCT_PAGES[item]
        key = "product_id" if endpoint == "producer.product_photos" else "record_id"
        return url_for(endpoint, **{key: batch.product_id})
    if item in BATCH_STEPS and not (batch.status != "draft" and item in FIXED_ONCE_PUBLISHED):
        return url_for(BATCH_STEPS[item], batch_id=batch.id)
    return None


def checklist_rows(report: Readiness, batch: Batch) -> list[ChecklistRow]:
    """Every item, in the circular's order, with its gaps translated and a link to fix it."""
    return [ChecklistRow(item, translate(label, {}), report.item_ok(item),
                         [translate(gap.message, gap.params) for gap in report.gaps
                          if gap.item == item],
                         None if report.item_ok(item) else _fix_url(item, batch))
            for item, label in ITEMS.items()]
