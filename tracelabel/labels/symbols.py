"""One symbol as PNG (at a chosen resolution) or SVG: QR by `qrcode`, linear codes by python-barcode.

Sizes follow GS1 at 100 % magnification: EAN-13 / UPC-A with 0.33 mm modules, GS1-128 with
0.33 mm modules and a 10-module quiet zone, Code 128 of the short code with 0.25 mm modules, and a
QR with 0.5 mm modules and its 4-module quiet zone. In PNG every module is a whole number of pixels
(never below the minimum), so bar widths do not wobble from rounding: python-barcode encodes the
bars, and they are rasterised here rather than by its image writer, which rounds each bar alone.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import qrcode
from barcode import EAN13, UPCA, Code128, Gs1_128
from barcode.base import Barcode
from barcode.writer import SVGWriter
from PIL import Image, ImageDraw, ImageFont
from qrcode.image.svg import SvgPathImage

from tracelabel.labels.content import LabelContent
from tracelabel.labels.errors import LabelError
from tracelabel.labels.font import FONT_PATH
from tracelabel.labels.qrencode import ec_level
from tracelabel.labels.templates import MIN_MODULE_MM, QUIET_ZONE_MODULES

SYMBOLOGIES = ("qr", "ean13", "upca", "gs1-128", "code128")
FORMATS = ("png", "svg")
QR_MODULE_MM = 0.5
FNC1 = Gs1_128.FNC1_CHAR


@dataclass(frozen=True)
class LinearSpec:
    """Nominal module width, bar height and quiet zone (in modules) of a linear symbology."""

    module_mm: float
    height_mm: float
    quiet_modules: int


LINEAR = {
    "ean13": LinearSpec(0.33, 22.85, 11),
    "upca": LinearSpec(0.33, 22.85, 9),
    "gs1-128": LinearSpec(0.33, 15.0, 10),
    "code128": LinearSpec(0.25, 10.0, 10),
}


def render_symbol(symbology: str, content: LabelContent, fmt: str = "png", *, dpi: int = 300,
                  error_correction: str = "M") -> bytes:
    """Render one symbol for the label as PNG (at `dpi`) or SVG bytes."""
    if fmt not in FORMATS:
        raise LabelError(f"format must be one of {FORMATS} (got {fmt!r})")
    if not 72 <= dpi <= 2400:
        raise LabelError(f"dpi must be between 72 and 2400 (got {dpi})")
    if symbology == "qr":
        return _qr(content.payload, fmt, dpi, error_correction)
    if symbology not in LINEAR:
        raise LabelError(f"symbology must be one of {SYMBOLOGIES} (got {symbology!r})")
    code, text = _linear_code(symbology, content)
    return _linear(code, LINEAR[symbology], fmt, dpi, text)


def gs1_element_string(content: LabelContent) -> tuple[str, str]:
    """(01) GTIN, (17) expiry, (10) lot: the data with FNC1 where needed, and its HRI text.

    The variable-length lot goes last, so no FNC1 separator is needed after it.
    """
    gtin = _require_gtin(content, "gs1-128")
    elements = [("01", gtin)]
    if content.expiry_date:
        elements.append(("17", content.expiry_date.strftime("%y%m%d")))
    elements.append(("10", _gs1_lot(content.lot)))
    data = "".join(ai + value for ai, value in elements)
    return data, "".join(f"({ai}){value}" for ai, value in elements)


def _qr(payload: str, fmt: str, dpi: int, error_correction: str) -> bytes:
    level = ec_level(error_correction)
    if fmt == "svg":
        symbol = qrcode.QRCode(error_correction=level, border=QUIET_ZONE_MODULES,
                               box_size=round(QR_MODULE_MM * 10), image_factory=SvgPathImage)
        symbol.add_data(payload)
        return symbol.make_image().to_string(encoding="utf-8")
    symbol = qrcode.QRCode(error_correction=level, border=QUIET_ZONE_MODULES,
                           box_size=_pixels(QR_MODULE_MM, MIN_MODULE_MM, dpi))
    symbol.add_data(payload)
    return _png(symbol.make_image().get_image(), dpi)


def _linear_code(symbology: str, content: LabelContent) -> tuple[Barcode, str | None]:
    if symbology == "code128":
        if not content.manual_code.isascii() or not content.manual_code.isprintable():
            raise LabelError("Code 128 carries printable ASCII only; the short code is not")
        return Code128(content.manual_code), None
    if symbology == "gs1-128":
        data, text = gs1_element_string(content)
        return Gs1_128(data), text
    gtin = _require_gtin(content, symbology)
    if symbology == "ean13":
        if gtin[0] != "0":
            raise LabelError(f"GTIN {gtin} has an indicator digit: it fits GS1-128, not EAN-13")
        return EAN13(gtin[1:]), None
    if not gtin.startswith("00"):
        raise LabelError(f"GTIN {gtin} is not a GTIN-12: use EAN-13 or GS1-128 for it")
    return UPCA(gtin[2:]), None


def _linear(code: Barcode, spec: LinearSpec, fmt: str, dpi: int, text: str | None) -> bytes:
    if fmt == "svg":
        code.writer = SVGWriter()
        options = {"module_width": spec.module_mm, "module_height": spec.height_mm,
                   "quiet_zone": spec.quiet_modules * spec.module_mm, "font_size": 8}
        return code.render(options, text)
    return _png(_linear_image(code.build()[0], spec, dpi, text or code.get_fullcode()), dpi)


def _linear_image(modules: str, spec: LinearSpec, dpi: int, text: str) -> Image.Image:
    """Bars from python-barcode's module string, whole pixels each, human-readable text below."""
    per_mm = dpi / 25.4
    module = _pixels(spec.module_mm, spec.module_mm * 0.8, dpi)
    quiet = spec.quiet_modules * module
    bars = np.frombuffer(modules.encode("ascii"), np.uint8) == ord("1")
    row = np.repeat(bars, module)
    bar_height, text_height = round(spec.height_mm * per_mm), round(3.2 * per_mm)
    pixels = np.full((bar_height + text_height, row.size + 2 * quiet), 255, np.uint8)
    pixels[:bar_height, quiet : quiet + row.size][:, row] = 0
    image = Image.fromarray(pixels, mode="L")
    font = ImageFont.truetype(str(FONT_PATH), max(8, round(2.4 * per_mm)))
    ImageDraw.Draw(image).text((image.width / 2, bar_height + text_height / 2), text, fill=0,
                               font=font, anchor="mm")
    return image


def _require_gtin(content: LabelContent, symbology: str) -> str:
    if content.gtin is None:
        raise LabelError(f"{symbology} needs the product's GTIN, and this label has none")
    return content.gtin


def _gs1_lot(lot: str) -> str:
    allowed = "!\"%&'()*+,-./:;<=>?_"
    if not 1 <= len(lot) <= 20 or any(not (c.isascii() and (c.isalnum() or c in allowed))
                                       for c in lot):
        raise LabelError(f"lot {lot!r} is not a GS1 AI (10) value (1-20 characters of set 82)")
    if FNC1 in lot:
        raise LabelError("lot must not contain FNC1")
    return lot


def _pixels(nominal_mm: float, minimum_mm: float, dpi: int) -> int:
    """Whole pixels per module: the nominal size rounded, never below the minimum."""
    per_mm = dpi / 25.4
    return max(round(nominal_mm * per_mm), math.ceil(minimum_mm * per_mm - 1e-9), 1)


def _png(image: Image.Image, dpi: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
