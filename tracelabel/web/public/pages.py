"""Rendering the trace pages: the static part once per version and language, the rest per request.

A page is cached as two halves around ``SLOT``; what changes per request (a unit's genuineness and
scan count, the lot a visitor asked for) is rendered small and put in between. The ETag is made from
the content, so an unchanged page keeps its ETag across re-renders and a recall changes it.

A unit's block differs from one code to the next (its serial, code, count and first day), so a cache
keyed by its values misses on every new code, the common case when a market's phones scan many
packages. It is rendered once per language and shape (first scan or not, copy suspected or not) with
stand-ins for those values, and each request puts its own values in their place.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from flask_babel import get_locale
from markupsafe import escape

from tracelabel.services.trace import TraceCache
from tracelabel.web.public.vocab import day

SLOT = "<!--per-request-->"
# Stand-ins for the values that differ per unit: numbers no real label reaches (serials stop at a
# few million), a date no scan has; each is printed by the template as str() or through ``day``.
UNIT_STAND_INS: dict[str, Any] = {"serial": 987_000_001, "code": "987000002",
                                  "scan_count": 987_000_003, "distinct_clients": 987_000_004,
                                  "first_scan_on": "1901-02-03",
                                  "first_scan_at": "1901-02-03T04:05:06+00:00"}


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


def assemble_unit(cache: TraceCache, page: CachedPage, fragment_template: str,
                  unit: dict[str, Any] | None) -> tuple[str, str]:
    """The whole page and its ETag, with a unit's block (or the batch code's, unit None) in the slot."""
    if unit is None:
        return assemble(cache, page, fragment_template, None)
    varying = [name for name in UNIT_STAND_INS if _varies(name, unit)]
    shape = {**unit, **{name: UNIT_STAND_INS[name] for name in varying}}
    key = ("unit", fragment_template, language(), tuple(sorted(shape.items())))
    template_html = cache.get_or_build(key, lambda: _render(fragment_template, {"values": shape}))
    fills = {_shown(name, UNIT_STAND_INS[name]): str(escape(_shown(name, unit[name])))
             for name in varying}
    fragment = _stand_in_pattern(tuple(fills)).sub(lambda match: fills[match[0]], template_html)
    return page.head + fragment + page.tail, f"{page.digest}-{digest(fragment)}"


def _varies(name: str, unit: dict[str, Any]) -> bool:
    # A count of 0 or 1 reads "first scan" (the template tests it), and no count of networks is
    # given unless a copy is suspected: those stay in the shape.
    if name not in unit or unit[name] is None:
        return False
    return name != "scan_count" or unit[name] > 1


def _shown(name: str, value: Any) -> str:
    return _day_in(language(), value) if name == "first_scan_on" else str(value)


@functools.lru_cache(maxsize=1024)
def _day_in(page_language: str, iso: str) -> str:
    return day(iso)  # in the request's language, which is page_language: the cache key


@functools.lru_cache(maxsize=64)
def _stand_in_pattern(texts: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(text) for text in texts))
