"""Stored times (UTC) shown in the display zone (``DISPLAY_TIMEZONE``), saying which zone that is."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import format_datetime, gettext

VIETNAM_ZONES = frozenset({"Asia/Ho_Chi_Minh", "Asia/Saigon"})


def zone_label() -> str:
    """The display zone in words: "Vietnam time", or the zone's name when another one is set."""
    zone = current_app.config.get("DISPLAY_TIMEZONE") or "UTC"
    return gettext("Vietnam time") if zone in VIETNAM_ZONES else zone


def clock(value: dt.datetime | None, pattern: str = "dd/MM/yyyy HH:mm", labelled: bool = True) -> str:
    """A stored time in the display zone, e.g. "29/11/2026 14:05 (Vietnam time)"."""
    if value is None:
        return ""
    shown = format_datetime(value, pattern)
    return f"{shown} ({zone_label()})" if labelled else shown
