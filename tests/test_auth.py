"""Sign-in sessions: login and logout, the throttle, cookies, CSRF, safe redirects, passwords."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.workspace_client import Pages, csrf_token, field_errors
from tracelabel.models import ApiToken, Product, User
from tracelabel.web.auth.session import AUTH_TIME_KEY, safe_next
from tracelabel.web.auth.setup import configure_sessions
from tracelabel.web.auth.throttle import FailureThrottle

GENERIC_FAILURE = "The email or password is not correct."


@pytest.fixture
def pages(client) -> Pages:
    return Pages(client)


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")
    return client


def test_producer_logs_in_lands_in_the_workspace_and_logs_out(pages, make):
    owner = make.producer()
    response = pages.login(owner.user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/workspace"
    assert pages.get("/workspace").status_code == 200
    logout = pages.submit("/workspace", {}, action="/logout")
    assert logout.status_code == 302
    assert pages.get("/workspace").status_code == 302


@pytest.mark.parametrize(("role", "home"), [("admin", "/admin"), ("inspector", "/inspector/")])
def test_other_roles_start_on_their_own_page(pages, make, role, home):
    account = make.account(role)
    assert pages.login(account.user.email).headers["Location"] == home


def test_wrong_password_and_unknown_email_read_the_same(pages, make, english):
    owner = make.producer()
    wrong_password = pages.login(owner.user.email, "not-the-password")
    unknown_email = pages.login("nobody@example.vn", "not-the-password")
    for response in (wrong_password, unknown_email):
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert GENERIC_FAILURE in body
        assert "email" not in field_errors(body) and "password" not in field_errors(body)
    assert pages.get("/workspace").status_code == 302


def test_login_message_is_vietnamese_by_default(pages, make):
    owner = make.producer()
    body = pages.login(owner.user.email, "sai-mat-khau").get_data(as_text=True)
    assert "Email hoặc mật khẩu không đúng." in body


def test_repeated_failures_are_throttled_even_with_the_right_password(pages, make, english):
    owner = make.producer()
    for _ in range(5):
        assert pages.login(owner.user.email, "wrong-password-1").status_code == 422
    blocked = pages.login(owner.user.email, PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    assert pages.get("/workspace").status_code == 302
    other = make.producer()
    assert pages.login(other.user.email).status_code == 302  # another account is not locked out


def test_throttle_window_slides_and_success_resets():
    now = [1000.0]
    throttle = FailureThrottle(per_email=2, per_address=5, window_seconds=60, clock=lambda: now[0])
    throttle.record_failure("A@x.vn", "1.2.3.4")
    throttle.record_failure("a@x.vn", "1.2.3.4")
    assert throttle.retry_after("a@x.vn", "1.2.3.4") == 61
    assert throttle.retry_after("a@x.vn", "5.6.7.8") == 0
    now[0] += 61
    assert throttle.retry_after("a@x.vn", "1.2.3.4") == 0
    throttle.record_failure("a@x.vn", "1.2.3.4")
    throttle.reset("a@x.vn", "1.2.3.4")
    assert throttle.retry_after("a@x.vn", "1.2.3.4") == 0
    for n in range(5):
        throttle.record_failure(f"user{n}@x.vn", "9.9.9.9")
    assert throttle.retry_after("fresh@x.vn", "9.9.9.9") > 0  # spraying many emails from one address


def test_session_cookie_flags(pages, make):
    owner = make.producer()
    response = pages.login(owner.user.email)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie  # PUBLIC_URL is https in the tests
    assert "Expires=" in cookie


@pytest.mark.parametrize(("public_url", "secure"), [("https://trace.example.vn", True),
                                                  ("http://127.0.0.1:5000", False)])
def test_cookies_are_secure_when_served_over_https(public_url, secure):
    app = Flask(__name__)
    app.config.update(PUBLIC_URL=public_url)
    configure_sessions(app)
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(hours=8)


def test_post_without_csrf_token_is_refused(client, make, session):
    owner = make.producer()
    response = client.post("/login", data={"email": owner.user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/workspace").status_code == 302
    Pages(client).login(owner.user.email)
    refused = client.post("/workspace/products/new", data={"name": "Trà", "ocop_group": "beverage"})
    assert refused.status_code == 400
    assert session.scalar(select(Product.id)) is None


def test_api_stays_usable_without_csrf(client, make):
    owner = make.producer()
    response = client.post("/api/v1/facilities", json={"name": "Xưởng", "address": "Thái Nguyên"},
                           headers=owner.headers)
    assert response.status_code == 201


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example/x", "http:/evil.example", "/\\evil.example",
    "\\\\evil.example", "javascript:alert(1)", "evil.example", "/\t/evil.example", "", None,
    " /workspace", "/%0d%0aSet-Cookie:x", "//", "///evil.example",
])
def test_unsafe_next_targets_are_refused(target):
    assert safe_next(target) in (None, "/%0d%0aSet-Cookie:x")
    if target and target.startswith("/%"):
        assert safe_next(target) == target  # percent-escapes stay a path on this host


@pytest.mark.parametrize("target", ["/workspace/batches", "/workspace/batches?status=draft", "/account"])
def test_local_next_targets_are_followed(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_login_never_redirects_off_site(pages, make, target):
    owner = make.producer()
    response = pages.login(owner.user.email, next_url=target)
    assert response.headers["Location"] == "/workspace"


def test_login_follows_a_local_next(pages, make):
    owner = make.producer()
    first = pages.get("/workspace/batches?status=draft")
    assert first.status_code == 302
    assert first.headers["Location"].startswith("/login?next=")
    response = pages.login(owner.user.email, next_url="/workspace/batches?status%3Ddraft")
    assert response.headers["Location"] == "/workspace/batches?status=draft"


def test_password_change_checks_the_current_one_and_ends_other_sessions(app, make, english):
    owner = make.producer()
    here, elsewhere = Pages(app.test_client()), Pages(app.test_client())
    for pages in (here, elsewhere):
        pages.client.set_cookie("lang", "en")
        pages.login(owner.user.email)
    wrong = here.submit("/account/password", {"current_password": "nope", "new_password": "x" * 12,
                                              "confirm": "x" * 12})
    assert wrong.status_code == 422
    assert field_errors(wrong.get_data(as_text=True)) == {
        "current_password": ["The current password is not correct."]}
    short = here.submit("/account/password", {"current_password": PASSWORD, "new_password": "short",
                                              "confirm": "short"})
    assert "new_password" in field_errors(short.get_data(as_text=True))
    differ = here.submit("/account/password", {"current_password": PASSWORD,
                                               "new_password": "a-long-new-password",
                                               "confirm": "another-long-one"})
    assert field_errors(differ.get_data(as_text=True)) == {"confirm": ["The two new passwords differ."]}
    changed = here.submit("/account/password", {"current_password": PASSWORD,
                                                "new_password": "a-long-new-password",
                                                "confirm": "a-long-new-password"})
    assert changed.status_code == 302
    assert here.get("/workspace").status_code == 200
    assert elsewhere.get("/workspace").status_code == 302
    fresh = Pages(app.test_client())
    assert fresh.login(owner.user.email, PASSWORD).status_code == 422
    assert fresh.login(owner.user.email, "a-long-new-password").status_code == 302


def test_sessions_end_after_the_absolute_lifetime(client, make):
    owner = make.producer()
    Pages(client).login(owner.user.email)
    with client.session_transaction() as flask_session:
        flask_session[AUTH_TIME_KEY] -= int(dt.timedelta(hours=13).total_seconds())
    assert client.get("/workspace").status_code == 302


def test_deactivated_account_is_signed_out(client, make, session):
    owner = make.producer()
    Pages(client).login(owner.user.email)
    session.get(User, owner.user.id).is_active = False
    session.commit()
    assert client.get("/workspace").status_code == 302


def test_tokens_page_shows_a_new_token_once_and_revokes(pages, make, session, english):
    owner = make.producer()
    pages.login(owner.user.email)
    created = pages.submit("/account/tokens", {"name": "Phần mềm kho"})
    body = created.get_data(as_text=True)
    assert created.status_code == 200
    plain = body.split('id="new-token">')[1].split("<")[0]
    assert plain.startswith("tlk_")
    listing = pages.get("/account/tokens").get_data(as_text=True)
    assert plain not in listing and "Phần mềm kho" in listing
    api = pages.client.get("/api/v1/products", headers={"Authorization": f"Bearer {plain}"})
    assert api.status_code == 200
    assert "never" not in pages.get("/account/tokens").get_data(as_text=True).split("Phần mềm kho")[1][:400]
    token = session.scalar(select(ApiToken).where(ApiToken.name == "Phần mềm kho"))
    revoked = pages.submit("/account/tokens", {}, action=f"/account/tokens/{token.id}/revoke")
    assert revoked.status_code == 302
    assert pages.client.get("/api/v1/products",
                            headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    too_long = pages.submit("/account/tokens", {"name": "x" * 101})
    assert too_long.status_code == 422 and "name" in field_errors(too_long.get_data(as_text=True))


def test_tokens_of_another_account_cannot_be_revoked(pages, make, session):
    owner, other = make.producer(), make.producer()
    pages.login(owner.user.email)
    theirs = session.scalar(select(ApiToken).where(ApiToken.user_id == other.user.id))
    response = pages.submit("/account/tokens", {}, action=f"/account/tokens/{theirs.id}/revoke")
    assert response.status_code == 404
    session.refresh(theirs)
    assert theirs.revoked_at is None


def test_language_switch_sets_a_cookie_and_goes_back(pages, make):
    response = pages.get("/language/en?next=/login")
    assert response.headers["Location"] == "/login"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "Sign in" in pages.get("/login").get_data(as_text=True)
    assert pages.get("/language/en?next=//evil.example").headers["Location"] == "/login"


def test_form_token_is_on_every_workspace_form(pages, make):
    owner = make.producer()
    pages.login(owner.user.email)
    for url in ("/workspace/products/new", "/workspace/areas/new", "/workspace/facilities/new",
                "/workspace/certificates/new", "/workspace/batches/new", "/workspace/import",
                "/account/password", "/account/tokens"):
        assert csrf_token(pages.get(url).get_data(as_text=True))
