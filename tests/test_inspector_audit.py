"""The audit trail page (inspectors and admins) and the inspector pages' permission grid."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from tests.factories import VN
from tests.inspector_world import audit_count, build_world
from tests.workspace_client import Pages, count_queries, csrf_token, field_errors, signed_in
from tracelabel.models import AuditEntry, Batch, Certificate
from tracelabel.web.inspector import audit as audit_views


@pytest.fixture
def world(make, session):
    return build_world(make, session)


@pytest.fixture
def pages(app, world):
    return signed_in(app, world["inspector"].user.email)


def seqs(pages, **query) -> list[int]:
    response = pages.get("/inspector/audit", query_string=query)
    assert response.status_code == 200, field_errors(response.get_data(as_text=True))
    body = response.get_data(as_text=True)
    return [int(part.split("<")[0]) for part in body.split('<td data-label="#">')[1:]]


def test_audit_filters(pages, world, session):
    tea = world["tea"]
    url = f"/inspector/batches/{tea.id}"
    pages.submit(url, {"suspend-reason": "Chờ kiểm nghiệm"}, action=f"{url}/suspend")
    everything = seqs(pages)
    assert everything == sorted(everything, reverse=True) and len(everything) == audit_count(session)
    inspector = world["inspector"].user
    suspended = session.scalar(select(AuditEntry.seq).where(AuditEntry.action == "batch.suspend"))
    assert seqs(pages, actor=inspector.email.upper()) == [suspended]
    assert seqs(pages, actor=str(inspector.id)) == [suspended]
    assert seqs(pages, action="batch.suspend") == [suspended]
    batch_seqs = seqs(pages, entity_type="batch", entity_id=str(tea.id))
    assert suspended in batch_seqs and len(batch_seqs) == 4  # create, publish, its record, suspend
    today = dt.datetime.now(VN).date()  # the page reads days in Vietnam time
    assert seqs(pages, since=str(today), until=str(today)) == everything
    assert seqs(pages, since=str(today + dt.timedelta(days=1))) == []
    assert seqs(pages, until=str(today - dt.timedelta(days=1))) == []
    assert "Chờ kiểm nghiệm" in pages.get("/inspector/audit?action=batch.suspend").get_data(as_text=True)


def test_audit_pages(pages, world, monkeypatch):
    monkeypatch.setattr(audit_views, "PER_PAGE", 2)
    body = pages.get("/inspector/audit?entity_type=batch").get_data(as_text=True)
    assert "Page 1 of" in body and "/inspector/audit?page=2&amp;entity_type=batch" in body
    assert len(seqs(pages, entity_type="batch", page="2")) == 2


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"actor": "nobody@example.vn"}, "actor", "No account has this id or email."),
    ({"actor": "99999999999"}, "actor", "No account has this id or email."),
    ({"since": "2026-05-10", "until": "2026-05-01"}, "until", "The end date comes before the start date."),
    ({"since": "hôm qua"}, "since", "Not a valid date value."),
])
def test_bad_audit_filters_are_shown_next_to_the_field(pages, world, query, field, message):
    response = pages.get("/inspector/audit", query_string=query)
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))[field] == [message]


def test_verify_the_chain_then_catch_a_tampered_entry(pages, world, session):
    total = audit_count(session)
    intact = pages.submit("/inspector/audit", {}, action="/inspector/audit/verify")
    assert intact.status_code == 200
    assert f"The chain is intact: {total} entries checked." in intact.get_data(as_text=True)
    target = session.scalars(select(AuditEntry).order_by(AuditEntry.seq).offset(3)).first()
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id)
                    .values(actor_label="someone else"))
    session.commit()
    broken = pages.submit("/inspector/audit", {}, action="/inspector/audit/verify")
    body = broken.get_data(as_text=True)
    assert f"The chain is broken at entry {target.seq}." in body
    assert f"entry {target.seq} was altered after it was written" in body


def test_the_search_page_runs_a_fixed_number_of_queries(app, pages, world, make):
    def queries() -> int:
        with count_queries(app) as statements:
            assert pages.get("/inspector/?sort=lot").status_code == 200
        return len(statements)
    few = queries()
    owner = make.producer()
    for _ in range(3):
        make.batch(owner, publish=True)
    assert queries() == few


def inspector_urls(world) -> tuple[list[str], list[str]]:
    """Every inspector page (GET) and action (POST) about the world's records."""
    tea, area, cert = world["tea"].id, world["tea_area"].id, world["certificate"].id
    reads = ["/inspector/", "/inspector/?lot=TEA-1", f"/inspector/batches/{tea}",
             f"/inspector/areas/{area}", "/inspector/alerts", "/inspector/exports",
             "/inspector/exports?format=csv", f"/inspector/batches/{tea}/export?format=epcis",
             f"/inspector/batches/{tea}/recall-downstream", f"/inspector/areas/{area}/recall"]
    posts = [f"/inspector/batches/{tea}/{move}" for move in ("suspend", "reinstate", "recall")] + [
        f"/inspector/batches/{tea}/certificates/{cert}/{verdict}" for verdict in ("verify", "reject")
    ] + [f"/inspector/batches/{tea}/recall-downstream", f"/inspector/areas/{area}/recall"]
    return reads, posts


def reasons(url: str) -> dict[str, str]:
    return {name: "Lý do" for name in ("reason", "suspend-reason", "reinstate-reason",
                                         "recall-reason", "cert1-reason")}


def nothing_changed(session, world, before: int) -> bool:
    session.expire_all()
    statuses = {session.get(Batch, world[k].id).status for k in ("tea", "blend")}
    verdict = session.get(Certificate, world["certificate"].id).verification_status
    return (audit_count(session), statuses, verdict) == (before, {"published"}, "unverified")


@pytest.mark.parametrize("role", ["producer", "admin"])
def test_producers_and_admins_are_refused_every_inspector_page_and_action(app, world, session,
                                                                          make, role):
    account = world["north"] if role == "producer" else make.account("admin")
    pages = signed_in(app, account.user.email)
    reads, posts = inspector_urls(world)
    before = audit_count(session)
    for url in reads:
        assert pages.get(url).status_code == 403, url
    home = "/workspace" if role == "producer" else "/admin"
    token = csrf_token(pages.get(home).get_data(as_text=True))
    for url in [*posts, "/inspector/audit/verify"] if role == "producer" else posts:
        response = pages.client.post(url, data={**reasons(url), "csrf_token": token})
        assert response.status_code == 403, url
    assert nothing_changed(session, world, before)
    audit_page = pages.get("/inspector/audit").status_code
    assert audit_page == (403 if role == "producer" else 200)
    if role == "admin":
        assert "/inspector/audit" in pages.get("/admin").get_data(as_text=True)
        verified = pages.client.post("/inspector/audit/verify", data={"csrf_token": token})
        assert verified.status_code == 200 and "The chain is intact" in verified.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_the_login_page(app, world, session):
    pages = Pages(app.test_client())
    reads, posts = inspector_urls(world)
    for url in [*reads, "/inspector/audit"]:
        response = pages.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), url
    token = csrf_token(pages.get("/login").get_data(as_text=True))
    before = audit_count(session)
    for url in [*posts, "/inspector/audit/verify"]:
        assert pages.client.post(url, data={**reasons(url), "csrf_token": token}).status_code == 302
        assert pages.client.post(url, data=reasons(url)).status_code in (302, 400)
    assert nothing_changed(session, world, before)
