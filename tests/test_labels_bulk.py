"""The bulk paths of a label run make exactly what the one-at-a-time functions make: unit codes,
trace URLs, label contents, the symbols' error correction, and pages drawn in groups."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
import re

import numpy as np
import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from qrcode import util

from tracelabel import codes
from tracelabel.labels import LabelContent, qr_matrix, serial_labels, write_sheet_pdf
from tracelabel.labels.qrencode import block_layout, reed_solomon_remainder, segments
from tracelabel.labels.qrmatrix import _ec_bits
from tracelabel.links import dl_serial, unit_trace_url
from tracelabel.services.labels import unit_labels, unit_payloads

PUBLIC_URL = "https://trace.example.vn"


@pytest.mark.parametrize("secret_bytes", [16, 32, 64, 65, 120])
def test_bulk_unit_codes_equal_make_unit_code(secret_bytes: int) -> None:
    key = codes.base64.urlsafe_b64encode(random.Random(secret_bytes).randbytes(secret_bytes))
    keys = codes.parse_code_keys(f"7:{key.decode().rstrip('=')}")
    batch = codes.new_batch_code()
    for run in (range(1, 300), range(999_999_700, 1_000_000_000)):
        assert list(codes.unit_codes(batch, run, keys)) == [
            codes.make_unit_code(batch, serial, keys) for serial in run]
    assert list(codes.unit_codes(batch, range(5, 5), keys)) == []


def test_bulk_unit_codes_refuse_what_make_unit_code_refuses() -> None:
    keys = codes.parse_code_keys(codes.generate_code_key())
    with pytest.raises(codes.CodeError):
        next(codes.unit_codes("7K3M9QX2ZP4X", range(1, 3), keys))  # bad check symbol
    with pytest.raises(codes.CodeError):
        next(codes.unit_codes(codes.new_batch_code(), range(0, 3), keys))


@pytest.mark.parametrize("gtin", [None, "8936005120011"])
def test_unit_payloads_equal_the_one_unit_urls(app, make, session, gtin) -> None:
    owner = make.producer()
    product = make.product(owner, gtin=gtin) if gtin else make.product(owner)
    batch = make.batch(owner, product, publish=True, lot="CR-2611/b")
    keys = codes.parse_code_keys(app.config["CODE_KEYS"])
    serials = range(95, 1005)
    expected = []
    for serial in serials:
        code = codes.make_unit_code(batch.code, serial, keys)
        expected.append((unit_trace_url(PUBLIC_URL, batch, serial, keys, printed=True), code,
                         dl_serial(code) if gtin else None))
    assert list(unit_payloads(batch, serials, PUBLIC_URL, keys)) == expected
    contents = list(unit_labels(batch, range(1, 4), PUBLIC_URL, keys, 4))
    assert [c.gs1_serial is not None for c in contents] == [bool(gtin)] * 3
    assert contents[0].ocop_stars == 4 and contents[0].product_name == product.name


def test_unit_labels_equal_replaced_batch_labels() -> None:
    batch = LabelContent(payload="-", product_name="Chè Tân Cương", lot="L1",
                         production_date=dt.date(2025, 1, 2), expiry_date=None, ocop_stars=5,
                         manual_code="-", gtin="08936005120011", gs1_serial="x")
    made = list(serial_labels(batch, range(3), lambda s: (f"HTTPS://X.VN/T/{s}", f"C{s}")))
    assert made == [dataclasses.replace(batch, payload=f"HTTPS://X.VN/T/{s}", manual_code=f"C{s}")
                    for s in range(3)]
    with pytest.raises(Exception, match="payload"):
        list(serial_labels(batch, [1], lambda s: ("", "C")))


def test_segments_equal_optimal_data_chunks() -> None:
    rng = random.Random(3)
    alphabet = "0123456789" * 4 + "ABCXYZ $%*+-./:" + "abcạế\n"
    for _ in range(3000):
        payload = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 70)))
        assert segments(payload) == [(chunk.mode, chunk.data) for chunk in
                                     util.optimal_data_chunks(payload, minimum=20)]


@pytest.mark.parametrize("version", [1, 5, 10, 20, 40])
@pytest.mark.parametrize("level", range(4))
def test_table_error_correction_equals_reed_solomon(version: int, level: int) -> None:
    layout = block_layout(version, level)
    rng = np.random.default_rng(version * 4 + level)
    data = rng.integers(0, 256, (3, sum(d for d, _ in layout)), dtype=np.uint8)
    ours = np.packbits(_ec_bits(data, version, level), axis=1)
    for row, codewords in zip(ours, data, strict=True):
        expected, offset = [], 0
        for data_count, ec_count in layout:
            expected.append(reed_solomon_remainder(bytes(codewords[offset:offset + data_count]),
                                                   ec_count))
            offset += data_count
        assert row.tobytes() == b"".join(expected)


def test_pages_rendered_together_keep_each_symbol_on_its_own_page() -> None:
    """A roll's pages are drawn in groups whose symbols differ in size: each page still holds
    its own label's symbol, in order."""
    batch = LabelContent(payload="-", product_name="Chè Tân Cương", lot="L1",
                         production_date=None, expiry_date=None, ocop_stars=None,
                         manual_code="-")
    payloads = [f"HTTPS://TRACE.EXAMPLE.VN/T/7K3M9QX2ZP4R.{s}.A{'X' * (s % 3 * 30)}"
                for s in range(1, 31)]
    out = io.BytesIO()
    write_sheet_pdf(serial_labels(batch, range(30), lambda s: (payloads[s], f"C{s}")),
                    "roll-50x30", out)
    assert len({qr_matrix(p).shape for p in payloads}) == 3
    document = pdfium.PdfDocument(out.getvalue())
    found = [[r.text for r in zxingcpp.read_barcodes(page.render(scale=300 / 72).to_pil(),
                                                     formats=zxingcpp.QRCode)]
             for page in document]
    document.close()
    assert found == [[payload] for payload in payloads]


def test_each_symbol_is_an_image_mask_of_one_sample_per_module() -> None:
    batch = LabelContent(payload="-", product_name="Chè Tân Cương", lot="L1",
                         production_date=None, expiry_date=None, ocop_stars=None,
                         manual_code="-")
    payloads = [f"HTTPS://TRACE.EXAMPLE.VN/T/7K3M9QX2ZP4R.{s}.A12345678" for s in range(1, 25)]
    out = io.BytesIO()
    write_sheet_pdf(serial_labels(batch, range(24), lambda s: (payloads[s], f"C{s}")), "a4-3x8",
                    out)
    content = pypdf.PdfReader(io.BytesIO(out.getvalue())).pages[0].get_contents().get_data()
    masks = re.findall(rb"(\d+) 0 0 -\1 0 \1 cm BI /W (\d+) /H (\d+) /IM true /BPC 1 "
                       rb"/D \[1 0\] /F /AHx ID ([0-9a-f]*)> EI", content)
    assert len(masks) == 24
    for (size, width, height, data), payload in zip(masks, payloads, strict=True):
        matrix = qr_matrix(payload)
        assert int(size) == int(width) == int(height) == matrix.shape[0]
        rows = np.frombuffer(bytes.fromhex(data.decode()), np.uint8).reshape(matrix.shape[0], -1)
        assert np.array_equal(np.unpackbits(rows, axis=1)[:, : matrix.shape[0]].astype(bool),
                              matrix)
