"""The inspector's pages: search, a batch's full record, actions with reasons, recalls from a lot
or an area with a preview first, certificate reviews, alerts and exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import jsonschema
import pytest

from tests.factories import VN
from tests.inspector_world import TODAY, audit_count, build_world, last_entry
from tests.workspace_client import Pages, csrf_token, field_errors, signed_in
from tracelabel.db import utcnow
from tracelabel.models import Batch, Certificate, Scan
from tracelabel.services import search as search_service
from tracelabel.services.batches import change_batch_status
from tracelabel.services.scans import COPY_SUSPECT_NETWORKS
from tracelabel.web.inspector import search as search_views

EPCIS_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "standards" / "epcis" / \
    "EPCIS-JSON-Schema.json"


@pytest.fixture
def world(make, session):
    return build_world(make, session)


@pytest.fixture
def pages(app, world):
    return signed_in(app, world["inspector"].user.email)


def lots_found(pages, **query) -> list[str]:
    response = pages.get("/inspector/", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    table = body[body.index('id="results"'):]
    return [lot for lot in ("BLEND-1", "BUOI-1", "TEA-1") if f">{lot}</a>" in table]


def status_of(session, batch) -> str:
    session.expire_all()
    return session.get(Batch, batch.id).status


def public_text(client, batch) -> str:
    return client.get(f"/t/{batch.code}?lang=en").get_data(as_text=True)


def test_inspectors_land_on_the_search_with_their_menu(app, world):
    pages = Pages(app.test_client())
    assert pages.login(world["inspector"].user.email).headers["Location"] == "/inspector/"
    body = pages.get("/inspector/").get_data(as_text=True)
    assert "Tìm lô hàng" in body and "Cảnh báo" in body and "Nhật ký kiểm toán" in body
    tea, area = world["tea"].id, world["tea_area"].id
    for url, words in ((f"/inspector/batches/{tea}", "Đã đính chính"), (f"/inspector/areas/{area}",
                       "Mã số vùng trồng"), (f"/inspector/batches/{tea}/recall-downstream",
                       "Thu hồi tất cả"), ("/inspector/alerts", "Lượt quét"),
                      ("/inspector/exports", "Tải xuống"), ("/inspector/audit", "Kiểm tra chuỗi")):
        assert words in pages.get(url).get_data(as_text=True), url


def test_search_filters_on_the_page(pages, world):
    assert lots_found(pages, sort="lot") == ["BLEND-1", "BUOI-1", "TEA-1"]
    assert lots_found(pages, lot="TEA-1") == ["TEA-1"]
    assert lots_found(pages, province="vĩnh long") == ["BUOI-1"]
    assert lots_found(pages, producer="bưởi") == ["BUOI-1"]
    assert lots_found(pages, product="túi lọc") == ["BLEND-1"]
    assert lots_found(pages, area_code="vn-tntc-0012") == ["TEA-1"]
    assert lots_found(pages, code=f"https://trace.example.vn/T/{world['tea'].code}") == ["TEA-1"]
    assert lots_found(pages, produced_to=str(TODAY - dt.timedelta(days=30))) == ["TEA-1"]
    assert lots_found(pages, certificate_scheme="ocop", certificate_status="valid") == ["TEA-1"]
    assert lots_found(pages, status="recalled") == []
    assert lots_found(pages, has_gaps="no") == []
    body = pages.get("/inspector/?sort=lot").get_data(as_text=True)
    assert body.index(">BLEND-1<") < body.index(">BUOI-1<") < body.index(">TEA-1<")
    assert "HTX Bưởi Năm Roi" in body and "Vĩnh Long" in body


def test_bad_search_input_is_shown_next_to_the_field(pages):
    response = pages.get("/inspector/", query_string={
        "produced_from": "2026-05-10", "produced_to": "2026-05-01", "status": "lost"})
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert errors["produced_to"] == ["The end date comes before the start date."]
    assert "status" in errors
    bad_date = pages.get("/inspector/?produced_from=10/05/2026")
    assert "produced_from" in field_errors(bad_date.get_data(as_text=True))


def test_a_capped_total_reads_or_more(pages, world, monkeypatch):
    monkeypatch.setattr(search_service, "COUNT_CAP", 2)
    monkeypatch.setattr(search_views, "COUNT_CAP", 2)
    body = pages.get("/inspector/?status=published").get_data(as_text=True)
    assert "2 or more batches" in body


def test_the_record_shows_chain_corrections_scans_and_audit(pages, world, session):
    tea = world["tea"]
    now = utcnow()
    session.add_all([Scan(batch_id=tea.id, serial=0, client_hash=f"c{n}", scanned_at=now)
                     for n in range(3)])
    session.commit()
    body = pages.get(f"/inspector/batches/{tea.id}").get_data(as_text=True)
    corrected = body[body.index(f'id="event-{world["harvest"].id}"'):]
    assert "Corrected: replaced by a later event" in corrected[:corrected.index("</li>")]
    assert f"Corrects event #{world['harvest'].id}" in body
    assert f"Recorded by {world['north'].user.email}" in body
    for action in ("batch.create", "batch.publish"):
        assert f"<code>{action}</code>" in body
    assert "OCOP-TN-2026-01" in body and "valid today" in body and "not yet verified" in body
    scans = body[body.index('id="scans"'):]
    day = now.astimezone(VN).strftime("%d/%m/%Y")
    assert f'{day}</td><td data-label="Scans">3</td>' in scans
    assert f'href="/inspector/batches/{world["blend"].id}">BLEND-1</a>' in body  # one step forward
    assert f'href="/inspector/areas/{world["tea_area"].id}"' in body  # one step back
    blend = pages.get(f"/inspector/batches/{world['blend'].id}").get_data(as_text=True)
    assert f'href="/inspector/batches/{tea.id}">TEA-1</a>' in blend


def test_suspend_reinstate_recall_each_audited_and_on_the_public_page(pages, world, session, client):
    tea = world["tea"]
    url = f"/inspector/batches/{tea.id}"
    done = pages.submit(url, {"suspend-reason": "Chờ kết quả kiểm nghiệm"}, action=f"{url}/suspend")
    assert done.status_code == 302
    assert last_entry(session, "batch.suspend").after["status_reason"] == "Chờ kết quả kiểm nghiệm"
    assert "SUSPENDED: this batch may not be sold for now" in public_text(client, tea)
    record = pages.get(url).get_data(as_text=True)
    assert "Chờ kết quả kiểm nghiệm" in record and world["inspector"].user.email in record
    pages.submit(url, {"reinstate-reason": "Kết quả đạt"}, action=f"{url}/reinstate")
    assert last_entry(session, "batch.reinstate").actor_user_id == world["inspector"].user.id
    assert "No recall or suspension of this batch." in public_text(client, tea)
    pages.submit(url, {"recall-reason": "Dư lượng thuốc BVTV vượt ngưỡng"}, action=f"{url}/recall")
    assert status_of(session, tea) == "recalled"
    assert last_entry(session, "batch.recall").after["status_reason"].startswith("Dư lượng")
    text = public_text(client, tea)
    assert "RECALLED: do not use this product" in text and "Dư lượng thuốc BVTV" in text


@pytest.mark.parametrize("move", ["suspend", "recall"])
def test_an_action_without_reason_shows_the_error_and_writes_nothing(pages, world, session, move):
    tea = world["tea"]
    before = audit_count(session)
    url = f"/inspector/batches/{tea.id}"
    response = pages.submit(url, {f"{move}-reason": "  "}, action=f"{url}/{move}")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))[f"{move}-reason"] == ["This field is required."]
    assert (status_of(session, tea), audit_count(session)) == ("published", before)


def test_verify_and_reject_a_certificate(pages, world, session, client):
    tea, certificate = world["tea"], world["certificate"]
    url = f"/inspector/batches/{tea.id}"
    action = f"{url}/certificates/{certificate.id}"
    assert pages.submit(url, {}, action=f"{action}/verify").status_code == 302
    assert last_entry(session, "certificate.verify").entity_id == str(certificate.id)
    assert "Verified by an inspector" in public_text(client, tea)
    before = audit_count(session)
    refused = pages.submit(url, {f"cert{certificate.id}-reason": ""}, action=f"{action}/reject")
    assert refused.status_code == 422
    assert f"cert{certificate.id}-reason" in field_errors(refused.get_data(as_text=True))
    assert audit_count(session) == before
    reason = "Số giấy chứng nhận không có trong danh sách của tỉnh"
    pages.submit(url, {f"cert{certificate.id}-reason": reason}, action=f"{action}/reject")
    session.expire_all()
    assert session.get(Certificate, certificate.id).verification_status == "rejected"
    assert last_entry(session, "certificate.reject").after["verification_note"] == reason
    assert reason in pages.get(url).get_data(as_text=True)


def test_recall_everything_made_from_a_lot_after_a_preview(pages, world, session, client):
    tea, blend = world["tea"], world["blend"]
    url = f"/inspector/batches/{tea.id}/recall-downstream"
    preview = pages.get(url).get_data(as_text=True)
    assert ">BLEND-1</a>" in preview and ">TEA-1</a>" not in preview
    refused = pages.submit(url, {"reason": ""})
    assert refused.status_code == 422 and "reason" in field_errors(refused.get_data(as_text=True))
    assert status_of(session, blend) == "published"
    done = pages.submit(url, {"reason": "Nguyên liệu nhiễm thuốc BVTV"})
    assert done.headers["Location"] == f"/inspector/batches/{tea.id}"
    assert (status_of(session, blend), status_of(session, tea)) == ("recalled", "published")
    assert last_entry(session, "batch.recall").entity_id == str(blend.id)
    assert "RECALLED" in public_text(client, blend)
    token = csrf_token(pages.get(f"/inspector/batches/{tea.id}").get_data(as_text=True))
    again = pages.client.post(url, data={"reason": "x", "csrf_token": token})
    assert again.status_code == 409 and "nothing to recall" in again.get_data(as_text=True)


def test_area_page_and_recall_from_the_area(pages, world, session, client):
    area, tea = world["tea_area"], world["tea"]
    body = pages.get(f"/inspector/areas/{area.id}").get_data(as_text=True)
    assert "VN-TNTC-0012" in body and "Active" in body and ">TEA-1</a>" in body
    assert ">BUOI-1</a>" not in body
    url = f"/inspector/areas/{area.id}/recall"
    assert ">TEA-1</a>" in pages.get(url).get_data(as_text=True)
    missing = pages.submit(url, {"reason": ""})
    assert missing.status_code == 422 and status_of(session, tea) == "published"
    assert pages.submit(url, {"reason": "Mã vùng trồng bị thu hồi"}).status_code == 302
    assert status_of(session, tea) == "recalled"
    assert "Mã vùng trồng bị thu hồi" in public_text(client, tea)


def test_alerts_page(pages, world, make, session):
    north, tea = world["north"], world["tea"]
    lapsing = make.certificate(north, tea.product, scheme="vietgap", stars=None,
                               number="VG-LAPSING", valid_from=TODAY - dt.timedelta(days=700),
                               valid_until=TODAY + dt.timedelta(days=10))
    tea = session.get(Batch, tea.id)
    tea.certificates.append(lapsing)
    now = utcnow()
    session.add_all([Scan(batch_id=tea.id, serial=7, client_hash=f"client{n}", scanned_at=now)
                     for n in range(COPY_SUSPECT_NETWORKS)])
    change_batch_status(session, world["inspector"].actor, world["grapefruit"].id, "recall", "Lý do")
    session.add(Scan(batch_id=world["grapefruit"].id, serial=3, client_hash="late",
                     scanned_at=utcnow() + dt.timedelta(seconds=1)))
    session.commit()
    body = pages.get("/inspector/alerts").get_data(as_text=True)
    certificates = body[body.index('id="certificate-alerts"'):body.index('id="scan-alerts"')]
    assert "VIETGAP VG-LAPSING" in certificates and "10 days left" in certificates
    scans = body[body.index('id="scan-alerts"'):]
    assert "looks copied" in scans and ">7</td>" in scans and "TEA-1" in scans
    assert "recalled, still scanned" in scans and "BUOI-1" in scans


def test_exports_of_a_batch_and_of_a_search(pages, world):
    validator = jsonschema.Draft7Validator(json.loads(EPCIS_SCHEMA.read_text(encoding="utf-8")),
                                           format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    tea = world["tea"]
    document = pages.get(f"/inspector/batches/{tea.id}/export?format=epcis")
    assert document.mimetype == "application/ld+json"
    parsed = json.loads(document.data)
    validator.validate(parsed)
    assert any("errorDeclaration" in e for e in parsed["epcisBody"]["eventList"])  # the correction
    sheet = pages.get("/inspector/exports", query_string={"format": "csv", "province": "Thái Nguyên"})
    assert sheet.data.startswith(b"\xef\xbb\xbf")
    assert 'filename="truy-xuat-' in sheet.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(sheet.data.decode("utf-8-sig"))))
    assert {r["traceability_lot_code"] for r in rows} == {"TEA-1", "BLEND-1"}
    assert "Trà xanh túi lọc" in {r["product_description"] for r in rows}
    epcis = pages.get("/inspector/exports", query_string={"format": "epcis", "lot": "BUOI-1"})
    validator.validate(json.loads(epcis.data))
    bad = pages.get("/inspector/exports", query_string={"format": "epcis", "produced_from": "x"})
    assert bad.status_code == 422 and "produced_from" in field_errors(bad.get_data(as_text=True))
    assert pages.get("/inspector/exports").status_code == 200
    assert pages.get(f"/inspector/batches/{tea.id}/export?format=xml").status_code == 404
