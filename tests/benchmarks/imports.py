"""CSV import of 10,000 batches in one transaction: python tests/benchmarks/imports.py [--database-url URL].

Writes a 10,000-row CSV (Vietnamese headers, `;`), imports it through the same service the API,
the page and the CLI use, and prints the seconds and rows per second for a dry run and for the
real import, then checks the batch count; then a second file with one bad row among 10,000 must
import nothing and name that row. Run from the repository root with `python -m
tests.benchmarks.imports`. Default: a SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import tracelabel.models  # noqa: F401
from tests.factories import Factory
from tracelabel.db import Base, make_engine
from tracelabel.models import Batch
from tracelabel.services import imports

ROWS = 10_000
HEADER = "sản phẩm;số lô;ngày sản xuất;hạn sử dụng;số lượng;đơn vị;mã vùng trồng;cơ sở chế biến\n"


def database(base: str | None, folder: Path) -> str:
    if not base:
        return f"sqlite:///{folder / 'imports.db'}"
    admin = make_engine(base)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "tracelabel_bench_imports" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "tracelabel_bench_imports"'))
    admin.dispose()
    return make_url(base).set(database="tracelabel_bench_imports").render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(database(args.database_url, Path(folder)))
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            make = Factory(session)
            owner = make.producer()
            make.product(owner, name="Miến dong Bình Liêu")
            make.area(owner, code="VN-QNBL-0003")
            make.facility(owner, name="Xưởng Bản Chuồng")
            rows = [f"Miến dong Bình Liêu;MD-{n:05d};01/11/2026;01/11/2027;12,5;gói;VN-QNBL-0003;"
                    "Xưởng Bản Chuồng" for n in range(ROWS)]
            data = (HEADER + "\n".join(rows) + "\n").encode("utf-8-sig")
            for dry_run in (True, False):
                started = time.perf_counter()
                report = imports.import_batches(session, owner.actor, data, dry_run=dry_run)
                if dry_run:
                    session.rollback()
                else:
                    session.commit()
                seconds = time.perf_counter() - started
                label = "dry run" if dry_run else "import "
                print(f"{label}: {report.rows_written:,} rows in {seconds:.1f} s "
                      f"({report.rows_written / seconds:,.0f} rows/s), {len(report.errors)} errors")
            print("batches in the database:", session.scalar(select(func.count()).select_from(Batch)))
            bad = [row.replace("MD-", "MD2-") for row in rows]
            bad[7_777] = bad[7_777].replace("01/11/2026", "31/02/2026")
            started = time.perf_counter()
            report = imports.import_batches(session, owner.actor,
                                            (HEADER + "\n".join(bad) + "\n").encode("utf-8"))
            session.rollback()  # what every edge does when report.ok is false
            print(f"one bad row among {ROWS:,}: {time.perf_counter() - started:.1f} s, errors at "
                  f"lines {[e.line for e in report.errors]}; batches in the database: "
                  f"{session.scalar(select(func.count()).select_from(Batch)):,}")
        engine.dispose()


if __name__ == "__main__":
    main()
