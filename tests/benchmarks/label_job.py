"""A label job as the worker runs it, at two sizes: python -m tests.benchmarks.label_job
[--quick] [--sizes 10000,1000000] [--database-url URL] [--baseline REF].

One fresh instance in a temporary folder (SQLite there, or with --database-url a fresh PostgreSQL
database "tracelabel_job_bench" beside the one named), the demo data, and the largest size's unit
serials issued on a published batch. Each size then runs in a fresh interpreter: it builds the
app, records a "labels" job for the batch's A4 PDF of serials 1-N as the API would, and runs it
through `worker.run_job` (claim, render to a partial file, rename, record the label run with the
job's completion), the worker's own code path without the queue around it. The child prints the
seconds, the labels/s, the file's size and memory: the process's peak RSS (ru_maxrss, its own
since the process is new), and, since building the app already peaks above what a run needs, the
RSS when the job starts and the highest RSS sampled (every 20 ms, from /proc) while it runs. The
parent checks that the job finished with N labels and a PDF of N/24 pages.

The RSS during the job is what a label run costs the worker: at 1,000,000 labels it should be
about what it is at 10,000.
--quick runs 10,000 and 100,000. --baseline REF also runs the tree of a git revision (``git
archive`` into a temporary folder, first on PYTHONPATH) on the same database, so today's figures
sit beside the new ones, measured in the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://trace.example.vn"
PER_PAGE = 24
DATABASE_NAME = "tracelabel_job_bench"
LOGIN = "binhlieu"  # a demo producer whose product has no GTIN: short /T/ codes
SIZES = (10_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)


def prepare(url: str, instance: str, units: int) -> int:
    """Schema, demo data and `units` serials issued on the producer's first published batch."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from tracelabel import create_app, migrations
    from tracelabel.extensions import Database
    from tracelabel.models import Batch
    from tracelabel.services import accounts, batches, demo

    os.environ["TRACELABEL_INSTANCE_PATH"] = instance
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": PUBLIC_URL})
    engine = Database.engine_for(app)
    migrations.upgrade(engine)
    with Session(engine) as session:
        demo.seed(session, instance)
        user = accounts.find_user(session, f"{LOGIN}@{demo.DEMO_DOMAIN}")
        batch = session.scalars(select(Batch).where(
            Batch.status == "published", Batch.organization_id == user.organization_id)
            .order_by(Batch.id)).first()
        batches.issue_units(session, accounts.actor_for(user), batch.id, units)
        batch_id = batch.id
        session.commit()
    engine.dispose()
    return batch_id


def child_run(url: str, batch_id: int, count: int) -> dict[str, float]:
    """Record and run one label job in this (fresh) process; its figures as a dict."""
    from tracelabel import create_app, worker
    from tracelabel.extensions import Database
    from tracelabel.models import Batch, Job
    from tracelabel.services import accounts, jobs
    from tracelabel.services.labels import LabelRequest

    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": PUBLIC_URL})
    factory = Database.session_factory_for(app)
    with app.app_context(), factory() as session:
        batch = session.get(Batch, batch_id)
        user = accounts.find_user(session, f"{LOGIN}@demo.tracelabel.vn")
        request = LabelRequest(fmt="pdf", units=f"1-{count}")
        job = jobs.create_job(session, accounts.actor_for(user), "labels", {
            "batch_id": batch.id, "request": dataclasses.asdict(request), "total": count,
            "public_url": PUBLIC_URL, "filename": f"nhan-{batch.code}-1-{count}.pdf"})
        session.commit()
        job_id = job.id
    start_kb = rss_kb()
    sampler = RssSampler()
    sampler.start()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        worker.run_job(app, job_id)
    finally:
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        sampler.stop.set()
        sampler.join()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with app.app_context(), factory() as session:
        job = session.get(Job, job_id)
        path = jobs.result_file(job)
        outcome = {"state": job.state, "labels": (job.result or {}).get("labels"),
                   "error": job.error}
        size, pages = _pdf_size_and_pages(path) if path else (0, 0)
        if path:
            path.unlink()
    return {"seconds": seconds, "cpu": cpu, "peak_kb": peak_kb, "start_kb": start_kb,
            "job_peak_kb": max(sampler.peak_kb, rss_kb()),
            "bytes": size, "pages": pages, **outcome}


