"""One page of a label sheet as a PDF content stream: symbol paths and text, nothing else.

A QR code (or Data Matrix) is one path: a `re` per horizontal run of dark modules, in module
units under a `cm` that scales and flips the axes, then a single `f`. The rectangles are formatted
with numpy from a table of fixed-width number tokens, so drawing costs little beside finding the
symbol. A linear symbol, where the symbology has one, is drawn by `pdfbars`.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence
from functools import cache

import numpy as np

from tracelabel.labels.content import LabelContent, code_line, detail_lines
from tracelabel.labels.datamatrix import QUIET_MODULES as DM_QUIET_MODULES
from tracelabel.labels.datamatrix import datamatrix_matrix
from tracelabel.labels.font import LabelFont, label_font
from tracelabel.labels.layout import LabelLayout, Rect, label_layout
from tracelabel.labels.pdfbars import linear_operators
from tracelabel.labels.qrmatrix import qr_matrices
from tracelabel.labels.templates import (
    POINTS_PER_MM,
    LabelTemplate,
    get_template,
)
from tracelabel.labels.textlayout import fit_line, static_block

FONT_RESOURCE = b"/F1"
COMPRESSION_LEVEL = 2  # level 6 is 5x slower for a 20 % smaller file
_RECT_SUFFIX = np.frombuffer(b"1 re\n", np.uint8)


def render_page(labels: Sequence[LabelContent], template_name: str, error_correction: str,
                symbology: str = "qr") -> tuple[bytes, str]:
    """Return one page's deflated content stream and the characters its text uses."""
    template = get_template(template_name)
    layout = label_layout(template, symbology)
    if layout.square == "qr":
        matrices = qr_matrices([label.payload for label in labels], error_correction)
    else:
        matrices = [datamatrix_matrix(layout.square, label) for label in labels]
    paths = dark_runs_many(matrices)
    parts: list[bytes] = []
    used: set[str] = set()
    for slot, (label, matrix, path) in enumerate(zip(labels, matrices, paths, strict=True)):
        x, y = template.label_origin(slot)
        parts.append(_square_head(matrix.shape[0], layout, template, x, y) + path + b"f Q\n")
        parts.append(linear_operators(label, layout, template, x, y, used))
        parts.append(_text_operators(label, layout, template, x, y, used))
    return zlib.compress(b"".join(parts), COMPRESSION_LEVEL), "".join(sorted(used))


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


def _square_head(modules: int, layout: LabelLayout, template: LabelTemplate, x: float,
                 y: float) -> bytes:
    """`q` and a `cm` mapping module units (y down) onto the symbol's place on the page."""
    left, top, module = square_placement(modules, layout, template, x, y)
    scale = module * POINTS_PER_MM
    origin_y = (template.page_height - top) * POINTS_PER_MM
    return b"q %.5f 0 0 %.5f %.4f %.4f cm\n" % (scale, -scale, left * POINTS_PER_MM, origin_y)


def dark_runs_many(matrices: Sequence[np.ndarray]) -> list[bytes]:
    """For each matrix, `column row width 1 re` per horizontal run of dark modules."""
    paths: list[bytes] = [b""] * len(matrices)
    by_size: dict[int, list[int]] = {}
    for index, matrix in enumerate(matrices):
        by_size.setdefault(matrix.shape[0], []).append(index)
    for size, indices in by_size.items():
        stack = np.stack([matrices[i] for i in indices])
        for i, path in zip(indices, _runs_of_stack(stack, size), strict=True):
            paths[i] = path
    return paths


def _runs_of_stack(stack: np.ndarray, size: int) -> list[bytes]:
    padded = np.zeros((stack.shape[0], size, size + 2), np.int8)
    padded[:, :, 1:-1] = stack
    edges = np.diff(padded, axis=2)
    symbols, rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[2]
    table = _number_tokens(size)
    width = table.shape[1]
    line = 3 * width + _RECT_SUFFIX.size
    out = np.empty((rows.size, line), np.uint8)
    out[:, :width] = table[starts]
    out[:, width : 2 * width] = table[rows]
    out[:, 2 * width : 3 * width] = table[ends - starts]
    out[:, 3 * width :] = _RECT_SUFFIX
    data = out.tobytes()
    bounds = np.concatenate([[0], np.cumsum(np.bincount(symbols, minlength=stack.shape[0]))])
    return [data[a * line : b * line] for a, b in itertools.pairwise(bounds)]


@cache
def _number_tokens(size: int) -> np.ndarray:
    """Row i holds the ASCII digits of i padded with spaces to a fixed width (PDF ignores them)."""
    width = len(str(size)) + 1
    tokens = b"".join(str(i).encode().ljust(width) for i in range(size + 1))
    return np.frombuffer(tokens, np.uint8).reshape(size + 1, width)


def _text_operators(label: LabelContent, layout: LabelLayout, template: LabelTemplate,
                    x: float, y: float, used: set[str]) -> bytes:
    """Name and details with the manual code under them; or the name alone where the layout
    puts the details in a column of their own."""
    details = tuple(detail_lines(label))
    if layout.details is None:
        return _text_block(label.product_name, details, code_line(label), layout.text,
                           template, x, y, used)
    return (_text_block(label.product_name, (), None, layout.text, template, x, y, used)
            + _text_block("", details, code_line(label), layout.details, template, x, y, used))


def _text_block(name: str, details: tuple[str, ...], code: str | None, area: Rect,
                template: LabelTemplate, x: float, y: float, used: set[str]) -> bytes:
    font = label_font()
    width = area.w * POINTS_PER_MM
    height = area.h * POINTS_PER_MM
    detail_size = template.name_size * 0.85
    room = height - detail_size * 1.3 if code else height
    block, chars = static_block(name, details, template.name_size, width, room)
    used.update(chars)
    code_ops = b""
    if code:
        text = font.normalise(code)
        used.update(text)
        code_ops = _line_at(font, text, fit_line(font, text, detail_size, width),
                            height - detail_size * 0.3)
    left = (x + area.x) * POINTS_PER_MM
    top = (template.page_height - y - area.y) * POINTS_PER_MM
    return b"q 1 0 0 1 %.4f %.4f cm\n%s%sQ\n" % (left, top, block, code_ops)


def _line_at(font: LabelFont, text: str, size: float, baseline: float) -> bytes:
    return b"BT %s %.2f Tf 0 %.3f Td <%s> Tj ET\n" % (
        FONT_RESOURCE, size, -baseline, font.hex_glyphs(text))
