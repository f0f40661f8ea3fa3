"""Issue 19: every page people walk, at 360 × 740 and 1280 × 900, read by axe-core in Chromium.

One server, one browser: each role signs in once per viewport and walks its pages in a loop. No page
may have a serious or critical axe-core violation or be wider than its viewport. Screenshots go to
test-output/accessibility/. To add a page, add a row to PAGES (its path may name the records of
``page_ids``); a page the app does not serve yet is skipped, so rows can be added before the page is.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from flask import Flask
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from tests.browser import TEST_OUTPUT
from tests.factories import PASSWORD, Factory
from tests.inspector_world import build_world as build_inspector_world
from tests.test_public_fixtures import GTIN14, build_world, change_status, unit_code

SCREENSHOTS = TEST_OUTPUT / "accessibility"
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}
BLOCKING = ("serious", "critical")

pytestmark = pytest.mark.browser
if not os.environ.get("CI"):
    pytest.importorskip("playwright.sync_api")
    pytest.importorskip("axe_playwright_python")

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Page  # noqa: E402

AXE_SCRIPT = Axe().axe_script  # the axe.min.js bundled with axe-playwright-python

# (name, path, role): role "public" walks signed out; the others sign in as that account first.
PAGES: list[tuple[str, str, str]] = [
    ("home", "/", "public"),
    ("trace-batch", "/t/{batch_code}", "public"),
    ("trace-unit", "/t/{unit_code}", "public"),
    ("trace-recalled", "/t/{recalled_code}", "public"),
    ("trace-digital-link", "/01/{gtin14}/10/{lot}", "public"),
    ("product", "/01/{gtin14}", "public"),
    ("lots", "/lookup?code={lot_lower}", "public"),
    ("not-found", "/t/7K3M9QX2ZP4R", "public"),
    ("trace-english", "/t/{batch_code}?lang=en", "public"),
    ("login", "/login", "public"),
    ("ocop-directory", "/ocop", "public"),
    ("ocop-product", "/p/{tea_product_id}", "public"),
    ("workspace-home", "/workspace", "producer"),
    ("batches", "/workspace/batches", "producer"),
    ("batch-new", "/workspace/batches/new", "producer"),
    ("batch-published", "/workspace/batches/{batch_id}", "producer"),
    ("batch-recalled", "/workspace/batches/{recalled_id}", "producer"),
    ("batch-draft", "/workspace/batches/{draft_id}", "producer"),
    ("batch-details", "/workspace/batches/{draft_id}/details", "producer"),
    ("batch-origin", "/workspace/batches/{draft_id}/origin", "producer"),
    ("batch-events", "/workspace/batches/{draft_id}/events", "producer"),
    ("batch-certificates", "/workspace/batches/{draft_id}/certificates", "producer"),
    ("products", "/workspace/products", "producer"),
    ("product-new", "/workspace/products/new", "producer"),
    ("product-edit", "/workspace/products/{product_id}/edit", "producer"),  # the other records' edit
    # forms are their "new" forms filled in (one template, record_form.html)
    ("product-photos", "/workspace/products/{product_id}/photos", "producer"),
    ("areas", "/workspace/areas", "producer"),
    ("area-new", "/workspace/areas/new", "producer"),
    ("facilities", "/workspace/facilities", "producer"),
    ("facility-new", "/workspace/facilities/new", "producer"),
    ("certificates", "/workspace/certificates", "producer"),
    ("certificate-new", "/workspace/certificates/new", "producer"),
    ("import", "/workspace/import", "producer"),
    ("capture", "/workspace/capture", "producer"),
    ("account", "/account", "producer"),
    ("account-tokens", "/account/tokens", "producer"),
    ("inspector-search", "/inspector/", "inspector"),
    ("inspector-results", "/inspector/?lot=TEA-1", "inspector"),
    ("inspector-batch", "/inspector/batches/{tea_id}", "inspector"),
    ("inspector-recall-downstream", "/inspector/batches/{tea_id}/recall-downstream", "inspector"),
    ("inspector-area", "/inspector/areas/{tea_area_id}", "inspector"),
    ("inspector-area-recall", "/inspector/areas/{tea_area_id}/recall", "inspector"),
    ("inspector-alerts", "/inspector/alerts", "inspector"),
    ("inspector-exports", "/inspector/exports", "inspector"),
    ("inspector-audit", "/inspector/audit", "inspector"),
    ("programme", "/programme/", "inspector"),
    ("programme-products", "/programme/products", "inspector"),
    ("programme-areas", "/programme/areas", "inspector"),
    ("admin-home", "/admin", "admin"),
    ("admin-organization-new", "/admin/organizations/new", "admin"),
    ("admin-organization-edit", "/admin/organizations/{organization_id}/edit", "admin"),
    ("admin-users", "/admin/users", "admin"),
    ("admin-user-new", "/admin/users/new", "admin"),
    ("admin-user-password", "/admin/users/{producer_user_id}/password", "admin"),
    ("admin-tokens", "/admin/tokens", "admin"),
    ("admin-places", "/admin/places", "admin"),
]
# Forms as they come back from a submission with nothing filled in (the browser's own checks off).
FORM_ERRORS: list[tuple[str, str, str]] = [
    ("login-errors", "/login", "public"),
    ("product-new-errors", "/workspace/products/new", "producer"),
    ("certificate-new-errors", "/workspace/certificates/new", "producer"),
    ("admin-user-new-errors", "/admin/users/new", "admin"),
]


def page_ids(app: Flask, session: Any, make: Factory) -> tuple[dict[str, Any], dict[str, str]]:
    """The records the pages show, and the email each role signs in with."""
    world = build_world(session, make, quantity=1200, lot="Md-2612-01")
    owner = world.owner
    recalled = make.batch(owner, world.product, publish=True, lot="CR2609B")
    change_status(session, make, recalled, "recall", "Phát hiện vi sinh vật vượt ngưỡng cho phép")
    draft = make.batch(owner, make.product(owner, name="Miến dong Bình Liêu", shelf_life_days=180))
    officials = build_inspector_world(make, session)
    admin = make.account("admin")
    ids = {"batch_code": world.batch.code, "unit_code": unit_code(app, world.batch, 2),
           "recalled_code": recalled.code, "gtin14": GTIN14, "lot": world.batch.lot,
           "lot_lower": world.batch.lot.lower(), "batch_id": world.batch.id,
           "recalled_id": recalled.id, "draft_id": draft.id, "product_id": world.product.id,
           "area_id": world.batch.areas[0].id, "facility_id": world.batch.facilities[0].id,
           "certificate_id": world.valid_certificate.id, "tea_id": officials["tea"].id,
           "tea_area_id": officials["tea_area"].id, "tea_product_id": officials["tea"].product_id,
           "organization_id": owner.user.organization_id, "producer_user_id": owner.user.id}
    emails = {"producer": owner.user.email, "inspector": officials["inspector"].user.email,
              "admin": admin.user.email}
    return ids, emails


def served(app: Flask, path: str) -> bool:
    """Whether the app has a page at this path (pages other work adds may not exist yet)."""
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path.split("?", 1)[0], method="GET")
    except RequestRedirect:
        return True
    except (NotFound, MethodNotAllowed):
        return False
    return True


def sign_in(page: Page, base: str, email: str) -> None:
    """Sign in through the login form."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, email


