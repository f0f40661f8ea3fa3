"""Small checks shared by the services; each appends a FieldError instead of raising."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from tracelabel.services.errors import FieldError


def clean_text(value: Any, field: str, errors: list[FieldError], *, required: bool = False,
               max_length: int = 200) -> str | None:
    """Trimmed text or None; notes a missing required value or one that is too long."""
    text = value.strip() if isinstance(value, str) else None
    if value is not None and not isinstance(value, str):
        errors.append(FieldError(field, "Enter text."))
        return None
    if not text:
        if required:
            errors.append(FieldError(field, "This field is required."))
        return None
    if "\x00" in text:
        errors.append(FieldError(field, "Remove the NUL character."))
    if len(text) > max_length:
        errors.append(FieldError(field, "Use at most %(max)s characters.", {"max": max_length}))
    return text


def require_one_of(value: Any, allowed: Iterable[str], field: str, errors: list[FieldError]) -> None:
    """Note a value outside its vocabulary, listing the allowed ones."""
    allowed = tuple(allowed)
    if value not in allowed:
        errors.append(FieldError(field, "Choose one of: %(choices)s.",
                                 {"choices": ", ".join(allowed)}))


def require_date_order(start: dt.date | None, end: dt.date | None, field: str,
                       errors: list[FieldError], message: str) -> None:
    """Note an end date that comes before its start date."""
    if start is not None and end is not None and end < start:
        errors.append(FieldError(field, message))
