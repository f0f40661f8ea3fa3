"""Spreadsheet cells that a spreadsheet program cannot run as formulas (OWASP's CSV-injection rule).

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — or with one of
``=+-@`` after leading whitespace — is prefixed with a single quote, so Excel, LibreOffice and Google
Sheets show it as text. Values that are numbers in our own data (``int``, ``float``, ``Decimal``) are
written unchanged, so a negative quantity stays a number; a *text* that merely looks like a number
("-5" typed as a lot code) is quoted like any other text, because we cannot tell it from "-5+A1".
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet program could read this text as a formula."""
    return text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS[:4])


def safe_cell(value: Any) -> Any:
    """The value as a cell to write: formula-looking text quoted, numbers and empty cells as given."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return QUOTE + text if is_formula_like(text) else text


def safe_row(row: Iterable[Any]) -> list[Any]:
    """A row with every cell made safe by ``safe_cell``."""
    return [safe_cell(value) for value in row]
