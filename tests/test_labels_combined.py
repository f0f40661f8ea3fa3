"""Every symbology on every sheet and roll: read back by zxing-cpp at 300 dpi, bars measured.

Each PDF holds one label; only that label's cell is rasterised, so the whole table stays fast.
"""

from __future__ import annotations

import io
import math
import re
from datetime import date

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp

from tracelabel.labels import TEMPLATES, LabelContent, LabelError, write_sheet_pdf, write_zpl
from tracelabel.labels.linear import (
    BAND_MIN_HEIGHT_MM,
    BAND_MIN_X_MM,
    RETAIL,
    RETAIL_HEIGHT_MM,
    RETAIL_MIN_X_MM,
    RETAIL_X_MM,
    modules_of,
)
from tracelabel.labels.templates import POINTS_PER_MM
from tracelabel.services.labels import LABEL_TABLE

DPI = 300
PX_PER_MM = DPI / 25.4
URL = "HTTPS://TRACE.EXAMPLE.VN/01/08936005120011/10/CR2611/21/7.A8F3K2QX"
EAN = LabelContent(payload=URL, product_name="Sâm Ngọc Linh Kon Tum", lot="CR2611",
                   production_date=date(2026, 1, 5), expiry_date=date(2028, 1, 5), ocop_stars=5,
                   manual_code="7K3M9QX2ZP4R.7.A8F3K2QX", gtin="08936005120011",
                   gs1_serial="7.A8F3K2QX")
UPC = LabelContent(**{**EAN.__dict__, "gtin": "00036000291452",
                      "payload": URL.replace("08936005120011", "00036000291452")})
PDF_OPTIONS = sorted((o.symbology, o.template) for o in LABEL_TABLE if o.fmt == "pdf")
ZPL_OPTIONS = sorted((o.symbology, o.template) for o in LABEL_TABLE if o.fmt == "zpl")


def content_for(symbology: str) -> LabelContent:
    return UPC if symbology.endswith("upca") else EAN


def first_label(symbology: str, template: str) -> np.ndarray:
    """The first label's cell of a one-label PDF, rasterised at 300 dpi in grey."""
    out = io.BytesIO()
    write_sheet_pdf([content_for(symbology)], template, out, symbology=symbology)
    stock = TEMPLATES[template]
    x, y = stock.label_origin(0)
    page = pdfium.PdfDocument(out.getvalue())[0]
    crop = (x * POINTS_PER_MM, (stock.page_height - y - stock.label_height) * POINTS_PER_MM,
            (stock.page_width - x - stock.label_width) * POINTS_PER_MM, y * POINTS_PER_MM)
    return np.array(page.render(scale=DPI / 72, crop=crop, grayscale=True).to_pil().convert("L"))


def expected(symbology: str) -> dict[str, str]:
    content = content_for(symbology)
    square = {"datamatrix": ("DataMatrix", URL), "gs1-datamatrix": (
        "DataMatrix", "(01)08936005120011(17)280105(10)CR2611(21)7.A8F3K2QX")}
    name, text = square.get(symbology, ("QRCode", content.payload))
    found = {name: text}
    if symbology == "qr+ean13":
        found["EAN13"] = "8936005120011"  # the GTIN-13
    if symbology == "qr+upca":
        found["UPCA"] = "0036000291452"  # zxing-cpp reports a UPC-A with 13 digits
    if symbology == "gs1-128":
        found["Code128"] = "(01)08936005120011(17)280105(10)CR2611"
    if symbology == "code128":
        found["Code128"] = EAN.manual_code
    return found


def measured_bars(image: np.ndarray, barcode: zxingcpp.Barcode) -> tuple[float, float, int, int]:
    """Width from first to last bar (mm), height of the shortest bar (mm: the guard bars reach
    lower), first dark column and top row, along the symbol's middle row."""
    pos = barcode.position
    row = round((pos.top_left.y + pos.bottom_left.y) / 2)
    dark = image < 128
    columns = np.flatnonzero(dark[row])
    columns = columns[(columns >= pos.top_left.x - 5) & (columns <= pos.top_right.x + 5)]
    runs = [_vertical_run(dark[:, column], row) for column in columns]
    top, bottom = min(runs, key=lambda run: run[1] - run[0])
    return ((columns.max() - columns.min() + 1) / PX_PER_MM, (bottom - top + 1) / PX_PER_MM,
            int(columns.min()), top)


def _vertical_run(column: np.ndarray, row: int) -> tuple[int, int]:
    top = bottom = row
    while top > 0 and column[top - 1]:
        top -= 1
    while bottom < column.size - 1 and column[bottom + 1]:
        bottom += 1
    return top, bottom


def read(image: np.ndarray, symbology: str) -> list[zxingcpp.Barcode]:
    formats = zxingcpp.BarcodeFormat
    if symbology == "qr+upca":  # else a reader reports a UPC-A as the EAN-13 0 + GTIN-12
        return zxingcpp.read_barcodes(image, formats=(formats.QRCode, formats.UPCA))
    return zxingcpp.read_barcodes(image)


