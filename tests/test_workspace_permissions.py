"""The permission grid: anonymous, other organizations, inspectors and admins on producer pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.workspace_client import Pages, csrf_token, signed_in
from tracelabel.models import AuditEntry, Batch

READ_PAGES = ("/workspace", "/workspace/products", "/workspace/areas", "/workspace/facilities",
              "/workspace/certificates", "/workspace/batches", "/workspace/batches/new",
              "/workspace/import", "/workspace/products/new")


@pytest.fixture
def world(make):
    """Two producers, each with a published and a draft batch."""
    mine, theirs = make.producer(), make.producer()
    records = {}
    for name, owner in (("mine", mine), ("theirs", theirs)):
        product = make.product(owner, name=f"Sản phẩm {name}")
        area = make.area(owner, name=f"Vùng {name}")
        records[name] = {
            "product": product, "area": area, "facility": make.facility(owner, name=f"Xưởng {name}"),
            "certificate": make.certificate(owner, product, number=f"OCOP-{name}"),
            "published": make.batch(owner, product, area=area, publish=True, lot=f"PUB-{name}"),
            "draft": make.batch(owner, product, area=area, lot=f"DRAFT-{name}"),
        }
    return {"accounts": {"mine": mine, "theirs": theirs}, **records}


def record_urls(records: dict) -> list[str]:
    """Every page about one organization's records, by id."""
    published, draft = records["published"], records["draft"]
    return [
        f"/workspace/products/{records['product'].id}/edit",
        f"/workspace/areas/{records['area'].id}/edit",
        f"/workspace/facilities/{records['facility'].id}/edit",
        f"/workspace/certificates/{records['certificate'].id}/edit",
        f"/workspace/batches/{published.id}", f"/workspace/batches/{draft.id}/details",
        f"/workspace/batches/{draft.id}/origin", f"/workspace/batches/{draft.id}/events",
        f"/workspace/batches/{draft.id}/certificates", f"/workspace/batches/new?copy={draft.id}",
        f"/workspace/batches/{published.id}/labels?format=pdf",
    ]


def changing_posts(records: dict) -> list[str]:
    published, draft = records["published"], records["draft"]
    return [f"/workspace/batches/{draft.id}/publish", f"/workspace/batches/{published.id}/units",
            f"/workspace/batches/{draft.id}/events/{draft.events[0].id}/delete",
            f"/workspace/products/{records['product'].id}/edit", f"/workspace/batches/{draft.id}/details"]


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.mark.parametrize("url", READ_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_posts_are_refused_without_effect(client, world, session):
    before = audit_count(session)
    for url in changing_posts(world["mine"]):
        assert client.post(url, data={"count": "5"}).status_code in (302, 400)
    assert audit_count(session) == before


def test_a_producer_never_sees_another_organizations_records_in_lists(app, world):
    pages = signed_in(app, world["accounts"]["mine"].user.email)
    for url in READ_PAGES:
        body = pages.get(url).get_data(as_text=True)
        assert "theirs" not in body, url
    batches = pages.get("/workspace/batches").get_data(as_text=True)
    assert "PUB-mine" in batches and "DRAFT-mine" in batches


def test_guessed_ids_of_another_organization_answer_404(app, world):
    pages = signed_in(app, world["accounts"]["mine"].user.email)
    for url in record_urls(world["mine"]):
        assert pages.get(url).status_code == 200, url
    for url in record_urls(world["theirs"]):
        assert pages.get(url).status_code == 404, url


def test_guessed_ids_cannot_change_another_organizations_records(app, world, session):
    pages = signed_in(app, world["accounts"]["mine"].user.email)
    token = csrf_token(pages.get("/workspace").get_data(as_text=True))
    before = audit_count(session)
    for url in changing_posts(world["theirs"]):
        response = pages.client.post(url, data={"csrf_token": token, "count": "5", "name": "x",
                                                "ocop_group": "food", "lot": "HACK",
                                                "production_date": "2026-01-01"})
        assert response.status_code == 404, url
    assert audit_count(session) == before
    session.expire_all()
    assert session.get(Batch, world["theirs"]["draft"].id).status == "draft"


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_inspectors_and_admins_cannot_use_producer_pages(app, make, world, session, role):
    account = make.account(role)
    pages = signed_in(app, account.user.email)
    for url in (*READ_PAGES, *record_urls(world["mine"])):
        assert pages.get(url).status_code == 403, url
    token = csrf_token(pages.get("/account").get_data(as_text=True))
    before = audit_count(session)
    for url in changing_posts(world["mine"]):
        assert pages.client.post(url, data={"csrf_token": token, "count": "5"}).status_code == 403
    assert audit_count(session) == before


@pytest.mark.parametrize("role", ["producer", "inspector"])
def test_only_admins_open_admin_pages(app, make, role):
    account = make.producer() if role == "producer" else make.account(role)
    pages = signed_in(app, account.user.email)
    for url in ("/admin", "/admin/users", "/admin/organizations/new", "/admin/users/new"):
        assert pages.get(url).status_code == 403


def test_anonymous_visitors_of_admin_pages_are_sent_to_login(client):
    assert client.get("/admin").headers["Location"].startswith("/login?next=")


def test_account_pages_need_a_session(client):
    for url in ("/account", "/account/password", "/account/tokens"):
        assert Pages(client).get(url).headers["Location"].startswith("/login?next=")
