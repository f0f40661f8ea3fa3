"""Rendering the trace pages: the static part once per version and language, the rest per request.

A page is cached as two halves around ``SLOT``; what changes per request (a unit's genuineness and
scan count, the lot a visitor asked for) is rendered small and put in between. The ETag is made from
the content, so an unchanged page keeps its ETag across re-renders and a recall changes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from flask_babel import get_locale

from tracelabel.services.trace import TraceCache

SLOT = "<!--per-request-->"


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A rendered page cut at its per-request slot, and a digest of the whole."""

    head: str
    tail: str
    digest: str


def language() -> str:
    """The language of this request's page ("vi" or "en"), chosen once per request."""
    if "page_language" not in g:
        g.page_language = str(get_locale() or "vi")
    return g.page_language


def digest(text: str) -> str:
    """A short content digest, used as an ETag."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _render(template: str, context: dict[str, Any]) -> str:
    # get_template + render skips render_template's signals: this runs on every request.
    app = current_app
    values: dict[str, Any] = {}
    app.update_template_context(values)
    values.update(context)
    return app.jinja_env.get_template(template).render(values)


def static_page(cache: TraceCache, key: tuple[Any, ...], template: str,
                context: dict[str, Any]) -> CachedPage:
    """The page's cached halves for this version and language, rendered on a miss."""
    def build() -> CachedPage:
        html = _render(template, context)
        head, _slot, tail = html.partition(SLOT)
        return CachedPage(head, tail, digest(html))
    return cache.get_or_build((*key, language()), build)


def assemble(cache: TraceCache, page: CachedPage, fragment_template: str | None,
             values: dict[str, Any] | None) -> tuple[str, str]:
    """The whole page and its ETag, with the per-request fragment (cached by its values) in the slot."""
    if fragment_template is None:
        return page.head + page.tail, page.digest
    key = ("fragment", fragment_template, language(),
           None if values is None else tuple(sorted(values.items())))
    fragment, fragment_digest = cache.get_or_build(key, lambda: _fragment(fragment_template, values))
    return page.head + fragment + page.tail, f"{page.digest}-{fragment_digest}"


def _fragment(template: str, values: dict[str, Any] | None) -> tuple[str, str]:
    html = _render(template, {"values": values})
    return html, digest(html)
