"""EPCIS event IDs are GS1's event hash: GS1's reference generator recomputes every exported ID."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from epcis_event_hash_generator.dl_normaliser import normaliser as reference_normaliser

from tests.factories import VN
from tracelabel.epcis_hash import context_prefixes, event_hash_id, prehash_string
from tracelabel.epcis_ids import canonical_identifier
from tracelabel.services import events
from tracelabel.services.batches import change_batch_status, publish_batch

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "standards" / "epcis" / "EPCIS-JSON-Schema.json"


def reference_hashes(document: dict, tmp_path: Path) -> list[str]:
    """The IDs GS1's reference generator computes, run as its command on the exported file."""
    path = tmp_path / f"export-{len(list(tmp_path.iterdir()))}.jsonld"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "epcis_event_hash_generator", "-b", "-e", "JSON", str(path)],
                   check=True, capture_output=True)
    return path.with_suffix(".hashes").read_text(encoding="utf-8").split()


@pytest.fixture(scope="module")
def epcis_validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


@pytest.fixture
def chain(make, session):
    """Tea leaves (ILMD with lot and expiry, an area, a place, a facility) processed into a blend
    (a transformation, corrected once), a numeric lot without GTIN, and the leaves recalled."""
    owner = make.producer()
    leaves = make.batch(owner, make.product(owner, gtin="8936005120011"), publish=True,
                        lot="LA-2611", quantity=120, unit="kg")
    facility = make.facility(owner)
    events.append_event(session, owner.actor, leaves.id, {
        "step": "storing", "occurred_at": dt.datetime.now(VN) - dt.timedelta(days=2),
        "facility_id": facility.id, "place": "Kho lạnh số 2, TP. Thái Nguyên"})
    events.append_event(session, owner.actor, leaves.id, {
        "step": "shipping", "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        "place": "Chợ Đồng Xuân"})
    numeric = make.batch(owner, make.product(owner, name="Mật ong bạc hà"), publish=True,
                         lot="0070", quantity=12.5, unit="l")
    blend = make.batch(owner, make.product(owner, name="Trà xanh túi lọc Tân Cương"), area_ids=[],
                       input_lots=[{"code": leaves.code, "quantity": 40, "unit": "kg"},
                                   {"lot": "HOA-NHAI-7", "supplier": "HTX Hoa Nhài Hà Nội"}],
                       lot="TX-01", quantity=500, unit="hộp")
    processing = events.append_event(session, owner.actor, blend.id, {
        "step": "processing", "occurred_at": dt.datetime.now(VN) - dt.timedelta(hours=3),
        "facility_id": facility.id})
    session.commit()
    publish_batch(session, owner.actor, blend.id)
    correction = events.append_event(session, owner.actor, blend.id, {
        "step": "processing", "occurred_at": dt.datetime.now(VN) - dt.timedelta(hours=2),
        "facility_id": facility.id, "supersedes_id": processing.id})
    inspector = make.account("inspector")
    change_batch_status(session, inspector.actor, leaves.id, "recall", "Dư lượng vượt ngưỡng")
    session.commit()
    return {"owner": owner, "inspector": inspector, "leaves": leaves, "blend": blend,
            "numeric": numeric, "correction": correction}


def export(client, inspector, batch=None) -> dict:
    url = f"/api/v1/batches/{batch.id}/export?format=epcis" if batch else "/api/v1/exports?format=epcis"
    response = client.get(url, headers=inspector.headers)
    assert response.status_code == 200
    return json.loads(response.data)


def test_every_exported_id_is_the_reference_generators(client, chain, tmp_path, epcis_validator):
    document = export(client, chain["inspector"])
    assert not [e.message for e in epcis_validator.iter_errors(document)]
    event_list = document["epcisBody"]["eventList"]
    kinds = {(e["type"], e.get("disposition")) for e in event_list}
    assert {("ObjectEvent", None), ("TransformationEvent", None), ("ObjectEvent", "recalled")} <= kinds
    assert any("errorDeclaration" in e for e in event_list)
    assert any(e.get("ilmd", {}).get("cbvmda:itemExpirationDate") for e in event_list)
    assert {"tl:place", "readPoint"} <= {key for e in event_list for key in e}
    assert [e["eventID"] for e in event_list] == reference_hashes(document, tmp_path)
    assert len({e["eventID"] for e in event_list}) == len(event_list)


@pytest.mark.parametrize("name", ["leaves", "blend", "numeric"])
def test_batch_export_ids_match_the_reference(client, chain, tmp_path, epcis_validator, name):
    document = export(client, chain["inspector"], chain[name])
    assert not list(epcis_validator.iter_errors(document))
    assert [e["eventID"] for e in document["epcisBody"]["eventList"]] == reference_hashes(document, tmp_path)


def test_ids_are_stable_and_a_correction_gets_its_own(client, chain, session, tmp_path):
    inspector, blend, owner = chain["inspector"], chain["blend"], chain["owner"]
    before = export(client, inspector, blend)["epcisBody"]["eventList"]
    assert export(client, inspector, blend)["epcisBody"]["eventList"] == before
    events.append_event(session, owner.actor, blend.id, {
        "step": "processing", "occurred_at": dt.datetime.now(VN) - dt.timedelta(hours=1),
        "facility_id": chain["correction"].facility_id, "supersedes_id": chain["correction"].id})
    session.commit()
    document = export(client, inspector, blend)
    after = document["epcisBody"]["eventList"]
    assert [e["eventID"] for e in after[:len(before)]] == [e["eventID"] for e in before]
    newest = after[-1]["eventID"]
    assert newest not in {e["eventID"] for e in before}
    declarations = [e["errorDeclaration"]["correctiveEventIDs"] for e in after if "errorDeclaration" in e]
    assert [newest] in declarations and len(declarations) == 2
    assert [e["eventID"] for e in after] == reference_hashes(document, tmp_path)


EVENT = {"type": "ObjectEvent", "eventTime": "2026-05-03T08:30:00.250+07:00",
         "eventTimeZoneOffset": "+07:00", "recordTime": "2026-05-03T09:00:00+07:00", "action": "ADD",
         "bizStep": "commissioning", "readPoint": {"id": "https://trace.example.vn/id/area/VN-1"},
         "quantityList": [{"epcClass": "https://trace.example.vn/01/08936005120011/10/007", "quantity": 40.0,
                           "uom": "KGM"}],
         "ilmd": {"cbvmda:lotNumber": "007", "cbvmda:itemExpirationDate": "2027-05-03"},
         "tl:place": " Đồi chè "}
PREFIXES = context_prefixes([{"tl": "https://tracelabel.vn/epcis/"}])


def test_the_pre_hash_string_follows_the_rules():
    assert prehash_string(EVENT, PREFIXES) == (
        "eventType=ObjectEvent"
        "eventTime=2026-05-03T01:30:00.250ZeventTimeZoneOffset=+07:00"
        "quantityListquantityElementepcClass=https://id.gs1.org/01/08936005120011/10/007quantity=40uom=KGM"
        "action=ADDbizStep=https://ref.gs1.org/cbv/BizStep-commissioning"
        "readPointid=https://trace.example.vn/id/area/VN-1"
        "ilmd{urn:epcglobal:cbv:mda:}itemExpirationDate=2027-05-03{urn:epcglobal:cbv:mda:}lotNumber=7"
        "{https://tracelabel.vn/epcis/}place=Đồi chè")


def changed(**fields) -> dict:
    event = copy.deepcopy(EVENT)
    event.update(fields)
    return event


@pytest.mark.parametrize("same", [
    changed(eventTime="2026-05-03T01:30:00.2504Z"), changed(recordTime="2030-01-01T00:00:00Z"),
    changed(eventID="ni:///sha-256;0?ver=CBV2.0"),
    changed(errorDeclaration={"declarationTime": "2026-05-04T00:00:00Z", "reason": "incorrect_data"}),
    changed(bizStep="urn:epcglobal:cbv:bizstep:commissioning"),
    changed(quantityList=[{"epcClass": "urn:epc:class:lgtin:893600.0512001.007", "quantity": 40,
                           "uom": "KGM"}]),
    dict(reversed(list(EVENT.items()))),
])
def test_the_same_event_keeps_its_id(same):
    assert event_hash_id(same, PREFIXES) == event_hash_id(EVENT, PREFIXES)


@pytest.mark.parametrize("other", [
    changed(eventTime="2026-05-03T08:30:00.251+07:00"), changed(action="OBSERVE"),
    changed(bizStep="packing"), changed(ilmd={"cbvmda:lotNumber": "008"}), changed(**{"tl:place": "Kho"}),
    changed(quantityList=[{"epcClass": EVENT["quantityList"][0]["epcClass"], "quantity": 41}]),
    changed(disposition="recalled"),
])
def test_a_changed_event_gets_a_new_id(other):
    assert event_hash_id(other, PREFIXES) != event_hash_id(EVENT, PREFIXES)


@pytest.mark.parametrize("identifier", [
    "urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.AB!C(1)",
    "urn:epc:class:lgtin:4012345.012345.998877", "urn:epc:idpat:sgtin:4012345.012345.*",
    "urn:epc:id:sscc:0614141.1234567890", "urn:epc:id:sgln:0614141.07346.1234",
    "urn:epc:id:sgln:0614141.07346.0", "urn:epc:id:pgln:0614141.00001", "urn:epc:id:grai:0614141.12345.400",
    "urn:epc:id:giai:4000001.111", "urn:epc:id:gsrn:0614141.1234567890",
    "urn:epc:id:gsrnp:0614141.1234567890", "urn:epc:id:gdti:0614141.12345.400",
    "urn:epc:id:sgcn:4012345.67890.04711", "urn:epc:id:ginc:0614141.xyz47(11)",
    "urn:epc:id:gsin:0614141.123456789", "https://trace.example.vn/01/08936005120011/10/LA-2611",
    "https://trace.example.vn/01/08936005120011/10/LA%2F2611",
    "https://trace.example.vn/01/08936005120011/10/LOT1/21/S1?17=270101",
    "https://example.com/gtin/9780345418913/lot/1", "https://example.com/dl/01/12345670/ser/AB",
    "https://example.com/01/08936005120011/22/V1/10/LOT", "https://example.com/414/0614141073467/254/1234",
    "https://example.com/00/106141411234567897", "https://trace.example.vn/t/ABCDEFGHJK12",
    "https://trace.example.vn/id/area/VN-TNTC-0012", "https://trace.example.vn/id/lot/5/HOA-NHAI-7",
    "https://ref.gs1.org/cbv/BizStep-receiving", "urn:epcglobal:cbv:bt:0614141000005:PO1",
])
def test_identifiers_normalise_as_the_reference_does(identifier):
    assert canonical_identifier(identifier) == reference_normaliser(identifier)
