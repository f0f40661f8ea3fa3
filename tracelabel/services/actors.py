"""Who is acting, and the visibility and ownership rules every service applies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from tracelabel.services.errors import Forbidden, NotFound

READ_ALL_ROLES = frozenset({"inspector", "admin", "system"})

ModelT = TypeVar("ModelT")


@dataclass(frozen=True)
class Actor:
    """The person (or the command line) on whose behalf a service runs."""

    user_id: int | None
    role: str
    organization_id: int | None
    label: str

    @property
    def reads_everything(self) -> bool:
        """Inspectors, admins and the command line see every organization's records."""
        return self.role in READ_ALL_ROLES

    @property
    def is_inspector(self) -> bool:
        """Whether this actor holds the inspector role."""
        return self.role == "inspector"


SYSTEM = Actor(user_id=None, role="system", organization_id=None, label="system (command line)")


def visible(statement: Select[Any], model: Any, actor: Actor) -> Select[Any]:
    """Restrict a query on an organization-owned model to what the actor may see."""
    if actor.reads_everything:
        return statement
    return statement.where(model.organization_id == actor.organization_id)


def get_visible(session: Session, model: type[ModelT], record_id: int, actor: Actor,
                what: str) -> ModelT:
    """Load a record the actor may see, or raise NotFound (another producer's record included)."""
    record = session.get(model, record_id)
    if record is None or not (
        actor.reads_everything or record.organization_id == actor.organization_id  # type: ignore[attr-defined]
    ):
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
