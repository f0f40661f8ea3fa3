"""Trace page throughput under `tracelabel serve` against a bare Flask route, on SQLite and PostgreSQL.

    python tests/benchmarks/trace_page.py [--db sqlite|postgresql|both] [--sizes 1000,1000000]
                                          [--codes 1000] [--duration 10] [--connections 16]
                                          [--digital-link] [--baseline SRC]

Needs `wrk` (Debian: `apt-get install -y wrk`) and, for PostgreSQL, a server at
TRACELABEL_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres; the benchmark
creates and drops its own database "tracelabel_bench"). Run it from the repository root.

For each database and size: a fresh database upgraded by the migrations; one complete batch made
through the services (areas, facility, certificates, events, 1,000 unit serials) plus filler batches
up to the size; then gunicorn (the `serve` command: sync workers, 2 by default) on loopback, serving
the app plus one bare route returning a 3 KB string. wrk drives both routes in the same run, each for
--duration seconds at --connections connections, after a short warm-up. The trace requests go
round-robin over --codes different unit codes of the batch (the way a market's phones scan many
packages; each wrk thread starts at its own place in the list); ``--codes 1`` is one hot code.
``--digital-link`` scans them as GS1 Digital Links (the product then has a GTIN) instead of short
codes. The
trace page is a unit code's page, so every request records a scan: the script counts the scan rows
added and the trace requests the server logged, and checks they are equal. The load average at each
measurement is printed: other work on the machine moves the absolute figures, the ratio against the
bare route measured in the same run much less. Every run is bounded by its duration; wrk and the
server are stopped by their process ids.

``--baseline SRC`` measures another copy of the code too (e.g. ``git archive HEAD | tar -x -C
/tmp/base``), right after each measurement of this one, in a subprocess serving from SRC: the
figure of the code before a change sits beside today's, from the same run on the same machine.

Beside requests per second, the report gives the CPU time the server spends per request (gunicorn's
processes and, on PostgreSQL, the benchmark database's backends) and the ratio of the bare route's
to the page's: when other work shares the CPUs, that ratio still says what the page costs.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from tracelabel import codes, create_app, migrations
from tracelabel.cli import FACTORY_KEY
from tracelabel.db import make_engine, make_session_factory
from tracelabel.models import Certificate, Facility, Organization, Product, RawMaterialArea, Scan
from tracelabel.services import batches, catalog, events
from tracelabel.services.accounts import actor_for, create_organization, create_user
from tracelabel.services.actors import SYSTEM

ROOT = Path(__file__).resolve().parents[2]
BARE_BODY = "x" * 3072
BARE_PATH = "/bench/bare"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGETS = {"sqlite": 0.30, "postgresql": 0.30}
P99_LIMIT_MS = 25.0
SIZE_DRIFT = 0.15
VN = dt.timezone(dt.timedelta(hours=7))
CODE_KEY = "A:" + "b" * 43
GS1_PREFIX, GTIN, LOT = "8931234", "8931234500016", "MD-BENCH-01"


def benchmark_app() -> Flask:
    """The production app plus the bare comparison route (``flask --app …:benchmark_app serve``)."""
    app = create_app()
    app.add_url_rule(BARE_PATH, "bench_bare", lambda: BARE_BODY)
    app.extensions[FACTORY_KEY] = benchmark_app  # each gunicorn worker builds its own, route included
    return app


@dataclass
class WrkResult:
    """What wrk measured for one route."""

    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: str


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


# Each wrk thread walks the list from its own starting place, one path per request, round-robin.
ROUND_ROBIN_LUA = """
local paths = {%s}
local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end
function init(args)
  position = (first * 7919) %% #paths
end
function request()
  position = position %% #paths + 1
  return wrk.format("GET", paths[position])
