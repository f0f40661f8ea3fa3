"""Labels of a published batch: one symbol, a sheet of batch labels, or a run of unit labels."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from tracelabel import codes, labels
from tracelabel.links import batch_trace_url, unit_trace_url
from tracelabel.models import Batch
from tracelabel.services import trace
from tracelabel.services.actors import Actor, require_owner
from tracelabel.services.batches import get_batch
from tracelabel.services.errors import Conflict, FieldError, ValidationFailed

FORMATS = ("png", "svg", "pdf", "zpl")
MAX_LABELS_PER_REQUEST = 100_000
UNITS_PATTERN = re.compile(r"^\s*(\d{1,9})\s*-\s*(\d{1,9})\s*$")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf",
               "zpl": "application/zpl"}


@dataclass(frozen=True)
class LabelRequest:
    """What to print: the output format, symbology, template and (for unit labels) serials."""

    fmt: str = "pdf"
    symbology: str = "qr"
    template: str = "a4-3x8"
    units: str | None = None
    dpi: int | None = None  # PNG: 300 by default; ZPL: the printer's 203 (default) or 300


def parse_units(text: str | None, issued: int) -> range | None:
    """``FROM-TO`` as a range of issued serials, or None for batch labels."""
    if not text:
        return None
    match = UNITS_PATTERN.match(text)
    if not match:
        raise ValidationFailed.one("units", "Write the serials as FROM-TO, e.g. 1-100.")
    first, last = int(match[1]), int(match[2])
    if first < 1 or last < first:
        raise ValidationFailed.one("units", "The range must start at 1 or more and not run backwards.")
    if last > issued:
        raise Conflict("Serials up to %(last)s have not been issued yet (issued: %(issued)s); issue "
                       "units first.", {"last": last, "issued": issued})
    if last - first + 1 > MAX_LABELS_PER_REQUEST:
        raise ValidationFailed.one("units", "Print at most %(max)s labels at a time.",
                                   max=MAX_LABELS_PER_REQUEST)
    return range(first, last + 1)


def _check_request(request: LabelRequest, batch: Batch) -> None:
    errors = []
    if request.fmt not in FORMATS:
        errors.append(FieldError("format", "Choose one of: %(choices)s.", {"choices": ", ".join(FORMATS)}))
    if request.symbology not in labels.SYMBOLOGIES:
        errors.append(FieldError("symbology", "Choose one of: %(choices)s.",
                                 {"choices": ", ".join(labels.SYMBOLOGIES)}))
    if request.template not in labels.TEMPLATES:
        errors.append(FieldError("template", "Choose one of: %(choices)s.",
                                 {"choices": ", ".join(labels.TEMPLATES)}))
    if request.fmt in ("pdf", "zpl") and request.symbology != "qr":
        errors.append(FieldError("symbology", "Label sheets and ZPL carry the QR code; use png or "
                                              "svg for a barcode alone."))
    if request.symbology in ("ean13", "upca", "gs1-128") and not batch.product.gtin:
        errors.append(FieldError("symbology", "This barcode needs a GTIN; the product has none."))
    if request.fmt == "zpl" and labels.TEMPLATES.get(request.template) and \
            labels.TEMPLATES[request.template].per_page != 1:
        errors.append(FieldError("template", "ZPL prints on rolls: choose roll-50x30."))
    if errors:
        raise ValidationFailed(errors)


def ocop_stars(session: Session, batch: Batch, today: dt.date) -> int | None:
    """The stars the batch's trace heads with: a valid OCOP rating of its published record that no
    inspector rejected (a label never claims more than the trace page shows)."""
    rating = trace.batch_facts(session, batch.id, today)["product"]["ocop"]
    return rating["stars"] if rating and rating["validity"] == "valid" else None


def batch_label(batch: Batch, public_url: str, stars: int | None) -> labels.LabelContent:
    """The label of the batch code itself."""
    return labels.LabelContent(
        payload=batch_trace_url(public_url, batch, printed=True), product_name=batch.product.name,
        lot=batch.lot, production_date=batch.production_date, expiry_date=batch.expiry_date,
        ocop_stars=stars, manual_code=codes.readable_code(batch.code),
        gtin=batch.product.gtin)


def unit_labels(batch: Batch, serials: range, public_url: str,
                keys: codes.CodeKeys, stars: int | None) -> Iterator[labels.LabelContent]:
    """One label per serial, each with its own MAC-signed code."""
    def unit_code(serial: int) -> tuple[str, str]:
        return (unit_trace_url(public_url, batch, serial, keys, printed=True),
                codes.make_unit_code(batch.code, serial, keys))

    return labels.serial_labels(batch_label(batch, public_url, stars), serials, unit_code)


def render_batch_labels(session: Session, actor: Actor, batch_id: int, request: LabelRequest, *,
                        public_url: str, code_keys: codes.CodeKeys, out: BinaryIO,
                        progress: Callable[[int], None] | None = None) -> int:
    """Write the batch's labels to ``out``; returns how many labels were written."""
    batch = get_batch(session, actor, batch_id)
    require_owner(actor, batch)
    if batch.status != "published":
        raise Conflict("Labels are printed for published batches only; this one is %(status)s.",
                       {"status": batch.status})
    _check_request(request, batch)
    stars = ocop_stars(session, batch, trace.vietnam_today())
    serials = parse_units(request.units, batch.units_issued)
    if request.fmt in ("png", "svg"):
        first = next(iter(unit_labels(batch, serials[:1], public_url, code_keys, stars))) \
            if serials else batch_label(batch, public_url, stars)
        out.write(labels.render_symbol(request.symbology, first, request.fmt, dpi=request.dpi or 300))
        return 1
    contents: Iterator[labels.LabelContent]
    if serials:
        contents = unit_labels(batch, serials, public_url, code_keys, stars)
    else:
        per_sheet = labels.TEMPLATES[request.template].per_page
        contents = iter([batch_label(batch, public_url, stars)] * per_sheet)
    if progress is not None:
        contents = _counted(contents, progress)
    try:
        if request.fmt == "zpl":
            return labels.write_zpl(contents, out, dpi=request.dpi or 203, template=request.template)
        return labels.write_sheet_pdf(contents, request.template, out)
    except labels.LabelError as error:
        raise ValidationFailed.one("format", str(error)) from None


def _counted(contents: Iterator[labels.LabelContent],
             progress: Callable[[int], None]) -> Iterator[labels.LabelContent]:
    for content in contents:
        yield content
        progress(1)
