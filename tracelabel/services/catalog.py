"""Products, raw-material areas, facilities and certificates: what a producer registers once."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from tracelabel import codes, textfold
from tracelabel.models import (
    AREA_CODE_STATUSES,
    CERTIFICATE_SCHEMES,
    CERTIFICATE_SUBJECTS,
    OCOP_GROUPS,
    Batch,
    Certificate,
    Facility,
    Organization,
    Product,
    RawMaterialArea,
)
from tracelabel.models.enums import ISSUING_LEVELS
from tracelabel.services import where_to_buy
from tracelabel.services.actors import (
    Actor,
    get_visible,
    owning_organization,
    require_owner,
    visible,
)
from tracelabel.services.audit import record_change, snapshot
from tracelabel.services.errors import Conflict, FieldError, Forbidden, ValidationFailed
from tracelabel.services.fields import clean_text, require_date_order, require_one_of
from tracelabel.services.organizations import check_gtin_owner
from tracelabel.services.pages import Page, paginate
from tracelabel.services.places import clean_place, province_filter

RecordT = TypeVar("RecordT", Product, RawMaterialArea, Facility, Certificate)

TEXT_LIMITS: dict[str, int] = {
    "name": 200, "name_en": 200, "brand": 200, "model_code": 100, "unit": 100,
    "description": 5000, "warnings": 5000, "storage_instructions": 5000, "material": 200,
    "province": 100, "commune": 100, "standard": 100, "address": 300,
    "food_safety_cert_no": 100, "number": 100, "issuer": 200, "code": 40,
}
REQUIRED = {
    Product: ("name", "ocop_group"),
    RawMaterialArea: ("name", "material"),  # and a province: see services/places.py
    Facility: ("name", "address"),
    Certificate: ("scheme", "number", "issuer", "valid_from", "valid_until", "subject_type"),
}
AREA_CODE_SHAPE = re.compile(r"^[A-Z]{2}-?[A-Z0-9]{2,8}-?[A-Z0-9-]{1,12}$")


def _clean_texts(values: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    cleaned = dict(values)
    for key, value in values.items():
        if key in TEXT_LIMITS:
            cleaned[key] = clean_text(value, key, errors, max_length=TEXT_LIMITS[key])
    return cleaned


def _require(model: type, values: dict[str, Any], errors: list[FieldError]) -> None:
    for key in REQUIRED[model]:
        if values.get(key) in (None, "") and not any(e.field == key for e in errors):
            errors.append(FieldError(key, "This field is required."))


def _check_product(session: Session, values: dict[str, Any], errors: list[FieldError],
                   current: Product | None) -> None:
    if "ocop_group" in values:
        require_one_of(values["ocop_group"], OCOP_GROUPS, "ocop_group", errors)
    if values.get("gtin"):
        try:
            values["gtin"] = codes.normalize_gtin(str(values["gtin"]))
        except codes.CodeError as error:
            errors.append(FieldError("gtin", error.message))
            return
        taken = select(Product.id).where(Product.gtin == values["gtin"])
        if current is not None:
            taken = taken.where(Product.id != current.id)
        if session.scalar(taken):
            errors.append(FieldError("gtin", "Another product already uses this GTIN."))
    if current is not None and "gtin" in values and values["gtin"] != current.gtin and \
            session.scalar(select(exists().where(Batch.product_id == current.id,
                                                 Batch.status != "draft"))):
        errors.append(FieldError("gtin", "The GTIN cannot change once labels of a published "
                                         "batch carry it."))
    standards = values.get("standards")
    if standards is not None:
        values["standards"] = [s.strip() for s in standards if isinstance(s, str) and s.strip()]
        if any(len(s) > 100 for s in values["standards"]):
            errors.append(FieldError("standards", "Each standard has at most %(max)s characters.",
                                     {"max": 100}))


def _check_area(values: dict[str, Any], errors: list[FieldError]) -> None:
    if values.get("code"):
        values["code"] = re.sub(r"\s+", "", values["code"]).upper()
    if "code_status" in values:
        values["code_status"] = values["code_status"] or "active"
        require_one_of(values["code_status"], AREA_CODE_STATUSES, "code_status", errors)


def _check_certificate(session: Session, actor: Actor, organization_id: int,
                       values: dict[str, Any], errors: list[FieldError]) -> None:
    require_one_of(values.get("scheme"), CERTIFICATE_SCHEMES, "scheme", errors)
    require_one_of(values.get("subject_type"), CERTIFICATE_SUBJECTS, "subject_type", errors)
    if values.get("issuing_level") is not None:
        require_one_of(values["issuing_level"], ISSUING_LEVELS, "issuing_level", errors)
    stars = values.get("stars")
    if values.get("scheme") == "ocop" and (not isinstance(stars, int) or not 3 <= stars <= 5):
        errors.append(FieldError("stars", "An OCOP certificate has 3, 4 or 5 stars."))
    if values.get("scheme") != "ocop" and stars is not None:
        errors.append(FieldError("stars", "Only OCOP certificates carry stars."))
    require_date_order(values.get("valid_from"), values.get("valid_until"), "valid_until",
                       errors, "The end of validity comes before its start.")
    _resolve_subject(session, actor, organization_id, values, errors)


def _resolve_subject(session: Session, actor: Actor, organization_id: int,
                     values: dict[str, Any], errors: list[FieldError]) -> None:
    subject_type, subject_id = values.get("subject_type"), values.pop("subject_id", None)
    targets = {"product": Product, "area": RawMaterialArea, "facility": Facility}
    if subject_type == "organization":
        if subject_id not in (None, organization_id):
            errors.append(FieldError("subject_id", "A certificate covers your own organization only."))
        return
    if subject_type not in targets:
        return
    subject = session.get(targets[subject_type], subject_id) if subject_id is not None else None
    if subject is None or subject.organization_id != organization_id:
        errors.append(FieldError("subject_id", "No %(kind)s with this id belongs to the "
                                 "organization.", {"kind": subject_type}))
        return
    values[f"{subject_type}_id"] = subject_id


def _validated(session: Session, actor: Actor, model: type, organization_id: int,
               values: dict[str, Any], current: Any = None) -> dict[str, Any]:
    errors: list[FieldError] = []
    values = _clean_texts(values, errors)
    if current is None:
        _require(model, values, errors)
    else:
        for key in REQUIRED[model]:
            if key in values and values[key] in (None, ""):
                errors.append(FieldError(key, "This field is required."))
    if model is Product:
        _check_product(session, values, errors, current)
        where_to_buy.check(session, organization_id, values, errors)
        check_gtin_owner(session, organization_id, values, current, errors)
    elif model is RawMaterialArea:
        _check_area(values, errors)
    if model in (RawMaterialArea, Facility):
        values.update(clean_place(values, errors, current=current,
                                  province_required=model is RawMaterialArea,
                                  commune_column=model is RawMaterialArea))
    elif model is Certificate:
        _check_certificate(session, actor, organization_id, values, errors)
    if errors:
        raise ValidationFailed(errors)
    return values


ENTITY_NAMES = {Product: "product", RawMaterialArea: "area", Facility: "facility",
                Certificate: "certificate"}
READ_ONLY_AFTER_CREATE = {"subject_type", "subject_id", "scheme"}


def create_record(session: Session, actor: Actor, model: type[RecordT], values: dict[str, Any],
                  organization_id: int | None = None) -> RecordT:
    """Create a product, area, facility or certificate for the actor's organization."""
    owner = owning_organization(actor, organization_id)
    if session.get(Organization, owner) is None:
        raise ValidationFailed.one("organization_id", "Organization %(id)s was not found.", id=owner)
    values = _validated(session, actor, model, owner, values)
    record = model(organization_id=owner, **values)
    if isinstance(record, Product):
        record.search_text = product_search_text(record)
    session.add(record)
    session.flush()
    entity = ENTITY_NAMES[model]
    record_change(session, actor, f"{entity}.create", entity, record.id, None, snapshot(record))
    return record


