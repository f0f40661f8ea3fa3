"""Issue 19 on a 360 × 740 phone: no page wider than the screen, codes whole, the batch page short.

Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import PASSWORD
from tests.inspector_world import build_world as build_inspector_world
from tests.test_public_fixtures import build_world, live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"
PHONE = {"width": 360, "height": 740}
LONG_NAME = ("Mật ong hoa nhãn rừng nguyên chất " * 6)[:190]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason="Debian's Chromium (/usr/bin/chromium) is not installed"),
]
if not os.environ.get("CI"):
    pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

# Each .code element whose box is taller than one line of its own text (a code broken in two).
BROKEN_CODES = """() => [...document.querySelectorAll('.code, code')].filter(e => {
  const line = parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.5;
  return e.getClientRects().length > 1 || e.getBoundingClientRect().height > line * 1.5;
}).map(e => e.textContent)"""


@pytest.fixture
def browser(app) -> Iterator[Browser]:
    """Headless Chromium."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


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


def signed_in_page(browser: Browser, base: str, email: str) -> Page:
    """A phone page signed in as this account."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return page


def test_pages_fit_a_phone(app, browser, session, make):
    world = build_world(session, make, quantity=1200)
    owner = world.owner
    long_batch = make.batch(owner, make.product(owner, name=LONG_NAME), lot="MO-2611-0001")
    officials = build_inspector_world(make, session)
    with live_server(app) as base:
        app.config.update(SESSION_COOKIE_SECURE=False)
        producer = signed_in_page(browser, base, owner.user.email)
        check(producer, f"{base}/workspace/batches/{long_batch.id}", "producer-batch")
        readiness = producer.locator("#readiness table").bounding_box()
        assert readiness and readiness["height"] < 740, readiness  # was ~2,000 px of repeated labels
        heading = producer.locator("h1").bounding_box()
        assert heading and heading["height"] < 150, heading
        check(producer, f"{base}/workspace/batches", "producer-batches")
        producer.context.close()
        inspector = signed_in_page(browser, base, officials["inspector"].user.email)
        check(inspector, f"{base}/inspector/?lot=TEA-1", "inspector-search")
        results = inspector.locator("#results").bounding_box()
        assert results and results["y"] < 740, results  # the results start on the first screen
        check(inspector, f"{base}/inspector/batches/{officials['tea'].id}", "inspector-batch")
        check(inspector, f"{base}/inspector/audit", "inspector-audit")
        inspector.context.close()
        consumer = browser.new_page(viewport=PHONE)
        check(consumer, f"{base}/t/{world.batch.code}", "trace")
        check(consumer, f"{base}/lookup?code={world.batch.lot}", "lot-lookup")
        consumer.close()
