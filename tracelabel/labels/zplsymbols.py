"""ZPL fields for the symbols of a label: ^BQ (QR), ^BX (Data Matrix), ^BE / ^BU / ^BC (linear).

The printer draws every symbol itself, on its own dot grid, so every module is a whole number of
dots: the QR and Data Matrix at 0.396-0.99 mm, an EAN-13 / UPC-A at the smallest whole-dot
module not below the template's X (203 dpi: 3 dots = 0.375 mm, 114 %), a GS1-128 or Code 128 at
the widest module its band holds, never below 0.25 mm. ^BX takes `_` as its escape character
(set explicitly: its default differs between firmware versions): `_1` is FNC1, `__` an underscore.
"""

from __future__ import annotations

import math

from tracelabel.labels.content import LabelContent
from tracelabel.labels.datamatrix import QUIET_MODULES as DM_QUIET_MODULES
from tracelabel.labels.datamatrix import datamatrix_matrix
from tracelabel.labels.errors import LabelError
from tracelabel.labels.layout import LabelLayout, Rect
from tracelabel.labels.linear import (
    BAND_MAX_X_MM,
    BAND_MIN_X_MM,
    BAND_QUIET_MODULES,
    FNC1,
    RETAIL,
    RETAIL_HEIGHT_MM,
    RETAIL_MIN_X_MM,
    RETAIL_X_MM,
    gs1_element_string,
    linear_code,
    modules_of,
    require_gtin,
)
from tracelabel.labels.templates import MAX_MODULE_MM

MM_PER_INCH = 25.4
GS1_MIN_MODULE_MM = 0.396
CODE128_SYMBOL_MODULES = 11


def retail_dots(x_mm: float, dpi: int) -> int:
    """Whole dots per EAN-13 / UPC-A module: the template's X rounded up, at least 80 %."""
    dot = MM_PER_INCH / dpi
    return math.ceil(max(x_mm, RETAIL_MIN_X_MM) / dot - 1e-9)


def square_dots(modules: int, box_mm: float, dpi: int, quiet: int, symbol: str) -> int:
    """Dots per module of a QR or Data Matrix: as large as the box allows, within 0.396-0.99 mm."""
    dot_mm = MM_PER_INCH / dpi
    smallest = math.ceil(GS1_MIN_MODULE_MM / dot_mm - 1e-9)
    largest = min(math.floor(MAX_MODULE_MM / dot_mm),
                  math.floor(box_mm / dot_mm / (modules + 2 * quiet)))
    if largest < smallest:
        raise LabelError(f"a {modules}-module {symbol} does not fit a {box_mm} mm box at {dpi} dpi "
                         f"with modules of at least {GS1_MIN_MODULE_MM} mm: shorten the URL")
    return min(largest, 10)  # ^BQ and practical ^BX magnifications stop at 10


def datamatrix_field(label: LabelContent, layout: LabelLayout, dots: float, dpi: int) -> str:
    """^BX for a Data Matrix centred in the layout's box."""
    modules = datamatrix_matrix(layout.square, label).shape[0]
    module = square_dots(modules, layout.box.w, dpi, DM_QUIET_MODULES, "Data Matrix")
    x, y = _centred(layout.box, modules * module, dots)
    if layout.square == "gs1-datamatrix":
        data, _ = gs1_element_string(label, serial=True)
        field = "_1" + "_1".join(_bx_escape(part) for part in data.split(FNC1))
    else:
        field = _bx_escape(label.payload)
    return f"^FO{x},{y}^BXN,{module},200,0,0,6,_^FD{field}^FS"


def retail_field(label: LabelContent, layout: LabelLayout, dots: float) -> str:
    """^BE (EAN-13) or ^BU (UPC-A) with the printer's digits, inside its light margins."""
    assert layout.bar is not None and layout.x_dim is not None and layout.linear is not None
    module = round(layout.x_dim * dots)
    height = round(RETAIL_HEIGHT_MM * layout.x_dim / RETAIL_X_MM * dots)
    x = round((layout.bar.x + RETAIL[layout.linear].left_quiet * layout.x_dim) * dots)
    y = round(layout.bar.y * dots)
    gtin = require_gtin(label, layout.linear)
    linear_code(layout.linear, label)  # the same GTIN checks as the PDF
    if layout.linear == "ean13":
        return f"^FO{x},{y}^BY{module}^BEN,{height},Y,N^FD{gtin[1:13]}^FS"
    return f"^FO{x},{y}^BY{module}^BUN,{height},Y,N,Y^FD{gtin[2:13]}^FS"


def band_field(label: LabelContent, layout: LabelLayout, dots: float) -> str:
    """^BC of a GS1-128 (mode D: the printer adds FNC1) or a Code 128, centred in its band."""
    assert layout.bar is not None and layout.linear is not None
    bars, _ = modules_of(layout.linear, label)
    if layout.linear == "gs1-128":
        _, data = gs1_element_string(label)
        count, mode, field = len(bars) + CODE128_SYMBOL_MODULES, "D", data.replace(">", ">0")
    else:  # mode N starts in subset B: one symbol per character, plus start and check, and stop
        count = CODE128_SYMBOL_MODULES * (len(label.manual_code) + 2) + 13
        mode, field = "N", label.manual_code
    width = math.floor(layout.bar.w * dots)
    module = min(math.floor(width / (count + 2 * BAND_QUIET_MODULES)),
                 math.floor(BAND_MAX_X_MM * dots))
    if module < math.ceil(BAND_MIN_X_MM * dots - 1e-9):
        raise LabelError(f"the {layout.linear.upper()} of this label does not fit its "
                         f"{layout.bar.w:.0f} mm band with bars of at least {BAND_MIN_X_MM} mm")
    x = round(layout.bar.x * dots + (width - count * module) / 2)
    hri = round(2.6 * dots)
    height = round(layout.bar.h * dots) - hri
    return (f"^FO{x},{round(layout.bar.y * dots)}^BY{module}^BCN,{height},Y,N,N,{mode}"
            f"^FD{field}^FS")


def _centred(box: Rect, size_dots: int, dots: float) -> tuple[int, int]:
    inset = (box.w * dots - size_dots) / 2
    return round(box.x * dots + inset), round(box.y * dots + inset)


def _bx_escape(text: str) -> str:
    """Field data for ^BX with `_` as escape: `__` for `_`, and `^` / `~` by decimal code."""
    return text.replace("_", "__").replace("^", "_d094").replace("~", "_d126")
