"""CSV import of 10,000 batches, and another producer's writes meanwhile:
python -m tests.benchmarks.imports [--database-url URL] [--baseline SRC] [--rows N].

Writes a 10,000-row CSV (Vietnamese headers, `;`), imports it through the same service the API,
the page and the CLI use, and prints the seconds and rows per second for a dry run and for the
real import. While the real import runs, a second producer creates products through the API
(`POST /api/v1/products`, its own app in its own process, on the same database) every 50 ms: the
slowest and the median of those writes are printed. Then a second file with one bad row among
10,000 must import nothing and name that row.

``--baseline SRC`` runs the same measure, in a subprocess, against another copy of the code (e.g.
``git archive HEAD | tar -x -C /tmp/base``), so today's figure sits beside it from the same run
on the same (shared) machine. Default database: a SQLite file in a temporary folder; with
``--database-url postgresql://…`` a scratch database beside the one named.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import tracelabel.models  # noqa: F401
from tests.benchmarks import world
from tests.factories import Factory
from tracelabel import codes, create_app
from tracelabel.db import Base, make_engine
from tracelabel.extensions import Database
from tracelabel.models import Batch
from tracelabel.services import imports
from tracelabel.services.audit import verify_chain

ROWS = 10_000
HEADER = "sản phẩm;số lô;ngày sản xuất;hạn sử dụng;số lượng;đơn vị;mã vùng trồng;cơ sở chế biến\n"


def other_producer(url: str, folder: str, headers: dict[str, str], ready: Any, stop: Any,
                   results: Any) -> None:
    """In its own process (its own interpreter, as another web worker): create a product through
    the API every 50 ms until stopped; send back each write's seconds and the failures."""
    os.environ["TRACELABEL_INSTANCE_PATH"] = folder
    app = create_app({"DATABASE_URL": url, "CODE_KEYS": codes.generate_code_key("A"),
                      "RATE_LIMITS_ENABLED": False})
    client, latencies, failures, n = app.test_client(), [], 0, 0
    ready.set()
    while not stop.is_set():
        n += 1
        started = time.perf_counter()
        response = client.post("/api/v1/products", headers=headers,
                               json={"name": f"Chè búp {n}", "ocop_group": "beverage"})
        latencies.append(time.perf_counter() - started)
        failures += response.status_code != 201
        stop.wait(0.05)
    Database.engine_for(app).dispose()
    results.put((latencies, failures))


def measure(url: str, rows_count: int, folder: str) -> dict[str, Any]:
    """Import the files once; return the figures."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    figures: dict[str, Any] = {"rows": rows_count}
    with Session(engine) as session:
        make = Factory(session)
        owner, other = make.producer(), make.producer(make.organization("HTX Miến dong Bình Liêu"))
        make.product(owner, name="Miến dong Bình Liêu")
        make.area(owner, code="VN-QNBL-0003")
        make.facility(owner, name="Xưởng Bản Chuồng")
        rows = [f"Miến dong Bình Liêu;MD-{n:05d};01/11/2026;01/11/2027;12,5;gói;VN-QNBL-0003;"
                "Xưởng Bản Chuồng" for n in range(rows_count)]
        data = (HEADER + "\n".join(rows) + "\n").encode("utf-8-sig")
        started = time.perf_counter()
        report = imports.import_batches(session, owner.actor, data, dry_run=True)
        session.rollback()
        figures["dry_run_s"] = time.perf_counter() - started
        context = multiprocessing.get_context("spawn")
        ready, stop, results = context.Event(), context.Event(), context.Queue()
        writer = context.Process(target=other_producer,
                                 args=(url, folder, other.headers, ready, stop, results))
        writer.start()
        ready.wait(120)
        time.sleep(0.5)  # the other producer's writes run before the import begins, and during it
        started = time.perf_counter()
        report = imports.import_batches(session, owner.actor, data)
        session.commit()
        figures["import_s"] = time.perf_counter() - started
        stop.set()
        latencies, failures = results.get(timeout=120)
        writer.join()
        assert report.ok and report.rows_written == rows_count, report.errors[:3]
        figures["batches"] = session.scalar(select(func.count()).select_from(Batch))
        figures["other_writes"] = len(latencies)
        figures["other_failures"] = failures
        figures["other_max_s"] = max(latencies)
        figures["other_median_s"] = statistics.median(latencies)
        bad = [row.replace("MD-", "MD2-") for row in rows]
        bad[rows_count * 7 // 9] = bad[rows_count * 7 // 9].replace("01/11/2026", "31/02/2026")
        started = time.perf_counter()
        report = imports.import_batches(session, owner.actor,
                                        (HEADER + "\n".join(bad) + "\n").encode("utf-8"))
        session.rollback()  # what every edge does when report.ok is false
        figures["one_bad_s"] = time.perf_counter() - started
        figures["one_bad_lines"] = sorted({e.line for e in report.errors})
        figures["batches_after_bad"] = session.scalar(select(func.count()).select_from(Batch))
        figures["chain_ok"] = verify_chain(session).ok
    engine.dispose()
    return figures


def child(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = world.fresh_database(args.database_url, Path(folder), args.scratch)
        try:
            print(json.dumps(measure(url, args.rows, folder)))
        finally:
            world.drop_database(url)


def run(source: Path, args: argparse.Namespace, scratch: str) -> dict[str, Any]:
    """One measure in a fresh interpreter, on the code under ``source``."""
    command = [sys.executable, "-m", "tests.benchmarks.imports", "--child", "--rows",
               str(args.rows), "--scratch", scratch]
    if args.database_url:
        command += ["--database-url", args.database_url]
    environment = {**os.environ, "PYTHONPATH": str(source)}
    # The current benchmark runs against the baseline's code: copy this file (and world.py, which
    # it uses and an older tree may lack) beside it.
    for benchmark_file in (Path(__file__), Path(world.__file__)):
        target = source / "tests" / "benchmarks" / benchmark_file.name
        if target.resolve() != benchmark_file.resolve():
            target.write_text(benchmark_file.read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run(command, cwd=source, env=environment, check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def line(name: str, figures: dict[str, Any]) -> str:
    return (f"    {name:8s} dry run {figures['dry_run_s']:6.1f} s  import {figures['import_s']:6.1f} s "
            f"({figures['rows'] / figures['import_s']:6,.0f} rows/s)  other producer's writes: "
            f"{figures['other_writes']} done, slowest {figures['other_max_s']:.2f} s, median "
            f"{figures['other_median_s']:.3f} s, {figures['other_failures']} failed  one bad row: "
            f"{figures['one_bad_s']:.1f} s, lines {figures['one_bad_lines']}, "
            f"{figures['batches_after_bad']:,} batches  chain ok: {figures['chain_ok']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--baseline", type=Path, help="a copy of the code to compare with")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", default="tracelabel_bench_imports", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    database_name = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{args.rows:,}-row CSV import on {database_name}, {os.cpu_count()} cores")
    here = Path(__file__).resolve().parents[2]
    current = run(here, args, "tracelabel_bench_imports")
    print(line("now", current))
    if args.baseline:
        before = run(args.baseline.resolve(), args, "tracelabel_bench_imports_base")
        print(line("before", before))
        print(f"    speed-up: import {before['import_s'] / current['import_s']:.1f}x, "
              f"dry run {before['dry_run_s'] / current['dry_run_s']:.1f}x; other producer's "
              f"slowest write {before['other_max_s']:.2f} s -> {current['other_max_s']:.2f} s")


if __name__ == "__main__":
    main()
