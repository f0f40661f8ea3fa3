"""Products, areas, facilities and certificates through the workspace's forms."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.workspace_client import count_queries, field_errors, signed_in
from tracelabel.models import AuditEntry, Certificate, Facility, Product, RawMaterialArea

TODAY = dt.date.today()


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def owner(make):
    return make.producer()


@pytest.fixture
def pages(app, owner):
    return signed_in(app, owner.user.email)


def test_product_is_created_listed_and_edited(pages, session, owner):
    created = pages.submit("/workspace/products/new", {
        "name": "Chè búp Tân Cương", "ocop_group": "beverage", "gtin": "8936005120011",
        "brand": "Hoàng Nông", "standards": "TCVN 1458:2009\n\nISO 22000", "shelf_life_days": "540"})
    assert created.status_code == 302, created.get_data(as_text=True)
    product = session.scalar(select(Product))
    assert product.gtin == "08936005120011"
    assert product.standards == ["TCVN 1458:2009", "ISO 22000"]
    assert product.organization_id == owner.user.organization_id
    listing = pages.get("/workspace/products").get_data(as_text=True)
    assert "Chè búp Tân Cương" in listing and "08936005120011" in listing
    form = pages.get(f"/workspace/products/{product.id}/edit").get_data(as_text=True)
    assert "TCVN 1458:2009\nISO 22000" in form
    edited = pages.submit(f"/workspace/products/{product.id}/edit", {
        "name": "Chè búp đặc biệt", "ocop_group": "beverage", "gtin": "8936005120011",
        "brand": "", "standards": "TCVN 1458:2009"})
    assert edited.status_code == 302
    session.refresh(product)
    assert product.name == "Chè búp đặc biệt" and product.brand is None


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "", "ocop_group": "food"}, "name", "This field is required."),
    ({"name": "Mật ong", "ocop_group": "food", "gtin": "8936005120012"}, "gtin", "check digit"),
    ({"name": "Mật ong", "ocop_group": "spaceships"}, "ocop_group", "Not a valid choice."),
    ({"name": "Mật ong", "ocop_group": "food", "shelf_life_days": "0"}, "shelf_life_days",
     "Number must be at least 1."),
    ({"name": "x" * 201, "ocop_group": "food"}, "name", "at most 200 characters"),
])
def test_bad_product_input_is_shown_next_to_the_field(pages, session, data, field, message):
    response = pages.submit("/workspace/products/new", data)
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert any(message in text for text in errors.get(field, [])), errors
    assert count(session, Product) == 0
    assert count(session, AuditEntry) == 3  # the organization, the account and its token only


def test_gtin_already_used_is_refused(pages, session, make, owner):
    make.product(owner, gtin="8936005120011")
    response = pages.submit("/workspace/products/new", {"name": "Khác", "ocop_group": "food",
                                                        "gtin": "08936005120011"})
    assert "Another product already uses this GTIN." in field_errors(
        response.get_data(as_text=True))["gtin"]
    assert count(session, Product) == 1


def test_errors_are_in_vietnamese_by_default(app, owner, session):
    pages = signed_in(app, owner.user.email, language=None)
    missing = pages.submit("/workspace/products/new", {"name": "", "ocop_group": "food"})
    assert field_errors(missing.get_data(as_text=True))["name"] == ["Trường này là bắt buộc."]
    taken = pages.submit("/workspace/products/new", {"name": "Mật ong", "ocop_group": "food",
                                                     "gtin": "8936005120011"})
    assert taken.status_code == 302
    again = pages.submit("/workspace/products/new", {"name": "Mật ong 2", "ocop_group": "food",
                                                     "gtin": "8936005120011"})
    assert field_errors(again.get_data(as_text=True))["gtin"] == ["Một sản phẩm khác đã dùng mã GTIN này."]


def test_area_with_coordinates_and_code(pages, session):
    response = pages.submit("/workspace/areas/new", {
        "name": "Đồi chè Hoàng Nông", "code": " vn-tntc-0012 ", "code_status": "active",
        "material": "Lá chè tươi", "province": "Thái Nguyên", "latitude": "21.5942",
        "longitude": "105.8482", "area_ha": "12,5"})
    assert response.status_code == 302, response.get_data(as_text=True)
    area = session.scalar(select(RawMaterialArea))
    assert area.code == "VN-TNTC-0012"
    assert float(area.latitude) == pytest.approx(21.5942) and float(area.area_ha) == 12.5
    listing = pages.get("/workspace/areas").get_data(as_text=True)
    assert "VN-TNTC-0012" in listing and "Active" in listing


@pytest.mark.parametrize(("data", "field"), [
    ({"latitude": "91"}, "latitude"), ({"longitude": "east"}, "longitude"),
    ({"area_ha": "-2"}, "area_ha"), ({"province": ""}, "province"),
    ({"code_status": "lost"}, "code_status"), ({"code_status_since": "31/02/2026"}, "code_status_since"),
])
def test_bad_area_input(pages, session, data, field):
    base = {"name": "Vùng", "material": "Chè", "province": "Thái Nguyên", "code_status": "active"}
    response = pages.submit("/workspace/areas/new", {**base, **data})
    assert response.status_code == 422
    assert field in field_errors(response.get_data(as_text=True))
    assert count(session, RawMaterialArea) == 0


def test_facility_form_and_its_errors(pages, session):
    bad = pages.submit("/workspace/facilities/new", {"name": "Xưởng", "address": ""})
    assert "address" in field_errors(bad.get_data(as_text=True))
    assert count(session, Facility) == 0
    good = pages.submit("/workspace/facilities/new", {"name": "Xưởng sao chè",
                                                      "address": "Tân Cương, Thái Nguyên",
                                                      "food_safety_cert_no": "ATTP-12/2025"})
    assert good.status_code == 302
    facility = session.scalar(select(Facility))
    edited = pages.submit(f"/workspace/facilities/{facility.id}/edit",
                          {"name": "Xưởng sao chè 2", "address": "Tân Cương",
                           "food_safety_cert_no": ""})
    assert edited.status_code == 302
    session.refresh(facility)
    assert facility.name == "Xưởng sao chè 2" and facility.food_safety_cert_no is None


def certificate_data(subject: str, **changes):
    return {"scheme": "ocop", "subject": subject, "number": "OCOP-4S-001", "issuer": "UBND tỉnh",
            "stars": "4", "valid_from": str(TODAY - dt.timedelta(days=5)),
            "valid_until": str(TODAY + dt.timedelta(days=1000)), "issuing_level": "province",
            **changes}


def test_certificate_covers_a_product_and_warns_before_expiry(pages, session, make, owner):
    product = make.product(owner)
    response = pages.submit("/workspace/certificates/new", certificate_data(f"product:{product.id}"))
    assert response.status_code == 302, response.get_data(as_text=True)
    certificate = session.scalar(select(Certificate))
    assert (certificate.subject_type, certificate.product_id, certificate.stars) == ("product", product.id, 4)
    make.certificate(owner, product, scheme="vietgap", stars=None, number="VG-9",
                     valid_until=TODAY + dt.timedelta(days=20))
    make.certificate(owner, product, scheme="organic", stars=None, number="ORG-1",
                     valid_from=TODAY - dt.timedelta(days=400), valid_until=TODAY - dt.timedelta(days=1))
    listing = pages.get("/workspace/certificates").get_data(as_text=True)
    assert "expires within 30 days" in listing and "expired" in listing
    home = pages.get("/workspace").get_data(as_text=True)
    assert "Certificates to renew" in home and "VG-9" in home and "ORG-1" in home
    assert "OCOP-4S-001" not in home
    edited = pages.submit(f"/workspace/certificates/{certificate.id}/edit", {
        "number": "OCOP-4S-002", "issuer": "UBND tỉnh", "stars": "5",
        "valid_from": str(TODAY), "valid_until": str(TODAY + dt.timedelta(days=900))})
    assert edited.status_code == 302, edited.get_data(as_text=True)
    session.refresh(certificate)
    assert (certificate.number, certificate.stars, certificate.product_id) == ("OCOP-4S-002", 5, product.id)


@pytest.mark.parametrize(("changes", "field"), [
    ({"stars": ""}, "stars"),
    ({"scheme": "vietgap"}, "stars"),
    ({"valid_until": str(TODAY - dt.timedelta(days=30))}, "valid_until"),
    ({"valid_from": ""}, "valid_from"),
    ({"number": ""}, "number"),
])
def test_bad_certificate_input(pages, session, make, owner, changes, field):
    product = make.product(owner)
    response = pages.submit("/workspace/certificates/new",
                            certificate_data(f"product:{product.id}", **changes))
    assert response.status_code == 422
    assert field in field_errors(response.get_data(as_text=True))
    assert count(session, Certificate) == 0


def test_certificate_cannot_cover_another_organizations_product(pages, session, make):
    stranger = make.producer()
    theirs = make.product(stranger)
    response = pages.submit("/workspace/certificates/new", certificate_data(f"product:{theirs.id}"))
    assert response.status_code == 422
    assert "subject" in field_errors(response.get_data(as_text=True))
    assert count(session, Certificate) == 0


def test_list_pages_cost_the_same_for_many_records(app, pages, make, owner):
    for _ in range(2):
        make.batch(owner, publish=True)
    with count_queries(app) as few:
        for url in ("/workspace/batches", "/workspace/certificates", "/workspace", "/workspace/products"):
            assert pages.get(url).status_code == 200
    for _ in range(6):
        product = make.product(owner)
        make.batch(owner, product)
        make.certificate(owner, product)
    with count_queries(app) as many:
        for url in ("/workspace/batches", "/workspace/certificates", "/workspace", "/workspace/products"):
            assert pages.get(url).status_code == 200
    assert len(many) == len(few)
