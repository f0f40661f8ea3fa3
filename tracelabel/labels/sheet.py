"""PDF label sheets, streamed page by page: memory stays flat however many labels are written.

Each page's content stream and page object are written as soon as the page is rendered; only the
page object numbers and the set of characters used are kept. The page tree and the font subset,
which depend on the whole run, are written last.
"""

from __future__ import annotations

import itertools
import zlib
from array import array
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from tracelabel.labels.content import LabelContent
from tracelabel.labels.layout import label_layout
from tracelabel.labels.pdffont import write_font
from tracelabel.labels.pdfwriter import PdfWriter, pdf_string
from tracelabel.labels.qrencode import ec_level
from tracelabel.labels.sheetpage import FONT_RESOURCE, render_pages
from tracelabel.labels.templates import POINTS_PER_MM, LabelTemplate, get_template

PRODUCER = "tracelabel"
GROUP_LABELS = 24  # labels whose symbols are computed together (whole pages, at least one)


def write_sheet_pdf(labels: Iterable[LabelContent], template: str, out: BinaryIO, *,
                    error_correction: str = "M",
                    title: str = "Nhãn truy xuất nguồn gốc", symbology: str = "qr") -> int:
    """Write the labels as a print-ready PDF on the named template; return the number written."""
    stock = get_template(template)
    ec_level(error_correction)  # fail before writing anything
    label_layout(stock, symbology)
    writer = PdfWriter(out)
    catalog, pages, font, resources, info = (writer.reserve() for _ in range(5))
    writer.write_object(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % pages)
    writer.write_object(resources, b"<< /Font << %s %d 0 R >> >>" % (FONT_RESOURCE, font))
    page_numbers = array("L")  # a million labels are ~42,000 pages: 8 bytes each, not ~36
    used: set[str] = set()
    written = 0
    for count, content, chars in _rendered_pages(labels, stock, error_correction, symbology):
        page_numbers.append(_write_page(writer, stock, pages, resources, content))
        used.update(chars)
        written += count
    if not page_numbers:  # an empty run still makes a valid, one-page document
        page_numbers.append(_write_page(writer, stock, pages, resources, zlib.compress(b"")))
    writer.write_object(pages, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        _references(page_numbers), len(page_numbers)))
    write_font(writer, font, used)
    writer.write_object(info, _info(title))
    writer.finish(catalog, info)
    return written


def _references(numbers: array[int]) -> bytes:
    """`N 0 R N 0 R ...` for the page tree's Kids."""
    return b" ".join(b"%d 0 R" % number for number in numbers)


def _write_page(writer: PdfWriter, stock: LabelTemplate, pages: int, resources: int,
                content: bytes) -> int:
    stream, page = writer.reserve(), writer.reserve()
    writer.write_compressed_stream(stream, content)
    writer.write_object(page, b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.4f %.4f]"
                        b" /Resources %d 0 R /Contents %d 0 R >>" % (
                            pages, stock.page_width * POINTS_PER_MM,
                            stock.page_height * POINTS_PER_MM, resources, stream))
    return page


def _info(title: str) -> bytes:
    return b"<< /Title %s /Producer %s >>" % (pdf_string(title), pdf_string(PRODUCER))


def _chunks(labels: Iterable[LabelContent], size: int) -> Iterator[list[LabelContent]]:
    iterator = iter(labels)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _rendered_pages(labels: Iterable[LabelContent], stock: LabelTemplate, error_correction: str,
                    symbology: str) -> Iterator[tuple[int, bytes, str]]:
    """Yield (labels on the page, deflated content, characters used) page by page, in order;
    the pages are rendered a group at a time (about GROUP_LABELS labels, whole pages)."""
    group = max(1, GROUP_LABELS // stock.per_page) * stock.per_page
    for chunk in _chunks(labels, group):
        yield from render_pages(chunk, stock.name, error_correction, symbology)
