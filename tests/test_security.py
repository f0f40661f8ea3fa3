"""Security headers on every response, trusted proxies, rate limits with 429 and Retry-After, 413."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.conftest import PUBLIC_URL
from tracelabel import create_app
from tracelabel.extensions import Database
from tracelabel.web.security import CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/v1/openapi.json", "/api/v1/products",
                                  "/no-such-page"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_https_through_a_trusted_proxy(limited_app):
    client = limited_app.test_client()
    secure = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


def test_public_pages_are_limited_per_client_with_retry_after(limited_app):
    client = limited_app.test_client()
    statuses = [client.get("/", headers={"X-Forwarded-For": "203.0.113.7"}).status_code
                for _ in range(7)]
    assert statuses[:5] == [200] * 5
    limited = client.get("/", headers={"X-Forwarded-For": "203.0.113.7"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    other = client.get("/", headers={"X-Forwarded-For": "198.51.100.9"})
    assert other.status_code == 200
    assert client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 200


def test_api_is_limited_per_token(limited_app, make):
    client = limited_app.test_client()
    owner, other = make.producer(), make.producer()
    statuses = [client.get("/api/v1/products", headers=owner.headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/products", headers=owner.headers)
    assert limited.mimetype == "application/problem+json"
    assert "Retry-After" in limited.headers
    assert client.get("/api/v1/products", headers=other.headers).status_code == 200


def test_oversized_upload_is_a_clear_413(client, make):
    owner = make.producer()
    product = make.product(owner)
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\n"
            b"Content-Type: image/jpeg\r\n\r\n" + b"\xff" * (17 * 1024 * 1024) + b"\r\n--b--\r\n")
    response = client.post(f"/api/v1/products/{product.id}/photos", headers=owner.headers,
                           data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "MB" in response.get_json()["title"]


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_available() and not os.environ.get("CI"),
                    reason="needs Redis on 127.0.0.1:6379 (CI has it)")
def test_limits_in_redis_hold_across_instances(app, tmp_path, monkeypatch):
    """Two app instances (as two machines would be) share one limit through Redis."""
    prefix = f"tracelabel-test-{uuid.uuid4().hex}"
    apps = []
    for name in ("one", "two"):
        monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(tmp_path / name))
        apps.append(create_app({
            "TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "PUBLIC_URL": PUBLIC_URL,
            "REDIS_URL": "redis://127.0.0.1:6379/0", "RATELIMIT_KEY_PREFIX": prefix,
            "RATE_LIMITS_ENABLED": True, "RATE_LIMIT_PUBLIC": "4/minute"}))
    try:
        clients = [instance.test_client() for instance in apps]
        statuses = [clients[n % 2].get("/").status_code for n in range(6)]
        assert statuses == [200, 200, 200, 200, 429, 429]
    finally:
        for instance in apps:
            Database.engine_for(instance).dispose()
