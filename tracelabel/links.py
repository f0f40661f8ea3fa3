"""The public URLs of batches and units: a GS1 Digital Link when the product has a GTIN, else a short code.

A unit of a GTIN product carries ``/21/{serial}.{key id}{MAC}``: the AI 21 value holds the unit
code's serial and MAC (GS1 character set 82, at most 20 characters), so the resolver verifies it
from the key exactly as it verifies ``/t/{batch}.{serial}.{key id}{MAC}``.
"""

from __future__ import annotations

from tracelabel import codes
from tracelabel.models import Batch


def batch_trace_url(public_url: str, batch: Batch, *, printed: bool = False) -> str:
    """Where a consumer lands when scanning the batch's code."""
    if batch.product.gtin:
        return codes.build_digital_link(public_url, batch.product.gtin, lot=batch.lot,
                                        printed=printed)
    return codes.batch_trace_url(public_url, batch.code, printed=printed)


def dl_serial(unit_code: str) -> str:
    """The AI 21 value of a unit: its serial and key-id+MAC, ``SERIAL.KMAC``."""
    return unit_code.split(".", 1)[1]


def unit_trace_url(public_url: str, batch: Batch, serial: int, keys: codes.CodeKeys, *,
                   printed: bool = False) -> str:
    """Where a consumer lands when scanning one unit's code."""
    unit_code = codes.make_unit_code(batch.code, serial, keys)
    if batch.product.gtin:
        return codes.build_digital_link(public_url, batch.product.gtin, lot=batch.lot,
                                        serial=dl_serial(unit_code), printed=printed)
    return codes.unit_trace_url(public_url, unit_code, printed=printed)