end
"""


def round_robin_script(paths: list[str], workdir: Path, name: str) -> Path:
    """A wrk script sending GET requests to the paths in turn."""
    script = workdir / f"{name}.lua"
    script.write_text(ROUND_ROBIN_LUA % ", ".join(f'"{p}"' for p in paths))
    return script


def run_wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> WrkResult:
    """Drive one URL (or the script's paths on its host) with wrk for a bounded time; its report."""
    extra = ["-s", str(script)] if script else []
    output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                             "--timeout", "5s", *extra, url], capture_output=True, text=True,
                            timeout=seconds + 30, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M))
    if len(latency) != 2:
        raise RuntimeError(f"wrk's report has no latency distribution:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = "; ".join(re.findall(r"^\s*(Non-2xx.*|Socket errors.*)$", output, re.M))
    return WrkResult(requests, float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
                     _ms(latency["50"]), _ms(latency["99"]), errors)


def _seed_trace(session, units: int, digital_link: bool) -> tuple[int, str]:
    """One complete, typical published batch, made through the services (its product with a GTIN
    for ``digital_link``); its batch code."""
    organization = create_organization(session, SYSTEM, name="HTX Miến dong Bình Liêu",
                                       province="Quảng Ninh", commune="Bình Liêu",
                                       address="Thôn Sông Moóc, xã Bình Liêu", phone="0203 3878 111",
                                       gs1_prefixes=[GS1_PREFIX] if digital_link else None)
    owner = actor_for(create_user(session, SYSTEM, email="bench@example.vn", password="bench-Pass-2026",
                                  role="producer", organization_id=organization.id))
    product = catalog.create_record(session, owner, Product, {
        "name": "Miến dong Bình Liêu", "ocop_group": "food", "brand": "Bình Liêu", "unit": "Gói 500 g",
        "standards": ["TCVN 10372:2014"], "warnings": "Không dùng khi bao bì rách.",
        "storage_instructions": "Nơi khô ráo, thoáng mát.", "shelf_life_days": 365,
        **({"gtin": GTIN} if digital_link else {})})
    area = catalog.create_record(session, owner, RawMaterialArea, {
        "name": "Vùng dong riềng Húc Động", "material": "Củ dong riềng", "province": "Quảng Ninh",
        "code": "VN-QNBL-0031", "commune": "Bình Liêu", "standard": "VietGAP"})
    facility = catalog.create_record(session, owner, Facility, {
        "name": "Xưởng miến Bình Liêu", "address": "Thị trấn Bình Liêu", "food_safety_cert_no": "45/ATTP"})
    today = dt.date.today()
    certificates = [catalog.create_record(session, owner, Certificate, {
        "scheme": scheme, "number": f"{scheme}-2025-{n}", "issuer": "UBND tỉnh Quảng Ninh",
        "valid_from": today - dt.timedelta(days=200), "valid_until": today + dt.timedelta(days=800),
        "subject_type": "product", "subject_id": product.id, "stars": 4 if scheme == "ocop" else None})
        for n, scheme in enumerate(("ocop", "vietgap", "haccp"))]
    batch = batches.create_batch(session, owner, {
        "product_id": product.id, "lot": LOT, "production_date": today - dt.timedelta(days=5),
        "expiry_date": today + dt.timedelta(days=360), "quantity": 1200, "unit": "gói",
        "area_ids": [area.id], "facility_ids": [facility.id],
        "certificate_ids": [c.id for c in certificates]})
    for days, step, where in ((40, "harvesting", {"area_id": area.id}),
                              (30, "processing", {"facility_id": facility.id}),
                              (6, "packing", {"facility_id": facility.id}),
                              (5, "storing", {"place": "Kho thị trấn Bình Liêu"})):
        events.append_event(session, owner, batch.id, {
            "step": step, "occurred_at": dt.datetime.now(VN) - dt.timedelta(days=days), **where})
    batches.publish_batch(session, owner, batch.id)
    batches.issue_units(session, owner, batch.id, units)
    session.commit()
    return batch.id, batch.code


def unit_paths(batch_code: str, count: int, run: str, digital_link: bool) -> list[str]:
    """The printed trace URLs' paths of ``count`` different units (serial 417 first), tagged by run:
    short codes, or GS1 Digital Links (/01/{gtin}/10/{lot}/21/{serial}) for ``digital_link``."""
    keys = codes.parse_code_keys(CODE_KEY)
    units = (codes.make_unit_code(batch_code, 417 + n, keys) for n in range(count))
    if digital_link:
        return [f"/01/0{GTIN}/10/{LOT}/21/{unit.split('.', 1)[1]}?run={run}" for unit in units]
    return [f"/T/{unit}?run={run}" for unit in units]


FILLER_SQL = """
INSERT INTO batches (code, organization_id, product_id, lot, production_date, expiry_date,
                     status, published_at, status_changed_at, units_issued, version, created_at,
                     updated_at)
SELECT {code}, :organization_id, :product_id, {lot}, :day, :expiry, 'published', :now, :now, 0, 1,
       :now, :now
FROM {series}
"""


def add_filler(session, organization_id: int, product_id: int, count: int) -> None:
    """Bulk batches (codes spread over the key space by a bijective hash) up to the size."""
    if count <= 0:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    series = "generate_series(1, :n) AS s(i)" if postgres else \
        "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) SELECT i FROM s)"
    code = "'F' || lpad(((i::bigint * 2654435761) % 100000000000)::text, 11, '0')" if postgres else \
        "printf('F%011d', (i * 2654435761) % 100000000000)"
    lot = "'FILL-' || i::text" if postgres else "'FILL-' || i"
    now = dt.datetime.now(dt.UTC)
    session.execute(text(FILLER_SQL.format(code=code, lot=lot, series=series)), {
        "organization_id": organization_id, "product_id": product_id, "n": count,
        "day": dt.date(2026, 1, 1), "expiry": dt.date(2027, 1, 1),
        "now": now if postgres else now.replace(tzinfo=None).isoformat(sep=" ")})
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()


def prepare(url: str, size: int, units: int, digital_link: bool) -> tuple[int, str]:
    """A fresh schema with one typical batch and size-1 filler batches."""
    engine = make_engine(url)
    migrations.upgrade(engine)
    with make_session_factory(engine)() as session:
        batch_id, batch_code = _seed_trace(session, units, digital_link)
        organization_id = session.scalar(select(Organization.id))
        filler = catalog.create_record(session, SYSTEM, Product, {"name": "Filler", "ocop_group": "food"},
                                       organization_id=organization_id)
        session.commit()
        add_filler(session, organization_id, filler.id, size - 1)
    engine.dispose()
    return batch_id, batch_code


def scan_count(url: str, batch_id: int) -> int:
    """Scan rows of the benchmark batch."""
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(Scan).where(Scan.batch_id == batch_id))
    engine.dispose()
    return count


