"""The batch walk-through: product and lot, origin, events, certificates, review, publish, labels."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from tests.factories import VN
from tests.workspace_client import field_errors, signed_in
from tracelabel.models import Batch, BatchInput, TraceEvent

TODAY = dt.date.today()


@pytest.fixture
def owner(make):
    return make.producer()


@pytest.fixture
def pages(app, owner):
    return signed_in(app, owner.user.email)


@pytest.fixture
def registered(make, owner):
    product = make.product(owner)
    return {"product": product, "area": make.area(owner), "facility": make.facility(owner),
            "certificate": make.certificate(owner, product)}


def batch_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Batch))


def new_batch(pages, registered, **changes):
    data = {"product_id": str(registered["product"].id), "lot": "CHE-2611-01",
            "production_date": str(TODAY - dt.timedelta(days=2)),
            "expiry_date": str(TODAY + dt.timedelta(days=365)), "quantity": "120", "unit": "hộp",
            "note": "", **changes}
    return pages.submit("/workspace/batches/new", data)


def test_walk_through_from_new_batch_to_labels(pages, session, registered):
    created = new_batch(pages, registered, area_ids=[str(registered["area"].id)])
    assert created.status_code == 302, created.get_data(as_text=True)
    batch = session.scalar(select(Batch))
    assert created.headers["Location"] == f"/workspace/batches/{batch.id}/origin"
    origin_url = f"/workspace/batches/{batch.id}/origin"
    assert "Đồi chè Hoàng Nông" in pages.get(origin_url).get_data(as_text=True)
    origin = pages.submit(origin_url, {
        "area_ids": [str(registered["area"].id)], "facility_ids": [str(registered["facility"].id)],
        "input_lots-0-lot": "BAO-7", "input_lots-0-supplier": "Công ty bao bì Thái Nguyên",
        "input_lots-0-quantity": "200", "input_lots-0-unit": "cái", "input_lots-1-lot": ""})
    assert origin.status_code == 302, origin.get_data(as_text=True)
    events_url = f"/workspace/batches/{batch.id}/events"
    for step, days in (("harvesting", 3), ("processing", 2)):
        added = pages.submit(events_url, {
            "step": step, "occurred_at": (dt.datetime.now(VN) - dt.timedelta(days=days)).strftime(
                "%Y-%m-%dT%H:%M"), "offset": "+07:00",
            "area_id": str(registered["area"].id) if step == "harvesting" else "",
            "facility_id": str(registered["facility"].id) if step == "processing" else "",
            "place": "", "note": ""})
        assert added.status_code == 302, added.get_data(as_text=True)
    certificates_url = f"/workspace/batches/{batch.id}/certificates"
    claimed = pages.submit(certificates_url, {"certificate_ids": [str(registered["certificate"].id)]})
    assert claimed.status_code == 302
    review = pages.get(f"/workspace/batches/{batch.id}").get_data(as_text=True)
    assert "BAO-7" in review and "Harvesting" in review and "Processing" in review
    published = pages.submit(f"/workspace/batches/{batch.id}", {},
                             action=f"/workspace/batches/{batch.id}/publish")
    assert published.status_code == 302
    session.expire_all()
    batch = session.get(Batch, batch.id)
    assert batch.status == "published"
    assert [i.lot for i in batch.inputs] == ["BAO-7"]
    assert [e.step for e in batch.events] == ["harvesting", "processing"]
    assert batch.events[0].occurred_offset_minutes == 420
    assert [c.id for c in batch.certificates] == [registered["certificate"].id]

    review = pages.get(f"/workspace/batches/{batch.id}").get_data(as_text=True)
    assert "Download labels" in review and "https://trace.example.vn" in review
    issued = pages.submit(f"/workspace/batches/{batch.id}", {"count": "24"},
                          action=f"/workspace/batches/{batch.id}/units")
    assert issued.status_code == 302 and "units=1-24" in issued.headers["Location"]
    pdf = pages.get(f"/workspace/batches/{batch.id}/labels?format=pdf&symbology=qr&template=a4-3x8"
                    "&units=1-24")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    preview = pages.get(f"/workspace/batches/{batch.id}/labels?format=png&symbology=qr"
                        "&template=a4-3x8&preview=1")
    assert preview.data.startswith(b"\x89PNG")  # read to the end: the response closes its file
    assert preview.mimetype == "image/png" and "inline" in preview.headers["Content-Disposition"]


def test_a_published_chain_takes_corrections_not_edits(pages, session, make, owner):
    batch = make.batch(owner, publish=True)
    events_url = f"/workspace/batches/{batch.id}/events"
    original = batch.events[0]
    page = pages.get(events_url).get_data(as_text=True)
    assert "Add a correcting event" in page and "Remove" not in page
    corrected = pages.submit(events_url, {
        "step": "harvesting", "occurred_at": (dt.datetime.now(VN) - dt.timedelta(days=5)).strftime(
            "%Y-%m-%dT%H:%M"), "offset": "+07:00", "area_id": "", "facility_id": "",
        "place": "Đồi chè phía đông", "note": "Sửa ngày thu hoạch", "supersedes_id": str(original.id)})
    assert corrected.status_code == 302, corrected.get_data(as_text=True)
    assert "corrected by a later event" in pages.get(events_url).get_data(as_text=True)
    refused = pages.submit(f"/workspace/batches/{batch.id}/events", {},
                           action=f"/workspace/batches/{batch.id}/events/{original.id}/delete")
    assert refused.status_code == 409
    edit = pages.submit(f"/workspace/batches/{batch.id}/details", {
        "lot": "NEW", "production_date": str(TODAY)})
    assert edit.status_code == 409
    session.expire_all()
    assert session.get(Batch, batch.id).lot != "NEW"


def test_draft_events_can_be_removed(pages, session, make, owner):
    batch = make.batch(owner)
    event = batch.events[0]
    removed = pages.submit(f"/workspace/batches/{batch.id}/events", {},
                           action=f"/workspace/batches/{batch.id}/events/{event.id}/delete")
    assert removed.status_code == 302
    assert session.scalar(select(TraceEvent.id).where(TraceEvent.id == event.id)) is None


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"lot": ""}, "lot", "This field is required."),
    ({"production_date": "2026-13-40"}, "production_date", "Not a valid date value."),
    ({"expiry_date": str(TODAY - dt.timedelta(days=30))}, "expiry_date",
     "The expiry date comes before the production date."),
    ({"quantity": "-3"}, "quantity", "Number must be at least"),
    ({"quantity": "nhiều"}, "quantity", "Not a valid decimal value."),
    ({"product_id": ""}, "product_id", ""),
    ({"area_ids": ["999999"]}, "area_ids", ""),
])
def test_bad_batch_input_shows_next_to_the_field_and_writes_nothing(pages, session, registered,
                                                                     changes, field, message):
    response = new_batch(pages, registered, **changes)
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert any(message in text for text in errors.get(field, [])), errors
    assert batch_count(session) == 0


def test_duplicate_lot_is_refused(pages, session, registered):
    assert new_batch(pages, registered).status_code == 302
    again = new_batch(pages, registered)
    assert field_errors(again.get_data(as_text=True))["lot"] == [
        "This product already has a batch with lot CHE-2611-01."]
    assert batch_count(session) == 1


def test_bad_origin_leaves_the_batch_as_it_was(pages, session, make, owner, registered):
    batch = make.batch(owner, registered["product"], area=registered["area"])
    response = pages.submit(f"/workspace/batches/{batch.id}/origin", {
        "area_ids": [], "input_lots-0-code": "ZZZZ-ZZZZ-ZZZZ", "input_lots-0-quantity": "-1",
        "input_lots-1-lot": ""})
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert "input_lots-0-quantity" in errors
    session.expire_all()
    assert [a.id for a in session.get(Batch, batch.id).areas] == [registered["area"].id]
    assert session.scalar(select(func.count()).select_from(BatchInput)) == 0


@pytest.mark.parametrize(("changes", "field"), [
    ({"occurred_at": ""}, "occurred_at"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": (dt.datetime.now(VN) + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")},
     "occurred_at"),
    ({"step": "dancing"}, "step"),
    ({"offset": "+99:00"}, "offset"),
    ({"area_id": "999999"}, "area_id"),
])
def test_bad_event_input(pages, session, make, owner, changes, field):
    batch = make.batch(owner)
    data = {"step": "packing", "occurred_at": dt.datetime.now(VN).strftime("%Y-%m-%dT%H:%M"),
            "offset": "+07:00", "area_id": "", "facility_id": "", **changes}
    response = pages.submit(f"/workspace/batches/{batch.id}/events", data)
    assert response.status_code == 422
    assert field in field_errors(response.get_data(as_text=True))
    session.expire_all()
    assert len(session.get(Batch, batch.id).events) == 1


def test_publishing_an_incomplete_batch_says_what_is_missing(pages, session, make, owner):
    product = make.product(owner)
    facility = make.facility(owner)
    batch = make.batch(owner, product, area_ids=[], facility_ids=[facility.id], input_lots=[])
    review = pages.get(f"/workspace/batches/{batch.id}").get_data(as_text=True)
    assert "Before publishing, complete:" in review
    response = pages.submit(f"/workspace/batches/{batch.id}", {},
                            action=f"/workspace/batches/{batch.id}/publish")
    assert response.status_code == 302
    assert "at least one origin" in pages.get(response.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(Batch, batch.id).status == "draft"


def test_units_and_label_requests_are_checked(pages, session, make, owner):
    batch = make.batch(owner, publish=True)
    bad = pages.submit(f"/workspace/batches/{batch.id}", {"count": "0"},
                       action=f"/workspace/batches/{batch.id}/units")
    assert bad.status_code == 302
    assert "Number must be between" in pages.get(bad.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(Batch, batch.id).units_issued == 0
    assert pages.get(f"/workspace/batches/{batch.id}/labels?format=exe").status_code == 422
    not_issued = pages.get(f"/workspace/batches/{batch.id}/labels?format=pdf&units=1-10")
    assert not_issued.status_code == 409
    draft = make.batch(owner)
    assert pages.get(f"/workspace/batches/{draft.id}/labels?format=pdf").status_code == 409


def test_copy_starts_a_new_draft_with_the_same_product_and_links(pages, session, make, owner,
                                                                 registered):
    source = make.batch(owner, registered["product"], area=registered["area"], publish=True,
                        facility_ids=[registered["facility"].id],
                        certificate_ids=[registered["certificate"].id], unit="hộp")
    listing = pages.get("/workspace/batches").get_data(as_text=True)
    assert f"/workspace/batches/new?copy={source.id}" in listing
    form = pages.get(f"/workspace/batches/new?copy={source.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{registered["product"].id}"', form)
    assert re.search(rf'checked[^>]*value="{registered["area"].id}"', form) or \
        re.search(rf'value="{registered["area"].id}"[^>]*checked', form)
    copied = pages.submit(f"/workspace/batches/new?copy={source.id}", {
        "product_id": str(registered["product"].id), "lot": "CHE-2611-02",
        "production_date": str(TODAY), "area_ids": [str(registered["area"].id)],
        "facility_ids": [str(registered["facility"].id)],
        "certificate_ids": [str(registered["certificate"].id)], "unit": "hộp"})
    assert copied.status_code == 302
    copy = session.scalar(select(Batch).where(Batch.lot == "CHE-2611-02"))
    assert copy.status == "draft" and copy.product_id == source.product_id
    assert [a.id for a in copy.areas] == [registered["area"].id]


def test_batch_list_filters_by_status(pages, make, owner):
    make.batch(owner, lot="DRAFT-1")
    make.batch(owner, lot="PUB-1", publish=True)
    drafts = pages.get("/workspace/batches?status=draft").get_data(as_text=True)
    assert "DRAFT-1" in drafts and "PUB-1" not in drafts
