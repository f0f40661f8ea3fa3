"""Large exports as background jobs: 202 and the job's URL, progress, the file for its owner only,
the same file a synchronous export gives, a scoped inspector's province only, the inspector's job
page, cancelling, a failure's reason and a worker that died half-way. The worker runs here, in the
test's process, taking the tasks off the real queue (SQLite in the instance folder, or Redis)."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess

import pytest
from sqlalchemy import func, select, update

from tests import test_exports, test_jobs
from tests.programme_world import QUANG_NINH, official, producer_in
from tests.workspace_client import signed_in
from tracelabel import worker
from tracelabel.models import AuditEntry, Job
from tracelabel.services import exports, jobs
from tracelabel.services.accounts import set_active
from tracelabel.services.actors import SYSTEM

THAI_NGUYEN = "19"
queue = test_jobs.queue  # each test runs on the SQLite queue, then on Redis
epcis_validator = test_exports.epcis_validator


def drain(huey) -> int:
    """Run every task waiting on the queue, as a worker would; how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


@pytest.fixture
def provinces(make):
    """Three batches of a Thái Nguyên producer, two of a Quảng Ninh one; a national inspector
    and a Quảng Ninh one."""
    north = producer_in(make, THAI_NGUYEN, None)
    coast = producer_in(make, QUANG_NINH, None)
    lots = {"north": [make.batch(north, publish=True, lot=f"TN-{n}").lot for n in range(3)],
            "coast": [make.batch(coast, publish=True, lot=f"QN-{n}").lot for n in range(2)]}
    return {"lots": lots, "inspector": official(make, "inspector", None),
            "coastal": official(make, "inspector", "Quảng Ninh")}


def export(client, account, **query):
    return client.get("/api/v1/exports", headers=account.headers, query_string=query)


def without_creation_date(data: bytes) -> dict:
    document = json.loads(data)
    document.pop("creationDate")
    return document


def lots_in(csv_bytes: bytes) -> set[str]:
    rows = csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig")))
    return {row["traceability_lot_code"] for row in rows}


def test_an_export_job_from_202_to_its_file(client, session, make, provinces, queue,
                                            epcis_validator):
    inspector = provinces["inspector"]
    audit_before = session.scalar(select(func.count()).select_from(AuditEntry))
    response = export(client, inspector, format="epcis", background="true")
    assert response.status_code == 202, response.get_json()
    location = response.headers["Location"]
    assert location.endswith(f"/api/v1/jobs/{response.get_json()['id']}")
    waiting = client.get(location, headers=inspector.headers).get_json()
    assert (waiting["kind"], waiting["state"], waiting["progress"]) == ("export", "queued", 0)
    assert waiting["result_url"] is None and waiting["error"] is None
    assert drain(queue) == 1
    body = client.get(location, headers=inspector.headers).get_json()
    assert (body["state"], body["progress"], body["error"]) == ("done", 1, None)
    assert body["result"]["batches"] == 5
    download = client.get(body["result_url"], headers=inspector.headers, buffered=True)
    assert download.status_code == 200 and download.mimetype == "application/ld+json"
    assert "truy-xuat-" in download.headers["Content-Disposition"]
    document = json.loads(download.data)
    assert not [e.message for e in epcis_validator.iter_errors(document)][:3]
    assert len(document["epcisBody"]["eventList"]) == body["result"]["events"]
    at_once = export(client, inspector, format="epcis")
    assert at_once.status_code == 200
    assert without_creation_date(download.data) == without_creation_date(at_once.data)
    # An export writes nothing in the database, as a job no more than at once.
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    # Another inspector (or producer) neither sees the job, nor fetches its file, nor cancels it.
    for other in (provinces["coastal"], make.producer()):
        assert client.get(location, headers=other.headers).status_code == 404
        assert client.get(body["result_url"], headers=other.headers).status_code == 404
        assert client.delete(location, headers=other.headers).status_code == 404
    assert client.delete(location, headers=inspector.headers).status_code == 409  # finished


