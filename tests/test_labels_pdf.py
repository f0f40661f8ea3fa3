"""PDF label sheets, checked by independent readers: pypdfium2 and pypdf read, zxing-cpp scans."""

from __future__ import annotations

import io
import re
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import date

import numpy as np
import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp

from tracelabel.labels import TEMPLATES, LabelContent, LabelError, serial_labels, write_sheet_pdf
from tracelabel.labels.templates import MIN_MODULE_MM, POINTS_PER_MM, QUIET_ZONE_MODULES

RENDER_DPI = 300
PX_PER_MM = RENDER_DPI / 25.4
NAME = "Miến dong Bình Liêu"
BATCH = LabelContent(
    payload="-", product_name=NAME, lot="L2024-07", production_date=date(2024, 7, 1),
    expiry_date=date(2025, 7, 1), ocop_stars=4, manual_code="-", gtin="08936041234567",
)


def unit_code(serial: int) -> tuple[str, str]:
    code = f"7K3M9QX2ZP4R.{serial}.A{serial * 7919 % 99991:05d}QX"
    return f"HTTPS://TRACE.EXAMPLE.VN/T/{code}", code


def sheet(count: int, template: str = "a4-3x8", first: int = 1) -> bytes:
    out = io.BytesIO()
    written = write_sheet_pdf(serial_labels(BATCH, range(first, first + count), unit_code),
                              template, out)
    assert written == count
    return out.getvalue()


def page_images(pdf: bytes) -> Iterator[np.ndarray]:
    document = pdfium.PdfDocument(pdf)
    for page in document:
        bitmap = page.render(scale=RENDER_DPI / 72, grayscale=True)
        yield np.array(bitmap.to_pil().convert("L"))


def decoded_qr_texts(image: np.ndarray) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.QRCode)]


@pytest.mark.parametrize(("template", "count"), [("a4-3x8", 30), ("a4-2x5", 10),
                                                 ("roll-50x30", 3)])
def test_every_qr_on_every_page_scans_to_its_own_url(template: str, count: int) -> None:
    per_page = TEMPLATES[template].per_page
    expected = [unit_code(serial)[0] for serial in range(1, count + 1)]
    pages = list(page_images(sheet(count, template)))
    assert len(pages) == -(-count // per_page)
    for index, image in enumerate(pages):
        found = decoded_qr_texts(image)
        on_page = expected[index * per_page : (index + 1) * per_page]
        assert sorted(found) == sorted(on_page)
    assert len(set(expected)) == count


def test_each_label_cell_holds_its_own_qr_with_quiet_zone() -> None:
    template = TEMPLATES["a4-3x8"]
    image = next(page_images(sheet(24)))
    for slot in range(template.per_page):
        x, y = template.label_origin(slot)
        cell = _crop_mm(image, x, y, template.label_width, template.label_height)
        assert decoded_qr_texts(cell) == [unit_code(slot + 1)[0]]
        left, top, right, bottom = _dark_box(_crop_mm(image, x + template.padding,
                                                      y + (template.label_height
                                                           - template.qr_box) / 2,
                                                      template.qr_box, template.qr_box))
        modules = 29  # version 3 for these payloads
        module_px = (right - left) / modules
        assert module_px / PX_PER_MM >= MIN_MODULE_MM - 0.02
        box_px = template.qr_box * PX_PER_MM
        quiet = min(left, top, box_px - right, box_px - bottom) / module_px
        assert quiet >= QUIET_ZONE_MODULES - 0.3


def test_text_extracts_with_diacritics_in_both_readers() -> None:
    pdf = sheet(26)
    pdfium_text = "".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf))
    pypdf_text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for text in (pdfium_text, pypdf_text):
        flat = text.replace("\r", "")
        assert flat.count(NAME) == 26
        for fragment in ("Lô: L2024-07", "NSX: 01/07/2024", "HSD: 01/07/2025", "OCOP ★★★★"):
            assert fragment in flat
        for serial in (1, 25, 26):
            assert f"Mã: {unit_code(serial)[1]}" in flat


@pytest.mark.parametrize(("template", "width_mm", "height_mm"), [
    ("a4-3x8", 210, 297), ("a4-2x5", 210, 297), ("roll-50x30", 50, 30)])
def test_page_size_is_exact(template: str, width_mm: float, height_mm: float) -> None:
    for page in pypdf.PdfReader(io.BytesIO(sheet(2, template))).pages:
        box = page.mediabox
        assert float(box.width) / POINTS_PER_MM == pytest.approx(width_mm, abs=0.1)
        assert float(box.height) / POINTS_PER_MM == pytest.approx(height_mm, abs=0.1)
    width, height = pdfium.PdfDocument(sheet(1, template))[0].get_size()
    assert (width, height) == pytest.approx((width_mm * POINTS_PER_MM, height_mm * POINTS_PER_MM),
                                            abs=0.1 * POINTS_PER_MM)


