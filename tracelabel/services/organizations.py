"""Producer organizations and the GS1 company prefixes that make their GTINs theirs.

The rule a GTIN must pass: it falls under one of its organization's GS1 company prefixes. A prefix
is recorded as it appears in the 13-digit form of a GTIN (GTIN-12: a leading 0; GTIN-14: the
indicator digit left off), and a GTIN is compared the same way: ``gtin14[1:]`` starts with the
prefix. A GTIN-8 is no company's range (GS1 assigns each one on its own); in 13-digit form it is
``00000`` and its eight digits, so an organization owning one records ``00000`` and the GTIN-8's
first seven digits: that twelve-digit entry covers exactly that GTIN-8 and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import Session, joinedload

from tracelabel.models import ORGANIZATION_KINDS, Organization, Product, User
from tracelabel.models.accounts import OrganizationPrefix
from tracelabel.services.actors import Actor
from tracelabel.services.audit import record_change, snapshot
from tracelabel.services.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from tracelabel.services.fields import clean_text, require_one_of
from tracelabel.services.places import clean_place

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PREFIX_FIELD = "gs1_prefixes"
GS1_VIETNAM = "893"
GTIN8_MARK = "00000"  # a GTIN-8 written in 13 digits starts with these
# GTIN-13 starts that GS1 keeps for in-store numbers (02, 04, 2), coupons (05, 98, 99) and
# publications (977-979 ISSN/ISBN/ISMN): never an organization's company prefix.
NOT_COMPANY_RANGES = ("02", "04", "05", "2", "98", "99", "977", "978", "979")
DETAIL_LIMITS = {"tax_code": 20, "address": 300, "phone": 40, "email": 200, "website": 200}
LISTED_PRODUCTS = 10


def require_admin(actor: Actor) -> None:
    """Only administrators (and the command line) manage organizations and accounts."""
    if actor.role not in ("admin", "system"):
        raise Forbidden("Only an administrator manages organizations and accounts.")


# --- GS1 company prefixes --------------------------------------------------------------------

def prefix_problem(prefix: str) -> tuple[str, dict[str, Any]] | None:
    """Why this text cannot be a GS1 company prefix (message and params), or None if it can."""
    params = {"prefix": prefix}
    if not prefix.isascii() or not prefix.isdigit():
        return "A GS1 company prefix has digits only: %(prefix)s.", params
    if not 6 <= len(prefix) <= 12:
        return ("A GS1 company prefix has 6 to 12 digits, as it appears at the start of a "
                "13-digit GTIN: %(prefix)s."), params
    if prefix.startswith("0000"):
        if prefix.startswith(GTIN8_MARK) and len(prefix) == 12:
            return None  # one GTIN-8, see the module's note
        return ("%(prefix)s starts with the zeros of a GTIN-8: record a GTIN-8 as 00000 followed "
                "by its first seven digits."), params
    if prefix.startswith(NOT_COMPANY_RANGES):
        return ("%(prefix)s is a GS1 range for in-store, coupon or publication numbers, not a "
                "company prefix."), params
    if prefix.startswith(GS1_VIETNAM) and len(prefix) < 7:
        return "A GS1 Vietnam company prefix (893…) has at least 7 digits: %(prefix)s.", params
    return None


def clean_prefixes(values: Iterable[Any] | str | None, errors: list[FieldError]) -> list[str]:
    """The prefixes given (a list, or text separated by spaces, commas or new lines), checked,
    without repeats, in the order given."""
    if values is None:
        return []
    items = re.split(r"[\s,;]+", values) if isinstance(values, str) else list(values)
    cleaned: list[str] = []
    for item in items:
        if not isinstance(item, str):
            errors.append(FieldError(PREFIX_FIELD, "Enter text."))
            continue
        prefix = re.sub(r"[\s.-]", "", item)
        if not prefix or prefix in cleaned:
            continue
        problem = prefix_problem(prefix)
        if problem:
            errors.append(FieldError(PREFIX_FIELD, *problem))
        else:
            cleaned.append(prefix)
    return cleaned


def gtin_falls_under(gtin14: str, prefix: str) -> bool:
    """Whether a stored (14-digit) GTIN falls under a company prefix (see the module's note)."""
    return gtin14[1:].startswith(prefix)


def _under(prefix: str) -> Any:
    """SQL: a product's stored GTIN falls under this prefix (digits only, nothing to escape)."""
    return Product.gtin.like(f"_{prefix}%")


def prefixes_of(session: Session, organization_id: int) -> list[str]:
    """An organization's GS1 company prefixes, in order."""
    return list(session.scalars(select(OrganizationPrefix.prefix)
                                .where(OrganizationPrefix.organization_id == organization_id)
                                .order_by(OrganizationPrefix.prefix)))


def check_gtin_owner(session: Session, organization_id: int, values: dict[str, Any],
                     current: Any, errors: list[FieldError]) -> None:
    """Note a GTIN that falls under none of the organization's GS1 company prefixes.

    Runs after the GTIN was validated and normalised to 14 digits; a GTIN left as it was (an
    edit of other fields) is not checked again, so records made before the rule stay editable.
    """
    gtin = values.get("gtin")
    if not gtin or any(error.field == "gtin" for error in errors):
        return
    if current is not None and gtin == current.gtin:
        return
    prefixes = prefixes_of(session, organization_id)
    if any(gtin_falls_under(gtin, prefix) for prefix in prefixes):
        return
    if prefixes:
        errors.append(FieldError(
            "gtin", "This GTIN does not fall under a GS1 company prefix recorded for your "
                    "organization (%(prefixes)s): only the owner of a company prefix registers "
                    "GTINs under it.", {"prefixes": ", ".join(prefixes)}))
    else:
        errors.append(FieldError(
            "gtin", "This GTIN does not fall under a GS1 company prefix recorded for your "
                    "organization (none is recorded yet): an administrator records the "
                    "organization's GS1 company prefixes."))


def _overlaps(session: Session, organization_id: int | None, prefixes: list[str],
              errors: list[FieldError]) -> None:
    for prefix in prefixes:
        clash = session.execute(
            select(OrganizationPrefix.prefix, Organization.name)
            .join(Organization, Organization.id == OrganizationPrefix.organization_id)
            .where(OrganizationPrefix.organization_id != (organization_id or 0),
                   or_(OrganizationPrefix.prefix.startswith(prefix),
                       literal(prefix).startswith(OrganizationPrefix.prefix)))
            .limit(1)).first()
        if clash:
            errors.append(FieldError(
                PREFIX_FIELD, "The GS1 company prefix %(prefix)s overlaps %(other)s, recorded for "
                              "%(organization)s: a prefix belongs to one organization only.",
                {"prefix": prefix, "other": clash[0], "organization": clash[1]}))


def _product_list(products: list[Product]) -> str:
    names = [f"{product.name} ({product.gtin})" for product in products[:LISTED_PRODUCTS]]
    if len(products) > LISTED_PRODUCTS:
        names.append(f"+{len(products) - LISTED_PRODUCTS}")
    return ", ".join(names)


def _refuse_orphaned_gtins(session: Session, organization: Organization, removed: set[str],
                           kept: list[str]) -> None:
    if not removed:
        return
    candidates = session.scalars(select(Product).where(
        Product.organization_id == organization.id, or_(*[_under(p) for p in sorted(removed)]))
        .order_by(Product.name, Product.id))
    orphaned = [product for product in candidates
                if not any(gtin_falls_under(product.gtin, prefix) for prefix in kept)]
    if orphaned:
        message = ("These products' GTINs fall under a GS1 company prefix being removed "
                   "(%(prefixes)s): %(products)s. Clear or change their GTINs first.")
        params = {"prefixes": ", ".join(sorted(removed)), "products": _product_list(orphaned)}
        raise Conflict(message, params, [FieldError(PREFIX_FIELD, message, params)])


def foreign_products(session: Session, organization: Organization) -> list[Product]:
    """Other organizations' products whose GTIN falls under this one's prefixes (registered before
    the prefix was recorded): an administrator looks into them."""
    prefixes = [entry.prefix for entry in organization.gs1_prefixes]
    if not prefixes:
        return []
    return list(session.scalars(select(Product).where(
        Product.organization_id != organization.id, or_(*[_under(p) for p in prefixes]))
        .order_by(Product.id)))


def _set_prefixes(session: Session, organization: Organization, prefixes: list[str]) -> None:
    wanted = set(prefixes)
    current = {entry.prefix: entry for entry in organization.gs1_prefixes}
    _refuse_orphaned_gtins(session, organization, set(current) - wanted, prefixes)
    for prefix, entry in current.items():
        if prefix not in wanted:
            organization.gs1_prefixes.remove(entry)
    session.flush()  # removals first: the unique index then sees only what stays
    for prefix in prefixes:
        if prefix not in current:
            organization.gs1_prefixes.append(OrganizationPrefix(prefix=prefix))


# --- organizations ---------------------------------------------------------------------------

def _clean_details(session: Session, values: dict[str, Any], errors: list[FieldError],
                   current: Organization | None) -> dict[str, Any]:
    organization_id = current.id if current is not None else None
    values = dict(values)
    cleaned: dict[str, Any] = clean_place(values, errors, current=current)
    for key, value in values.items():
        if key == "name":
            cleaned[key] = clean_text(value, "name", errors, required=True, max_length=200)
        elif key == "kind":
            require_one_of(value, ORGANIZATION_KINDS, "kind", errors)
            cleaned[key] = value
        elif key in DETAIL_LIMITS:
            cleaned[key] = clean_text(value, key, errors, max_length=DETAIL_LIMITS[key])
        else:
            errors.append(FieldError(key, "This field cannot be set here."))
    if cleaned.get("email") and not EMAIL_PATTERN.match(cleaned["email"]):
        errors.append(FieldError("email", "Enter a valid email address."))
    tax_code = cleaned.get("tax_code")
    if tax_code and session.scalar(select(Organization.id).where(
            Organization.tax_code == tax_code, Organization.id != (organization_id or 0))):
        errors.append(FieldError("tax_code", "An organization with this tax code already exists."))
    return cleaned


def _snapshot(organization: Organization) -> dict[str, Any]:
    return snapshot(organization, extra={
        PREFIX_FIELD: sorted(entry.prefix for entry in organization.gs1_prefixes)})


def create_organization(session: Session, actor: Actor, *, name: str, kind: str = "cooperative",
                        gs1_prefixes: Iterable[str] | str | None = None,
                        **details: Any) -> Organization:
    """Register a producer organization, with its GS1 company prefixes if it has any."""
    require_admin(actor)
    errors: list[FieldError] = []
    values = _clean_details(session, {"name": name, "kind": kind, **details}, errors, None)
    prefixes = clean_prefixes(gs1_prefixes, errors)
    _overlaps(session, None, prefixes, errors)
    if errors:
        raise ValidationFailed(errors)
    organization = Organization(**values)
    session.add(organization)
    organization.gs1_prefixes = [OrganizationPrefix(prefix=prefix) for prefix in prefixes]
    session.flush()
    record_change(session, actor, "organization.create", "organization", organization.id,
                  None, _snapshot(organization))
    return organization


def update_organization(session: Session, actor: Actor, organization_id: int,
                        changes: dict[str, Any]) -> Organization:
    """Change an organization's details; ``gs1_prefixes``, when given, replaces the whole set.

    A prefix that a product's GTIN depends on is not removed (409 naming the products).
    """
    require_admin(actor)
    organization = get_organization(session, organization_id)
    changes = dict(changes)
    errors: list[FieldError] = []
    new_prefixes = changes.pop(PREFIX_FIELD, None)
    values = _clean_details(session, changes, errors, organization)
    prefixes = clean_prefixes(new_prefixes, errors) if new_prefixes is not None else None
    if prefixes:
        _overlaps(session, organization.id, prefixes, errors)
    if errors:
        raise ValidationFailed(errors)
    before = _snapshot(organization)
    for key, value in values.items():
        setattr(organization, key, value)
    if prefixes is not None:
        _set_prefixes(session, organization, prefixes)
    session.flush()
    after = _snapshot(organization)
    if after != before:
        record_change(session, actor, "organization.update", "organization", organization.id,
                      before, after)
    return organization


def get_organization(session: Session, organization_id: int) -> Organization:
    """An organization by id, or NotFound."""
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("Organization %(id)s was not found.", {"id": organization_id})
    return organization


def list_organizations(session: Session, actor: Actor) -> list[tuple[Organization, int]]:
    """Every organization (prefixes loaded) with its number of accounts, by name (administrators)."""
    require_admin(actor)
    counts = (select(User.organization_id, func.count(User.id).label("accounts"))
              .group_by(User.organization_id).subquery())
    rows = session.execute(select(Organization, func.coalesce(counts.c.accounts, 0))
                           .outerjoin(counts, counts.c.organization_id == Organization.id)
                           .options(joinedload(Organization.gs1_prefixes))  # one query in all
                           .order_by(Organization.name, Organization.id)).unique()
    return [(organization, int(accounts)) for organization, accounts in rows]


def account_count(session: Session, organization_id: int) -> int:
    """How many accounts belong to an organization."""
    return int(session.scalar(select(func.count(User.id))
                              .where(User.organization_id == organization_id)) or 0)
