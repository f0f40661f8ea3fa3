"""Today's administrative map on every path: units found by code or name, a wrong commune refused."""

from __future__ import annotations

import collections

import pytest
from sqlalchemy import select

from tests.workspace_client import field_errors, signed_in
from tracelabel import admin_units
from tracelabel.models import Facility, Organization, RawMaterialArea
from tracelabel.services import catalog, places
from tracelabel.services.errors import ValidationFailed
from tracelabel.textfold import fold

QUANG_NINH, BINH_LIEU, VAN_DON = "22", "06838", "06994"
DA_NANG, TRA_LINH = "48", "20950"


def _bare(name: str) -> str:
    for prefix in ("Xã ", "Phường ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def test_the_map_is_the_one_in_force_since_1_july_2025():
    assert len(admin_units.provinces()) == 34
    assert len(admin_units.communes()) == 3321
    assert sum(len(admin_units.communes(p.code)) for p in admin_units.provinces()) == 3321
    assert admin_units.find_commune("Bình Liêu", QUANG_NINH).name == "Xã Bình Liêu"
    assert admin_units.find_commune("Vân Đồn", QUANG_NINH).name == "Đặc khu Vân Đồn"


@pytest.mark.parametrize("text", ["Quảng Ninh", "Tỉnh Quảng Ninh", "TỈNH QUẢNG NINH", "quang ninh",
                                  "22", " 22 ", "Quang Ninh"])
def test_a_province_by_code_or_name_with_or_without_prefix_in_any_case(text):
    assert admin_units.find_province(text).code == QUANG_NINH


@pytest.mark.parametrize("text", ["Xã Bình Liêu", "Bình Liêu", "XÃ BÌNH LIÊU", "binh lieu", "06838",
                                  "6838"])
def test_a_commune_by_code_or_name(text):
    assert admin_units.find_commune(text, QUANG_NINH).code == BINH_LIEU


def test_every_province_is_accepted_by_code_and_by_name_by_the_place_service():
    for province in admin_units.provinces():
        for given in ({"province": province.code}, {"province": province.name},
                      {"province": province.full_name.upper()}, {"province_code": province.code}):
            errors: list = []
            columns = places.clean_place(dict(given), errors)
            assert errors == [], (given, errors)
            assert (columns["province_code"], columns["province"]) == (province.code, province.name)


def test_every_commune_is_accepted_by_code_and_by_name_by_the_place_service():
    bare_names = collections.Counter((c.province_code, fold(_bare(c.name))) for c in admin_units.communes())
    shared = 0
    for commune in admin_units.communes():
        province = admin_units.province_by_code(commune.province_code)
        given = [{"commune": commune.code}, {"commune_code": commune.code},
                 {"province": province.name, "commune": commune.name}]
        if bare_names[(commune.province_code, fold(_bare(commune.name)))] == 1:
            given.append({"province": province.code, "commune": _bare(commune.name).upper()})
        else:
            shared += 1  # "Xã X" and "Phường X" of one province: the full name tells them apart
        for values in given:
            errors: list = []
            columns = places.clean_place(dict(values), errors)
            assert errors == [], (values, errors)
            assert columns == {"province_code": province.code, "province": province.name,
                               "commune_code": commune.code, "commune": commune.name}, values
    assert shared < len(admin_units.communes()) / 100


def test_communes_are_stored_by_the_catalog_service(session, make):
    """The service the API calls, for one commune in 25 (each write is audited; the place check it
    makes is the one above, run for every commune)."""
    owner = make.producer()
    sample = admin_units.communes()[::25]
    for commune in sample:
        by_code = catalog.create_record(session, owner.actor, Facility, {
            "name": "Xưởng", "address": "Thôn 1", "commune_code": commune.code})
        by_name = catalog.create_record(session, owner.actor, RawMaterialArea, {
            "name": "Vùng", "material": "Chè", "province": commune.province_code,
            "commune": commune.name})
        for record in (by_code, by_name):
            assert (record.province_code, record.commune_code) == (commune.province_code, commune.code)
    session.commit()
    assert len(sample) > 130


# --- the API ------------------------------------------------------------------------------------

def test_api_area_takes_names_and_answers_names_and_codes(client, make):
    owner = make.producer()
    created = client.post("/api/v1/areas", json={
        "name": "Vùng dong riềng", "material": "Củ dong riềng", "province": "quảng ninh",
        "commune": "BÌNH LIÊU"}, headers=owner.headers)
    assert created.status_code == 201, created.get_json()
    area = created.get_json()
    assert {key: area[key] for key in ("province", "province_code", "commune", "commune_code")} == {
        "province": "Quảng Ninh", "province_code": QUANG_NINH, "commune": "Xã Bình Liêu",
        "commune_code": BINH_LIEU}
    moved = client.patch(f"/api/v1/areas/{area['id']}", json={"commune_code": VAN_DON},
                         headers=owner.headers).get_json()
    assert (moved["commune"], moved["province_code"]) == ("Đặc khu Vân Đồn", QUANG_NINH)
    listed = client.get("/api/v1/areas", query_string={"province": "Tỉnh Quảng Ninh"},
                        headers=owner.headers).get_json()
    assert [item["id"] for item in listed["items"]] == [area["id"]]


def test_api_round_trip_of_one_commune_per_province(client, make):
    owner = make.producer()
    for province in admin_units.provinces():
        commune = admin_units.communes(province.code)[-1]
        body = {"name": "Cơ sở", "address": "Thôn 1", "province": province.full_name,
                "commune": commune.name}
        created = client.post("/api/v1/facilities", json=body, headers=owner.headers)
        assert created.status_code == 201, created.get_json()
        read = client.get(f"/api/v1/facilities/{created.get_json()['id']}", headers=owner.headers)
        answer = read.get_json()
        assert (answer["province"], answer["province_code"], answer["commune"],
                answer["commune_code"]) == (province.name, province.code, commune.name, commune.code)


def _fields(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return {error["field"]: error["message"] for error in response.get_json()["errors"]}


@pytest.mark.parametrize(("path", "body", "field", "words"), [
    ("/api/v1/areas", {"province": "Quảng Ninh", "commune": "Trà Linh"}, "commune",
     "not a commune of Quảng Ninh"),
    ("/api/v1/areas", {"province": "Quảng Ninh", "commune": "Xã Không Có"}, "commune",
     "No commune is called"),
    ("/api/v1/areas", {"province": "Quảng Nam"}, "province", "No province is called"),
    ("/api/v1/areas", {"province_code": "22", "commune_code": TRA_LINH}, "commune_code",
     "Xã Trà Linh is not a commune of Quảng Ninh"),
    ("/api/v1/areas", {"province": "Quảng Ninh", "province_code": "48"}, "province_code",
     "different units"),
    ("/api/v1/areas", {"commune": "Tân Thành"}, "commune", "Several communes"),
    ("/api/v1/facilities", {"province": "22", "commune": "99999"}, "commune",
     "No commune has the code 99999"),
])
def test_api_refuses_a_wrong_place_naming_the_field(client, make, path, body, field, words):
    owner = make.producer()
    base = ({"name": "Vùng", "material": "Chè"} if "areas" in path
            else {"name": "Xưởng", "address": "Thôn 1"})
    errors = _fields(client.post(path + "?lang=en", json={**base, **body}, headers=owner.headers))
    assert field in errors and words in errors[field], errors


def test_api_changing_the_province_asks_for_a_commune_inside_it(client, make, session):
    owner = make.producer()
    area = make.area(owner, province="Quảng Ninh", commune="Bình Liêu")
    errors = _fields(client.patch(f"/api/v1/areas/{area.id}?lang=en", json={"province": "Đà Nẵng"},
                                  headers=owner.headers))
    assert "Xã Bình Liêu is not a commune of Thành phố Đà Nẵng" in errors["commune"]
    session.expire_all()
    assert session.get(RawMaterialArea, area.id).commune_code == BINH_LIEU  # nothing written
    moved = client.patch(f"/api/v1/areas/{area.id}", json={"province": "Đà Nẵng",
                                                           "commune": "Trà Linh"},
                         headers=owner.headers)
    assert moved.status_code == 200 and moved.get_json()["commune_code"] == TRA_LINH


def test_api_refusal_is_in_the_users_language(client, make):
    owner = make.producer()
    response = client.post("/api/v1/areas", json={"name": "Vùng", "material": "Chè",
                                                  "province": "Quảng Ninh", "commune": "Trà Linh"},
                           headers={**owner.headers, "Accept-Language": "vi"})
    assert "không phải là xã, phường của Quảng Ninh" in _fields(response)["commune"]


def test_api_organizations_validate_places(client, make):
    admin = make.account("admin")
    created = client.post("/api/v1/organizations", json={
        "name": "HTX Miến dong", "province": "Quảng Ninh", "commune": "Bình Liêu"},
        headers=admin.headers)
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["commune"], created.get_json()["commune_code"]) == (
        "Xã Bình Liêu", BINH_LIEU)
    errors = _fields(client.patch(f"/api/v1/organizations/{created.get_json()['id']}?lang=en",
                                  json={"commune": "Trà Linh"}, headers=admin.headers))
    assert "not a commune of Quảng Ninh" in errors["commune"]


# --- the forms ----------------------------------------------------------------------------------

def test_area_form_offers_provinces_and_communes_grouped_and_saves_codes(app, make, session):
    owner = make.producer()
    pages = signed_in(app, owner.user.email)
    page = pages.get("/workspace/areas/new").get_data(as_text=True)
    assert '<option value="22">Quảng Ninh</option>' in page
    assert '<optgroup label="Quảng Ninh" data-province="22">' in page
    assert f'<option value="{BINH_LIEU}">Xã Bình Liêu</option>' in page
    assert 'data-communes-of="province"' in page and "/static/places.js" in page
    saved = pages.submit("/workspace/areas/new", {
        "name": "Vùng dong riềng", "material": "Củ dong riềng", "code_status": "active",
        "province": QUANG_NINH, "commune": BINH_LIEU})
    assert saved.status_code == 302, field_errors(saved.get_data(as_text=True))
    area = session.scalar(select(RawMaterialArea))
    assert (area.province, area.commune, area.commune_code) == ("Quảng Ninh", "Xã Bình Liêu", BINH_LIEU)
    edit = pages.get(f"/workspace/areas/{area.id}/edit").get_data(as_text=True)
    assert f'<option value="{BINH_LIEU}" selected>' in edit and '<option selected value="22">' in edit


def test_area_form_refuses_a_commune_outside_its_province(app, make, session):
    owner = make.producer()
    pages = signed_in(app, owner.user.email)
    refused = pages.submit("/workspace/areas/new", {
        "name": "Vùng", "material": "Chè", "code_status": "active", "province": QUANG_NINH,
        "commune": TRA_LINH})
    assert refused.status_code == 422
    assert field_errors(refused.get_data(as_text=True)) == {
        "commune": ["Xã Trà Linh is not a commune of Quảng Ninh."]}
    assert session.scalar(select(RawMaterialArea.id)) is None


def test_facility_form_takes_a_commune_alone(app, make, session):
    owner = make.producer()
    pages = signed_in(app, owner.user.email)
    saved = pages.submit("/workspace/facilities/new", {"name": "Xưởng", "address": "Thôn 2",
                                                       "province": "", "commune": TRA_LINH})
    assert saved.status_code == 302, field_errors(saved.get_data(as_text=True))
    facility = session.scalar(select(Facility))
    assert (facility.province, facility.province_code, facility.commune_code) == (
        "Thành phố Đà Nẵng", DA_NANG, TRA_LINH)


def test_admin_organization_form_refuses_a_commune_outside_its_province(app, make, session):
    pages = signed_in(app, make.account("admin").user.email)
    refused = pages.submit("/admin/organizations/new", {
        "name": "HTX Sâm", "kind": "cooperative", "province": QUANG_NINH, "commune": TRA_LINH})
    assert refused.status_code == 422
    assert "commune" in field_errors(refused.get_data(as_text=True))
    saved = pages.submit("/admin/organizations/new", {
        "name": "HTX Sâm", "kind": "cooperative", "province": DA_NANG, "commune": TRA_LINH})
    assert saved.status_code == 302
    organization = session.scalar(select(Organization).where(Organization.name == "HTX Sâm"))
    assert (organization.province, organization.commune) == ("Thành phố Đà Nẵng", "Xã Trà Linh")


def test_forms_keep_a_place_left_to_settle_when_other_fields_change(app, make, session):
    owner = make.producer()
    area = make.area(owner)
    area.province, area.province_code, area.commune, area.commune_code = "Hà Tây", None, "Xuân Mai", None
    session.commit()
    pages = signed_in(app, owner.user.email)
    form = pages.get(f"/workspace/areas/{area.id}/edit").get_data(as_text=True)
    assert "Written before the 2025 map as “Xuân Mai, Hà Tây”" in form
    saved = pages.submit(f"/workspace/areas/{area.id}/edit", {
        "name": "Đồi chè mới", "material": "Lá chè tươi", "province": "", "commune": ""})
    assert saved.status_code == 302, field_errors(saved.get_data(as_text=True))
    session.expire_all()
    kept = session.get(RawMaterialArea, area.id)
    assert (kept.name, kept.province, kept.commune, kept.province_code) == (
        "Đồi chè mới", "Hà Tây", "Xuân Mai", None)


# --- the command line ---------------------------------------------------------------------------

def test_cli_orgs_take_province_and_commune_by_name(runner, session):
    result = runner.invoke(args=["orgs", "create", "HTX Miến dong Bình Liêu", "--province",
                                 "Quảng Ninh", "--commune", "Bình Liêu"])
    assert result.exit_code == 0, result.output
    organization = session.get(Organization, int(result.output.strip()))
    assert (organization.province_code, organization.commune_code, organization.commune) == (
        QUANG_NINH, BINH_LIEU, "Xã Bình Liêu")
    moved = runner.invoke(args=["orgs", "update", str(organization.id), "--province", "tp đà nẵng",
                                "--commune", TRA_LINH])
    assert moved.exit_code == 0, moved.output
    session.expire_all()
    assert session.get(Organization, organization.id).province == "Thành phố Đà Nẵng"


@pytest.mark.parametrize(("args", "words"), [
    (["--province", "Quảng Ninh", "--commune", "Trà Linh"], "commune: Xã Trà Linh is not a commune"),
    (["--province", "Quảng Nam"], "province: No province is called “Quảng Nam”"),
])
def test_cli_refuses_a_wrong_place_naming_the_field(runner, session, args, words):
    result = runner.invoke(args=["orgs", "create", "HTX", *args])
    assert result.exit_code == 1
    assert words in result.output
    assert session.scalar(select(Organization.id)) is None


def test_cli_update_refuses_a_commune_of_another_province(runner, make, session):
    organization = make.organization(province="Quảng Ninh", commune="Bình Liêu")
    result = runner.invoke(args=["orgs", "update", str(organization.id), "--commune", "Trà Linh"])
    assert result.exit_code == 1 and "commune:" in result.output
    session.expire_all()
    assert session.get(Organization, organization.id).commune_code == BINH_LIEU


def test_cli_places_find(runner):
    found = runner.invoke(args=["places", "find", "binh lieu", "--province", "Quảng Ninh"])
    assert found.output.strip().split("\t") == [BINH_LIEU, "Xã Bình Liêu", "Quảng Ninh"]
    missing = runner.invoke(args=["places", "find", "Xã Không Có"])
    assert missing.exit_code == 1 and "No commune is called" in missing.output


def test_service_error_lists_every_bad_field_without_writing(session, make):
    owner = make.producer()
    with pytest.raises(ValidationFailed) as refused:
        catalog.create_record(session, owner.actor, RawMaterialArea, {
            "name": "", "material": "Chè", "province": "Quảng Ninh", "commune": "Trà Linh"})
    assert {error.field for error in refused.value.errors} == {"name", "commune"}
