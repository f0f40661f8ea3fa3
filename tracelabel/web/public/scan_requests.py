"""Which requests for a trace page are scans: a person opening it, not a HEAD or a prefetch.

A HEAD request asks for the headers only, and a browser that prefetches or prerenders a link asks
before anyone has decided to open it: neither is somebody reading the label, so the page answers
them but records nothing. The standard markers are ``Sec-Purpose: prefetch`` (with ``;prerender``
for a prerender), the older ``Purpose: prefetch`` and Firefox's ``X-Moz: prefetch``, and Safari's
``X-Purpose: preview``. A client can of course leave them out; they only let honest browsers avoid
inflating a count, never let anyone raise it.
"""

from __future__ import annotations

from flask import current_app, request

from tracelabel.services import scans

PREFETCH_HEADERS = {"Sec-Purpose": {"prefetch", "prerender"}, "Purpose": {"prefetch", "preview"},
                    "X-Moz": {"prefetch"}, "X-Purpose": {"preview", "prefetch"}}
# The same, by WSGI environ key: read on every scan, straight from the environ.
_PREFETCH_ENVIRON = {"HTTP_" + name.upper().replace("-", "_"): markers
                     for name, markers in PREFETCH_HEADERS.items()}


def _tokens(value: str) -> set[str]:
    """The bare tokens of a structured header value: ``prefetch;prerender`` → prefetch, prerender."""
    return {part.split("=")[0].strip().lower()
            for item in value.split(",") for part in item.split(";")}


def is_prefetch() -> bool:
    """Whether the browser is fetching the page ahead of a possible visit."""
    environ = request.environ
    return any(_tokens(environ[key]) & markers
               for key, markers in _PREFETCH_ENVIRON.items() if key in environ)


def is_scan_request() -> bool:
    """Whether this request is someone opening the page (so it counts as a scan)."""
    return request.method != "HEAD" and not is_prefetch()


def scan_client() -> str:
    """The salted hash of this request's network, under which its scans are kept."""
    return scans.network_hash(current_app.config["SCAN_SALT"], request.remote_addr)
