"""Database errors that mean two requests clashed, told apart from faults and named without values.

A duplicate saved at the same moment (a lot, a GTIN, an e-mail), a record changed or deleted by
another request between read and write, or a lock the other request held too long: each becomes a
``Conflict`` (409) a person can act on. Anything else stays a fault. Descriptions for the log name
the error, its SQLSTATE / SQLite code, the constraint and the statement, never the values.
"""

from __future__ import annotations

import re
from functools import cache

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from tracelabel.db import Base
from tracelabel.services.errors import Conflict, FieldError

CHANGED = ("Someone else changed the same record at the same moment, so nothing of yours was "
           "saved. Reload and try again.")
DUPLICATE = ("This record was saved by another request at the same moment, so nothing of yours "
             "was saved. Reload to see it.")
# The constraints a person can run into, with the field they guard and what to tell them.
KNOWN_CONSTRAINTS = {
    "uq_batches_product_lot": ("lot", "This product already has a batch with this lot code."),
    "uq_products_gtin": ("gtin", "Another product already uses this GTIN."),
    "uq_users_email": ("email", "An account with this email already exists."),
    "uq_organizations_tax_code": ("tax_code", "An organization with this tax code already exists."),
}
DUPLICATE_STATES = {"23505"}  # unique_violation
CHANGED_STATES = {"23503", "40001", "40P01", "55P03"}  # foreign key, serialization, deadlock, lock
DUPLICATE_SQLITE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
CHANGED_SQLITE = {"SQLITE_CONSTRAINT_FOREIGNKEY", "SQLITE_LOCKED"}
SQLITE_COLUMNS = re.compile(r"constraint failed: (.+)$")
SQLITE_INDEX = re.compile(r"index '(\w+)'")


def _driver_code(error: DBAPIError) -> str | None:
    """The SQLSTATE (PostgreSQL) or SQLite result-code name of the driver's error."""
    return (getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
            or getattr(error.orig, "sqlite_errorname", None))


@cache
def _sqlite_constraint_names() -> dict[tuple[str, ...], str]:
    """Unique and primary-key constraints by their ``table.column`` list, as SQLite reports them."""
    names: dict[tuple[str, ...], str] = {}
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint):
                key = tuple(f"{table.name}.{column.name}" for column in constraint.columns)
                names[key] = str(constraint.name)
    return names


def constraint_name(error: DBAPIError) -> str | None:
    """The name of the constraint a database error reports, when the database tells it."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None:
        return diag.constraint_name
    message = str(error.orig).partition("\n")[0]
    if index := SQLITE_INDEX.search(message):
        return index.group(1)
    if columns := SQLITE_COLUMNS.search(message):
        key = tuple(part.strip() for part in columns.group(1).split(","))
        return _sqlite_constraint_names().get(key)
    return None


def _is_duplicate(code: str) -> bool | None:
    """True for a duplicate, False for a concurrent change or lock, None for anything else."""
    if code in DUPLICATE_STATES or code in DUPLICATE_SQLITE:
        return True
    if code in CHANGED_STATES or code in CHANGED_SQLITE or code.startswith("SQLITE_BUSY"):
        return False
    return None


def database_conflict(error: BaseException) -> Conflict | None:
    """The clash a database error stands for, as a domain ``Conflict``; None for a fault."""
    if isinstance(error, StaleDataError):
        return Conflict(CHANGED)
    if not isinstance(error, DBAPIError) or error.connection_invalidated:
        return None
    duplicate = _is_duplicate(_driver_code(error) or "")
    if duplicate is None:
        return None
    if not duplicate:
        return Conflict(CHANGED)
    known = KNOWN_CONSTRAINTS.get(constraint_name(error) or "")
    if known is None:
        return Conflict(DUPLICATE)
    field, message = known
    return Conflict(message, errors=[FieldError(field, message)])


def describe(error: BaseException) -> str:
    """What a database error was, for the log: no parameter or row value in it."""
    if not isinstance(error, DBAPIError):
        return type(error).__name__
    details = [_driver_code(error) or "no code"]
    if name := constraint_name(error):
        details.append(f"constraint {name}")
    statement = " ".join((error.statement or "").split())[:500]
    return f"{type(error.orig).__name__} ({', '.join(details)}) in: {statement}"