def rss_kb() -> int:
    """This process's resident set now, in kB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


class RssSampler(threading.Thread):
    """The highest RSS seen every 20 ms until told to stop."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop, self.peak_kb = threading.Event(), 0

    def run(self) -> None:
        while not self.stop.wait(0.02):
            self.peak_kb = max(self.peak_kb, rss_kb())


def _pdf_size_and_pages(path: Path) -> tuple[int, int]:
    """The file's size and its page objects, read in blocks (the page dictionaries are plain)."""
    marker, pages, size, tail = b"/Type /Page /Parent", 0, 0, b""
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            size += len(block)
            window = tail + block
            pages += window.count(marker)
            tail = window[-(len(marker) - 1) :]
    return size, pages


def run_child(tree: Path, env: dict[str, str], url: str, batch_id: int, count: int) -> dict:
    """One size in a fresh interpreter importing tracelabel from `tree`."""
    command = [sys.executable, os.path.abspath(__file__), "--child", url, str(batch_id), str(count)]
    result = subprocess.run(command, cwd=tree, env={**env, "PYTHONPATH": str(tree)},
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"the {count:,}-label run failed:\n{result.stderr[-3000:]}")
    run = json.loads(result.stdout.strip().splitlines()[-1])
    if run["state"] != "done" or run["labels"] != count or run["pages"] != -(-count // PER_PAGE):
        raise SystemExit(f"the {count:,}-label job did not finish whole: {run}")
    return run


def main(argv: Sequence[str] | None = None) -> None:
    """Prepare the instance, run each size in its own process, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 and 100,000 labels")
    parser.add_argument("--sizes", help="comma-separated label counts, e.g. 10000,1000000")
    parser.add_argument("--database-url", help="a PostgreSQL database to make ours beside")
    parser.add_argument("--baseline", metavar="REF", help="also run this git revision's tree")
    parser.add_argument("--child", nargs=3, metavar=("URL", "BATCH", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        url, batch_id, count = args.child
        print(json.dumps(child_run(url, int(batch_id), int(count))))
        return
    sizes = [int(size) for size in args.sizes.split(",")] if args.sizes \
        else QUICK_SIZES if args.quick else SIZES
    # Imported here, not at the top: a child runs this file too, and measures its own memory.
    from tests.benchmarks import world

    workdir = Path(tempfile.mkdtemp(prefix="tracelabel-label-job-"))
    instance = workdir / "instance"
    url = None
    try:
        url = world.fresh_database(args.database_url, instance, DATABASE_NAME)
        trees = [("this tree", ROOT)]
        if args.baseline:
            trees.insert(0, (f"at {args.baseline}", world.baseline_tree(args.baseline, workdir / "baseline")))
        batch_id = prepare(url, str(instance), max(sizes))
        env = {**os.environ, "TRACELABEL_DATABASE_URL": url, "TRACELABEL_INSTANCE_PATH": str(instance)}
        database = "PostgreSQL" if args.database_url else "SQLite"
        print(f"tracelabel label job (worker.run_job, A4 PDF a4-3x8, short codes), {database}; "
              f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, load average "
              f"{os.getloadavg()[0]:.1f}")
        print(f"    {'tree':<14s} {'labels':>9s} {'seconds':>8s} {'labels/s':>9s} {'CPU s':>7s} "
              f"{'/CPU s':>7s} {'MB out':>7s} {'RSS MB: at start':>16s} {'job peak':>8s} "
              f"{'growth':>6s} {'ru_maxrss':>9s}")
        for tree_name, tree in trees:
            for count in sizes:
                run = run_child(tree, env, url, batch_id, count)
                print(f"    {tree_name:<14s} {count:9,d} {run['seconds']:8.1f} "
                      f"{count / run['seconds']:9,.0f} {run['cpu']:7.1f} {count / run['cpu']:7,.0f} "
                      f"{run['bytes'] / 1e6:7.1f} {run['start_kb'] / 1024:16.1f} "
                      f"{run['job_peak_kb'] / 1024:8.1f} "
                      f"{(run['job_peak_kb'] - run['start_kb']) / 1024:6.1f} "
                      f"{run['peak_kb'] / 1024:9.1f}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if url:
            world.drop_database(url)


if __name__ == "__main__":
    main()
