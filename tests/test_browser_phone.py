"""Issue 19 on a 360 × 740 phone: no page wider than the screen, codes whole, the batch page short.

Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tests.browser import TEST_OUTPUT
from tests.factories import PASSWORD
from tests.inspector_world import build_world as build_inspector_world
from tests.test_public_fixtures import build_world

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

SCREENSHOTS = TEST_OUTPUT / "screenshots"
PHONE = {"width": 360, "height": 740}
LONG_NAME = ("Mật ong hoa nhãn rừng nguyên chất " * 6)[:190]

pytestmark = pytest.mark.browser

# Each .code element whose box is taller than one line of its own text (a code broken in two).
BROKEN_CODES = """() => [...document.querySelectorAll('.code, code')].filter(e => {
  const line = parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.5;
  return e.getClientRects().length > 1 || e.getBoundingClientRect().height > line * 1.5;
}).map(e => e.textContent)"""


def check(page: Page, url: str, name: str) -> None:
    """Open the page, save its screenshot, and check its width and its codes."""
    page.goto(url)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=True)
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
      .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 60))""")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (name, wide[:8])
    assert page.evaluate(BROKEN_CODES) == [], name


def signed_in_page(new_context: Callable[..., BrowserContext], base: str, email: str) -> Page:
    """A phone page signed in as this account."""
    page = new_context(viewport=PHONE, locale="vi-VN").new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return page


def test_pages_fit_a_phone(session, make, live_url, new_context):
    world = build_world(session, make, quantity=1200)
    owner = world.owner
    long_batch = make.batch(owner, make.product(owner, name=LONG_NAME), lot="MO-2611-0001")
    officials = build_inspector_world(make, session)
    base = live_url
    producer = signed_in_page(new_context, base, owner.user.email)
    check(producer, f"{base}/workspace/batches/{long_batch.id}", "producer-batch")
    readiness = producer.locator("#readiness table").bounding_box()
    assert readiness and readiness["height"] < 740, readiness  # was ~2,000 px of repeated labels
    heading = producer.locator("h1").bounding_box()
    assert heading and heading["height"] < 150, heading
    check(producer, f"{base}/workspace/batches", "producer-batches")
    producer.context.close()
    inspector = signed_in_page(new_context, base, officials["inspector"].user.email)
    check(inspector, f"{base}/inspector/?lot=TEA-1", "inspector-search")
    results = inspector.locator("#results").bounding_box()
    assert results and results["y"] < 740, results  # the results start on the first screen
    check(inspector, f"{base}/inspector/batches/{officials['tea'].id}", "inspector-batch")
    check(inspector, f"{base}/inspector/audit", "inspector-audit")
    inspector.context.close()
    consumer = new_context(viewport=PHONE).new_page()
    check(consumer, f"{base}/t/{world.batch.code}", "trace")
    check(consumer, f"{base}/lookup?code={world.batch.lot}", "lot-lookup")
    consumer.context.close()