@pytest.mark.parametrize(("symbology", "template"), PDF_OPTIONS)
def test_every_pdf_label_decodes_and_keeps_gs1_sizes(symbology: str, template: str) -> None:
    image = first_label(symbology, template)
    found = {str(code.format).replace(" ", "").replace("-", "").replace("Barcode", ""): code
             for code in read(image, symbology)}
    assert {name: code.text for name, code in found.items()} == expected(symbology)
    linear = next((found[name] for name in ("EAN13", "UPCA", "Code128") if name in found), None)
    if linear is None:
        return
    width, height, left, top = measured_bars(image, linear)
    bars, _ = modules_of(symbology.removeprefix("qr+"), content_for(symbology))
    span = len(bars.rstrip("0")) - (len(bars) - len(bars.lstrip("0")))
    x_dim = width / span
    stock = TEMPLATES[template]
    if symbology.startswith("qr+"):
        magnification = stock.retail_magnification
        assert x_dim >= RETAIL_X_MM * magnification - 0.005 >= RETAIL_MIN_X_MM - 0.005
        assert height >= RETAIL_HEIGHT_MM * magnification - 0.2  # never truncated
        quiet = RETAIL[symbology[3:]].left_quiet * x_dim * PX_PER_MM
        margin = image[top : top + round(height * PX_PER_MM) - 2,
                       max(0, left - math.floor(quiet)) : left - 1]
        assert margin.shape[1] >= math.floor(quiet) - 2 and (margin > 128).all()
    else:
        assert x_dim >= BAND_MIN_X_MM - 0.005
        assert height >= BAND_MIN_HEIGHT_MM - 0.2


def test_the_table_covers_every_template_and_leaves_out_what_cannot_fit() -> None:
    pdf = set(PDF_OPTIONS)
    for template in TEMPLATES:
        for symbology in ("qr", "qr+ean13", "qr+upca", "datamatrix", "gs1-datamatrix"):
            assert (symbology, template) in pdf
    assert ("gs1-128", "a4-3x8") not in pdf and ("code128", "roll-50x30") not in pdf
    assert ("gs1-128", "a4-2x5") in pdf and ("code128", "roll-100x50") in pdf
    # 203 dpi rounds an EAN-13 module up to 3 dots (0.375 mm): it needs the 100 x 50 roll
    assert ("qr+ean13", "roll-100x50") in ZPL_OPTIONS
    assert ("qr+ean13", "roll-50x30") not in ZPL_OPTIONS
    assert {s for s, _ in ZPL_OPTIONS} == {"qr", "qr+ean13", "qr+upca", "gs1-128", "code128",
                                           "datamatrix", "gs1-datamatrix"}


def test_a_long_lot_is_refused_where_its_gs1_128_would_be_too_thin() -> None:
    long_lot = LabelContent(**{**EAN.__dict__, "lot": "LOT-2026-01-05-ABCDEF"[:20]})
    with pytest.raises(LabelError, match="minimum bar width"):
        write_sheet_pdf([long_lot], "a4-2x5", io.BytesIO(), symbology="gs1-128")
    with pytest.raises(LabelError, match="too narrow"):
        write_sheet_pdf([EAN], "a4-3x8", io.BytesIO(), symbology="gs1-128")


def zpl_of(symbology: str, template: str, dpi: int) -> str:
    out = io.BytesIO()
    write_zpl([content_for(symbology)], out, dpi=dpi, template=template, symbology=symbology)
    return out.getvalue().decode("utf-8")


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize(("symbology", "template"), ZPL_OPTIONS)
def test_zpl_commands_and_their_parameters(symbology: str, template: str, dpi: int) -> None:
    text = zpl_of(symbology, template, dpi)
    dot = 25.4 / dpi
    square = "^BX" if "datamatrix" in symbology else "^BQN,2,"
    assert text.count(square) == 1 and text.count("^XA") == 1
    module = re.search(r"\^BY(\d+)", text)
    if symbology.startswith("qr+"):
        command = "^BEN," if symbology == "qr+ean13" else "^BUN,"
        fields = re.search(re.escape(command) + r"(\d+),Y,N[^\^]*\^FD(\d+)\^FS", text)
        assert fields and module
        assert int(module[1]) * dot >= RETAIL_MIN_X_MM
        assert int(fields[1]) * dot >= RETAIL_HEIGHT_MM * int(module[1]) * dot / RETAIL_X_MM - dot
        assert fields[2] == ("893600512001" if symbology == "qr+ean13" else "03600029145")
    elif symbology in ("gs1-128", "code128"):
        fields = re.search(r"\^BCN,(\d+),Y,N,N,([DN])\^FD([^\^]+)\^FS", text)
        assert fields and module and int(module[1]) * dot >= BAND_MIN_X_MM - 1e-9
        assert int(fields[1]) * dot >= BAND_MIN_HEIGHT_MM
        if symbology == "gs1-128":
            assert fields.group(2, 3) == ("D", "(01)08936005120011(17)280105(10)CR2611")
        else:
            assert fields.group(2, 3) == ("N", EAN.manual_code)
    assert "^BE" not in text or symbology == "qr+ean13"


def test_zpl_refuses_an_ean_13_the_small_roll_cannot_hold() -> None:
    with pytest.raises(LabelError, match="does not fit beside the QR"):
        zpl_of("qr+ean13", "roll-50x30", 203)
