"""Issue 19, pages: what a newcomer tripped over on the trace, producer and inspector pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, update

from tests.factories import VN
from tests.inspector_world import build_world as build_inspector_world
from tests.test_public_fixtures import build_world, change_status, unit_code
from tests.workspace_client import field_errors, signed_in
from tracelabel.config import settings_from_env
from tracelabel.models import AuditEntry, Batch
from tracelabel.services import lot_lookup

TODAY = dt.date.today()
LONG_NAME = ("Mật ong hoa nhãn rừng nguyên chất " * 6)[:190]  # as long as a producer typed it


def text_of(response) -> str:
    """The page's visible words, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


# 7. Times in Vietnam time, labelled.

@pytest.fixture
def inspector_world(make, session):
    return build_inspector_world(make, session)


@pytest.fixture
def inspector(app, inspector_world):
    return signed_in(app, inspector_world["inspector"].user.email)


def test_inspector_times_are_vietnam_time_and_say_so(inspector, inspector_world, session):
    tea = inspector_world["tea"]
    url = f"/inspector/batches/{tea.id}"
    inspector.submit(url, {"suspend-reason": "Chờ kiểm nghiệm"}, action=f"{url}/suspend")
    session.execute(update(Batch).where(Batch.id == tea.id).values(
        status_changed_at=dt.datetime(2026, 11, 29, 7, 5, tzinfo=dt.UTC)))
    session.commit()
    assert "since 29/11/2026 14:05 (Vietnam time)" in text_of(inspector.get(url))
    latest = session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    shown = latest.occurred_at.astimezone(VN).strftime("%d/%m/%Y %H:%M:%S")
    audit = text_of(inspector.get("/inspector/audit"))
    assert "When (Vietnam time)" in audit and shown in audit


def test_inspector_times_in_vietnamese_name_the_zone(app, inspector_world):
    pages = signed_in(app, inspector_world["inspector"].user.email, language="vi")
    assert "(giờ Việt Nam)" in text_of(pages.get("/inspector/audit"))


def test_the_display_zone_is_a_setting():
    assert settings_from_env({"TRACELABEL_DISPLAY_TIMEZONE": "Asia/Bangkok"}) == {
        "DISPLAY_TIMEZONE": "Asia/Bangkok"}


# 8. One Vietnamese format: 29/11/2026 and 1.200.

def test_trace_page_dates_and_quantities_read_as_in_the_workspace(client, session, make):
    world = build_world(session, make, quantity=1200, unit="hộp")
    vietnamese = text_of(client.get(f"/t/{world.batch.code}"))
    produced = world.batch.production_date
    assert f"Ngày sản xuất {produced:%d/%m/%Y}" in vietnamese
    assert "1.200 hộp" in vietnamese
    english = text_of(client.get(f"/t/{world.batch.code}?lang=en"))
    assert f"Produced on {produced.day} {produced:%b %Y}" in english
    assert "1,200 hộp" in english


# 9 and 10. Phones: compact checklist, folded filters, whole codes, clamped names, length limits.

@pytest.fixture
def producer(make):
    return make.producer()


@pytest.fixture
def producer_pages(app, producer):
    return signed_in(app, producer.user.email)


def test_batch_page_on_a_phone_is_compact_and_names_stay_short(producer_pages, make, producer):
    batch = make.batch(producer, make.product(producer, name=LONG_NAME))
    page = producer_pages.get(f"/workspace/batches/{batch.id}").get_data(as_text=True)
    assert '<table class="list compact">' in page  # the checklist's phone layout
    assert re.search(r'<h1 class="clamp"[^>]*>', page)
    assert page.count(LONG_NAME) == 3  # the window title, the heading and its tooltip only
    css = producer_pages.get("/static/workspace.css").get_data(as_text=True)
    assert "-webkit-line-clamp" in css and "table.compact" in css
    assert "overflow-wrap:anywhere}" not in css.split("code,.code")[0]  # no cell breaks anywhere


def test_inspector_filters_fold_away_and_audit_columns_do_not_wrap(inspector):
    page = inspector.get("/inspector/", query_string={"lot": "TEA-1"}).get_data(as_text=True)
    assert re.search(r'<details class="filters card" id="filters">\s*<summary>Search filters \(1 in use\)',
                     page)
    assert page.index('id="filters"') < page.index('id="results"')
    audit = inspector.get("/inspector/audit").get_data(as_text=True)
    assert '<table class="list audit">' in audit
    css = inspector.get("/static/workspace.css").get_data(as_text=True)
    assert "table.audit td:nth-child(-n+2){white-space:nowrap}" in css


def test_a_search_with_errors_keeps_its_filters_open(inspector):
    page = inspector.get("/inspector/", query_string={"lot": "x" * 41}).get_data(as_text=True)
    assert '<details class="filters card" id="filters" open>' in page


