"""The coverage dashboard at province scale:
python tests/benchmarks/programme.py [--database-url URL] [--producers N] [--products N]
[--batches N] [--scans N].

Builds one province (Quảng Ninh) through the real schema — by default 2,000 producers, 5,000 OCOP
products, 1,000,000 batches (a label run for every other one) and 10,000,000 scans over the last
two years — written in bulk (executemany; COPY on PostgreSQL for the scans), then times:

- the first roll-up of every scan into the tallies (a one-off, at the first read after an upgrade);
- the dashboard's computation (``services.programme.coverage``, what the page, the API and the
  workbook share), median of a few reads, as of today and as of 90 days ago;
- a page of a list behind a figure.

Prints the figures and the counts. Without --database-url the database is a SQLite file in a
temporary folder; with a PostgreSQL URL, a database named tracelabel_bench_programme is created
beside the one given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import tracelabel.models
from tracelabel import admin_units, codes
from tracelabel.db import Base, make_engine, utcnow
from tracelabel.models import (
    Batch,
    Certificate,
    LabelRun,
    Organization,
    Product,
    ProductPhoto,
    RawMaterialArea,
    Scan,
    TraceEvent,
)
from tracelabel.services import programme
from tracelabel.services.actors import Actor

PROVINCE = "22"
OFFICIAL = Actor(user_id=None, role="programme", organization_id=None, label="benchmark",
                 scope_province_code=PROVINCE)
CHUNK = 50_000
REPEATS = 5
GROUPS = ("food", "beverage", "herbal", "handicraft", "ornamental", "tourism")


def database_url(base: str | None, folder: Path) -> str:
    """A fresh, empty database."""
    if not base:
        return f"sqlite:///{folder / 'programme.db'}"
    admin = make_engine(base)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "tracelabel_bench_programme"'))
        connection.execute(text('CREATE DATABASE "tracelabel_bench_programme"'))
    admin.dispose()
    return make_url(base).set(database="tracelabel_bench_programme").render_as_string(
        hide_password=False)


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


def _batches(engine, producers: int, products: int, batches: int) -> None:
    now, rng = utcnow(), random.Random(7)
    for start in range(1, batches + 1, CHUNK):
        rows, runs, events, links = [], [], [], []
        for n in range(start, min(start + CHUNK, batches + 1)):
            product = rng.randrange(1, products + 1)
            organization = (product - 1) % producers + 1
            published = now - dt.timedelta(days=rng.randrange(0, 720))
            status = "published" if n % 20 else "recalled"
            rows.append({"id": n, "code": codes.new_batch_code(), "organization_id": organization,
                         "product_id": product, "lot": f"L{n:08d}",
                         "production_date": published.date(), "expiry_date": published.date()
                         + dt.timedelta(days=365), "status": status, "published_at": published,
                         "status_changed_at": published, "units_issued": 0, "version": 1,
                         "created_at": published, "updated_at": published})
            links.append({"batch_id": n, "area_id": organization})
            events.append({"batch_id": n, "step": "harvesting", "occurred_at": published,
                           "occurred_offset_minutes": 420, "area_id": organization,
                           "recorded_at": published})
            if n % 2:
                runs.append({"batch_id": n, "created_at": published, "output_format": "pdf",
                             "symbology": "qr", "template": "a4-3x8", "label_count": 24})
        with engine.begin() as connection:
            connection.execute(insert(Batch), rows)
            connection.execute(insert(tracelabel.models.batch_areas), links)
            connection.execute(insert(TraceEvent), events)
            connection.execute(insert(LabelRun), runs)


def _scans(engine, batches: int, scans: int) -> None:
    """Scans over the last two years, newest last (ids follow time, as in production)."""
    rng = random.Random(11)
    start = utcnow() - dt.timedelta(days=730)
    step = dt.timedelta(days=730) / max(scans, 1)
    for first in range(0, scans, CHUNK * 4):
        count = min(CHUNK * 4, scans - first)
        rows = [(rng.randrange(1, batches + 1), 0, start + step * (first + k), f"{k % 997:x}")
                for k in range(count)]
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                buffer = io.StringIO("".join(f"{b}\t{s}\t{t.isoformat()}\t{h}\n"
                                             for b, s, t, h in rows))
                raw = connection.connection.driver_connection
                with raw.cursor().copy("COPY scans (batch_id, serial, scanned_at, client_hash) "
                                       "FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
            else:
                connection.execute(insert(Scan), [
                    {"batch_id": b, "serial": s, "scanned_at": t, "client_hash": h}
                    for b, s, t, h in rows])


def fill(url: str, sizes: argparse.Namespace) -> None:
    """Write the province."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    today = dt.date.today()
    with engine.begin() as connection:
        _catalog(connection, sizes.producers, sizes.products, today)
        _photos(connection, sizes.products)
    _batches(engine, sizes.producers, sizes.products, sizes.batches)
    _scans(engine, sizes.batches, sizes.scans)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                                else "ANALYZE"))
    engine.dispose()


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def measure(url: str) -> None:
    """Time the roll-up, the dashboard and a list, and print the counts."""
    engine = make_engine(url)
    today = dt.date.today()
    with Session(engine) as session:
        rolled_ms, _ = timed(lambda: programme.coverage(session, OFFICIAL, None, today, utcnow()))
        session.commit()
        print(f"first read, rolling up every scan into the tallies: {rolled_ms / 1000:.1f} s")
        for label, as_of in (("today", today), ("90 days ago", today - dt.timedelta(days=90))):
            samples, found = [], None
            for _ in range(REPEATS):
                ms, found = timed(lambda d=as_of: programme.coverage(session, OFFICIAL, None, d,
                                                                     utcnow()))
                session.commit()
                samples.append(ms)
            totals = found.totals
            print(f"dashboard as of {label}: median {statistics.median(samples):.0f} ms "
                  f"(min {min(samples):.0f}, max {max(samples):.0f}); OCOP products "
                  f"{totals.ocop_products}, labelled {totals.labelled} "
                  f"({totals.labelled_percent} %), meeting Circular 02 "
                  f"{totals.meeting_circular_02}, scanned 30/90 days {totals.scanned_30_days}/"
                  f"{totals.scanned_90_days}, due {found.reevaluation_due}, lapsed {found.lapsed}, "
                  f"communes {len(found.by_commune)}, scans in 52 weeks "
                  f"{sum(n for _w, n in found.scans_per_week):,}")
        ms, page = timed(lambda: programme.product_list(
            session, OFFICIAL, None, today, programme.ProductListing("unlabelled")))
        print(f"list of unlabelled OCOP products (first page of {page.total}): {ms:.0f} ms")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--producers", type=int, default=2_000)
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--batches", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=10_000_000)
    sizes = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = database_url(sizes.database_url, Path(folder))
        started = time.perf_counter()
        fill(url, sizes)
        engine = "PostgreSQL" if sizes.database_url else "SQLite"
        print(f"{engine}: {sizes.producers:,} producers, {sizes.products:,} products, "
              f"{sizes.batches:,} batches, {sizes.scans:,} scans written in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        measure(url)


if __name__ == "__main__":
    main()
