"""Background jobs: large label runs and imports through the API, run by real `tracelabel worker`
processes on the embedded SQLite queue and on Redis, against the test's database."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import func, select, update

from tests.workspace_client import signed_in
from tracelabel import worker
from tracelabel.models import AuditEntry, Batch, Job, LabelRun
from tracelabel.services.audit import verify_chain
from tracelabel.services.batches import change_batch_status, issue_units

REDIS_URL = "redis://127.0.0.1:6379/13"


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # any failure means: no Redis here
        return False


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def queue(request, app):
    """The app's job queue: SQLite in the instance folder, or Redis under a name of this test's."""
    if request.param == "redis-queue":
        if not redis_reachable():
            pytest.skip("no Redis at 127.0.0.1:6379")
        app.config.update(QUEUE_URL=REDIS_URL, QUEUE_NAME=f"tracelabel-test-{uuid.uuid4().hex}")
    huey = worker.queue_for(app)
    yield huey
    huey.flush()
    if request.param == "redis-queue":
        huey.storage.conn.delete(huey.storage.queue_key, huey.storage.schedule_key,
                                 huey.storage.result_key)


class Workers:
    """`tracelabel worker` subprocesses on the app's database and queue."""

    def __init__(self, app) -> None:
        self.app, self.running = app, []

    def start(self) -> subprocess.Popen:
        config = self.app.config
        env = {**os.environ, "TRACELABEL_INSTANCE_PATH": self.app.instance_path,
               "TRACELABEL_DATABASE_URL": config["DATABASE_URL"],
               "TRACELABEL_CODE_KEYS": config["CODE_KEYS"],
               "TRACELABEL_SECRET_KEY": config["SECRET_KEY"],
               "TRACELABEL_PUBLIC_URL": config["PUBLIC_URL"]}
        for name in ("QUEUE_URL", "QUEUE_NAME"):
            if config.get(name):
                env[f"TRACELABEL_{name}"] = config[name]
        log = os.path.join(self.app.instance_path, f"worker-{len(self.running)}.log")
        with open(log, "wb") as output:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen([sys.executable, "-m", "tracelabel.console", "worker",
                                        "--workers", "1"], env=env, stdout=output, stderr=output,
                                       start_new_session=True)
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    self.kill(process)


@pytest.fixture
def workers(app, queue):
    started = Workers(app)
    yield started
    started.stop_all()


@pytest.fixture
def published(make, session):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    return owner, batch


def issue(session, owner, batch, count):
    issue_units(session, owner.actor, batch.id, count)
    session.commit()


