"""The trace page: each kind of code, what it shows, in which language, as HTML and as JSON."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.factories import VN
from tests.test_public_fixtures import (
    GTIN14,
    UNITS,
    build_world,
    change_status,
    dl_serial,
    unit_code,
)
from tracelabel import codes
from tracelabel.links import batch_trace_url
from tracelabel.models import Certificate, RawMaterialArea, TraceEvent
from tracelabel.services import demo, events

PAGE_BUDGET = 30 * 1024


@pytest.fixture
def world(session, make):
    """A published GTIN batch with five units."""
    return build_world(session, make)


def text_of(response) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    html = re.sub(r"<style>.*?</style>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_batch_code_page_shows_the_circular_02_items_in_vietnamese(client, world):
    response = client.get(f"/t/{world.batch.code}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    text = text_of(response)
    for expected in (
        "Chè búp Tân Cương",                      # 1. product name
        "HTX Chè Tân Cương",                      # 3. producer name
        "Xóm Hồng Thái 2, xã Tân Cương",          # 4. producer address
        "Thu hoạch", "Chế biến",                  # 5./6. stages with their times
        "VN-TNTC-0012", "mã đang hiệu lực",       # location trace code and its status
        codes.readable_code(world.batch.code),    # 7. the traceability code
        "Nhãn hiệu", "Tân Cương",                 # 8. brand
        "Hạn sử dụng", "365 ngày",                # 9. expiry and shelf life
        "TCVN 1458:2009",                         # 10. standards applied
        "Không dùng cho trẻ dưới 3 tuổi.", "Bảo quản nơi khô ráo",
        "OCOP 4 sao", "Đồ uống",                  # stars and Decision 148 group
        "Thái Nguyên", "0208 3855 123",           # province and contact
        "Mã lô hàng này đã được đăng ký",
        "Lô hàng này không bị thu hồi hay tạm dừng",
    ):
        assert expected in text, expected
    assert re.search(r"\d{2}:\d{2}", text)


def test_photo_slot_shows_the_products_photo(client, world, monkeypatch):
    from tracelabel.services import photos

    photo = photos.PublicPhoto("/media/abc.webp", "/media/abc.webp 320w", 320, 240)
    monkeypatch.setattr(photos, "public_photo", lambda session, product_id: photo)
    html = client.get(f"/t/{world.batch.code}").get_data(as_text=True)
    assert '<img class="photo" src="/media/abc.webp" srcset="/media/abc.webp 320w"' in html
    assert 'width="320" height="240" alt="Chè búp Tân Cương"' in html


@pytest.mark.parametrize("shape", [str.lower, str.upper, codes.readable_code])
def test_short_codes_match_in_any_case_and_either_prefix(client, world, shape):
    for prefix in ("/t/", "/T/"):
        assert client.get(prefix + shape(world.batch.code)).status_code == 200


def test_unit_code_page_says_genuine_and_first_scan(app, client, world):
    code = unit_code(app, world.batch, 3)
    text = text_of(client.get(f"/T/{code}"))
    assert "Mã thật: nhãn số 3 do nhà sản xuất phát hành" in text
    assert "Đây là lần quét đầu tiên của mã này." in text
    assert code in text


def test_unit_digital_link_serial_is_the_unit_codes_tail(app, client, world):
    code = unit_code(app, world.batch, 2)
    codes.validate_ai_value("21", dl_serial(code))  # GS1 character set 82, at most 20 characters
    response = client.get(f"{world.dl_path}/21/{dl_serial(code)}")
    assert response.status_code == 200
    assert "nhãn số 2" in text_of(response)


@pytest.mark.parametrize("case", ["forged_mac", "not_issued", "bad_check", "unknown", "malformed",
                                  "unknown_key"])
def test_codes_that_do_not_resolve_get_404_with_the_form(app, client, world, case):
    good = unit_code(app, world.batch, 1)
    batch_code = world.batch.code
    flipped = "0" if batch_code[3] != "0" else "1"
    code = {
        "forged_mac": good[:-1] + ("A" if good[-1] != "A" else "B"),
        "not_issued": unit_code(app, world.batch, UNITS + 1),
        "bad_check": batch_code[:3] + flipped + batch_code[4:],
        "unknown": codes.new_batch_code(),
        "malformed": "HELLO-WORLD!",
        "unknown_key": good.rsplit(".", 1)[0] + ".Z" + good[-8:],
    }[case]
    response = client.get(f"/t/{code}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'action="/lookup"' in html and 'name="code"' in html
    assert "Traceback" not in html


def test_forged_digital_link_serial_is_404(app, client, world):
    tail = dl_serial(unit_code(app, world.batch, 1))
    forged = tail[:-1] + ("A" if tail[-1] != "A" else "B")
    assert client.get(f"{world.dl_path}/21/{forged}").status_code == 404
    assert client.get(f"{world.dl_path}/21/1").status_code == 404  # a bare serial proves nothing


def test_draft_batches_are_not_public(client, make):
    owner = make.producer()
    draft = make.batch(owner)
    response = client.get(f"/t/{draft.code}")
    assert response.status_code == 404
    assert draft.lot not in response.get_data(as_text=True)


@pytest.mark.parametrize(("move", "heading"), [
    ("recall", "ĐÃ THU HỒI: không sử dụng sản phẩm này"),
    ("suspend", "TẠM DỪNG: lô hàng này tạm thời không được bán"),
])
def test_recall_and_suspension_come_first_with_reason_and_date(app, client, session, make, world,
                                                               move, heading):
    change_status(session, make, world.batch, move, "Phát hiện histamine vượt ngưỡng")
    for url in (f"/t/{world.batch.code}", world.dl_path, f"/t/{unit_code(app, world.batch, 1)}"):
        html = client.get(url).get_data(as_text=True)
        notice = html.index(heading)
        assert notice < html.index("<h1>") and notice < html.index('id="genuine"')
        assert "Phát hiện histamine vượt ngưỡng" in html
        today = dt.datetime.now(VN).date()
        assert today.strftime("%d/%m/%Y") in text_of(client.get(url))


def test_certificates_validity_and_verification_are_computed_now(client, session, world):
    certificate = session.get(Certificate, world.valid_certificate.id)
    certificate.verification_status, certificate.verified_at = "verified", dt.datetime.now(dt.UTC)
    session.commit()
    text = text_of(client.get(f"/t/{world.batch.code}"))
    assert "VG-2019-77" in text and "✗ Hết hiệu lực" in text
    assert "✓ Còn hiệu lực" in text
    assert "Đã được cơ quan chức năng xác minh" in text
    english = text_of(client.get(f"/t/{world.batch.code}?lang=en"))
    assert "✗ Expired" in english and "Verified by an inspector" in english


def test_suspended_area_code_and_expired_batch_are_shown_as_such(client, session, make):
    owner = make.producer()
    area = make.area(owner, code="VN-DTOR-0017", code_status="revoked")
    area.code_status_since = dt.date(2026, 3, 1)
    session.commit()
    batch = make.batch(owner, area=area, publish=True,
                       production_date=dt.date.today() - dt.timedelta(days=400),
                       expiry_date=dt.date.today() - dt.timedelta(days=1))
    text = text_of(client.get(f"/t/{batch.code}"))
    assert "VN-DTOR-0017" in text and "mã ĐÃ BỊ THU HỒI" in text
    assert "ĐÃ HẾT HẠN" in text
    assert session.get(RawMaterialArea, area.id).code_status == "revoked"


def test_a_corrected_event_shows_only_the_correction(client, session, world):
    harvest = session.query(TraceEvent).filter_by(batch_id=world.batch.id, step="harvesting").one()
    events.append_event(session, world.owner.actor, world.batch.id, {
        "step": "harvesting", "occurred_at": dt.datetime.now(VN) - dt.timedelta(days=5),
        "place": "Đồi chè số 7", "supersedes_id": harvest.id})
    session.commit()
    body = client.get(f"/t/{world.batch.code}", headers={"Accept": "application/json"}).get_json()
    harvests = [e for e in body["origin"]["events"] if e["step"] == "harvesting"]
    assert len(harvests) == 1 and harvests[0]["corrects_earlier_entry"] is True
    assert harvests[0]["place"] == "Đồi chè số 7"
    assert "đã đính chính" in text_of(client.get(f"/t/{world.batch.code}"))


@pytest.mark.parametrize(("kwargs", "lang"), [
    ({"query_string": {"lang": "en"}}, "en"),
    ({"headers": {"Accept-Language": "en-GB,en;q=0.9"}}, "en"),
    ({"headers": {"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}}, "vi"),
    ({}, "vi"),
])
def test_language_by_query_or_accept_language_with_a_switch(client, world, kwargs, lang):
    response = client.get(f"/t/{world.batch.code}", **kwargs)
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert {"Accept", "Accept-Language"} <= set(response.vary)
    if lang == "en":
        assert "Producer" in html and "Standards applied" in html and "Beverages" in html
        assert '<a href="?lang=vi" hreflang="vi" lang="vi">Tiếng Việt</a>' in html
    else:
        assert "Nhà sản xuất" in html and "Tiêu chuẩn áp dụng" in html
        assert '<a href="?lang=en" hreflang="en" lang="en">English</a>' in html


def test_json_answers_the_same_public_facts(app, client, world):
    code = unit_code(app, world.batch, 4)
    response = client.get(f"/t/{code}", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["kind"] == "batch" and body["code"] == world.batch.code
    assert body["product"]["gtin"] == GTIN14 and body["product"]["ocop"]["stars"] == 4
    assert body["batch"]["lot"] == world.batch.lot
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["batch"]["production_date"])
    assert {c["validity"] for c in body["certificates"]} == {"valid", "expired"}
    assert body["unit"]["serial"] == 4 and body["unit"]["genuine"] is True
    assert body["unit"]["scan_count"] == 1
    assert body["origin"]["areas"][0]["code"] == "VN-TNTC-0012"
    assert body["trace_url"] == f"https://trace.example.vn/T/{code}".replace("/T/", "/t/")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_no_private_data_on_the_page_or_in_json(app, client, world):
    pages = [client.get(f"/t/{world.batch.code}"), client.get(world.dl_path),
             client.get(f"/t/{unit_code(app, world.batch, 1)}", headers={"Accept": "application/json"}),
             client.get(f"/01/{GTIN14}/10/UNKNOWN", headers={"Accept": "application/json"})]
    for response in pages:
        body = response.get_data(as_text=True)
        for secret in ("@example.vn", "htx@", "Giá vốn nội bộ", "Ghi chú nội bộ", world.owner.token,
                       "password", "token", "127.0.0.1", "recorded_by", "verified_by"):
            assert secret not in body, secret


def test_known_gtin_unknown_lot_shows_the_product_and_says_the_lot_is_not_registered(client, world):
    response = client.get(f"/01/{GTIN14}/10/NOT-A-LOT")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index("Số lô này chưa được đăng ký") < html.index("<h1>")
    assert "NOT-A-LOT" in html and "Chè búp Tân Cương" in html
    assert "Mã thật" not in html and "đã được đăng ký." not in html.replace("chưa được đăng ký", "")
    body = client.get(f"/01/{GTIN14}/10/NOT-A-LOT", headers={"Accept": "application/json"}).get_json()
    assert body["kind"] == "product" and body["requested"] == {"lot": "NOT-A-LOT", "serial": None,
                                                               "registered": False}


def test_page_budget_of_30_kb(app, client, world):
    for url in (f"/t/{world.batch.code}", f"/t/{unit_code(app, world.batch, 1)}", world.dl_path):
        assert len(client.get(url).data) < PAGE_BUDGET
    assert not re.search(r"<script|<link[^>]+stylesheet|https?://(?!trace\.example\.vn)[a-z]",
                         client.get(world.dl_path).get_data(as_text=True).split("</style>", 1)[1])


def test_demo_trace_urls_answer_full_pages(app, client, session):
    demo.seed(session, app.instance_path)
    session.commit()
    for batch in demo.demo_batches(session):
        url = batch_trace_url(app.config["PUBLIC_URL"], batch).removeprefix(app.config["PUBLIC_URL"])
        response = client.get(url)
        assert response.status_code == 200, url
        assert batch.product.name in response.get_data(as_text=True)
        if batch.status == "recalled":
            assert "ĐÃ THU HỒI" in response.get_data(as_text=True)


def test_cached_page_follows_edits_of_related_records(client, session, make, world):
    from tracelabel.services import inspection

    url = f"/t/{world.batch.code}"
    first = client.get(url)
    assert "Đồi chè Hoàng Nông" in first.get_data(as_text=True)
    area_id = world.batch.areas[0].id
    inspection.set_area_code_status(session, make.account("inspector").actor, area_id, "suspended",
                                    "Kiểm tra dư lượng")
    session.commit()
    second = client.get(url)
    assert "mã ĐANG BỊ ĐÌNH CHỈ" in second.get_data(as_text=True)
    assert second.headers["ETag"] != first.headers["ETag"]


def test_the_cached_page_outlives_changes_no_public_page_shows(client, session, make, world):
    """Label runs, drafts and accounts elsewhere keep the page's cache key (a busy day does not
    render every page again); an official's verdict on its area changes it, and the page with it."""
    from tracelabel.services import batches, inspection, trace

    def marker() -> tuple:
        return trace.find_batch(session, code=world.batch.code).marker

    other = make.producer(make.organization("HTX Mật ong Ba Chẽ"))
    printed = make.batch(other, publish=True)
    kept = marker()  # another producer's publication is on a public page: the key moves
    batches.issue_units(session, other.actor, printed.id, 500)
    make.batch(other)  # a draft, with its event
    make.account("inspector")
    session.commit()
    assert marker() == kept

    inspection.set_area_code_status(session, make.account("inspector").actor,
                                    world.batch.areas[0].id, "suspended", "Kiểm tra dư lượng")
    session.commit()
    assert marker() != kept
    assert "mã ĐANG BỊ ĐÌNH CHỈ" in client.get(f"/t/{world.batch.code}").get_data(as_text=True)


def test_a_second_gtin_product_in_gtin_12_form(client, make):
    owner = make.producer()
    gtin12 = "03600029145" + str(codes.gtin_check_digit("03600029145"))
    product = make.product(owner, gtin=gtin12, name="Mật ong bạc hà")
    batch = make.batch(owner, product, publish=True, lot="MO/2026")
    for gtin in (gtin12, "0" + gtin12, "00" + gtin12):
        assert client.get(f"/01/{gtin}/10/MO%2F2026").status_code == 200, gtin
    assert "Mật ong bạc hà" in client.get(f"/01/{gtin12}").get_data(as_text=True)
    assert batch.lot == "MO/2026"


def test_input_lots_link_back_to_their_public_trace(client, session, make):
    owner = make.producer()
    source = make.batch(owner, publish=True)
    made = make.batch(owner, publish=True, input_lots=[{"code": source.code}])
    html = client.get(f"/t/{made.code}").get_data(as_text=True)
    assert f'href="/t/{source.code}"' in html
