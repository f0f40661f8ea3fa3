"""Linear symbols: their bars (from python-barcode), human-readable text and GS1's size rules.

Sizes follow the GS1 General Specifications, section 5.12.3 (symbol specification tables):

- EAN-13 / UPC-A, table 1 (trade items scanned at the point of sale): X-dimension 0.264 mm
  minimum (magnification 80 %), 0.330 mm target (100 %), 0.660 mm maximum; bar height 22.85 mm at
  100 %, scaled with the magnification and never truncated at the POS; light margins 11X left and
  7X right (EAN-13), 9X each side (UPC-A).
- GS1-128: the general-distribution tables (X >= 0.495 mm, bar height 31.75 mm) need a symbol of
  (01)(17)(10) about 150 mm long, which no label here holds; these labels are scanned by the
  producer and inspectors with imagers, not in general distribution, so the table for items not
  scanned in general distribution applies (X 0.170-0.495 mm, bar height >= 12.70 mm). tracelabel
  keeps X >= 0.250 mm (2 dots of a 203 dpi printer) and bars >= 12.70 mm. Light margins 10X.
- Code 128 of the short code (not a GS1 symbol) follows the GS1-128 rules above.
"""

from __future__ import annotations

from dataclasses import dataclass

from barcode import EAN13, UPCA, Code128, Gs1_128
from barcode.base import Barcode

from tracelabel.labels.content import LabelContent
from tracelabel.labels.errors import LabelError

FNC1 = Gs1_128.FNC1_CHAR
RETAIL_X_MM = 0.330  # 100 % magnification
RETAIL_MIN_X_MM = 0.264  # 80 %
RETAIL_HEIGHT_MM = 22.85  # bar height at 100 %
RETAIL_HRI_MODULES = 9  # room under the bars for the digits, in X (25.93 mm total at 100 %)
GUARD_EXTENSION_MODULES = 5
BAND_MIN_X_MM = 0.250
BAND_MAX_X_MM = 0.495
BAND_MIN_HEIGHT_MM = 12.70
BAND_QUIET_MODULES = 10
BAND_HRI_MM = 2.6


@dataclass(frozen=True)
class RetailSpec:
    """Light margins (in X) and the modules whose bars reach down between the digits."""

    left_quiet: int
    right_quiet: int
    extended: tuple[tuple[int, int], ...]  # [start, end) module ranges

    @property
    def total_modules(self) -> int:
        """Width of the symbol with its light margins, in X."""
        return self.left_quiet + 95 + self.right_quiet


RETAIL = {
    "ean13": RetailSpec(11, 7, ((0, 3), (45, 50), (92, 95))),
    "upca": RetailSpec(9, 9, ((0, 10), (45, 50), (85, 95))),
}


def linear_code(symbology: str, content: LabelContent) -> tuple[Barcode, str | None]:
    """The python-barcode symbol for the label, and its HRI text when it differs from the data."""
    if symbology == "code128":
        if not content.manual_code.isascii() or not content.manual_code.isprintable():
            raise LabelError("Code 128 carries printable ASCII only; the short code is not")
        return Code128(content.manual_code), None
    if symbology == "gs1-128":
        data, text = gs1_element_string(content)
        return Gs1_128(data), text
    gtin = require_gtin(content, symbology)
    if symbology == "ean13":
        if gtin[0] != "0":
            raise LabelError(f"GTIN {gtin} has an indicator digit: it fits GS1-128, not EAN-13")
        return EAN13(gtin[1:]), None
    if symbology != "upca":
        raise LabelError(f"{symbology!r} is not a linear symbology")
    if not gtin.startswith("00"):
        raise LabelError(f"GTIN {gtin} is not a GTIN-12: use EAN-13 or GS1-128 for it")
    return UPCA(gtin[2:]), None


def modules_of(symbology: str, content: LabelContent) -> tuple[str, str]:
    """The bar pattern ('1' dark, '0' light, one character per X) and the HRI text."""
    code, text = linear_code(symbology, content)
    return code.build()[0], text or code.get_fullcode()


def retail_digit_groups(symbology: str, digits: str) -> list[tuple[str, float, float]]:
    """HRI digits of an EAN-13 / UPC-A as (text, centre in X from the first bar, size factor)."""
    if symbology == "ean13":
        return ([(digits[0], -5.5, 1.0)]
                + [(d, 3 + 7 * i + 3.5, 1.0) for i, d in enumerate(digits[1:7])]
                + [(d, 50 + 7 * i + 3.5, 1.0) for i, d in enumerate(digits[7:])])
    return ([(digits[0], -5.0, 0.75)]
            + [(d, 10 + 7 * i + 3.5, 1.0) for i, d in enumerate(digits[1:6])]
            + [(d, 50 + 7 * i + 3.5, 1.0) for i, d in enumerate(digits[6:11])]
            + [(digits[11], 100.0, 0.75)])


def gs1_element_string(content: LabelContent, *, serial: bool = False) -> tuple[str, str]:
    """(01) GTIN, (17) expiry, (10) lot [, (21) serial]: the data with FNC1, and its HRI text.

    Fixed-length AIs come first; the variable-length lot is followed by FNC1 only when the serial
    comes after it, so the last field never needs a separator.
    """
    gtin = require_gtin(content, "GS1")
    elements = [("01", gtin)]
    if content.expiry_date:
        elements.append(("17", content.expiry_date.strftime("%y%m%d")))
    elements.append(("10", gs1_value(content.lot, "lot", "10")))
    if serial and content.gs1_serial:
        elements.append(("21", gs1_value(content.gs1_serial, "serial", "21")))
    data = ""
    for index, (ai, value) in enumerate(elements):
        data += ai + value
        if ai in ("10", "21") and index < len(elements) - 1:
            data += FNC1
    return data, "".join(f"({ai}){value}" for ai, value in elements)


def require_gtin(content: LabelContent, symbology: str) -> str:
    """The label's GTIN-14, or LabelError naming the symbology that needs it."""
    if content.gtin is None:
        raise LabelError(f"{symbology} needs the product's GTIN, and this label has none")
    return content.gtin


def gs1_value(value: str, name: str, ai: str) -> str:
    """A lot or serial checked against GS1 character set 82, 1-20 characters."""
    allowed = "!\"%&'()*+,-./:;<=>?_"
    if not 1 <= len(value) <= 20 or any(not (c.isascii() and (c.isalnum() or c in allowed))
                                        for c in value):
        raise LabelError(f"{name} {value!r} is not a GS1 AI ({ai}) value "
                         "(1-20 characters of set 82)")
    return value