def test_a4_3x8_grid_matches_the_stock() -> None:
    template = TEMPLATES["a4-3x8"]
    assert template.label_origin(0) == pytest.approx((7.2, 12.9), abs=0.05)
    assert template.label_origin(2) == pytest.approx((139.2, 12.9), abs=0.05)
    last_x, last_y = template.label_origin(23)
    assert 210 - (last_x + template.label_width) == pytest.approx(7.3, abs=0.05)
    assert 297 - (last_y + template.label_height) == pytest.approx(12.9, abs=0.05)
    two = TEMPLATES["a4-2x5"]
    x, y = two.label_origin(9)
    assert (210 - x - two.label_width, 297 - y - two.label_height) == pytest.approx(
        (two.left, two.top), abs=0.05)


def test_labels_sit_where_the_template_says_on_the_raster() -> None:
    template = TEMPLATES["a4-3x8"]
    image = next(page_images(sheet(24)))
    for slot in (0, 4, 23):
        x, y = template.label_origin(slot)
        qr_column = template.padding + template.qr_box  # the text starts right of it
        left, top, _, _ = _dark_box(_crop_mm(image, x, y, qr_column, template.label_height))
        module = template.module_size(29)
        quiet_mm = (template.qr_box - 29 * module) / 2
        assert left / PX_PER_MM == pytest.approx(template.padding + quiet_mm, abs=0.1)
        box_top = (template.label_height - template.qr_box) / 2
        assert top / PX_PER_MM == pytest.approx(box_top + quiet_mm, abs=0.1)


def test_qr_module_size_within_gs1_bounds_in_the_content_stream() -> None:
    page = pypdf.PdfReader(io.BytesIO(sheet(24))).pages[0]
    content = page.get_contents().get_data()
    scales = [float(s) for s in re.findall(rb"q ([\d.]+) 0 0 -[\d.]+ [\d.]+ [\d.]+ cm", content)]
    assert len(scales) == 24
    for scale in scales:
        assert 0.4 <= scale / POINTS_PER_MM <= 0.99


def test_font_is_an_embedded_subset_with_to_unicode() -> None:
    reader = pypdf.PdfReader(io.BytesIO(sheet(3)))
    font = reader.pages[0]["/Resources"]["/Font"]["/F1"].get_object()
    assert font["/Subtype"] == "/Type0"
    assert font["/Encoding"] == "/Identity-H"
    assert re.fullmatch(r"/[A-Z]{6}\+DejaVuSansCondensed", font["/BaseFont"])
    assert "/ToUnicode" in font
    descendant = font["/DescendantFonts"][0].get_object()
    assert descendant["/Subtype"] == "/CIDFontType2"
    embedded = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
    assert 0 < len(embedded) < 200_000  # the full font is 680 kB


def test_writer_streams_pages_while_labels_are_still_coming() -> None:
    out = io.BytesIO()
    sizes_seen: list[int] = []

    def labels() -> Iterator[LabelContent]:
        for label in serial_labels(BATCH, range(1, 121), unit_code):
            sizes_seen.append(out.tell())
            yield label

    write_sheet_pdf(labels(), "a4-3x8", out)
    assert sizes_seen[24] > 1000  # page 1 was on the stream before label 25 was asked for
    assert sizes_seen[-1] > sizes_seen[48] > sizes_seen[24]


def test_memory_does_not_grow_with_the_run() -> None:
    def peak(count: int) -> int:
        tracemalloc.start()
        write_sheet_pdf(serial_labels(BATCH, range(count), unit_code), "a4-3x8", _NullStream())
        peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak_bytes

    peak(24)  # warm the caches
    assert peak(2400) - peak(240) < 200_000


def test_failing_stream_raises_instead_of_reporting_success() -> None:
    with pytest.raises(OSError, match="disk full"):
        write_sheet_pdf(serial_labels(BATCH, range(1, 200), unit_code), "a4-3x8",
                        _FailingStream(fail_after=20_000))


def test_both_readers_accept_the_whole_document() -> None:
    pdf = sheet(50, "a4-2x5")
    reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == 5 == len(pdfium.PdfDocument(pdf))
    for page in reader.pages:
        zlib.decompress(page["/Contents"].get_object()._data)  # the stream is valid Flate
    assert pdf.startswith(b"%PDF-1.7") and pdf.rstrip().endswith(b"%%EOF")


def test_unknown_template_and_oversized_payload_raise_label_error() -> None:
    with pytest.raises(LabelError, match="unknown label template"):
        write_sheet_pdf([], "a4-9x9", io.BytesIO())
    long_url = "https://trace.example.vn/" + "x" * 400
    label = serial_labels(BATCH, [1], lambda _: (long_url, "X"))
    with pytest.raises(LabelError, match=r"0\.4 mm"):
        write_sheet_pdf(label, "roll-50x30", io.BytesIO())


class _NullStream(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return len(data)


class _FailingStream(_NullStream):
    def __init__(self, fail_after: int) -> None:
        self.remaining = fail_after

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.remaining -= len(data)
        if self.remaining < 0:
            raise OSError("disk full")
        return len(data)


def _crop_mm(image: np.ndarray, x: float, y: float, width: float, height: float) -> np.ndarray:
    left, top = round(x * PX_PER_MM), round(y * PX_PER_MM)
    return image[top : top + round(height * PX_PER_MM), left : left + round(width * PX_PER_MM)]


def _dark_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box (left, top, right, bottom) of the dark pixels, in pixels."""
    rows, cols = np.nonzero(image < 128)
    return cols.min(), rows.min(), cols.max() + 1, rows.max() + 1
