"""Scans: one per resolution, salted network hashes, exact counters under concurrency, the 304 path."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from urllib.request import Request, urlopen

import pytest
from sqlalchemy import func, select, text
from werkzeug.middleware.proxy_fix import ProxyFix

from tests.browser import live_server
from tests.test_public_fixtures import build_world, change_status, dl_serial, unit_code
from tracelabel import db as db_module
from tracelabel.db import make_engine
from tracelabel.models import Scan, ScanCounter
from tracelabel.services import batches, scans


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


def test_many_different_codes_each_record_one_scan_and_nothing_else_does(app, client, session, make,
                                                                          world):
    """A market's phones: each printed code opened once is one scan and one count; a HEAD, a serial
    never issued and a draft batch's code record nothing."""
    batches.issue_units(session, world.owner.actor, world.batch.id, 40)
    session.commit()
    draft = make.batch(world.owner)
    served = 0
    for serial in range(1, 46):
        code = unit_code(app, world.batch, serial)
        page = client.get(f"/T/{code.upper()}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "Đây là lần quét đầu tiên của mã này." in html
        assert code in html  # this unit's own block, not another code's
        served += 1
    assert client.head(f"/t/{unit_code(app, world.batch, 7)}").status_code == 200
    assert client.get(f"/t/{unit_code(app, world.batch, 46)}").status_code == 404
    assert client.get(f"/t/{unit_code(app, draft, 1)}").status_code == 404
    assert client.get(f"/t/{draft.code}").status_code == 404
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Scan)) == served
    assert session.scalars(select(ScanCounter.count).where(
        ScanCounter.batch_id == world.batch.id)).all() == [1] * served
    assert session.scalar(select(func.count()).select_from(Scan).where(
        Scan.batch_id == draft.id)) == 0


def test_digital_links_of_many_units_each_record_one_scan_and_nothing_else_does(app, client, session,
                                                                                world):
    """The same over GS1 Digital Links: the first finds the batch by GTIN and lot, the next ones
    (the batch now known to the process) find it and record in one go; a forged serial, a serial
    never issued, a HEAD and a batch code whose GTIN or lot no longer match record nothing."""
    batches.issue_units(session, world.owner.actor, world.batch.id, 25)
    session.commit()
    for serial in range(1, 31):
        page = client.get(f"{world.dl_path}/21/{dl_serial(unit_code(app, world.batch, serial))}")
        assert page.status_code == 200 and "Đây là lần quét đầu tiên của mã này." in page.text
        assert unit_code(app, world.batch, serial).upper() in page.text.upper()
    forged = dl_serial(unit_code(app, world.batch, 3))[:-1] + "Q"
    assert client.get(f"{world.dl_path}/21/{forged}").status_code == 404
    assert client.get(f"{world.dl_path}/21/{dl_serial(unit_code(app, world.batch, 31))}"
                      ).status_code == 404
    assert client.head(f"{world.dl_path}/21/{dl_serial(unit_code(app, world.batch, 4))}"
                       ).status_code == 200
    client_hash = scans.network_hash(app.config["SCAN_SALT"], "127.0.0.1")
    for gtin, lot in ((world.product.gtin, "ANOTHER-LOT"), ("08936005120028", world.batch.lot)):
        assert scans.find_and_record(session, world.batch.code, 5, client_hash,
                                     gtin=gtin, lot=lot) == (None, None)
    session.expire_all()
    assert session.scalars(select(ScanCounter.count).where(
        ScanCounter.batch_id == world.batch.id).order_by(ScanCounter.serial)).all() == [1] * 30
    assert session.scalar(select(func.count()).select_from(Scan)) == 30


def test_a_recall_shows_on_the_next_scan_of_a_unit_whose_page_was_cached(app, client, session,
                                                                          make, world):
    first, second = (f"/t/{unit_code(app, world.batch, serial)}" for serial in (1, 2))
    assert "No recall or suspension" in client.get(first, query_string={"lang": "en"}).text
    change_status(session, make, world.batch, "recall")
    page = client.get(second, query_string={"lang": "en"}).text
    assert "No recall or suspension" not in page and "Phát hiện vi sinh vật vượt ngưỡng" in page
    assert scan_rows(session, world.batch.id, 2) == 1


@pytest.fixture
def postgres_only(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("a dropped server connection is a PostgreSQL matter")


def _drop_connections(app) -> None:
    """What a database restart does to the app's pooled connections (waits until they are gone)."""
    outside = make_engine(app.config["DATABASE_URL"])
    with outside.connect() as connection:
        others = connection.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).all()
        for pid in others:
            connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    outside.dispose()


def test_after_the_database_drops_connections_an_idle_pool_is_pinged_first(
        app, client, session, world, postgres_only, monkeypatch):
    path = f"/t/{unit_code(app, world.batch, 1)}"
    assert client.get(path).status_code == 200  # the app's pool now holds a connection
    _drop_connections(app)
    monkeypatch.setattr(db_module, "IDLE_BEFORE_PING_SECONDS", 0.0)
    assert client.get(path).status_code == 200
    assert scan_rows(session, world.batch.id, 1) == 2


def test_a_connection_dropped_while_busy_fails_one_request_and_the_next_reconnects(
        app, client, session, world, postgres_only, monkeypatch):
    path = f"/t/{unit_code(app, world.batch, 2)}"
    assert client.get(path).status_code == 200
    monkeypatch.setattr(db_module, "IDLE_BEFORE_PING_SECONDS", 3600.0)  # a busy server: no ping
    _drop_connections(app)
    failed = client.get(path, query_string={"lang": "en"})
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "5"
    assert "nothing was saved" in failed.text
    assert client.get(path).status_code == 200
    assert scan_rows(session, world.batch.id, 2) == 2
