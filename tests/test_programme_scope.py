"""Officials scoped to a province: a Quảng Ninh inspector sees Quảng Ninh's producers only (404
elsewhere), a national one sees every province; programme officials read but do not act; an
administrator sets the scope from the command line, the admin form and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.programme_world import DA_NANG, HAI_CHAU, QUANG_NINH, VAN_DON, official, producer_in
from tests.workspace_client import field_errors, signed_in
from tracelabel.models import User


@pytest.fixture
def provinces(make):
    quang_ninh, da_nang = producer_in(make, QUANG_NINH, VAN_DON), producer_in(make, DA_NANG, HAI_CHAU)
    ours_product = make.product(quang_ninh, name="Miến dong Bình Liêu")
    ours_certificate = make.certificate(quang_ninh, ours_product)
    ours = make.batch(quang_ninh, ours_product, publish=True, certificate_ids=[ours_certificate.id])
    theirs_product = make.product(da_nang, name="Mắm nêm Đà Nẵng")
    expiring = make.certificate(da_nang, theirs_product,
                                valid_until=dt.date.today() + dt.timedelta(days=5))
    theirs = make.batch(da_nang, theirs_product, publish=True, certificate_ids=[expiring.id])
    return {"ours": ours, "theirs": theirs, "qn": quang_ninh, "dn": da_nang,
            "certificate": ours_certificate}


def test_a_quang_ninh_inspector_gets_404_for_a_da_nang_batch(client, app, make, provinces):
    scoped, national = official(make, "inspector", "Quảng Ninh"), official(make, "inspector", None)
    theirs, ours = provinces["theirs"].id, provinces["ours"].id
    assert client.get(f"/api/v1/batches/{theirs}", headers=scoped.headers).status_code == 404
    assert client.get(f"/api/v1/batches/{ours}", headers=scoped.headers).status_code == 200
    assert client.get(f"/api/v1/batches/{theirs}", headers=national.headers).status_code == 200
    page = signed_in(app, scoped.user.email)
    assert page.get(f"/inspector/batches/{theirs}").status_code == 404
    assert signed_in(app, national.user.email).get(f"/inspector/batches/{theirs}").status_code == 200
    recall = client.post(f"/api/v1/batches/{theirs}/recall", headers=scoped.headers,
                         json={"reason": "Nghi nhiễm khuẩn"})
    assert recall.status_code == 404
    area = provinces["theirs"].areas[0].id
    assert client.get(f"/api/v1/areas/{area}", headers=scoped.headers).status_code == 404


def test_lists_alerts_exports_and_audit_keep_to_the_province(client, make, provinces):
    scoped, national = official(make, "inspector", "22"), official(make, "inspector", "national")
    listed = client.get("/api/v1/batches", headers=scoped.headers).get_json()["items"]
    assert [b["id"] for b in listed] == [provinces["ours"].id]
    assert len(client.get("/api/v1/batches", headers=national.headers).get_json()["items"]) == 2
    alerts = client.get("/api/v1/alerts", headers=scoped.headers).get_json()
    assert alerts["certificates"] == []
    assert len(client.get("/api/v1/alerts", headers=national.headers).get_json()["certificates"]) == 1
    export = client.get("/api/v1/exports?format=csv", headers=scoped.headers).get_data(as_text=True)
    assert provinces["ours"].lot in export and provinces["theirs"].lot not in export
    entries = client.get("/api/v1/audit?entity_type=batch&per_page=100",
                         headers=scoped.headers).get_json()["items"]
    assert {e["entity_id"] for e in entries} == {str(provinces["ours"].id)}
    everything = client.get("/api/v1/audit?entity_type=batch&per_page=100",
                            headers=national.headers).get_json()["items"]
    assert {e["entity_id"] for e in everything} == {str(provinces["ours"].id),
                                                     str(provinces["theirs"].id)}
    assert client.get("/api/v1/audit?entity_type=user", headers=scoped.headers).get_json()[
        "items"] == []


def test_programme_officials_read_but_do_not_act(client, make, provinces):
    programme = official(make, "programme", "Quảng Ninh")
    ours = provinces["ours"]
    assert client.get(f"/api/v1/batches/{ours.id}", headers=programme.headers).status_code == 200
    assert client.get(f"/api/v1/batches/{provinces['theirs'].id}",
                      headers=programme.headers).status_code == 404
    for action in ("suspend", "recall"):
        refused = client.post(f"/api/v1/batches/{ours.id}/{action}", headers=programme.headers,
                              json={"reason": "thử"})
        assert refused.status_code == 403
    verify = client.post(f"/api/v1/certificates/{provinces['certificate'].id}/verify",
                         headers=programme.headers, json={})
    assert verify.status_code == 403
    assert client.get("/api/v1/alerts", headers=programme.headers).status_code == 403
    assert client.get("/api/v1/audit", headers=programme.headers).status_code == 403


def test_users_create_sets_the_scope(runner, session):
    made = runner.invoke(args=["users", "create", "vpocop@quangninh.gov.vn", "--role", "programme",
                               "--scope", "Quảng Ninh", "--password-stdin"],
                         input="mật-khẩu-đủ-dài\n")
    assert made.exit_code == 0, made.output
    assert "scope Quảng Ninh" in made.output
    inspector = runner.invoke(args=["users", "create", "tt@example.gov.vn", "--role", "inspector",
                                    "--password-stdin"], input="mật-khẩu-đủ-dài\n")
    assert inspector.exit_code == 0 and "scope national" in inspector.output
    unscoped = runner.invoke(args=["users", "create", "x@example.gov.vn", "--role", "programme",
                                   "--password-stdin"], input="mật-khẩu-đủ-dài\n")
    assert unscoped.exit_code != 0 and "scope" in unscoped.output
    unknown = runner.invoke(args=["users", "create", "y@example.gov.vn", "--role", "inspector",
                                  "--scope", "Hà Tây", "--password-stdin"], input="mật-khẩu-đủ-dài\n")
    assert unknown.exit_code != 0 and "Hà Tây" in unknown.output
    moved = runner.invoke(args=["users", "scope", "tt@example.gov.vn", "Đà Nẵng"])
    assert moved.exit_code == 0, moved.output
    scopes = dict(session.execute(select(User.email, User.scope_province_code)).all())
    assert scopes == {"vpocop@quangninh.gov.vn": QUANG_NINH, "tt@example.gov.vn": DA_NANG}


def test_the_admin_form_and_the_api_set_the_scope(app, make, client, session):
    admin = make.account("admin")
    pages = signed_in(app, admin.user.email)
    made = pages.submit("/admin/users/new", {"email": "pb@example.gov.vn", "role": "programme",
                                             "scope": QUANG_NINH, "password": "mật-khẩu-đủ-dài",
                                             "organization_id": ""})
    assert made.status_code == 302, field_errors(made.get_data(as_text=True))
    listing = pages.get("/admin/users").get_data(as_text=True)
    assert "Quảng Ninh" in listing
    refused = pages.submit("/admin/users/new", {"email": "sx@example.vn", "role": "producer",
                                                "scope": QUANG_NINH, "password": "mật-khẩu-đủ-dài",
                                                "organization_id": ""})
    assert refused.status_code == 422
    created = client.post("/api/v1/users", headers=admin.headers, json={
        "email": "api@example.gov.vn", "password": "mật-khẩu-đủ-dài", "role": "inspector",
        "scope": "da nang"})
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["scope_province_code"], created.get_json()["scope_province"]) == (
        DA_NANG, "Thành phố Đà Nẵng")
    bad = client.post(f"/api/v1/users/{created.get_json()['id']}/scope", headers=admin.headers,
                      json={"scope": "Sao Hỏa"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "scope"
    national = client.post(f"/api/v1/users/{created.get_json()['id']}/scope",
                           headers=admin.headers, json={"scope": "national"})
    assert national.get_json()["scope_province_code"] is None
    producer = make.producer()
    assert client.post("/api/v1/users", headers=producer.headers, json={}).status_code == 403
