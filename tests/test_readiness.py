"""Readiness: the ten items of Circular 02/2024 a batch's trace would lack, by API and CLI."""

from __future__ import annotations

import datetime as dt

from tests.factories import VN
from tests.test_photos import jpeg_with_gps
from tracelabel.services import events, inspection, photos


def complete_batch(make, session):
    """A batch whose trace shows every item."""
    owner = make.producer(make.organization(address="Thôn 2, xã Tân Cương, Thái Nguyên"))
    product = make.product(owner, warnings="Không dùng cho trẻ dưới 3 tuổi.")
    photos.add_photo(session, owner.actor, product.id, jpeg_with_gps(400, 300))
    session.commit()
    batch = make.batch(owner, product, publish=True)
    return owner, batch


def readiness(client, account, batch_id):
    response = client.get(f"/api/v1/batches/{batch_id}/readiness", headers=account.headers)
    assert response.status_code == 200
    return response.get_json()


def test_a_complete_batch_is_ready(client, make, session):
    owner, batch = complete_batch(make, session)
    report = readiness(client, owner, batch.id)
    assert report["ready"] is True, report["gaps"]
    assert report["gaps"] == []
    assert [item["item"] for item in report["items"]][:10] == [
        "product_name", "product_image", "producer_name", "producer_address", "stages",
        "event_times", "traceability_code", "brand", "shelf_life", "standards"]
    assert all(item["ok"] for item in report["items"])


def test_each_missing_item_is_named_in_vietnamese_and_english(client, make, session):
    owner = make.producer()
    product = make.product(owner, brand=None, standards=[])
    area = make.area(owner, code=None)
    batch = make.batch(owner, product, area=area, expiry_date=None)
    events.append_event(session, owner.actor, batch.id, {
        "step": "packing", "occurred_at": dt.datetime.now(VN) - dt.timedelta(hours=1)})
    session.commit()
    report = readiness(client, owner, batch.id)
    assert report["ready"] is False
    missing = {item["item"] for item in report["items"] if not item["ok"]}
    assert missing == {"product_image", "producer_address", "stages", "brand", "shelf_life",
                       "standards", "warnings"}
    messages = " ".join(gap["message"] for gap in report["gaps"])
    assert "chưa có mã số vùng trồng chính thức" in messages
    assert "Công đoạn 2 (đóng gói) chưa có địa điểm." in messages
    labels = {item["item"]: item["label"] for item in report["items"]}
    assert labels["standards"] == "Tiêu chuẩn áp dụng"
    english = client.get(f"/api/v1/batches/{batch.id}/readiness?lang=en",
                         headers=owner.headers).get_json()
    messages = " ".join(gap["message"] for gap in english["gaps"])
    assert "official area code" in messages
    assert "Stage 2 (packing) has no location" in messages


def test_a_revoked_area_code_is_a_gap(client, make, session):
    owner, batch = complete_batch(make, session)
    area = batch.areas[0]
    inspection.set_area_code_status(session, make.account("inspector").actor, area.id, "revoked",
                                    "Thu hồi mã số vùng trồng")
    session.commit()
    report = readiness(client, owner, batch.id)
    assert [gap["item"] for gap in report["gaps"]] == ["stages"]
    assert "đã bị thu hồi" in report["gaps"][0]["message"]


def test_readiness_permissions(client, make, session):
    _owner, batch = complete_batch(make, session)
    url = f"/api/v1/batches/{batch.id}/readiness"
    assert client.get(url, headers=make.producer().headers).status_code == 404
    assert client.get(url, headers=make.account("inspector").headers).status_code == 200
    assert client.get(url).status_code == 401


def test_cli_readiness(runner, make, session):
    owner, batch = complete_batch(make, session)
    ready = runner.invoke(args=["readiness", batch.code, "--strict"])
    assert ready.exit_code == 0, ready.output
    assert "Ready" in ready.output
    incomplete = make.batch(owner, make.product(owner, brand=None))
    result = runner.invoke(args=["readiness", incomplete.code.lower(), "--strict"])
    assert result.exit_code == 1
    assert "[ ] Brand or trademark" in result.output
    assert runner.invoke(args=["readiness", "NOPE"]).exit_code != 0
