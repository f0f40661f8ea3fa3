"""Charts drawn on the server as inline SVG: no script, readable on a phone (they scale to the
screen's width), each named for screen readers and pointing at the table of its numbers.

Pure functions of their numbers and already-translated words; every text is escaped here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 320
ROW = 30
BAR = 12
DARK, LIGHT, INK, MUTED = "#1d6b3a", "#cfe3d6", "#1b1b1b", "#5b5b5b"


@dataclass(frozen=True)
class Share:
    """One row of a share chart: ``part`` of ``whole`` (e.g. labelled of OCOP products)."""

    label: str
    part: int
    whole: int


def _svg(title: str, table_id: str, height: int, body: list[str]) -> str:
    title_id = f"{table_id}-chart-title"
    return (f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
            f'aria-labelledby="{title_id}" aria-describedby="{table_id}" '
            f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">'
            f'<title id="{title_id}">{escape(title)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, words: str, *, anchor: str = "start", fill: str = INK,
          size: int | None = None) -> str:
    sized = f' font-size="{size}"' if size else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{sized}>'
            f"{escape(words)}</text>")


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" height="{height}" fill="{fill}"/>'


def share_chart(title: str, rows: Sequence[Share], table_id: str) -> str:
    """Horizontal bars, one per row: the whole in a light bar, the part over it in a dark one,
    with the label above and ``part / whole`` at the end (every bar on one scale)."""
    largest = max((row.whole for row in rows), default=0) or 1
    span = WIDTH - 90
    body = []
    for n, row in enumerate(rows):
        top = n * ROW
        body.append(_text(0, top + 11, row.label))
        body.append(_rect(0, top + 15, span * row.whole / largest, BAR, LIGHT))
        body.append(_rect(0, top + 15, span * row.part / largest, BAR, DARK))
        body.append(_text(WIDTH, top + 25, f"{row.part} / {row.whole}", anchor="end"))
    return _svg(title, table_id, max(len(rows), 1) * ROW + 4, body)


def bar_chart(title: str, rows: Sequence[tuple[str, int]], table_id: str) -> str:
    """Horizontal bars of counts, one per row, labelled above, the count at the end."""
    return share_chart(title, [Share(label, value, value) for label, value in rows], table_id)


def progress_bar(title: str, part: int, whole: int, table_id: str) -> str:
    """One bar toward 100 %: how much of the whole the part is, the per cent written beside it."""
    share = part / whole if whole else 0.0
    span = WIDTH - 60
    body = [_rect(0, 4, span, 20, LIGHT), _rect(0, 4, span * share, 20, DARK),
            _text(WIDTH, 19, f"{100 * share:.1f} %", anchor="end", size=14)]
    return _svg(title, table_id, 28, body)


def week_chart(title: str, weeks: Sequence[tuple[dt.date, int]], table_id: str) -> str:
    """Columns of a count per week, the largest written at the top, months marked below."""
    height, foot, head = 170, 18, 16
    largest = max((value for _week, value in weeks), default=0)
    step = WIDTH / max(len(weeks), 1)
    plot = height - foot - head
    body = [_text(0, 11, str(largest), fill=MUTED),
            f'<line x1="0" y1="{height - foot}" x2="{WIDTH}" y2="{height - foot}" stroke="{MUTED}"/>']
    for n, (week, value) in enumerate(weeks):
        tall = plot * value / largest if largest else 0
        body.append(_rect(n * step + 0.5, height - foot - tall, max(step - 1, 1), tall, DARK))
        if n % 13 == 0:
            body.append(_text(n * step, height - 4, week.strftime("%m/%Y"), fill=MUTED))
    return _svg(title, table_id, height, body)
