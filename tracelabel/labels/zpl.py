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
from tracelabel.labels.qrencode import ec_level, symbol_size
from tracelabel.labels.templates import (
    MAX_MODULE_MM,
    QUIET_ZONE_MODULES,
    LabelTemplate,
    get_template,
)

GS1_MIN_MODULE_MM = 0.396
SUPPORTED_DPI = (152, 203, 300, 600)
MM_PER_INCH = 25.4
FONT0_ADVANCE = 0.6  # average advance of ^A0 glyphs, as a fraction of the width parameter


def write_zpl(labels: Iterable[LabelContent], out: BinaryIO, *, dpi: int = 203,
              template: str = "roll-50x30", error_correction: str = "M") -> int:
    """Write one ZPL label format per label to the stream; return the number written."""
    if dpi not in SUPPORTED_DPI:
        raise LabelError(f"printer resolution must be one of {SUPPORTED_DPI} dpi (got {dpi})")
    stock = get_template(template)
    if stock.per_page != 1:
        raise LabelError(f"ZPL prints on rolls: {template} is a sheet template")
    ec_level(error_correction)
    written = 0
    for label in labels:
        data = zpl_label(label, stock, dpi, error_correction.upper()).encode("utf-8")
        count = out.write(data)
        if count is not None and count != len(data):
            raise OSError(f"short write: {count} of {len(data)} bytes")
        written += 1
    return written


def zpl_label(label: LabelContent, stock: LabelTemplate, dpi: int, error_correction: str) -> str:
    """The ZPL format for one label."""
    dots = dpi / MM_PER_INCH
    modules = symbol_size(label.payload, ec_level(error_correction))
    magnification = qr_magnification(modules, stock.qr_box, dpi)
    box_top = (stock.label_height - stock.qr_box) / 2
    inset = (stock.qr_box * dots - modules * magnification) / 2
    qr_x = round(stock.padding * dots + inset)
    qr_y = round(box_top * dots + inset)
    lines = [
        "^XA",
        "^CI28",
        f"^PW{round(stock.label_width * dots)}",
        f"^LL{round(stock.label_height * dots)}",
        "^LH0,0",
        f"^FO{qr_x},{qr_y}^BQN,2,{magnification}"
        f"^FH^FD{error_correction}A,{zpl_escape(label.payload)}^FS",
        *_text_fields(label, stock, dots),
        "^XZ",
    ]
    return "\n".join(lines) + "\n"


def qr_magnification(modules: int, box_mm: float, dpi: int) -> int:
    """Dots per module: as large as the box allows, within 0.396-0.99 mm."""
    dot_mm = MM_PER_INCH / dpi
    smallest = math.ceil(GS1_MIN_MODULE_MM / dot_mm - 1e-9)
    largest = min(math.floor(MAX_MODULE_MM / dot_mm),
                  math.floor(box_mm / dot_mm / (modules + 2 * QUIET_ZONE_MODULES)))
    if largest < smallest:
        raise LabelError(f"a {modules}-module QR code does not fit a {box_mm} mm box at {dpi} dpi "
                         f"with modules of at least {GS1_MIN_MODULE_MM} mm: shorten the URL")
    return min(largest, 10)  # ^BQ magnification is 1 to 10


def zpl_escape(text: str) -> str:
    """Field data for ^FH: NFC text with `_`, `^` and `~` as hex escapes."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _text_fields(label: LabelContent, stock: LabelTemplate, dots: float) -> list[str]:
    """Name (wrapped over two lines), details and the manual code, right of the QR box."""
    left = round((stock.padding + stock.qr_box) * dots)
    width = round(stock.label_width * dots) - left - round(stock.padding * dots)
    name_height = round(stock.name_size * 0.3528 * 1.1 * dots)  # points -> mm -> dots
    detail_height = round(name_height * 0.85)
    y = round(stock.padding * dots)
    name_width = _char_width(name_height, width * 2, label.product_name)
    fields = [f"^FO{left},{y}^A0N,{name_height},{name_width}^FB{width},2,0,L,0"
              f"^FH^FD{zpl_escape(label.product_name)}^FS"]
    y += 2 * name_height + detail_height // 3
    for line in detail_lines(label, stars=stars_words):
        fields.append(_line(left, y, detail_height, width, line))
        y += round(detail_height * 1.15)
    bottom = round((stock.label_height - stock.padding) * dots) - detail_height
    fields.append(_line(left, bottom, detail_height, width, code_line(label)))
    return fields


def _line(x: int, y: int, height: int, width: int, text: str) -> str:
    char_width = _char_width(height, width, text)
    return (f"^FO{x},{y}^A0N,{height},{char_width}^FB{width},1,0,L,0"
            f"^FH^FD{zpl_escape(text)}^FS")


def _char_width(height: int, room: int, text: str) -> int:
    """Font 0 width parameter that keeps the text within `room` dots (glyphs ~0.6 of it)."""
    return max(10, min(height, math.floor(room / (max(len(text), 1) * FONT0_ADVANCE))))
