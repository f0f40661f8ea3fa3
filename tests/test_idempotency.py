"""``Idempotency-Key`` on chain events: a repeat answers the first result and writes nothing new."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from tests.conftest import POSTGRES_URL
from tests.factories import VN
from tests.test_conflicts_and_hygiene import answer, at_once
from tracelabel.models import AuditEntry, IdempotencyKey, TraceEvent


def event_body(**changes) -> dict:
    occurred = (dt.datetime.now(VN) - dt.timedelta(hours=2)).replace(microsecond=0)
    return {"step": "harvesting", "occurred_at": occurred.isoformat(), "place": "Đồi chè số 3",
            "note": "Hái đợt hai", **changes}


def post_event(client, account, batch_id, body, key=None):
    headers = dict(account.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/batches/{batch_id}/events", json=body, headers=headers)


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_a_repeat_answers_the_first_result_and_writes_nothing(client, make, session):
    owner = make.producer()
    batch = make.batch(owner)
    body = event_body()
    first = post_event(client, owner, batch.id, body, key="phone-7f3a-0001")
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    events, audit = count(session, TraceEvent), count(session, AuditEntry)

    again = post_event(client, owner, batch.id, body, key="phone-7f3a-0001")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.get_json()["place"] == "Đồi chè số 3"
    assert (count(session, TraceEvent), count(session, AuditEntry)) == (events, audit)


def test_the_same_key_with_another_body_is_refused(client, make, session):
    owner = make.producer()
    batch = make.batch(owner)
    assert post_event(client, owner, batch.id, event_body(), key="k-1").status_code == 201
    events = count(session, TraceEvent)
    other = post_event(client, owner, batch.id, event_body(place="Xưởng"), key="k-1")
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert "đã được dùng" in other.get_json()["errors"][0]["message"]
    elsewhere = post_event(client, owner, make.batch(owner).id, event_body(), key="k-1")
    assert elsewhere.status_code == 422  # the same body on another batch is another request
    assert count(session, TraceEvent) == events + 1  # only the other make.batch's own event


def test_keys_belong_to_their_user(client, make, session):
    owner = make.producer()
    colleague = make.producer(owner.user.organization)
    batch = make.batch(owner)
    body = event_body()
    mine = post_event(client, owner, batch.id, body, key="shared-key")
    theirs = post_event(client, colleague, batch.id, body, key="shared-key")
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert count(session, IdempotencyKey) == 2


def test_a_refused_request_keeps_no_key_so_the_fixed_record_goes_through(client, make, session):
    owner = make.producer()
    batch = make.batch(owner)
    future = (dt.datetime.now(VN) + dt.timedelta(days=2)).isoformat()
    refused = post_event(client, owner, batch.id, event_body(occurred_at=future), key="fix-me")
    assert refused.status_code == 422
    assert count(session, IdempotencyKey) == 0
    fixed = post_event(client, owner, batch.id, event_body(), key="fix-me")
    assert fixed.status_code == 201


def test_bad_keys_are_named(client, make):
    owner = make.producer()
    batch = make.batch(owner)
    for key in ("", "   ", "có dấu", "x" * 201):
        response = post_event(client, owner, batch.id, event_body(), key=key)
        assert response.status_code == 422, key
        assert response.get_json()["errors"][0]["field"] == "Idempotency-Key"


def test_recorded_and_received_times_and_position_are_kept(client, make, session):
    owner = make.producer()
    batch = make.batch(owner)
    recorded = (dt.datetime.now(VN) - dt.timedelta(hours=5)).replace(microsecond=0)
    body = event_body(recorded_at=recorded.isoformat(), latitude=21.5942, longitude=105.8482,
                      position_accuracy_m=12.4)
    response = post_event(client, owner, batch.id, body)
    assert response.status_code == 201, response.get_json()
    event = response.get_json()
    assert dt.datetime.fromisoformat(event["recorded_at"]) == recorded
    received = dt.datetime.fromisoformat(event["received_at"])
    assert abs(received - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert (event["latitude"], event["longitude"], event["position_accuracy_m"]) == (
        21.5942, 105.8482, 12)
    half = post_event(client, owner, batch.id, event_body(latitude=21.5))
    assert half.status_code == 422
    assert half.get_json()["errors"][0]["field"] == "longitude"


def test_concurrent_requests_with_one_key_store_once(app, make, session):
    owner = make.producer()
    batch = make.batch(owner)
    body = event_body()
    events = count(session, TraceEvent)

    def send(_i: int):
        response = post_event(app.test_client(), owner, batch.id, body, key="same-moment")
        return (*answer(response), response.headers.get("Idempotent-Replayed"))

    results = at_once(6, send)
    assert count(session, TraceEvent) == events + 1
    assert count(session, IdempotencyKey) == 1
    stored = [(status, body) for status, body, _replayed in results if status == 201]
    if POSTGRES_URL:  # waits on the unique index, then answers what the first stored
        assert len(stored) == 6, results
        assert sum(replayed is None for *_rest, replayed in results) == 1
    else:  # SQLite's single writer may answer 409 ("try again"), never a second event
        assert {status for status, *_ in results} <= {201, 409}, results
    assert len({body["id"] for _status, body in stored}) == 1
