"""The public OCOP directory, the public product pages it opens, and the sitemap's list of them.

Public means what a product page already requires: one of the product's batches is out of draft
(published, or since suspended or recalled; the page then lists the withdrawn lots first). OCOP
means the product holds an OCOP certificate valid today that no inspector rejected; its stars are
those of the rating the product page heads with (verified first, then the latest validity).

Filters and the word search run in SQL (words against ``products.search_text``, folded without
diacritics, so "mien dong" finds "Miến dong"); the matches are then put in Vietnamese alphabetical
order in Python (:mod:`tracelabel.vietnamese_collation`), which no database collation gives alike
on SQLite and PostgreSQL, and only the page shown is loaded in full. The sorted matches of a
selection are kept in the process until the next audited change to a product, a rating, a
producer or a batch's publication (:func:`_sorted_matches`).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select, text
from sqlalchemy.orm import Session

from tracelabel import admin_units, textfold
from tracelabel.models import OCOP_GROUPS, Batch, Certificate, Organization, Product, ProductPhoto
from tracelabel.services import photos
from tracelabel.services.errors import DomainError, FieldError
from tracelabel.services.trace import ProductKey
from tracelabel.vietnamese_collation import sort_key

PER_PAGE = 24
MAX_WORDS, MAX_QUERY = 8, 100
STARS = (3, 4, 5)


class BadFilter(DomainError):
    """A directory filter that names nothing we know (400 with the field named)."""

    kind = "invalid"

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__("The directory cannot show this selection.",
                         errors=[FieldError(field, message, params)])


@dataclass(frozen=True)
class Filters:
    """A directory request, its values checked: codes of the 2025 map, a group, stars, words."""

    province_code: str | None = None
    commune_code: str | None = None
    group: str | None = None
    stars: int | None = None
    words: tuple[str, ...] = ()
    query: str = ""
    page: int = 1


@dataclass(frozen=True)
class Entry:
    """One product as the directory lists it."""

    product_id: int
    name: str
    name_en: str | None
    gtin: str | None
    group: str
    stars: int
    producer: str
    commune: str | None
    province: str | None
    photo: photos.PublicPhoto | None


@dataclass(frozen=True)
class Listing:
    """A page of the directory and how many products match in all."""

    entries: list[Entry]
    total: int
    page: int
    pages: int


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def read_filters(province: str | None, commune: str | None, group: str | None,
                 stars: str | None, query: str | None, page: str | None) -> Filters:
    """The request's filters, each by code or name; raises :class:`BadFilter` naming a bad one."""
    province_code = commune_code = None
    if _blank(province):
        try:
            province_code = admin_units.find_province(_blank(province) or "").code
        except admin_units.UnitNotFound:
            raise BadFilter("province", "No province “%(value)s” on the map in force since "
                            "1 July 2025.", value=province) from None
    if _blank(commune):
        try:
            found = admin_units.find_commune(_blank(commune) or "", province_code)
        except admin_units.UnitNotFound:
            raise BadFilter("commune", "No commune “%(value)s” in the province chosen.",
                            value=commune) from None
        commune_code, province_code = found.code, found.province_code
    group = _blank(group)
    if group is not None and group not in OCOP_GROUPS:
        raise BadFilter("group", "Choose one of: %(choices)s.", choices=", ".join(OCOP_GROUPS))
    star_count = None
    if _blank(stars):
        if (stars or "").strip() not in {str(n) for n in STARS}:
            raise BadFilter("stars", "OCOP ratings have 3, 4 or 5 stars.")
        star_count = int((stars or "").strip())
    query = " ".join((query or "").split())
    if len(query) > MAX_QUERY:
        raise BadFilter("q", "Search with at most %(max)s characters.", max=MAX_QUERY)
    words = tuple(dict.fromkeys(textfold.fold(query).split()))[:MAX_WORDS]
    number = (page or "1").strip()
    if not number.isdigit() or not 1 <= int(number) <= 100_000:
        raise BadFilter("page", "A page is a number from 1.")
    return Filters(province_code, commune_code, group, star_count, words, query, int(number))


def _public() -> ColumnElement[bool]:
    return exists().where(Batch.product_id == Product.id, Batch.status != "draft")


