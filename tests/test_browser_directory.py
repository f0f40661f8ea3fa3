"""The OCOP directory on a 360 × 740 phone: it fits the screen, its filters work with a tap, and an
entry opens the product's page with where to buy it. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.test_browser_phone import PHONE, SCREENSHOTS, check
from tests.test_directory import QUANG_NINH, build_world
from tracelabel.models import Product
from tracelabel.services import catalog, photos

pytestmark = [pytest.mark.browser]


def _photo(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def test_the_directory_fits_a_phone_and_filters_with_a_tap(session, make, live_url, new_context):
    world = build_world(session, make)
    miến = world.listed["Miến dong Bình Liêu"]
    photos.add_photo(session, world.quang_ninh.actor, miến.id, _photo((190, 160, 110)))
    catalog.update_record(session, world.quang_ninh.actor, Product, miến.id, {
        "points_of_sale": [{"name": "Cửa hàng OCOP Bình Liêu", "address": "Số 5 phố Bình Công",
                            "commune": "Bình Liêu", "hours": "7:00–18:00"}],
        "online_listings": [{"url": "https://shopee.vn/mien-dong-binh-lieu", "platform": "Shopee"}]})
    session.commit()
    page = new_context(viewport=PHONE, locale="vi-VN").new_page()
    check(page, f"{live_url}/ocop", "ocop")
    assert page.locator("li.entry").count() == 9
    page.select_option("#province", QUANG_NINH)
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert "province=22" in page.url
    assert page.locator("li.entry").count() == 5
    page.fill("#q", "mien dong")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "phone-ocop-search.png"), full_page=True)
    assert page.locator("li.entry h2").all_inner_texts() == ["Miến dong Bình Liêu"]
    page.locator("li.entry h2 a").click()
    page.wait_for_load_state()
    assert page.url.endswith("/01/08936005120011")
    assert page.locator("#where-to-buy").is_visible()
    check(page, page.url, "ocop-product")
