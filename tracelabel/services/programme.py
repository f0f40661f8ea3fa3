"""The province's coverage toward "100% of OCOP products labelled": one computation that the
dashboard, the API and the workbook all show, and the lists of the products behind each figure.

Definitions, as of a date D (Vietnam time):

- an *OCOP product* has an OCOP certificate for it, valid on D, that no inspector rejected; its
  stars are the highest such certificate's;
- it is *labelled* when at least one of its batches is published (today, not suspended or
  recalled), was published on or before D, and had labels printed (a label run) on or before D;
- it *meets Circular 02* when its latest batch published on or before D has no readiness gap
  (``services/readiness.py``'s rule, in SQL, on the records as they stand today);
- it was *scanned in the last 30 / 90 days* when one of its codes was scanned on D or the 29 / 89
  days before;
- *re-evaluation due*: OCOP products whose last valid certificate ends within the 90 days after
  D; *lapsed*: products whose OCOP certificates have all ended before D, none renewed.

A product belongs to the province and commune of its producer (``organizations``' official codes).
Every count is an aggregate query over :func:`coverage_facts.product_facts`; Python only sums the
few grouped rows. Scans and label printings are read from the tallies the worker rolls up
(:mod:`tracelabel.services.scan_tallies`) plus, live, the few recorded since its last roll-up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tracelabel import admin_units
from tracelabel.models import Batch, Organization, OrganizationScanWeek, Product, RawMaterialArea, Scan
from tracelabel.services import scan_tallies
from tracelabel.services.actors import Actor
from tracelabel.services.coverage_facts import VIETNAM, end_of, filled, product_facts
from tracelabel.services.errors import Forbidden, ValidationFailed
from tracelabel.services.pages import Page

WEEKS_SHOWN = 52
ONE_DAY = dt.timedelta(days=1)
NO_COMMUNE = "none"  # the list of products whose producer's commune is not set
LIST_FILTERS = ("ocop", "labelled", "unlabelled", "meeting", "scanned_30", "scanned_90", "due",
                "lapsed")


@dataclass
class Counts:
    """The headline numbers of one slice of OCOP products."""

    ocop_products: int = 0
    labelled: int = 0
    meeting_circular_02: int = 0
    scanned_30_days: int = 0
    scanned_90_days: int = 0

    @property
    def labelled_percent(self) -> float | None:
        """Labelled OCOP products, per cent, one decimal (None when there are none)."""
        if not self.ocop_products:
            return None
        return round(100 * self.labelled / self.ocop_products, 1)

    def add(self, row: Any) -> None:
        """Add one grouped row's counts."""
        self.ocop_products += row.products
        self.labelled += row.labelled
        self.meeting_circular_02 += row.meeting
        self.scanned_30_days += row.scanned_30
        self.scanned_90_days += row.scanned_90


@dataclass
class Coverage:
    """Everything the dashboard shows for one province (or the country) on one date."""

    province_code: str | None
    as_of: dt.date
    totals: Counts = field(default_factory=Counts)
    by_commune: dict[str | None, Counts] = field(default_factory=dict)
    by_group: dict[str, Counts] = field(default_factory=dict)
    by_stars: dict[int, Counts] = field(default_factory=dict)
    reevaluation_due: int = 0
    lapsed: int = 0
    area_codes: dict[str, int] = field(default_factory=dict)
    scans_per_week: list[tuple[dt.date, int]] = field(default_factory=list)

    @property
    def province_name(self) -> str | None:
        """The province's name as the package spells it (None: the whole country)."""
        province = admin_units.province_by_code(self.province_code)
        return province.name if province else None


def coverage_scope(actor: Actor, province: str | None) -> str | None:
    """The province whose coverage the actor reads: its own when it is scoped, else the one asked
    for (by name or code), else None for the whole country."""
    if not actor.reads_across_producers:
        raise Forbidden("Only officials read the province's coverage.")
    if actor.province_scope is not None:
        if province and _province_code(province) != actor.province_scope:
            raise Forbidden("You follow the coverage of your own province only.")
        return actor.province_scope
    return _province_code(province) if province else None


