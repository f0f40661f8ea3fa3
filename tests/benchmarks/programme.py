"""The coverage dashboard at province scale:
python -m tests.benchmarks.programme [--database-url URL] [--producers N] [--products N]
[--batches N] [--scans N] [--keep | --reuse URL].

Builds one province (Quảng Ninh) through the real schema — by default 2,000 producers, 5,000 OCOP
products, 1,000,000 batches (a label run for every other one) and 10,000,000 scans over the last
two years, batches and scans written in SQL (``world.py``) — then times:

- the first roll-up of every scan into the tallies (the worker's job, never a request's);
- the dashboard's computation (``services.programme.coverage``, what the page, the API and the
  workbook share), median of a few reads, as of today and as of 90 days and a year ago;
- the same with a tail of scans recorded since the last roll-up (read live, not rolled up);
- a page of a list behind a figure.

Prints the figures and the counts. Without --database-url the database is a SQLite file in a
temporary folder; with a PostgreSQL URL, a database named tracelabel_bench_programme is created
beside the one given and dropped at the end (unless --keep; --reuse times such a kept one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tests.benchmarks import world
from tracelabel import admin_units
from tracelabel.db import make_engine, utcnow
from tracelabel.models import (
    Certificate,
    Organization,
    Product,
    ProductPhoto,
    RawMaterialArea,
    Scan,
)
from tracelabel.services import programme, scan_tallies
from tracelabel.services.actors import Actor

PROVINCE = "22"
OFFICIAL = Actor(user_id=None, role="programme", organization_id=None, label="benchmark",
                 scope_province_code=PROVINCE)
REPEATS = 5
TAIL = 2_000  # scans recorded since the last roll-up (a few minutes of a busy province)
GROUPS = ("food", "beverage", "herbal", "handicraft", "ornamental", "tourism")


def _catalog(connection, producers: int, products: int, today: dt.date) -> None:
    now = utcnow()
    communes = [c.code for c in admin_units.communes(PROVINCE)]
    connection.execute(insert(Organization), [
        {"id": i, "name": f"HTX số {i}", "kind": "cooperative", "province": "Quảng Ninh",
         "province_code": PROVINCE, "commune_code": communes[i % len(communes)],
         "address": "Quảng Ninh", "created_at": now} for i in range(1, producers + 1)])
    connection.execute(insert(RawMaterialArea), [
        {"id": i, "organization_id": i, "name": f"Vùng {i}", "code": f"VN-QN-{i:05d}",
         "code_status": ("active", "active", "active", "suspended", "revoked")[i % 5],
         "code_status_source": "producer", "material": "dong riềng", "province": "Quảng Ninh",
         "created_at": now} for i in range(1, producers + 1)])
    connection.execute(insert(Product), [
        {"id": i, "organization_id": (i - 1) % producers + 1, "name": f"Sản phẩm OCOP {i}",
         "ocop_group": GROUPS[i % len(GROUPS)], "brand": "Thương hiệu", "standards": ["TCVN 1"],
         "warnings": "Để nơi khô ráo", "points_of_sale": [], "online_listings": [],
         "created_at": now, "updated_at": now} for i in range(1, products + 1)])
    connection.execute(insert(Certificate), [
        {"id": i, "organization_id": (i - 1) % producers + 1, "scheme": "ocop",
         "number": f"OCOP-{i}", "issuer": "UBND tỉnh Quảng Ninh", "stars": 3 + i % 3,
         "valid_from": today - dt.timedelta(days=700 + i % 300),
         "valid_until": today + dt.timedelta(days=(i * 7) % 500 - 100), "subject_type": "product",
         "product_id": i, "verification_status": "rejected" if i % 50 == 0 else "unverified",
         "created_at": now} for i in range(1, products + 1)])


def _photos(connection, products: int) -> None:
    """Nine products in ten have a photo (the others show a readiness gap)."""
    connection.execute(insert(ProductPhoto), [
        {"product_id": i, "upload_sha256": "0" * 64, "position": 0, "created_at": utcnow()}
        for i in range(1, products + 1) if i % 10])


def fill(url: str, sizes: argparse.Namespace) -> None:
    """Write the province: the catalogue row by row (thousands), batches and scans in SQL."""
    engine = make_engine(url)
    world.create_schema(engine)
    today = dt.date.today()
    with engine.begin() as connection:
        _catalog(connection, sizes.producers, sizes.products, today)
        _photos(connection, sizes.products)
    product = f"(n * 7919) % {sizes.products} + 1"
    world.write_batches(engine, sizes.batches, product=product,
                        organization=f"(({product}) - 1) % {sizes.producers} + 1",
                        status="CASE WHEN n % 19 = 0 THEN 'recalled' ELSE 'published' END",
                        days_ago="(n * 104729) % 720",
                        label_runs=f"n % 3 = 0 AND ({product}) % 10 <> 0",
                        area=f"(({product}) - 1) % {sizes.producers} + 1")
    world.write_scans(engine, sizes.scans, sizes.batches)
    world.analyze(engine)
    engine.dispose()


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def roll_up_everything(engine) -> int:
    """Run the worker's roll-up until nothing is left; returns the scans folded in."""
    rolled = 0
    with Session(engine) as session:
        while moved := scan_tallies.roll_up(session, utcnow()):
            session.commit()
            rolled += moved
    return rolled