def poll(client, account, location, until=("done", "failed", "cancelled"), timeout=240,
         check=lambda body: True):
    """GET the job until it reaches one of the states (and ``check`` holds); its last body."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(location, headers=account.headers).get_json()
        if body["state"] in until and check(body):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def start_labels(client, owner, batch, **query):
    response = client.get(f"/api/v1/batches/{batch.id}/labels", headers=owner.headers,
                          query_string=query)
    assert response.status_code == 202, response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/jobs/{response.get_json()['id']}")
    return response


def test_a_label_job_from_queue_to_file_to_expiry(client, app, make, session, published, workers):
    owner, batch = published
    issue(session, owner, batch, 600)
    response = start_labels(client, owner, batch, units="1-600", background="true")
    location = response.headers["Location"]
    assert response.get_json()["state"] == "queued"
    assert response.get_json()["result_url"] is None
    workers.start()
    body = poll(client, owner, location)
    assert body["state"] == "done", body
    assert body["progress"] == 1 and body["error"] is None
    download = client.get(body["result_url"], headers=owner.headers)
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF") and download.data.rstrip().endswith(b"%%EOF")
    assert f"nhan-{batch.code}-1-600.pdf" in download.headers["Content-Disposition"]
    download.close()
    assert session.scalar(select(func.count()).select_from(LabelRun)) == 1
    # Another producer neither sees the job nor fetches its file.
    other = make.producer(make.organization("HTX Khác"))
    assert client.get(location, headers=other.headers).status_code == 404
    assert client.get(body["result_url"], headers=other.headers).status_code == 404
    assert client.delete(location, headers=other.headers).status_code == 404
    # Past its time the file is gone: no URL, 410, and the worker's sweep removes it.
    job = session.get(Job, body["id"])
    path = job.result_path
    session.execute(update(Job).where(Job.id == job.id)
                    .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    session.commit()
    assert client.get(location, headers=owner.headers).get_json()["result_url"] is None
    gone = client.get(body["result_url"], headers=owner.headers)
    assert gone.status_code == 410 and gone.mimetype == "application/problem+json"
    worker.sweep(app)
    assert not os.path.exists(path)


def test_runs_above_the_threshold_become_jobs_and_cancel(client, session, published, queue):
    owner, batch = published
    issue(session, owner, batch, 20_001)
    small = client.get(f"/api/v1/batches/{batch.id}/labels", headers=owner.headers,
                       query_string={"units": "1-24"})
    assert small.status_code == 200 and small.mimetype == "application/pdf"
    location = start_labels(client, owner, batch, units="1-20001").headers["Location"]
    cancelled = client.delete(location, headers=owner.headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    again = client.delete(location, headers=owner.headers, query_string={"lang": "en"})
    assert again.status_code == 409
    assert "already cancelled" in again.get_json()["title"]


def test_refused_requests_answer_at_once_not_as_jobs(client, session, published, queue):
    owner, batch = published
    issue(session, owner, batch, 10)
    response = client.get(f"/api/v1/batches/{batch.id}/labels", headers=owner.headers,
                          query_string={"units": "1-30000", "background": "true"})
    assert response.status_code == 409  # serials not issued: said now, not by a job later
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_failed_job_says_why_in_the_readers_language(client, make, session, published,
                                                       workers):
    owner, batch = published
    issue(session, owner, batch, 48)
    location = start_labels(client, owner, batch, units="1-48", background="true").headers[
        "Location"]
    inspector = make.account("inspector")
    change_batch_status(session, inspector.actor, batch.id, "recall", "Nhiễm khuẩn")
    session.commit()
    workers.start()
    body = poll(client, owner, location)
    assert body["state"] == "failed" and body["result_url"] is None
    english = client.get(location, headers={**owner.headers, "Accept-Language": "en"}).get_json()
    assert english["error"] == ("Labels are printed for published batches only; this one is "
                                "recalled.")
    assert body["error"] != english["error"]  # Vietnamese by default
    assert session.scalar(select(func.count()).select_from(LabelRun)) == 0


def test_a_worker_killed_half_way_is_taken_over_and_nothing_doubles(client, session, published,
                                                                     workers):
    owner, batch = published
    issue(session, owner, batch, 30_000)
    location = start_labels(client, owner, batch, units="1-30000", format="zpl").headers[
        "Location"]
    first = workers.start()
    poll(client, owner, location, until=("running",), check=lambda b: b["progress"] >= 0.05)
    workers.kill(first)
    workers.start()
    body = poll(client, owner, location)
    assert body["state"] == "done", body
    with client.get(body["result_url"], headers=owner.headers) as download:
        data = download.data
    assert data.count(b"^XA") == 30_000 and data.rstrip().endswith(b"^XZ")
    job = session.get(Job, body["id"], populate_existing=True)
    assert job.attempts == 2
    assert session.scalar(select(func.count()).select_from(LabelRun)) == 1
    assert not [name for name in os.listdir(os.path.dirname(job.result_path))
                if name.endswith(".part")]


def test_a_large_import_is_checked_at_once_then_written_by_a_job(client, session, make, workers):
    owner = make.producer()
    make.product(owner, name="Miến dong Bình Liêu")
    make.area(owner, code="VN-QNBL-0003")
    rows = [f"Miến dong Bình Liêu;L-{n:05d};01/11/2026;;10;gói;VN-QNBL-0003" for n in range(6_000)]
    text = "sản phẩm;số lô;ngày sản xuất;hạn sử dụng;số lượng;đơn vị;mã vùng trồng\n" + "\n".join(rows)
    body = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="lo.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\n" + text.encode("utf-8") + b"\r\n--b--\r\n")
    entries_before = session.scalar(select(func.count()).select_from(AuditEntry))
    response = client.post("/api/v1/imports", headers=owner.headers, data=body,
                           content_type="multipart/form-data; boundary=b")
    assert response.status_code == 202, response.get_json()
    workers.start()
    job = poll(client, owner, response.headers["Location"])
    assert job["state"] == "done", job
    assert job["result"] == {"rows_read": 6_000, "rows_written": 6_000}
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Batch)) == 6_000
    created = session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "batch.create"))
    assert created == 6_000
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries_before + 6_000
    assert verify_chain(session).ok


def test_the_workspace_job_page_works_without_javascript_and_cancels(app, client, make, session,
                                                                      published, queue):
    owner, batch = published
    issue(session, owner, batch, 20_001)
    job_id = start_labels(client, owner, batch, units="1-20001").get_json()["id"]
    pages = signed_in(app, owner.user.email)
    page = pages.get(f"/workspace/jobs/{job_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh"' in html and "<progress" in html
    assert "Waiting for a worker" in html
    assert pages.get(f"/workspace/jobs/{job_id}/state").get_json()["state"] == "queued"
    other = make.producer(make.organization("HTX Khác"))
    assert signed_in(app, other.user.email).get(f"/workspace/jobs/{job_id}").status_code == 404
    assert pages.client.post(f"/workspace/jobs/{job_id}/cancel").status_code == 400  # no token
    done = pages.submit(f"/workspace/jobs/{job_id}", {}, action=f"/workspace/jobs/{job_id}/cancel")
    assert done.status_code == 302
    html = pages.get(f"/workspace/jobs/{job_id}").get_data(as_text=True)
    assert "Cancelled" in html and 'http-equiv="refresh"' not in html
    assert session.get(Job, job_id, populate_existing=True).state == "cancelled"


def test_a_large_run_from_the_workspace_form_goes_to_its_job_page(app, session, published, queue):
    owner, batch = published
    issue(session, owner, batch, 20_001)
    pages = signed_in(app, owner.user.email)
    response = pages.get(f"/workspace/batches/{batch.id}/labels",
                         query_string={"output": "pdf:a4-3x8:qr", "units": "1-20001"})
    assert response.status_code == 302
    job = session.scalar(select(Job))
    assert response.headers["Location"].endswith(f"/workspace/jobs/{job.id}")
    assert (job.kind, job.state, job.parameters["total"]) == ("labels", "queued", 20_001)
