"""One page of a label sheet as a PDF content stream: QR paths and text, nothing else.

A QR code is one path: a `re` per horizontal run of dark modules, in module units under a
`cm` that scales and flips the axes, then a single `f`. The rectangles are formatted with numpy
from a table of fixed-width number tokens, so drawing costs little beside finding the symbol.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence
from functools import cache

import numpy as np

from tracelabel.labels.content import LabelContent, code_line, detail_lines
from tracelabel.labels.font import LabelFont, label_font
from tracelabel.labels.qrmatrix import qr_matrices
from tracelabel.labels.templates import POINTS_PER_MM, LabelTemplate, get_template
from tracelabel.labels.textlayout import fit_line, static_block

FONT_RESOURCE = b"/F1"
COMPRESSION_LEVEL = 2  # level 6 is 5x slower for a 20 % smaller file
_RECT_SUFFIX = np.frombuffer(b"1 re\n", np.uint8)


def render_page(labels: Sequence[LabelContent], template_name: str,
                error_correction: str) -> tuple[bytes, str]:
    """Return one page's deflated content stream and the characters its text uses."""
    template = get_template(template_name)
    matrices = qr_matrices([label.payload for label in labels], error_correction)
    paths = dark_runs_many(matrices)
    parts: list[bytes] = []
    used: set[str] = set()
    for slot, (label, matrix, path) in enumerate(zip(labels, matrices, paths, strict=True)):
        x, y = template.label_origin(slot)
        parts.append(_qr_head(matrix.shape[0], template, x, y) + path + b"f Q\n")
        parts.append(_text_operators(label, template, x, y, used))
    return zlib.compress(b"".join(parts), COMPRESSION_LEVEL), "".join(sorted(used))


def qr_placement(modules: int, template: LabelTemplate, x: float, y: float
                 ) -> tuple[float, float, float]:
    """Symbol top-left (mm, page top-left origin) and module size for a label at (x, y)."""
    module = template.module_size(modules)
    box_x = x + template.padding
    box_y = y + (template.label_height - template.qr_box) / 2
    inset = (template.qr_box - modules * module) / 2  # >= the 4-module quiet zone
    return box_x + inset, box_y + inset, module


def qr_operators(matrix: np.ndarray, template: LabelTemplate, x: float, y: float) -> bytes:
    """The QR of one label as `q ... cm`, one `re` per dark run, `f Q`."""
    return _qr_head(matrix.shape[0], template, x, y) + dark_runs_many([matrix])[0] + b"f Q\n"


def _qr_head(modules: int, template: LabelTemplate, x: float, y: float) -> bytes:
    """`q` and a `cm` mapping module units (y down) onto the symbol's place on the page."""
    left, top, module = qr_placement(modules, template, x, y)
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


def _text_operators(label: LabelContent, template: LabelTemplate, x: float, y: float,
                    used: set[str]) -> bytes:
    """Name, details and the manual code in the text column right of the QR box."""
    font = label_font()
    area_x = x + template.padding + template.qr_box
    area_width = (x + template.label_width - template.padding - area_x) * POINTS_PER_MM
    area_height = (template.label_height - 2 * template.padding) * POINTS_PER_MM
    detail_size = template.name_size * 0.85
    block, chars = static_block(label.product_name, tuple(detail_lines(label)),
                                template.name_size, area_width, area_height - detail_size * 1.3)
    used.update(chars)
    code = font.normalise(code_line(label))
    used.update(code)
    code_ops = _line_at(font, code, fit_line(font, code, detail_size, area_width),
                        area_height - detail_size * 0.3)
    left = area_x * POINTS_PER_MM
    top = (template.page_height - y - template.padding) * POINTS_PER_MM
    return b"q 1 0 0 1 %.4f %.4f cm\n%s%sQ\n" % (left, top, block, code_ops)


def _line_at(font: LabelFont, text: str, size: float, baseline: float) -> bytes:
    return b"BT %s %.2f Tf 0 %.3f Td <%s> Tj ET\n" % (
        FONT_RESOURCE, size, -baseline, font.hex_glyphs(text))
