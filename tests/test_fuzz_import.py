"""Hypothesis on the CSV importer: any bytes give a report or a clear refusal, never a crash, and a
file with a bad row writes nothing. Bounded for CI (TRACELABEL_FUZZ_EXAMPLES, default 60)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.factories import Factory
from tracelabel.extensions import Database
from tracelabel.models import Batch
from tracelabel.services import imports

EXAMPLES = int(os.environ.get("TRACELABEL_FUZZ_EXAMPLES", "60"))
HEADER = "sản phẩm;số lô;ngày sản xuất;hạn sử dụng;số lượng;mã vùng trồng\n"
CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=25)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def _setup(app):
    session = Database.session_factory_for(app)()
    make = Factory(session)
    owner = make.producer()
    make.product(owner, name="Miến dong")
    make.area(owner, code="VN-QNBL-0003")
    return session, owner


def _batch_count(session):
    return session.scalar(select(func.count()).select_from(Batch))


def test_any_bytes_are_refused_or_reported_never_a_crash(app):
    session, owner = _setup(app)

    @FUZZ
    @given(data=st.one_of(st.binary(max_size=400),
                          st.lists(st.lists(CELL, max_size=8), max_size=6).map(
                              lambda rows: (HEADER + "\n".join(";".join(r) for r in rows))
                              .encode("utf-8"))))
    def attempt(data):
        try:
            report = imports.import_batches(session, owner.actor, data, dry_run=True)
        except imports.ImportRejected as refusal:
            assert refusal.message
        else:
            assert report.rows_written + len({e.line for e in report.errors}) >= report.rows_read
            assert all(error.line >= 2 and error.message for error in report.errors)
        finally:
            session.rollback()
        assert _batch_count(session) == 0

    attempt()
    session.close()


def test_one_bad_row_among_good_ones_writes_nothing(app):
    session, owner = _setup(app)

    @FUZZ
    @given(good=st.integers(min_value=1, max_value=12), bad_at=st.integers(min_value=0, max_value=12),
           bad_cell=st.sampled_from(["31/02/2026", "hôm qua", "", "2026-13-01"]))
    def attempt(good, bad_at, bad_cell):
        rows = [f"Miến dong;L-{n};01/11/2026;;10;VN-QNBL-0003" for n in range(good)]
        rows.insert(min(bad_at, good), f"Miến dong;BAD;{bad_cell};;10;VN-QNBL-0003")
        report = imports.import_batches(session, owner.actor, (HEADER + "\n".join(rows)).encode())
        assert not report.ok
        assert [e.line for e in report.errors] == [min(bad_at, good) + 2]
        session.rollback()
        assert _batch_count(session) == 0

    attempt()
    session.close()
