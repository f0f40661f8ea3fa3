"""Products, areas, facilities and certificates through the API: shapes, bad input, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tracelabel.models import AuditEntry, Product

TODAY = dt.date.today()

VALID_BODIES = {
    "products": {"name": "Mật ong hoa nhãn Hưng Yên", "ocop_group": "food", "gtin": "8936005120011",
                 "standards": ["TCVN 5267-1:2008"], "brand": "Ong Vàng"},
    "areas": {"name": "Vùng nuôi ong Khoái Châu", "material": "Mật ong", "province": "Hưng Yên",
              "code": "vn-hyKC-0004", "latitude": 20.84, "longitude": 105.97, "area_ha": 12.5},
    "facilities": {"name": "Cơ sở chiết mật ong", "address": "Xã Khoái Châu, Hưng Yên"},
}


def certificate_body(product_id: int) -> dict:
    return {"scheme": "ocop", "number": "OCOP-123/2026", "issuer": "UBND tỉnh Hưng Yên",
            "stars": 4, "valid_from": str(TODAY), "valid_until": str(TODAY + dt.timedelta(days=1095)),
            "subject_type": "product", "subject_id": product_id}


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def test_product_round_trip_keeps_vietnamese_and_normalises_gtin(client, make):
    owner = make.producer()
    created = client.post("/api/v1/products", json=VALID_BODIES["products"], headers=owner.headers)
    assert created.status_code == 201, created.get_json()
    product = created.get_json()
    assert product["name"] == "Mật ong hoa nhãn Hưng Yên"
    assert product["gtin"] == "08936005120011"
    assert product["organization_id"] == owner.user.organization_id
    read = client.get(f"/api/v1/products/{product['id']}", headers=owner.headers).get_json()
    assert read == product
    patched = client.patch(f"/api/v1/products/{product['id']}", json={"name_en": "Longan honey"},
                           headers=owner.headers)
    assert patched.status_code == 200
    assert patched.get_json()["name_en"] == "Longan honey"
    assert patched.get_json()["name"] == "Mật ong hoa nhãn Hưng Yên"


def test_area_code_is_stored_trimmed_and_upper_case(client, make):
    owner = make.producer()
    area = client.post("/api/v1/areas", json=VALID_BODIES["areas"], headers=owner.headers).get_json()
    assert area["code"] == "VN-HYKC-0004"
    assert area["code_status"] == "active"
    assert area["area_ha"] == 12.5


def test_certificate_names_its_subject(client, make):
    owner = make.producer()
    product = make.product(owner)
    response = client.post("/api/v1/certificates", json=certificate_body(product.id),
                           headers=owner.headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["subject_type"], body["subject_id"], body["stars"]) == ("product", product.id, 4)
    assert body["verification_status"] == "unverified"


@pytest.mark.parametrize(("path", "body", "field"), [
    ("products", {"ocop_group": "food"}, "name"),
    ("products", {"name": "X", "ocop_group": "cars"}, "ocop_group"),
    ("products", {"name": "X", "ocop_group": "food", "gtin": "8936005120012"}, "gtin"),
    ("products", {"name": "X", "ocop_group": "food", "colour": "red"}, "colour"),
    ("products", {"name": "x" * 201, "ocop_group": "food"}, "name"),
    ("areas", {"name": "A", "material": "M"}, "province"),
    ("areas", {"name": "A", "material": "M", "province": "P", "latitude": 95}, "latitude"),
    ("areas", {"name": "A", "material": "M", "province": "P", "code_status": "lost"}, "code_status"),
    ("areas", {"name": "A", "material": "M", "province": "P", "area_ha": -1}, "area_ha"),
    ("facilities", {"name": "F"}, "address"),
    ("certificates", {"scheme": "ocop", "number": "1", "issuer": "I", "valid_from": "2026-01-01",
                      "valid_until": "2025-01-01", "subject_type": "organization", "stars": 4},
     "valid_until"),
    ("certificates", {"scheme": "ocop", "number": "1", "issuer": "I", "valid_from": "2026-01-01",
                      "valid_until": "2027-01-01", "subject_type": "organization", "stars": 6},
     "stars"),
    ("certificates", {"scheme": "ocop", "number": "1", "issuer": "I", "valid_from": "2026-01-01",
                      "valid_until": "2027-01-01", "subject_type": "organization"}, "stars"),
    ("certificates", {"scheme": "vietgap", "number": "1", "issuer": "I", "valid_from": "2026-01-01",
                      "valid_until": "2027-01-01", "subject_type": "product", "subject_id": 999},
     "subject_id"),
    ("certificates", {"scheme": "vietgap", "number": "1", "issuer": "I", "valid_from": "not a date",
                      "valid_until": "2027-01-01", "subject_type": "organization"}, "valid_from"),
])
def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing(client, make, session, path,
                                                                      body, field):
    owner = make.producer()
    before = audit_count(session)
    response = client.post(f"/api/v1/{path}", json=body, headers=owner.headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422
    assert field in [error["field"] for error in problem["errors"]], problem
    assert all(error["message"] for error in problem["errors"])
    session.expire_all()
    assert audit_count(session) == before


def test_a_body_that_is_not_json_is_refused(client, make):
    owner = make.producer()
    response = client.post("/api/v1/products", data="name=x", headers={
        **owner.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_duplicate_gtin_is_refused(client, make):
    owner = make.producer()
    body = VALID_BODIES["products"]
    assert client.post("/api/v1/products", json=body, headers=owner.headers).status_code == 201
    again = client.post("/api/v1/products", json=body, headers=owner.headers)
    assert again.status_code == 422
    assert again.get_json()["errors"][0]["field"] == "gtin"


def _create(client, make, owner, path):
    body = certificate_body(make.product(owner).id) if path == "certificates" else VALID_BODIES[path]
    response = client.post(f"/api/v1/{path}", json=body, headers=owner.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.mark.parametrize("path", ["products", "areas", "facilities", "certificates"])
def test_permission_grid(client, make, path):
    owner = make.producer()
    other = make.producer()
    inspector = make.account("inspector")
    admin = make.account("admin")
    record_id = _create(client, make, owner, path)
    item = f"/api/v1/{path}/{record_id}"
    change = {"number": "NEW-1"} if path == "certificates" else {"name": "Tên mới"}

    assert client.get(item).status_code == 401
    assert client.get(item, headers={"Authorization": "Bearer tlk_not-a-token"}).status_code == 401
    assert client.get(item, headers=owner.headers).status_code == 200
    assert client.get(item, headers=other.headers).status_code == 404
    assert client.patch(item, json=change, headers=other.headers).status_code == 404
    assert client.get(item, headers=inspector.headers).status_code == 200
    assert client.get(item, headers=admin.headers).status_code == 200
    assert client.patch(item, json=change, headers=inspector.headers).status_code == 403
    assert client.patch(item, json=change, headers=admin.headers).status_code == 403
    assert client.post(f"/api/v1/{path}", json=VALID_BODIES.get(path, {}),
                       headers=inspector.headers).status_code in (403, 422)

    def listed(account):
        response = client.get(f"/api/v1/{path}", headers=account.headers)
        assert response.status_code == 200
        return [item["id"] for item in response.get_json()["items"]]

    assert record_id in listed(owner)
    assert record_id not in listed(other)
    assert record_id in listed(inspector)
    assert client.patch(item, json=change, headers=owner.headers).status_code == 200


def test_inspector_cannot_create_producer_records(client, make):
    inspector = make.account("inspector")
    response = client.post("/api/v1/products", json=VALID_BODIES["products"],
                           headers=inspector.headers)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_revoked_token_is_refused(client, make, session):
    from tracelabel.services import accounts
    from tracelabel.services.actors import SYSTEM

    owner = make.producer()
    token = owner.user.tokens[0]
    accounts.revoke_token(session, SYSTEM, token.id)
    session.commit()
    assert client.get("/api/v1/products", headers=owner.headers).status_code == 401


def test_list_is_paginated(client, make):
    owner = make.producer()
    for n in range(5):
        client.post("/api/v1/facilities", json={"name": f"Xưởng {n}", "address": "Hà Giang"},
                    headers=owner.headers)
    page = client.get("/api/v1/facilities?per_page=2&page=2", headers=owner.headers).get_json()
    assert page["total"] == 5
    assert (page["page"], page["per_page"], len(page["items"])) == (2, 2, 2)
    bad = client.get("/api/v1/facilities?per_page=1000", headers=owner.headers)
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "per_page"


def test_unknown_record_and_unknown_route(client, make):
    owner = make.producer()
    missing = client.get("/api/v1/products/424242", headers=owner.headers)
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert client.get("/api/v1/nothing-here", headers=owner.headers).status_code == 404


def test_product_count_unchanged_after_refused_patch(client, make, session):
    owner = make.producer()
    product = make.product(owner)
    response = client.patch(f"/api/v1/products/{product.id}", json={"gtin": "123"},
                            headers=owner.headers)
    assert response.status_code == 422
    session.expire_all()
    assert session.get(Product, product.id).gtin is None


@pytest.mark.parametrize(("method", "path", "payload"), [
    ("get", "/api/v1/products?gtin=12%00", None),
    ("get", "/api/v1/batches?lot=A%00B", None),
    ("post", "/api/v1/products", {"name": "Trà\x00", "ocop_group": "beverage"}),
    ("post", "/api/v1/facilities", {"name": "Xưởng", "address": "Thôn\x00 2"}),
])
def test_nul_characters_are_refused_not_crashed_on(client, make, method, path, payload):
    owner = make.producer()
    response = getattr(client, method)(path, json=payload, headers=owner.headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
