"""Readiness on the batch pages: the items of Circular 02/2024, what is missing, where to fix it."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import select

from tests.factories import VN
from tests.test_photos import jpeg_with_gps
from tests.workspace_client import signed_in
from tracelabel.models import Batch
from tracelabel.services import events, photos
from tracelabel.services.readiness import ITEMS

ROW = re.compile(r'<tr data-item="(\w+)">(.*?)</tr>', re.S)
LINK = re.compile(r'<a href="([^"]+)">')
WARNING = 'id="readiness-warning"'


def checklist(page: str) -> dict[str, dict]:
    """The readiness rows of a batch page by item: shown or not, the visible text, the fix link."""
    rows = {}
    for item, body in ROW.findall(page):
        link = LINK.search(body)
        rows[item] = {"ok": "✓" in body and "✗" not in body,
                      "text": html.unescape(re.sub(r"<[^>]+>", " ", body)),
                      "fix": html.unescape(link.group(1)) if link else None}
    return rows


def complete_batch(make, session, *, publish: bool = False):
    """An owner and a batch whose trace shows every item."""
    owner = make.producer(make.organization(address="Thôn 2, xã Tân Cương, Thái Nguyên"))
    product = make.product(owner, warnings="Không dùng cho trẻ dưới 3 tuổi.")
    photos.add_photo(session, owner.actor, product.id, jpeg_with_gps(400, 300))
    session.commit()
    return owner, make.batch(owner, product, publish=publish)


def incomplete_batch(make, session):
    """An owner and a draft batch missing a photo, address, area code, packing place, brand, …"""
    owner = make.producer()
    product = make.product(owner, brand=None, standards=[])
    batch = make.batch(owner, product, area=make.area(owner, code=None), expiry_date=None)
    events.append_event(session, owner.actor, batch.id, {
        "step": "packing", "occurred_at": dt.datetime.now(VN) - dt.timedelta(hours=1)})
    session.commit()
    return owner, batch


@pytest.mark.parametrize("publish", [False, True])
def test_a_complete_batch_shows_every_item_ticked(app, make, session, publish):
    owner, batch = complete_batch(make, session, publish=publish)
    page = signed_in(app, owner.user.email).get(f"/workspace/batches/{batch.id}").get_data(as_text=True)
    rows = checklist(page)
    assert list(rows) == list(ITEMS)
    assert all(row["ok"] and row["fix"] is None for row in rows.values()), rows
    assert rows["standards"]["text"].strip().startswith("Standards applied")
    assert WARNING not in page


def test_an_incomplete_batch_names_each_gap_in_vietnamese_then_english(app, make, session):
    owner, batch = incomplete_batch(make, session)
    url = f"/workspace/batches/{batch.id}"
    pages = signed_in(app, owner.user.email, language=None)
    page = pages.get(url).get_data(as_text=True)
    assert "Thông tư 02/2024" in page and "Bạn vẫn có thể công bố ngay" in page
    rows = checklist(page)
    missing = {item for item, row in rows.items() if not row["ok"]}
    assert missing == {"product_image", "producer_address", "stages", "brand", "shelf_life",
                       "standards", "warnings"}
    assert "Sản phẩm chưa có ảnh." in rows["product_image"]["text"]
    assert "Thiếu địa chỉ nhà sản xuất." in rows["producer_address"]["text"]
    assert "chưa có mã số vùng trồng chính thức" in rows["stages"]["text"]
    assert "Công đoạn 2 (đóng gói) chưa có địa điểm." in rows["stages"]["text"]
    assert "Sản phẩm chưa có nhãn hiệu." in rows["brand"]["text"]
    assert "Lô hàng chưa có hạn sử dụng." in rows["shelf_life"]["text"]
    assert "Sản phẩm chưa công bố tiêu chuẩn áp dụng" in rows["standards"]["text"]
    assert "Tiêu chuẩn áp dụng" in rows["standards"]["text"]

    switched = pages.get(f"/language/en?next={url}")
    assert switched.headers["Location"] == url
    page = pages.get(url).get_data(as_text=True)
    rows = checklist(page)
    assert "The product has no photo." in rows["product_image"]["text"]
    assert "The producer's address is missing." in rows["producer_address"]["text"]
    assert "official area code" in rows["stages"]["text"]
    assert "Stage 2 (packing) has no location." in rows["stages"]["text"]
    assert "The product has no brand or trademark." in rows["brand"]["text"]
    assert "The batch has no expiry date." in rows["shelf_life"]["text"]
    assert "declares no standard" in rows["standards"]["text"]
    assert "no warnings or storage instructions" in rows["warnings"]["text"]
    assert all(row["ok"] for item, row in rows.items() if item not in missing)


def test_each_gap_links_to_where_it_is_fixed(app, make, session):
    owner, batch = incomplete_batch(make, session)
    product_id = batch.product_id
    pages = signed_in(app, owner.user.email)
    rows = checklist(pages.get(f"/workspace/batches/{batch.id}").get_data(as_text=True))
    assert rows["product_image"]["fix"] == f"/workspace/products/{product_id}/photos"
    for item in ("brand", "standards", "warnings"):
        assert rows[item]["fix"] == f"/workspace/products/{product_id}/edit"
    assert rows["stages"]["fix"] == f"/workspace/batches/{batch.id}/events"
    assert rows["shelf_life"]["fix"] == f"/workspace/batches/{batch.id}/details"
    assert rows["producer_address"]["fix"] is None  # the administrator keeps the organization
    for row in rows.values():
        if row["fix"]:
            assert pages.get(row["fix"]).status_code == 200, row["fix"]


def test_gaps_are_shown_before_publishing_and_publishing_still_works(app, make, session):
    owner, batch = incomplete_batch(make, session)
    url = f"/workspace/batches/{batch.id}"
    pages = signed_in(app, owner.user.email)
    page = pages.get(url).get_data(as_text=True)
    assert page.index('id="readiness"') < page.index(WARNING) < page.index(f"{url}/publish")
    assert "You can publish now" in page
    published = pages.submit(url, {}, action=f"{url}/publish")
    assert published.status_code == 302
    session.expire_all()
    assert session.scalar(select(Batch.status).where(Batch.id == batch.id)) == "published"
    after = pages.get(url).get_data(as_text=True)
    rows = checklist(after)
    assert not rows["product_image"]["ok"] and "The product has no photo." in after
    assert rows["shelf_life"]["fix"] is None  # a published batch's dates no longer change
    assert rows["stages"]["fix"] == f"{url}/events"  # its chain takes corrections
    assert WARNING not in after and f"{url}/publish" not in after
