"""Domain errors. Messages are English msgids with ``%(name)s`` params, translated at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one input field."""

    field: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    """A rule of the domain refused the request; nothing was changed."""

    kind = "invalid"

    def __init__(self, message: str, params: dict[str, Any] | None = None,
                 errors: list[FieldError] | None = None) -> None:
        super().__init__(message % (params or {}))
        self.message = message
        self.params = params or {}
        self.errors = errors or []


class ValidationFailed(DomainError):
    """One or more fields hold values the domain does not accept."""

    kind = "validation"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("Some fields are not valid.", errors=errors)

    @classmethod
    def one(cls, field_name: str, message: str, **params: Any) -> ValidationFailed:
        """A validation error naming a single field."""
        return cls([FieldError(field_name, message, params)])


class NotFound(DomainError):
    """The record does not exist, or the actor may not see it (both look the same)."""

    kind = "not_found"


class Forbidden(DomainError):
    """The actor may see the record but not do this to it."""

    kind = "forbidden"


class Conflict(DomainError):
    """The request clashes with the record's state (a published chain, a duplicate lot, …)."""

    kind = "conflict"
