"""GTINs belong to their owners: an organization registers only GTINs under its GS1 company
prefixes, on every path that sets one (API, workspace form), and prefixes are managed by
administrators (command line, admin pages, API) without orphaning a product's GTIN."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select, text

from tests.test_migrations import _empty_engine
from tests.workspace_client import field_errors, signed_in
from tracelabel import codes, migrations
from tracelabel.models import AuditEntry, Organization, Product
from tracelabel.models.accounts import OrganizationPrefix
from tracelabel.services import demo, organizations


def gtin(body: str) -> str:
    """A GTIN with its check digit."""
    return body + str(codes.gtin_check_digit(body))


OURS = gtin("893604512345")  # under 8936045
FOREIGN = gtin("893600512001")  # under 8936005, the tests' default organization's
RULE = "does not fall under a GS1 company prefix recorded for your organization"


def prefixes(session, organization_id) -> list[str]:
    session.expire_all()
    return organizations.prefixes_of(session, organization_id)


@pytest.mark.parametrize("prefix", ["8936045", "893604512", "893604512345", "0036000",
                                    "4006381", "000008936045"])
def test_prefixes_that_are_accepted(prefix):
    assert organizations.prefix_problem(prefix) is None


@pytest.mark.parametrize(("prefix", "why"), [
    ("89360A5", "digits only"), ("٨٩٣٦٠٤٥", "digits only"), ("89360", "6 to 12 digits"),
    ("8936045123456", "6 to 12 digits"), ("893604", "at least 7 digits"),
    ("2001234", "in-store"), ("0212345", "in-store"), ("9781234", "publication"),
    ("0000893604", "GTIN-8"),
])
def test_prefixes_that_are_refused(prefix, why):
    problem = organizations.prefix_problem(prefix)
    assert problem is not None and why in problem[0]


def test_the_rule_on_every_gtin_length():
    gtin14 = codes.normalize_gtin
    assert organizations.gtin_falls_under(gtin14(OURS), "8936045")  # GTIN-13
    indicator = gtin("1" + OURS[:-1])  # GTIN-14 of a case: indicator 1, same company prefix
    assert organizations.gtin_falls_under(gtin14(indicator), "8936045")
    assert organizations.gtin_falls_under(gtin14(gtin("03600029145")), "0036000")  # GTIN-12
    gtin8 = gtin("8936045")
    assert not organizations.gtin_falls_under(gtin14(gtin8), "8936045")  # not a company range
    assert organizations.gtin_falls_under(gtin14(gtin8), "000008936045")


# --- every path that sets a GTIN --------------------------------------------------------------

@pytest.fixture
def owner(make):
    return make.producer(make.organization(gs1_prefixes=["8936045", "000008936045"]))


def test_api_accepts_a_gtin_under_the_organizations_prefix(client, owner):
    for number in (OURS, gtin("1" + OURS[:-1]), gtin("8936045")):
        response = client.post("/api/v1/products", json={"name": f"Chè {number}",
                                                         "ocop_group": "beverage", "gtin": number},
                               headers=owner.headers)
        assert response.status_code == 201, response.get_json()


def test_api_refuses_a_foreign_gtin_naming_the_rule(client, session, make, owner):
    make.organization()  # the tests' default owner of 8936005
    before = session.scalar(select(func.count()).select_from(Product))
    response = client.post("/api/v1/products?lang=en", json={
        "name": "Nước mắm giả", "ocop_group": "food", "gtin": FOREIGN}, headers=owner.headers)
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["field"] == "gtin" and RULE in error["message"] and "8936045" in error["message"]
    vietnamese = client.post("/api/v1/products", json={
        "name": "Nước mắm giả", "ocop_group": "food", "gtin": FOREIGN}, headers=owner.headers)
    assert "tiền tố doanh nghiệp GS1" in vietnamese.get_json()["errors"][0]["message"]
    assert session.scalar(select(func.count()).select_from(Product)) == before


def test_api_patch_to_a_foreign_gtin_is_refused_but_other_edits_pass(client, session, make, owner):
    product = make.product(owner, gtin=OURS)
    refused = client.patch(f"/api/v1/products/{product.id}", json={"gtin": FOREIGN},
                           headers=owner.headers)
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "gtin"
    # A GTIN recorded before the rule existed is not checked again when other fields change.
    session.execute(text("UPDATE products SET gtin = :g WHERE id = :id"),
                    {"g": codes.normalize_gtin(FOREIGN), "id": product.id})
    session.commit()
    renamed = client.patch(f"/api/v1/products/{product.id}", json={"name": "Chè mới",
                                                                   "gtin": FOREIGN},
                           headers=owner.headers)
    assert renamed.status_code == 200, renamed.get_json()


def test_an_organization_without_prefixes_registers_no_gtin(client, make):
    owner = make.producer(make.organization(gs1_prefixes=[]))
    response = client.post("/api/v1/products?lang=en", json={
        "name": "Bánh", "ocop_group": "food", "gtin": OURS}, headers=owner.headers)
    assert response.status_code == 422
    assert "none is recorded yet" in response.get_json()["errors"][0]["message"]
    assert client.post("/api/v1/products", json={"name": "Bánh", "ocop_group": "food"},
                       headers=owner.headers).status_code == 201


def test_workspace_form_refuses_a_foreign_gtin(app, session, owner):
    pages = signed_in(app, owner.user.email)
    refused = pages.submit("/workspace/products/new", {
        "name": "Nước mắm giả", "ocop_group": "food", "gtin": FOREIGN})
    assert refused.status_code == 422
    assert RULE in field_errors(refused.get_data(as_text=True))["gtin"][0]
    accepted = pages.submit("/workspace/products/new", {
        "name": "Chè búp", "ocop_group": "beverage", "gtin": OURS})
    assert accepted.status_code == 302
    assert session.scalar(select(Product.gtin).where(Product.name == "Chè búp")) == "0" + OURS


# --- administrators record prefixes ----------------------------------------------------------

def test_cli_orgs_create_takes_repeated_prefixes(runner, session):
    result = runner.invoke(args=["orgs", "create", "Công ty Trà Thái", "--kind", "enterprise",
                                 "--gs1-prefix", "8936045", "--gs1-prefix", "893 6046 01"])
    assert result.exit_code == 0, result.output
    assert prefixes(session, int(result.output.strip())) == ["8936045", "893604601"]


@pytest.mark.parametrize(("prefix", "message"), [("893", "6 to 12 digits"),
                                                 ("8936005", "one organization only")])
def test_cli_refuses_a_bad_or_taken_prefix(runner, session, make, prefix, message):
    make.organization()  # holds 8936005
    before = session.scalar(select(func.count()).select_from(Organization))
    result = runner.invoke(args=["orgs", "create", "HTX", "--gs1-prefix", prefix])
    assert result.exit_code != 0 and message in result.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Organization)) == before


def test_cli_orgs_update_replaces_details_and_prefixes(runner, session, make):
    organization = make.organization(gs1_prefixes=["8936045"])
    result = runner.invoke(args=["orgs", "update", str(organization.id), "--address",
                                 "Xóm 3, xã Tân Cương", "--kind", "household", "--gs1-prefix",
                                 "8936046", "--gs1-prefix", "8936047"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    changed = session.get(Organization, organization.id)
    assert (changed.address, changed.kind) == ("Xóm 3, xã Tân Cương", "household")
    assert prefixes(session, organization.id) == ["8936046", "8936047"]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.update"))
    assert entry.before["gs1_prefixes"] == ["8936045"]
    assert entry.after["gs1_prefixes"] == ["8936046", "8936047"]
    cleared = runner.invoke(args=["orgs", "update", str(organization.id), "--clear-gs1-prefixes"])
    assert cleared.exit_code == 0, cleared.output
    assert prefixes(session, organization.id) == []


def test_removing_a_prefix_a_gtin_depends_on_is_refused_naming_the_product(runner, session, make,
                                                                          owner):
    make.product(owner, gtin=OURS, name="Chè Thái Nguyên")
    organization_id = owner.user.organization_id
    result = runner.invoke(args=["orgs", "update", str(organization_id), "--gs1-prefix", "8936046"])
    assert result.exit_code != 0
    assert "Chè Thái Nguyên" in result.output and "8936045" in result.output
    assert prefixes(session, organization_id) == ["000008936045", "8936045"]
    # Keeping a prefix that still covers the GTIN is fine.
    narrower = runner.invoke(args=["orgs", "update", str(organization_id), "--gs1-prefix",
                                   "893604512", "--gs1-prefix", "000008936045"])
    assert narrower.exit_code == 0, narrower.output


def test_cli_orgs_list(runner, make):
    organization = make.organization(gs1_prefixes=["8936045", "8936046"])
    make.producer(organization), make.producer(organization)
    result = runner.invoke(args=["orgs", "list"])
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split("\t") == ["id", "name", "kind", "province", "gs1_prefixes", "accounts"]
    row = next(r.split("\t") for r in rows if r.startswith(f"{organization.id}\t"))
    assert row[1:] == [organization.name, "cooperative", "Thái Nguyên", "8936045,8936046", "2"]


def test_api_organizations_for_admins(client, session, make, owner):
    admin = make.account("admin")
    product = make.product(owner, gtin=OURS, name="Chè Thái Nguyên")
    organization_id = owner.user.organization_id
    listed = client.get("/api/v1/organizations", headers=admin.headers)
    assert listed.status_code == 200
    item = next(i for i in listed.get_json()["items"] if i["id"] == organization_id)
    assert item["gs1_prefixes"] == ["000008936045", "8936045"] and item["accounts"] == 1
    changed = client.patch(f"/api/v1/organizations/{organization_id}", json={
        "address": "Xã Tân Cương", "kind": "enterprise",
        "gs1_prefixes": ["8936045", "8936048"]}, headers=admin.headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["gs1_prefixes"] == ["8936045", "8936048"]
    orphaning = client.patch(f"/api/v1/organizations/{organization_id}?lang=en",
                             json={"gs1_prefixes": []}, headers=admin.headers)
    assert orphaning.status_code == 409
    assert product.name in orphaning.get_json()["title"]
    other = make.organization()
    taken = client.patch(f"/api/v1/organizations/{other.id}", json={"gs1_prefixes": ["89360451"]},
                         headers=admin.headers)
    assert taken.status_code == 422 and taken.get_json()["errors"][0]["field"] == "gs1_prefixes"
    created = client.post("/api/v1/organizations", json={
        "name": "HTX Mới", "gs1_prefixes": ["8936049"]}, headers=admin.headers)
    assert created.status_code == 201 and created.get_json()["gs1_prefixes"] == ["8936049"]
    for account in (owner, make.account("inspector")):
        assert client.get("/api/v1/organizations", headers=account.headers).status_code == 403
        assert client.patch(f"/api/v1/organizations/{organization_id}", json={"address": "x"},
                            headers=account.headers).status_code == 403


def test_admin_page_edits_an_organization_and_its_prefixes(app, session, make, owner):
    pages = signed_in(app, make.account("admin").user.email)
    organization_id = owner.user.organization_id
    url = f"/admin/organizations/{organization_id}/edit"
    form = pages.get(url).get_data(as_text=True)
    assert "8936045" in form and "000008936045" in form
    base = {"name": "HTX Chè Tân Cương", "kind": "cooperative", "province": "Thái Nguyên",
            "commune": "Tân Cương", "address": "Xóm Hồng Thái", "phone": "0208 123 456",
            "email": "htx@example.vn"}
    saved = pages.submit(url, {**base, "gs1_prefixes": "8936045\r\n8936050"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert prefixes(session, organization_id) == ["8936045", "8936050"]
    saved_organization = session.get(Organization, organization_id)
    assert (saved_organization.commune, saved_organization.commune_code) == ("Xã Tân Cương", "05503")
    make.product(owner, gtin=OURS, name="Chè Thái Nguyên")
    refused = pages.submit(url, {**base, "gs1_prefixes": "8936050"})
    assert refused.status_code == 422
    assert "Chè Thái Nguyên" in field_errors(refused.get_data(as_text=True))["gs1_prefixes"][0]
    assert prefixes(session, organization_id) == ["8936045", "8936050"]
    bad = pages.submit(url, {**base, "gs1_prefixes": "893"})
    assert bad.status_code == 422 and "gs1_prefixes" in field_errors(bad.get_data(as_text=True))
    assert "8936050" in pages.get("/admin").get_data(as_text=True)


def test_demo_organizations_own_their_demo_gtins(app, session, tmp_path):
    demo.seed(session, str(tmp_path))
    session.commit()
    products = session.scalars(select(Product).where(Product.gtin.is_not(None))).all()
    assert len(products) == 2
    for product in products:
        owned = organizations.prefixes_of(session, product.organization_id)
        assert any(organizations.gtin_falls_under(product.gtin, p) for p in owned), product.name


# --- the migration ---------------------------------------------------------------------------

def test_migration_moves_the_old_column_into_the_prefix_table(tmp_path, worker_id):
    engine = _empty_engine(tmp_path, worker_id)
    try:
        migrations.upgrade(engine, "0005")
        with engine.begin() as connection:
            for number, value in ((1, " 893-6045 "), (2, "8936045"), (3, "GS1?"), (4, None)):
                connection.execute(text(
                    "INSERT INTO organizations (id, name, kind, gs1_company_prefix, created_at) "
                    "VALUES (:id, :name, 'cooperative', :prefix, CURRENT_TIMESTAMP)"),
                    {"id": number, "name": f"HTX {number}", "prefix": value})
            connection.execute(text(
                "INSERT INTO users (id, email, password_hash, role, organization_id, is_active, "
                "created_at) VALUES (1, 'a@htx.vn', 'x', 'producer', 1, :yes, CURRENT_TIMESTAMP)"),
                {"yes": True})
            connection.execute(text(
                "INSERT INTO api_tokens (id, user_id, name, token_hash, token_prefix, created_at) "
                "VALUES (1, 1, 'erp', :hash, 'tlk_abcdef', CURRENT_TIMESTAMP)"), {"hash": "0" * 64})
        migrations.upgrade(engine, "0006")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT organization_id, prefix FROM "
                                           "organization_gs1_prefixes")).all()
            assert [tuple(row) for row in rows] == [(1, "8936045")]
            assert connection.execute(text("SELECT session_version, must_change_password FROM "
                                           "users")).one() == (0, False)
            assert connection.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
        assert "gs1_company_prefix" not in {c["name"] for c in inspect(engine).get_columns(
            "organizations")}
        migrations.downgrade(engine, "0005")
        with engine.connect() as connection:
            assert connection.execute(text(
                "SELECT gs1_company_prefix FROM organizations WHERE id = 1")).scalar() == "8936045"
            assert connection.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
    finally:
        engine.dispose()


def test_prefix_model_is_unique_per_prefix(session, make):
    make.organization(gs1_prefixes=["8936045"])
    assert session.scalar(select(func.count()).select_from(OrganizationPrefix).where(
        OrganizationPrefix.prefix == "8936045")) == 1
    with pytest.raises(Exception):  # noqa: B017 - the database's own unique index
        session.add(OrganizationPrefix(organization_id=make.organization().id, prefix="8936045"))
        session.flush()
    session.rollback()

