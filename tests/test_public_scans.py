"""Scans: one per resolution, salted network hashes, exact counters under concurrency, the 304 path."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from urllib.request import Request, urlopen

import pytest
from sqlalchemy import func, select, text
from werkzeug.middleware.proxy_fix import ProxyFix

from tests.test_public_fixtures import (
    build_world,
    change_status,
    live_server,
    unit_code,
)
from tracelabel.models import Scan, ScanCounter
from tracelabel.services import scans


@pytest.fixture
def world(session, make):
    """A published GTIN batch with five units."""
    return build_world(session, make)


def scan_rows(session, batch_id: int, serial: int) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Scan).where(
        Scan.batch_id == batch_id, Scan.serial == serial))


def counter(session, batch_id: int, serial: int) -> int | None:
    session.expire_all()
    return session.scalar(select(ScanCounter.count).where(
        ScanCounter.batch_id == batch_id, ScanCounter.serial == serial))


def test_each_resolution_records_a_scan_with_a_salted_network_hash(app, client, session, world):
    code = unit_code(app, world.batch, 1)
    client.get(f"/t/{code}", headers={"User-Agent": "Zalo/1.0"})
    client.get(f"/t/{world.batch.code}", headers={"User-Agent": "Zalo/1.0"})
    rows = session.scalars(select(Scan).where(Scan.batch_id == world.batch.id)
                           .order_by(Scan.id)).all()
    assert [row.serial for row in rows] == [1, scans.BATCH_SERIAL]
    expected = scans.network_hash(app.config["SCAN_SALT"], "127.0.0.1")
    assert {row.client_hash for row in rows} == {expected}
    assert expected != scans.network_hash("another salt", "127.0.0.1")
    assert "127.0.0.1" not in expected and len(expected) == 32


def test_repeats_within_the_window_do_not_inflate_the_counter(app, client, session, world):
    code = unit_code(app, world.batch, 2)
    for _ in range(3):
        body = client.get(f"/t/{code}", headers={"Accept": "application/json"}).get_json()
    assert body["unit"]["scan_count"] == 1
    assert scan_rows(session, world.batch.id, 2) == 3
    other = client.get(f"/t/{code}", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert "đã được quét 2 lần" in other.get_data(as_text=True)
    later = dt.datetime.now(dt.UTC) + scans.REPEAT_WINDOW + dt.timedelta(seconds=1)
    tally = scans.record_scan(session, world.batch.id, 2, scans.network_hash(
        app.config["SCAN_SALT"], "127.0.0.1"), now=later)
    session.commit()
    assert (tally.count, tally.repeat) == (3, False)


def test_a_304_still_records_the_scan(app, client, session, world):
    for url, cache_control in ((f"/t/{unit_code(app, world.batch, 3)}", "private, no-cache"),
                               (f"/t/{world.batch.code}", "public, max-age=60")):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["Cache-Control"] == cache_control
        before = session.scalar(select(func.count()).select_from(Scan))
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        assert session.scalar(select(func.count()).select_from(Scan)) == before + 1


def test_recall_changes_the_etag(client, session, make, world):
    url = f"/t/{world.batch.code}"
    before = client.get(url).headers["ETag"]
    assert client.get(url).headers["ETag"] == before
    change_status(session, make, world.batch, "recall")
    after = client.get(url, headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before


def test_linkset_and_redirects_are_not_scans(client, session, world):
    client.get(f"{world.dl_path}?linkType=linkset")
    client.get(f"{world.dl_path}?linkType=gs1:certificationInfo")
    assert session.scalar(select(func.count()).select_from(Scan)) == 0


def test_many_networks_on_one_unit_code_warn_of_a_copy(app, client, world):
    code = unit_code(app, world.batch, 4)
    for n in range(scans.COPY_SUSPECT_NETWORKS - 1):
        html = client.get(f"/t/{code}", environ_base={"REMOTE_ADDR": f"198.51.{n}.7"}
                          ).get_data(as_text=True)
        assert "mạng khác nhau" not in html
    html = client.get(f"/t/{code}", environ_base={"REMOTE_ADDR": "203.0.113.7"}
                      ).get_data(as_text=True)
    assert f"quét từ {scans.COPY_SUSPECT_NETWORKS} mạng khác nhau" in html
    assert html.index("mạng khác nhau") < html.index("<h1>")


def test_concurrent_scans_are_counted_exactly(app, session, world, monkeypatch):
    """Parallel requests from many networks against a live server (several database connections)."""
    code = unit_code(app, world.batch, 5)
    threads, each = 8, 12
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1))  # one network a request

    def scan(worker: int) -> list[int]:
        statuses = []
        for n in range(each):
            request = Request(f"{base}/t/{code}", headers={"X-Forwarded-For": f"10.{worker}.{n}.1"})
            with urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        return statuses

    with live_server(app) as base, ThreadPoolExecutor(threads) as pool:
        results = [status for statuses in pool.map(scan, range(threads)) for status in statuses]
    assert results == [200] * threads * each
    assert counter(session, world.batch.id, 5) == threads * each
    assert scan_rows(session, world.batch.id, 5) == threads * each


def test_scan_transaction_skips_the_fsync_on_postgresql(app, session, world):
    tally = scans.record_scan(session, world.batch.id, 1, "a" * 32)
    setting = session.scalar(text("SHOW synchronous_commit")) if \
        session.get_bind().dialect.name == "postgresql" else "off"
    session.commit()
    assert (tally.count, setting) == (1, "off")
    if session.get_bind().dialect.name == "postgresql":  # local to that transaction only
        assert session.scalar(text("SHOW synchronous_commit")) == "on"
        session.rollback()