def dashboard(session: Session, label: str, as_of: dt.date) -> None:
    """Median of a few reads of the coverage, and its figures."""
    samples, found = [], None
    for _ in range(REPEATS):
        ms, found = timed(lambda: programme.coverage(session, OFFICIAL, None, as_of, utcnow()))
        session.commit()
        samples.append(ms)
    totals = found.totals
    print(f"dashboard as of {label}: median {statistics.median(samples):.0f} ms "
          f"(min {min(samples):.0f}, max {max(samples):.0f}); OCOP products "
          f"{totals.ocop_products}, labelled {totals.labelled} ({totals.labelled_percent} %), "
          f"meeting Circular 02 {totals.meeting_circular_02}, scanned 30/90 days "
          f"{totals.scanned_30_days}/{totals.scanned_90_days}, due {found.reevaluation_due}, "
          f"lapsed {found.lapsed}, communes {len(found.by_commune)}, scans in 52 weeks "
          f"{sum(n for _w, n in found.scans_per_week):,}", flush=True)


def add_tail(engine, batches: int) -> None:
    """Scans recorded in the last seconds, not rolled up yet."""
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(insert(Scan), [
            {"batch_id": k * 7 % batches + 1, "serial": 0, "client_hash": "tail",
             "scanned_at": now - dt.timedelta(seconds=k % 50)} for k in range(TAIL)])


def measure(url: str, batches: int) -> None:
    """Time the roll-up, the dashboard and a list, and print the counts."""
    engine = make_engine(url)
    today = dt.date.today()
    with Session(engine) as session:
        scans = session.scalar(select(func.count()).select_from(Scan))
    print(f"{scans:,} scans in the database", flush=True)
    ms, rolled = timed(lambda: roll_up_everything(engine))
    print(f"roll-up of {rolled:,} scan ids into the tallies (worker): {ms / 1000:.1f} s", flush=True)
    with Session(engine) as session:
        for label, days in (("today", 0), ("90 days ago", 90), ("a year ago", 365)):
            dashboard(session, label, today - dt.timedelta(days=days))
        add_tail(engine, batches)
        dashboard(session, f"today, {TAIL:,} scans not rolled up yet", today)
        ms, page = timed(lambda: programme.product_list(
            session, OFFICIAL, None, today, programme.ProductListing("unlabelled")))
        print(f"list of unlabelled OCOP products (first page of {page.total}): {ms:.0f} ms")
        session.rollback()
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--producers", type=int, default=2_000)
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--batches", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=10_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database (prints its URL)")
    parser.add_argument("--reuse", help="time a kept benchmark database (no filling)")
    sizes = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = sizes.reuse or world.fresh_database(
            sizes.database_url, Path("/tmp" if sizes.keep else folder),
            "tracelabel_bench_programme")
        try:
            if sizes.reuse:
                world.create_schema(make_engine(url))  # indexes added since it was filled
            else:
                started = time.perf_counter()
                fill(url, sizes)
                print(f"{make_engine(url).dialect.name}: {sizes.producers:,} producers, "
                      f"{sizes.products:,} products, {sizes.batches:,} batches, "
                      f"{sizes.scans:,} scans written in {time.perf_counter() - started:.0f} s",
                      flush=True)
            measure(url, sizes.batches)
        finally:
            if sizes.keep or sizes.reuse:
                print(f"kept: {url}")
            else:
                world.drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
