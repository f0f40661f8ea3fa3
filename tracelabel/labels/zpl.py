"""ZPL II for thermal roll printers: one ^XA...^XZ format per label, UTF-8 text (^CI28).

The printer encodes the QR itself (^BQN, model 2) from `^FD{EC}A,{url}` — EC level letter, then
automatic input mode; without that prefix a printer eats the first characters of the data. Every
field goes through ^FH so `^`, `~` and the `_` escape itself are sent as hex. The magnification is
the largest that keeps the symbol and its 4-module quiet zone inside the QR box, never below GS1's
0.396 mm module (203 dpi: 4 dots = 0.5 mm at least) nor above 0.99 mm. Text uses the printer's
scalable font 0, narrowed so each line fits; the OCOP rating is printed as "OCOP 4 sao" because
resident fonts have no ★, and a printer whose fonts lack Vietnamese needs a Unicode font mapped
to font 0 (^CW).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from typing import BinaryIO

from tracelabel.labels.content import LabelContent, code_line, detail_lines, stars_words
from tracelabel.labels.errors import LabelError
from tracelabel.labels.layout import LabelLayout, label_layout
from tracelabel.labels.qrencode import ec_level, symbol_size
from tracelabel.labels.templates import QUIET_ZONE_MODULES, LabelTemplate, get_template
from tracelabel.labels.zplsymbols import (
    MM_PER_INCH,
    band_field,
    datamatrix_field,
    retail_dots,
    retail_field,
    square_dots,
)

SUPPORTED_DPI = (152, 203, 300, 600)
FONT0_ADVANCE = 0.6  # average advance of ^A0 glyphs, as a fraction of the width parameter


def write_zpl(labels: Iterable[LabelContent], out: BinaryIO, *, dpi: int = 203,
              template: str = "roll-50x30", error_correction: str = "M",
              symbology: str = "qr") -> int:
    """Write one ZPL label format per label to the stream; return the number written."""
    if dpi not in SUPPORTED_DPI:
        raise LabelError(f"printer resolution must be one of {SUPPORTED_DPI} dpi (got {dpi})")
    stock = get_template(template)
    if stock.per_page != 1:
        raise LabelError(f"ZPL prints on rolls: {template} is a sheet template")
    ec_level(error_correction)
    layout = zpl_layout(stock, symbology, dpi)
    written = 0
    for label in labels:
        data = zpl_label(label, stock, dpi, error_correction.upper(), layout).encode("utf-8")
        count = out.write(data)
        if count is not None and count != len(data):
            raise OSError(f"short write: {count} of {len(data)} bytes")
        written += 1
    return written


def zpl_layout(stock: LabelTemplate, symbology: str, dpi: int) -> LabelLayout:
    """The label's layout with an EAN-13 / UPC-A module rounded to whole printer dots."""
    layout = label_layout(stock, symbology)
    if layout.x_dim is None:
        return layout
    return label_layout(stock, symbology, retail_dots(layout.x_dim, dpi) * MM_PER_INCH / dpi)


def zpl_label(label: LabelContent, stock: LabelTemplate, dpi: int, error_correction: str,
              layout: LabelLayout | None = None) -> str:
    """The ZPL format for one label."""
    layout = layout or label_layout(stock, "qr")
    dots = dpi / MM_PER_INCH
    if layout.square == "qr":
        symbol = _qr_field(label, layout, dpi, dots, error_correction)
    else:
        symbol = datamatrix_field(label, layout, dots, dpi)
    lines = [
        "^XA",
        "^CI28",
        f"^PW{round(stock.label_width * dots)}",
        f"^LL{round(stock.label_height * dots)}",
        "^LH0,0",
        symbol,
        *([retail_field(label, layout, dots)] if layout.linear in ("ean13", "upca") else []),
        *([band_field(label, layout, dots)] if layout.linear in ("gs1-128", "code128") else []),
        *_text_fields(label, stock, layout, dots),
        "^XZ",
    ]
    return "\n".join(lines) + "\n"


def _qr_field(label: LabelContent, layout: LabelLayout, dpi: int, dots: float,
              error_correction: str) -> str:
    modules = symbol_size(label.payload, ec_level(error_correction))
    magnification = qr_magnification(modules, layout.box.w, dpi)
    inset = (layout.box.w * dots - modules * magnification) / 2
    x, y = round(layout.box.x * dots + inset), round(layout.box.y * dots + inset)
    return (f"^FO{x},{y}^BQN,2,{magnification}"
            f"^FH^FD{error_correction}A,{zpl_escape(label.payload)}^FS")


def qr_magnification(modules: int, box_mm: float, dpi: int) -> int:
    """Dots per module: as large as the box allows, within 0.396-0.99 mm."""
    return square_dots(modules, box_mm, dpi, QUIET_ZONE_MODULES, "QR code")


def zpl_escape(text: str) -> str:
    """Field data for ^FH: NFC text with `_`, `^` and `~` as hex escapes."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _text_fields(label: LabelContent, stock: LabelTemplate, layout: LabelLayout,
                 dots: float) -> list[str]:
    """Name (wrapped over two lines), details and the manual code, where the layout puts them."""
    area = layout.text
    left, top = round(area.x * dots), round(area.y * dots)
    width = round(area.w * dots)
    name_height = round(stock.name_size * 0.3528 * 1.1 * dots)  # points -> mm -> dots
    detail_height = round(name_height * 0.85)
    name_width = _char_width(name_height, width * 2, label.product_name)
    fields = [f"^FO{left},{top}^A0N,{name_height},{name_width}^FB{width},2,0,L,0"
              f"^FH^FD{zpl_escape(label.product_name)}^FS"]
    y = top + 2 * name_height + detail_height // 3
    if layout.details is not None:
        area = layout.details
        left, y, width = round(area.x * dots), round(area.y * dots), round(area.w * dots)
    for line in detail_lines(label, stars=stars_words):
        fields.append(_line(left, y, detail_height, width, line))
        y += round(detail_height * 1.15)
    bottom = round((area.y + area.h) * dots) - detail_height
    fields.append(_line(left, bottom, detail_height, width, code_line(label)))
    return fields


def _line(x: int, y: int, height: int, width: int, text: str) -> str:
    char_width = _char_width(height, width, text)
    return (f"^FO{x},{y}^A0N,{height},{char_width}^FB{width},1,0,L,0"
            f"^FH^FD{zpl_escape(text)}^FS")


def _char_width(height: int, room: int, text: str) -> int:
    """Font 0 width parameter that keeps the text within `room` dots (glyphs ~0.6 of it)."""
    return max(10, min(height, math.floor(room / (max(len(text), 1) * FONT0_ADVANCE))))


def zpl_holds(template: str, symbology: str, dpi: int = 203) -> bool:
    """Whether a roll template holds the symbology when a printer of `dpi` draws it."""
    stock = get_template(template)
    try:
        zpl_layout(stock, symbology, dpi)
    except LabelError:
        return False
    return stock.per_page == 1
