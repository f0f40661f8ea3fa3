"""The coverage dashboard: a hand-built province whose every count is known, read through the API,
the page, its lists and the XLSX workbook (read back with openpyxl), today and as of a past date."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pytest
from sqlalchemy import func, select

from tests import programme_world
from tests.programme_world import BINH_LIEU, QUANG_NINH, VAN_DON, official
from tests.workspace_client import signed_in
from tracelabel.db import utcnow
from tracelabel.extensions import Database
from tracelabel.models import LabelRun, OrganizationScanWeek, ProductScanDay, Scan
from tracelabel.models.coverage import LabelledBatch
from tracelabel.services import scan_tallies
from tracelabel.worker import roll_up_scans

EXPECTED_TODAY = {
    "province": "Quảng Ninh", "province_code": QUANG_NINH, "ocop_products": 4, "labelled": 2,
    "labelled_percent": 50.0, "meeting_circular_02": 1, "scanned_30_days": 1,
    "scanned_90_days": 2, "reevaluation_due": 1, "lapsed": 1,
}


@pytest.fixture
def world(make, client):
    return programme_world.build(make, client)


@pytest.fixture
def quang_ninh(make):
    return official(make, "programme", "Quảng Ninh")


def coverage(client, account, **query):
    response = client.get("/api/v1/programme/coverage", headers=account.headers,
                          query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def by(rows, key):
    return {row[key]: row for row in rows}


def test_the_provinces_counts_today(client, world, quang_ninh):
    found = coverage(client, quang_ninh)
    assert {key: found[key] for key in EXPECTED_TODAY} == EXPECTED_TODAY
    assert found["as_of"] == world.today.isoformat()
    communes = by(found["by_commune"], "commune_code")
    assert set(communes) == {BINH_LIEU, VAN_DON}
    assert communes[BINH_LIEU]["commune"] == "Xã Bình Liêu"
    assert (communes[BINH_LIEU]["ocop_products"], communes[BINH_LIEU]["labelled"]) == (2, 1)
    assert (communes[VAN_DON]["ocop_products"], communes[VAN_DON]["labelled"]) == (2, 1)
    groups = by(found["by_group"], "ocop_group")
    assert {g: (r["ocop_products"], r["labelled"]) for g, r in groups.items()} == {
        "food": (2, 2), "beverage": (1, 0), "handicraft": (1, 0)}
    stars = by(found["by_stars"], "stars")
    assert {s: (r["ocop_products"], r["labelled"], r["labelled_percent"])
            for s, r in stars.items()} == {3: (2, 1, 50.0), 4: (2, 1, 50.0)}
    assert by(found["area_codes"], "code_status")["active"]["areas"] == 5
    weeks = found["scans_per_week"]
    assert len(weeks) == 52 and sum(w["scans"] for w in weeks) == 3  # Đà Nẵng's scan is not ours
    assert dt.date.fromisoformat(weeks[-1]["week"]).weekday() == 0


def test_as_of_a_past_date(client, world, quang_ninh):
    past = world.today - dt.timedelta(days=20)
    found = coverage(client, quang_ninh, as_of=past.isoformat())
    assert found["as_of"] == past.isoformat()
    assert (found["ocop_products"], found["labelled"], found["meeting_circular_02"]) == (5, 1, 1)
    assert (found["scanned_30_days"], found["scanned_90_days"]) == (0, 1)
    assert (found["reevaluation_due"], found["lapsed"]) == (2, 0)


def test_a_national_official_picks_a_province_or_sees_all(client, world, make):
    national = official(make, "programme", "national")
    assert coverage(client, national, province="quang ninh")["ocop_products"] == 4
    everything = coverage(client, national)
    assert (everything["province"], everything["ocop_products"], everything["labelled"]) == (
        None, 5, 3)
    assert coverage(client, national, province="48")["province"] == "Thành phố Đà Nẵng"


def test_bad_requests_are_named(client, world, quang_ninh, make):
    national = official(make, "inspector", None)
    response = client.get("/api/v1/programme/coverage?province=Atlantis", headers=national.headers)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "province"
    tomorrow = (world.today + dt.timedelta(days=1)).isoformat()
    response = client.get(f"/api/v1/programme/coverage?as_of={tomorrow}", headers=national.headers)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "as_of"
    response = client.get("/api/v1/programme/coverage?as_of=31/12/2025", headers=national.headers)
    assert response.status_code == 422
    elsewhere = client.get("/api/v1/programme/coverage?province=48", headers=quang_ninh.headers)
    assert elsewhere.status_code == 403
    producer = make.producer()
    assert client.get("/api/v1/programme/coverage", headers=producer.headers).status_code == 403


def test_scans_count_once_whether_rolled_up_or_not(app, client, world, quang_ninh, session):
    # Nothing rolled up yet: every scan and label run is read live.
    past = (world.today - dt.timedelta(days=20)).isoformat()
    live, live_past = coverage(client, quang_ninh), coverage(client, quang_ninh, as_of=past)
    assert roll_up_scans(app) > 0
    assert session.scalar(select(func.sum(ProductScanDay.scans))) == 4
    assert session.scalar(select(func.count()).select_from(LabelledBatch)) > 0
    assert coverage(client, quang_ninh) == live
    assert coverage(client, quang_ninh, as_of=past) == live_past
    programme_world._scan(session, world.batches["Trà hoa vàng"], 0)  # scanned just now
    session.commit()
    assert roll_up_scans(app) == 0  # not settled yet: read live, not rolled up
    after = coverage(client, quang_ninh)
    assert sum(w["scans"] for w in after["scans_per_week"]) == 4
    assert (after["scanned_30_days"], after["scanned_90_days"]) == (2, 2)
    assert scan_tallies.roll_up(session, utcnow() + 2 * scan_tallies.SETTLE) > 0
    session.commit()
    assert coverage(client, quang_ninh) == after


def test_two_workers_rolling_up_at_once_count_each_scan_once(app, world, session):
    roll_up_scans(app)
    programme_world._scan(session, world.batches["Trà hoa vàng"], 1)
    session.commit()
    factory = Database.session_factory_for(app)
    with factory() as first, factory() as second, ThreadPoolExecutor(1) as pool:
        assert scan_tallies.roll_up(first, utcnow()) > 0  # the watermark moved, not committed
        racing = pool.submit(scan_tallies.roll_up, second, utcnow())
        time.sleep(0.5)  # the second worker now waits for the first one's commit
        first.commit()
        assert racing.result(timeout=30) == 0
        second.commit()
    tallied = session.scalar(select(func.sum(ProductScanDay.scans)))
    assert tallied == session.scalar(select(func.count()).select_from(Scan)) == 5
    assert session.scalar(select(func.sum(OrganizationScanWeek.scans))) == 5


def test_the_page_shows_the_same_numbers_and_links_to_what_it_counts(app, world, quang_ninh,
                                                                       client):
    expected = coverage(client, quang_ninh)
    pages = signed_in(app, quang_ninh.user.email)
    page = pages.get("/programme/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") == 6 and 'aria-describedby="commune-table"' in html
    assert "Xã Bình Liêu" in html and "Đặc khu Vân Đồn" in html
    for kind, key in (("labelled", "labelled"), ("ocop", "ocop_products"),
                      ("meeting", "meeting_circular_02"), ("scanned_90", "scanned_90_days"),
                      ("due", "reevaluation_due"), ("lapsed", "lapsed")):
        link = re.search(rf'href="(/programme/products\?list={kind})">(\d+)</a>', html)
        assert link and int(link.group(2)) == expected[key], kind
        listed = pages.get(link.group(1)).get_data(as_text=True)
        assert listed.count('<th scope="row"') == expected[key], kind
    listed = pages.get(f"/programme/products?list=labelled&commune={BINH_LIEU}").get_data(
        as_text=True)
    assert "Miến dong Bình Liêu" in listed and "Nước mắm Cái Rồng" not in listed
    areas = pages.get("/programme/areas?status=active").get_data(as_text=True)
    assert areas.count('<th scope="row"') == 5


def test_the_workbook_reads_back_as_the_json(app, world, quang_ninh, client):
    expected = coverage(client, quang_ninh)
    pages = signed_in(app, quang_ninh.user.email)
    response = pages.get("/programme/coverage.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Tổng quan", "Theo xã", "Theo nhóm", "Theo sao", "Mã vùng trồng",
                               "Lượt quét theo tuần"]
    summary = {row[2]: row[1] for row in book["Tổng quan"].iter_rows(min_row=2, values_only=True)
               if row[2]}
    assert summary["as_of"] == dt.datetime.combine(world.today, dt.time())
    for key in ("ocop_products", "labelled", "labelled_percent", "meeting_circular_02",
                "scanned_30_days", "scanned_90_days", "reevaluation_due", "lapsed"):
        assert summary[key] == expected[key], key
    communes = {row[0]: row for row in book["Theo xã"].iter_rows(min_row=2, values_only=True)}
    for item in expected["by_commune"]:
        row = communes[item["commune_code"]]
        assert row[1] == item["commune"]
        assert list(row[2:]) == [item["ocop_products"], item["labelled"], item["labelled_percent"],
                                 item["meeting_circular_02"], item["scanned_30_days"],
                                 item["scanned_90_days"]]
    groups = {row[0]: row[1] for row in book["Theo nhóm"].iter_rows(min_row=2, values_only=True)}
    assert groups == {g["ocop_group"]: g["ocop_products"] for g in expected["by_group"]}
    stars = {row[0]: row[2] for row in book["Theo sao"].iter_rows(min_row=2, values_only=True)}
    assert stars == {s["stars"]: s["labelled"] for s in expected["by_stars"]}
    weeks = list(book["Lượt quét theo tuần"].iter_rows(min_row=2, values_only=True))
    assert [(w.date().isoformat(), n) for w, n in weeks] == [
        (w["week"], w["scans"]) for w in expected["scans_per_week"]]


def test_labels_printed_through_the_api_are_recorded(client, world, session):
    def runs(name):
        return session.scalars(select(LabelRun).where(
            LabelRun.batch_id == world.batches[name])).all()

    assert [(r.output_format, r.symbology, r.label_count) for r in runs("Rượu ba kích")] == [
        ("svg", "qr", 1)]
    assert runs("Trà hoa vàng") == []
