"""The GS1 linkset (RFC 9264) of a resolved code, and ``linkType`` requests.

Each level of the identifier, from the most specific up to the GTIN, is one linkset entry whose
keys are full link-type URIs on ref.gs1.org. Every link type points into the trace page, which is
also the one default link: the page has a section for each (status, genuineness, origin,
certificates) and the same URL answers JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

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
# Where to buy (GS1 Web Vocabulary link types): the page's list of points of sale and online shops
# is gs1:hasRetailers ("a link to a list of retailers"), at every level whose page shows it; each
# online listing is a link of the product's most general level: a social network's channel (where
# OCOP products are sold by livestream) is gs1:socialMedia, titled with the platform's name as GS1
# asks; any other shop page is a retailer's page about the item, gs1:pip.
RETAILERS = "hasRetailers"
RETAILERS_SECTION = "#where-to-buy"
SOCIAL_HOSTS = ("facebook.com", "fb.com", "fb.watch", "tiktok.com", "youtube.com", "youtu.be",
                "zalo.me", "instagram.com")


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
                "dpp": gettext("Digital product passport"),
                RETAILERS: gettext("Where to buy")}


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


def has_retailers(where_to_buy: dict[str, Any] | None) -> bool:
    """Whether the producer lists anywhere to buy the product."""
    return bool(where_to_buy and (where_to_buy.get("points_of_sale")
                                  or where_to_buy.get("online_listings")))


def listing_type(url: str) -> str:
    """The link type of an online listing: a social network's channel, or a shop's page."""
    host = (urlsplit(url).hostname or "").lower()
    social = any(host == name or host.endswith("." + name) for name in SOCIAL_HOSTS)
    return "socialMedia" if social else "pip"


def _retailer_links(level: Level, titles: dict[str, dict[str, str]]) -> list[dict[str, object]]:
    return [_link(level, RETAILERS, level.anchor + RETAILERS_SECTION, "text/html", ["vi"], titles),
            _link(level, RETAILERS, f"{level.anchor}?lang=en{RETAILERS_SECTION}", "text/html",
                  ["en"], titles)]


def linkset(levels: list[Level], description: str,
            where_to_buy: dict[str, Any] | None = None) -> dict[str, object]:
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
        if has_retailers(where_to_buy):
            entry[VOCABULARY + RETAILERS] = _retailer_links(level, titles)
        entries.append(entry)
    for listing in (where_to_buy or {}).get("online_listings", []):
        links = entries[-1].setdefault(VOCABULARY + listing_type(listing["url"]), [])
        links.append({"href": listing["url"], "title": listing["platform"]})
    return {"linkset": entries}


def requested_type(value: str) -> str:
    """The bare name of a requested link type: "gs1:pip", or its URI in either namespace, gives "pip"."""
    for prefix in ("gs1:", VOCABULARY, OLD_VOCABULARY):
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return "" if ":" in value else value  # another vocabulary is not ours


def redirect_target(levels: list[Level], link_type: str, query: dict[str, str],
                    where_to_buy: dict[str, Any] | None = None) -> str | None:
    """Where a ``linkType`` request goes (other query parameters kept), or None if we lack it."""
    name = "pip" if link_type == "defaultLink" else link_type
    if name == RETAILERS and has_retailers(where_to_buy):
        kept = urlencode(query)
        return levels[0].anchor + (f"?{kept}" if kept else "") + RETAILERS_SECTION
    if name == "socialMedia":
        channels = [listing["url"] for listing in (where_to_buy or {}).get("online_listings", [])
                    if listing_type(listing["url"]) == "socialMedia"]
        return channels[0] if channels else None
    if name not in LINK_TYPES:
        return None
    if name == "dpp":
        query = {**query, **PASSPORT_QUERY}
    for level in levels:  # walk up: the most specific level that has the link type
        if level.kind in LINK_TYPES[name][0]:
            kept = urlencode(query)
            return level.anchor + (f"?{kept}" if kept else "") + LINK_TYPES[name][1]
    return None
