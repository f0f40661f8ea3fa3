"""The capture page's server side: what it keeps offline (one user's), and its session sync path."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.test_idempotency import event_body
from tests.workspace_client import signed_in
from tracelabel.models import TraceEvent
from tracelabel.services import batches as batch_service


def test_the_page_says_what_it_needs_without_javascript(app, make):
    owner = make.producer()
    response = signed_in(app, owner.user.email, language=None).get("/workspace/capture")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<noscript><p class="warn" id="needs-script">Trang này giữ bản ghi' in html
    assert '<form id="record" class="card capture-form" novalidate hidden>' in html
    assert 'rel="manifest" href="/workspace/capture/manifest.webmanifest"' in html
    assert 'accept="image/*" capture="environment"' in html
    assert response.headers["X-Capture-User"] == str(owner.user.id)
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    assert "private" in response.headers["Cache-Control"]


def test_worker_and_manifest_are_served_from_this_origin_without_data(client):
    worker = client.get("/workspace/capture/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/workspace/capture"
    manifest = client.get("/workspace/capture/manifest.webmanifest").get_json()
    assert manifest["start_url"] == "/workspace/capture"
    assert manifest["scope"] == "/workspace/capture"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"], buffered=True).mimetype == "image/png"
    assert client.get("/workspace/capture/data").status_code == 302  # to the login page


def test_data_holds_the_users_open_batches_only(app, make, session):
    owner, inspector = make.producer(), make.account("inspector")
    draft = make.batch(owner, lot="NHAP-01")
    published = make.batch(owner, lot="BAN-02", publish=True)
    recalled = make.batch(owner, lot="THU-HOI-03", publish=True)
    make.batch(make.producer(), lot="KHAC-04")
    batch_service.change_batch_status(session, inspector.actor, recalled.id, "recall", "Lỗi")
    session.commit()
    data = signed_in(app, owner.user.email).get("/workspace/capture/data").get_json()
    assert data["user_id"] == owner.user.id
    assert {b["lot"] for b in data["batches"]} == {"NHAP-01", "BAN-02"}
    assert {b["id"] for b in data["batches"]} == {draft.id, published.id}
    assert [a["name"] for a in data["areas"]] and data["csrf_token"]
    assert {s["key"] for s in data["steps"]} >= {"harvesting", "packing"}


def test_sync_through_the_session_needs_the_csrf_token_and_is_idempotent(app, make, session):
    owner = make.producer()
    batch = make.batch(owner)
    pages = signed_in(app, owner.user.email, language=None)
    token = pages.get("/workspace/capture/data").get_json()["csrf_token"]
    url = f"/workspace/capture/batches/{batch.id}/events"
    body = event_body()
    before = session.scalar(select(func.count()).select_from(TraceEvent))
    refused = pages.client.post(url, json=body, headers={"Idempotency-Key": "rec-1"})
    assert refused.status_code == 400  # no CSRF token: nothing written
    headers = {"Idempotency-Key": "rec-1", "X-CSRFToken": token}
    first = pages.client.post(url, json=body, headers=headers)
    again = pages.client.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    api_replay = app.test_client().post(f"/api/v1/batches/{batch.id}/events", json=body,
                                        headers={**owner.headers, "Idempotency-Key": "rec-1"})
    assert api_replay.headers["Idempotent-Replayed"] == "true"  # one service, one key space
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(TraceEvent)) == before + 1


def test_a_refusal_comes_back_as_a_problem_in_vietnamese(app, make, session):
    owner, inspector = make.producer(), make.account("inspector")
    batch = make.batch(owner, publish=True)
    batch_service.change_batch_status(session, inspector.actor, batch.id, "recall", "Nấm mốc")
    session.commit()
    pages = signed_in(app, owner.user.email, language=None)
    token = pages.get("/workspace/capture/data").get_json()["csrf_token"]
    response = pages.client.post(f"/workspace/capture/batches/{batch.id}/events", json=event_body(),
                                 headers={"Idempotency-Key": "rec-2", "X-CSRFToken": token})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Chuỗi của lô hàng đã thu hồi đã khép lại."
    other = signed_in(app, make.producer().user.email, language=None)
    token = other.get("/workspace/capture/data").get_json()["csrf_token"]
    stranger = other.client.post(f"/workspace/capture/batches/{batch.id}/events", json=event_body(),
                                 headers={"X-CSRFToken": token})
    assert stranger.status_code == 404
    assert stranger.mimetype == "application/problem+json"
