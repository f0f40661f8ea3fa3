"""The public OCOP directory (/ocop), the page of a product without a GTIN, and the sitemap:
filters, diacritic-free search, Vietnamese order, and nothing unpublished, rejected or private."""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tests.factories import Account, Factory
from tracelabel.models import Batch, Organization, Product
from tracelabel.services import batches, catalog, directory, inspection, organizations
from tracelabel.vietnamese_collation import sort_key

TODAY = dt.date.today()
QUANG_NINH, BINH_LIEU, HA_LONG, DA_NANG, HAI_VAN = "22", "06838", "06688", "48", "20195"
ENTRY_NAME = re.compile(r'<li class="entry">.*?<h2><a href="([^"]+)">([^<]+)</a></h2>', re.S)
# In Vietnamese order: â after a, c before ch, d before đ, ă before â, tones after letters.
NAMES_IN_ORDER = ["Ấm gốm Đông Triều", "Bánh gai", "Cà phê Ba Chẽ", "Chè búp", "Dưa hấu",
                  "Đông trùng hạ thảo", "Mắm tôm", "Mật ong rừng", "Miến dong Bình Liêu"]


@dataclass
class World:
    """Two producers in two provinces, listed products, and the ones that must not appear."""

    quang_ninh: Account
    da_nang: Account
    listed: dict[str, Product]
    hidden: dict[str, Product]


def _organization(make: Factory, session, name: str, province: str, commune: str) -> Account:
    organization = make.organization(name)
    organization.province_code, organization.commune_code = province, commune
    session.commit()
    return make.producer(session.get(Organization, organization.id))


def _ocop(make: Factory, owner: Account, name: str, *, stars: int = 4, publish: bool = True,
          **values) -> Product:
    product = make.product(owner, name=name, **values)
    make.certificate(owner, product, stars=stars)
    make.batch(owner, product, publish=publish)
    return product


def build_world(session, make: Factory) -> World:
    qn = _organization(make, session, "HTX Bình Liêu", QUANG_NINH, BINH_LIEU)
    dn = _organization(make, session, "HTX Hải Vân", DA_NANG, HAI_VAN)
    listed = {
        "Miến dong Bình Liêu": _ocop(make, qn, "Miến dong Bình Liêu", ocop_group="food",
                                     gtin="8936005120011", brand="Hồng Anh"),
        "Ấm gốm Đông Triều": _ocop(make, qn, "Ấm gốm Đông Triều", ocop_group="handicraft", stars=5),
        "Bánh gai": _ocop(make, qn, "Bánh gai", ocop_group="food", stars=3),
        "Cà phê Ba Chẽ": _ocop(make, qn, "Cà phê Ba Chẽ", ocop_group="beverage"),
        "Chè búp": _ocop(make, qn, "Chè búp", ocop_group="beverage"),
        "Dưa hấu": _ocop(make, dn, "Dưa hấu", ocop_group="food"),
        "Đông trùng hạ thảo": _ocop(make, dn, "Đông trùng hạ thảo", ocop_group="herbal", stars=5),
        "Mắm tôm": _ocop(make, dn, "Mắm tôm", ocop_group="food"),
        "Mật ong rừng": _ocop(make, dn, "Mật ong rừng", ocop_group="food", name_en="Wild honey"),
    }
    rejected = _ocop(make, qn, "Nấm hương bị bác", ocop_group="food")
    inspector = make.account("inspector")
    certificate = rejected_certificate(session, rejected)
    inspection.review_certificate(session, inspector.actor, certificate, "rejected",
                                  "Không có trong danh sách công nhận")
    session.commit()
    expired = make.product(qn, name="Nấm hương hết hạn", ocop_group="food")
    make.certificate(qn, expired, valid_from=TODAY - dt.timedelta(days=1200),
                     valid_until=TODAY - dt.timedelta(days=1))
    make.batch(qn, expired, publish=True)
    not_ocop = make.product(qn, name="Nấm hương thường", ocop_group="food")
    make.batch(qn, not_ocop, publish=True)
    hidden = {"draft": _ocop(make, qn, "Nấm hương nháp", publish=False, ocop_group="food"),
              "rejected": rejected, "expired": expired, "not ocop": not_ocop}
    return World(qn, dn, listed, hidden)


def rejected_certificate(session, product: Product) -> int:
    from sqlalchemy import select

    from tracelabel.models import Certificate
    return session.scalar(select(Certificate.id).where(Certificate.product_id == product.id))


@pytest.fixture
def world(session, make) -> World:
    return build_world(session, make)


