"""Accounts can be switched off: deactivation and activation, password resets, any token listed
and revoked by an administrator, and tokens that expire. A refused session or token is refused
on the very next request."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.workspace_client import Pages, field_errors, signed_in
from tracelabel.models import ApiToken, AuditEntry, User
from tracelabel.services import accounts
from tracelabel.services.actors import SYSTEM


@pytest.fixture
def admin(make):
    return make.account("admin")


@pytest.fixture
def owner(make):
    return make.producer()


def api_ok(client, account_or_token) -> int:
    token = getattr(account_or_token, "token", account_or_token)
    return client.get("/api/v1/products?lang=en",
                      headers={"Authorization": f"Bearer {token}"}).status_code


def actions(session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- deactivate and activate -----------------------------------------------------------------

def test_api_deactivation_refuses_session_and_token_at_once(app, client, session, admin, owner):
    browser = signed_in(app, owner.user.email)
    assert browser.get("/workspace").status_code == 200
    assert api_ok(client, owner) == 200
    response = client.post(f"/api/v1/users/{owner.user.id}/deactivate", headers=admin.headers)
    assert response.status_code == 200 and response.get_json()["is_active"] is False
    after = browser.get("/workspace")
    assert after.status_code == 302 and "/login" in after.headers["Location"]
    refused = client.get("/api/v1/products?lang=en", headers=owner.headers)
    assert refused.status_code == 401 and "deactivated" in refused.get_json()["title"]
    assert Pages(app.test_client()).login(owner.user.email).status_code == 422
    [entry] = actions(session, "user.deactivate")
    assert (entry.actor_user_id, entry.entity_id, entry.after["is_active"]) == (
        admin.user.id, str(owner.user.id), False)

    again = client.post(f"/api/v1/users/{owner.user.id}/activate", headers=admin.headers)
    assert again.status_code == 200 and again.get_json()["is_active"] is True
    assert api_ok(client, owner) == 200  # unrevoked tokens work again
    assert browser.get("/workspace").status_code == 302  # the old session stays ended
    assert Pages(app.test_client()).login(owner.user.email).status_code == 302
    assert len(actions(session, "user.activate")) == 1
    twice = client.post(f"/api/v1/users/{owner.user.id}/activate", headers=admin.headers)
    assert twice.status_code == 409


def test_cli_deactivate_and_activate(app, runner, client, session, owner):
    browser = signed_in(app, owner.user.email)
    result = runner.invoke(args=["users", "deactivate", owner.user.email.upper()])
    assert result.exit_code == 0, result.output
    assert browser.get("/workspace").status_code == 302
    assert api_ok(client, owner) == 401
    assert runner.invoke(args=["users", "deactivate", owner.user.email]).exit_code != 0
    result = runner.invoke(args=["users", "activate", owner.user.email])
    assert result.exit_code == 0, result.output
    assert api_ok(client, owner) == 200
    assert [e.actor_label for e in actions(session, "user.deactivate")] == [
        "system (command line)"]
    assert runner.invoke(args=["users", "activate", "nobody@htx.vn"]).exit_code != 0


def test_admin_pages_deactivate_and_activate(app, session, admin, owner):
    pages = signed_in(app, admin.user.email)
    browser = signed_in(app, owner.user.email)
    listing = pages.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{owner.user.id}/deactivate" in listing
    assert f"/admin/users/{admin.user.id}/deactivate" not in listing
    done = pages.submit("/admin/users", {}, action=f"/admin/users/{owner.user.id}/deactivate")
    assert done.status_code == 302
    assert browser.get("/workspace").status_code == 302
    assert f"/admin/users/{owner.user.id}/activate" in pages.get("/admin/users").get_data(
        as_text=True)
    pages.submit("/admin/users", {}, action=f"/admin/users/{owner.user.id}/activate")
    session.expire_all()
    assert session.get(User, owner.user.id).is_active


def test_an_admin_cannot_deactivate_their_own_account(app, client, session, admin):
    response = client.post(f"/api/v1/users/{admin.user.id}/deactivate?lang=en",
                           headers=admin.headers)
    assert response.status_code == 409 and "your own account" in response.get_json()["title"]
    pages = signed_in(app, admin.user.email)
    page = pages.submit("/admin/users", {}, action=f"/admin/users/{admin.user.id}/deactivate")
    assert page.status_code == 409
    session.expire_all()
    assert session.get(User, admin.user.id).is_active
    assert actions(session, "user.deactivate") == []


# --- password resets -------------------------------------------------------------------------

def test_admin_page_reset_shows_a_one_time_password_and_ends_sessions(app, session, admin, owner):
    browser = signed_in(app, owner.user.email)
    pages = signed_in(app, admin.user.email)
    shown = pages.submit(f"/admin/users/{owner.user.id}/password", {"new_password": "",
                                                                    "confirm": ""})
    assert shown.status_code == 200
    plain = shown.get_data(as_text=True).split('id="one-time-password">')[1].split("<")[0]
    assert len(plain) == 19
    assert browser.get("/workspace").status_code == 302  # the old session ended
    assert Pages(app.test_client()).login(owner.user.email, PASSWORD).status_code == 422
    fresh = Pages(app.test_client())
    fresh.client.set_cookie("lang", "en")
    assert fresh.login(owner.user.email, plain).status_code == 302
    first = fresh.get("/workspace")
    assert first.status_code == 302 and first.headers["Location"].endswith("/account/password")
    changed = fresh.submit("/account/password", {"current_password": plain,
                                                 "new_password": "của-riêng-tôi-2026",
                                                 "confirm": "của-riêng-tôi-2026"})
    assert changed.status_code == 302
    assert fresh.get("/workspace").status_code == 200
    assert plain not in pages.get("/admin/users").get_data(as_text=True)
    [entry] = actions(session, "user.reset_password")
    assert entry.after == {"password_reset": True, "generated": True, "must_change_password": True}
    assert plain not in json.dumps([entry.before, entry.after])


def test_admin_page_reset_to_a_chosen_password(app, session, admin, owner):
    pages = signed_in(app, admin.user.email)
    short = pages.submit(f"/admin/users/{owner.user.id}/password",
                         {"new_password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "new_password" in field_errors(short.get_data(as_text=True))
    done = pages.submit(f"/admin/users/{owner.user.id}/password",
                        {"new_password": "mat-khau-moi-2026", "confirm": "mat-khau-moi-2026"})
    assert done.status_code == 302
    assert Pages(app.test_client()).login(owner.user.email, "mat-khau-moi-2026").status_code == 302


def test_cli_reset_password_ends_old_sessions(app, runner, owner):
    browser = signed_in(app, owner.user.email)
    result = runner.invoke(args=["users", "reset-password", owner.user.email, "--password-stdin"],
                           input="mat-khau-tu-dong-lenh\n")
    assert result.exit_code == 0, result.output
    assert "mat-khau-tu-dong-lenh" not in result.output
    assert browser.get("/workspace").status_code == 302
    assert Pages(app.test_client()).login(owner.user.email,
                                          "mat-khau-tu-dong-lenh").status_code == 302
    generated = runner.invoke(args=["users", "reset-password", owner.user.email])
    assert generated.exit_code == 0, generated.output
    plain = generated.output.rsplit(": ", 1)[1].strip()
    assert Pages(app.test_client()).login(owner.user.email, plain).status_code == 302


def test_api_reset_password(client, admin, owner):
    chosen = client.post(f"/api/v1/users/{owner.user.id}/reset-password",
                         json={"password": "mat-khau-qua-api-1"}, headers=admin.headers)
    assert chosen.status_code == 200 and chosen.get_json()["password"] is None
    assert chosen.get_json()["user"]["must_change_password"] is True
    generated = client.post(f"/api/v1/users/{owner.user.id}/reset-password", json={},
                            headers=admin.headers)
    assert generated.status_code == 200 and len(generated.get_json()["password"]) == 19
    assert api_ok(client, owner) == 200  # tokens are not passwords: they keep working
    own = client.post(f"/api/v1/users/{admin.user.id}/reset-password", json={},
                      headers=admin.headers)
    assert own.status_code == 409


# --- every token, listed and revoked by administrators ----------------------------------------

def test_admin_lists_and_revokes_another_users_token(client, session, make, admin, owner):
    other = make.producer()
    listed = client.get(f"/api/v1/tokens?email={owner.user.email}", headers=admin.headers)
    assert listed.status_code == 200
    [item] = listed.get_json()["items"]
    assert item["email"] == owner.user.email and item["status"] == "active"
    assert owner.token.startswith(item["token_prefix"])
    assert {"name", "created_at", "last_used_at", "expires_at", "revoked_at"} <= set(item)
    everyone = client.get("/api/v1/tokens?per_page=200", headers=admin.headers).get_json()
    assert {other.user.email, owner.user.email} <= {i["email"] for i in everyone["items"]}
    revoked = client.post(f"/api/v1/tokens/{item['id']}/revoke", headers=admin.headers)
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    refused = client.get("/api/v1/products?lang=en", headers=owner.headers)
    assert refused.status_code == 401 and "revoked" in refused.get_json()["title"]
    assert api_ok(client, other) == 200
    assert client.post(f"/api/v1/tokens/{item['id']}/revoke",
                       headers=admin.headers).status_code == 409
    [entry] = actions(session, "token.revoke")
    assert entry.actor_user_id == admin.user.id


def test_admin_tokens_page_lists_and_revokes(app, client, session, admin, owner):
    pages = signed_in(app, admin.user.email)
    listing = pages.get(f"/admin/tokens?email={owner.user.email}").get_data(as_text=True)
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == owner.user.id))
    assert owner.user.email in listing and token.token_prefix in listing
    done = pages.submit("/admin/tokens", {"email": owner.user.email},
                        action=f"/admin/tokens/{token.id}/revoke")
    assert done.status_code == 302 and "email=" in done.headers["Location"]
    assert api_ok(client, owner) == 401


def test_cli_tokens_list_and_revoke(runner, client, owner):
    listed = runner.invoke(args=["tokens", "list", "--email", owner.user.email])
    assert listed.exit_code == 0, listed.output
    header, row = listed.output.splitlines()
    assert header.split("\t") == ["id", "owner", "name", "prefix", "created", "last_used",
                                  "expires", "status"]
    fields = row.split("\t")
    assert fields[1] == owner.user.email and fields[-1] == "active"
    revoked = runner.invoke(args=["tokens", "revoke", fields[0]])
    assert revoked.exit_code == 0, revoked.output
    assert api_ok(client, owner) == 401
    assert runner.invoke(args=["tokens", "revoke", fields[0]]).exit_code != 0
    assert runner.invoke(args=["tokens", "list", "--email", "nobody@htx.vn"]).exit_code != 0


# --- tokens that expire ----------------------------------------------------------------------

def test_cli_token_expiry(runner, client, session, owner):
    tomorrow = (dt.datetime.now(accounts.VIETNAM).date() + dt.timedelta(days=1)).isoformat()
    plain = runner.invoke(args=["tokens", "create", owner.user.email, "--expires", tomorrow])
    assert plain.exit_code == 0, plain.output
    assert api_ok(client, plain.output.strip()) == 200
    token = session.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    assert token.expires_at.astimezone(accounts.VIETNAM).isoformat().startswith(
        (dt.date.fromisoformat(tomorrow) + dt.timedelta(days=1)).isoformat() + "T00:00:00")
    past = runner.invoke(args=["tokens", "create", owner.user.email, "--expires", "2020-01-01"])
    assert past.exit_code != 0 and "expires" in past.output
    in_days = runner.invoke(args=["tokens", "create", owner.user.email, "--expires-in-days", "30"])
    assert in_days.exit_code == 0, in_days.output


def test_an_expired_token_is_refused_saying_it_expired(client, session, owner):
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == owner.user.id))
    token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    session.commit()
    refused = client.get("/api/v1/products?lang=en", headers=owner.headers)
    assert refused.status_code == 401 and "expired" in refused.get_json()["title"]
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    vietnamese = client.get("/api/v1/products", headers=owner.headers)
    assert "hết hạn" in vietnamese.get_json()["title"]
    assert accounts.authenticate_token(session, owner.token) is None
    made_up = client.get("/api/v1/products?lang=en", headers={"Authorization": "Bearer tlk_x"})
    assert "Send a valid API token" in made_up.get_json()["title"]


def test_token_page_takes_an_expiry_date(app, client, session, owner):
    pages = signed_in(app, owner.user.email)
    last_day = dt.date.today() + dt.timedelta(days=90)
    created = pages.submit("/account/tokens", {"name": "Kho", "expires": last_day.isoformat()})
    assert created.status_code == 200
    plain = created.get_data(as_text=True).split('id="new-token">')[1].split("<")[0]
    assert api_ok(client, plain) == 200
    token = session.scalar(select(ApiToken).where(ApiToken.name == "Kho"))
    assert token.expires_at == accounts.token_expiry(last_day)
    past = pages.submit("/account/tokens", {"name": "Cũ", "expires": "2020-01-01"})
    assert past.status_code == 422 and "expires" in field_errors(past.get_data(as_text=True))


def test_no_token_for_a_deactivated_account(session, owner):
    accounts.set_active(session, SYSTEM, owner.user.id, False)
    with pytest.raises(accounts.Conflict):
        accounts.create_token(session, SYSTEM, owner.user, "x")


# --- only administrators ---------------------------------------------------------------------

@pytest.mark.parametrize("role", ["producer", "inspector"])
def test_others_are_refused_the_admin_routes(app, client, make, role, owner):
    account = owner if role == "producer" else make.account(role)
    calls = [("get", "/api/v1/users"), ("get", "/api/v1/tokens"),
             ("post", f"/api/v1/users/{owner.user.id}/deactivate"),
             ("post", f"/api/v1/users/{owner.user.id}/reset-password"),
             ("post", f"/api/v1/tokens/{owner.user.tokens[0].id}/revoke")]
    for method, url in calls:
        response = getattr(client, method)(url, headers=account.headers, json={})
        assert response.status_code == 403, (method, url, response.status_code)
    pages = signed_in(app, account.user.email)
    for url in ("/admin/users", "/admin/tokens", f"/admin/users/{owner.user.id}/password"):
        assert pages.get(url).status_code == 403
    assert api_ok(client, owner) == 200
