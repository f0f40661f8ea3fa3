"""Faults: the database connection dies mid-publish or mid-import, the database restarts under a
running server, the label output fills up. Each time: an error, and the data as it was."""

from __future__ import annotations

import errno
import io
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import event, func, select, text

from tests.conftest import POSTGRES_URL
from tracelabel.extensions import Database
from tracelabel.models import AuditEntry, Batch
from tracelabel.services.audit import verify_chain
from tracelabel.services.imports import TEMPLATE_CSV


class ConnectionKiller:
    """Kills the database connection when a chosen statement is about to run (armed once)."""

    def __init__(self, engine, statement_prefix: str, after: int = 0) -> None:
        self.engine, self.prefix, self.remaining, self.fired = engine, statement_prefix, after, False
        event.listen(engine, "before_cursor_execute", self.before)

    def before(self, connection, cursor, statement, parameters, context, executemany):
        if self.fired or not statement.lstrip().upper().startswith(self.prefix):
            return
        if self.remaining > 0:
            self.remaining -= 1
            return
        self.fired = True
        if self.engine.dialect.name == "postgresql":
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        else:
            raise sqlite3.OperationalError("disk I/O error")

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self.before)


def counts(session):
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Batch)),
            session.scalar(select(func.count()).select_from(AuditEntry)))


def test_connection_lost_mid_publish_leaves_the_draft_untouched(app, client, make, session):
    owner = make.producer()
    batch = make.batch(owner)
    before = counts(session)
    killer = ConnectionKiller(Database.engine_for(app), "INSERT INTO AUDIT_ENTRIES")
    try:
        response = client.post(f"/api/v1/batches/{batch.id}/publish", headers=owner.headers)
    finally:
        killer.remove()
    assert killer.fired
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "application/problem+json"
    assert counts(session) == before
    assert session.get(Batch, batch.id).status == "draft"
    assert verify_chain(session).ok
    again = client.post(f"/api/v1/batches/{batch.id}/publish", headers=owner.headers)
    assert again.status_code == 200, again.get_json()
    assert verify_chain(session).ok


def test_connection_lost_mid_import_writes_no_batch(app, client, make, session):
    owner = make.producer()
    make.product(owner, name="Miến dong Bình Liêu")
    make.area(owner, code="VN-QNBL-0003")
    rows = "\n".join(f"Miến dong Bình Liêu;L-{n};01/11/2026;;10;gói;VN-QNBL-0003;;;;" for n in range(30))
    data = (TEMPLATE_CSV.splitlines()[0] + "\n" + rows + "\n").encode()
    before = counts(session)
    # The import writes its batches in one statement, then their links: the link insert fails after
    # every batch row is in, and none of them may stay.
    killer = ConnectionKiller(Database.engine_for(app), "INSERT INTO BATCH_AREAS")
    try:
        response = client.post("/api/v1/imports", headers=owner.headers,
                               data={"file": (io.BytesIO(data), "lo.csv")},
                               content_type="multipart/form-data")
    finally:
        killer.remove()
    assert killer.fired
    assert response.status_code == 503
    assert counts(session) == before
    assert verify_chain(session).ok


def test_label_output_that_fills_up_is_an_error_not_a_file(app, client, make, monkeypatch):
    from tracelabel.web import downloads

    class FullDisk(io.BytesIO):
        def __init__(self, *args, **kwargs):
            super().__init__()

        def write(self, data):
            if self.tell() + len(data) > 4096:
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(data)

    owner = make.producer()
    batch = make.batch(owner, publish=True)
    monkeypatch.setattr(downloads.tempfile, "SpooledTemporaryFile", FullDisk)
    response = client.get(f"/api/v1/batches/{batch.id}/labels?format=pdf", headers=owner.headers)
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert b"%PDF" not in response.data


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@pytest.mark.skipif(not POSTGRES_URL, reason="runs against PostgreSQL (CI sets the database)")
def test_server_recovers_when_postgresql_drops_every_connection(app, make, tmp_path):
    """All of the app's connections are cut, as a PostgreSQL restart does; the same server process
    answers again without being restarted (dropped connections are noticed by the pool's pre-ping).
    The database server itself is not restarted here: other test workers share it."""
    make.producer()
    url = Database.engine_for(app).url.render_as_string(hide_password=False)
    port = free_port()
    env = {"TRACELABEL_DATABASE_URL": url, "TRACELABEL_INSTANCE_PATH": str(tmp_path / "srv"),
           "TRACELABEL_RATE_LIMITS_ENABLED": "false", "PATH": "/usr/bin:/bin"}
    server = subprocess.Popen([sys.executable, "-m", "tracelabel.console", "serve", "--port",
                               str(port), "--workers", "2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while fetch(base + "/healthz") != 200:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        assert all(fetch(base + "/healthz") == 200 for _ in range(6))
        database = Database.engine_for(app).url.database
        with Database.engine_for(app).connect() as connection:
            killed = connection.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": database})
        assert killed >= 1
        statuses = [fetch(base + "/healthz") for _ in range(10)]
        assert 500 not in statuses
        assert statuses[-3:] == [200, 200, 200]
    finally:
        server.terminate()
        server.wait(timeout=10)