def settled_scan_count(url: str, batch_id: int, quiet: float = 3.0, limit: float = 60.0) -> int:
    """Scan rows once the requests wrk left queued are answered: the count holds still for ``quiet``
    seconds (on a busy machine a worker's first pages take over a second, and a warm-up's queued
    requests are answered well after wrk stops)."""
    deadline, count, still_since = time.monotonic() + limit, scan_count(url, batch_id), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - still_since < quiet:
        time.sleep(0.5)
        latest = scan_count(url, batch_id)
        if latest != count:
            count, still_since = latest, time.monotonic()
    return count


def _admin(statements: tuple[str, ...]) -> str:
    """Run statements on the PostgreSQL server's admin database; its URL."""
    admin_url = os.environ.get("TRACELABEL_BENCH_DATABASE_URL", PG_DEFAULT)
    admin = make_engine(admin_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for statement in statements:
            connection.execute(text(statement))
    admin.dispose()
    return admin_url


def fresh_database(kind: str, workdir: Path) -> str:
    """An empty database of the kind asked for; its URL."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    admin_url = _admin(("DROP DATABASE IF EXISTS tracelabel_bench WITH (FORCE)",
                        "CREATE DATABASE tracelabel_bench"))
    return make_url(admin_url).set(database="tracelabel_bench").render_as_string(hide_password=False)


def drop_database(kind: str) -> None:
    """Drop the benchmark's PostgreSQL database (SQLite's file goes with the work directory)."""
    if kind == "postgresql":
        _admin(("DROP DATABASE IF EXISTS tracelabel_bench WITH (FORCE)",))


def start_server(url: str, workdir: Path, port: int, workers: int) -> tuple[subprocess.Popen, Path]:
    """gunicorn through the serve command; waits until it answers. Returns it and its log file."""
    env = {**os.environ, "TRACELABEL_INSTANCE_PATH": str(workdir / "instance"),
           "TRACELABEL_DATABASE_URL": url, "TRACELABEL_CODE_KEYS": CODE_KEY,
           "TRACELABEL_SECRET_KEY": "bench-secret", "TRACELABEL_PUBLIC_URL": f"http://127.0.0.1:{port}",
           # one load generator on one address: per-client rate limits would answer 429
           "TRACELABEL_RATE_LIMITS_ENABLED": "false"}
    log = workdir / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tests.benchmarks.trace_page:benchmark_app", "serve",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90  # a busy machine takes a while to import the app
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return server, log
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"the server did not start; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn by its pid (graceful, then forced)."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def serving_processes(server: subprocess.Popen, url: str) -> set[int]:
    """The gunicorn arbiter and workers, and on PostgreSQL the benchmark database's backends."""
    pids = {server.pid}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == server.pid:
                pids.add(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.connect() as connection:
            pids |= set(connection.scalars(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")))
        engine.dispose()
    return pids


class CpuMeter:
    """CPU time the serving processes spend during one run: on a machine shared with other work,
    CPU per request is a steadier figure than requests per second."""

    def __init__(self, server: subprocess.Popen, url: str) -> None:
        self.server, self.url = server, url
        self.start = {pid: _cpu_seconds(pid) for pid in serving_processes(server, url)}

    def seconds(self) -> float:
        """CPU seconds spent since the meter started (processes started meanwhile included)."""
        pids = serving_processes(self.server, self.url) | set(self.start)
        return sum(_cpu_seconds(pid) - self.start.get(pid, 0.0) for pid in pids)


def measure(kind: str, size: int, args: argparse.Namespace) -> dict:
    """One database and size: prepare, serve, drive both routes, check the scans."""
    workdir = Path(tempfile.mkdtemp(prefix=f"tracelabel-bench-{kind}-"))
    try:
        url = fresh_database(kind, workdir)
        started = time.monotonic()
        batch_id, batch_code = prepare(url, size, max(1000, 417 + args.codes), args.digital_link)
        prepared = time.monotonic() - started
        warm_up = round_robin_script(unit_paths(batch_code, args.codes, "warm-up", args.digital_link),
                                     workdir, "warm-up")
        measured = round_robin_script(unit_paths(batch_code, args.codes, "measured",
                                                 args.digital_link), workdir, "measured")
        server, log = start_server(url, workdir, args.port, args.workers)
        try:
            base = f"http://127.0.0.1:{args.port}"
            run_wrk(base + BARE_PATH, 2, args.connections)  # warm-up: workers, pools, caches
            run_wrk(base, 2, args.connections, warm_up)
            before = settled_scan_count(url, batch_id)  # requests wrk left in flight finish
            load = os.getloadavg()[0]
            meter = CpuMeter(server, url)
            bare = run_wrk(base + BARE_PATH, args.duration, args.connections)
            bare_cpu = meter.seconds()
            meter = CpuMeter(server, url)
            page = run_wrk(base, args.duration, args.connections, measured)
            after = settled_scan_count(url, batch_id)
            page_cpu = meter.seconds()
        finally:
            stop_server(server)  # a graceful stop also flushes the access log
        statuses = re.findall(r"GET /(?:T|01)/\S+\?run=measured \S+\" (\d+)", log.read_text())
        served = len(statuses)
        if any(status != "200" for status in statuses):
            page.errors += f" statuses in the log: {sorted(set(statuses))}"
        scans = after - before
        if scans != served:  # keep the evidence: the server's log outlives the work directory
            kept = Path(tempfile.gettempdir()) / f"tracelabel-bench-{kind}-server.log"
            shutil.copy(log, kept)
            page.errors += f" scans {scans} != served {served}, server log kept in {kept}"
        return {"db": kind, "size": size, "codes": args.codes, "prepare_s": prepared, "bare": bare,
                "page": page, "served": served, "scans": scans, "load": load,
                "bare_cpu_ms": bare_cpu * 1000 / max(bare.requests, 1),
                "page_cpu_ms": page_cpu * 1000 / max(served, 1)}
    finally:
        drop_database(kind)
        shutil.rmtree(workdir, ignore_errors=True)


def measure_baseline(source: Path, kind: str, size: int, args: argparse.Namespace) -> dict:
    """The same measurement of the code under ``source``, in a fresh interpreter serving from it."""
    target = source / "tests" / "benchmarks" / "trace_page.py"
    if target.resolve() != Path(__file__).resolve():  # this benchmark, run on that code
        target.write_text(Path(__file__).read_text(encoding="utf-8"), encoding="utf-8")
    command = [sys.executable, "-m", "tests.benchmarks.trace_page", "--child", "--db", kind,
               "--sizes", str(size), "--duration", str(args.duration), "--connections",
               str(args.connections), "--codes", str(args.codes), "--workers", str(args.workers),
               "--port", str(args.port), *(["--digital-link"] if args.digital_link else [])]
    output = subprocess.run(command, cwd=source, env={**os.environ, "PYTHONPATH": str(source)},
                            capture_output=True, text=True, check=True,
                            timeout=args.duration * 4 + 600).stdout
    result = json.loads(output.strip().splitlines()[-1])
    return {**result, "bare": WrkResult(**result["bare"]), "page": WrkResult(**result["page"])}


def report(results: list[dict]) -> bool:
    """Print the figures and the targets; True when every target is met."""
    ok = True
    print(f"\n{'db':<10} {'code':<6} {'batches':>9} {'codes':>6} {'load':>5} {'bare rps':>9} {'page rps':>9} "
          f"{'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'bare p99':>8} {'requests':>9} {'served':>7} "
          f"{'scans':>7} {'cpu ms bare/page':>17} {'cpu ratio':>9}  errors")
    for r in results:
        ratio = r["page"].rps / r["bare"].rps
        cpu = f"{r['bare_cpu_ms']:.2f}/{r['page_cpu_ms']:.2f}"
        print(f"{r['db']:<10} {r.get('code', 'now'):<6} {r['size']:>9,} {r['codes']:>6,} "
              f"{r['load']:>5.1f} {r['bare'].rps:>9.0f} {r['page'].rps:>9.0f} {ratio:>6.1%} "
              f"{r['page'].p50_ms:>7.2f} {r['page'].p99_ms:>7.2f} "
              f"{r['bare'].p99_ms:>8.2f} {r['page'].requests:>9} {r['served']:>7} {r['scans']:>7} {cpu:>17} "
              f"{r['bare_cpu_ms'] / r['page_cpu_ms']:>9.1%}  {r['page'].errors or '-'}")
        checks = {f"ratio >= {TARGETS[r['db']]:.0%}": ratio >= TARGETS[r["db"]],
                  f"p99 < {P99_LIMIT_MS:.0f} ms": r["page"].p99_ms < P99_LIMIT_MS,
                  "scans == served": r["scans"] == r["served"] and not r["page"].errors}
        same = [x for x in results if x["db"] == r["db"] and x.get("code") == r.get("code")]
        small = next((s for s in same if s["size"] == min(x["size"] for x in same)), r)
        if small is not r:
            drift = abs(r["page"].rps - small["page"].rps) / small["page"].rps
            checks[f"within {SIZE_DRIFT:.0%} of {small['size']:,} ({drift:.1%})"] = drift <= SIZE_DRIFT
        verdicts = (f"{name}: {'ok' if good else 'MISSED'}" for name, good in checks.items())
        print("           " + ", ".join(verdicts))
        ok = ok and (all(checks.values()) or r.get("code") == "before")
    return ok


def main() -> int:
    """Parse the options, run every combination, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--codes", type=int, default=1000,
                        help="different unit codes scanned round-robin (1: one hot code)")
    parser.add_argument("--digital-link", action="store_true",
                        help="scan GS1 Digital Links (/01/…/10/…/21/…) instead of short codes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5088)
    parser.add_argument("--baseline", type=Path, help="another copy of the code to measure beside")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    if args.child:  # one measurement for measure_baseline, as JSON
        result = measure(kinds[0], int(args.sizes), args)
        print(json.dumps({**result, "bare": dataclasses.asdict(result["bare"]),
                          "page": dataclasses.asdict(result["page"])}))
        return 0
    results = []
    for kind in kinds:
        for size in (int(s) for s in args.sizes.split(",")):
            for code in ("now", "before") if args.baseline else ("now",):
                measured = measure(kind, size, args) if code == "now" else \
                    measure_baseline(args.baseline.resolve(), kind, size, args)
                result = {**measured, "code": code}
                print(f"{kind} {size:,} batches ({code}): prepared in {result['prepare_s']:.0f} s, "
                      f"bare {result['bare'].rps:.0f} rps, page {result['page'].rps:.0f} rps",
                      flush=True)
                results.append(result)
    print(f"\nwrk -t2 -c{args.connections} -d{args.duration}s over {args.codes:,} unit codes "
          f"({'Digital Links' if args.digital_link else 'short codes'}); gunicorn "
          f"{args.workers} sync workers; {os.cpu_count()} CPUs; load average (1 min) at each "
          f"measurement in the 'load' column, {os.getloadavg()[0]:.1f} now")
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main())
