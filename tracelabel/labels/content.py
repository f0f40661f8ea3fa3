"""What a label says: the content record and the text lines every output format prints."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from tracelabel.labels.errors import LabelError

STAR = "★"
OCOP_STARS = range(3, 6)


@dataclass(frozen=True)
class LabelContent:
    """Everything printed on one label; the QR encodes `payload`."""

    payload: str
    product_name: str
    lot: str
    production_date: date | None
    expiry_date: date | None
    ocop_stars: int | None
    manual_code: str
    gtin: str | None = None
    gs1_serial: str | None = None  # AI (21) of a unit label, for the GS1 DataMatrix

    def __post_init__(self) -> None:
        if not self.payload:
            raise LabelError("a label needs a QR payload")
        if self.ocop_stars is not None and self.ocop_stars not in OCOP_STARS:
            raise LabelError(f"OCOP stars must be 3 to 5 (got {self.ocop_stars})")
        if self.gtin is not None:
            check_gtin14(self.gtin)


def check_gtin14(gtin: str) -> str:
    """Return the GTIN-14 if it is 14 digits with a valid check digit, else raise LabelError."""
    if len(gtin) != 14 or not gtin.isascii() or not gtin.isdigit():
        raise LabelError(f"GTIN must be 14 digits (got {gtin!r})")
    if gs1_check_digit(gtin[:-1]) != gtin[-1]:
        raise LabelError(f"GTIN {gtin} has a wrong check digit")
    return gtin


def gs1_check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit for a digit string (weights 3, 1 from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str(-total % 10)


def format_date(value: date) -> str:
    """Dates as Vietnamese labels print them: dd/mm/yyyy."""
    return value.strftime("%d/%m/%Y")


def stars_text(stars: int) -> str:
    """The OCOP rating as printed, e.g. 'OCOP ★★★★'."""
    return f"OCOP {STAR * stars}"


def stars_words(stars: int) -> str:
    """The OCOP rating without the star glyph, for printer fonts that lack it: 'OCOP 4 sao'."""
    return f"OCOP {stars} sao"


def detail_lines(content: LabelContent, stars: Callable[[int], str] = stars_text) -> list[str]:
    """The lines under the product name: lot, dates (NSX/HSD) and OCOP stars."""
    lines = [f"Lô: {content.lot}"]
    if content.production_date:
        lines.append(f"NSX: {format_date(content.production_date)}")
    if content.expiry_date:
        lines.append(f"HSD: {format_date(content.expiry_date)}")
    if content.ocop_stars:
        lines.append(stars(content.ocop_stars))
    return lines


def code_line(content: LabelContent) -> str:
    """The short code printed for manual entry."""
    return f"Mã: {content.manual_code}"


def serial_labels(
    batch: LabelContent,
    serials: Iterable[int],
    unit_code: Callable[[int], tuple[str, str]],
) -> Iterator[LabelContent]:
    """Yield one label per serial; `unit_code(serial)` gives its (payload, manual code)."""
    return unit_labels(batch, ((*unit_code(serial), batch.gs1_serial) for serial in serials))


def unit_labels(batch: LabelContent, units: Iterable[tuple[str, str, str | None]]
                ) -> Iterator[LabelContent]:
    """Yield the batch's label once per unit with the unit's (payload, manual code, AI (21)
    serial or None) in place of its own.

    A run of a million labels makes a million of these, so they are made without
    `dataclasses.replace`: every field but the three was checked when `batch` was made, and
    the one rule on the three (a payload) is checked here.
    """
    shared = vars(batch)
    for payload, manual_code, gs1_serial in units:
        if not payload:
            raise LabelError("a label needs a QR payload")
        label = object.__new__(LabelContent)
        fields = label.__dict__
        fields.update(shared)
        fields["payload"], fields["manual_code"], fields["gs1_serial"] = (
            payload, manual_code, gs1_serial)
        yield label
