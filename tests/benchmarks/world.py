"""What the programme, directory and label benchmarks share: a fresh database of their own (and
dropping it afterwards); for the first two, batches, label runs and scans written in SQL, in bulk —
millions of rows from ``generate_series`` on PostgreSQL and a recursive CTE on SQLite, never a
Python row each.

Rows that would be random are spread by multiplicative hashing of their number, so every run
writes the same world on both databases.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

import tracelabel.models  # noqa: F401  (every table on the metadata)
from tracelabel.db import Base, make_engine

# Indexes built once after the bulk load rather than row by row during it.
SCAN_INDEXES = ("ix_scans_batch_scanned", "ix_scans_code_client")
BATCH_CHUNK = 250_000
SCAN_CHUNK = 1_000_000


ROOT = Path(__file__).resolve().parents[2]


def baseline_tree(ref: str, into: Path) -> Path:
    """The files of a git revision, unpacked into a folder (no worktree, no change to .git), for a
    benchmark to measure beside today's code."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def fresh_database(base: str | None, folder: Path, name: str) -> str:
    """An empty database: a SQLite file in ``folder``, or ``name`` beside a PostgreSQL ``base``."""
    if not base:
        return f"sqlite:///{folder / name}.db"
    admin = make_engine(base)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a PostgreSQL benchmark database (a SQLite file goes with its temporary folder)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def create_schema(engine: Engine) -> None:
    """Every table, and every index of the models on tables that already exist (--reuse)."""
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            for index in table.indexes:
                index.create(connection, checkfirst=True)


def analyze(engine: Engine) -> None:
    """Fresh planner statistics after the bulk load."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                                else "ANALYZE"))


def numbers(engine: Engine, first: int, last: int) -> str:
    """A FROM clause giving ``n`` from first to last."""
    if engine.dialect.name == "postgresql":
        return f"generate_series({first}::bigint, {last}::bigint) AS g(n)"
    return (f"(WITH RECURSIVE g(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM g "
            f"WHERE n < {last}) SELECT n FROM g) AS g")


def moment(engine: Engine, seconds_ago: str) -> str:
    """SQL for the time ``seconds_ago`` (an SQL expression) before now, as the column stores it."""
    if engine.dialect.name == "postgresql":
        return f"(now() - ({seconds_ago}) * interval '1 second')"
    return f"(strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || ({seconds_ago}) || ' seconds') || '.000000')"


def day(engine: Engine, moment_sql: str, plus_days: int = 0) -> str:
    """SQL for the date of a moment, plus some days."""
    if engine.dialect.name == "postgresql":
        return f"(CAST({moment_sql} AS date) + {plus_days})"
    return f"date({moment_sql}, '+{plus_days} days')"


def _in_chunks(engine: Engine, total: int, size: int, statements: list[str]) -> None:
    for first in range(1, total + 1, size):
        last = min(first + size - 1, total)
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # Bulk load: no per-row foreign key triggers (every row written here is valid).
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in statements:
                connection.execute(text(statement.format(series=numbers(engine, first, last))))


def write_batches(engine: Engine, count: int, *, product: str, organization: str, status: str,
                  days_ago: str, label_runs: str = "n % 2 = 1", area: str | None = None) -> None:
    """``count`` batches numbered n = 1..count; the keyword arguments are SQL expressions of n:
    its product, organization, status and age in days; which batches had a label run; and the
    area its harvest came from (a trace event and an origin link), if any."""
    published = moment(engine, f"({days_ago}) * 86400")
    statements = [
        "INSERT INTO batches (id, code, organization_id, product_id, lot, production_date, "
        "expiry_date, status, published_at, status_changed_at, units_issued, version, created_at, "
        f"updated_at) SELECT n, 'BN' || n, {organization}, {product}, 'L' || n, "
        f"{day(engine, published)}, {day(engine, published, 365)}, {status}, "
        f"CASE WHEN {status} = 'draft' THEN NULL ELSE {published} END, {published}, 0, 1, "
        f"{published}, {published} FROM {{series}}",
        "INSERT INTO label_runs (batch_id, created_at, output_format, symbology, template, "
        f"label_count) SELECT n, {published}, 'pdf', 'qr', 'a4-3x8', 24 FROM {{series}} "
        f"WHERE {label_runs}",
    ]
    if area is not None:
        statements += [
            f"INSERT INTO batch_areas (batch_id, area_id) SELECT n, {area} FROM {{series}}",
            "INSERT INTO trace_events (batch_id, step, occurred_at, occurred_offset_minutes, "
            f"area_id, recorded_at, received_at) SELECT n, 'harvesting', {published}, 420, {area}, "
            f"{published}, {published} FROM {{series}}",
        ]
    _in_chunks(engine, count, BATCH_CHUNK, statements)


def write_scans(engine: Engine, count: int, batches: int, days: int = 730) -> None:
    """``count`` scans of random batches over the last ``days`` days, ids following time (as in
    production), the scan indexes built afterwards."""
    with engine.begin() as connection:
        for name in SCAN_INDEXES:
            connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
    span = days * 86400
    scanned = moment(engine, f"{span} - n * {span}.0 / {max(count, 1)}")
    _in_chunks(engine, count, SCAN_CHUNK, [
        f"INSERT INTO scans (batch_id, serial, scanned_at, client_hash) SELECT "
        f"(n * 2654435761) % {batches} + 1, 0, {scanned}, 'c' || (n % 997) FROM {{series}}"])
    scans = Base.metadata.tables["scans"]
    with engine.begin() as connection:
        for index in scans.indexes:
            index.create(connection, checkfirst=True)
