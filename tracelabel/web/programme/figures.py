"""The coverage as plain data: the API's JSON, and the rows the page and the workbook show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracelabel import admin_units
from tracelabel.services.errors import ValidationFailed
from tracelabel.services.programme import Counts, Coverage

COUNT_KEYS = ("ocop_products", "labelled", "labelled_percent", "meeting_circular_02",
              "scanned_30_days", "scanned_90_days")


def counts_json(counts: Counts) -> dict[str, Any]:
    """The headline numbers of one slice."""
    return {key: getattr(counts, key) for key in COUNT_KEYS}


def commune_name(code: str | None) -> str | None:
    """A commune's name as the package spells it (None when the producer's commune is not set)."""
    commune = admin_units.commune_by_code(code)
    return commune.name if commune else None


def coverage_json(coverage: Coverage) -> dict[str, Any]:
    """The coverage as the API answers it (the page and the workbook show the same numbers)."""
    return {
        "province": coverage.province_name, "province_code": coverage.province_code,
        "as_of": coverage.as_of.isoformat(), **counts_json(coverage.totals),
        "reevaluation_due": coverage.reevaluation_due, "lapsed": coverage.lapsed,
        "by_commune": [{"commune": commune_name(code), "commune_code": code, **counts_json(c)}
                       for code, c in coverage.by_commune.items()],
        "by_group": [{"ocop_group": group, **counts_json(c)}
                     for group, c in coverage.by_group.items()],
        "by_stars": [{"stars": stars, **counts_json(c)} for stars, c in coverage.by_stars.items()],
        "area_codes": [{"code_status": status, "areas": count}
                       for status, count in coverage.area_codes.items()],
        "scans_per_week": [{"week": week.isoformat(), "scans": scans}
                           for week, scans in coverage.scans_per_week],
    }


def parse_as_of(text: str | None, today: dt.date) -> dt.date:
    """``as_of`` from a query string (YYYY-MM-DD), today when absent."""
    if not text:
        return today
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed.one("as_of", "Write the date as YYYY-MM-DD.") from None
