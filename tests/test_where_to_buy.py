"""Where to buy a product: points of sale and online listings through the API and the workspace
form, shown live on the product page and its batches' trace pages, and carried in the linkset."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import func, select

from tests.test_public_fixtures import GTIN14
from tests.workspace_client import signed_in
from tracelabel.models import AuditEntry, Product

VOC = "https://ref.gs1.org/voc/"
SCHEMA = Path(__file__).parent / "data" / "gs1" / "linkset.schema.json"
QUANG_NINH, BINH_LIEU, HA_LONG = "22", "06838", "06688"
SHOP = {"name": "Cửa hàng OCOP Bình Liêu", "address": "Số 5 phố Bình Công", "commune": "Bình Liêu",
        "hours": "7:00–18:00 hằng ngày"}
LISTINGS = [{"url": "https://shopee.vn/mien-dong-binh-lieu", "platform": "Shopee"},
            {"url": "https://www.tiktok.com/@htxbinhlieu/live", "platform": "TikTok Shop"}]


@pytest.fixture
def owner(make, session):
    organization = make.organization("HTX Miến dong Bình Liêu", province="Quảng Ninh")
    organization.province_code, organization.commune_code = QUANG_NINH, BINH_LIEU
    session.commit()
    return make.producer(organization)


def product_body(**extra) -> dict:
    return {"name": "Miến dong Bình Liêu", "ocop_group": "food", "gtin": "8936005120011", **extra}


def test_the_api_takes_communes_by_name_or_code_and_answers_both(client, owner):
    body = product_body(points_of_sale=[SHOP, {"name": "Trạm dừng chân Hạ Long",
                                               "address": "Km 8, quốc lộ 18", "commune": HA_LONG}],
                        online_listings=LISTINGS)
    created = client.post("/api/v1/products", json=body, headers=owner.headers)
    assert created.status_code == 201, created.get_json()
    answer = created.get_json()
    assert answer["points_of_sale"] == [
        {"name": "Cửa hàng OCOP Bình Liêu", "address": "Số 5 phố Bình Công", "commune": "Xã Bình Liêu",
         "commune_code": BINH_LIEU, "hours": "7:00–18:00 hằng ngày"},
        {"name": "Trạm dừng chân Hạ Long", "address": "Km 8, quốc lộ 18", "commune": "Phường Hạ Long",
         "commune_code": HA_LONG, "hours": None}]
    assert answer["online_listings"] == LISTINGS
    read = client.get(f"/api/v1/products/{answer['id']}", headers=owner.headers).get_json()
    assert read["points_of_sale"] == answer["points_of_sale"]
    # What a client read can be sent back as it is.
    patched = client.patch(f"/api/v1/products/{answer['id']}", headers=owner.headers,
                           json={"points_of_sale": read["points_of_sale"][1:], "online_listings": []})
    assert patched.status_code == 200, patched.get_json()
    assert [p["commune_code"] for p in patched.get_json()["points_of_sale"]] == [HA_LONG]
    assert patched.get_json()["online_listings"] == []


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"points_of_sale": [{**SHOP, "commune": "Hải Vân"}]}, "points_of_sale.0.commune",
     "không phải là xã/phường của Quảng Ninh"),
    ({"points_of_sale": [{**SHOP, "commune": "Nơi không có"}]}, "points_of_sale.0.commune",
     "không phải là xã/phường của Quảng Ninh"),
    ({"points_of_sale": [{**SHOP, "name": ""}]}, "points_of_sale.0.name", ""),
    ({"points_of_sale": [{**SHOP, "address": "x" * 301}]}, "points_of_sale.0.address", ""),
    ({"points_of_sale": [SHOP] * 21}, "points_of_sale", ""),
    ({"points_of_sale": [{**SHOP, "phone": "0203"}]}, "points_of_sale.0.phone", ""),
    ({"online_listings": [{"url": "javascript:alert(1)", "platform": "Shopee"}]},
     "online_listings.0.url", "https://"),
    ({"online_listings": [{"url": "ftp://shop.vn/x", "platform": "Shopee"}]},
     "online_listings.0.url", "https://"),
    ({"online_listings": [{"url": "https://shopee.vn/x"}]}, "online_listings.0.platform", ""),
    ({"online_listings": [{"url": "https://shopee.vn/x", "platform": "x" * 51}]},
     "online_listings.0.platform", ""),
    ({"online_listings": [LISTINGS[0]] * 21}, "online_listings", ""),
])
def test_bad_where_to_buy_is_a_problem_naming_the_field_and_writes_nothing(client, owner, session,
                                                                          extra, field, words):
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    response = client.post("/api/v1/products", json=product_body(**extra), headers=owner.headers)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    errors = {error["field"]: error["message"] for error in response.get_json()["errors"]}
    assert field in errors, errors
    assert words in errors[field]
    assert session.scalar(select(func.count()).select_from(Product)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_a_patch_with_a_bad_commune_changes_nothing(client, owner, session):
    product = client.post("/api/v1/products", json=product_body(points_of_sale=[SHOP]),
                          headers=owner.headers).get_json()
    refused = client.patch(f"/api/v1/products/{product['id']}", headers=owner.headers,
                           json={"name": "Miến dong mới", "points_of_sale": [
                               {**SHOP, "commune": "Hải Vân"}]}, query_string={"lang": "en"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0] == {
        "field": "points_of_sale.0.commune",
        "message": "Point of sale 1: “Hải Vân” is not a commune of Quảng Ninh."}
    session.expire_all()
    stored = session.get(Product, product["id"])
    assert stored.name == "Miến dong Bình Liêu"
    assert stored.points_of_sale[0]["commune_code"] == BINH_LIEU


def test_a_producer_without_a_province_names_a_commune_the_map_knows_once(client, make):
    owner = make.producer(make.organization(province=None))
    shared = client.post("/api/v1/products", headers=owner.headers, json=product_body(
        gtin=None, points_of_sale=[{**SHOP, "commune": "Tân Phú"}]))
    assert shared.status_code == 422  # several communes bear the name: the code settles it
    assert "official code" in shared.get_json()["errors"][0]["message"] or \
        "mã" in shared.get_json()["errors"][0]["message"]
    coded = client.post("/api/v1/products", headers=owner.headers, json=product_body(
        gtin=None, points_of_sale=[{**SHOP, "commune": BINH_LIEU}]))
    assert coded.status_code == 201
    assert coded.get_json()["points_of_sale"][0]["commune"] == "Xã Bình Liêu"


def test_the_workspace_form_records_where_to_buy_without_javascript(app, owner, session):
    pages = signed_in(app, owner.user.email)
    form = pages.get("/workspace/products/new").get_data(as_text=True)
    assert 'name="points_of_sale-1-commune"' in form and 'name="online_listings-1-url"' in form
    created = pages.submit("/workspace/products/new", {
        "name": "Miến dong Bình Liêu", "ocop_group": "food",
        "points_of_sale-0-name": SHOP["name"], "points_of_sale-0-address": SHOP["address"],
        "points_of_sale-0-commune": "xa binh lieu", "points_of_sale-0-hours": SHOP["hours"],
        "points_of_sale-1-name": "", "points_of_sale-1-address": "",
        "online_listings-0-platform": "Shopee", "online_listings-0-url": LISTINGS[0]["url"]})
    assert created.status_code == 302, created.get_data(as_text=True)
    product = session.scalar(select(Product))
    assert product.points_of_sale == [{"name": SHOP["name"], "address": SHOP["address"],
                                       "commune_code": BINH_LIEU, "hours": SHOP["hours"]}]
    assert product.online_listings == [LISTINGS[0]]
    edit = pages.get(f"/workspace/products/{product.id}/edit").get_data(as_text=True)
    assert 'value="Xã Bình Liêu"' in edit and 'name="points_of_sale-2-name"' in edit  # two blank rows
    refused = pages.submit(f"/workspace/products/{product.id}/edit", {
        "name": "Miến dong Bình Liêu", "ocop_group": "food",
        "points_of_sale-0-name": SHOP["name"], "points_of_sale-0-address": SHOP["address"],
        "points_of_sale-0-commune": "Hải Vân",
        "online_listings-0-platform": "Shopee", "online_listings-0-url": "shopee.vn/abc"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Point of sale 1: “Hải Vân” is not a commune of Quảng Ninh." in page
    assert "Online listing 1: “shopee.vn/abc” is not a web address" in page
    session.refresh(product)
    assert product.points_of_sale[0]["commune_code"] == BINH_LIEU


def _published(make, session, owner, **values):
    product = make.product(owner, name="Miến dong Bình Liêu", ocop_group="food",
                           gtin="8936005120011", **values)
    batch = make.batch(owner, product, publish=True)
    return product, batch


def test_the_product_page_and_the_trace_page_show_where_to_buy_as_it_stands(client, make, session,
                                                                            owner):
    product, batch = _published(make, session, owner, points_of_sale=[SHOP],
                                online_listings=LISTINGS)
    for path in (f"/01/{GTIN14}", f"/t/{batch.code}"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="where-to-buy"' in page, path
        assert "Cửa hàng OCOP Bình Liêu" in page and "Xã Bình Liêu, Quảng Ninh" in page
        assert "7:00–18:00 hằng ngày" in page
        assert 'href="https://shopee.vn/mien-dong-binh-lieu" rel="nofollow noopener ugc">Shopee' in page
    english = client.get(f"/t/{batch.code}", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Where to buy" in english and "shops open and close" in english
    facts = client.get(f"/t/{batch.code}", headers={"Accept": "application/json"}).get_json()
    assert facts["where_to_buy"]["points_of_sale"][0]["commune_code"] == BINH_LIEU
    # The shop closes after publication: the published trace shows today's list, not the old one.
    client.patch(f"/api/v1/products/{product.id}", headers=owner.headers, json={
        "points_of_sale": [{**SHOP, "name": "Quầy OCOP chợ Bình Liêu"}], "online_listings": []})
    page = client.get(f"/t/{batch.code}").get_data(as_text=True)
    assert "Quầy OCOP chợ Bình Liêu" in page and "Cửa hàng OCOP Bình Liêu" not in page
    assert "shopee.vn" not in page
    assert "Changes since this batch was published" not in client.get(
        f"/t/{batch.code}", query_string={"lang": "en"}).get_data(as_text=True)


def test_a_product_without_where_to_buy_has_no_such_section_or_link(client, make, session, owner):
    _product, batch = _published(make, session, owner)
    assert 'id="where-to-buy"' not in client.get(f"/t/{batch.code}").get_data(as_text=True)
    document = client.get(f"/t/{batch.code}", query_string={"linkType": "linkset"}).get_json(
        force=True)
    assert all(VOC + "hasRetailers" not in entry for entry in document["linkset"])
    missing = client.get(f"/t/{batch.code}", query_string={"linkType": "gs1:hasRetailers"})
    assert missing.status_code == 404


def test_the_linkset_carries_where_to_buy_under_gs1_link_types(client, make, session, owner):
    _product, batch = _published(make, session, owner, points_of_sale=[SHOP],
                                 online_listings=LISTINGS)
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    dl_path = f"/01/{GTIN14}/10/{batch.lot}"
    for path in (dl_path, f"/01/{GTIN14}", f"/t/{batch.code}"):
        document = client.get(path, query_string={"linkType": "linkset"}).get_json(force=True)
        assert not list(validator.iter_errors(document)), path
        for entry in document["linkset"]:
            retailers = entry[VOC + "hasRetailers"]
            assert [link["href"] for link in retailers] == [
                entry["anchor"] + "#where-to-buy", entry["anchor"] + "?lang=en#where-to-buy"]
            assert retailers[0]["title"].startswith("Nơi mua")
            assert retailers[1]["title"].startswith("Where to buy")
        general = document["linkset"][-1]
        assert {"href": LISTINGS[0]["url"], "title": "Shopee"} in general[VOC + "pip"]
        assert general[VOC + "socialMedia"] == [{"href": LISTINGS[1]["url"], "title": "TikTok Shop"}]
    redirect = client.get(dl_path, query_string={"linkType": "gs1:hasRetailers"})
    assert redirect.status_code == 307
    assert redirect.headers["Location"].endswith(f"{dl_path}#where-to-buy")
    social = client.get(dl_path, query_string={"linkType": "gs1:socialMedia"})
    assert social.status_code == 307 and social.headers["Location"] == LISTINGS[1]["url"]
    own = client.get(dl_path, query_string={"linkType": "gs1:pip"})
    assert own.headers["Location"].endswith(dl_path)  # the product's own page stays the pip asked for
