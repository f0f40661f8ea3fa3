"""The GS1 linkset (RFC 9264) of a resolved code, and ``linkType`` requests.

Each level of the identifier, from the most specific up to the GTIN, is one linkset entry whose
keys are full link-type URIs on ref.gs1.org. Every link type points into the trace page, which is
also the one default link: the page has a section for each (status, genuineness, origin,
certificates) and the same URL answers JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask_babel import force_locale, gettext

VOCABULARY = "https://ref.gs1.org/voc/"
OLD_VOCABULARY = "https://gs1.org/voc/"  # a frequent mistake of clients: accepted, never emitted
LANGUAGES = ("vi", "en")
# link type -> (levels that have it, page section, media type)
LINK_TYPES = {
    "pip": ({"unit", "batch", "product"}, "", "text/html"),
    "recallStatus": ({"unit", "batch"}, "#status", "text/html"),
    "verificationService": ({"unit"}, "#genuine", "text/html"),
    "traceability": ({"unit", "batch"}, "#origin", "text/html"),
    "certificationInfo": ({"unit", "batch", "product"}, "#certificates", "text/html"),
    # The digital product passport (Decree 37/2026): the same URI answering JSON-LD.
    "dpp": ({"unit", "batch"}, "", "application/ld+json"),
}
PASSPORT_QUERY = {"format": "jsonld"}


@dataclass(frozen=True, slots=True)
class Level:
    """One level of a resolved identifier: its URI, what it names, and the values that name it."""

    anchor: str
    kind: str  # "unit", "batch" or "product"
    lot: str | None = None
    serial: int | None = None

    @property
    def title(self) -> str:
        """A title for people, in the request's language."""
        if self.kind == "unit":
            return gettext("unit %(serial)s, lot %(lot)s", serial=self.serial, lot=self.lot)
        if self.kind == "batch":
            return gettext("lot %(lot)s", lot=self.lot)
        return gettext("the product")


def _titles(language: str) -> dict[str, str]:
    """The link titles, each level's name included, in one language."""
    with force_locale(language):
        return {"pip": gettext("Product information and trace page"),
                "recallStatus": gettext("Recall and suspension status"),
                "verificationService": gettext("Is this unit genuine?"),
                "traceability": gettext("Origin chain"),
                "certificationInfo": gettext("Certificates and their validity"),
                "dpp": gettext("Digital product passport")}


def _level_title(level: Level, language: str) -> str:
    with force_locale(language):
        return level.title


def _link(level: Level, link_type: str, href: str, media_type: str, languages: list[str],
          titles: dict[str, dict[str, str]]) -> dict[str, object]:
    """One link, titled in the language of its target (the first, when it serves both)."""
    language = languages[0]
    return {"href": href, "title": f"{titles[language][link_type]}: {_level_title(level, language)}",
            "type": media_type, "hreflang": languages}


def _links(level: Level, link_type: str, titles: dict[str, dict[str, str]]) -> list[dict[str, object]]:
    _kinds, section, media_type = LINK_TYPES[link_type]
    if link_type == "dpp":
        return [_link(level, link_type, f"{level.anchor}?{urlencode(PASSPORT_QUERY)}", media_type,
                      list(LANGUAGES), titles)]
    links = [_link(level, link_type, level.anchor + section, media_type, ["vi"], titles),
             _link(level, link_type, f"{level.anchor}?lang=en{section}", media_type, ["en"], titles)]
    if link_type == "traceability":
        links.append(_link(level, link_type, level.anchor, "application/json", list(LANGUAGES),
                           titles))
    return links


def linkset(levels: list[Level], description: str) -> dict[str, object]:
    """The linkset document: one entry per level, described by the product's name, with exactly
    one default link each; every title is in the language of the link's target."""
    titles = {language: _titles(language) for language in LANGUAGES}
    entries = []
    for level in levels:
        entry: dict[str, object] = {"anchor": level.anchor, "itemDescription": description}
        entry[VOCABULARY + "defaultLink"] = [
            _link(level, "pip", level.anchor, "text/html", list(LANGUAGES), titles)]
        for link_type, (kinds, _section, _type) in LINK_TYPES.items():
            if level.kind in kinds:
                entry[VOCABULARY + link_type] = _links(level, link_type, titles)
        entries.append(entry)
    return {"linkset": entries}


def requested_type(value: str) -> str:
    """The bare name of a requested link type: "gs1:pip", or its URI in either namespace, gives "pip"."""
    for prefix in ("gs1:", VOCABULARY, OLD_VOCABULARY):
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return "" if ":" in value else value  # another vocabulary is not ours


def redirect_target(levels: list[Level], link_type: str, query: dict[str, str]) -> str | None:
    """Where a ``linkType`` request goes (other query parameters kept), or None if we lack it."""
    name = "pip" if link_type == "defaultLink" else link_type
    if name not in LINK_TYPES:
        return None
    if name == "dpp":
        query = {**query, **PASSPORT_QUERY}
    for level in levels:  # walk up: the most specific level that has the link type
        if level.kind in LINK_TYPES[name][0]:
            kept = urlencode(query)
            return level.anchor + (f"?{kept}" if kept else "") + LINK_TYPES[name][1]
    return None
