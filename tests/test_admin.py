"""Administration pages: organizations and accounts, created through forms by admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.workspace_client import Pages, count_queries, field_errors, signed_in
from tracelabel.models import Organization, User


@pytest.fixture
def pages(app, make):
    return signed_in(app, make.account("admin").user.email)


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_admin_creates_an_organization_and_a_producer_who_can_sign_in(app, pages, session):
    created = pages.submit("/admin/organizations/new", {
        "name": "HTX Miến dong Bình Liêu", "kind": "cooperative", "tax_code": "5701234567",
        "province": "Quảng Ninh", "commune": "", "address": "", "phone": "", "email": "",
        "gs1_company_prefix": ""})
    assert created.status_code == 302, created.get_data(as_text=True)
    organization = session.scalar(select(Organization).where(Organization.tax_code == "5701234567"))
    listing = pages.get("/admin").get_data(as_text=True)
    assert "HTX Miến dong Bình Liêu" in listing
    account = pages.submit("/admin/users/new", {
        "email": "Chi.Lan@HTX.vn", "display_name": "Chị Lan", "role": "producer",
        "organization_id": str(organization.id), "password": "mien-dong-ngon-2026"})
    assert account.status_code == 302, account.get_data(as_text=True)
    assert "chi.lan@htx.vn" in pages.get("/admin/users").get_data(as_text=True)
    fresh = Pages(app.test_client())
    assert fresh.login("chi.lan@htx.vn", "mien-dong-ngon-2026").headers["Location"] == "/workspace"


def test_inspector_accounts_have_no_organization(pages, session, make):
    organization = make.organization()
    refused = pages.submit("/admin/users/new", {
        "email": "thanh.tra@sonnptnt.gov.vn", "role": "inspector",
        "organization_id": str(organization.id), "password": "kiem-tra-2026-xyz"})
    assert refused.status_code == 422
    assert "organization_id" in field_errors(refused.get_data(as_text=True))
    created = pages.submit("/admin/users/new", {
        "email": "thanh.tra@sonnptnt.gov.vn", "role": "inspector", "organization_id": "",
        "password": "kiem-tra-2026-xyz"})
    assert created.status_code == 302
    user = session.scalar(select(User).where(User.email == "thanh.tra@sonnptnt.gov.vn"))
    assert (user.role, user.organization_id) == ("inspector", None)


@pytest.mark.parametrize(("data", "field"), [
    ({"email": "not-an-email"}, "email"),
    ({"password": "short"}, "password"),
    ({"organization_id": ""}, "organization_id"),
    ({"role": "admin"}, "role"),
    ({"organization_id": "999999"}, "organization_id"),
])
def test_bad_account_input_is_shown_next_to_the_field(pages, session, make, data, field):
    organization = make.organization()
    before = count(session, User)
    base = {"email": "new@htx.vn", "role": "producer", "organization_id": str(organization.id),
            "password": "a-good-long-password"}
    response = pages.submit("/admin/users/new", {**base, **data})
    assert response.status_code == 422
    assert field in field_errors(response.get_data(as_text=True))
    assert count(session, User) == before


def test_duplicate_email_is_refused(pages, session, make):
    owner = make.producer()
    response = pages.submit("/admin/users/new", {
        "email": owner.user.email, "role": "producer",
        "organization_id": str(owner.user.organization_id), "password": "a-good-long-password"})
    assert "An account with this email already exists." in field_errors(
        response.get_data(as_text=True))["email"]


@pytest.mark.parametrize(("data", "field"), [
    ({"name": ""}, "name"), ({"kind": "empire"}, "kind"), ({"phone": "0" * 41}, "phone"),
    ({"email": "x"}, "email"),
])
def test_bad_organization_input(pages, session, data, field):
    before = count(session, Organization)
    response = pages.submit("/admin/organizations/new", {"name": "HTX", "kind": "cooperative", **data})
    assert response.status_code == 422
    assert field in field_errors(response.get_data(as_text=True))
    assert count(session, Organization) == before


def test_duplicate_tax_code_is_refused(pages, session, make):
    existing = make.organization()
    response = pages.submit("/admin/organizations/new", {"name": "HTX khác", "kind": "cooperative",
                                                         "tax_code": existing.tax_code})
    assert "tax_code" in field_errors(response.get_data(as_text=True))


def test_admin_lists_cost_the_same_for_many_accounts(app, pages, make):
    with count_queries(app) as few:
        pages.get("/admin"), pages.get("/admin/users")
    for _ in range(5):
        make.producer()
    with count_queries(app) as many:
        pages.get("/admin"), pages.get("/admin/users")
    assert len(many) == len(few)
