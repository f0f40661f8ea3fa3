"""The public URL of a batch: its GS1 Digital Link when the product has a GTIN, else its short code."""

from __future__ import annotations

from tracelabel import codes
from tracelabel.models import Batch


def batch_trace_url(public_url: str, batch: Batch, *, printed: bool = False) -> str:
    """Where a consumer lands when scanning the batch's code."""
    if batch.product.gtin:
        return codes.build_digital_link(public_url, batch.product.gtin, lot=batch.lot,
                                        printed=printed)
    return codes.batch_trace_url(public_url, batch.code, printed=printed)
