"""Response headers every page carries, trusted proxy headers, and rate limits (Flask-Limiter).

The headers are a small after-request hook rather than a library: they are a handful of fixed
values, and the one that varies (HSTS) depends only on whether the request arrived over HTTPS.

A limit counts an API token only once the token is verified: a made-up ``Bearer`` value counts
against its client address like no token at all, or sending a new one each time would escape every
limit. The token is looked up (one indexed digest query) by a before-request hook registered ahead
of the limiter's own check, and the API's authentication reuses that answer.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from tracelabel.extensions import db
from tracelabel.models import User
from tracelabel.services.accounts import authenticate_token

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


_UNCHECKED = object()


def bearer_token() -> str:
    """The token of an ``Authorization: Bearer`` header, or an empty string."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def bearer_user() -> User | None:
    """The active user owning this request's API token, verified once per request; else None."""
    found = g.get("bearer_user", _UNCHECKED)
    if found is _UNCHECKED:
        token = bearer_token()
        found = authenticate_token(db.session, token) if token else None
        g.bearer_user = found
    return found  # type: ignore[return-value]


def verify_api_token() -> None:
    """Before the limiter counts an API request, find out whether its token is a real one."""
    if request.path.startswith("/api/") and request.method != "OPTIONS":
        bearer_user()


def client_key() -> str:
    """Whom a limit counts: a verified API token (as a digest), else the client address."""
    if g.get("bearer_user", _UNCHECKED) not in (_UNCHECKED, None):
        return "token:" + hashlib.sha256(bearer_token().encode()).hexdigest()[:32]
    return "addr:" + (request.remote_addr or "unknown")


LOGIN_ENDPOINTS = frozenset({"auth.login"})
UNLIMITED_ENDPOINTS = frozenset({"public.health", "media.image", "static"})


def limit_for_request() -> str:
    """The limit of this request's kind: sign-in attempts, API calls or public pages."""
    config = current_app.config
    if request.endpoint in LOGIN_ENDPOINTS and request.method == "POST":
        return config["RATE_LIMIT_LOGIN"]
    if request.path.startswith("/api/"):
        return config["RATE_LIMIT_API"]
    return config["RATE_LIMIT_PUBLIC"]


def is_unlimited() -> bool:
    """Health checks and immutable media are never limited (a CDN serves the media anyway)."""
    return request.endpoint in UNLIMITED_ENDPOINTS or request.method == "OPTIONS"


limiter = Limiter(key_func=client_key, default_limits=[limit_for_request],
                  default_limits_exempt_when=is_unlimited, headers_enabled=True,
                  swallow_errors=True, in_memory_fallback_enabled=True)


def add_security_headers(response: Response) -> Response:
    """Set the fixed security headers, and HSTS on HTTPS."""
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Trust the configured number of proxies, add the headers, and start the rate limiter."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_port=proxies)
    app.after_request(add_security_headers)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_ENABLED", app.config["RATE_LIMITS_ENABLED"])
    app.before_request(verify_api_token)  # hooks run in order: this one before the limiter's
    limiter.init_app(app)
