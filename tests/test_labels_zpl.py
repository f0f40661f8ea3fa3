"""ZPL for thermal roll printers: structure, UTF-8, ^FH escaping and QR magnification."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

from tracelabel.labels import LabelContent, LabelError, serial_labels, write_zpl
from tracelabel.labels.zpl import qr_magnification, zpl_escape

BATCH = LabelContent(
    payload="-", product_name="Mắm tôm ^Hạ Long~ _đặc biệt_", lot="L2024-07",
    production_date=date(2024, 7, 1), expiry_date=date(2025, 7, 1), ocop_stars=4,
    manual_code="-",
)


def unit_code(serial: int) -> tuple[str, str]:
    code = f"7K3M9QX2ZP4R.{serial}.A8F3K2QX"
    return f"HTTPS://TRACE.EXAMPLE.VN/T/{code}", code


def zpl(count: int, **options: object) -> str:
    out = io.BytesIO()
    assert write_zpl(serial_labels(BATCH, range(1, count + 1), unit_code), out, **options) == count
    return out.getvalue().decode("utf-8")  # raises if the bytes are not UTF-8


def formats(text: str) -> list[str]:
    return re.findall(r"\^XA.*?\^XZ", text, flags=re.S)


@pytest.mark.parametrize("dpi", [203, 300])
def test_one_format_per_label_with_utf8_and_qr(dpi: int) -> None:
    text = zpl(5, dpi=dpi)
    labels = formats(text)
    assert len(labels) == 5 == text.count("^XA") == text.count("^XZ")
    for serial, label in enumerate(labels, start=1):
        assert label.index("^CI28") < label.index("^FD")
        url = unit_code(serial)[0]
        assert re.search(r"\^BQN,2,(\d+)\^FH\^FDMA," + re.escape(url) + r"\^FS", label)
        assert f"Mã: {unit_code(serial)[1]}" in label
        assert "Lô: L2024-07" in label and "NSX: 01/07/2024" in label and "HSD: 01/07/2025" in label
        assert "OCOP 4 sao" in label


def test_text_fields_escape_caret_tilde_and_underscore() -> None:
    label = formats(zpl(1))[0]
    assert "^FH^FDMắm tôm _5EHạ Long_7E _5Fđặc biệt_5F^FS" in label
    field_data = re.findall(r"\^FD(.*?)\^FS", label)
    assert all("^" not in data and "~" not in data for data in field_data)


def test_label_size_in_dots() -> None:
    assert "^PW400" in zpl(1, dpi=203) and "^LL240" in zpl(1, dpi=203)
    assert "^PW591" in zpl(1, dpi=300) and "^LL354" in zpl(1, dpi=300)


@pytest.mark.parametrize(("dpi", "modules"), [(203, 29), (300, 29), (203, 41), (300, 49)])
def test_magnification_keeps_modules_within_gs1_bounds(dpi: int, modules: int) -> None:
    magnification = qr_magnification(modules, 26.0, dpi)
    module_mm = magnification * 25.4 / dpi
    assert 0.396 <= module_mm <= 0.99
    assert (modules + 8) * module_mm <= 26.0


def test_magnification_at_203_dpi_never_below_four_dots() -> None:
    assert qr_magnification(29, 26.0, 203) >= 4
    with pytest.raises(LabelError, match=r"0\.396"):
        qr_magnification(77, 26.0, 203)  # 3 dots = 0.375 mm would be needed


def test_error_correction_letter_selects_the_qr_field_prefix() -> None:
    assert "^FDQA,HTTPS://" in zpl(1, error_correction="Q")
    assert "^FDHA,HTTPS://" in zpl(1, error_correction="H")


def test_escape_is_idempotent_free_of_raw_specials() -> None:
    assert zpl_escape("a^b~c_d") == "a_5Eb_7Ec_5Fd"
    assert zpl_escape("Mie\u0302\u0301n") == "Miến"  # decomposed input becomes NFC


def test_bad_options_raise_label_error() -> None:
    with pytest.raises(LabelError, match="dpi"):
        zpl(1, dpi=250)
    with pytest.raises(LabelError, match="sheet template"):
        zpl(1, template="a4-3x8")


def test_failing_stream_raises() -> None:
    class Full(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            raise OSError("printer gone")

    with pytest.raises(OSError, match="printer gone"):
        write_zpl(serial_labels(BATCH, range(3), unit_code), Full())
