"""Two app instances, one truth: two apps (as two machines behind a proxy would run) on one
PostgreSQL database and one Redis, with their own instance folders. A recall through one shows on
the other's trace pages at once (well within the page's cache lifetime), rate limits count hits on
both, and a job queued through one is done by a `tracelabel worker` and downloaded through the other.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import POSTGRES_URL, PUBLIC_URL
from tracelabel import codes, create_app
from tracelabel.extensions import Database
from tracelabel.services.batches import issue_units

REDIS_URL = "redis://127.0.0.1:6379/0"
# The longest a shared cache may keep a batch page (respond.SHARED_CACHE).
PAGE_CACHE_SECONDS = 60


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.skipif(not POSTGRES_URL, reason="two instances share one PostgreSQL database: set "
                       "TRACELABEL_TEST_DATABASE_URL (SQLite is one machine's file)"),
    pytest.mark.skipif(bool(POSTGRES_URL) and not redis_available() and not os.environ.get("CI"),
                       reason="two instances share rate limits and jobs through Redis at "
                              "127.0.0.1:6379 (CI has it)"),
]


@pytest.fixture
def instances(app, tmp_path, monkeypatch) -> Iterator[list[Flask]]:
    """Two apps on the test's database and one Redis, each with its own instance folder."""
    prefix = f"tracelabel-test-{uuid.uuid4().hex}"
    built = []
    for name in ("one", "two"):
        monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(tmp_path / name))
        built.append(create_app({
            "TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "PUBLIC_URL": PUBLIC_URL,
            "CODE_KEYS": app.config["CODE_KEYS"], "SECRET_KEY": app.config["SECRET_KEY"],
            "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix, "QUEUE_URL": REDIS_URL,
            "QUEUE_NAME": prefix, "RATE_LIMITS_ENABLED": True, "RATE_LIMIT_PUBLIC": "1000/minute"}))
    yield built
    for instance in built:
        Database.engine_for(instance).dispose()


def test_a_recall_through_one_shows_on_the_other_within_the_cache_lifetime(instances, make, session):
    one, two = (instance.test_client() for instance in instances)
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    issue_units(session, owner.actor, batch.id, 5)
    session.commit()
    keys = codes.parse_code_keys(instances[0].config["CODE_KEYS"])
    unit = f"/t/{codes.make_unit_code(batch.code, 3, keys)}"
    batch_page = f"/t/{batch.code}"
    for path in (batch_page, unit):  # both instances have built and cached the pages
        for client in (one, two):
            page = client.get(path, query_string={"lang": "en"})
            assert page.status_code == 200 and "No recall or suspension" in page.text
    cached_for = int(re.search(r"max-age=(\d+)", two.get(batch_page).headers["Cache-Control"])[1])
    assert cached_for <= PAGE_CACHE_SECONDS
    inspector = make.account("inspector")
    recalled = one.post(f"/api/v1/batches/{batch.id}/recall", headers=inspector.headers,
                        json={"reason": "Nhiễm vi sinh vượt ngưỡng"})
    assert recalled.status_code == 200, recalled.get_json()
    started = time.monotonic()
    for path in (batch_page, unit):
        page = two.get(path, query_string={"lang": "en"})
        assert "RECALLED: do not use this product" in page.text
        assert "Nhiễm vi sinh vượt ngưỡng" in page.text
    assert two.get(batch_page, headers={"Accept": "application/json"}).get_json()["status"] == "recalled"
    assert time.monotonic() - started < cached_for


def test_rate_limits_count_the_hits_on_both_instances(app, tmp_path, monkeypatch):
    prefix = f"tracelabel-test-{uuid.uuid4().hex}"
    limited = []
    for name in ("one", "two"):
        monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(tmp_path / name))
        limited.append(create_app({
            "TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "PUBLIC_URL": PUBLIC_URL,
            "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix, "RATE_LIMITS_ENABLED": True,
            "RATE_LIMIT_PUBLIC": "5/minute"}))
    try:
        clients = [instance.test_client() for instance in limited]
        statuses = [clients[n % 2].get("/t/NOSUCHCODE00").status_code for n in range(7)]
        assert statuses == [404] * 5 + [429, 429]  # three hits on one, two on the other, then none
        refused = clients[0].get("/t/NOSUCHCODE00")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    finally:
        for instance in limited:
            Database.engine_for(instance).dispose()


def _start_worker(instance: Flask, folder: str) -> subprocess.Popen:
    config = instance.config
    env = {**os.environ, "TRACELABEL_INSTANCE_PATH": folder,
           "TRACELABEL_DATABASE_URL": config["DATABASE_URL"], "TRACELABEL_CODE_KEYS": config["CODE_KEYS"],
           "TRACELABEL_SECRET_KEY": config["SECRET_KEY"], "TRACELABEL_PUBLIC_URL": config["PUBLIC_URL"],
           "TRACELABEL_REDIS_URL": REDIS_URL, "TRACELABEL_QUEUE_URL": config["QUEUE_URL"],
           "TRACELABEL_QUEUE_NAME": config["QUEUE_NAME"]}
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "worker.log"), "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "tracelabel.console", "worker", "--workers", "1"],
                                env=env, stdout=log, stderr=log, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def test_a_job_queued_through_one_is_done_by_a_worker_and_downloaded_through_the_other(
        instances, make, session, tmp_path):
    from tracelabel import worker

    one, two = (instance.test_client() for instance in instances)
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    issue_units(session, owner.actor, batch.id, 48)
    session.commit()
    queued = one.get(f"/api/v1/batches/{batch.id}/labels", headers=owner.headers,
                     query_string={"units": "1-48", "background": "true"})
    assert queued.status_code == 202, queued.get_json()
    location = queued.headers["Location"]
    process = _start_worker(instances[0], str(tmp_path / "worker"))
    try:
        deadline = time.monotonic() + 240
        while (body := two.get(location, headers=owner.headers).get_json())["state"] not in (
                "done", "failed", "cancelled"):
            assert time.monotonic() < deadline, body
            assert process.poll() is None, (tmp_path / "worker" / "worker.log").read_text()
            time.sleep(0.3)
        assert body["state"] == "done", body
        download = two.get(body["result_url"], headers=owner.headers)
        assert download.status_code == 200 and download.data.startswith(b"%PDF")
        download.close()
    finally:
        _stop(process)
        queue = worker.queue_for(instances[0])
        queue.flush()
        queue.storage.conn.delete(queue.storage.queue_key, queue.storage.schedule_key,
                                  queue.storage.result_key)
