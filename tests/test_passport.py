"""The digital product passport validates against the schema shipped in the package."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest

from tests.test_photos import jpeg_with_gps
from tracelabel import codes
from tracelabel.services import batches, photos, trace
from tracelabel.services.passport import batch_passport, passport_schema


def passport_of(session, batch, **unit):
    """The passport of a batch as the resolver builds it, from the batch's public facts."""
    facts = trace.batch_facts(session, batch.id, trace.vietnam_today())
    return batch_passport(batch, "https://trace.example.vn", facts, **unit)


@pytest.fixture(scope="module")
def validator():
    schema = passport_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def full_batch(make, session, *, also_claim=(), **product_values):
    owner = make.producer(make.organization(address="Thôn Bản Chuồng, xã Bình Liêu, Quảng Ninh",
                                            kind="enterprise"))
    product = make.product(owner, name="Miến dong Bình Liêu", warnings="Không dùng khi bao bì rách.",
                           storage_instructions="Nơi khô ráo.", **product_values)
    photos.add_photo(session, owner.actor, product.id, jpeg_with_gps(500, 400))
    certificate = make.certificate(owner, product, stars=5)
    claimed = [certificate.id] + [make.certificate(owner, product, **values).id
                                  for values in also_claim]
    batch = make.batch(owner, product, publish=True, certificate_ids=claimed)
    return owner, batch


def test_passport_of_a_short_code_product(validator, make, session):
    _owner, batch = full_batch(make, session)
    document = passport_of(session, batch)
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, errors
    assert document["identifier"]["uri"] == f"https://trace.example.vn/t/{batch.code}"
    assert document["product"]["gtin"] is None
    assert document["product"]["name"] == "Miến dong Bình Liêu"
    assert document["product"]["ocop_stars"] == 5
    assert document["product"]["images"][0].startswith("https://trace.example.vn/media/")
    assert document["producer"]["identifier"]["scheme"] == "vn-tax-code"
    assert document["producer"]["address"] == "Thôn Bản Chuồng, xã Bình Liêu, Quảng Ninh"
    assert document["origin"]["areas"][0]["code"] == "VN-TNTC-0012"
    assert document["traceability"]["events"][0]["step"] == "harvesting"
    assert document["certificates"][0]["validity"] == "valid"
    assert document["warnings"]["safety"] == "Không dùng khi bao bì rách."
    assert document["dates"]["production_date"] == batch.production_date.isoformat()


def test_passport_of_a_gtin_unit(validator, app, make, session):
    owner, batch = full_batch(make, session, gtin="8936005120011")
    batches.issue_units(session, owner.actor, batch.id, 5)
    keys = codes.parse_code_keys(app.config["CODE_KEYS"])
    document = passport_of(session, batch, serial=3, keys=keys)
    assert not list(validator.iter_errors(document))
    assert document["subject"] == "unit"
    assert document["identifier"]["gtin"] == "08936005120011"
    link = codes.parse_digital_link_url(document["identifier"]["uri"])
    assert link.serial == document["identifier"]["serial"]
    assert codes.parse_unit_code(document["identifier"]["traceability_code"], keys).serial == 3


def test_recalled_and_expired_show_in_the_passport(validator, make, session):
    _owner, batch = full_batch(make, session, also_claim=[{
        "scheme": "vietgap", "stars": None, "valid_from": dt.date(2020, 1, 1),
        "valid_until": dt.date(2021, 1, 1)}])
    inspector = make.account("inspector")
    batches.change_batch_status(session, inspector.actor, batch.id, "recall", "Nhiễm khuẩn")
    session.commit()
    document = passport_of(session, batch)
    assert not list(validator.iter_errors(document))
    assert document["status"] == {"state": "recalled", "reason": "Nhiễm khuẩn",
                                  "since": batch.status_changed_at.isoformat()}
    assert [c["validity"] for c in document["certificates"]] == ["valid", "expired"]


def test_api_passport(client, make, session, validator):
    owner, batch = full_batch(make, session)
    response = client.get(f"/api/v1/batches/{batch.id}/passport", headers=owner.headers)
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert not list(validator.iter_errors(response.get_json(force=True)))
    draft = make.batch(owner)
    assert client.get(f"/api/v1/batches/{draft.id}/passport",
                      headers=owner.headers).status_code == 409
    assert client.get(f"/api/v1/batches/{batch.id}/passport",
                      headers=make.producer().headers).status_code == 404
