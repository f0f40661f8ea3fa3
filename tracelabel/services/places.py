"""Where organizations, areas and facilities are: official units of the map in force since 1 July 2025.

Every path that writes a place goes through :func:`clean_place`. Input is ``province`` and
``commune`` (a name as the package spells it, with or without its prefix, in any case, or an
official code) and/or ``province_code`` and ``commune_code`` (codes). What is stored is both the
codes and the names as the package spells them, in the old free-text columns: every page, export,
trace and published record that reads those names keeps working, now with the official spelling.

A record written before the codes existed and not matched by migration 0010 keeps its text with
no code: it is *unsettled*, listed for an administrator (:func:`unsettled_places`) until someone
sets its units.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from tracelabel import admin_units
from tracelabel.admin_units_legacy import match_free_text
from tracelabel.models import Facility, Organization, RawMaterialArea
from tracelabel.services.actors import Actor
from tracelabel.services.audit import record_change, snapshot
from tracelabel.services.errors import FieldError, Forbidden, NotFound, ValidationFailed

PLACE_FIELDS = ("province", "commune", "province_code", "commune_code")
KINDS: dict[str, type] = {"organization": Organization, "area": RawMaterialArea,
                          "facility": Facility}
LISTED = 500


def _read(value: Any, field: str, errors: list[FieldError]) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is not None and not isinstance(value, str):
        errors.append(FieldError(field, "Enter text."))
        return None
    text = (value or "").strip()
    if len(text) > 100:
        errors.append(FieldError(field, "Use at most %(max)s characters.", {"max": 100}))
        return None
    return text or None


def _resolve(values: dict[str, Any], name: str, find: Callable[[str], Any],
             errors: list[FieldError]) -> tuple[bool, Any]:
    """Whether ``name`` or ``name_code`` was given, and the unit they name (None if blank).

    Given both, they must name the same unit; an error names the field at fault.
    """
    code_field = f"{name}_code"
    touched = name in values or code_field in values
    text = _read(values.get(name), name, errors)
    code = _read(values.get(code_field), code_field, errors)
    if code is not None and not code.isdigit():
        errors.append(FieldError(code_field, "Enter the official code (digits only)."))
        return touched, None
    found = {}
    for field, value in ((name, text), (code_field, code)):
        if value is None:
            continue
        try:
            found[field] = find(value)
        except admin_units.UnitNotFound as error:
            errors.append(FieldError(field, error.message, dict(error.params)))
            return touched, None
    if len({unit.code for unit in found.values()}) > 1:
        errors.append(FieldError(code_field, "The name and the code given name different units."))
        return touched, None
    return touched, next(iter(found.values()), None)


def clean_place(values: dict[str, Any], errors: list[FieldError], *, current: Any = None,
                province_required: bool = False, commune_column: bool = True) -> dict[str, Any]:
    """Take the place fields out of ``values``; answer the columns to set (none if not given).

    A commune is looked up inside the province given (or kept); given alone, it names its
    province. A commune outside the province is an error on the field that named it; changing
    the province of a record whose commune lies elsewhere asks for the commune too. Clearing the
    province clears the commune.
    """
    given = {key: values.pop(key) for key in PLACE_FIELDS if key in values}
    if not given:
        if current is None and province_required:
            errors.append(FieldError("province", "This field is required."))
        return {}
    before = len(errors)
    province_touched, unit = _resolve(given, "province", admin_units.find_province, errors)
    if len(errors) > before:
        return {}
    if province_touched:
        province = unit.code if unit is not None else None
    else:
        province = getattr(current, "province_code", None)
    commune_touched = "commune" in given or "commune_code" in given
    commune = None
    if commune_touched:
        _touched, commune = _resolve(
            given, "commune", lambda text: admin_units.find_commune(text, province), errors)
        if len(errors) > before:
            return {}
        if commune is not None and province is None:
            province, province_touched = commune.province_code, True
    elif current is not None and province is not None:
        commune = admin_units.commune_by_code(current.commune_code)
        if commune is not None and commune.province_code != province:
            errors.append(FieldError("commune", "%(commune)s is not a commune of %(province)s: "
                                     "choose a commune of the new province, or none.",
                                     {"commune": commune.name,
                                      "province": admin_units.province_by_code(province).name}))
            return {}
    if province is None and province_required and (province_touched or current is None):
        errors.append(FieldError("province", "This field is required."))
        return {}
    columns = place_columns(province, commune.code if commune else None, commune_column)
    if not province_touched:
        del columns["province"], columns["province_code"]  # an unsettled province's text stays
    if not commune_touched and province is not None:
        columns.pop("commune", None)  # kept: moved along with the province, or unsettled text
        columns.pop("commune_code")
    return columns


def place_columns(province_code: str | None, commune_code: str | None,
                  commune_column: bool = True) -> dict[str, Any]:
    """The codes and the names (as the package spells them) to store for a place."""
    province = admin_units.province_by_code(province_code)
    commune = admin_units.commune_by_code(commune_code)
    columns: dict[str, Any] = {"province_code": province.code if province else None,
                               "province": province.name if province else None,
                               "commune_code": commune.code if commune else None}
    if commune_column:
        columns["commune"] = commune.name if commune else None
    return columns


def province_filter(model: type, text: str) -> Any:
    """SQL: records in the province named or coded by ``text`` (as written, if no unit answers)."""
    try:
        return model.province_code == admin_units.find_province(text).code
    except admin_units.UnitNotFound:
        return model.province == text


def place_view(record: Any) -> dict[str, str | None]:
    """``province``, ``province_code``, ``commune``, ``commune_code`` of a record, as answered.

    A facility keeps no commune name of its own: it is the package's name of its code.
    """
    commune = getattr(record, "commune", None)
    if commune is None and record.commune_code:
        unit = admin_units.commune_by_code(record.commune_code)
        commune = unit.name if unit else None
    return {"province": record.province, "province_code": record.province_code,
            "commune": commune, "commune_code": record.commune_code}


def commune_name(record: Any) -> str | None:
    """The commune's name of a record (a facility's from its code)."""
    return place_view(record)["commune"]


# --- places left for a person to settle ----------------------------------------------------------

def _unsettled_condition(model: type) -> Any:
    conditions = [and_(model.province.is_not(None), model.province != "", model.province_code.is_(None))]
    if hasattr(model, "commune"):
        conditions.append(and_(model.commune.is_not(None), model.commune != "",
                               model.commune_code.is_(None)))
    return or_(*conditions)


@dataclasses.dataclass(frozen=True)
class UnsettledPlace:
    """A record whose place was written as text that no official unit answered."""

    kind: str
    id: int
    name: str
    organization: str
    province: str | None
    commune: str | None
    province_code: str | None
    address: str | None


def _require_admin(actor: Actor) -> None:
    if actor.role not in ("admin", "system"):
        raise Forbidden("Only an administrator manages organizations and accounts.")


def count_unsettled(session: Session) -> dict[str, int]:
    """How many records of each kind have a place left to settle."""
    return {kind: int(session.scalar(select(func.count()).select_from(model)
                                     .where(_unsettled_condition(model))) or 0)
            for kind, model in KINDS.items()}


def unsettled_places(session: Session, actor: Actor, limit: int = LISTED) -> list[UnsettledPlace]:
    """Records whose place is left to settle, organizations first (administrators)."""
    _require_admin(actor)
    found: list[UnsettledPlace] = []
    for kind, model in KINDS.items():
        if model is Organization:
            statement = select(model, model.name).where(_unsettled_condition(model))
        else:
            statement = (select(model, Organization.name)
                         .join(Organization, Organization.id == model.organization_id)
                         .where(_unsettled_condition(model)))
        for record, owner in session.execute(statement.order_by(model.id).limit(limit)):
            found.append(UnsettledPlace(kind, record.id, record.name, owner, record.province,
                                        getattr(record, "commune", None), record.province_code,
                                        getattr(record, "address", None)))
    return found


def get_located(session: Session, kind: str, record_id: int) -> Any:
    """An organization, area or facility by kind and id, or NotFound."""
    model = KINDS.get(kind)
    record = session.get(model, record_id) if model is not None else None
    if record is None:
        raise NotFound("Record %(id)s was not found.", {"id": record_id})
    return record


def is_unsettled(record: Any) -> bool:
    """Whether a record's place is text that no official unit answers yet."""
    return bool((record.province and not record.province_code) or
                (getattr(record, "commune", None) and not record.commune_code))


def suggestion(record: Any) -> dict[str, str | None]:
    """What the pre-2025 tables or today's names make of a record's text (the codes it has win)."""
    match = match_free_text(record.province, getattr(record, "commune", None))
    return {"province": record.province_code or match.province_code,
            "commune": record.commune_code or match.commune_code}


def settle_place(session: Session, actor: Actor, kind: str, record_id: int, province: str | None,
                 commune: str | None) -> Any:
    """Set an organization's, area's or facility's official units (administrators)."""
    _require_admin(actor)
    record = get_located(session, kind, record_id)
    errors: list[FieldError] = []
    columns = clean_place({"province": province, "commune": commune}, errors, current=None,
                          province_required=True,
                          commune_column=hasattr(record, "commune"))
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(record)
    for key, value in columns.items():
        setattr(record, key, value)
    session.flush()
    record_change(session, actor, f"{kind}.update", kind, record.id, before, snapshot(record))
    return record
