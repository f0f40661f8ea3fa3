"""Field capture on a phone with no signal, in Debian's Chromium at 360 × 740.

Sign in online, open the capture page, go offline, reload (it still opens), record three events (one
with a photo from the file chooser, one on a batch recalled on the server meanwhile), close and reopen
the page (they still wait), go online: two arrive with their times and photo, the third stays with the
reason; sending again adds nothing. Then another producer signs in on the same phone: the first one's
batches and records are never shown. Screenshots in test-output/capture/.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.browser import TEST_OUTPUT
from tests.factories import PASSWORD, VN
from tracelabel.models import EventPhoto, IdempotencyKey, TraceEvent
from tracelabel.services import batches as batch_service

SCREENSHOTS = TEST_OUTPUT / "capture"
PHONE = {"width": 360, "height": 740}

pytestmark = pytest.mark.browser
if not os.environ.get("CI"):
    pytest.importorskip("playwright.sync_api")

from playwright.sync_api import BrowserContext, Page, expect  # noqa: E402


@pytest.fixture
def phone(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    """A phone-sized browser context (service workers allowed) in headless Chromium."""
    return new_context(viewport=PHONE, locale="vi-VN", service_workers="allow", timeout=20_000)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def photo_file() -> dict:
    image = Image.new("RGB", (1200, 900), (60, 140, 70))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return {"name": "san-phoi.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{base}/workspace")


def open_capture(page: Page, base: str) -> None:
    page.goto(f"{base}/workspace/capture")
    expect(page.locator("#capture[data-ready=true]")).to_be_attached()


def record(page: Page, batch_lot: str, step: str, when: str, **extra) -> None:
    page.select_option("#batch", label=next(
        label for label in page.locator("#batch option").all_inner_texts() if batch_lot in label))
    page.select_option("#step", step)
    page.fill("#occurred", when)
    if "area" in extra:
        page.select_option("#area", label=extra["area"])
    if "place" in extra:
        page.fill("#place", extra["place"])
    if "note" in extra:
        page.fill("#note", extra["note"])
    if "photo" in extra:
        page.set_input_files("#photos", extra["photo"])
        page.check("#photos-public")
    page.click("#save")
    expect(page.locator("#connection")).to_contain_text("Đã lưu trên máy")


def requests_seen(app) -> list[str]:
    """The paths the server is asked for from now on (to prove the phone asked nothing offline)."""
    seen: list[str] = []
    inner = app.wsgi_app

    def counting(environ, start_response):
        seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = counting
    return seen


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_record_offline_then_sync_once_and_never_show_another_users_data(
        phone, live_url, make, session, app):
    base = live_url
    server_saw = requests_seen(app)
    owner, inspector = make.producer(), make.account("inspector")
    area = make.area(owner, name="Đồi chè Khe Cốc", latitude=21.6, longitude=105.8)
    tea = make.batch(owner, area=area, lot="CHE-2611")
    fish = make.batch(owner, area=area, lot="CA-KHO-07", publish=True)
    doomed = make.batch(owner, area=area, lot="MIEN-0099", publish=True)
    other = make.producer()
    make.batch(other, lot="LO-NGUOI-KHAC")
    events_before = count(session, TraceEvent)

    page = phone.new_page()
    sign_in(page, base, owner.user.email)
    open_capture(page, base)
    expect(page.locator("#capture[data-offline-ready=true]")).to_be_attached()
    shot(page, "01-online-ready")

    phone.set_offline(True)
    asked_online = len(server_saw)
    page.reload()
    expect(page.locator("#capture[data-ready=true]")).to_be_attached()
    expect(page.locator("#connection")).to_contain_text("Không có sóng")
    expect(page.locator("#batch")).to_contain_text("CHE-2611")
    shot(page, "02-offline-reloaded")

    yesterday = (dt.datetime.now(VN) - dt.timedelta(days=1)).date()
    record(page, "CHE-2611", "harvesting", f"{yesterday}T06:30", area="Đồi chè Khe Cốc (VN-TNTC-0012)",
           note="Hái chè lúc sương sớm")
    record(page, "CA-KHO-07", "processing", f"{yesterday}T10:15", place="Sân phơi Vân Đồn",
           photo=photo_file())
    record(page, "MIEN-0099", "packing", f"{yesterday}T16:00", place="Xưởng Bình Liêu")
    expect(page.locator("#waiting-count")).to_have_text("3")
    shot(page, "03-three-waiting-offline")

    batch_service.change_batch_status(session, inspector.actor, doomed.id, "recall",
                                      "Phát hiện nấm mốc trong mẫu kiểm tra")
    session.commit()

    page.close()
    page = phone.new_page()
    open_capture(page, base)
    expect(page.locator("#waiting-count")).to_have_text("3")
    expect(page.locator("#waiting li")).to_have_count(3)
    shot(page, "04-reopened-still-waiting")
    assert count(session, TraceEvent) == events_before
    assert server_saw[asked_online:] == []  # everything offline came from the phone itself

    phone.set_offline(False)
    refused = page.locator("#waiting li.refused")
    expect(refused).to_have_count(1, timeout=30_000)
    expect(page.locator("#sent li")).to_have_count(2)
    expect(refused).to_contain_text("MIEN-0099")
    expect(refused).to_contain_text("thu hồi")
    expect(refused.get_by_role("button", name="Sửa")).to_be_visible()
    expect(refused.get_by_role("button", name="Bỏ")).to_be_visible()
    shot(page, "05-online-two-sent-one-refused")

    session.expire_all()
    harvest = session.scalar(select(TraceEvent).where(TraceEvent.batch_id == tea.id,
                                                      TraceEvent.note == "Hái chè lúc sương sớm"))
    assert harvest.occurred_local == dt.datetime.combine(yesterday, dt.time(6, 30), VN)
    assert harvest.area_id == area.id
    assert harvest.received_at > harvest.recorded_at  # recorded offline, received later
    drying = session.scalar(select(TraceEvent).where(TraceEvent.batch_id == fish.id,
                                                     TraceEvent.step == "processing"))
    assert drying.occurred_local == dt.datetime.combine(yesterday, dt.time(10, 15), VN)
    assert [photo.is_public for photo in drying.photos] == [True]
    assert not session.scalar(select(TraceEvent.id).where(TraceEvent.batch_id == doomed.id,
                                                          TraceEvent.step == "packing"))
    stored = (count(session, TraceEvent), count(session, EventPhoto), count(session, IdempotencyKey))
    assert stored[:2] == (events_before + 2, 1)
    trace = page.context.request.get(f"{base}/t/{fish.code}").text()
    assert "/media/" in trace and "step-photo" in trace

    # A lost answer: the phone never heard back for the photo record, so it sends it again.
    page.evaluate("""() => new Promise((resolve) => {
      const open = indexedDB.open("tracelabel-capture", 1);
      open.onsuccess = () => {
        const store = open.result.transaction("records", "readwrite").objectStore("records");
        store.getAll().onsuccess = (event) => {
          for (const r of event.target.result) if (r.state === "sent") {
            r.state = "waiting"; r.eventId = null; store.put(r);
          }
          store.transaction.oncomplete = () => resolve();
        };
      };
    })""")
    page.click("#sync")
    expect(page.locator("#sent li", has_text="đã có trên máy chủ")).to_have_count(2)
    expect(page.locator("#waiting-count")).to_have_text("1")
    assert (count(session, TraceEvent), count(session, EventPhoto),
            count(session, IdempotencyKey)) == stored
    shot(page, "06-sent-again-nothing-added")

    # Fix the refused record: it was meant for the tea batch.
    page.locator("#waiting li.refused").get_by_role("button", name="Sửa").click()
    page.select_option("#batch", label=next(
        label for label in page.locator("#batch option").all_inner_texts() if "CHE-2611" in label))
    page.click("#save")
    expect(page.locator("#waiting li")).to_have_count(0, timeout=30_000)
    expect(page.locator("#sent li")).to_have_count(3)
    assert session.scalar(select(TraceEvent.id).where(
        TraceEvent.batch_id == tea.id, TraceEvent.place == "Xưởng Bình Liêu"))
    shot(page, "07-fixed-and-sent")

    # Another producer on the same phone: sign out, sign in, go offline.
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{base}/login**")
    sign_in(page, base, other.user.email)
    phone.set_offline(True)
    page.goto(f"{base}/workspace/capture")
    expect(page.locator("#not-cached")).to_be_visible()
    for lot in ("CHE-2611", "CA-KHO-07", "MIEN-0099"):
        expect(page.locator("body")).not_to_contain_text(lot)
    shot(page, "08-other-producer-offline-nothing-of-the-first")

    phone.set_offline(False)
    open_capture(page, base)
    expect(page.locator("#capture[data-offline-ready=true]")).to_be_attached()
    phone.set_offline(True)
    page.reload()
    expect(page.locator("#capture[data-ready=true]")).to_be_attached()
    expect(page.locator("#batch")).to_contain_text("LO-NGUOI-KHAC")
    for lot in ("CHE-2611", "CA-KHO-07", "MIEN-0099"):
        expect(page.locator("body")).not_to_contain_text(lot)
    shot(page, "09-other-producer-own-batches-offline")