def test_exports_above_the_threshold_become_jobs(client, session, provinces, queue, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_JOB_THRESHOLD", 2)
    inspector = provinces["inspector"]
    few = export(client, inspector, format="csv", lot="QN-1")
    assert few.status_code == 200 and lots_in(few.data) == {"QN-1"}
    many = export(client, inspector, format="csv")
    assert many.status_code == 202
    job = session.get(Job, many.get_json()["id"])
    assert (job.kind, job.parameters["total"], job.parameters["format"]) == ("export", 5, "csv")
    refused = export(client, inspector, format="xml", background="true")
    assert refused.status_code == 422  # bad input is answered at once, not by a job
    assert session.scalar(select(func.count()).select_from(Job)) == 1


@pytest.mark.parametrize("role", ["inspector", "programme"])
def test_a_scoped_officials_job_holds_its_province_only(client, make, provinces, queue, role):
    coastal = official(make, role, "Quảng Ninh")
    assert coastal.user.scope_province_code == QUANG_NINH
    response = export(client, coastal, format="csv", background="true")
    assert response.status_code == 202
    drain(queue)
    body = client.get(response.headers["Location"], headers=coastal.headers).get_json()
    assert body["state"] == "done" and body["result"]["batches"] == 2
    download = client.get(body["result_url"], headers=coastal.headers, buffered=True)
    assert lots_in(download.data) == {"QN-0", "QN-1"}
    assert download.data == export(client, coastal, format="csv").data  # byte for byte
    assert "Thái Nguyên" not in download.data.decode("utf-8-sig")


def test_the_form_leads_to_a_job_page_that_works_without_javascript(app, session, provinces,
                                                                     queue):
    inspector = provinces["inspector"]
    pages = signed_in(app, inspector.user.email)
    form = pages.get("/inspector/exports").get_data(as_text=True)
    assert 'name="background"' in form and "5,000" in form
    response = pages.get("/inspector/exports", query_string={"format": "csv", "background": "y",
                                                             "producer": "HTX"})
    assert response.status_code == 302
    job = session.scalar(select(Job))
    assert response.headers["Location"].endswith(f"/inspector/jobs/{job.id}")
    page = pages.get(f"/inspector/jobs/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in page and "<progress" in page
    assert "Waiting for a worker" in page and "Cancel the job" in page
    assert f'data-state-url="/inspector/jobs/{job.id}/state"' in page
    assert pages.get(f"/inspector/jobs/{job.id}/state").get_json()["state"] == "queued"
    assert pages.get(f"/inspector/jobs/{job.id}/result").status_code == 404  # no file yet
    drain(queue)
    page = pages.get(f"/inspector/jobs/{job.id}").get_data(as_text=True)
    assert "Done" in page and 'http-equiv="refresh"' not in page and "Cancel the job" not in page
    assert f'href="/inspector/jobs/{job.id}/result"' in page and "Kept until" in page
    assert pages.get(f"/inspector/jobs/{job.id}/state").get_json()["progress"] == 1
    download = pages.get(f"/inspector/jobs/{job.id}/result")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert lots_in(download.data) == {*provinces["lots"]["north"], *provinces["lots"]["coast"]}
    # Vietnamese first: the same page in the default language.
    vietnamese = signed_in(app, inspector.user.email, language=None)
    page = vietnamese.get(f"/inspector/jobs/{job.id}").get_data(as_text=True)
    assert "Đã xong" in page and "Giữ đến" in page
    other = signed_in(app, provinces["coastal"].user.email)
    for path in ("", "/state", "/result"):
        assert other.get(f"/inspector/jobs/{job.id}{path}").status_code == 404
    refused = other.submit("/inspector/exports", {}, action=f"/inspector/jobs/{job.id}/cancel")
    assert refused.status_code == 404  # with a good token of its own: still not its job


def test_a_small_export_from_the_form_is_still_a_download(app, session, provinces, queue):
    pages = signed_in(app, provinces["inspector"].user.email)
    response = pages.get("/inspector/exports", query_string={"format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_cancelled_from_the_page_the_job_never_runs(app, session, provinces, queue):
    pages = signed_in(app, provinces["inspector"].user.email)
    pages.get("/inspector/exports", query_string={"format": "epcis", "background": "y"})
    job_id = session.scalar(select(Job.id))
    assert pages.client.post(f"/inspector/jobs/{job_id}/cancel").status_code == 400  # no token
    done = pages.submit(f"/inspector/jobs/{job_id}", {}, action=f"/inspector/jobs/{job_id}/cancel")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/inspector/jobs/{job_id}")
    page = pages.get(f"/inspector/jobs/{job_id}").get_data(as_text=True)
    assert "The job was cancelled." in page and "Cancelled" in page
    drain(queue)
    job = session.get(Job, job_id, populate_existing=True)
    assert (job.state, job.attempts, job.result_path) == ("cancelled", 0, None)


def test_cancelled_while_writing_the_job_keeps_no_file(app, client, session, provinces, queue,
                                                       monkeypatch):
    inspector = provinces["inspector"]
    location = export(client, inspector, format="csv", background="true").headers["Location"]
    job_id = int(location.rsplit("/", 1)[1])
    matching = exports.matching_batches

    def cancelled_after_the_first(*args):
        for position, batch in enumerate(matching(*args)):
            if position == 1:  # the owner presses cancel while the worker writes
                assert client.delete(location, headers=inspector.headers).status_code == 200
            yield batch

    monkeypatch.setattr(exports, "matching_batches", cancelled_after_the_first)
    monkeypatch.setattr(worker, "PROGRESS_EVERY", 0)
    drain(queue)
    body = client.get(location, headers=inspector.headers).get_json()
    assert (body["state"], body["result_url"]) == ("cancelled", None)
    assert session.get(Job, job_id, populate_existing=True).result_path is None
    assert not [name for name in os.listdir(os.path.join(app.instance_path, "jobs"))
                if name.startswith(f"job-{job_id}.")]


def test_a_failed_export_says_why_in_the_readers_language(app, client, session, provinces,
                                                          queue):
    inspector = provinces["inspector"]
    location = export(client, inspector, format="csv", background="true").headers["Location"]
    set_active(session, SYSTEM, inspector.user.id, False)  # deactivated while the job waited
    session.commit()
    drain(queue)
    set_active(session, SYSTEM, inspector.user.id, True)
    session.commit()
    body = client.get(location, headers=inspector.headers).get_json()
    assert (body["state"], body["result_url"]) == ("failed", None)
    assert body["error"] == "Tài khoản yêu cầu công việc này không còn hoạt động."
    english = client.get(location, headers={**inspector.headers, "Accept-Language": "en"})
    assert english.get_json()["error"] == ("The account that asked for this job is no longer "
                                           "active.")
    page = signed_in(app, inspector.user.email, language=None).get(
        f"/inspector/jobs/{body['id']}").get_data(as_text=True)
    assert "Thất bại" in page and "Tài khoản yêu cầu công việc này không còn hoạt động." in page


def test_a_worker_that_died_half_way_leaves_no_half_file(app, client, session, provinces, queue):
    inspector = provinces["inspector"]
    location = export(client, inspector, format="csv", background="true").headers["Location"]
    job_id = int(location.rsplit("/", 1)[1])
    gone = subprocess.Popen(["true"])
    gone.wait()
    # What a worker killed mid-file leaves: the job running under its pid, a half-written file.
    assert jobs.claim_job(session, job_id, f"{socket.gethostname()}:{gone.pid}")
    session.execute(update(Job).where(Job.id == job_id).values(progress=0.4))
    session.commit()
    folder = jobs.results_folder(app.instance_path)
    with open(os.path.join(folder, f"job-{job_id}.csv.part"), "wb") as half:
        half.write(b"\xef\xbb\xbfevent_id,event_type\nni:///sha-256;half")
    drain(queue)  # the queued task finds the job taken: nothing runs twice at once
    assert client.get(location, headers=inspector.headers).get_json()["state"] == "running"
    assert worker.sweep(app) == 1  # a restarted worker takes the job over
    drain(queue)
    body = client.get(location, headers=inspector.headers).get_json()
    assert body["state"] == "done", body
    download = client.get(body["result_url"], headers=inspector.headers, buffered=True)
    assert download.data == export(client, inspector, format="csv").data
    assert session.get(Job, job_id, populate_existing=True).attempts == 2
    assert not [name for name in os.listdir(folder) if name.endswith(".part")]
