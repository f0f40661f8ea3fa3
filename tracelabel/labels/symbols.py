"""One symbol as PNG (at a chosen resolution) or SVG: QR by `qrcode`, linear codes by python-barcode,
Data Matrix by zxing-cpp's writer (`datamatrix`).

Sizes follow GS1 at 100 % magnification: EAN-13 / UPC-A with 0.33 mm modules, GS1-128 with
0.33 mm modules and a 10-module quiet zone, Code 128 of the short code with 0.25 mm modules, and a
QR or Data Matrix with 0.5 mm modules and its quiet zone (4 and 2 modules). In PNG every module is
a whole number of pixels (never below the minimum), so bar widths do not wobble from rounding:
python-barcode encodes the bars, and they are rasterised here rather than by its image writer,
which rounds each bar alone.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import qrcode
from barcode.base import Barcode
from barcode.writer import SVGWriter
from PIL import Image, ImageDraw, ImageFont
from qrcode.image.svg import SvgPathImage

from tracelabel.labels.content import LabelContent
from tracelabel.labels.datamatrix import DATAMATRIX_SYMBOLOGIES, datamatrix_matrix
from tracelabel.labels.datamatrix import QUIET_MODULES as DM_QUIET_MODULES
from tracelabel.labels.errors import LabelError
from tracelabel.labels.font import FONT_PATH
from tracelabel.labels.linear import gs1_element_string, linear_code
from tracelabel.labels.qrencode import ec_level
from tracelabel.labels.templates import MIN_MODULE_MM, QUIET_ZONE_MODULES

__all__ = ["FORMATS", "SYMBOLOGIES", "gs1_element_string", "render_symbol"]

SYMBOLOGIES = ("qr", "ean13", "upca", "gs1-128", "code128", "datamatrix", "gs1-datamatrix")
FORMATS = ("png", "svg")
QR_MODULE_MM = 0.5


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
    if symbology in DATAMATRIX_SYMBOLOGIES:
        return _datamatrix(datamatrix_matrix(symbology, content), fmt, dpi)
    if symbology not in LINEAR:
        raise LabelError(f"symbology must be one of {SYMBOLOGIES} (got {symbology!r})")
    code, text = linear_code(symbology, content)
    return _linear(code, LINEAR[symbology], fmt, dpi, text)


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


def _datamatrix(matrix: np.ndarray, fmt: str, dpi: int) -> bytes:
    """The symbol with its light margin: whole pixels per module in PNG, one path in SVG."""
    padded = np.pad(matrix, DM_QUIET_MODULES)
    if fmt == "svg":
        size = padded.shape[0] * QR_MODULE_MM
        rects = "".join(f"M{x},{y}h{w}v1h-{w}z" for y, x, w in _dark_runs(padded))
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
                f'width="{size:g}mm" height="{size:g}mm" viewBox="0 0 {padded.shape[0]} '
                f'{padded.shape[0]}"><rect width="100%" height="100%" fill="#fff"/>'
                f'<path fill="#000" d="{rects}"/></svg>\n').encode()
    scale = _pixels(QR_MODULE_MM, MIN_MODULE_MM, dpi)
    pixels = np.where(np.kron(padded, np.ones((scale, scale), bool)), 0, 255).astype(np.uint8)
    return _png(Image.fromarray(pixels, mode="L"), dpi)


def _dark_runs(matrix: np.ndarray) -> list[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules."""
    runs = []
    for row, line in enumerate(matrix):
        edges = np.diff(np.concatenate([[0], line.astype(np.int8), [0]]))
        runs.extend((row, int(start), int(end - start)) for start, end in
                    zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))
    return runs


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


def _pixels(nominal_mm: float, minimum_mm: float, dpi: int) -> int:
    """Whole pixels per module: the nominal size rounded, never below the minimum."""
    per_mm = dpi / 25.4
    return max(round(nominal_mm * per_mm), math.ceil(minimum_mm * per_mm - 1e-9), 1)


def _png(image: Image.Image, dpi: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