def _like(word: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"


def _ratings(filters: Filters, today: dt.date) -> Any:
    """Every valid, unrejected OCOP rating of a public product that passes the other filters."""
    conditions = [Certificate.scheme == "ocop", Certificate.verification_status != "rejected",
                  Certificate.valid_from <= today, Certificate.valid_until >= today, _public()]
    if filters.province_code:
        conditions.append(Organization.province_code == filters.province_code)
    if filters.commune_code:
        conditions.append(Organization.commune_code == filters.commune_code)
    if filters.group:
        conditions.append(Product.ocop_group == filters.group)
    conditions += [Product.search_text.like(_like(word), escape="\\") for word in filters.words]
    return (select(Product.id, Product.name, Certificate.stars,
                   Certificate.verification_status == "verified", Certificate.valid_until,
                   Certificate.id.label("certificate_id"))
            .join(Certificate, Certificate.product_id == Product.id)
            .join(Organization, Organization.id == Product.organization_id)
            .where(and_(*conditions)))


def _headline(rows: list[Any]) -> dict[int, tuple[str, int]]:
    """Each product's name and headline stars: its verified rating first, then the latest, as the
    product page heads with (``trace._ocop_rating``)."""
    best: dict[int, tuple[Any, ...]] = {}
    for product_id, name, stars, verified, valid_until, certificate_id in rows:
        rank = (bool(verified), valid_until, -certificate_id)
        if product_id not in best or rank > best[product_id][0]:
            best[product_id] = (rank, name, stars)
    return {product_id: (name, stars) for product_id, (_rank, name, stars) in best.items()}


def search(session: Session, filters: Filters, today: dt.date, per_page: int = PER_PAGE) -> Listing:
    """The public OCOP products matching the filters, in Vietnamese alphabetical order, one page."""
    found = _sorted_matches(session, filters, today)
    pages = max(1, -(-len(found) // per_page))
    start = (filters.page - 1) * per_page
    return Listing(_entries(session, dict(found[start:start + per_page])), len(found),
                   filters.page, pages)


# Every match of a selection, sorted, kept per process: keyed by the database, the selection and
# the day, and valid while the chain's directory seq stays where it was (every change to a
# product, a rating, a producer or a batch's publication appends to the audit chain and moves it;
# ``audit.public_seqs``), so paging through a list or a second visitor does not sort it
# again, a busy day of events and label runs does not either, and any instance sees another's
# changes at once.
_SORTED: OrderedDict[tuple[Any, ...], tuple[Any, list[tuple[int, int]]]] = OrderedDict()
_SORTED_LOCK = threading.Lock()
SORTED_KEPT = 256
_DIRECTORY_SEQ = text("SELECT directory_seq FROM audit_head WHERE id = 1")


def _sorted_matches(session: Session, filters: Filters, today: dt.date) -> list[tuple[int, int]]:
    """(product id, headline stars) of every match, in Vietnamese alphabetical order."""
    # The seq is read before the products: a change committed in between makes the next request
    # sort again rather than keep an older list under a newer seq.
    head = session.connection().execute(_DIRECTORY_SEQ).scalar()
    key = (str(session.get_bind().url), replace(filters, query="", page=1), today)
    with _SORTED_LOCK:
        kept = _SORTED.get(key)
        if kept is not None and kept[0] == head:
            _SORTED.move_to_end(key)
            return kept[1]
    products = _headline(session.execute(_ratings(filters, today)).all())
    found = [(product_id, stars) for _key, product_id, stars in sorted(
        (sort_key(name), product_id, stars) for product_id, (name, stars) in products.items()
        if filters.stars is None or stars == filters.stars)]
    with _SORTED_LOCK:
        _SORTED[key] = (head, found)
        while len(_SORTED) > SORTED_KEPT:
            _SORTED.popitem(last=False)
    return found


def _entries(session: Session, stars: dict[int, int]) -> list[Entry]:
    """The page's products in full, in the order of ``stars`` (product id → headline stars)."""
    ids = list(stars)
    if not ids:
        return []
    rows = {row.id: row for row in session.execute(
        select(Product.id, Product.name, Product.name_en, Product.gtin, Product.ocop_group,
               Organization.name.label("producer"),
               Organization.province_code, Organization.commune_code,
               Organization.province, Organization.commune)
        .join(Organization, Organization.id == Product.organization_id)
        .where(Product.id.in_(ids)))}
    first_photos = _first_photos(session, ids)
    entries = []
    for product_id in ids:
        row = rows[product_id]
        commune = admin_units.commune_by_code(row.commune_code)
        province = admin_units.province_by_code(row.province_code)
        entries.append(Entry(row.id, row.name, row.name_en, row.gtin, row.ocop_group, stars[product_id],
                             row.producer, commune.name if commune else row.commune,
                             province.name if province else row.province,
                             first_photos.get(product_id)))
    return entries


def _first_photos(session: Session, ids: list[int]) -> dict[int, photos.PublicPhoto]:
    found: dict[int, photos.PublicPhoto] = {}
    for photo in session.scalars(select(ProductPhoto).where(ProductPhoto.product_id.in_(ids))
                                 .order_by(ProductPhoto.product_id, ProductPhoto.position,
                                           ProductPhoto.id)):
        if photo.product_id not in found and photo.variants:
            found[photo.product_id] = photos.public_photo_of(photo)
    return found


_PRODUCT_BY_ID = text("SELECT p.id, p.gtin, p.updated_at, (SELECT page_seq FROM audit_head WHERE id = 1) "
                      "FROM products AS p WHERE p.id = :id AND EXISTS (SELECT 1 FROM batches AS b "
                      "WHERE b.product_id = p.id AND b.status <> 'draft')")


def find_public_product(session: Session, product_id: int) -> ProductKey | None:
    """The product with this id if it is public (a batch out of draft), keyed for the page cache."""
    row = session.connection().execute(_PRODUCT_BY_ID, {"id": product_id}).first()
    return None if row is None else ProductKey(row[0], row[1], tuple(row[2:]))


@dataclass(frozen=True)
class PublicProduct:
    """A public product page, for the sitemap."""

    product_id: int
    gtin: str | None
    updated_at: dt.datetime


def public_products(session: Session) -> list[PublicProduct]:
    """Every public product (a batch out of draft), by id: nothing unpublished or private."""
    return [PublicProduct(*row) for row in session.execute(
        select(Product.id, Product.gtin, Product.updated_at).where(_public()).order_by(Product.id))]
