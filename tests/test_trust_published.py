"""Trust: a published trace keeps what it stated, official facts come from inspectors, rejected
claims show nowhere as valid, and a product is public only once one of its batches is."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pypdf

from tests.factories import VN
from tests.test_public_fixtures import GTIN14, build_world, change_status
from tests.workspace_client import signed_in
from tracelabel.models import PublishedRecord
from tracelabel.services import batches

JSON = {"Accept": "application/json"}


def _without_changes(html: str) -> str:
    return re.sub(r'<section id="changes".*?</section>', "", html, flags=re.S)


def _representations(client, path: str) -> dict[str, object]:
    page = client.get(path).get_data(as_text=True)
    facts = client.get(path, headers=JSON).get_json()
    passport = client.get(path + "?format=jsonld").get_json(force=True)
    return {"page": page, "json": facts, "passport": passport}


def test_edits_of_linked_records_never_rewrite_a_published_trace(client, session, make):
    world = build_world(session, make)
    owner, batch = world.owner, world.batch
    path = world.dl_path
    before = _representations(client, path)
    assert before["json"]["later_changes"] == []
    area_id = batch.areas[0].id
    facility_id = batch.facilities[0].id
    edits = [
        (f"/api/v1/areas/{area_id}", {"name": "Đồi chè Mới", "code": "VN-QNBL-0999",
                                      "province": "Quảng Ninh"}),
        (f"/api/v1/facilities/{facility_id}", {"name": "Xưởng khác hẳn", "address": "Hạ Long"}),
        (f"/api/v1/products/{world.product.id}", {"name": "Chè đổi tên", "brand": "Hiệu lạ",
                                                  "warnings": "Cảnh báo mới"}),
        (f"/api/v1/certificates/{world.valid_certificate.id}", {"stars": 5}),
    ]
    for url, body in edits:
        response = client.patch(url, json=body, headers=owner.headers)
        assert response.status_code == 200, response.get_json()

    after = _representations(client, path)
    assert "Đồi chè Mới" not in after["page"] and "VN-QNBL-0999" not in _without_changes(after["page"])
    assert _without_changes(after["page"]) == before["page"]
    changes = after["json"].pop("later_changes")
    before["json"].pop("later_changes")
    assert after["json"] == before["json"]
    assert {change["what"] for change in changes} == {"area", "facility", "product", "certificate"}
    area_change = next(change for change in changes if change["what"] == "area")
    assert {"field": "code", "now": "VN-QNBL-0999"} in area_change["fields"]
    assert area_change["name"] == "Đồi chè Hoàng Nông" and area_change["on"], changes
    assert after["passport"].pop("later_changes") == changes
    before["passport"].pop("later_changes")
    assert after["passport"] == before["passport"]
    note = re.search(r'<section id="changes".*?</section>', after["page"], flags=re.S).group(0)
    assert "Cập nhật ngày" in note and "mã số vùng trồng" in note

    # The edits serve future batches: one published now states the new values.
    session.expire_all()
    later = make.batch(owner, world.product, area=batch.areas[0], publish=True)
    fresh = client.get(f"/t/{later.code}", headers=JSON).get_json()
    assert fresh["origin"]["areas"][0]["code"] == "VN-QNBL-0999"
    assert fresh["product"]["name"] == "Chè đổi tên" and fresh["later_changes"] == []


def test_the_published_record_is_in_the_audit_trail(client, session, make):
    world = build_world(session, make)
    record = session.get(PublishedRecord, world.batch.id)
    response = client.get("/api/v1/audit", query_string={"entity_type": "batch",
                                                         "entity_id": str(world.batch.id)},
                          headers=make.account("inspector").headers)
    actions = {entry["action"]: entry for entry in response.get_json()["items"]}
    assert actions["batch.record_published"]["after"]["digest"] == record.digest
    assert actions["batch.record_published"]["after"]["facts"]["areas"] == record.facts["areas"]


def test_only_an_inspector_sets_an_area_codes_status_after_registration(client, session, make):
    owner = make.producer()
    created = client.post("/api/v1/areas", headers=owner.headers, json={
        "name": "Nương dong riềng Bản Chuồng", "material": "Củ dong riềng", "province": "Quảng Ninh",
        "code": "VN-QNBL-0017", "code_status": "active"})
    assert created.status_code == 201
    area = created.get_json()
    assert area["code_status_source"] == "producer"
    url = f"/api/v1/areas/{area['id']}"

    refused = client.patch(url, json={"code_status": "suspended"}, headers=owner.headers)
    assert refused.status_code == 403
    assert "thanh tra" in refused.get_json()["title"] + refused.get_json().get("detail", "")
    assert client.get(url, headers=owner.headers).get_json()["code_status"] == "active"
    assert client.patch(url, json={"name": "Nương Bản Chuồng"}, headers=owner.headers).status_code == 200
    assert client.post(f"{url}/code-status", json={"code_status": "revoked", "reason": "tự khai"},
                       headers=owner.headers).status_code == 403

    inspector = make.account("inspector")
    assert client.post(f"{url}/code-status", json={"code_status": "suspended"},
                       headers=inspector.headers).status_code == 422
    done = client.post(f"{url}/code-status", json={
        "code_status": "suspended", "reason": "Kiểm tra dư lượng thuốc bảo vệ thực vật"},
        headers=inspector.headers)
    assert done.status_code == 200
    assert done.get_json()["code_status_source"] == "authority"
    assert done.get_json()["code_status_since"]
    assert client.patch(url, json={"code": "VN-QNBL-0018"}, headers=owner.headers).status_code == 403

    product = make.product(owner)
    batch = make.batch(owner, product, area_ids=[area["id"]], publish=True)
    page = client.get(f"/t/{batch.code}").get_data(as_text=True)
    assert "VN-QNBL-0017" in page and "theo xác nhận của cơ quan quản lý" in page
    facts = client.get(f"/t/{batch.code}", headers=JSON).get_json()
    assert facts["origin"]["areas"][0]["code_status"] == "suspended"
    assert facts["origin"]["areas"][0]["code_status_source"] == "authority"


def test_inspector_sets_the_status_on_the_area_page(app, session, make):
    owner = make.producer()
    area = make.area(owner)
    inspector = make.account("inspector")
    pages = signed_in(app, inspector.user.email)
    page = pages.get(f"/inspector/areas/{area.id}")
    assert page.status_code == 200 and 'id="code-status"' in page.get_data(as_text=True)
    form = f"/inspector/areas/{area.id}"
    action = f"/inspector/areas/{area.id}/code-status"
    missing = pages.submit(form, {"code_status": "revoked", "reason": ""}, action=action)
    assert missing.status_code == 422
    saved = pages.submit(form, {"code_status": "revoked",
                                "reason": "Thu hồi mã số theo quyết định 12"}, action=action)
    assert saved.status_code == 302
    session.refresh(area)
    assert (area.code_status, area.code_status_source) == ("revoked", "authority")
    producer_pages = signed_in(app, owner.user.email)
    edit = producer_pages.get(f"/workspace/areas/{area.id}/edit").get_data(as_text=True)
    assert 'name="code_status"' not in edit and 'name="code"' not in edit


def _label_text(client, owner, batch_id: int) -> str:
    pdf = client.get(f"/api/v1/batches/{batch_id}/labels", query_string={"format": "pdf"},
                     headers=owner.headers).data
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_a_rejected_certificates_stars_appear_nowhere(client, session, make):
    world = build_world(session, make)
    owner, batch = world.owner, world.batch
    assert "OCOP ★★★★" in _label_text(client, owner, batch.id)  # the claim, until it is rejected
    inspector = make.account("inspector")
    assert client.post(f"/api/v1/certificates/{world.valid_certificate.id}/reject", json={
        "reason": "Không có trong danh sách công nhận OCOP của tỉnh"},
        headers=inspector.headers).status_code == 200

    page = client.get(world.dl_path).get_data(as_text=True)
    assert "★" not in page and "OCOP 4 sao" not in page
    assert "Bị thanh tra bác bỏ" in page and world.valid_certificate.number in page
    facts = client.get(world.dl_path, headers=JSON).get_json()
    assert facts["product"]["ocop"] is None
    assert all(c["scheme"] != "ocop" for c in facts["certificates"])
    assert facts["rejected_claims"][0]["number"] == world.valid_certificate.number
    assert "stars" not in facts["rejected_claims"][0]
    passport = client.get(world.dl_path + "?format=jsonld").get_json(force=True)
    assert passport["product"]["ocop_stars"] is None
    assert all(c["scheme"] != "ocop" for c in passport["certificates"])
    linkset = client.get(world.dl_path + "?linkType=linkset").get_data(as_text=True)
    assert "★" not in linkset and "stars" not in linkset
    product_page = client.get(f"/01/{GTIN14}").get_data(as_text=True)
    assert "★" not in product_page
    label = _label_text(client, owner, batch.id)
    assert "OCOP" not in label and "★" not in label
    zpl = client.get(f"/api/v1/batches/{batch.id}/labels", headers=owner.headers, query_string={
        "format": "zpl", "template": "roll-50x30"}).get_data(as_text=True)
    assert "OCOP" not in zpl
    for fmt in ("epcis", "csv"):
        export = client.get(f"/api/v1/batches/{batch.id}/export", query_string={"format": fmt},
                            headers=inspector.headers).get_data(as_text=True)
        assert "★" not in export and "OCOP" not in export and '"stars"' not in export


def test_an_unverified_ocop_claim_reads_as_declared(client, session, make):
    world = build_world(session, make)
    page = client.get(world.dl_path).get_data(as_text=True)
    assert "OCOP 4 sao" in page and "do nhà sản xuất tự công bố, chưa được thanh tra xác minh" in page
    assert client.get(world.dl_path, headers=JSON).get_json()["product"]["ocop"]["verification"] == \
        "unverified"
    inspector = make.account("inspector")
    client.post(f"/api/v1/certificates/{world.valid_certificate.id}/verify", json={},
                headers=inspector.headers)
    page = client.get(world.dl_path).get_data(as_text=True)
    assert "đã được thanh tra xác minh" in page and "chưa được thanh tra xác minh" not in page.split(
        'id="batch"')[0]


def test_a_product_is_public_only_with_a_published_batch(client, session, make):
    owner = make.producer()
    product = make.product(owner, gtin="8936005120028")
    draft = make.batch(owner, product)
    assert client.get("/01/08936005120028").status_code == 404
    assert client.get(f"/01/08936005120028/10/{draft.lot}").status_code == 404
    typed = client.get("/lookup", query_string={"code": "8936005120028"}, follow_redirects=True)
    assert typed.status_code == 404
    batches.publish_batch(session, owner.actor, draft.id)
    session.commit()
    assert client.get("/01/08936005120028").status_code == 200


def test_a_gtin_page_shows_recalled_lots_first(client, session, make):
    world = build_world(session, make)
    change_status(session, make, world.batch, "recall", "Nhiễm nấm mốc")
    page = client.get(f"/01/{GTIN14}").get_data(as_text=True)
    recall_at = page.index("ĐÃ THU HỒI")
    assert recall_at < page.index('id="product"')
    assert world.batch.lot in page[recall_at:page.index('id="product"')]
    assert "Nhiễm nấm mốc" in page
    facts = client.get(f"/01/{GTIN14}", headers=JSON).get_json()
    assert facts["withdrawn_batches"][0]["lot"] == world.batch.lot


def test_public_documents_carry_no_private_value(app, client, session, make):
    world = build_world(session, make)  # another producer's world, whose e-mail shows nowhere
    household = make.organization(kind="household", email="chu.ho.rieng@example.vn",
                                  address="Thôn Khe Mạ, xã Bình Liêu", phone="0912 345 678",
                                  gs1_prefixes=["8936006"])
    owner = make.producer(household)
    product = make.product(owner, name="Miến dong Bình Liêu", gtin="8936006120034")
    area = make.area(owner, latitude=21.547312, longitude=107.398765, code="VN-QNBL-0042")
    draft_input = make.batch(owner, make.product(owner, name="Tinh bột dong"))
    certificate = make.certificate(owner, product)
    batch = make.batch(owner, product, area=area, certificate_ids=[certificate.id],
                       note="Ghi chú riêng: giá vốn 18.000đ",
                       input_lots=[{"batch_id": draft_input.id, "quantity": 50, "unit": "kg"}])
    from tracelabel.services import events, inspection

    events.append_event(session, owner.actor, batch.id, {
        "step": "packing", "occurred_at": dt.datetime.now(VN) - dt.timedelta(hours=5), "area_id": area.id,
        "note": "Ghi chú nội bộ đóng gói"})
    batches.publish_batch(session, owner.actor, batch.id)
    batches.issue_units(session, owner.actor, batch.id, 3)
    inspector = make.account("inspector")
    inspection.review_certificate(session, inspector.actor, certificate.id, "verified",
                                  "Ghi chú thanh tra: đã gọi điện xác minh")
    session.commit()
    from tests.test_public_fixtures import dl_serial, unit_code

    unit = unit_code(app, batch, 2)
    private = [household.email, household.tax_code, owner.user.email, inspector.user.email,
               owner.token, "giá vốn 18.000đ", "Ghi chú nội bộ đóng gói", "Ghi chú thanh tra",
               "21.547312", "107.398765", draft_input.code, world.owner.user.email]
    paths = [f"/01/08936006120034/10/{batch.lot}", f"/t/{batch.code}",
             f"/01/08936006120034/10/{batch.lot}/21/{dl_serial(unit)}", f"/t/{unit}",
             "/01/08936006120034"]
    documents = []
    for path in paths:
        for headers, query in (({}, {}), (JSON, {}), ({}, {"linkType": "linkset"}),
                               ({}, {"format": "jsonld"})):
            response = client.get(path, headers=headers, query_string=query)
            assert response.status_code in (200, 406), (path, query, response.status_code)
            documents.append((path, query, response.get_data(as_text=True)))
    assert any("Miến dong Bình Liêu" in text for _p, _q, text in documents)
    for path, query, text in documents:
        for value in private:
            assert value not in text, (path, query, value)
    passport = json.loads(client.get(paths[0], query_string={"format": "jsonld"}).get_data())
    assert "identifier" not in passport["producer"]  # a household's tax code is personal
    assert passport["origin"]["input_lots"][0]["uri"] is None
