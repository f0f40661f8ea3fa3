"""Fitting label text into its column: wrap the product name, shrink lines that are too wide.

Coordinates are points from the text column's top-left corner, y growing downwards (the
operators negate it). The block of lines that repeat across a run (name, lot, dates, stars) is
cached, so a serialized run lays it out once.
"""

from __future__ import annotations

from functools import lru_cache

from tracelabel.labels.font import LabelFont, label_font

LEADING = 1.2
DETAIL_RATIO = 0.85
MIN_NAME_RATIO = 0.7
NAME_LINES = 2
ELLIPSIS = "…"


def fit_line(font: LabelFont, text: str, size: float, width: float) -> float:
    """The given type size, reduced just enough for normalised text to fit the width."""
    natural = font.width(text, size)
    return size if natural <= width else size * width / natural


@lru_cache(maxsize=256)
def static_block(name: str, details: tuple[str, ...], name_size: float, width: float,
                 height: float) -> tuple[bytes, str]:
    """Text operators for the name and detail lines, and the characters they use."""
    font = label_font()
    name_lines, size = wrap_name(font, font.normalise(name), name_size, width)
    lines = [(line, fit_line(font, line, size, width)) for line in name_lines]
    detail_size = name_size * DETAIL_RATIO
    for detail in details:
        text = font.normalise(detail)
        lines.append((text, fit_line(font, text, detail_size, width)))
    total = sum(line_size * LEADING for _, line_size in lines)
    squeeze = min(1.0, height / total) if total else 1.0
    ops, baseline = [], 0.0
    for text, line_size in lines:
        line_size *= squeeze
        baseline += line_size * LEADING
        ops.append(b"BT /F1 %.2f Tf 0 %.3f Td <%s> Tj ET\n" % (
            line_size, -(baseline - line_size * (LEADING - 1)), font.hex_glyphs(text)))
    chars = "".join(sorted(set("".join(text for text, _ in lines))))
    return b"".join(ops), chars


def wrap_name(font: LabelFont, name: str, size: float, width: float) -> tuple[list[str], float]:
    """Break the name into at most two lines, shrinking the type down to 70 % before cutting."""
    smallest = size * MIN_NAME_RATIO
    while True:
        lines = _greedy_wrap(font, name, size, width)
        if len(lines) <= NAME_LINES or size <= smallest:
            break
        size = max(smallest, size - 0.5)
    if len(lines) > NAME_LINES:
        lines = [*lines[: NAME_LINES - 1], _truncate(font, " ".join(lines[NAME_LINES - 1 :]),
                                                     size, width)]
    return lines, size


def _greedy_wrap(font: LabelFont, text: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and font.width(candidate, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def _truncate(font: LabelFont, text: str, size: float, width: float) -> str:
    """Cut text to fit the width with an ellipsis (a single over-long word is shrunk instead)."""
    if font.width(text, size) <= width:
        return text
    while len(text) > 1 and font.width(text + ELLIPSIS, size) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS
