"""Signals that cannot be gamed cheaply: networks not User-Agents, no scans from HEAD or prefetch,
rate limits keyed on verified tokens only, and sign-in failures shared through Redis."""

from __future__ import annotations

import logging
import secrets
import uuid

import pytest
import redis
from sqlalchemy import func, select

from tests.conftest import PUBLIC_URL
from tests.factories import PASSWORD
from tests.test_public_fixtures import build_world, unit_code
from tests.test_security import redis_available
from tests.workspace_client import Pages
from tracelabel import create_app
from tracelabel.db import utcnow
from tracelabel.extensions import Database
from tracelabel.models import ApiToken, Scan, ScanCounter
from tracelabel.services import scans
from tracelabel.web.auth.throttle import FailureThrottle
from tracelabel.web.auth.views import THROTTLE_KEY
from tracelabel.web.security import limiter, verify_api_token

REDIS_URL = "redis://127.0.0.1:6379/0"
COPY_WARNING = "mạng khác nhau"
N = scans.COPY_SUSPECT_NETWORKS


@pytest.fixture
def world(session, make):
    """A published GTIN batch with five units."""
    return build_world(session, make)


def scan_state(session, batch_id: int, serial: int) -> tuple[int, int | None]:
    session.expire_all()
    rows = session.scalar(select(func.count()).select_from(Scan).where(
        Scan.batch_id == batch_id, Scan.serial == serial))
    count = session.scalar(select(ScanCounter.count).where(
        ScanCounter.batch_id == batch_id, ScanCounter.serial == serial))
    return rows, count


def copied_alerts(client, make) -> list[tuple[int, int]]:
    body = client.get("/api/v1/alerts", headers=make.account("inspector").headers).get_json()
    return [(alert["serial"], alert["clients"]) for alert in body["scans"] if alert["kind"] == "copied"]


@pytest.mark.parametrize(("address", "network"), [
    ("203.0.113.77", "203.0.113.0/24"),
    ("::ffff:203.0.113.9", "203.0.113.0/24"),
    ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
    ("not an address", "not an address"),
    (None, ""),
])
def test_the_network_of_an_address(address, network):
    assert scans.client_network(address) == network


def test_network_hashes_are_salted_and_ignore_the_host():
    one = scans.network_hash("salt", "203.0.113.1")
    assert one == scans.network_hash("salt", "203.0.113.250") == scans.network_hash(
        "salt", "::ffff:203.0.113.5")
    assert one != scans.network_hash("salt", "203.0.114.1")
    assert one != scans.network_hash("other salt", "203.0.113.1")
    assert len(one) == 32 and "203" not in one


def test_ten_user_agents_from_one_phone_never_look_copied(app, client, session, make, world):
    code = unit_code(app, world.batch, 1)
    for n in range(N + 2):
        html = client.get(f"/t/{code}", headers={"User-Agent": f"phone {n}"},
                          environ_base={"REMOTE_ADDR": "198.51.100.7"}).get_data(as_text=True)
        assert COPY_WARNING not in html
    assert "Đây là lần quét đầu tiên" in html  # and the counter shows one scan, not twelve
    assert scan_state(session, world.batch.id, 1) == (N + 2, 1)
    assert copied_alerts(client, make) == []


def test_ten_networks_raise_the_warning_and_the_alert(app, client, make, world):
    code = unit_code(app, world.batch, 2)
    for n in range(N - 1):
        html = client.get(f"/t/{code}", environ_base={"REMOTE_ADDR": f"100.{64 + n}.7.9"}
                          ).get_data(as_text=True)
        assert COPY_WARNING not in html
    assert copied_alerts(client, make) == []
    html = client.get(f"/t/{code}", environ_base={"REMOTE_ADDR": "2001:db8:77::1"}
                      ).get_data(as_text=True)
    assert f"quét từ {N} {COPY_WARNING}" in html
    assert copied_alerts(client, make) == [(2, N)]


@pytest.mark.parametrize("headers", [
    {"Sec-Purpose": "prefetch"}, {"Sec-Purpose": "prefetch;prerender"}, {"Purpose": "prefetch"},
    {"X-Moz": "prefetch"}, {"X-Purpose": "preview"},
])
def test_prefetches_are_answered_but_not_scans(app, client, session, world, headers):
    code = unit_code(app, world.batch, 3)
    client.get(f"/t/{code}", environ_base={"REMOTE_ADDR": "192.0.2.1"})
    before = scan_state(session, world.batch.id, 3)
    response = client.get(f"/t/{code}", headers=headers, environ_base={"REMOTE_ADDR": "192.0.3.1"})
    assert response.status_code == 200 and "Đây là lần quét đầu tiên" in response.get_data(as_text=True)
    batch_page = client.get(f"/t/{world.batch.code}", headers=headers)
    assert batch_page.status_code == 200
    assert scan_state(session, world.batch.id, 3) == before == (1, 1)
    assert scan_state(session, world.batch.id, scans.BATCH_SERIAL) == (0, None)


def test_head_requests_are_answered_but_not_scans(app, client, session, world):
    code = unit_code(app, world.batch, 4)
    for url in (f"/t/{code}", f"/t/{world.batch.code}", world.dl_path):
        response = client.head(url)
        assert response.status_code == 200 and response.data == b""
        assert response.headers["ETag"]
    assert scan_state(session, world.batch.id, 4) == (0, None)
    assert scan_state(session, world.batch.id, scans.BATCH_SERIAL) == (0, None)
    assert client.get(f"/t/{code}", headers={"Accept": "application/json"}
                      ).get_json()["unit"]["scan_count"] == 1


