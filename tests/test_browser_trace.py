"""What a shopper sees: a recalled unit's trace page on a phone, in Debian's Chromium via Playwright."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.browser import TEST_OUTPUT as OUTPUT
from tests.test_public_fixtures import build_world, change_status, unit_code

PHONE = {"width": 360, "height": 740}

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser


def phone_page(new_context: Callable[..., BrowserContext]) -> Page:
    """A phone page with JavaScript off: the trace pages work without it."""
    return new_context(viewport=PHONE, locale="vi-VN", java_script_enabled=False,
                       device_scale_factor=2, is_mobile=True).new_page()


def test_recalled_unit_on_a_phone_in_vietnamese_with_a_language_switch(app, session, make, live_url,
                                                                         new_context):
    world = build_world(session, make)
    change_status(session, make, world.batch, "recall", "Phát hiện histamine vượt ngưỡng cho phép")
    code = unit_code(app, world.batch, 2)
    page = phone_page(new_context)
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    response = page.goto(f"{live_url}/T/{code}")
    assert response is not None and response.status == 200

    notice = page.locator("#status")
    assert "ĐÃ THU HỒI: không sử dụng sản phẩm này" in notice.inner_text()
    assert "Phát hiện histamine vượt ngưỡng cho phép" in notice.inner_text()
    box, heading = notice.bounding_box(), page.locator("h1").bounding_box()
    assert box is not None and heading is not None
    assert box["y"] < heading["y"]  # the recall comes before the product
    assert box["y"] + box["height"] <= PHONE["height"]  # and is on the first screen
    assert page.locator("html").get_attribute("lang") == "vi"
    # The code is real, but a recalled batch's page must not read as reassurance.
    withdrawn = page.locator("#withdrawn-code").inner_text()
    assert "Mã này có đăng ký, nhưng lô hàng này đã bị thu hồi." in withdrawn
    assert "Mã thật" not in withdrawn
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "trace-recalled-unit-vi.png"), full_page=True)

    page.get_by_role("link", name="English").click()
    assert "lang=en" in page.url
    assert "RECALLED: do not use this product" in page.locator("#status").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=str(OUTPUT / "trace-recalled-unit-en.png"), full_page=True)
    page.get_by_role("link", name="Tiếng Việt").click()
    assert "ĐÃ THU HỒI" in page.locator("#status").inner_text()
    assert hosts == {urlsplit(live_url).netloc}  # no third-party requests
    assert (OUTPUT / "trace-recalled-unit-vi.png").stat().st_size > 10_000


def test_complete_batch_with_its_photo_on_a_phone(session, make, live_url, new_context):
    """Issue 11: all ten items on a phone, the photo loaded as its small rendition; sizes kept."""
    from tests.test_photos import jpeg_with_gps
    from tracelabel.services import photos

    world = build_world(session, make)
    photos.add_photo(session, world.owner.actor, world.product.id, jpeg_with_gps(1600, 1200))
    session.commit()
    page = phone_page(new_context)
    images: list[tuple[str, int]] = []
    page.on("response", lambda r: images.append((r.url, len(r.body())))
            if "/media/" in r.url else None)
    response = page.goto(f"{live_url}/t/{world.batch.code}")
    assert response is not None and response.status == 200
    html = response.body()
    assert len(html) < 30 * 1024  # HTML with its inline CSS; the photo is counted apart
    photo = page.locator("img").first
    assert "/media/" in (photo.get_attribute("src") or "")
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    assert images and all(size < 40 * 1024 for _url, size in images)
    text = page.locator("body").inner_text()
    for item in (world.product.name, world.owner.user.organization.name, world.batch.lot,
                 "TCVN 1458:2009", "VN-TNTC-0012", world.batch.code[:4]):
        assert item in text, item
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "trace-complete-batch-with-photo.png"), full_page=True)
