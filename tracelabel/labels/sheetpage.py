"""One page of a label sheet as a PDF content stream: symbols and text, nothing else.

A QR code (or Data Matrix) is an image mask, one sample per module: under a `cm` that scales
module units to the page and flips the axes, a second `cm` stretches the image over the symbol's
n x n modules, and the inline image (1 bit per module, hex-encoded) paints its dark modules in
the fill colour. Every module is exactly one sample, so the symbol keeps its geometry at any
resolution (renderers snap a mask's samples to whole pixels; a path of rectangles would have
anti-aliased edges), and a symbol costs ~300 bytes instead of ~3 kB of `re` operators. A linear
symbol, where the symbology has one, is drawn by `pdfbars`.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date
from functools import cache, lru_cache

import numpy as np

from tracelabel.labels.content import LabelContent, code_line, detail_lines
from tracelabel.labels.datamatrix import QUIET_MODULES as DM_QUIET_MODULES
from tracelabel.labels.datamatrix import datamatrix_matrix
from tracelabel.labels.font import LabelFont, label_font
from tracelabel.labels.layout import LabelLayout, Rect, label_layout
from tracelabel.labels.pdfbars import linear_operators
from tracelabel.labels.qrmatrix import qr_stacks
from tracelabel.labels.templates import (
    POINTS_PER_MM,
    LabelTemplate,
    get_template,
)
from tracelabel.labels.textlayout import DETAIL_RATIO, fit_line, static_block

FONT_RESOURCE = b"/F1"
COMPRESSION_LEVEL = 2  # level 6 is 5x slower for a 20 % smaller file


def render_page(labels: Sequence[LabelContent], template_name: str, error_correction: str,
                symbology: str = "qr") -> tuple[bytes, str]:
    """Return one page's deflated content stream and the characters its text uses."""
    ((_count, content, chars),) = render_pages(labels, template_name, error_correction, symbology)
    return content, chars


def render_pages(labels: Sequence[LabelContent], template_name: str, error_correction: str,
                 symbology: str = "qr") -> list[tuple[int, bytes, str]]:
    """(labels on the page, deflated content stream, characters used) for each page the labels
    fill, in order. The symbols of all the pages are made together: numpy works on the whole
    group, so a roll's one-label pages cost no more than a sheet's."""
    template = get_template(template_name)
    layout = label_layout(template, symbology)
    symbols = _square_symbols(labels, layout, error_correction)
    pages = []
    for start in range(0, len(labels), template.per_page):
        parts: list[bytes] = []
        used: set[str] = set()
        for slot, label in enumerate(labels[start : start + template.per_page]):
            modules, symbol = symbols[start + slot]
            x, y = template.label_origin(slot)
            parts += (_square_head(modules, template_name, symbology, slot), symbol, b"Q\n",
                      linear_operators(label, layout, template, x, y, used),
                      _text_operators(label, template_name, symbology, slot, used))
        pages.append((min(template.per_page, len(labels) - start),
                      zlib.compress(b"".join(parts), COMPRESSION_LEVEL), "".join(sorted(used))))
    return pages


def _square_symbols(labels: Sequence[LabelContent], layout: LabelLayout, error_correction: str
                    ) -> list[tuple[int, bytes]]:
    """(modules per side, image-mask operators) of each label's QR code or Data Matrix."""
    symbols: list[tuple[int, bytes]] = [(0, b"")] * len(labels)
    if layout.square == "qr":
        stacks = qr_stacks([label.payload for label in labels], error_correction)
    else:
        matrices = [datamatrix_matrix(layout.square, label) for label in labels]
        stacks = [(indices, np.stack([matrices[i] for i in indices]))
                  for indices in _indices_by_size(matrices)]
    for indices, stack in stacks:
        size = stack.shape[1]
        for i, operators in zip(indices, image_masks(stack), strict=True):
            symbols[i] = (size, operators)
    return symbols


def _indices_by_size(matrices: Sequence[np.ndarray]) -> list[list[int]]:
    by_size: dict[int, list[int]] = {}
    for index, matrix in enumerate(matrices):
        by_size.setdefault(matrix.shape[0], []).append(index)
    return list(by_size.values())


def square_placement(modules: int, layout: LabelLayout, template: LabelTemplate, x: float,
                     y: float) -> tuple[float, float, float]:
    """Symbol top-left (mm, page top-left origin) and module size for a label at (x, y)."""
    if layout.square == "qr":
        module = template.module_size(modules, layout.box.w)
    else:
        module = template.module_size(modules, layout.box.w, DM_QUIET_MODULES, "Data Matrix")
    inset = (layout.box.w - modules * module) / 2  # >= the light margin
    return x + layout.box.x + inset, y + layout.box.y + inset, module


