"""Unit labels over HTTP against the bare qrcode loop: python -m tests.benchmarks.labels_http
[--labels 10000] [--repeat 3] [--database-url URL] [--baseline REF] [--workers 1].

A real app end to end: a fresh instance in a temporary folder (SQLite there, or with
--database-url a fresh PostgreSQL database "tracelabel_labels_bench" beside the one named), the demo
data, two published batches (one product without a GTIN, whose codes are short /T/ URLs, and one
with a GTIN, whose codes are GS1 Digital Links) with --labels unit serials issued, and an API token
for each owner. `tracelabel serve` (gunicorn, sync workers) listens on 127.0.0.1 only; each request
is GET /api/v1/batches/<id>/labels?format=pdf&units=1-N with the token, timed from the request to
the last byte, --repeat times after one small warm-up request; the report gives medians. Each
answer is checked: a 200, a PDF whose page count is the labels' (24 per A4 sheet), ending with
%%EOF.

Other work on the machine moves wall-clock figures, so beside them the report gives the CPU
time the gunicorn worker spent on the request (its utime + stime from /proc) and labels per CPU
second, and the ratio on CPU time: the bare loop's CPU rate against the server's.

Beside it, measured in the same run and on the same machine: the bare `qrcode` loop (qrcode's own
best-fit version and mask choice, one symbol at a time, as tests/benchmarks/labels.py times it) over
the batch's own unit URLs, sampled evenly across the range and extrapolated. It is measured anew
just before each round of downloads (half the sample each time), so a change in the machine's load
moves both sides of a ratio alike; the ratio is labels/s over HTTP divided by qrcode symbols/s,
the median of the rounds'.

--baseline REF also serves the tree of a git revision (``git archive`` into a temporary folder,
put first on PYTHONPATH) against the same database, and each round fetches from both servers, so
the figure of today's code sits beside the new one, measured in the same run. Traffic goes to
127.0.0.1 only, a bounded number of requests; the servers are stopped by their process ids.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

import qrcode
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.benchmarks import world
from tracelabel import codes, create_app, migrations
from tracelabel.extensions import Database
from tracelabel.links import unit_trace_url
from tracelabel.models import Batch
from tracelabel.services import accounts, batches, demo
from tracelabel.services.actors import SYSTEM

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://trace.example.vn"
QRCODE_SAMPLE = 600
PER_PAGE = 24  # the default template, a4-3x8
DATABASE_NAME = "tracelabel_labels_bench"
# Demo producers: one product without a GTIN (short-code URLs), one with (Digital Links).
CASES = (("short code /T/", "binhlieu"), ("GS1 Digital Link", "quythu"))


@dataclass(frozen=True)
class Case:
    """One batch to fetch labels of, with its owner's token and a sample of its unit URLs."""

    name: str
    batch_id: int
    token: str
    sample: list[str]


@dataclass(frozen=True)
class Fetch:
    """One timed download."""

    seconds: float
    first_byte: float
    size: int
    cpu: float  # the server's workers' CPU seconds during the download


