"""Single symbols as PNG and SVG, each scanned back by zxing-cpp (never by the encoder)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from tracelabel.labels import LabelContent, LabelError, qr_matrix, render_symbol
from tracelabel.labels.symbols import gs1_element_string

URL = "HTTPS://TRACE.EXAMPLE.VN/T/7K3M9QX2ZP4R.42.A8F3K2QX"
LABEL = LabelContent(
    payload=URL, product_name="Miến dong Bình Liêu", lot="L2024-07",
    production_date=date(2024, 7, 1), expiry_date=date(2025, 7, 1), ocop_stars=4,
    manual_code="7K3M9QX2ZP4R.42.A8F3K2QX", gtin="08936041234567",
)
UPC_LABEL = LabelContent(
    payload="https://trace.example.vn/01/00036000291452", product_name="Cà phê", lot="A1",
    production_date=None, expiry_date=None, ocop_stars=None, manual_code="ABC",
    gtin="00036000291452",
)
EXPECTED = {
    "qr": (LABEL, zxingcpp.QRCode, URL),
    "ean13": (LABEL, zxingcpp.EAN13, "8936041234567"),
    "upca": (UPC_LABEL, zxingcpp.UPCA, "0036000291452"),  # zxing reports UPC-A as 13 digits
    "gs1-128": (LABEL, zxingcpp.Code128, "(01)08936041234567(17)250701(10)L2024-07"),
    "code128": (LABEL, zxingcpp.Code128, "7K3M9QX2ZP4R.42.A8F3K2QX"),
}


def scan(image: Image.Image, symbology_format: zxingcpp.BarcodeFormat) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(image, formats=symbology_format)]


@pytest.mark.parametrize("symbology", sorted(EXPECTED))
@pytest.mark.parametrize("dpi", [150, 203, 300, 600])
def test_png_scans_to_the_expected_text(symbology: str, dpi: int) -> None:
    content, symbology_format, text = EXPECTED[symbology]
    image = Image.open(io.BytesIO(render_symbol(symbology, content, "png", dpi=dpi)))
    assert image.format == "PNG"
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.05)
    assert scan(image, symbology_format) == [text]


@pytest.mark.parametrize("symbology", sorted(EXPECTED))
def test_svg_scans_to_the_expected_text(symbology: str) -> None:
    content, symbology_format, text = EXPECTED[symbology]
    svg = render_symbol(symbology, content, "svg")
    assert scan(_rasterise_svg(svg), symbology_format) == [text]


def test_gs1_128_carries_fnc1_and_puts_the_variable_lot_last() -> None:
    data, hri = gs1_element_string(LABEL)
    assert data == "01089360412345671725070110L2024-07"
    assert hri == "(01)08936041234567(17)250701(10)L2024-07"
    image = Image.open(io.BytesIO(render_symbol("gs1-128", LABEL)))
    (code,) = zxingcpp.read_barcodes(image, formats=zxingcpp.Code128)
    assert code.content_type == zxingcpp.ContentType.GS1  # FNC1 in first position was read


def test_qr_png_has_quiet_zone_and_module_size_at_least_0_4_mm() -> None:
    dpi = 300
    image = np.array(Image.open(io.BytesIO(render_symbol("qr", LABEL, dpi=dpi))).convert("L"))
    modules = qr_matrix(URL).shape[0]
    pixels_per_module = image.shape[0] / (modules + 8)
    assert pixels_per_module == int(pixels_per_module)
    assert pixels_per_module * 25.4 / dpi >= 0.4
    quiet = int(4 * pixels_per_module)
    assert image[:quiet].min() == image[:, :quiet].min() == 255
    assert image[-quiet:].min() == image[:, -quiet:].min() == 255


def test_qr_png_is_the_fast_path_matrix() -> None:
    modules = qr_matrix(URL, "H").shape[0]
    image = np.array(Image.open(io.BytesIO(render_symbol("qr", LABEL, dpi=254,
                                                         error_correction="H"))).convert("L"))
    step = image.shape[0] // (modules + 8)
    sampled = image[4 * step + step // 2 :: step, 4 * step + step // 2 :: step][:modules, :modules]
    assert np.array_equal(sampled < 128, qr_matrix(URL, "H"))


@pytest.mark.parametrize(("symbology", "content", "message"), [
    ("ean13", LabelContent(**{**LABEL.__dict__, "gtin": None}), "needs the product's GTIN"),
    ("ean13", LabelContent(**{**LABEL.__dict__, "gtin": "18936041234564"}), "indicator digit"),
    ("upca", LABEL, "not a GTIN-12"),
    ("gs1-128", LabelContent(**{**LABEL.__dict__, "lot": "LÔ 1"}), "set 82"),
    ("pdf417", LABEL, "symbology must be one of"),
])
def test_bad_combinations_raise_label_error(symbology: str, content: LabelContent,
                                            message: str) -> None:
    with pytest.raises(LabelError, match=message):
        render_symbol(symbology, content)


def test_bad_format_and_gtin_raise_label_error() -> None:
    with pytest.raises(LabelError, match="format"):
        render_symbol("qr", LABEL, "jpeg")
    with pytest.raises(LabelError, match="check digit"):
        LabelContent(**{**LABEL.__dict__, "gtin": "08936041234560"})
    with pytest.raises(LabelError, match="OCOP stars"):
        LabelContent(**{**LABEL.__dict__, "ocop_stars": 6})


def _rasterise_svg(svg: bytes, px_per_mm: float = 12.0) -> Image.Image:
    """Draw the two shapes our SVGs use: python-barcode's <rect>s and qrcode's module path."""
    root = ET.fromstring(svg)
    width, height = (float(root.get(side, "0").removesuffix("mm")) for side in ("width", "height"))
    image = Image.new("L", (round(width * px_per_mm), round(height * px_per_mm)), 255)
    draw = ImageDraw.Draw(image)
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "rect" and "black" in element.get("style", ""):
            x, y, w, h = (float(element.get(k, "0").removesuffix("mm"))
                          for k in ("x", "y", "width", "height"))
            _fill(draw, x, y, x + w, y + h, px_per_mm)
        elif tag == "path":
            for x0, y0, x1, y1 in re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)",
                                             element.get("d", "")):
                _fill(draw, float(x0), float(y0), float(x1), float(y1), px_per_mm)
    return image


def _fill(draw: ImageDraw.ImageDraw, x0: float, y0: float, x1: float, y1: float,
          scale: float) -> None:
    draw.rectangle((round(x0 * scale), round(y0 * scale), round(x1 * scale) - 1,
                    round(y1 * scale) - 1), fill=0)
