"""Scan tallies for the coverage dashboard: ``scans`` folded into per-product daily and
per-organization weekly counts, incrementally, by id watermark, when the dashboard is read.

The public scan path does no extra work: it only inserts its scan row, as before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, cast, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tracelabel.models import Batch, OrganizationScanWeek, ProductScanDay, Scan, ScanRollup

# A scan is folded in once it is this old: a scan whose transaction commits after a later id's
# (PostgreSQL hands ids out before commit) is never passed over by the watermark.
SETTLE = dt.timedelta(minutes=1)
VIETNAM_ZONE = "Asia/Ho_Chi_Minh"


def local_day(session: Session, column: Any) -> Any:
    """The calendar day in Vietnam (UTC+7) of a stored time, the way each database spells it."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, "+7 hours")
    return func.date(func.timezone(VIETNAM_ZONE, column))


def local_week(session: Session, column: Any) -> Any:
    """The Monday starting the week (Vietnam time) of a stored time."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, "+7 hours", "weekday 0", "-6 days")
    return cast(func.date_trunc("week", func.timezone(VIETNAM_ZONE, column)), Date)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week of ``day``."""
    return day - dt.timedelta(days=day.weekday())


def _insert(session: Session, model: Any) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def _claim(session: Session, now: dt.datetime) -> tuple[int, int] | None:
    """Move the watermark from what it was to the newest settled scan; None when there is nothing
    new or another reader moved it first (its tallies then include those scans)."""
    session.execute(_insert(session, ScanRollup).values(id=1, last_scan_id=0, rolled_at=now)
                    .on_conflict_do_nothing(index_elements=["id"]))
    last = session.scalar(select(ScanRollup.last_scan_id).where(ScanRollup.id == 1)) or 0
    # ORDER BY id DESC LIMIT 1 walks the primary key backwards from the newest scan and stops at
    # the first settled one (max() with a WHERE would read every scan on SQLite).
    upto = session.scalar(select(Scan.id).where(Scan.scanned_at < now - SETTLE)
                          .order_by(Scan.id.desc()).limit(1))
    if upto is None or upto <= last:
        return None
    moved = session.execute(update(ScanRollup)
                            .where(ScanRollup.id == 1, ScanRollup.last_scan_id == last)
                            .values(last_scan_id=upto, rolled_at=now)
                            .execution_options(synchronize_session=False))
    return (last, upto) if moved.rowcount == 1 else None


def roll_up(session: Session, now: dt.datetime) -> int:
    """Fold the scans recorded since the last roll-up into the tallies; returns how many ids
    the watermark moved over (0 when nothing was new)."""
    claimed = _claim(session, now)
    if claimed is None:
        return 0
    last, upto = claimed
    day = local_day(session, Scan.scanned_at)
    week = local_week(session, Scan.scanned_at)
    in_range = (Scan.id > last, Scan.id <= upto)
    days = (select(Batch.product_id, day, func.count()).select_from(Scan)
            .join(Batch, Batch.id == Scan.batch_id).where(*in_range)
            .group_by(Batch.product_id, day))
    weeks = (select(Batch.organization_id, week, func.count()).select_from(Scan)
             .join(Batch, Batch.id == Scan.batch_id).where(*in_range)
             .group_by(Batch.organization_id, week))
    for model, keys, rows in ((ProductScanDay, ["product_id", "day"], days),
                              (OrganizationScanWeek, ["organization_id", "week"], weeks)):
        statement = _insert(session, model).from_select([*keys, "scans"], rows)
        session.execute(statement.on_conflict_do_update(
            index_elements=keys, set_={"scans": model.scans + statement.excluded.scans}))
    return upto - last