def qr_placement(modules: int, template: LabelTemplate, x: float, y: float
                 ) -> tuple[float, float, float]:
    """The QR of the QR-only layout: top-left (mm) and module size."""
    return square_placement(modules, label_layout(template, "qr"), template, x, y)


@lru_cache(maxsize=1024)
def _square_head(modules: int, template_name: str, symbology: str, slot: int) -> bytes:
    """`q` and a `cm` mapping module units (y down) onto the symbol's place on the page."""
    template = get_template(template_name)
    x, y = template.label_origin(slot)
    left, top, module = square_placement(modules, label_layout(template, symbology), template,
                                         x, y)
    scale = module * POINTS_PER_MM
    origin_y = (template.page_height - top) * POINTS_PER_MM
    return b"q %.5f 0 0 %.5f %.4f %.4f cm\n" % (scale, -scale, left * POINTS_PER_MM, origin_y)


def image_masks(stack: np.ndarray) -> list[bytes]:
    """For each (n, n) symbol of a stack, in module units: a `cm` onto its n x n modules and
    the inline image mask painting its dark modules (row 0 at the top, as the modules)."""
    size = stack.shape[1]
    head = _mask_head(size)
    rows = np.packbits(stack, axis=2).reshape(stack.shape[0], -1)
    return [b"%s%s> EI " % (head, row.tobytes().hex().encode("ascii")) for row in rows]


@cache
def _mask_head(size: int) -> bytes:
    return (b"%d 0 0 -%d 0 %d cm BI /W %d /H %d /IM true /BPC 1 /D [1 0] /F /AHx ID "
            % (size, size, size, size, size))


def _text_operators(label: LabelContent, template_name: str, symbology: str, slot: int,
                    used: set[str]) -> bytes:
    """Name and details with the manual code under them; or the name alone where the layout
    puts the details in a column of their own. All but the code is the same on every label of
    a run, so it is laid out once per slot and reused."""
    details = _details(label.lot, label.production_date, label.expiry_date, label.ocop_stars)
    head, chars, code_size, code_width, code_baseline = _text_frame(
        template_name, symbology, slot, label.product_name, details)
    used.update(chars)
    font = label_font()
    code = font.normalise(code_line(label))
    used.update(code)
    return b"%s%sQ\n" % (head, _line_at(font, code, fit_line(font, code, code_size, code_width),
                                         code_baseline))


@lru_cache(maxsize=256)
def _details(lot: str, production_date: date | None, expiry_date: date | None,
             ocop_stars: int | None) -> tuple[str, ...]:
    """The detail lines (lot, dates, stars): the same for every label of a batch."""
    return tuple(detail_lines(LabelContent("-", "", lot, production_date, expiry_date,
                                           ocop_stars, "")))


@lru_cache(maxsize=1024)
def _text_frame(template_name: str, symbology: str, slot: int, name: str,
                details: tuple[str, ...]) -> tuple[bytes, str, float, float, float]:
    """A label's text up to its code line (left open in a `q`), the characters it uses, and the
    code line's type size, width and baseline (points)."""
    template = get_template(template_name)
    layout = label_layout(template, symbology)
    x, y = template.label_origin(slot)
    used: set[str] = set()
    head = b""
    area = layout.text
    if layout.details is not None:
        head = _placed(_fitted(name, (), False, area, template, used), area, template, x, y)
        head += b"Q\n"
        name, area = "", layout.details
    block = _placed(_fitted(name, details, True, area, template, used), area, template, x, y)
    code_size = template.name_size * DETAIL_RATIO
    return (head + block, "".join(sorted(used)), code_size, area.w * POINTS_PER_MM,
            area.h * POINTS_PER_MM - code_size * 0.3)


def _fitted(name: str, details: tuple[str, ...], code: bool, area: Rect,
            template: LabelTemplate, used: set[str]) -> bytes:
    """Name and detail lines fitted to the area, leaving room for a code line if there is one."""
    height = area.h * POINTS_PER_MM
    room = height - template.name_size * DETAIL_RATIO * 1.3 if code else height
    block, chars = static_block(name, details, template.name_size, area.w * POINTS_PER_MM, room)
    used.update(chars)
    return block


def _placed(block: bytes, area: Rect, template: LabelTemplate, x: float, y: float) -> bytes:
    """`q` and a `cm` moving the origin to the area's top-left corner, then the block."""
    left = (x + area.x) * POINTS_PER_MM
    top = (template.page_height - y - area.y) * POINTS_PER_MM
    return b"q 1 0 0 1 %.4f %.4f cm\n%s" % (left, top, block)


def _line_at(font: LabelFont, text: str, size: float, baseline: float) -> bytes:
    return b"BT %s %.2f Tf 0 %.3f Td <%s> Tj ET\n" % (
        FONT_RESOURCE, size, -baseline, font.hex_glyphs(text))