def _province_code(text: str) -> str:
    try:
        return admin_units.find_province(text).code
    except admin_units.UnitNotFound:
        raise ValidationFailed.one("province", "No province is called or coded %(value)s on the "
                                   "map in force since 1 July 2025.", value=text) from None


def check_as_of(as_of: dt.date, today: dt.date) -> dt.date:
    """The date counted as of: today or earlier."""
    if as_of > today:
        raise ValidationFailed.one("as_of", "Count as of today or an earlier date.")
    return as_of


def coverage(session: Session, actor: Actor, province: str | None, as_of: dt.date,
             now: dt.datetime) -> Coverage:
    """The coverage of the actor's province (or the one asked for) as of a date."""
    code = coverage_scope(actor, province)
    check_as_of(as_of, now.astimezone(VIETNAM).date())
    _without_jit(session)
    result = Coverage(code, as_of)
    seen = scan_tallies.rolled_up_to(session)
    facts = product_facts(code, as_of, seen)
    rows = session.execute(
        select(facts.c.commune_code, facts.c.ocop_group, facts.c.stars,
               func.sum(facts.c.ocop).label("products"), func.sum(facts.c.labelled * facts.c.ocop)
               .label("labelled"), func.sum(facts.c.meeting * facts.c.ocop).label("meeting"),
               func.sum(facts.c.scanned_30 * facts.c.ocop).label("scanned_30"),
               func.sum(facts.c.scanned_90 * facts.c.ocop).label("scanned_90"),
               func.sum(facts.c.due).label("due"), func.sum(facts.c.lapsed).label("lapsed"))
        .group_by(facts.c.commune_code, facts.c.ocop_group, facts.c.stars)).all()
    for row in rows:
        result.reevaluation_due += row.due or 0
        result.lapsed += row.lapsed or 0
        if row.stars is None:
            continue  # lapsed products: counted above, in no breakdown
        for table, key in ((result.by_commune, row.commune_code), (result.by_group, row.ocop_group),
                           (result.by_stars, row.stars)):
            table.setdefault(key, Counts()).add(row)
        result.totals.add(row)
    result.by_commune = dict(sorted(result.by_commune.items(), key=lambda item: item[0] or "~"))
    result.by_stars = dict(sorted(result.by_stars.items()))
    result.area_codes = _area_codes(session, code)
    result.scans_per_week = _scans_per_week(session, code, as_of, seen)
    return result


def _without_jit(session: Session) -> None:
    """No JIT compilation on PostgreSQL for this transaction: the per-product probes make the
    plan look costly, and compiling it took seconds where running it takes milliseconds."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _in_province(statement: Any, column: Any, province_code: str | None) -> Any:
    if province_code is None:
        return statement
    return statement.where(column.in_(select(Organization.id)
                                      .where(Organization.province_code == province_code)))


def _area_codes(session: Session, province_code: str | None) -> dict[str, int]:
    """Areas with an official code, by the code's status (as it stands today)."""
    statement = _in_province(
        select(RawMaterialArea.code_status, func.count()).where(filled(RawMaterialArea.code))
        .group_by(RawMaterialArea.code_status), RawMaterialArea.organization_id, province_code)
    found = dict(session.execute(statement).all())
    return {status: found.get(status, 0) for status in ("active", "suspended", "revoked")}


