"""Tallies for the coverage dashboard: ``scans`` folded into per-product daily and
per-organization weekly counts, and ``label_runs`` into each batch's first printing, incrementally,
by id watermarks, by the worker's periodic roll-up (``worker.roll_up_scans``, and once after
``tracelabel db upgrade``) — never by a request.

The public scan path and label printing do no extra work: they only insert their row, as before.
The dashboard reads the tallies plus, live, the rows past the watermarks
(:func:`scans_not_rolled_up`, :func:`label_runs_not_rolled_up`) in the same statement as the
watermarks, so each row is counted exactly once however a read and a roll-up race.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Date, and_, bindparam, cast, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tracelabel.models import (
    Batch,
    LabelRun,
    OrganizationScanWeek,
    ProductScanDay,
    Scan,
    ScanRollup,
)
from tracelabel.models.coverage import LabelledBatch

# A scan is folded in once it is this old: a scan whose transaction commits after a later id's
# (PostgreSQL hands ids out before commit) is never passed over by the watermark.
SETTLE = dt.timedelta(minutes=1)
VIETNAM_ZONE = "Asia/Ho_Chi_Minh"
# Scan ids folded in per transaction: a first roll-up of millions of scans commits in steps
# instead of holding one long transaction.
CHUNK = 500_000


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


class Watermarks(NamedTuple):
    """The last scan and the last label run folded into the tallies."""

    scans: int = 0
    label_runs: int = 0


def rolled_up_to(session: Session) -> Watermarks:
    """The watermarks as they stand (zeros before the first roll-up)."""
    row = session.execute(select(ScanRollup.last_scan_id, ScanRollup.last_label_run_id)
                          .where(ScanRollup.id == 1)).first()
    return Watermarks(*row) if row else Watermarks()


def _past(column: Any, watermark: Any, seen: int) -> ColumnElement[bool]:
    """Rows past a watermark, given the watermark ``seen`` a moment ago: the planner sizes the
    tail from that number (a few rows, read by primary key), and the watermark read again in the
    caller's statement drops what a roll-up folded in since (each row is counted once)."""
    current = select(watermark).where(ScanRollup.id == 1).scalar_subquery()
    return and_(column > bindparam("seen", seen, unique=True, literal_execute=True),
                column > func.coalesce(current, 0))


def scans_not_rolled_up(seen: Watermarks) -> ColumnElement[bool]:
    """Scans not in the tallies yet."""
    return _past(Scan.id, ScanRollup.last_scan_id, seen.scans)


def label_runs_not_rolled_up(seen: Watermarks) -> ColumnElement[bool]:
    """Label runs not in ``labelled_batches`` yet."""
    return _past(LabelRun.id, ScanRollup.last_label_run_id, seen.label_runs)


def _newest_settled(session: Session, model: Any, moment: Any, now: dt.datetime,
                    last: int, limit: int) -> int:
    # ORDER BY id DESC LIMIT 1 walks the primary key backwards from the newest row and stops at
    # the first settled one (max() with a WHERE would read every row on SQLite).
    newest = session.scalar(select(model.id).where(moment < now - SETTLE)
                            .order_by(model.id.desc()).limit(1))
    return last if newest is None or newest <= last else min(newest, last + limit)


def _claim(session: Session, now: dt.datetime, limit: int) -> tuple[Watermarks, Watermarks] | None:
    """Move the watermarks from what they were towards the newest settled scan and label run, by
    at most ``limit`` ids each; None when there is nothing new or another worker moved them first
    (the conditional UPDATE waits for that worker's commit, then finds them moved: nothing is
    counted twice)."""
    session.execute(_insert(session, ScanRollup)
                    .values(id=1, last_scan_id=0, last_label_run_id=0, rolled_at=now)
                    .on_conflict_do_nothing(index_elements=["id"]))
    last = rolled_up_to(session)
    upto = Watermarks(
        _newest_settled(session, Scan, Scan.scanned_at, now, last.scans, limit),
        _newest_settled(session, LabelRun, LabelRun.created_at, now, last.label_runs, limit))
    if upto == last:
        return None
    moved = session.execute(update(ScanRollup)
                            .where(ScanRollup.id == 1, ScanRollup.last_scan_id == last.scans,
                                   ScanRollup.last_label_run_id == last.label_runs)
                            .values(last_scan_id=upto.scans, last_label_run_id=upto.label_runs,
                                    rolled_at=now)
                            .execution_options(synchronize_session=False))
    return (last, upto) if moved.rowcount == 1 else None


def _fold_scans(session: Session, last: int, upto: int) -> None:
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


def _fold_label_runs(session: Session, last: int, upto: int) -> None:
    first = (select(LabelRun.batch_id, Batch.product_id, func.min(LabelRun.created_at))
             .join(Batch, Batch.id == LabelRun.batch_id)
             .where(LabelRun.id > last, LabelRun.id <= upto)
             .group_by(LabelRun.batch_id, Batch.product_id))
    statement = _insert(session, LabelledBatch).from_select(
        ["batch_id", "product_id", "first_labelled_at"], first)
    earlier = (func.min if session.get_bind().dialect.name == "sqlite" else func.least)(
        LabelledBatch.first_labelled_at, statement.excluded.first_labelled_at)
    session.execute(statement.on_conflict_do_update(
        index_elements=["batch_id"], set_={"first_labelled_at": earlier}))


def roll_up(session: Session, now: dt.datetime, limit: int = CHUNK) -> int:
    """Fold the next scans and label runs (at most ``limit`` ids of each) recorded since the last
    roll-up into the tallies; returns how many ids the watermarks moved over (0 when nothing was
    new). The caller commits, and calls again while it returns more than 0."""
    claimed = _claim(session, now, limit)
    if claimed is None:
        return 0
    last, upto = claimed
    if upto.scans > last.scans:
        _fold_scans(session, last.scans, upto.scans)
    if upto.label_runs > last.label_runs:
        _fold_label_runs(session, last.label_runs, upto.label_runs)
    return (upto.scans - last.scans) + (upto.label_runs - last.label_runs)