def update_record(session: Session, actor: Actor, model: type[RecordT], record_id: int,
                  changes: dict[str, Any]) -> RecordT:
    """Change some fields of a record the actor owns."""
    entity = ENTITY_NAMES[model]
    record = get_visible(session, model, record_id, actor, entity.capitalize())
    require_owner(actor, record)
    if model is RawMaterialArea:
        _keep_official_status(record, changes)
    if model is Certificate and READ_ONLY_AFTER_CREATE & changes.keys():
        raise Conflict("A certificate's scheme and subject are fixed; register a new one instead.")
    if model is Certificate:
        changes = {"scheme": record.scheme, "subject_type": record.subject_type,
                   "subject_id": record.subject_id, "stars": record.stars,
                   "valid_from": record.valid_from, "valid_until": record.valid_until, **changes}
    values = _validated(session, actor, model, record.organization_id, changes, current=record)
    before = snapshot(record)
    for key, value in values.items():
        setattr(record, key, value)
    if isinstance(record, Product):
        record.search_text = product_search_text(record)
    if model is Certificate and record.verification_status != "unverified":
        record.verification_status, record.verified_at, record.verified_by_id = "unverified", None, None
    session.flush()
    record_change(session, actor, f"{entity}.update", entity, record.id, before, snapshot(record))
    return record


OFFICIAL_STATUS_FIELDS = ("code_status", "code_status_since")


def _keep_official_status(area: RawMaterialArea, changes: dict[str, Any]) -> None:
    """A producer declares a code's status when registering the area; afterwards only an inspector
    changes it, and a code whose status the authority set is no longer the producer's to change."""
    for name in OFFICIAL_STATUS_FIELDS:
        if name in changes and changes[name] != getattr(area, name) and \
                not (name == "code_status" and changes[name] in (None, "") and area.code_status == "active"):
            raise Forbidden("An area code's status is official: after registration only an inspector "
                            "changes it.")
        changes.pop(name, None)
    code = changes.get("code")
    if area.code_status_source == "authority" and code is not None and \
            re.sub(r"\s+", "", code).upper() != (area.code or ""):
        raise Forbidden("The authority has set this area code's status; the code can no longer be "
                        "changed. Register a new area instead.")


def product_search_text(product: Product) -> str:
    """What the public directory searches: name, English name and brand, folded (no diacritics)."""
    text = " ".join(textfold.fold(part) for part in (product.name, product.name_en, product.brand)
                    if part)
    return text[:700]


def get_record(session: Session, actor: Actor, model: type[RecordT], record_id: int) -> RecordT:
    """A record the actor may see, or NotFound."""
    return get_visible(session, model, record_id, actor, ENTITY_NAMES[model].capitalize())


def list_records(session: Session, actor: Actor, model: type[RecordT], *, page: int = 1,
                 per_page: int = 50, **filters: Any) -> Page:
    """Records the actor may see, newest first, filtered by exact column values."""
    statement = visible(select(model), model, actor)
    for key, value in filters.items():
        if key == "province" and value is not None:
            statement = statement.where(province_filter(model, value))
        elif value is not None:
            statement = statement.where(getattr(model, key) == value)
    return paginate(session, statement.order_by(model.id.desc()), page, per_page)


def area_code_looks_usual(code: str) -> bool:
    """Whether an official area code has the shape seen on issued codes (a soft check only)."""
    return bool(AREA_CODE_SHAPE.match(code))