def violations(page: Page) -> list[tuple[str, str, str]]:
    """axe-core's violations on the page as (impact, rule, element) (the rest of its report is
    left in the browser: serializing it costs more than the checks)."""
    page.evaluate(AXE_SCRIPT)
    return [tuple(row) for row in page.evaluate(r"""async () => {
      const results = await axe.run(document, {resultTypes: ['violations']});
      return results.violations.flatMap(v => v.nodes.slice(0, 4).map(
        n => [v.impact, v.id, n.target.join(' ') + ': ' +
                                (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 200)]));
    }""")]


def too_wide(page: Page) -> list[str]:
    """The elements that stick out of the viewport, if the page scrolls sideways."""
    if page.evaluate("document.documentElement.scrollWidth <= innerWidth"):
        return []
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
      .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))""")[:5]


def assert_axe_reports_a_fault(page: Page, base: str) -> None:
    """axe-core runs on the app's pages (its script is not blocked) and finds what it should."""
    page.goto(base + "/")
    page.evaluate("""document.querySelector('main').insertAdjacentHTML('beforeend',
      '<img src="/static/none.png"><p style="color:#bbb;background:#fff">Chè búp</p>')""")
    assert {"image-alt", "color-contrast"} <= {rule for _impact, rule, _element in violations(page)}


def visit(page: Page, url: str, shot: str, *, send_empty: bool = False,
          status: int = 200) -> list[tuple[str, str]]:
    """Open the page (and send its form empty), save its screenshot, and return its problems as
    (impact, finding): HTTP errors, axe-core violations, and sideways scrolling."""
    response = page.goto(url)
    if send_empty:
        page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").last.click()
        response = None
    if response is not None and response.status != status:
        return [("critical", f"HTTP {response.status}")]
    page.screenshot(path=str(SCREENSHOTS / f"{shot}.jpeg"), full_page=True, type="jpeg",
                    quality=80)  # JPEG: half the time of a PNG of a long page
    found = [(impact, f"{rule} ({impact}) {element}") for impact, rule, element in violations(page)]
    return found + [("critical", f"wider than the screen: {line}") for line in too_wide(page)]


def test_every_page_passes_axe_core_on_a_phone_and_a_desktop(app, session, make, live_url, new_context):
    ids, emails = page_ids(app, session, make)
    walk = [(name, path.format(**ids), role, False) for name, path, role in PAGES]
    walk += [(name, path.format(**ids), role, True) for name, path, role in FORM_ERRORS]
    walk = [stop for stop in walk if served(app, stop[1])]
    problems: list[str] = []
    notes: list[str] = []  # moderate and minor findings: written down, not failing
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_url
    for size, viewport in VIEWPORTS.items():
        for role in ("public", "producer", "inspector", "admin"):
            context = new_context(viewport=viewport, locale="vi-VN")
            page = context.new_page()
            if role != "public":
                sign_in(page, base, emails[role])
            elif size == "phone":
                assert_axe_reports_a_fault(page, base)
            for name, path, _role, send_empty in (stop for stop in walk if stop[2] == role):
                status = 404 if name == "not-found" else 200
                for impact, finding in visit(page, base + path, f"{size}-{name}",
                                             send_empty=send_empty, status=status):
                    line = f"{size} {name} {path}: {finding}"
                    (problems if impact in BLOCKING else notes).append(line)
            context.close()
    (SCREENSHOTS / "findings.txt").write_text("\n".join(problems + notes) + "\n", encoding="utf-8")
    assert not problems, "\n".join(problems)
    assert len(walk) >= 50, [name for name, *_ in walk]
