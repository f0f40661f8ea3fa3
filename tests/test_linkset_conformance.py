"""The linkset against GS1's published linkset schema, with its description, titles in each link's
language and the JSON-LD context named in a Link header."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.test_public_fixtures import GTIN14, build_world, dl_serial, unit_code

VOC = "https://ref.gs1.org/voc/"
# GS1's schema (GS1-Conformant Resolver 1.2, from gs1/linkset), shipped with the tests as published.
SCHEMA = Path(__file__).parent / "data" / "gs1" / "linkset.schema.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "standards" / "gs1" / "linkset.schema.json"
CONTEXT_LINK = ('<https://ref.gs1.org/standards/resolver/linkset-context>; '
                'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"')


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture
def world(session, make):
    return build_world(session, make)


def test_the_shipped_schema_is_gs1s_as_published():
    if SHARED.exists():
        assert json.loads(SHARED.read_text("utf-8")) == json.loads(SCHEMA.read_text("utf-8"))
    schema = json.loads(SCHEMA.read_text("utf-8"))
    assert schema["properties"]["linkset"]["items"]["required"] == ["anchor", "itemDescription"]


def _paths(app, world) -> dict[str, str]:
    unit = unit_code(app, world.batch, 2)
    return {"unit": f"{world.dl_path}/21/{dl_serial(unit)}", "batch": world.dl_path,
            "product": f"/01/{GTIN14}", "short batch": f"/t/{world.batch.code}",
            "short unit": f"/t/{unit}"}


def test_every_linkset_validates_against_gs1s_schema(app, client, world, validator):
    for name, path in _paths(app, world).items():
        for how in ({"query_string": {"linkType": "linkset"}},
                    {"headers": {"Accept": "application/linkset+json"}}):
            response = client.get(path, **how)
            assert response.status_code == 200, name
            document = json.loads(response.data)
            errors = sorted(validator.iter_errors(document), key=str)
            assert not errors, (name, [error.message for error in errors])
            assert all(entry["itemDescription"] == "Chè búp Tân Cương"
                       for entry in document["linkset"]), name


def test_titles_speak_the_language_of_their_link(client, world):
    document = client.get(world.dl_path, query_string={"linkType": "linkset"}).get_json(force=True)
    batch_entry = document["linkset"][0]
    vi, en = batch_entry[VOC + "traceability"][:2]
    assert vi["hreflang"] == ["vi"] and vi["title"].startswith("Chuỗi nguồn gốc: lô ")
    assert en["hreflang"] == ["en"] and en["title"].startswith("Origin chain: lot ")
    english = client.get(world.dl_path, query_string={"linkType": "linkset", "lang": "en"})
    assert json.loads(english.data) == document  # the same document whatever the visitor's language


def test_linkset_names_its_json_ld_context(client, world):
    response = client.get(world.dl_path, query_string={"linkType": "linkset"})
    link = response.headers["Link"]
    assert CONTEXT_LINK in link
    assert '?linkType=linkset>; rel="linkset"; type="application/linkset+json"' in link
    page = client.get(world.dl_path)
    assert "json-ld#context" not in page.headers["Link"]  # only the linkset is JSON to be read as LD


def test_the_description_is_the_published_name(client, session, world):
    response = client.patch(f"/api/v1/products/{world.product.id}", json={"name": "Chè mới đổi tên"},
                            headers=world.owner.headers)
    assert response.status_code == 200
    batch_doc = client.get(world.dl_path, query_string={"linkType": "linkset"}).get_json(force=True)
    assert {e["itemDescription"] for e in batch_doc["linkset"][:1]} == {"Chè búp Tân Cương"}
    product_doc = client.get(f"/01/{GTIN14}", query_string={"linkType": "linkset"}).get_json(force=True)
    assert product_doc["linkset"][0]["itemDescription"] == "Chè mới đổi tên"
