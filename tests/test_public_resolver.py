"""The GS1-conformant resolver, point by point as in standards/gs1/README.md, and manual lookup."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.test_public_fixtures import (
    GTIN,
    GTIN14,
    build_world,
    dl_serial,
    unit_code,
)
from tracelabel import codes
from tracelabel.services.passport import passport_schema

SCHEMA = Path(__file__).parents[2] / "shared/standards/gs1/resolver-description-file.schema.json"
VOC = "https://ref.gs1.org/voc/"


@pytest.fixture
def world(session, make):
    """A published GTIN batch with five units."""
    return build_world(session, make)


# 1. GET, HEAD and OPTIONS on every resolver route; CORS.

def _routes(app, world) -> list[str]:
    return [world.dl_path, f"/t/{world.batch.code}", f"/T/{unit_code(app, world.batch, 1)}",
            f"/01/{GTIN14}", f"{world.dl_path}/21/{dl_serial(unit_code(app, world.batch, 1))}"]


def test_get_head_and_options_with_cors_on_every_resolver_route(app, client, world):
    for url in _routes(app, world):
        get = client.get(url)
        assert get.status_code == 200 and get.headers["Access-Control-Allow-Origin"] == "*", url
        head = client.head(url)
        assert head.status_code == 200 and head.data == b"" and head.headers["ETag"], url
        options = client.options(url, headers={"Origin": "https://shop.example",
                                                "Access-Control-Request-Method": "GET"})
        assert options.status_code == 204, url
        assert set(options.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
        assert options.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in options.headers["Access-Control-Allow-Methods"]


def test_errors_carry_cors_too(client, world):
    response = client.get(f"/01/{GTIN14[:-1]}9/10/X")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# 2. A syntactically invalid DL URI answers 400 (page with the form, or a problem document);
#    a valid but unknown identifier 404.

@pytest.mark.parametrize("path", [
    f"/01/{GTIN14[:-1]}{(int(GTIN14[-1]) + 1) % 10}/10/L1",   # bad check digit
    f"/01/{GTIN14}/10/L%5B1%5D",                             # "[" "]" are outside set 82
    f"/01/{GTIN14}/10/L%201",                                # a space is outside set 82
    f"/01/{GTIN14}/10/{'A' * 21}",                           # longer than 20
    f"/01/{GTIN14}/21/7/10/L1",                              # qualifiers out of order
    f"/01/{GTIN14}/10/L1?17=261345",                         # not a date
    "/01/12345/10/L1",                                       # no GTIN length
    f"/01/{GTIN14}/10",                                      # a key without its value
    f"/01/{GTIN14}/10/L%ZZ",                                 # stray percent
])
def test_bad_digital_link_syntax_is_400(client, world, path):
    page = client.get(path)
    assert page.status_code == 400, path
    html = page.get_data(as_text=True)
    assert 'action="/lookup"' in html and "GS1 Digital Link" in html
    problem = client.get(path, headers={"Accept": "application/json"})
    assert problem.status_code == 400 and problem.mimetype == "application/problem+json"
    assert problem.get_json()["status"] == 400


def test_valid_but_unknown_gtin_is_404(client, world):
    unknown = "893600999999" + str(codes.gtin_check_digit("893600999999"))
    assert client.get(f"/01/{unknown}/10/L1").status_code == 404
    assert client.get(f"/01/{unknown}").status_code == 404
    problem = client.get(f"/01/{unknown}", headers={"Accept": "application/json"})
    assert problem.status_code == 404 and problem.mimetype == "application/problem+json"


# 3. Walk up the tree.

def test_known_gtin_with_unknown_lot_is_the_product_level_not_404(app, client, world):
    assert client.get(f"/01/{GTIN14}/10/NOPE").status_code == 200
    serial = dl_serial(unit_code(app, world.batch, 1))
    response = client.get(f"/01/{GTIN14}/10/NOPE/21/{serial}")
    assert response.status_code == 200 and "Số lô này chưa được đăng ký" in response.get_data(as_text=True)


def test_any_gtin_length_and_query_attributes(client, world):
    for gtin in (GTIN, GTIN14):
        assert client.get(f"/01/{gtin}/10/{world.batch.lot}?17=271231&utm=x").status_code == 200


def test_raw_percent_encoded_path_is_read_from_the_raw_uri(client, make):
    owner = make.producer()
    product = make.product(owner, gtin="8936005120028")
    make.batch(owner, product, publish=True, lot="A/B")
    make.batch(owner, product, publish=True, lot="A")
    body = client.get("/01/8936005120028/10/A%2FB", headers={"Accept": "application/json"}).get_json()
    assert body["batch"]["lot"] == "A/B"
    assert client.get("/01/8936005120028/10/A/B").status_code == 400  # "B" is no AI


# 4./5. Linkset: every level up to the GTIN, full link-type URIs, one default link each.

@pytest.mark.parametrize("how", ["linkType=linkset", "linkType=all", "accept"])
def test_linkset_by_link_type_or_accept(app, client, world, how):
    serial = dl_serial(unit_code(app, world.batch, 1))
    url = f"{world.dl_path}/21/{serial}"
    if how == "accept":
        response = client.get(url, headers={"Accept": "application/linkset+json"})
    else:
        response = client.get(f"{url}?{how}")
    assert response.status_code == 200
    assert response.mimetype == "application/linkset+json"
    entries = json.loads(response.data)["linkset"]
    base = "https://trace.example.vn"
    assert [e["anchor"] for e in entries] == [base + url, base + world.dl_path, f"{base}/01/{GTIN14}"]
    for entry in entries:
        assert len(entry[VOC + "defaultLink"]) == 1
        assert entry[VOC + "defaultLink"][0]["href"] == entry["anchor"]
        for key, links in entry.items():
            if key in ("anchor", "itemDescription"):
                continue
            assert key.startswith(VOC), key
            for link in links:
                assert {"href", "title", "type", "hreflang"} <= set(link)
                assert isinstance(link["hreflang"], list)
    unit, lot, product = entries
    assert {VOC + t for t in ("pip", "verificationService", "recallStatus", "traceability",
                              "certificationInfo")} <= set(unit)
    assert VOC + "recallStatus" in lot and VOC + "verificationService" not in lot
    assert VOC + "pip" in product and VOC + "recallStatus" not in product


def test_json_is_never_answered_with_the_linkset(client, world):
    response = client.get(world.dl_path, headers={"Accept": "application/json"})
    assert response.mimetype == "application/json" and "linkset" not in response.get_json()


def test_link_type_we_have_is_a_307_keeping_the_query(client, world):
    response = client.get(f"{world.dl_path}?linkType=gs1:certificationInfo&17=271231&lang=en")
    assert response.status_code == 307
    assert response.headers["Location"] == (
        f"https://trace.example.vn{world.dl_path}?17=271231&lang=en#certificates")
    full = client.get(f"{world.dl_path}?linkType={VOC}recallStatus")
    assert full.status_code == 307 and full.headers["Location"].endswith(f"{world.dl_path}#status")
    assert "?#" not in full.headers["Location"] and not full.headers["Location"].endswith("?")
    pip = client.get(f"{world.dl_path}?linkType=gs1:pip")
    assert pip.status_code == 307 and pip.headers["Location"] == f"https://trace.example.vn{world.dl_path}"


def test_link_type_we_lack_is_404(client, world):
    assert client.get(f"{world.dl_path}?linkType=gs1:recipeInfo").status_code == 404
    assert client.get(f"{world.dl_path}?linkType=gs1:verificationService").status_code == 404
    assert client.get(f"{world.dl_path}?linkType=https://example.org/voc/x").status_code == 404


def test_the_page_itself_is_served_at_the_uri_without_redirect(client, world):
    response = client.get(world.dl_path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == "text/html"


# 6. Headers.

def test_link_and_vary_headers(client, world):
    for response in (client.get(world.dl_path), client.get(f"/t/{world.batch.code}"),
                     client.get(world.dl_path, headers={"Accept": "application/json"})):
        link = response.headers["Link"]
        assert link.startswith("<https://trace.example.vn/")
        assert '?linkType=linkset>; rel="linkset"; type="application/linkset+json"' in link
        assert {"Accept", "Accept-Language"} <= set(response.vary)


def test_json_ld_is_the_digital_product_passport(app, client, world):
    schema = passport_schema()
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    batch = client.get(world.dl_path, headers={"Accept": "application/ld+json"})
    assert batch.status_code == 200 and batch.mimetype == "application/ld+json"
    document = batch.get_json(force=True)
    assert not list(validator.iter_errors(document))
    assert document["subject"] == "batch"
    assert document["identifier"]["gtin"] == GTIN14
    assert '?linkType=linkset>; rel="linkset"' in batch.headers["Link"]
    code = unit_code(app, world.batch, 2)
    unit = client.get(f"{world.dl_path}/21/{dl_serial(code)}?format=jsonld")
    unit_document = unit.get_json(force=True)
    assert not list(validator.iter_errors(unit_document))
    assert unit_document["identifier"]["traceability_code"] == code
    short = client.get(f"/t/{code}", headers={"Accept": "application/ld+json"})
    assert short.get_json(force=True)["identifier"]["serial"] == dl_serial(code)
    product_only = client.get(f"/01/{GTIN14}", headers={"Accept": "application/ld+json"})
    assert product_only.status_code == 406


def test_linkset_carries_the_passport_as_gs1_dpp(client, world):
    linkset = client.get(f"{world.dl_path}?linkType=linkset").get_json(force=True)["linkset"]
    (link,) = linkset[0][VOC + "dpp"]
    assert link["type"] == "application/ld+json"
    assert link["href"].endswith(f"{world.dl_path}?format=jsonld")
    redirect = client.get(f"{world.dl_path}?linkType=gs1:dpp&lang=en")
    assert redirect.status_code == 307
    assert redirect.headers["Location"].endswith(f"{world.dl_path}?lang=en&format=jsonld")


# 7. The resolver description file.

def test_well_known_gs1resolver_is_valid_against_the_schema(client):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for path in ("/.well-known/gs1resolver", "/.well-known/gs1Resolver"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/json"
        document = response.get_json()
        # GS1's "$schema" names no JSON Schema draft: validate with draft 7 explicitly.
        validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
        validator.validate(document)
        assert document["supportedPrimaryKeys"] == ["01"]
        assert document["resolverRoot"] == "https://trace.example.vn/"
        assert {"namespace": VOC, "prefix": "gs1:"} in document["supportedLinkType"]
    with pytest.raises(jsonschema.ValidationError):  # the validator does check
        validator.validate({"resolverRoot": "https://x.vn/", "supportedPrimaryKeys": ["99"]})


# Manual entry.

def test_lookup_of_a_typed_code_redirects_to_its_page(app, client, world):
    typed = codes.readable_code(world.batch.code).lower()
    response = client.get("/lookup", query_string={"code": f"  {typed} "})
    assert response.status_code == 303 and response.headers["Location"] == f"/t/{world.batch.code}"
    unit = unit_code(app, world.batch, 2)
    response = client.get("/lookup", query_string={"code": unit.replace(".", " ").lower()})
    assert response.headers["Location"] == f"/t/{unit}"
    english = client.get("/lookup", query_string={"code": world.batch.code, "lang": "en"})
    assert english.headers["Location"] == f"/t/{world.batch.code}?lang=en"
    assert client.get("/lookup", query_string={"code": typed}, follow_redirects=True).status_code == 200


@pytest.mark.parametrize("pasted", [
    "https://trace.example.vn/01/{gtin}/10/{lot}?17=271231",
    "HTTPS://TRACE.EXAMPLE.VN/T/{code}",
    "trace.example.vn/t/{code}",
])
def test_lookup_of_a_pasted_url(client, world, pasted):
    text = pasted.format(gtin=GTIN14, lot=world.batch.lot, code=world.batch.code)
    response = client.get("/lookup", query_string={"code": text})
    assert response.status_code == 303
    assert response.headers["Location"] in (f"{world.dl_path}?17=271231", f"/t/{world.batch.code}")


def test_lookup_of_a_bare_gtin(client, world):
    response = client.get("/lookup", query_string={"code": GTIN})
    assert response.headers["Location"] == f"/01/{GTIN14}"


@pytest.mark.parametrize(("typed", "status"), [
    ("ZZZZ-ZZZZ-ZZZZ", 404), ("", 400), ("7K3M9QX2ZP4", 404), ("x" * 400, 400),
    ("https://trace.example.vn/01/12345678/10/L1", 400), ("https://example.org/nothing", 404),
])
def test_lookup_failures_show_the_form(client, world, typed, status):
    response = client.get("/lookup", query_string={"code": typed})
    assert response.status_code == status
    assert 'name="code"' in response.get_data(as_text=True)
    problem = client.get("/lookup", query_string={"code": typed}, headers={"Accept": "application/json"})
    assert problem.status_code == status and problem.mimetype == "application/problem+json"


def test_lookup_of_a_forged_unit_code_is_404(app, client, world):
    good = unit_code(app, world.batch, 1)
    forged = good[:-1] + ("A" if good[-1] != "A" else "B")
    assert client.get("/lookup", query_string={"code": forged}).status_code == 404


def test_home_and_error_pages_carry_the_form_in_both_languages(client):
    for url in ("/", "/?lang=en", "/t/NOPE", "/no/such/page"):
        html = client.get(url).get_data(as_text=True)
        assert 'action="/lookup"' in html, url
    assert "Tra cứu" in client.get("/").get_data(as_text=True)
    assert "Look up" in client.get("/?lang=en").get_data(as_text=True)
