"""Labels of a published batch: one symbol, a sheet of batch labels, or a run of unit labels."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from tracelabel import codes, labels
from tracelabel.links import batch_trace_url, dl_serial
from tracelabel.models import Batch, LabelRun
from tracelabel.services import trace
from tracelabel.services.actors import Actor, require_owner
from tracelabel.services.batches import get_batch
from tracelabel.services.errors import Conflict, FieldError, ValidationFailed

FORMATS = ("png", "svg", "pdf", "zpl")
SYMBOL_FORMATS = ("png", "svg")  # one symbol alone
MAX_LABELS_PER_REQUEST = 1_000_000
# Runs above this many labels go to a background job (the API answers 202 and the job's URL).
LABEL_JOB_THRESHOLD = 20_000
UNITS_PATTERN = re.compile(r"^\s*(\d{1,9})\s*-\s*(\d{1,9})\s*$")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf",
               "zpl": "application/zpl"}
ZPL_PLANNING_DPI = 203  # the table below is drawn for the common printer; 300 dpi holds the same
SYMBOLOGIES = tuple(dict.fromkeys(labels.SYMBOLOGIES + labels.LABEL_SYMBOLOGIES))
NEEDS_GTIN = ("ean13", "upca", "qr+ean13", "qr+upca", "gs1-128", "gs1-datamatrix")


@dataclass(frozen=True)
class LabelRequest:
    """What to print: the output format, symbology, template and (for unit labels) serials."""

    fmt: str = "pdf"
    symbology: str = "qr"
    template: str | None = None  # None: the format's default (A4 3 x 8 sheet, or the roll)
    units: str | None = None
    dpi: int | None = None  # PNG: 300 by default; ZPL: the printer's 203 (default) or 300


@dataclass(frozen=True)
class LabelOption:
    """One output that exists: format, symbology and (for sheets and rolls) template."""

    fmt: str
    symbology: str
    template: str | None


def _label_table() -> tuple[LabelOption, ...]:
    """Every (format, symbology, template) that can be printed at GS1's sizes: the one table
    that the validation, the workspace form and the CLI all follow."""
    options = [LabelOption(fmt, symbology, None)
               for fmt in SYMBOL_FORMATS for symbology in labels.SYMBOLOGIES]
    for name, stock in labels.TEMPLATES.items():
        for symbology in labels.LABEL_SYMBOLOGIES:
            if labels.holds(name, symbology):
                options.append(LabelOption("pdf", symbology, name))
            if stock.per_page == 1 and labels.zpl_holds(name, symbology, ZPL_PLANNING_DPI):
                options.append(LabelOption("zpl", symbology, name))
    return tuple(options)


LABEL_TABLE = _label_table()


def gtin_problem(symbology: str, gtin: str | None) -> str | None:
    """Why the product's GTIN rules the symbology out, or None when it does not."""
    if symbology not in NEEDS_GTIN:
        return None
    if not gtin:
        return "This barcode needs a GTIN; the product has none."
    if symbology.endswith("ean13") and gtin[0] != "0":
        return "A GTIN with an indicator digit has no EAN-13; use GS1-128 or the GS1 DataMatrix."
    if symbology.endswith("upca") and not gtin.startswith("00"):
        return "UPC-A carries a GTIN-12 only; this product's GTIN is printed as EAN-13."
    return None


def label_options(gtin: str | None) -> list[LabelOption]:
    """The outputs a batch of a product with this GTIN (or none) can have."""
    return [option for option in LABEL_TABLE if gtin_problem(option.symbology, gtin) is None]


def default_template(fmt: str, symbology: str) -> str | None:
    """The template used when none is given: A4 3 x 8 for PDF, the smallest roll for ZPL."""
    for option in LABEL_TABLE:
        if option.fmt == fmt and option.symbology == symbology:
            return option.template
    return None


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


def _check_request(request: LabelRequest, batch: Batch) -> LabelRequest:
    """The request with its template settled, or ValidationFailed naming the field and the rule."""
    errors = []
    if request.fmt not in FORMATS:
        errors.append(FieldError("format", "Choose one of: %(choices)s.", {"choices": ", ".join(FORMATS)}))
    if request.symbology not in SYMBOLOGIES:
        errors.append(FieldError("symbology", "Choose one of: %(choices)s.",
                                 {"choices": ", ".join(SYMBOLOGIES)}))
    if request.template is not None and request.template not in labels.TEMPLATES:
        errors.append(FieldError("template", "Choose one of: %(choices)s.",
                                 {"choices": ", ".join(labels.TEMPLATES)}))
    if not errors:
        problem = gtin_problem(request.symbology, batch.product.gtin)
        if problem:
            errors.append(FieldError("symbology", problem))
    if errors:
        raise ValidationFailed(errors)
    if request.fmt in SYMBOL_FORMATS:
        if request.symbology not in labels.SYMBOLOGIES:
            raise ValidationFailed.one("symbology", "PNG and SVG show one symbol; %(symbology)s is "
                                       "printed on PDF or ZPL labels.", symbology=request.symbology)
        return dataclasses.replace(request, template=None)
    return dataclasses.replace(request, template=_label_template(request))


