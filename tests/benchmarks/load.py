"""Mixed traffic against `tracelabel serve` on loopback: python tests/benchmarks/load.py
[--database-url URL] [--seconds 20] [--connections 16] [--workers 4].

Mostly consumers scanning unit codes (the trace page, each a recorded scan), some producers writing
through the API (a draft batch with an event) and some label downloads (a 24-label A4 PDF). Prints
throughput, p50/p99 latency per kind, the error count (must be 0) and whether the scans recorded
in the database equal the scan requests answered. Traffic goes to 127.0.0.1 only and stops by
itself after --seconds. Default database: the local PostgreSQL (a fresh database beside `test`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tracelabel import codes, create_app, migrations
from tracelabel.db import make_engine
from tracelabel.extensions import Database
from tracelabel.models import Batch, Scan
from tracelabel.services import accounts, batches, demo
from tracelabel.services.actors import SYSTEM

MIX = (("scan", 0.90), ("api_write", 0.07), ("labels", 0.03))
UNITS_PER_BATCH = 5_000


def fresh_database(base: str) -> str:
    """An empty database named tracelabel_load beside the given one."""
    admin = make_engine(base)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "tracelabel_load" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "tracelabel_load"'))
    admin.dispose()
    return make_url(base).set(database="tracelabel_load").render_as_string(hide_password=False)


def prepare(url: str, instance: str) -> dict:
    """Demo data, a token, unit serials issued, and the paths the clients will hit."""
    os.environ["TRACELABEL_INSTANCE_PATH"] = instance
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": "http://127.0.0.1"})
    migrations.upgrade(Database.engine_for(app))
    keys = codes.parse_code_keys(app.config["CODE_KEYS"])
    with Session(Database.engine_for(app)) as session:
        demo.seed(session, instance)
        user = accounts.find_user(session, f"binhlieu@{demo.DEMO_DOMAIN}")
        _token, token = accounts.create_token(session, SYSTEM, user, "load test")
        actor = accounts.actor_for(user)
        published = session.scalars(select(Batch).where(Batch.status == "published",
                                                        Batch.organization_id == user.organization_id)).all()
        unit_paths = []
        for batch in published:
            batches.issue_units(session, actor, batch.id, UNITS_PER_BATCH)
            unit_paths += [f"/t/{codes.make_unit_code(batch.code, serial, keys)}"
                           for serial in range(1, UNITS_PER_BATCH + 1)]
        session.commit()
        product_id = published[0].product_id
        area_id = published[0].areas[0].id
        label_path = f"/api/v1/batches/{published[0].id}/labels?format=pdf&units=1-24"
    Database.engine_for(app).dispose()
    return {"token": token, "units": unit_paths, "product_id": product_id, "area_id": area_id,
            "labels": label_path, "keys": app.config["CODE_KEYS"], "secret": app.config["SECRET_KEY"]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Client(threading.Thread):
    """One keep-alive connection sending the mix until the deadline."""

    def __init__(self, number: int, port: int, plan: dict, deadline: float, results: dict) -> None:
        super().__init__(daemon=True)
        self.number, self.port, self.plan, self.deadline, self.results = number, port, plan, deadline, results
        self.random = random.Random(number)
        self.lot_counter = 0

    def request(self, kind: str) -> tuple[str, str, bytes | None, dict]:
        auth = {"Authorization": f"Bearer {self.plan['token']}"}
        # Each simulated client is a different phone: a distinct address for the scan counter.
        address = f"10.{self.number}.{self.random.randrange(256)}.{self.random.randrange(1, 255)}"
        client = {"X-Forwarded-For": address}
        if kind == "scan":
            return "GET", self.random.choice(self.plan["units"]), None, {"Accept-Language": "vi", **client}
        if kind == "labels":
            return "GET", self.plan["labels"], None, auth
        self.lot_counter += 1
        lot = f"LT{self.number}-{self.lot_counter}"
        body = json.dumps({"product_id": self.plan["product_id"], "lot": lot,
                           "production_date": dt.date.today().isoformat(),
                           "area_ids": [self.plan["area_id"]]}).encode()
        return "POST", "/api/v1/batches", body, {**auth, "Content-Type": "application/json"}

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        kinds, weights = zip(*MIX, strict=True)
        while time.monotonic() < self.deadline:
            kind = self.random.choices(kinds, weights)[0]
            method, path, body, headers = self.request(kind)
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            self.results[kind].append(elapsed)
            if not ok:
                self.results["errors"].append(f"{kind} {path}")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    url = fresh_database(args.database_url)
    instance = tempfile.mkdtemp(prefix="tracelabel-load-")
    plan = prepare(url, instance)
    port = free_port()
    env = {**os.environ, "TRACELABEL_DATABASE_URL": url, "TRACELABEL_INSTANCE_PATH": instance,
           "TRACELABEL_RATE_LIMITS_ENABLED": "false", "TRACELABEL_TRUSTED_PROXIES": "1",
           "TRACELABEL_PUBLIC_URL": "http://127.0.0.1"}
    server = subprocess.Popen([sys.executable, "-m", "tracelabel.console", "serve", "--port", str(port),
                               "--workers", str(args.workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        engine = make_engine(url)
        with engine.connect() as connection:
            scans_before = connection.scalar(select(func.count()).select_from(Scan))
        results: dict = defaultdict(list)
        started = time.monotonic()
        clients = [Client(n, port, plan, started + args.seconds, results) for n in range(args.connections)]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.monotonic() - started
        time.sleep(1)
        with engine.connect() as connection:
            scans_after = connection.scalar(select(func.count()).select_from(Scan))
        engine.dispose()
    finally:
        server.terminate()
        server.wait(timeout=20)
    total = sum(len(results[kind]) for kind, _ in MIX)
    print(f"load: {args.connections} connections, {args.workers} gunicorn workers, "
          f"{elapsed:.0f} s, PostgreSQL")
    print(f"  throughput {total / elapsed:,.0f} requests/s ({total:,} requests)")
    print(f"  {'kind':<10}{'count':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for kind, _ in MIX:
        samples = results[kind]
        print(f"  {kind:<10}{len(samples):>9,}{statistics.median(samples) if samples else 0:>9.1f}"
              f"{percentile(samples, 0.99):>9.1f}")
    print(f"  errors {len(results['errors'])}" + (f" (first: {results['errors'][0]})"
                                                  if results["errors"] else ""))
    scan_answers = len(results["scan"]) - sum(1 for e in results["errors"] if e.startswith("scan"))
    print(f"  scans recorded {scans_after - scans_before:,} for {scan_answers:,} scan requests answered"
          f" -> {'equal' if scans_after - scans_before == scan_answers else 'NOT EQUAL'}")


if __name__ == "__main__":
    main()
