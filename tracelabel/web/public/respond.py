"""How the resolver answers: content negotiation, resolver headers, caching, error pages."""

from __future__ import annotations

import functools
import json
from typing import Any

from flask import Response, render_template, request
from flask_babel import gettext
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from tracelabel.web.errors import problem

HTML = "text/html"
JSON = "application/json"
LINKSET = "application/linkset+json"
JSON_LD = "application/ld+json"  # the digital product passport of a batch or unit
OFFERED = (HTML, JSON, LINKSET, JSON_LD)
METHODS = "GET, HEAD, OPTIONS"
# A batch or product page may be reused by any cache for a minute: a recall reaches every reader
# within a minute, while a burst of scans of one lot (a market stall) is absorbed by the proxy.
SHARED_CACHE = "public, max-age=60"
# A unit page says how often *this* code was scanned: every scan must reach us (and be counted),
# so caches revalidate each time; a 304 still spares a slow network the body.
REVALIDATE = "private, no-cache"
VARY = "Accept, Accept-Language, Cookie"  # the language may come from the "lang" cookie
# What makes a request conditional (WSGI environ keys): without them there is nothing to answer 304.
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE",
                       "HTTP_IF_UNMODIFIED_SINCE", "HTTP_RANGE")
# GS1's JSON-LD context for linksets (GS1-Conformant Resolver 1.2.0 artefacts): named in the Link
# header of a linkset response, it turns the JSON into JSON-LD.
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"


def wanted_format() -> str:
    """The representation asked for: linkset by linkType or Accept, else by Accept (HTML default)."""
    if request.args.get("linkType") in ("linkset", "all"):
        return LINKSET
    if request.args.get("format") == "jsonld":
        return JSON_LD
    return format_for_accept(request.headers.get("Accept", ""))


@functools.lru_cache(maxsize=256)
def format_for_accept(accept: str) -> str:
    """The offered representation an Accept header prefers (HTML by default); phones send a few
    distinct headers, so each is parsed once."""
    return parse_accept_header(accept, MIMEAccept).best_match(OFFERED, default=HTML) or HTML


def resolver_headers(response: Response, linkset_url: str | None = None) -> Response:
    """CORS, Vary and (for an identified resource) the Link to its linkset."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "Link, ETag, Location"
    if "Vary" in response.headers:
        response.vary.update(part.strip() for part in VARY.split(","))
    else:
        response.headers["Vary"] = VARY
    if linkset_url:  # first, before any other link (a linkset's JSON-LD context)
        links = [f'<{linkset_url}>; rel="linkset"; type="{LINKSET}"', response.headers.get("Link")]
        response.headers["Link"] = ", ".join(link for link in links if link)
    return response


def linkset_response(document: dict[str, object]) -> Response:
    """A linkset, with the Link to GS1's JSON-LD context that makes it JSON-LD."""
    response = json_response(document, LINKSET)
    response.headers["Link"] = (f'<{LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; '
                                'type="application/ld+json"')
    return response


def preflight() -> Response:
    """The answer to OPTIONS (a CORS preflight or a plain capability question)."""
    response = Response(status=204)
    response.headers["Allow"] = METHODS
    response.headers["Access-Control-Allow-Methods"] = METHODS
    response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language"
    response.headers["Access-Control-Max-Age"] = "86400"
    return resolver_headers(response)


def json_response(body: Any, mimetype: str = JSON, status: int = 200) -> Response:
    """A JSON document (UTF-8, not ASCII-escaped: Vietnamese stays readable and smaller)."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, mimetype=mimetype)


def cached(response: Response, etag: str, cache_control: str) -> Response:
    """Add the validator and cache policy, and turn a matching conditional request into 304."""
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    if not any(name in request.environ for name in CONDITIONAL_HEADERS):
        return response  # most scans: nothing to compare, and the server writes the Date
    return response.make_conditional(request)


def code_error(status: int, title: str, detail: str, code: str | None = None,
               linkset_url: str | None = None) -> Response:
    """A code that does not resolve: the friendly page with the form, or a problem document."""
    if wanted_format() in (JSON, LINKSET, JSON_LD):
        response = problem(status, title, detail, kind="not_found" if status == 404 else "invalid")
    else:
        response = Response(render_template("public/error.html", status=status, title=title,
                                            message=detail, code=code), status=status)
    response.headers["Cache-Control"] = "no-store"
    return resolver_headers(response, linkset_url)


def not_acceptable() -> Response:
    """JSON-LD is the passport of a batch or unit; a product alone has none: 406, naming what is."""
    response = problem(406, gettext("A digital product passport exists for a batch or a unit."),
                       gettext("Ask for text/html, application/json or application/linkset+json."))
    return resolver_headers(response)