def made_up_token(n: int) -> dict[str, str]:
    prefix = "tlk_" if n % 2 else ""  # with our tokens' prefix, and without
    return {"Authorization": f"Bearer {prefix}{secrets.token_urlsafe(32)}",
            "X-Forwarded-For": "203.0.113.50"}


def test_the_token_is_verified_before_the_limiter_counts(limited_app):
    hooks = limited_app.before_request_funcs[None]
    assert hooks.index(verify_api_token) < hooks.index(limiter._check_request_limit)


def test_made_up_tokens_count_against_their_address(limited_app, make):
    client = limited_app.test_client()
    owner = make.producer()
    statuses = [client.get("/api/v1/products", headers=made_up_token(n)).status_code
                for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    real = {**owner.headers, "X-Forwarded-For": "203.0.113.50"}  # a verified token: its own bucket
    assert [client.get("/api/v1/products", headers=real).status_code for _ in range(4)] == [
        200, 200, 200, 429]


def test_a_revoked_token_counts_against_its_address(limited_app, make, session):
    client = limited_app.test_client()
    owner = make.producer()
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == owner.user.id))
    token.revoked_at = utcnow()
    session.commit()
    headers = {**owner.headers, "X-Forwarded-For": "203.0.113.60"}
    assert [client.get("/api/v1/products", headers=headers).status_code for _ in range(2)] == [
        401, 401]
    assert client.get("/api/v1/products", headers=made_up_token(1) | {
        "X-Forwarded-For": "203.0.113.60"}).status_code == 401
    assert client.get("/api/v1/products", headers={"X-Forwarded-For": "203.0.113.60"}
                      ).status_code == 429


def test_sign_in_is_limited_per_address_whatever_the_authorization(limited_app, make):
    client = limited_app.test_client()
    authorizations = [made_up_token(0)["Authorization"], make.producer().headers["Authorization"],
                      made_up_token(1)["Authorization"]]
    statuses = [client.post("/login", data={"email": "x@example.vn", "password": "x"}, headers={
        "Authorization": authorization, "X-Forwarded-For": "203.0.113.70"}).status_code
        for authorization in authorizations]
    assert 429 not in statuses[:2] and statuses[2] == 429


@pytest.fixture
def redis_prefix():
    """A key prefix of this test alone in the local Redis, deleted afterwards."""
    if not redis_available():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    prefix = f"tracelabel-test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
    finally:
        client.close()


def redis_app(app, tmp_path, monkeypatch, name: str, prefix: str):
    monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(tmp_path / name))
    return create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                       "PUBLIC_URL": PUBLIC_URL, "SECRET_KEY": "shared by both machines",
                       "REDIS_URL": REDIS_URL, "LOGIN_THROTTLE_KEY_PREFIX": prefix,
                       "RATELIMIT_KEY_PREFIX": prefix, "RATE_LIMITS_ENABLED": False})


def test_sign_in_failures_are_counted_across_instances(app, make, tmp_path, monkeypatch,
                                                       redis_prefix):
    owner = make.producer()
    apps = [redis_app(app, tmp_path, monkeypatch, name, redis_prefix) for name in ("one", "two")]
    try:
        pages = [Pages(instance.test_client()) for instance in apps]
        statuses = [pages[n % 2].login(owner.user.email, "wrong-password").status_code
                    for n in range(5)]
        assert statuses == [422] * 5  # five failures, spread over two machines
        blocked = pages[1].login(owner.user.email, PASSWORD)
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        keys = [key.decode() for key in apps[0].extensions[THROTTLE_KEY]._shared.client.keys(
            f"{redis_prefix}:*")]
        assert len(keys) == 2 and not any(owner.user.email in key or "127.0.0.1" in key
                                          for key in keys)
    finally:
        for instance in apps:
            instance.extensions[THROTTLE_KEY]._shared.client.close()
            Database.engine_for(instance).dispose()


def test_a_successful_sign_in_clears_the_shared_count(redis_prefix):
    throttles = [FailureThrottle(per_email=2, window_seconds=60, redis_url=REDIS_URL,
                                 key_prefix=redis_prefix, key_secret="k") for _ in range(2)]
    try:
        throttles[0].record_failure("A@x.vn", "1.2.3.4")
        throttles[1].record_failure("a@x.vn", "1.2.3.4")
        assert 0 < throttles[0].retry_after("a@x.vn", "1.2.3.4") <= 61
        assert throttles[1].retry_after("a@x.vn", "5.6.7.8") == 0
        throttles[1].reset("a@x.vn", "1.2.3.4")
        assert throttles[0].retry_after("a@x.vn", "1.2.3.4") == 0
    finally:
        for throttle in throttles:
            throttle._shared.client.close()


def test_an_unreachable_redis_falls_back_to_memory(caplog):
    throttle = FailureThrottle(per_email=2, window_seconds=60, key_secret="k",
                               redis_url="redis://:s3cret-pass@127.0.0.1:1/0")
    try:
        with caplog.at_level(logging.WARNING, logger="tracelabel.web.auth.throttle"):
            for _ in range(2):
                throttle.record_failure("someone@x.vn", "1.2.3.4")
            assert throttle.retry_after("someone@x.vn", "1.2.3.4") > 0
        assert "Redis unreachable" in caplog.text
        assert "s3cret" not in caplog.text and "someone@x.vn" not in caplog.text
    finally:
        throttle._shared.client.close()
