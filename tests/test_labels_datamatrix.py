"""GS1 DataMatrix and the Digital Link Data Matrix: read back as GS1 (]d2) with the element string."""

from __future__ import annotations

import io
import re
from datetime import date

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from tracelabel.labels import LabelContent, LabelError, render_symbol, write_sheet_pdf, write_zpl
from tracelabel.labels.datamatrix import datamatrix_data, datamatrix_matrix

URL = "HTTPS://TRACE.EXAMPLE.VN/01/08936005120011/10/CR_2611/21/7.A8F3K2QX"
UNIT = LabelContent(payload=URL, product_name="Sâm Ngọc Linh", lot="CR_2611",
                    production_date=date(2026, 1, 5), expiry_date=date(2028, 1, 5), ocop_stars=5,
                    manual_code="7K3M9QX2ZP4R.7.A8F3K2QX", gtin="08936005120011",
                    gs1_serial="7.A8F3K2QX")
BATCH = LabelContent(**{**UNIT.__dict__, "gs1_serial": None, "expiry_date": None})
GS = "\x1d"


def read_datamatrix(image: Image.Image | np.ndarray) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.DataMatrix)


def test_element_string_puts_fixed_fields_first_and_fnc1_after_the_lot() -> None:
    assert datamatrix_data("gs1-datamatrix", UNIT) == (
        "0108936005120011" "17280105" "10CR_2611" + GS + "217.A8F3K2QX")
    assert datamatrix_data("gs1-datamatrix", BATCH) == "0108936005120011" "10CR_2611"  # last: no GS
    assert datamatrix_data("datamatrix", UNIT) == URL


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_gs1_datamatrix_reads_back_as_gs1_with_its_element_string(fmt: str) -> None:
    data = render_symbol("gs1-datamatrix", UNIT, fmt, dpi=300)
    image = Image.open(io.BytesIO(data)) if fmt == "png" else _svg_image(data)
    [symbol] = read_datamatrix(image)
    assert symbol.symbology_identifier == "]d2"
    assert symbol.content_type == zxingcpp.ContentType.GS1
    assert symbol.bytes.decode("ascii") == datamatrix_data("gs1-datamatrix", UNIT)
    assert symbol.text == "(01)08936005120011(17)280105(10)CR_2611(21)7.A8F3K2QX"


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_plain_datamatrix_carries_the_digital_link_uri(fmt: str) -> None:
    data = render_symbol("datamatrix", UNIT, fmt, dpi=300)
    image = Image.open(io.BytesIO(data)) if fmt == "png" else _svg_image(data)
    [symbol] = read_datamatrix(image)
    assert symbol.text == URL and symbol.symbology_identifier == "]d1"  # no FNC1: not GS1


def test_png_modules_are_at_least_gs1s_minimum() -> None:
    image = np.array(Image.open(io.BytesIO(render_symbol("gs1-datamatrix", UNIT, "png", dpi=300))))
    dark_rows = np.flatnonzero((image < 128).any(axis=1))
    modules = datamatrix_matrix("gs1-datamatrix", UNIT).shape[0]
    side_mm = (dark_rows.max() - dark_rows.min() + 1) / (300 / 25.4)
    assert side_mm / modules >= 0.396


@pytest.mark.parametrize("symbology", ["gs1-datamatrix", "datamatrix"])
@pytest.mark.parametrize("template", ["a4-3x8", "roll-50x30"])
def test_datamatrix_on_sheets(symbology: str, template: str) -> None:
    out = io.BytesIO()
    write_sheet_pdf([UNIT], template, out, symbology=symbology)
    page = pdfium.PdfDocument(out.getvalue())[0]
    crop = (0, page.get_height() - 150, page.get_width() - 200, 0) if template == "a4-3x8" \
        else (0, 0, 0, 0)  # the first label of the sheet
    image = page.render(scale=300 / 72, crop=crop).to_pil()
    [symbol] = read_datamatrix(image)
    assert symbol.bytes.decode("ascii") == datamatrix_data(symbology, UNIT)
    assert symbol.symbology_identifier == ("]d2" if symbology == "gs1-datamatrix" else "]d1")


def test_zpl_bx_uses_ecc_200_and_fnc1_escapes() -> None:
    out = io.BytesIO()
    write_zpl([UNIT], out, symbology="gs1-datamatrix")
    field = re.search(r"\^BXN,(\d+),200,0,0,6,_\^FD([^\^]*)\^FS", out.getvalue().decode())
    assert field and int(field[1]) * 25.4 / 203 >= 0.396
    # FNC1 first, FNC1 after the lot, and the lot's own underscore doubled
    assert field[2] == "_10108936005120011172801051" "0CR__2611_1217.A8F3K2QX"
    out = io.BytesIO()
    write_zpl([UNIT], out, symbology="datamatrix")
    assert "^FDHTTPS://TRACE.EXAMPLE.VN/01/08936005120011/10/CR__2611/21/7.A8F3K2QX^FS" \
        in out.getvalue().decode()


def test_bad_data_is_a_label_error() -> None:
    with pytest.raises(LabelError, match="GTIN"):
        render_symbol("gs1-datamatrix", LabelContent(**{**UNIT.__dict__, "gtin": None}))
    with pytest.raises(LabelError, match="set 82"):
        render_symbol("gs1-datamatrix", LabelContent(**{**UNIT.__dict__, "lot": "LÔ 1"}))


def _svg_image(svg: bytes) -> np.ndarray:
    """Rasterise our own SVG (one path of unit rectangles) at 10 px per module."""
    text = svg.decode()
    size = int(re.search(r'viewBox="0 0 (\d+)', text).group(1))
    image = np.full((size * 10, size * 10), 255, np.uint8)
    for x, y, w in re.findall(r"M(\d+),(\d+)h(\d+)", text):
        x, y, w = int(x), int(y), int(w)
        image[y * 10 : (y + 1) * 10, x * 10 : (x + w) * 10] = 0
    return image