def names(client, **query) -> list[str]:
    response = client.get("/ocop", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [html.unescape(name) for _href, name in ENTRY_NAME.findall(response.get_data(as_text=True))]


def test_the_directory_lists_published_ocop_products_in_vietnamese_order(client, world):
    assert names(client) == NAMES_IN_ORDER
    page = client.get("/ocop").get_data(as_text=True)
    assert "9 sản phẩm" in page
    assert "OCOP 5 sao" in page and "HTX Hải Vân" in page
    assert "Xã Bình Liêu, Quảng Ninh" in page and "Phường Hải Vân, Thành phố Đà Nẵng" in page
    assert "Hàng thủ công mỹ nghệ" in page
    for word in ("nháp", "bị bác", "hết hạn", "thường"):
        assert word not in page


def test_the_sorted_list_is_kept_but_follows_every_change(client, world, make, session):
    assert names(client) == NAMES_IN_ORDER
    assert names(client, q="mien") == ["Miến dong Bình Liêu"]
    _ocop(make, world.quang_ninh, "Bưởi Diễn", stars=5)  # published and rated: listed at once
    assert names(client) == [*NAMES_IN_ORDER[:2], "Bưởi Diễn", *NAMES_IN_ORDER[2:]]
    assert "Bưởi Diễn" in names(client, stars="5")
    certificate = rejected_certificate(session, world.listed["Miến dong Bình Liêu"])
    inspection.review_certificate(session, make.account("inspector").actor, certificate,
                                  "rejected", "Không có trong danh sách công nhận")
    session.commit()
    assert "Miến dong Bình Liêu" not in names(client)
    assert names(client, q="mien") == []


def test_the_kept_list_outlives_changes_the_directory_does_not_show(client, world, make, session):
    """Drafts, events and label runs leave the sorted list standing; a product's new name, its
    producer's move and a first publication are shown at the next visit."""
    filters = directory.read_filters(None, None, None, None, None, None)
    kept = directory._sorted_matches(session, filters, TODAY)
    session.commit()
    make.batch(world.quang_ninh, world.listed["Bánh gai"])  # a draft and its event: audited
    assert directory._sorted_matches(session, filters, TODAY) is kept
    session.commit()

    catalog.update_record(session, world.da_nang.actor, Product, world.listed["Dưa hấu"].id,
                          {"name": "Bánh đa"})
    session.commit()
    assert names(client) == [*NAMES_IN_ORDER[:1], "Bánh đa", *NAMES_IN_ORDER[1:4],
                             *NAMES_IN_ORDER[5:]]

    admin = make.account("admin")
    organizations.update_organization(session, admin.actor, world.da_nang.actor.organization_id,
                                      {"province": QUANG_NINH, "commune": HA_LONG})
    session.commit()
    assert "Mắm tôm" in names(client, province=QUANG_NINH)
    assert names(client, province=DA_NANG) == []

    draft_batch = session.scalar(select(Batch.id).where(
        Batch.product_id == world.hidden["draft"].id))
    batches.publish_batch(session, world.quang_ninh.actor, draft_batch)
    session.commit()
    assert "Nấm hương nháp" in names(client)


def test_the_order_is_not_the_databases_byte_or_locale_order():
    assert sorted(NAMES_IN_ORDER, key=sort_key) == NAMES_IN_ORDER
    assert sorted(NAMES_IN_ORDER) != NAMES_IN_ORDER  # code points put Ấ after B and Đ after M
    assert sorted(["bá", "bà", "ba", "bạ", "bả", "bã"], key=sort_key) == ["ba", "bà", "bả", "bã",
                                                                          "bá", "bạ"]
    assert sorted(["ơ", "ô", "o", "ư", "u", "đ", "d", "â", "ă", "a"], key=sort_key) == \
        ["a", "ă", "â", "d", "đ", "o", "ô", "ơ", "u", "ư"]


SEARCHES = [
    ("mien dong", ["Miến dong Bình Liêu"]),
    ("MIẾN DONG", ["Miến dong Bình Liêu"]),
    ("dong", ["Ấm gốm Đông Triều", "Đông trùng hạ thảo", "Miến dong Bình Liêu"]),
    ("hong anh", ["Miến dong Bình Liêu"]),  # the brand
    ("wild honey", ["Mật ong rừng"]),  # the English name
    ("mat ong", ["Mật ong rừng"]),
    ("ca phe", ["Cà phê Ba Chẽ"]),
    ("nam huong", []),  # nothing unpublished, rejected, lapsed or unrated
    ("%", []),
    ("_", []),
]


def test_search_with_or_without_diacritics(client, world):
    for query, expected in SEARCHES:
        assert names(client, q=query) == expected, query


FILTERS = [
    ({"province": QUANG_NINH}, ["Ấm gốm Đông Triều", "Bánh gai", "Cà phê Ba Chẽ", "Chè búp",
                                "Miến dong Bình Liêu"]),
    ({"province": "Thành phố Đà Nẵng"}, ["Dưa hấu", "Đông trùng hạ thảo", "Mắm tôm", "Mật ong rừng"]),
    ({"province": "da nang"}, ["Dưa hấu", "Đông trùng hạ thảo", "Mắm tôm", "Mật ong rừng"]),
    ({"province": QUANG_NINH, "commune": HA_LONG}, []),
    ({"commune": HAI_VAN}, ["Dưa hấu", "Đông trùng hạ thảo", "Mắm tôm", "Mật ong rừng"]),
    ({"group": "beverage"}, ["Cà phê Ba Chẽ", "Chè búp"]),
    ({"stars": "5"}, ["Ấm gốm Đông Triều", "Đông trùng hạ thảo"]),
    ({"stars": "3"}, ["Bánh gai"]),
    ({"province": DA_NANG, "group": "food", "stars": "4", "q": "mam"}, ["Mắm tôm"]),
]


def test_filters(client, world):
    for query, expected in FILTERS:
        assert names(client, **query) == expected, query


def test_the_filter_form_works_without_javascript_and_keeps_the_choices(client, world):
    page = client.get("/ocop", query_string={"province": QUANG_NINH, "group": "food",
                                             "q": "bánh"}).get_data(as_text=True)
    assert '<form method="get" action="/ocop"' in page and "<script" not in page
    assert f'<option value="{QUANG_NINH}" selected>Quảng Ninh</option>' in page
    assert f'<option value="{BINH_LIEU}">Xã Bình Liêu</option>' in page  # the province's communes
    assert '<option value="food" selected>' in page and 'value="bánh"' in page
    assert 'name="commune" disabled' in client.get("/ocop").get_data(as_text=True)


BAD_FILTERS = [({"province": "Atlantis"}, "Atlantis"),
               ({"commune": "Hải Vân", "province": QUANG_NINH}, "Hải Vân"),
               ({"group": "spaceships"}, "handicraft"), ({"stars": "9"}, "3, 4 or 5 stars"),
               ({"page": "0"}, "A page is a number"), ({"page": "x"}, "A page is a number"),
               ({"q": "x" * 101}, "at most 100 characters")]


def test_bad_filters_are_refused_with_a_reason(client):
    for query, words in BAD_FILTERS:
        response = client.get("/ocop", query_string=query)
        assert response.status_code == 400, query
        english = client.get("/ocop", query_string={**query, "lang": "en"}).get_data(as_text=True)
        assert "The directory cannot show this selection." in english and words in english, query
        assert "Traceback" not in english


def test_pages(client, world, monkeypatch):
    monkeypatch.setattr(directory, "PER_PAGE", 4)
    assert names(client) == NAMES_IN_ORDER[:4]
    assert names(client, page="3") == NAMES_IN_ORDER[8:]
    page = client.get("/ocop", query_string={"page": "2", "group": "food"}).get_data(as_text=True)
    assert "trang 2/2" in page and 'href="/ocop?group=food&amp;page=1" rel="prev"' in page
    assert "past the last one" in client.get("/ocop", query_string={"page": "9", "lang": "en"}
                                             ).get_data(as_text=True)


def test_each_entry_opens_the_products_public_page(client, world):
    response = client.get("/ocop")
    links = dict((html.unescape(name), href) for href, name in ENTRY_NAME.findall(
        response.get_data(as_text=True)))
    assert links["Miến dong Bình Liêu"] == "/01/08936005120011"
    for name, href in links.items():
        page = client.get(href)
        assert page.status_code == 200, (name, href)
        assert f"<h1>{name}</h1>" in page.get_data(as_text=True)
    chè = world.listed["Chè búp"]
    assert links["Chè búp"] == f"/p/{chè.id}"
    assert client.get(f"/p/{world.listed['Miến dong Bình Liêu'].id}").headers["Location"] == \
        "/01/08936005120011"
    json_page = client.get(f"/p/{chè.id}", headers={"Accept": "application/json"}).get_json()
    assert json_page["product"]["name"] == "Chè búp"
    assert client.get(f"/p/{world.hidden['draft'].id}").status_code == 404
    assert client.get("/p/999999").status_code == 404


def test_english_second(client, world):
    page = client.get("/ocop", query_string={"lang": "en"}).get_data(as_text=True)
    assert "<h1>OCOP products</h1>" in page and 'lang="vi">Sản phẩm OCOP' in page
    assert "9 products" in page and "Bánh gai" in page
    assert '<input type="hidden" name="lang" value="en">' in page
    vietnamese = client.get("/ocop").get_data(as_text=True)
    assert "<h1>Sản phẩm OCOP</h1>" in vietnamese
    home = client.get("/").get_data(as_text=True)
    assert 'href="/ocop"' in home


def test_the_sitemap_lists_the_directory_and_every_public_product_page_only(app, client, world):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ElementTree.fromstring(response.data)
    locations = [loc.text for loc in root.findall("s:url/s:loc", namespace)]
    base = app.config["PUBLIC_URL"]
    public = [*world.listed.values(), *(world.hidden[key] for key in ("rejected", "expired",
                                                                      "not ocop"))]
    expected = {base + "/ocop"} | {
        base + ("/01/0" + "8936005120011" if p.gtin else f"/p/{p.id}") for p in public}
    assert set(locations) == expected and len(locations) == len(expected)
    assert all(loc.startswith(base) for loc in locations)
    assert f"/p/{world.hidden['draft'].id}" not in response.get_data(as_text=True)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {base}/sitemap.xml" in robots and "Disallow: /t/" in robots
