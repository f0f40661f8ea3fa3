"""Who is acting, and the visibility and ownership rules every service applies.

Officials (inspectors and programme officials) read across producers, either nationwide or within
one province: a record belongs to the province of the organization that owns it
(``organizations.province_code``), so a scoped official sees exactly its province's producers and
everything they own. ``visible`` and ``get_visible`` apply that rule for every read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tracelabel import admin_units
from tracelabel.models import Organization
from tracelabel.services.errors import FieldError, Forbidden, NotFound

READ_ALL_ROLES = frozenset({"inspector", "admin", "system", "programme"})
OFFICIAL_ROLES = frozenset({"inspector", "programme"})

ModelT = TypeVar("ModelT")


@dataclass(frozen=True)
class Actor:
    """The person (or the command line) on whose behalf a service runs."""

    user_id: int | None
    role: str
    organization_id: int | None
    label: str
    # An official's province (official two-digit code); None is the whole country.
    scope_province_code: str | None = None

    @property
    def reads_across_producers(self) -> bool:
        """Officials, admins and the command line read other organizations' records."""
        return self.role in READ_ALL_ROLES

    @property
    def reads_everything(self) -> bool:
        """National officials, admins and the command line see every organization's records."""
        return self.reads_across_producers and self.province_scope is None

    @property
    def province_scope(self) -> str | None:
        """The province an official is limited to, or None (national, or not an official)."""
        return self.scope_province_code if self.role in OFFICIAL_ROLES else None

    @property
    def is_inspector(self) -> bool:
        """Whether this actor holds the inspector role."""
        return self.role == "inspector"


SYSTEM = Actor(user_id=None, role="system", organization_id=None, label="system (command line)")


def province_organizations(province_code: str) -> Select[Any]:
    """The ids of the organizations of one province (a subquery for ``IN``)."""
    return select(Organization.id).where(Organization.province_code == province_code)


def visibility_condition(organization_column: Any, actor: Actor) -> Any:
    """The condition on an owning organization's id that keeps what the actor may see, or None
    when the actor sees everything."""
    if actor.reads_everything:
        return None
    if actor.reads_across_producers:
        return organization_column.in_(province_organizations(actor.province_scope or ""))
    return organization_column == actor.organization_id


def visible(statement: Select[Any], model: Any, actor: Actor) -> Select[Any]:
    """Restrict a query on an organization-owned model (or on organizations) to what the actor
    may see: its own organization's records, its province's, or everything."""
    column = model.id if model is Organization else model.organization_id
    condition = visibility_condition(column, actor)
    return statement if condition is None else statement.where(condition)


def may_see(session: Session, actor: Actor, organization_id: int | None) -> bool:
    """Whether the actor may see records owned by this organization."""
    if actor.reads_everything:
        return True
    if actor.reads_across_producers:
        owner = session.get(Organization, organization_id) if organization_id else None
        return owner is not None and owner.province_code == actor.province_scope
    return organization_id == actor.organization_id


def get_visible(session: Session, model: type[ModelT], record_id: int, actor: Actor,
                what: str) -> ModelT:
    """Load a record the actor may see, or raise NotFound (another producer's record, or one of
    another province for a scoped official, included)."""
    record = session.get(model, record_id)
    if record is None or not may_see(session, actor, record.organization_id):  # type: ignore[attr-defined]
        raise NotFound("%(what)s %(id)s was not found.", {"what": what, "id": record_id})
    return record


def owning_organization(actor: Actor, organization_id: int | None = None) -> int:
    """The organization a new record belongs to: the producer's own, or one the CLI names."""
    if actor.role == "producer" and actor.organization_id is not None:
        if organization_id not in (None, actor.organization_id):
            raise Forbidden("Producers create records only for their own organization.")
        return actor.organization_id
    if actor.role == "system" and organization_id is not None:
        return organization_id
    if actor.role == "system":
        raise Forbidden("Name the organization the record belongs to.")
    raise Forbidden("Only a producer creates or changes a producer's records.")


def require_owner(actor: Actor, record: Any) -> None:
    """Refuse changes by anyone but a producer of the owning organization (or the CLI)."""
    if actor.role == "system":
        return
    if actor.role != "producer" or record.organization_id != actor.organization_id:
        raise Forbidden("Only the producer who owns this record may change it.")


NATIONAL_WORDS = frozenset({"national", "toàn quốc", "toan quoc", "cả nước", "ca nuoc"})


def resolve_scope(text: str | None, role: str, errors: list[Any]) -> str | None:
    """The province code an official's scope names (``national`` or nothing: None).

    Only inspectors and programme officials are scoped; a scope given for another role, or a
    province the map does not know, is a field error on ``scope``.
    """
    value = (text or "").strip()
    if not value or value.casefold() in NATIONAL_WORDS:
        return None
    if role not in OFFICIAL_ROLES:
        errors.append(FieldError("scope", "Only inspectors and programme officials have a scope."))
        return None
    try:
        return admin_units.find_province(value).code
    except admin_units.UnitNotFound:
        errors.append(FieldError("scope", "No province is called or coded %(value)s on the map in "
                                 "force since 1 July 2025; write a province or national.",
                                 {"value": value}))
        return None


def scope_label(province_code: str | None) -> str:
    """The province's name as the package spells it, or ``national``."""
    province = admin_units.province_by_code(province_code)
    return province.name if province else "national"
