"""Inspector search at scale: python tests/benchmarks/inspector.py [--database-url URL] [--quick].

Builds two databases through the real schema, one with 1,000 and one with 1,000,000 batches (rows
written in bulk, not through the services), then times, on each, the searches an inspector runs
during a market check — by lot, by raw-material area code, by a production-date range — and a
one-step-forward query (batches made from an input lot), through the same service the API uses.
Prints median milliseconds per query and the 1M/1k ratio (the target: under 2x). It then measures
the peak memory of exporting 10,000 and 100,000 EPCIS events in fresh subprocesses (flat memory).
Without --database-url the databases are SQLite files in a temporary folder; with a PostgreSQL URL,
databases named tracelabel_bench_* are created beside the one given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import tracelabel.models  # noqa: F401
from tracelabel import codes
from tracelabel.db import Base, make_engine, utcnow
from tracelabel.models import (
    Batch,
    BatchInput,
    Organization,
    Product,
    RawMaterialArea,
    TraceEvent,
    batch_areas,
)
from tracelabel.services.actors import Actor
from tracelabel.services.search import BatchFilters, batches_made_from, search_batches

INSPECTOR = Actor(user_id=None, role="inspector", organization_id=None, label="benchmark")
CHUNK = 20_000
REPEATS = 15
# One page of results, full on both sizes (an area holds ~33 batches at 1,000, a 60-day window ~43),
# so the figures compare the cost of the same page as the data grows, not of a fuller page.
PAGE = 20
START = dt.date(2023, 1, 1)


def database_url(base: str | None, folder: Path, name: str) -> str:
    """A fresh, empty database for one size."""
    if not base:
        return f"sqlite:///{folder / name}.db"
    admin = make_engine(base)
    target = f"tracelabel_bench_{name}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target}"'))
        connection.execute(text(f'CREATE DATABASE "{target}"'))
    admin.dispose()
    return make_url(base).set(database=target).render_as_string(hide_password=False)


def fill(url: str, batches: int, events_for: int = 0) -> None:
    """Write organizations, products, areas and ``batches`` batches with their area links."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    rng = random.Random(7)
    organizations = max(10, batches // 1000)
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(insert(Organization), [
            {"id": i, "name": f"HTX số {i}", "kind": "cooperative", "province": f"Tỉnh {i % 34}",
             "address": "Việt Nam", "created_at": now} for i in range(1, organizations + 1)])
        connection.execute(insert(Product), [
            {"id": i, "organization_id": (i - 1) // 5 + 1, "name": f"Sản phẩm {i}",
             "ocop_group": "food", "standards": ["TCVN 1"], "created_at": now, "updated_at": now}
            for i in range(1, organizations * 5 + 1)])
        connection.execute(insert(RawMaterialArea), [
            {"id": i, "organization_id": (i - 1) // 3 + 1, "name": f"Vùng {i}",
             "code": f"VN-B{i:06d}", "code_status": "active", "material": "lúa",
             "province": "Tỉnh", "created_at": now} for i in range(1, organizations * 3 + 1)])
    for start in range(1, batches + 1, CHUNK):
        rows, links, inputs = [], [], []
        for n in range(start, min(start + CHUNK, batches + 1)):
            organization = rng.randrange(1, organizations + 1)
            product = (organization - 1) * 5 + rng.randrange(1, 6)
            produced = START + dt.timedelta(days=rng.randrange(0, 1400))
            rows.append({"id": n, "code": codes.new_batch_code(), "organization_id": organization,
                         "product_id": product, "lot": f"L{n:08d}", "production_date": produced,
                         "status": "published", "published_at": now, "units_issued": 0,
                         "version": 1, "created_at": now, "updated_at": now})
            links.append({"batch_id": n, "area_id": (organization - 1) * 3 + rng.randrange(1, 4)})
            if n > 10 and rng.random() < 0.1:
                inputs.append({"batch_id": n, "input_batch_id": rng.randrange(1, n), "lot": "IN"})
        with engine.begin() as connection:
            connection.execute(insert(Batch), rows)
            connection.execute(insert(batch_areas), links)
            if inputs:
                connection.execute(insert(BatchInput), inputs)
    if events_for:
        add_events(engine, events_for)
    # The state autovacuum keeps a live database in: statistics, and the visibility map that lets
    # index-only scans skip the table.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()


def add_events(engine, batch_count: int, per_batch: int = 4) -> None:
    """Four chain events for each of the first ``batch_count`` batches (for the export)."""
    now = utcnow()
    steps = ("harvesting", "processing", "packing", "shipping")
    for start in range(1, batch_count + 1, CHUNK // per_batch):
        rows = [{"batch_id": b, "step": steps[k], "occurred_at": now, "occurred_offset_minutes": 420,
                 "place": "Kho xã", "recorded_at": now}
                for b in range(start, min(start + CHUNK // per_batch, batch_count + 1))
                for k in range(per_batch)]
        with engine.begin() as connection:
            connection.execute(insert(TraceEvent), rows)


def time_queries(url: str, batches: int) -> dict[str, float]:
    """Median milliseconds of each inspector query on a database of ``batches`` batches."""
    engine = make_engine(url)
    rng = random.Random(11)
    organizations = max(10, batches // 1000)
    queries = {
        "by lot": lambda s: search_batches(s, INSPECTOR, BatchFilters(
            lot=f"L{rng.randrange(1, batches + 1):08d}"), per_page=PAGE),
        "by area code": lambda s: search_batches(s, INSPECTOR, BatchFilters(
            area_code=f"VN-B{rng.randrange(1, organizations * 3 + 1):06d}"), per_page=PAGE),
        "by date range": lambda s: search_batches(s, INSPECTOR, BatchFilters(
            produced_from=START + dt.timedelta(days=(d := rng.randrange(0, 1330))),
            produced_to=START + dt.timedelta(days=d + 60)), sort="-production_date",
            per_page=PAGE),
        "one step forward": lambda s: batches_made_from(s, INSPECTOR, rng.randrange(1, batches + 1)),
    }
    medians = {}
    with Session(engine) as session:
        for name, query in queries.items():
            query(session)  # warm the cache and the plan
            samples = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                query(session)
                samples.append((time.perf_counter() - started) * 1000)
                session.expunge_all()
            medians[name] = statistics.median(samples)
    engine.dispose()
    return medians


def export_peak_mb(url: str) -> tuple[float, float]:
    """(seconds, peak RSS MB) of exporting every batch's events in a fresh subprocess."""
    code = (
        "import sys, time, resource; from sqlalchemy.orm import Session;"
        "from tracelabel.db import make_engine; from tracelabel.services import exports;"
        "from tracelabel.services.search import BatchFilters;"
        "from tracelabel.services.actors import Actor;"
        "a = Actor(None, 'inspector', None, 'bench'); e = make_engine(sys.argv[1]);"
        "s = Session(e); t = time.perf_counter();"
        "gen = exports.matching_batches(s, a, BatchFilters());"
        "n = exports.write_epcis(gen, 'https://trace.example.vn', open('/dev/null', 'wb'));"
        "print(n, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    output = subprocess.run([sys.executable, "-c", code, url], check=True,
                            capture_output=True, text=True).stdout.split()
    return float(output[1]), float(output[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: SQLite files)")
    parser.add_argument("--quick", action="store_true", help="100,000 instead of 1,000,000")
    args = parser.parse_args()
    large = 100_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        for size in (1_000, large):
            url = database_url(args.database_url, Path(folder), f"b{size}")
            started = time.perf_counter()
            fill(url, size)
            print(f"filled {size:,} batches in {time.perf_counter() - started:.0f} s", flush=True)
            results[size] = time_queries(url, size)
        exported = []
        for batch_count in (2_500, 25_000):
            url = database_url(args.database_url, Path(folder), f"e{batch_count}")
            fill(url, batch_count, events_for=batch_count)
            exported.append(export_peak_mb(url))
        small_export, big_export = exported
        engine = "PostgreSQL" if args.database_url else "SQLite"
        print(f"\ninspector queries on {engine}, median of {REPEATS} (ms)")
        print(f"{'query':<18}{'1,000':>10}{large:>12,}{'ratio':>8}")
        for name in results[1_000]:
            small, big = results[1_000][name], results[large][name]
            print(f"{name:<18}{small:>10.2f}{big:>12.2f}{big / small:>8.2f}x")
        print("\nEPCIS export (4 events per batch), fresh process each")
        print(f"   10,000 events: {small_export[0]:6.1f} s, peak RSS {small_export[1]:6.1f} MB")
        print(f"  100,000 events: {big_export[0]:6.1f} s, peak RSS {big_export[1]:6.1f} MB")
        print(json.dumps({"queries": results, "export": [small_export, big_export]}), file=sys.stderr)


if __name__ == "__main__":
    main()
