"""The inspector's API: search, one step back and forward, recalls, reviews, alerts, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.factories import VN
from tracelabel.db import utcnow
from tracelabel.models import AuditEntry, Scan
from tracelabel.services import events
from tracelabel.services.scans import COPY_SUSPECT_NETWORKS

TODAY = dt.date.today()


@pytest.fixture
def province(make, session):
    """Two producers in two provinces with published batches, one made from another."""
    north = make.producer(make.organization("HTX Chè Tân Cương", province="Thái Nguyên"))
    south = make.producer(make.organization("HTX Bưởi Năm Roi", province="Vĩnh Long"))
    tea_area = make.area(north, code="VN-TNTC-0012")
    tea = make.batch(north, make.product(north), publish=True, area=tea_area, lot="TEA-1",
                     production_date=TODAY - dt.timedelta(days=40))
    blend_product = make.product(north, name="Trà xanh túi lọc")
    blend = make.batch(north, blend_product, publish=True, area_ids=[],
                       input_lots=[{"code": tea.code, "quantity": 5, "unit": "kg"}], lot="BLEND-1")
    events.append_event(session, north.actor, blend.id, {
        "step": "processing", "occurred_at": dt.datetime.now(VN) - dt.timedelta(hours=2),
        "facility_id": make.facility(north).id})
    session.commit()
    grapefruit = make.batch(south, make.product(south, name="Bưởi Năm Roi"), publish=True,
                            lot="BUOI-1", area=make.area(south, code="VN-VLBR-0001",
                                                         province="Vĩnh Long"))
    inspector = make.account("inspector")
    return {"north": north, "south": south, "tea": tea, "blend": blend, "tea_area": tea_area,
            "grapefruit": grapefruit, "inspector": inspector}


def search(client, account, **query):
    response = client.get("/api/v1/batches", query_string=query, headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return [item["lot"] for item in response.get_json()["items"]]


def test_inspector_search_across_producers(client, province):
    inspector = province["inspector"]
    assert sorted(search(client, inspector)) == ["BLEND-1", "BUOI-1", "TEA-1"]
    assert search(client, inspector, lot="TEA-1") == ["TEA-1"]
    assert search(client, inspector, province="vĩnh long") == ["BUOI-1"]
    assert search(client, inspector, producer="bưởi") == ["BUOI-1"]
    assert search(client, inspector, product="túi lọc") == ["BLEND-1"]
    assert search(client, inspector, area_code="vn-tntc-0012") == ["TEA-1"]
    assert search(client, inspector, produced_to=str(TODAY - dt.timedelta(days=30))) == ["TEA-1"]
    assert search(client, inspector, certificate_scheme="vietgap") == []
    url = f"https://trace.example.vn/T/{province['tea'].code}"
    assert search(client, inspector, code=url) == ["TEA-1"]
    assert search(client, inspector, code=province["tea"].code.lower()) == ["TEA-1"]
    assert search(client, inspector, sort="lot") == ["BLEND-1", "BUOI-1", "TEA-1"]
    assert search(client, province["south"], area_code="VN-TNTC-0012") == []


def test_search_for_batches_with_gaps(client, province):
    gaps = search(client, province["inspector"], has_gaps="true", status="published")
    assert set(gaps) == {"BLEND-1", "BUOI-1", "TEA-1"}  # no photos anywhere yet
    assert search(client, province["inspector"], has_gaps="false") == []


def test_one_step_back_and_one_step_forward(client, province):
    inspector, tea, blend = province["inspector"], province["tea"], province["blend"]
    back = client.get(f"/api/v1/batches/{blend.id}/trace", headers=inspector.headers).get_json()
    assert [b["lot"] for b in back["input_batches"]] == ["TEA-1"]
    assert back["input_lots"][0]["quantity"] == 5.0
    forward = client.get(f"/api/v1/batches/{tea.id}/trace", headers=inspector.headers).get_json()
    assert [b["lot"] for b in forward["made_into"]] == ["BLEND-1"]
    assert forward["areas"][0]["code"] == "VN-TNTC-0012"
    from_area = client.get(f"/api/v1/areas/{province['tea_area'].id}/batches",
                           headers=inspector.headers).get_json()
    assert [b["lot"] for b in from_area["batches"]] == ["TEA-1"]


def test_recall_everything_made_from_a_lot_with_a_preview_first(client, province, session):
    inspector, tea = province["inspector"], province["tea"]
    url = f"/api/v1/batches/{tea.id}/recall-downstream"
    preview = client.post(url, json={"preview": True}, headers=inspector.headers).get_json()
    assert preview["preview"] is True
    assert [b["lot"] for b in preview["batches"]] == ["BLEND-1"]
    assert [b["status"] for b in preview["batches"]] == ["published"]
    assert client.post(url, json={}, headers=inspector.headers).status_code == 422
    done = client.post(url, json={"reason": "Nguyên liệu nhiễm thuốc BVTV"}, headers=inspector.headers)
    assert done.status_code == 200
    assert [b["status"] for b in done.get_json()["batches"]] == ["recalled"]
    again = client.post(url, json={"reason": "x"}, headers=inspector.headers)
    assert again.status_code == 409
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action == "batch.recall"))
    assert list(actions) == ["batch.recall"]


def test_recall_from_an_area(client, province):
    inspector = province["inspector"]
    url = f"/api/v1/areas/{province['tea_area'].id}/recall"
    result = client.post(url, json={"reason": "Mã vùng trồng bị thu hồi"}, headers=inspector.headers)
    assert [b["lot"] for b in result.get_json()["batches"]] == ["TEA-1"]
    tea = client.get(f"/api/v1/batches/{province['tea'].id}", headers=inspector.headers).get_json()
    assert tea["status"] == "recalled"
    assert tea["status_reason"] == "Mã vùng trồng bị thu hồi"


def test_certificate_review(client, make, province, session):
    north, inspector = province["north"], province["inspector"]
    certificate = make.certificate(north, province["tea"].product)
    url = f"/api/v1/certificates/{certificate.id}"
    verified = client.post(f"{url}/verify", json={}, headers=inspector.headers)
    assert verified.status_code == 200
    assert verified.get_json()["verification_status"] == "verified"
    assert client.post(f"{url}/reject", json={}, headers=inspector.headers).status_code == 422
    rejected = client.post(f"{url}/reject", json={"reason": "Số giấy chứng nhận không có trong "
                                                            "danh sách của tỉnh"},
                           headers=inspector.headers)
    assert rejected.get_json()["verification_status"] == "rejected"
    assert client.post(f"{url}/verify", json={}, headers=north.headers).status_code == 403
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "certificate.reject")).one()
    assert entry.after["verification_note"].startswith("Số giấy chứng nhận")
    assert entry.actor_user_id == inspector.user.id


def test_alerts_for_lapsing_certificates_and_copied_codes(client, make, province, session):
    north, inspector, tea = province["north"], province["inspector"], province["tea"]
    lapsing = make.certificate(north, tea.product, scheme="vietgap", stars=None,
                               valid_from=TODAY - dt.timedelta(days=700),
                               valid_until=TODAY + dt.timedelta(days=10))
    tea.certificates.append(lapsing)
    now = utcnow()
    session.add_all([Scan(batch_id=tea.id, serial=7, client_hash=f"client{n}", scanned_at=now)
                     for n in range(COPY_SUSPECT_NETWORKS)])
    session.add_all([Scan(batch_id=tea.id, serial=8, client_hash=f"client{n}", scanned_at=now)
                     for n in range(COPY_SUSPECT_NETWORKS - 1)])  # one network short
    session.commit()
    body = client.get("/api/v1/alerts", headers=inspector.headers).get_json()
    assert [(a["certificate"]["id"], a["days_left"], a["batches_on_sale"])
            for a in body["certificates"]] == [(lapsing.id, 10, 1)]
    assert [(a["batch"]["lot"], a["serial"], a["kind"], a["clients"]) for a in body["scans"]] == [
        ("TEA-1", 7, "copied", COPY_SUSPECT_NETWORKS)]


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v1/alerts"), ("get", "/api/v1/audit"), ("post", "/api/v1/audit/verify"),
    ("post", "/api/v1/certificates/{cert}/verify"), ("post", "/api/v1/areas/{area}/recall"),
    ("post", "/api/v1/batches/{batch}/recall-downstream"),
])
def test_producers_cannot_reach_inspector_actions(client, make, province, method, path):
    north = province["north"]
    certificate = make.certificate(north, province["tea"].product)
    url = path.format(cert=certificate.id, area=province["tea_area"].id, batch=province["tea"].id)
    body = {"reason": "x"} if method == "post" and "audit" not in url else None
    response = getattr(client, method)(url, json=body, headers=north.headers)
    assert response.status_code == 403, (url, response.get_json())
    other = province["south"]
    assert getattr(client, method)(url, json=body, headers=other.headers).status_code in (403, 404)


def test_producers_trace_only_their_own(client, province):
    south = province["south"]
    assert client.get(f"/api/v1/batches/{province['tea'].id}/trace",
                      headers=south.headers).status_code == 404
    assert client.get(f"/api/v1/areas/{province['tea_area'].id}/batches",
                      headers=south.headers).status_code == 404


def test_audit_trail_filters_and_verification(client, province):
    inspector = province["inspector"]
    page = client.get("/api/v1/audit", query_string={"entity_type": "batch", "action": "batch.publish"},
                      headers=inspector.headers).get_json()
    assert page["total"] == 3
    assert all(item["action"] == "batch.publish" for item in page["items"])
    seqs = [item["seq"] for item in page["items"]]
    assert seqs == sorted(seqs, reverse=True)
    report = client.post("/api/v1/audit/verify", headers=inspector.headers).get_json()
    assert report["ok"] is True and report["entries_checked"] > 10