def _label_template(request: LabelRequest) -> str:
    if request.symbology in ("ean13", "upca"):
        raise ValidationFailed.one("symbology", "On a label the barcode goes with the QR code: use "
                                   "qr+%(symbology)s.", symbology=request.symbology)
    template = request.template or default_template(request.fmt, request.symbology)
    if LabelOption(request.fmt, request.symbology, template) in LABEL_TABLE:
        return template  # type: ignore[return-value]  # a known option has a template
    if request.fmt == "zpl" and template and labels.TEMPLATES[template].per_page != 1:
        raise ValidationFailed.one("template", "ZPL prints on rolls: choose %(choices)s.",
                                   choices=", ".join(_templates_for("zpl", request.symbology)))
    raise ValidationFailed.one(
        "template", "%(template)s labels cannot hold %(symbology)s at GS1's sizes; choose: "
        "%(choices)s.", template=template or "-", symbology=request.symbology,
        choices=", ".join(_templates_for(request.fmt, request.symbology)) or "-")


def _templates_for(fmt: str, symbology: str) -> list[str]:
    return [o.template for o in LABEL_TABLE if o.fmt == fmt and o.symbology == symbology
            and o.template]


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
    """One label per serial, each with its own MAC-signed code; a unit of a GTIN product also
    carries its AI (21) value, for the GS1 DataMatrix."""
    return labels.unit_labels(batch_label(batch, public_url, stars),
                              unit_payloads(batch, serials, public_url, keys))


def unit_payloads(batch: Batch, serials: range, public_url: str, keys: codes.CodeKeys
                  ) -> Iterator[tuple[str, str, str | None]]:
    """(printed trace URL, unit code, AI (21) value or None) per serial, made in bulk: the URL up
    to the unit's own part is built once, as `links.unit_trace_url` builds it for one unit."""
    gtin = batch.product.gtin
    if gtin:
        head = codes.build_digital_link(public_url, gtin, lot=batch.lot, printed=True) + "/21/"
        for code in codes.unit_codes(batch.code, serials, keys):
            serial = dl_serial(code)  # "SERIAL.KMAC": GS1 set 82, nothing to percent-encode
            yield head + serial, code, serial
    else:
        head = codes.batch_trace_url(public_url, batch.code, printed=True)[: -len(batch.code)]
        for code in codes.unit_codes(batch.code, serials, keys):
            yield head + code, code, None


def render_batch_labels(session: Session, actor: Actor, batch_id: int, request: LabelRequest, *,
                        public_url: str, code_keys: codes.CodeKeys, out: BinaryIO,
                        progress: Callable[[int], None] | None = None,
                        record_run: bool = True) -> int:
    """Write the batch's labels to ``out`` and record the run (a preview is not recorded);
    returns how many labels were written."""
    written = _write_batch_labels(session, actor, batch_id, request, public_url=public_url,
                                  code_keys=code_keys, out=out, progress=progress)
    if record_run:
        record_label_run(session, actor, batch_id, request, written)
    return written


def record_label_run(session: Session, actor: Actor, batch_id: int, request: LabelRequest,
                     count: int) -> LabelRun:
    """Note that a file of the batch's labels was produced: the batch counts as labelled."""
    serials = UNITS_PATTERN.match(request.units or "")
    template = None if request.fmt in SYMBOL_FORMATS else (
        request.template or default_template(request.fmt, request.symbology))
    run = LabelRun(batch_id=batch_id, created_by_id=actor.user_id, output_format=request.fmt,
                   symbology=request.symbology, template=template,
                   first_serial=int(serials[1]) if serials else None,
                   last_serial=int(serials[2]) if serials else None, label_count=max(count, 1))
    session.add(run)
    session.flush()
    return run


def _write_batch_labels(session: Session, actor: Actor, batch_id: int, request: LabelRequest, *,
                        public_url: str, code_keys: codes.CodeKeys, out: BinaryIO,
                        progress: Callable[[int], None] | None = None) -> int:
    batch = get_batch(session, actor, batch_id)
    require_owner(actor, batch)
    if batch.status != "published":
        raise Conflict("Labels are printed for published batches only; this one is %(status)s.",
                       {"status": batch.status})
    request = _check_request(request, batch)
    stars = ocop_stars(session, batch, trace.vietnam_today())
    serials = parse_units(request.units, batch.units_issued)
    field = "format" if request.symbology == "qr" else "symbology"
    if request.fmt in SYMBOL_FORMATS:
        first = next(iter(unit_labels(batch, serials[:1], public_url, code_keys, stars))) \
            if serials else batch_label(batch, public_url, stars)
        try:
            symbol = labels.render_symbol(request.symbology, first, request.fmt,
                                          dpi=request.dpi or 300)
        except labels.LabelError as error:
            raise ValidationFailed.one(field, str(error)) from None
        out.write(symbol)
        return 1
    assert request.template is not None  # settled by _check_request
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
            return labels.write_zpl(contents, out, dpi=request.dpi or 203, template=request.template,
                                    symbology=request.symbology)
        return labels.write_sheet_pdf(contents, request.template, out, symbology=request.symbology)
    except labels.LabelError as error:
        raise ValidationFailed.one(field, str(error)) from None


def planned_labels(session: Session, actor: Actor, batch_id: int, request: LabelRequest) -> int:
    """Check a label request as rendering would (404, 409, 422 first) and count its labels."""
    batch = get_batch(session, actor, batch_id)
    require_owner(actor, batch)
    if batch.status != "published":
        raise Conflict("Labels are printed for published batches only; this one is %(status)s.",
                       {"status": batch.status})
    request = _check_request(request, batch)
    serials = parse_units(request.units, batch.units_issued)
    if request.fmt in SYMBOL_FORMATS:
        return 1
    return len(serials) if serials else labels.TEMPLATES[request.template or ""].per_page


def _counted(contents: Iterator[labels.LabelContent],
             progress: Callable[[int], None]) -> Iterator[labels.LabelContent]:
    for content in contents:
        yield content
        progress(1)