def _scans_per_week(session: Session, province_code: str | None, as_of: dt.date,
                    seen: scan_tallies.Watermarks) -> list[tuple[dt.date, int]]:
    """Scans per week (Monday to Sunday), the last week being the one of D: the tallies plus the
    scans not rolled up yet, in one statement."""
    last = scan_tallies.week_start(as_of)
    first = last - dt.timedelta(weeks=WEEKS_SHOWN - 1)
    tallied = _in_province(
        select(OrganizationScanWeek.week.label("week"), OrganizationScanWeek.scans.label("scans"))
        .where(OrganizationScanWeek.week >= first, OrganizationScanWeek.week <= last),
        OrganizationScanWeek.organization_id, province_code)
    week = scan_tallies.local_week(session, Scan.scanned_at)
    organization = (select(Batch.organization_id).where(Batch.id == Scan.batch_id)
                    .scalar_subquery())  # per row, as in ``coverage_facts.product_of``
    recent = _in_province(
        select(week.label("week"), func.count().label("scans"))
        .where(scan_tallies.scans_not_rolled_up(seen),
               Scan.scanned_at >= end_of(first - ONE_DAY),
               Scan.scanned_at < end_of(last + 6 * ONE_DAY))
        .group_by(week), organization, province_code)
    both = tallied.union_all(recent).subquery("weeks")
    found: dict[dt.date, int] = {}
    for week_text, count in session.execute(select(both.c.week, func.sum(both.c.scans))
                                            .group_by(both.c.week)):
        found[dt.date.fromisoformat(str(week_text)[:10])] = int(count)
    return [(first + dt.timedelta(weeks=n), found.get(first + dt.timedelta(weeks=n), 0))
            for n in range(WEEKS_SHOWN)]


@dataclass(frozen=True)
class ProductListing:
    """A filter of the products behind one figure."""

    kind: str = "ocop"
    commune_code: str | None = None  # NO_COMMUNE for producers without one
    ocop_group: str | None = None
    stars: int | None = None


def product_list(session: Session, actor: Actor, province: str | None, as_of: dt.date,
                 listing: ProductListing, *, page: int = 1, per_page: int = 50) -> Page:
    """The products a figure counts, by name, each as (product, organization, facts row)."""
    code = coverage_scope(actor, province)
    if listing.kind not in LIST_FILTERS:
        raise ValidationFailed.one("list", "Choose one of: %(choices)s.",
                                   choices=", ".join(LIST_FILTERS))
    _without_jit(session)
    facts = product_facts(code, as_of, scan_tallies.rolled_up_to(session))
    flag = {"ocop": facts.c.ocop, "due": facts.c.due, "lapsed": facts.c.lapsed}.get(listing.kind)
    conditions = [flag == 1] if flag is not None else [facts.c.ocop == 1]
    if listing.kind == "unlabelled":
        conditions.append(facts.c.labelled == 0)
    elif listing.kind in ("labelled", "meeting", "scanned_30", "scanned_90"):
        conditions.append(getattr(facts.c, listing.kind) == 1)
    if listing.commune_code == NO_COMMUNE:
        conditions.append(facts.c.commune_code.is_(None))
    elif listing.commune_code is not None:
        conditions.append(facts.c.commune_code == listing.commune_code)
    if listing.ocop_group is not None:
        conditions.append(facts.c.ocop_group == listing.ocop_group)
    if listing.stars is not None:
        conditions.append(facts.c.stars == listing.stars)
    statement = (select(Product, Organization, facts.c.stars, facts.c.labelled, facts.c.meeting,
                        facts.c.scanned_30, facts.c.scanned_90)
                 .join(facts, facts.c.product_id == Product.id)
                 .join(Organization, Organization.id == Product.organization_id)
                 .where(*conditions))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(statement.order_by(Product.name, Product.id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([(row[0], row[1], row) for row in rows], int(total), page, per_page)


def area_list(session: Session, actor: Actor, province: str | None, status: str, *,
              page: int = 1, per_page: int = 50) -> Page:
    """The coded raw-material areas of the province whose code has this status, by code."""
    code = coverage_scope(actor, province)
    if status not in ("active", "suspended", "revoked"):
        raise ValidationFailed.one("status", "Choose one of: %(choices)s.",
                                   choices="active, suspended, revoked")
    statement = _in_province(
        select(RawMaterialArea, Organization)
        .join(Organization, Organization.id == RawMaterialArea.organization_id)
        .where(filled(RawMaterialArea.code), RawMaterialArea.code_status == status),
        RawMaterialArea.organization_id, code)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(statement.order_by(RawMaterialArea.code, RawMaterialArea.id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(rows), int(total), page, per_page)
