"""Exports: every EPCIS document validates against GS1's schema; the CSV keeps Vietnamese."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import jsonschema
import pytest

from tests.factories import VN
from tracelabel.services import events
from tracelabel.services.batches import change_batch_status, publish_batch

STANDARDS = Path(__file__).resolve().parents[2] / "shared" / "standards" / "epcis"


def standards_dir() -> Path:
    """GS1's files as shipped in shared/standards beside the repository (used as they are)."""
    if not (STANDARDS / "EPCIS-JSON-Schema.json").exists():
        pytest.fail(f"the official EPCIS schema is missing: {STANDARDS}")
    return STANDARDS


@pytest.fixture(scope="module")
def epcis_validator():
    schema = json.loads((standards_dir() / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    assert "uri" in checker.checkers and "date-time" in checker.checkers, "format checks must run"
    return jsonschema.Draft7Validator(schema, format_checker=checker)


def test_the_official_examples_validate(epcis_validator):
    for example in sorted(standards_dir().glob("example-*.jsonld")):
        document = json.loads(example.read_text(encoding="utf-8"))
        assert not list(epcis_validator.iter_errors(document)), example.name


@pytest.fixture
def chain(make, session):
    """A transformation (tea leaves into a blend) with a corrected event and a recall."""
    owner = make.producer()
    leaves = make.batch(owner, make.product(owner, gtin="8936005120011"), publish=True,
                        lot="LA-2611", quantity=120, unit="kg")
    blend = make.batch(owner, make.product(owner, name="Trà xanh túi lọc Tân Cương"), area_ids=[],
                       input_lots=[{"code": leaves.code, "quantity": 40, "unit": "kg"},
                                   {"lot": "HOA-NHAI-7", "supplier": "HTX Hoa Nhài Hà Nội"}],
                       lot="TX-01", quantity=500, unit="hộp")
    facility = make.facility(owner)
    processing = events.append_event(session, owner.actor, blend.id, {
        "step": "processing", "occurred_at": dt.datetime.now(VN) - dt.timedelta(hours=3),
        "facility_id": facility.id})
    session.commit()
    publish_batch(session, owner.actor, blend.id)
    events.append_event(session, owner.actor, blend.id, {
        "step": "processing", "occurred_at": dt.datetime.now(VN) - dt.timedelta(hours=2),
        "facility_id": facility.id, "supersedes_id": processing.id})
    inspector = make.account("inspector")
    change_batch_status(session, inspector.actor, leaves.id, "recall", "Dư lượng vượt ngưỡng")
    session.commit()
    return {"owner": owner, "inspector": inspector, "leaves": leaves, "blend": blend}


def test_batch_epcis_export_validates_and_tells_the_chain(client, chain, epcis_validator):
    inspector, blend = chain["inspector"], chain["blend"]
    response = client.get(f"/api/v1/batches/{blend.id}/export?format=epcis", headers=inspector.headers)
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    document = json.loads(response.data)
    errors = list(epcis_validator.iter_errors(document))
    assert not errors, [e.message for e in errors[:3]]
    event_list = document["epcisBody"]["eventList"]
    kinds = [(e["type"], e["bizStep"]) for e in event_list]
    assert ("TransformationEvent", "commissioning") in kinds
    transformation = next(e for e in event_list if e["type"] == "TransformationEvent"
                          and "errorDeclaration" not in e)
    inputs = [q["epcClass"] for q in transformation["inputQuantityList"]]
    assert inputs[0] == "https://trace.example.vn/01/08936005120011/10/LA-2611"
    assert inputs[1].endswith("/HOA-NHAI-7")
    assert transformation["inputQuantityList"][0] == {"epcClass": inputs[0], "quantity": 40.0,
                                                      "uom": "KGM"}
    assert transformation["outputQuantityList"][0]["epcClass"] == (
        f"https://trace.example.vn/t/{blend.code}")
    corrected = [e for e in event_list if "errorDeclaration" in e]
    assert len(corrected) == 1
    assert corrected[0]["errorDeclaration"]["correctiveEventIDs"] == [transformation["eventID"]]
    assert all(e["eventID"].startswith("ni:///sha-256;") for e in event_list)
    assert len({e["eventID"] for e in event_list}) == len(event_list)


def test_recalled_batch_export_carries_the_recall(client, chain, epcis_validator):
    inspector, leaves = chain["inspector"], chain["leaves"]
    document = json.loads(client.get(f"/api/v1/batches/{leaves.id}/export?format=epcis",
                                     headers=inspector.headers).data)
    assert not list(epcis_validator.iter_errors(document))
    recall = document["epcisBody"]["eventList"][-1]
    assert (recall["bizStep"], recall["disposition"]) == ("holding", "recalled")
    first = document["epcisBody"]["eventList"][0]
    assert first["action"] == "ADD"
    assert first["ilmd"]["cbvmda:lotNumber"] == "LA-2611"
    assert first["readPoint"]["id"] == "https://trace.example.vn/id/area/VN-TNTC-0012"


def test_csv_export_round_trips_vietnamese(client, chain):
    response = client.get("/api/v1/exports?format=csv", headers=chain["inspector"].headers)
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    blend_rows = [r for r in rows if r["traceability_lot_code"] == "TX-01"]
    transformation = [r for r in blend_rows if r["input_lot_code"]]
    assert {r["input_lot_code"] for r in transformation} >= {"LA-2611", "HOA-NHAI-7"}
    assert len({r["event_id"] for r in transformation if r["input_lot_code"] in ("LA-2611",
                                                                                 "HOA-NHAI-7")}) >= 1
    assert blend_rows[0]["product_description"] == "Trà xanh túi lọc Tân Cương"
    assert any(r["previous_source_or_next_recipient"] == "HTX Hoa Nhài Hà Nội" for r in transformation)
    leaves_rows = [r for r in rows if r["traceability_lot_code"] == "LA-2611"]
    assert leaves_rows[0]["field_or_area_code"] == "VN-TNTC-0012"
    assert leaves_rows[0]["batch_status"] == "recalled"


def test_exports_respect_the_permission_grid(client, chain, make):
    other = make.producer()
    blend = chain["blend"]
    assert client.get(f"/api/v1/batches/{blend.id}/export?format=csv",
                      headers=other.headers).status_code == 404
    mine = client.get("/api/v1/exports?format=csv", headers=other.headers)
    assert mine.status_code == 200
    assert len(mine.data.decode("utf-8-sig").strip().splitlines()) == 1
    assert client.get("/api/v1/exports?format=xml", headers=other.headers).status_code == 422


def test_cli_export(runner, chain, tmp_path, epcis_validator):
    target = tmp_path / "xuất.jsonld"
    result = runner.invoke(args=["export", "--format", "epcis", "--lot", "TX-01", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert not list(epcis_validator.iter_errors(json.loads(target.read_text(encoding="utf-8"))))
    sheet = tmp_path / "bảng.csv"
    result = runner.invoke(args=["export", "--format", "csv", "--status", "recalled", "-o", str(sheet)])
    assert result.exit_code == 0, result.output
    text = sheet.read_text(encoding="utf-8-sig")
    assert "LA-2611" in text and "TX-01" not in text
    bad = runner.invoke(args=["export", "--format", "epcis", "--from", "2026-13-01", "-o", str(sheet)])
    assert bad.exit_code == 2