def test_form_fields_show_their_length_limit_before_submitting(producer_pages):
    page = producer_pages.get("/workspace/products/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="name"[^>]*maxlength="200"', page)
    assert "At most 200 characters." in page
    assert re.search(r'<textarea[^>]*id="description"[^>]*maxlength="5000"', page)
    batch_form = producer_pages.get("/workspace/batches/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="lot"[^>]*maxlength="40"', batch_form)


def test_too_long_a_name_is_refused_with_the_service_words(producer_pages):
    response = producer_pages.submit("/workspace/products/new",
                                     {"name": "x" * 201, "ocop_group": "food"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))["name"] == ["Use at most 200 characters."]


# 11. An expiry proposed from the shelf life.

def new_batch_data(product_id: int, **changes: str) -> dict[str, str]:
    return {"product_id": str(product_id), "lot": "MO-2611", "production_date": "2026-11-01",
            "expiry_date": "", **changes}


def test_a_blank_expiry_is_proposed_from_the_shelf_life(producer_pages, make, producer, session):
    product = make.product(producer, shelf_life_days=365)
    make.product(producer, name="Trà xanh")  # two products: nothing is chosen in advance
    shown = producer_pages.submit("/workspace/batches/new", new_batch_data(product.id))
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "365 days after production" in page
    assert re.search(r'<input[^>]*id="expiry_date"[^>]*value="2027-11-01"', page)
    assert session.scalar(select(func.count()).select_from(Batch)) == 0
    created = producer_pages.submit("/workspace/batches/new", new_batch_data(
        product.id, expiry_date="2027-10-01", expiry_proposed="1"))
    assert created.status_code == 302
    assert session.scalar(select(Batch.expiry_date)) == dt.date(2027, 10, 1)


def test_a_cleared_proposal_is_respected(producer_pages, make, producer, session):
    product = make.product(producer, shelf_life_days=30)
    created = producer_pages.submit("/workspace/batches/new", new_batch_data(
        product.id, expiry_proposed="1"))
    assert created.status_code == 302
    assert session.scalar(select(Batch.expiry_date)) is None


def test_the_new_batch_form_prefills_the_expiry_of_the_only_product(producer_pages, make, producer):
    make.product(producer, shelf_life_days=10)
    page = producer_pages.get("/workspace/batches/new").get_data(as_text=True)
    expected = TODAY + dt.timedelta(days=10)
    assert re.search(rf'<input[^>]*id="expiry_date"[^>]*value="{expected.isoformat()}"', page)


# 12. A lot number typed at the home page.

def test_a_typed_lot_lists_the_published_batches_with_it(client, session, make):
    world = build_world(session, make, lot="CR2609B")
    owner = world.owner
    make.batch(owner, make.product(owner, name="Bản nháp"), lot="CR2609B")  # a draft: never listed
    response = client.get("/lookup", query_string={"code": "cr2609b"})
    assert response.status_code == 200
    page = text_of(response)
    assert world.product.name in page and world.batch.organization.name in page
    assert f'href="/t/{world.batch.code}"' in response.get_data(as_text=True)
    assert "Bản nháp" not in page
    assert [m.code for m in lot_lookup.published_lots(session, "CR2609B")] == [world.batch.code]


def test_an_unknown_lot_says_so_plainly(client):
    response = client.get("/lookup", query_string={"code": "CR2609B", "lang": "en"})
    assert response.status_code == 404
    assert "No published batch has the lot number CR2609B either." in text_of(response)


@pytest.mark.parametrize("typed", ["Md-2612-01", "MD-2612-01", "md-2612-01", "mD-2612-01",
                                   " md-2612-01 "])
def test_a_lot_written_in_mixed_case_is_found_however_it_is_typed(client, session, make, typed):
    world = build_world(session, make, lot="Md-2612-01")
    response = client.get("/lookup", query_string={"code": typed})
    assert response.status_code == 200
    assert f'href="/t/{world.batch.code}"' in response.get_data(as_text=True)
    assert "Md-2612-01" in text_of(response)


def test_a_lot_with_vietnamese_letters_is_found_in_either_case(client, make):
    owner = make.producer()  # no GTIN: the lot is free text, diacritics and all
    batch = make.batch(owner, make.product(owner, name="Miến dong Bình Liêu"), publish=True,
                       lot="Lô-Đông-01")
    response = client.get("/lookup", query_string={"code": "LÔ-ĐÔNG-01"})
    assert response.status_code == 200
    assert f'href="/t/{batch.code}"' in response.get_data(as_text=True)


# 13. What a unit code can and cannot do.

def test_the_unit_label_form_says_what_is_true(app, make, producer):
    batch = make.batch(producer, publish=True)
    for language, untrue, true in (("en", "cannot be forged", "scanned from many different networks"),
                                   ("vi", "không thể làm giả", "quét từ nhiều mạng")):
        page = signed_in(app, producer.user.email, language=language).get(
            f"/workspace/batches/{batch.id}").get_data(as_text=True)
        assert untrue not in page and true in page


# 14. Rows linked by their lot; a recall is not reassured away.

def test_batch_list_links_each_row_by_its_lot(producer_pages, make, producer):
    product = make.product(producer)
    batch = make.batch(producer, product, lot="CHE-A")
    page = producer_pages.get("/workspace/batches").get_data(as_text=True)
    assert f'<a href="/workspace/batches/{batch.id}" class="code">CHE-A</a>' in page
    assert f">{product.name}</a>" not in page


@pytest.mark.parametrize(("move", "words"), [
    ("recall", "This code is registered, but this batch is recalled."),
    ("suspend", "This code is registered, but this batch is suspended."),
])
def test_a_withdrawn_batch_code_does_not_read_as_reassurance(app, client, session, make, move, words):
    world = build_world(session, make)
    plain = client.get(f"/t/{world.batch.code}?lang=en").get_data(as_text=True)
    assert 'class="withdrawn"' not in plain
    change_status(session, make, world.batch, move)
    for url in (f"/t/{world.batch.code}", f"/t/{unit_code(app, world.batch, 1)}"):
        page = client.get(url, query_string={"lang": "en"}).get_data(as_text=True)
        box = page[page.index('<div class="withdrawn"'):]
        assert box.index(words) < box.index('id="genuine"') < box.index("</div>")
    style = plain[plain.index("<style>"):plain.index("</style>")]
    assert ".withdrawn #genuine .ok{display:none}" in style