def prepare(url: str, instance: str, labels: int) -> list[Case]:
    """Schema, demo data, `labels` serials issued on each case's batch, and a token per owner."""
    os.environ["TRACELABEL_INSTANCE_PATH"] = instance
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": PUBLIC_URL})
    engine = Database.engine_for(app)
    migrations.upgrade(engine)
    keys = codes.parse_code_keys(app.config["CODE_KEYS"])
    cases = []
    with Session(engine) as session:
        demo.seed(session, instance)
        for name, login in CASES:
            user = accounts.find_user(session, f"{login}@{demo.DEMO_DOMAIN}")
            actor = accounts.actor_for(user)
            batch = session.scalars(select(Batch).where(
                Batch.status == "published", Batch.organization_id == user.organization_id)
                .order_by(Batch.id)).first()
            batches.issue_units(session, actor, batch.id, labels)
            _record, token = accounts.create_token(session, SYSTEM, user, "labels benchmark")
            step = max(1, labels // QRCODE_SAMPLE)
            sample = [unit_trace_url(PUBLIC_URL, batch, serial, keys, printed=True)
                      for serial in range(1, labels + 1, step)][:QRCODE_SAMPLE]
            cases.append(Case(name, batch.id, token, sample))
        session.commit()
    engine.dispose()
    return cases


def bare_qrcode_rate(payloads: Sequence[str]) -> tuple[float, float]:
    """Symbols per wall-clock and per CPU second of the reference: qrcode's best fit and mask
    choice, one symbol at a time."""
    started, cpu = time.perf_counter(), time.process_time()
    for payload in payloads:
        symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        symbol.add_data(payload)
        symbol.make(fit=True)
        symbol.get_matrix()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return len(payloads) / wall, len(payloads) / cpu


def children_cpu(parent: int) -> float:
    """CPU seconds (user + system) used so far by the processes whose parent is `parent`."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # gone since the listing
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == parent:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A port nothing listens on, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`tracelabel serve` from one source tree, on a loopback port, stopped by its process id."""

    def __init__(self, tree: Path, env: dict[str, str], workers: int) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tracelabel.console", "serve", "--port", str(self.port),
             "--workers", str(workers)], cwd=tree,
            env={**env, "PYTHONPATH": str(tree)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                connection.close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise SystemExit(f"the server from {tree} did not start") from None
                time.sleep(0.2)

    def fetch(self, case: Case, labels: int) -> Fetch:
        """Download one label PDF; time to the first and the last byte; check what came."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        path = f"/api/v1/batches/{case.batch_id}/labels?format=pdf&units=1-{labels}"
        cpu = children_cpu(self.process.pid)
        started = time.perf_counter()
        connection.request("GET", path, headers={"Authorization": f"Bearer {case.token}"})
        response = connection.getresponse()
        first = response.read(1)
        first_byte = time.perf_counter() - started
        body = first + response.read()
        seconds = time.perf_counter() - started
        cpu = children_cpu(self.process.pid) - cpu
        connection.close()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}: {body[:300]!r}")
        pages = body.count(b"/Type /Page /Parent")
        if not body.startswith(b"%PDF-") or not body.rstrip().endswith(b"%%EOF") \
                or pages != -(-labels // PER_PAGE):
            raise SystemExit(f"{path}: not a whole PDF of {labels} labels ({pages} pages)")
        return Fetch(seconds, first_byte, len(body), cpu)

    def stop(self) -> None:
        """Stop gunicorn (it stops its workers) and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Row:
    """One server's downloads of one case, each beside the bare loop measured just before it."""

    fetches: list[Fetch] = field(default_factory=list)
    references: list[tuple[float, float]] = field(default_factory=list)  # (wall, CPU) rates

    def report(self, case: str, tree: str, labels: int) -> str:
        """The line of the table: medians over the repeats."""
        seconds = median(f.seconds for f in self.fetches)
        cpu = median(f.cpu for f in self.fetches)
        wall_ratio = median(labels / f.seconds / ref[0]
                            for f, ref in zip(self.fetches, self.references, strict=True))
        cpu_ratio = median(labels / f.cpu / ref[1]
                           for f, ref in zip(self.fetches, self.references, strict=True))
        return (f"    {case:<17s} {tree:<17s} {seconds:7.2f} "
                f"{median(f.first_byte for f in self.fetches):8.2f} {labels / seconds:8,.0f} "
                f"{median(r[0] for r in self.references):8,.0f} {wall_ratio:7.1f}x {cpu:6.2f} "
                f"{labels / cpu:7,.0f} {median(r[1] for r in self.references):6,.0f} "
                f"{cpu_ratio:5.1f}x {self.fetches[0].size / 1e6:5.1f}")


def main(argv: Sequence[str] | None = None) -> None:
    """Prepare the instance, run the servers, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers (1 request at a time)")
    parser.add_argument("--database-url", help="a PostgreSQL database to make ours beside")
    parser.add_argument("--baseline", metavar="REF", help="also serve this git revision's tree")
    args = parser.parse_args(argv)
    if not 1 <= args.labels <= 20_000:
        parser.error("--labels: 1 to 20,000 (larger runs become background jobs)")
    workdir = Path(tempfile.mkdtemp(prefix="tracelabel-labels-http-"))
    instance = workdir / "instance"
    url = world.fresh_database(args.database_url, instance, DATABASE_NAME)
    trees = [("this tree", ROOT)]
    servers: list[Server] = []
    try:
        if args.baseline:
            trees.insert(0, (f"at {args.baseline}",
                             world.baseline_tree(args.baseline, workdir / "baseline")))
        cases = prepare(url, str(instance), args.labels)
        env = {**os.environ, "TRACELABEL_DATABASE_URL": url, "TRACELABEL_INSTANCE_PATH": str(instance),
               "TRACELABEL_RATE_LIMITS_ENABLED": "false", "TRACELABEL_PUBLIC_URL": PUBLIC_URL}
        database = "PostgreSQL" if args.database_url else "SQLite"
        print(f"tracelabel labels over HTTP: {args.labels:,} unit labels, A4 PDF (a4-3x8), "
              f"`tracelabel serve` ({args.workers} sync worker), {database}, medians of "
              f"{args.repeat}; {os.cpu_count()} cores, Python {sys.version.split()[0]}, load "
              f"average {os.getloadavg()[0]:.1f}")
        for _name, tree in trees:
            servers.append(Server(tree, env, args.workers))
        rows = {(case.name, tree): Row() for case in cases for tree, _ in trees}
        for server in servers:
            for case in cases:
                server.fetch(case, PER_PAGE)  # warm-up: imports, caches, the font
        for repeat in range(args.repeat):
            for case in cases:
                sample = case.sample[repeat % 2 :: 2]  # half the sample, alternately
                reference = bare_qrcode_rate(sample)
                for (tree, _), server in zip(trees, servers, strict=True):
                    rows[case.name, tree].fetches.append(server.fetch(case, args.labels))
                    rows[case.name, tree].references.append(reference)
        print(f"    {'code':<17s} {'server':<17s} {'seconds':>7s} {'1st byte':>8s} {'labels/s':>8s} "
              f"{'qrcode/s':>8s} {'x qrcode':>8s} {'CPU s':>6s} {'/CPU s':>7s} {'qrcode':>6s} "
              f"{'x CPU':>6s} {'MB':>5s}")
        for case in cases:
            for tree, _ in trees:
                print(rows[case.name, tree].report(case.name, tree, args.labels), flush=True)
        print(f"    (load average {os.getloadavg()[0]:.1f} at the end; other work on the machine "
              "moves the ratios too, if less than the rates)")
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        world.drop_database(url)


if __name__ == "__main__":
    main()
