"""Migration 0010: free-text places of a populated database mapped to official codes, or left
flagged for a person (the admin page lists them, ``db upgrade`` says how many)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.test_migrations import _empty_engine
from tests.workspace_client import field_errors, signed_in
from tracelabel import migrations
from tracelabel.admin_units_legacy import converter_available
from tracelabel.models import AuditEntry, Facility, Organization, RawMaterialArea
from tracelabel.services import places

NOW = "2026-11-01 08:00:00"
ORGANIZATIONS = [  # id, province, commune as typed before the codes existed
    (1, "Quảng Ninh", "Bình Liêu"),        # today's names: matched
    (2, "tỉnh quảng ninh", "vân đồn"),     # any case, with a prefix: matched
    (3, "Quảng Nam", "Trà Linh"),          # pre-2025: an undivided old commune, converted
    (4, "Quảng Nam", "Duy Xuyên"),         # pre-2025 district: province converted, commune flagged
    (5, "Hà Tây", "Xuân Mai"),             # a province of no table: flagged
    (6, "Quảng Ninh", "Bản Chuồng"),       # a village, no commune: flagged, province matched
    (7, None, None),                       # nothing written: nothing to settle
    (8, "Thái Nguyên", "Tân Cương"),       # matched
]


def _populate_at_0009(engine) -> None:
    migrations.upgrade(engine, "0009")
    with engine.begin() as connection:
        for org_id, province, commune in ORGANIZATIONS:
            connection.execute(text(
                "INSERT INTO organizations (id, name, kind, province, commune, created_at) VALUES "
                "(:id, :name, 'cooperative', :province, :commune, :now)"),
                {"id": org_id, "name": f"HTX {org_id}", "province": province, "commune": commune,
                 "now": NOW})
        connection.execute(text(
            "INSERT INTO raw_material_areas (id, organization_id, name, code_status, "
            "code_status_source, material, province, commune, created_at) VALUES (1, 3, 'Vườn sâm', "
            "'active', 'producer', 'Sâm', 'Quảng Nam', 'Trà Linh', :now), (2, 1, 'Nương dong', "
            "'active', 'producer', 'Dong riềng', 'Quảng Ninh', 'Xã Không Có', :now)"), {"now": NOW})
        connection.execute(text(
            "INSERT INTO facilities (id, organization_id, name, address, province, created_at) VALUES "
            "(1, 4, 'Lò bánh', 'Thôn Thi Thại', 'Quảng Nam', :now), "
            "(2, 1, 'Xưởng', 'Thôn 1', 'Quảng Ninh', :now), "
            "(3, 5, 'Xưởng Hà Tây', 'Xuân Mai', 'Hà Tây', :now)"), {"now": NOW})


def _rows(engine, table: str, columns: str) -> dict[int, tuple]:
    with engine.connect() as connection:
        return {row[0]: tuple(row[1:]) for row in connection.execute(
            text(f"SELECT id, {columns} FROM {table} ORDER BY id"))}


@pytest.fixture
def migrated(tmp_path, worker_id):
    engine = _empty_engine(tmp_path, worker_id)
    _populate_at_0009(engine)
    migrations.upgrade(engine, "0010")
    yield engine
    engine.dispose()


def test_free_text_that_names_one_unit_gets_its_codes_and_official_names(migrated):
    organizations = _rows(migrated, "organizations", "province, province_code, commune, commune_code")
    assert organizations[1] == ("Quảng Ninh", "22", "Xã Bình Liêu", "06838")
    assert organizations[2] == ("Quảng Ninh", "22", "Đặc khu Vân Đồn", "06994")
    assert organizations[8] == ("Thái Nguyên", "19", "Xã Tân Cương", "05503")
    assert organizations[7] == (None, None, None, None)


def test_text_no_unit_answers_is_kept_without_a_code(migrated):
    organizations = _rows(migrated, "organizations", "province, province_code, commune, commune_code")
    assert organizations[5] == ("Hà Tây", None, "Xuân Mai", None)
    assert organizations[6] == ("Quảng Ninh", "22", "Bản Chuồng", None)
    areas = _rows(migrated, "raw_material_areas", "province_code, commune, commune_code")
    assert areas[2] == ("22", "Xã Không Có", None)
    facilities = _rows(migrated, "facilities", "province, province_code")
    assert facilities[2] == ("Quảng Ninh", "22")
    assert facilities[3] == ("Hà Tây", None)
    with Session(migrated) as session:
        unconverted = int(not converter_available())  # Quảng Nam's records, without the tables
        assert places.count_unsettled(session) == {"organization": 3 + unconverted,
                                                   "area": 1 + unconverted,
                                                   "facility": 1 + unconverted}


def test_a_pre_2025_address_is_converted_only_where_the_tables_know_the_answer(migrated):
    assert converter_available(), "install vietnamadminunits: its tables convert pre-2025 places"
    organizations = _rows(migrated, "organizations", "province, province_code, commune, commune_code")
    # Quảng Nam is now part of Đà Nẵng; xã Trà Linh went whole into today's Xã Trà Linh.
    assert organizations[3] == ("Thành phố Đà Nẵng", "48", "Xã Trà Linh", "20950")
    # Duy Xuyên was a district; today's Xã Duy Xuyên covers a part of it only: never guessed.
    assert organizations[4] == ("Thành phố Đà Nẵng", "48", "Duy Xuyên", None)
    assert _rows(migrated, "raw_material_areas", "province_code, commune_code")[1] == ("48", "20950")
    assert _rows(migrated, "facilities", "province, province_code")[1] == ("Thành phố Đà Nẵng", "48")


def test_db_upgrade_says_how_many_places_are_left(runner, app, tmp_path, worker_id):
    from tracelabel.db import make_session_factory
    from tracelabel.extensions import EXTENSION_KEY

    engine = _empty_engine(tmp_path, worker_id)
    _populate_at_0009(engine)
    original = app.extensions[EXTENSION_KEY]
    app.extensions[EXTENSION_KEY] = (engine, make_session_factory(engine))
    try:
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        expected = 5 if converter_available() else 8
        assert f"{expected} places written as text await their official units" in result.output
        listed = runner.invoke(args=["places", "list"])
        assert "organization\t5\tHTX 5\tHTX 5\tXuân Mai\tHà Tây" in listed.output
        settled = runner.invoke(args=["places", "set", "organization", "5", "--province", "Hà Nội",
                                      "--commune", "Xuân Mai"])
        assert settled.exit_code == 0, settled.output
        assert "Xã Xuân Mai, Thành phố Hà Nội" in settled.output
        refused = runner.invoke(args=["places", "set", "area", "2", "--province", "Quảng Ninh",
                                      "--commune", "Trà Linh"])
        assert refused.exit_code == 1 and "commune: Xã Trà Linh is not a commune" in refused.output
    finally:
        app.extensions[EXTENSION_KEY] = original
        engine.dispose()


def test_admin_page_lists_places_to_settle_and_sets_their_codes(app, make, session):
    owner = make.producer(make.organization("HTX Sâm Ngọc Linh"))
    area = make.area(owner)
    facility = make.facility(owner)
    area.province, area.province_code, area.commune, area.commune_code = "Quảng Nam", "48", "Duy Xuyên", None
    facility.province, facility.province_code = "Hà Tây", None
    session.commit()
    admin = signed_in(app, make.account("admin").user.email)
    listing = admin.get("/admin/places").get_data(as_text=True)
    assert "Duy Xuyên, Quảng Nam" in listing and "Hà Tây" in listing and "HTX Sâm Ngọc Linh" in listing
    url = f"/admin/places/area/{area.id}"
    assert admin.get(url).status_code == 200
    refused = admin.submit(url, {"province": "22", "commune": "20623"})
    assert refused.status_code == 422
    assert "commune" in field_errors(refused.get_data(as_text=True))
    saved = admin.submit(url, {"province": "48", "commune": "20623"})
    assert saved.status_code == 302
    session.expire_all()
    settled = session.get(RawMaterialArea, area.id)
    assert (settled.commune, settled.commune_code) == ("Xã Duy Xuyên", "20623")
    assert session.scalars(select(AuditEntry.after).where(
        AuditEntry.action == "area.update", AuditEntry.entity_type == "area",
        AuditEntry.entity_id == str(area.id))).one()["commune_code"] == "20623"
    assert "Duy Xuyên, Quảng Nam" not in admin.get("/admin/places").get_data(as_text=True)
    assert session.get(Facility, facility.id).province_code is None


def test_only_administrators_see_the_places_page(app, make):
    owner = make.producer()
    producer = signed_in(app, owner.user.email)
    assert producer.get("/admin/places").status_code == 403
    assert producer.get(f"/admin/places/organization/{owner.user.organization_id}").status_code == 403
    assert app.test_client().get("/admin/places").status_code == 302


def test_unknown_record_is_not_found(app, make):
    admin = signed_in(app, make.account("admin").user.email)
    assert admin.get("/admin/places/area/999").status_code == 404
    assert admin.get("/admin/places/batch/1").status_code == 404


def test_organization_page_links_the_places_page(app, make, session):
    admin = signed_in(app, make.account("admin").user.email)
    assert "/admin/places" in admin.get("/admin").get_data(as_text=True)
    assert session.scalar(select(Organization.id)) is None
