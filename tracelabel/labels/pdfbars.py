"""PDF operators for the linear symbol of a label: bars as filled rectangles, digits below.

EAN-13 / UPC-A keep the template's magnification: X, bar height and light margins scale
together, guard bars reach down between the digits, and the first (and UPC-A's last) digit sits
in the light margin. A GS1-128 or Code 128 takes the widest module its band allows, up to the
GS1 maximum, and is refused when its data would need bars thinner than the minimum.
"""

from __future__ import annotations

from tracelabel.labels.content import LabelContent
from tracelabel.labels.errors import LabelError
from tracelabel.labels.font import label_font
from tracelabel.labels.layout import LabelLayout
from tracelabel.labels.linear import (
    BAND_HRI_MM,
    BAND_MAX_X_MM,
    BAND_MIN_X_MM,
    BAND_QUIET_MODULES,
    GUARD_EXTENSION_MODULES,
    RETAIL,
    RETAIL_HEIGHT_MM,
    RETAIL_X_MM,
    modules_of,
    retail_digit_groups,
)
from tracelabel.labels.templates import POINTS_PER_MM, LabelTemplate
from tracelabel.labels.textlayout import fit_line

FONT_RESOURCE = b"/F1"
DIGIT_EM_MODULES = 8.0  # type size of the HRI digits, in X (about 2.6 mm at 100 %)


def linear_operators(label: LabelContent, layout: LabelLayout, template: LabelTemplate,
                     x: float, y: float, used: set[str]) -> bytes:
    """The label's linear symbol, placed in its layout's bar rectangle."""
    if layout.linear is None or layout.bar is None:
        return b""
    if layout.linear in RETAIL:
        return _retail(label, layout, template, x, y, used)
    return _band(label, layout, template, x, y, used)


def band_module(symbology: str, bar_count: int, width_mm: float, template: str) -> float:
    """The module of a GS1-128 / Code 128 band: as wide as fits, within GS1's bounds."""
    total = bar_count + 2 * BAND_QUIET_MODULES
    module = min(BAND_MAX_X_MM, width_mm / total)
    if module < BAND_MIN_X_MM:
        raise LabelError(
            f"the {symbology.upper()} of this label needs {total * BAND_MIN_X_MM:.0f} mm at GS1's "
            f"minimum bar width ({BAND_MIN_X_MM} mm); {template} labels have {width_mm:.0f} mm: "
            "choose a wider template or a shorter lot")
    return module


def _retail(label: LabelContent, layout: LabelLayout, template: LabelTemplate, x: float,
            y: float, used: set[str]) -> bytes:
    assert layout.bar is not None and layout.x_dim is not None and layout.linear is not None
    bars, digits = modules_of(layout.linear, label)
    spec, module = RETAIL[layout.linear], layout.x_dim
    left = x + layout.bar.x + spec.left_quiet * module
    top = y + layout.bar.y
    height = RETAIL_HEIGHT_MM * module / RETAIL_X_MM
    extended = {i for start, end in spec.extended for i in range(start, end)}
    rects = []
    for start, width in _runs(bars):
        reach = height + (GUARD_EXTENSION_MODULES * module if start in extended else 0.0)
        rects.append(_rect(template, left + start * module, top, width * module, reach))
    text = []
    size = DIGIT_EM_MODULES * module * POINTS_PER_MM
    baseline = top + height + (GUARD_EXTENSION_MODULES + 1.5) * module
    font = label_font()
    for digit, centre, factor in retail_digit_groups(layout.linear, digits):
        used.add(digit)
        width = font.width(digit, size * factor) / POINTS_PER_MM
        text.append(_text(template, left + centre * module - width / 2, baseline,
                          size * factor, digit))
    return b"0 g\n" + b"".join(rects) + b"f\n" + b"".join(text)


def _band(label: LabelContent, layout: LabelLayout, template: LabelTemplate, x: float, y: float,
          used: set[str]) -> bytes:
    assert layout.bar is not None and layout.linear is not None
    bars, hri = modules_of(layout.linear, label)
    bar = layout.bar
    module = band_module(layout.linear, len(bars), bar.w, template.name)
    width = len(bars) * module
    left = x + bar.x + (bar.w - width) / 2
    height = bar.h - BAND_HRI_MM
    rects = [_rect(template, left + start * module, y + bar.y, run * module, height)
             for start, run in _runs(bars)]
    font = label_font()
    text = font.normalise(hri)
    used.update(text)
    size = fit_line(font, text, BAND_HRI_MM * 0.8 * POINTS_PER_MM, bar.w * POINTS_PER_MM)
    text_width = font.width(text, size) / POINTS_PER_MM
    baseline = y + bar.y + bar.h - 0.3
    return (b"0 g\n" + b"".join(rects) + b"f\n"
            + _text(template, x + bar.x + (bar.w - text_width) / 2, baseline, size, text))


def _runs(bars: str) -> list[tuple[int, int]]:
    """(first module, width) of each dark bar."""
    runs, start = [], None
    for index, char in enumerate(bars + "0"):
        if char == "1" and start is None:
            start = index
        elif char != "1" and start is not None:
            runs.append((start, index - start))
            start = None
    return runs


def _rect(template: LabelTemplate, left: float, top: float, width: float, height: float) -> bytes:
    """A rectangle given in mm from the page's top-left, as PDF points from the bottom-left."""
    bottom = template.page_height - top - height
    return b"%.3f %.3f %.3f %.3f re\n" % (left * POINTS_PER_MM, bottom * POINTS_PER_MM,
                                          width * POINTS_PER_MM, height * POINTS_PER_MM)


def _text(template: LabelTemplate, left: float, baseline: float, size: float, text: str) -> bytes:
    font = label_font()
    return b"BT %s %.2f Tf %.3f %.3f Td <%s> Tj ET\n" % (
        FONT_RESOURCE, size, left * POINTS_PER_MM, (template.page_height - baseline)
        * POINTS_PER_MM, font.hex_glyphs(font.normalise(text)))
