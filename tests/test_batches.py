"""The batch life cycle and its chain, through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tracelabel.models import Batch, BatchInput, TraceEvent

TODAY = dt.date.today()
NOW = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).replace(microsecond=0)


def batch_body(product_id: int, **extra) -> dict:
    return {"product_id": product_id, "lot": "LO-2611-01", "production_date": str(TODAY),
            "expiry_date": str(TODAY + dt.timedelta(days=180)), "quantity": 250, "unit": "kg",
            **extra}


def test_create_publish_and_read_a_batch(client, make):
    owner = make.producer()
    product = make.product(owner)
    area = make.area(owner)
    facility = make.facility(owner)
    certificate = make.certificate(owner, product)
    response = client.post("/api/v1/batches", headers=owner.headers, json=batch_body(
        product.id, area_ids=[area.id], facility_ids=[facility.id],
        certificate_ids=[certificate.id]))
    assert response.status_code == 201, response.get_json()
    batch = response.get_json()
    assert batch["status"] == "draft"
    assert len(batch["code"]) == 12
    assert batch["trace_url"] == f"https://trace.example.vn/t/{batch['code']}"
    assert (batch["area_ids"], batch["facility_ids"], batch["certificate_ids"]) == (
        [area.id], [facility.id], [certificate.id])
    assert batch["production_date"] == str(TODAY)

    event = client.post(f"/api/v1/batches/{batch['id']}/events", headers=owner.headers, json={
        "step": "harvesting", "occurred_at": NOW.isoformat(), "area_id": area.id})
    assert event.status_code == 201, event.get_json()
    assert event.get_json()["occurred_at"] == NOW.isoformat()

    published = client.post(f"/api/v1/batches/{batch['id']}/publish", headers=owner.headers)
    assert published.status_code == 200
    assert published.get_json()["status"] == "published"
    assert published.get_json()["published_at"]


def test_gtin_product_batches_get_a_digital_link(client, make):
    owner = make.producer()
    product = make.product(owner, gtin="8936005120011")
    batch = client.post("/api/v1/batches", headers=owner.headers,
                        json=batch_body(product.id, lot="A1/B2")).get_json()
    assert batch["trace_url"] == "https://trace.example.vn/01/08936005120011/10/A1%2FB2"


def test_gtin_product_lot_must_fit_gs1(client, make):
    owner = make.producer()
    product = make.product(owner, gtin="8936005120011")
    response = client.post("/api/v1/batches", headers=owner.headers,
                           json=batch_body(product.id, lot="Lô số 1"))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "lot"


def test_publishing_needs_an_origin(client, make, session):
    owner = make.producer()
    product = make.product(owner)
    batch = client.post("/api/v1/batches", headers=owner.headers, json=batch_body(product.id)).get_json()
    response = client.post(f"/api/v1/batches/{batch['id']}/publish", headers=owner.headers)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "area_ids"
    session.expire_all()
    assert session.get(Batch, batch["id"]).status == "draft"


def test_an_input_lot_is_an_origin_and_links_back_to_its_batch(client, make, session):
    owner = make.producer()
    source = make.batch(owner, publish=True)
    product = make.product(owner, name="Trà xanh túi lọc")
    body = batch_body(product.id, input_lots=[
        {"code": source.code.lower(), "quantity": 20, "unit": "kg"},
        {"lot": "SUP-77", "supplier": "HTX Chè La Bằng"}])
    batch = client.post("/api/v1/batches", headers=owner.headers, json=body).get_json()
    assert batch["input_lots"][0]["input_batch_id"] == source.id
    assert batch["input_lots"][1] == {"input_batch_id": None, "lot": "SUP-77",
                                      "supplier": "HTX Chè La Bằng", "quantity": None, "unit": None}
    assert client.post(f"/api/v1/batches/{batch['id']}/publish",
                       headers=owner.headers).status_code == 200
    forward = session.scalars(select(BatchInput.batch_id).where(
        BatchInput.input_batch_id == source.id)).all()
    assert forward == [batch["id"]]


@pytest.mark.parametrize(("changes", "field"), [
    ({"expiry_date": str(TODAY - dt.timedelta(days=400))}, "expiry_date"),
    ({"quantity": 0}, "quantity"),
    ({"lot": ""}, "lot"),
    ({"production_date": "26/11/2026"}, "production_date"),
    ({"input_lots": [{"supplier": "nobody"}]}, "input_lots.0"),
    ({"input_lots": [{"code": "ZZZZZZZZZZZZ"}]}, "input_lots.0.code"),
    ({"certificate_ids": [987654]}, "certificate_ids"),
    ({"product_id": 987654}, "product_id"),
])
def test_bad_batches_are_refused_and_nothing_is_written(client, make, session, changes, field):
    owner = make.producer()
    product = make.product(owner)
    response = client.post("/api/v1/batches", headers=owner.headers,
                           json={**batch_body(product.id), **changes})
    assert response.status_code == 422, response.get_json()
    assert field in [e["field"] for e in response.get_json()["errors"]]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Batch)) == 0


def test_duplicate_lot_of_the_same_product_is_refused(client, make):
    owner = make.producer()
    product = make.product(owner)
    assert client.post("/api/v1/batches", headers=owner.headers,
                       json=batch_body(product.id)).status_code == 201
    again = client.post("/api/v1/batches", headers=owner.headers, json=batch_body(product.id))
    assert again.status_code == 422
    assert again.get_json()["errors"][0]["field"] == "lot"


def test_another_producers_area_cannot_be_claimed(client, make):
    owner, other = make.producer(), make.producer()
    foreign_area = make.area(other)
    response = client.post("/api/v1/batches", headers=owner.headers,
                           json=batch_body(make.product(owner).id, area_ids=[foreign_area.id]))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "area_ids"


def test_published_batch_is_append_only(client, make, session):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    url = f"/api/v1/batches/{batch.id}"
    assert client.patch(url, json={"lot": "NEW"}, headers=owner.headers).status_code == 409
    first_event = batch.events[0]
    correction = client.post(f"{url}/events", headers=owner.headers, json={
        "step": "harvesting", "occurred_at": NOW.isoformat(), "supersedes_id": first_event.id,
        "note": "Sửa ngày thu hoạch"})
    assert correction.status_code == 201
    assert correction.get_json()["supersedes_id"] == first_event.id
    twice = client.post(f"{url}/events", headers=owner.headers, json={
        "step": "harvesting", "occurred_at": NOW.isoformat(), "supersedes_id": first_event.id})
    assert twice.status_code == 409
    chain = client.get(f"{url}/events", headers=owner.headers).get_json()["items"]
    assert len(chain) == 2
    session.expire_all()
    assert session.get(TraceEvent, first_event.id).step == "harvesting"


def test_events_are_validated(client, make):
    owner = make.producer()
    batch = make.batch(owner)
    url = f"/api/v1/batches/{batch.id}/events"
    naive = client.post(url, headers=owner.headers,
                        json={"step": "packing", "occurred_at": "2026-11-01T08:00:00"})
    assert naive.status_code == 422
    assert naive.get_json()["errors"][0]["field"] == "occurred_at"
    future = client.post(url, headers=owner.headers, json={
        "step": "packing", "occurred_at": (NOW + dt.timedelta(days=3)).isoformat()})
    assert future.get_json()["errors"][0]["field"] == "occurred_at"
    bad_step = client.post(url, headers=owner.headers,
                           json={"step": "dancing", "occurred_at": NOW.isoformat()})
    assert bad_step.get_json()["errors"][0]["field"] == "step"
    foreign = client.post(url, headers=owner.headers, json={
        "step": "packing", "occurred_at": NOW.isoformat(),
        "facility_id": make.facility(make.producer()).id})
    assert foreign.get_json()["errors"][0]["field"] == "facility_id"


def test_only_inspectors_suspend_reinstate_and_recall(client, make):
    owner = make.producer()
    inspector = make.account("inspector")
    admin = make.account("admin")
    batch = make.batch(owner, publish=True)
    url = f"/api/v1/batches/{batch.id}"
    reason = {"reason": "Kiểm tra dư lượng thuốc bảo vệ thực vật"}
    for account in (owner, admin):
        assert client.post(f"{url}/suspend", json=reason, headers=account.headers).status_code == 403
    assert client.post(f"{url}/suspend", json={}, headers=inspector.headers).status_code == 422
    suspended = client.post(f"{url}/suspend", json=reason, headers=inspector.headers)
    assert suspended.get_json()["status"] == "suspended"
    assert suspended.get_json()["status_reason"] == reason["reason"]
    assert client.post(f"{url}/reinstate", json={"reason": "Đạt"},
                       headers=inspector.headers).get_json()["status"] == "published"
    recalled = client.post(f"{url}/recall", json={"reason": "Thu hồi"}, headers=inspector.headers)
    assert recalled.get_json()["status"] == "recalled"
    again = client.post(f"{url}/reinstate", json={"reason": "x"}, headers=inspector.headers)
    assert again.status_code == 409
    closed = client.post(f"{url}/events", headers=owner.headers,
                         json={"step": "inspecting", "occurred_at": NOW.isoformat()})
    assert closed.status_code == 409


def test_draft_cannot_be_suspended(client, make):
    owner = make.producer()
    batch = make.batch(owner)
    response = client.post(f"/api/v1/batches/{batch.id}/suspend", json={"reason": "x"},
                           headers=make.account("inspector").headers)
    assert response.status_code == 409


def test_unit_serials_are_never_issued_twice(client, make):
    owner = make.producer()
    draft = make.batch(owner)
    assert client.post(f"/api/v1/batches/{draft.id}/units", json={"count": 5},
                       headers=owner.headers).status_code == 409
    batch = make.batch(owner, publish=True)
    url = f"/api/v1/batches/{batch.id}/units"
    first = client.post(url, json={"count": 100}, headers=owner.headers)
    assert first.status_code == 201
    assert (first.get_json()["first"], first.get_json()["last"]) == (1, 100)
    second = client.post(url, json={"count": 50}, headers=owner.headers).get_json()
    assert (second["first"], second["last"]) == (101, 150)
    assert client.post(url, json={"count": 0}, headers=owner.headers).status_code == 422
    assert client.post(url, json={"count": 5}, headers=make.producer().headers).status_code == 404


def test_batch_permission_grid(client, make):
    owner, other = make.producer(), make.producer()
    inspector, admin = make.account("inspector"), make.account("admin")
    batch = make.batch(owner)
    url = f"/api/v1/batches/{batch.id}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=owner.headers).status_code == 200
    assert client.get(url, headers=other.headers).status_code == 404
    assert client.get(f"{url}/events", headers=other.headers).status_code == 404
    assert client.post(f"{url}/publish", headers=other.headers).status_code == 404
    assert client.patch(url, json={"note": "x"}, headers=other.headers).status_code == 404
    assert client.post(f"{url}/events", headers=other.headers, json={
        "step": "packing", "occurred_at": NOW.isoformat()}).status_code == 404
    assert client.get(url, headers=inspector.headers).status_code == 200
    assert client.get(url, headers=admin.headers).status_code == 200
    assert client.post(f"{url}/publish", headers=inspector.headers).status_code == 403
    assert client.patch(url, json={"note": "x"}, headers=inspector.headers).status_code == 403
    listed = client.get("/api/v1/batches", headers=other.headers).get_json()
    assert listed["total"] == 0
    assert client.get("/api/v1/batches", headers=inspector.headers).get_json()["total"] == 1


def test_batch_list_filters(client, make):
    owner = make.producer()
    published = make.batch(owner, publish=True)
    draft = make.batch(owner)

    def ids(query):
        return [b["id"] for b in client.get(f"/api/v1/batches?{query}",
                                            headers=owner.headers).get_json()["items"]]

    assert ids("status=published") == [published.id]
    assert ids(f"lot={draft.lot}") == [draft.id]
    assert ids(f"code={published.code.lower()}") == [published.id]
    assert ids(f"product_id={draft.product_id}") == [draft.id]
    assert client.get("/api/v1/batches?status=gone", headers=owner.headers).status_code == 422
