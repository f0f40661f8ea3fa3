"""A new producer, in Debian's Chromium: sign in, register, build and publish a batch, print labels.

The app runs on a real server in a thread on a free loopback port; the label PDF's QR codes are
decoded with zxing-cpp and opened in the same browser. Screenshots go to test-output/workspace/.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser import TEST_OUTPUT
from tests.factories import PASSWORD, VN

SCREENSHOTS = TEST_OUTPUT / "workspace"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser
if not os.environ.get("CI"):
    pytest.importorskip("playwright.sync_api")

from playwright.sync_api import BrowserContext, Page, expect  # noqa: E402


@pytest.fixture
def browser_page(new_context: Callable[..., BrowserContext]) -> Page:
    """A phone-sized page in headless Chromium."""
    return new_context(viewport=PHONE, accept_downloads=True, locale="vi-VN").new_page()


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot as test output."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def save(page: Page) -> None:
    """Submit the main form of the page."""
    page.locator("main form.card button[type=submit]").last.click()


def register_records(page: Page, base: str, today: dt.date) -> None:
    """Product, raw-material area, facility and certificate, each through its form."""
    page.goto(f"{base}/workspace/products/new")
    page.fill("#name", "Chè búp Tân Cương")
    page.select_option("#ocop_group", "beverage")
    page.fill("#brand", "Hoàng Nông")
    page.fill("#standards", "TCVN 1458:2009")
    shot(page, "02-product-form")
    save(page)
    expect(page.locator("table.list")).to_contain_text("Chè búp Tân Cương")
    shot(page, "03-products")
    page.goto(f"{base}/workspace/areas/new")
    page.fill("#name", "Đồi chè Hoàng Nông")
    page.fill("#code", "VN-TNTC-0012")
    page.fill("#material", "Lá chè tươi")
    page.select_option("#province", label="Thái Nguyên")
    # static/places.js narrows the communes to the province chosen (all of them, grouped, without it)
    expect(page.locator("#commune optgroup")).to_have_count(1)
    page.select_option("#commune", label="Xã Tân Cương")
    page.fill("#latitude", "21.5942")
    page.fill("#longitude", "105.8482")
    page.fill("#area_ha", "12.5")
    save(page)
    expect(page.locator("table.list")).to_contain_text("VN-TNTC-0012")
    page.goto(f"{base}/workspace/facilities/new")
    page.fill("#name", "Xưởng sao chè Tân Cương")
    page.fill("#address", "Xã Tân Cương, TP Thái Nguyên")
    save(page)
    page.goto(f"{base}/workspace/certificates/new")
    page.select_option("#scheme", "ocop")
    page.select_option("#subject", label="Sản phẩm: Chè búp Tân Cương")
    page.fill("#number", "OCOP-4S-0012/2025")
    page.fill("#issuer", "UBND tỉnh Thái Nguyên")
    page.select_option("#stars", "4")
    page.fill("#valid_from", str(today - dt.timedelta(days=30)))
    page.fill("#valid_until", str(today + dt.timedelta(days=1000)))
    save(page)
    expect(page.locator("table.list")).to_contain_text("OCOP-4S-0012/2025")
    shot(page, "04-certificates")


def build_and_publish_batch(page: Page, base: str, today: dt.date) -> None:
    """Walk the batch steps: product and lot, origin, two events, certificates, review, publish."""
    page.goto(f"{base}/workspace/batches/new")
    page.select_option("#product_id", label="Chè búp Tân Cương")
    page.fill("#lot", "CHE-2611-01")
    page.fill("#production_date", str(today - dt.timedelta(days=1)))
    page.fill("#expiry_date", str(today + dt.timedelta(days=365)))
    page.fill("#quantity", "240")
    page.fill("#unit", "hộp 100 g")
    page.get_by_label("Đồi chè Hoàng Nông (VN-TNTC-0012)").first.check()
    shot(page, "05-batch-new")
    save(page)
    expect(page).to_have_url(f"{page.url.split('/origin')[0]}/origin")
    page.get_by_label("Xưởng sao chè Tân Cương").check()
    save(page)
    now = dt.datetime.now(VN)
    for step, when, place in (("harvesting", now - dt.timedelta(days=2), "#area_id"),
                              ("processing", now - dt.timedelta(days=1), "#facility_id")):
        page.select_option("#step", step)
        page.fill("#occurred_at", when.strftime("%Y-%m-%dT%H:%M"))
        page.select_option(place, index=1)
        save(page)
        expect(page.locator("p.flash")).to_be_visible()
    expect(page.locator("ol.timeline > li")).to_have_count(2)
    shot(page, "06-batch-events")
    page.get_by_role("link", name="Tiếp theo: chứng nhận").click()
    page.get_by_label("OCOP OCOP-4S-0012/2025", exact=False).check()
    save(page)
    shot(page, "07-batch-review")
    page.get_by_role("button", name="Công bố lô hàng").click()
    expect(page.locator("#labels")).to_be_visible()
    shot(page, "08-batch-published")


def decode_pdf_qr_codes(pdf: bytes) -> list[str]:
    """The QR payloads on the PDF's first page, rendered at print resolution."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=300 / 72).to_pil()
    finally:
        document.close()
    return [result.text for result in zxingcpp.read_barcodes(image)
            if result.format == zxingcpp.BarcodeFormat.QRCode]


def download_a4_sheet(page: Page, tmp_path: Path) -> bytes:
    """Download the A4 PDF sheet of the published batch through its link."""
    with page.expect_download() as download:
        page.get_by_role("link", name="Tờ A4 (PDF)").click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    (SCREENSHOTS / "labels-a4.pdf").write_bytes(target.read_bytes())
    return target.read_bytes()


def test_new_producer_goes_from_first_login_to_printed_labels(browser_page, live_url, make, tmp_path):
    page, today = browser_page, dt.date.today()
    owner = make.producer()
    page.goto(f"{live_url}/workspace")
    expect(page).to_have_url(f"{live_url}/login?next=%2Fworkspace")
    shot(page, "00-login")
    page.fill("#email", owner.user.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{live_url}/workspace")
    expect(page.locator("h1")).to_have_text("Tổng quan")
    shot(page, "01-overview")

    register_records(page, live_url, today)
    build_and_publish_batch(page, live_url, today)

    pdf = download_a4_sheet(page, tmp_path)
    assert pdf.startswith(b"%PDF")
    payloads = decode_pdf_qr_codes(pdf)
    assert payloads, "no QR code found on the label sheet"
    assert all(payload.upper().startswith(live_url.upper()) for payload in payloads)
    page.goto(payloads[0])
    expect(page.locator("body")).to_contain_text("Chè búp Tân Cương")
    expect(page.locator("body")).to_contain_text("CHE-2611-01")
    shot(page, "09-trace-page")


def test_the_workspace_switches_to_english(browser_page, live_url, make):
    page = browser_page
    owner = make.producer()
    page.goto(f"{live_url}/login")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    page.fill("#email", owner.user.email)
    page.fill("#password", "wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-errors")).to_contain_text("The email or password is not correct.")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Overview")
    page.goto(f"{live_url}/workspace/products/new")
    page.fill("#gtin", "8936005120012")
    page.fill("#name", "Mật ong")
    save(page)
    expect(page.locator("#gtin-error")).to_contain_text("check digit")
    shot(page, "10-product-error-en")
