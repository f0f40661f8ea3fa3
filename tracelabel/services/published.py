"""Published means fixed: the record frozen when a batch is published, and what changed since.

A published batch's trace states its product's identity and claims, its producer, the areas,
facilities and certificates it names. Those records may still be edited for future batches; the
batch keeps what was true at publication (``PublishedRecord.facts``) and shows a later edit only as a
dated note. A frozen record was chosen over versioning every catalog table: the trace reads one row
whatever happens to the catalog later, nothing joins "as of" a date, and the record's digest goes
into the audit trail, so the published statement is as tamper-evident as every other change.

Official facts are not frozen: an area code's status and a certificate's verification are set by
inspectors after publication, and the trace shows them as they stand today.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from tracelabel.models import (
    AuditEntry,
    Batch,
    Certificate,
    Facility,
    Organization,
    Product,
    PublishedRecord,
    RawMaterialArea,
    TraceEvent,
    batch_areas,
    batch_certificates,
    batch_facilities,
)
from tracelabel.services.actors import Actor
from tracelabel.services.audit import record_change

# Enterprises and cooperatives are legal persons whose tax code is public; a household business's
# tax code is its owner's personal identification number and is never published.
PUBLIC_IDENTIFIER_KINDS = ("enterprise", "cooperative")


def public_text(value: Any) -> str | None:
    """A value as a public document writes it: decimals without trailing zeros, None kept."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"  # 1200.000 -> "1200"
    return None if value is None else str(value)


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """A date or time in ISO 8601, None kept."""
    return None if value is None else value.isoformat()


def product_facts(product: Product) -> dict[str, Any]:
    """The product's identity and claims as a trace states them (photos are not frozen)."""
    return {"name": product.name, "name_en": product.name_en, "brand": product.brand,
            "model_code": product.model_code, "gtin": product.gtin, "unit": product.unit,
            "description": product.description, "ocop_group": product.ocop_group,
            "standards": list(product.standards or []), "warnings": product.warnings,
            "storage_instructions": product.storage_instructions,
            "shelf_life_days": product.shelf_life_days}


def producer_facts(organization: Organization) -> dict[str, Any]:
    """The producer's public facts: no e-mail, and a tax code only for a legal person."""
    identifier = None
    if organization.kind in PUBLIC_IDENTIFIER_KINDS and organization.tax_code:
        identifier = {"scheme": "vn-tax-code", "value": organization.tax_code}
    return {"name": organization.name, "kind": organization.kind,
            "province": organization.province, "commune": organization.commune,
            "address": organization.address, "phone": organization.phone,
            "website": organization.website, "identifier": identifier}


def area_facts(area: RawMaterialArea) -> dict[str, Any]:
    """An area as a trace names it (its code's status is official, so not frozen)."""
    return {"name": area.name, "code": area.code, "material": area.material,
            "province": area.province, "commune": area.commune, "standard": area.standard,
            "area_ha": public_text(area.area_ha)}


def facility_facts(facility: Facility) -> dict[str, Any]:
    """A facility as a trace names it."""
    return {"name": facility.name, "address": facility.address, "province": facility.province,
            "food_safety_cert_no": facility.food_safety_cert_no}


def certificate_facts(certificate: Certificate, covers: str | None) -> dict[str, Any]:
    """A certificate as the producer claims it (its verification is official, so not frozen)."""
    return {"scheme": certificate.scheme, "number": certificate.number,
            "issuer": certificate.issuer, "issuing_level": certificate.issuing_level,
            "stars": certificate.stars, "valid_from": iso(certificate.valid_from),
            "valid_until": iso(certificate.valid_until),
            "covers": {"type": certificate.subject_type, "name": covers}}


def _with_covers(session: Session, condition: Any) -> list[tuple[Certificate, str | None]]:
    """Certificates matching the condition, each with the name of what it covers, by id."""
    rows = session.execute(
        select(Certificate, Product.name, RawMaterialArea.name, Facility.name, Organization.name)
        .outerjoin(Product, Product.id == Certificate.product_id)
        .outerjoin(RawMaterialArea, RawMaterialArea.id == Certificate.area_id)
        .outerjoin(Facility, Facility.id == Certificate.facility_id)
        .join(Organization, Organization.id == Certificate.organization_id)
        .where(condition).order_by(Certificate.id)).all()
    return [(c, {"product": product, "area": area, "facility": facility}.get(c.subject_type,
                                                                          organization))
            for c, product, area, facility, organization in rows]


def claimed_certificates(session: Session, batch_id: int | None,
                         product_id: int) -> list[tuple[Certificate, str | None]]:
    """The certificates a batch claims and its product's OCOP ratings, with what each covers."""
    claimed = select(batch_certificates.c.certificate_id).where(
        batch_certificates.c.batch_id == batch_id)
    return _with_covers(session, or_(Certificate.id.in_(claimed), and_(
        Certificate.product_id == product_id, Certificate.scheme == "ocop")))


def _places(session: Session, batch_id: int) -> tuple[list[RawMaterialArea], list[Facility]]:
    """The areas and facilities the batch links or its events name, linked ones first."""
    areas = session.scalars(select(RawMaterialArea).where(or_(
        RawMaterialArea.id.in_(select(batch_areas.c.area_id).where(batch_areas.c.batch_id == batch_id)),
        RawMaterialArea.id.in_(select(TraceEvent.area_id).where(TraceEvent.batch_id == batch_id))))
        .order_by(RawMaterialArea.id)).all()
    facilities = session.scalars(select(Facility).where(or_(
        Facility.id.in_(select(batch_facilities.c.facility_id)
                        .where(batch_facilities.c.batch_id == batch_id)),
        Facility.id.in_(select(TraceEvent.facility_id).where(TraceEvent.batch_id == batch_id))))
        .order_by(Facility.id)).all()
    return list(areas), list(facilities)


def freeze(session: Session, batch: Batch) -> dict[str, Any]:
    """What the batch's trace states now, keyed by record id so later changes can be compared."""
    areas, facilities = _places(session, batch.id)
    linked_areas = session.scalars(select(batch_areas.c.area_id).where(
        batch_areas.c.batch_id == batch.id).order_by(batch_areas.c.area_id)).all()
    linked_facilities = session.scalars(select(batch_facilities.c.facility_id).where(
        batch_facilities.c.batch_id == batch.id).order_by(batch_facilities.c.facility_id)).all()
    return {
        "product": {"id": batch.product_id, **product_facts(batch.product)},
        "producer": {"id": batch.organization_id, **producer_facts(batch.organization)},
        "areas": {str(a.id): area_facts(a) for a in areas},
        "area_ids": list(linked_areas),
        "facilities": {str(f.id): facility_facts(f) for f in facilities},
        "facility_ids": list(linked_facilities),
        "certificates": {str(c.id): certificate_facts(c, covers)
                         for c, covers in claimed_certificates(session, batch.id, batch.product_id)},
    }


def facts_digest(facts: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a record's facts."""
    canonical = json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_publication(session: Session, actor: Actor, batch: Batch) -> PublishedRecord:
    """Freeze the batch's trace as published, and write the record to the audit trail."""
    facts = freeze(session, batch)
    record = PublishedRecord(batch_id=batch.id, facts=facts, digest=facts_digest(facts))
    session.add(record)
    session.flush()
    record_change(session, actor, "batch.record_published", "batch", batch.id, None,
                  {"digest": record.digest, "facts": facts})
    return record


def add_places(session: Session, actor: Actor, batch_id: int, area_id: int | None,
               facility_id: int | None) -> None:
    """Freeze a place a correcting event names for the first time (the record only grows)."""
    record = session.get(PublishedRecord, batch_id)
    if record is None:
        return
    facts = json.loads(json.dumps(record.facts))
    added: dict[str, Any] = {}
    if area_id is not None and str(area_id) not in facts["areas"]:
        area = session.get(RawMaterialArea, area_id)
        facts["areas"][str(area_id)] = added["area"] = area_facts(area)
    if facility_id is not None and str(facility_id) not in facts["facilities"]:
        facility = session.get(Facility, facility_id)
        facts["facilities"][str(facility_id)] = added["facility"] = facility_facts(facility)
    if added:
        record.facts, record.digest = facts, facts_digest(facts)
        record_change(session, actor, "batch.record_place_added", "batch", batch_id, None,
                      {"digest": record.digest, "added": added})


def backfill(session: Session, actor: Actor) -> int:
    """Freeze the record of every published batch that has none (batches published before records)."""
    missing = session.scalars(select(Batch).where(
        Batch.status != "draft", ~Batch.id.in_(select(PublishedRecord.batch_id)))
        .order_by(Batch.id)).all()
    for batch in missing:
        record_publication(session, actor, batch)
    return len(missing)


def _current_facts(session: Session, facts: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    current: dict[tuple[str, str], dict[str, Any]] = {}
    product = session.get(Product, facts["product"]["id"])
    current["product", str(product.id)] = {"id": product.id, **product_facts(product)}
    organization = session.get(Organization, facts["producer"]["id"])
    current["organization", str(organization.id)] = {"id": organization.id,
                                                     **producer_facts(organization)}
    for area in session.scalars(select(RawMaterialArea).where(
            RawMaterialArea.id.in_([int(i) for i in facts["areas"]]))):
        current["area", str(area.id)] = area_facts(area)
    for facility in session.scalars(select(Facility).where(
            Facility.id.in_([int(i) for i in facts["facilities"]]))):
        current["facility", str(facility.id)] = facility_facts(facility)
    return current


def _frozen_entities(facts: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    frozen = {("product", str(facts["product"]["id"])): facts["product"],
              ("organization", str(facts["producer"]["id"])): facts["producer"]}
    frozen.update({("area", key): value for key, value in facts["areas"].items()})
    frozen.update({("facility", key): value for key, value in facts["facilities"].items()})
    return frozen


def _certificate_changes(session: Session, facts: dict[str, Any]) -> dict[tuple[str, str], dict]:
    ids = [int(i) for i in facts["certificates"]]
    return {("certificate", str(c.id)): certificate_facts(c, covers)
            for c, covers in _with_covers(session, Certificate.id.in_(ids))} if ids else {}


def later_changes(session: Session, record: PublishedRecord,
                  skip_certificates: set[str]) -> list[dict[str, Any]]:
    """Edits made since publication to the records the trace names, each dated by the audit trail."""
    facts = record.facts
    frozen = _frozen_entities(facts)
    frozen.update({("certificate", key): value for key, value in facts["certificates"].items()
                   if key not in skip_certificates})
    current = _current_facts(session, facts)
    current.update(_certificate_changes(session, facts))
    changed: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for key, was in frozen.items():
        now = current.get(key)
        if now is None:
            continue
        fields = [{"field": name, "now": now[name]} for name in was
                  if name not in ("id", "covers") and now.get(name) != was[name]]
        if fields:
            changed[key] = fields
    if not changed:
        return []
    dates = _change_dates(session, list(changed), record.frozen_at)
    return [{"on": dates.get((kind, entity_id)), "what": "producer" if kind == "organization" else kind,
             "name": frozen[kind, entity_id].get("name") or frozen[kind, entity_id].get("number"),
             "fields": fields}
            for (kind, entity_id), fields in sorted(changed.items(),
                                                   key=lambda item: (dates.get(item[0]) or "", item[0]))]


def _change_dates(session: Session, keys: list[tuple[str, str]], since: dt.datetime) -> dict:
    """The day (in Vietnam) of the last audited update of each record after ``since``."""
    vietnam = dt.timezone(dt.timedelta(hours=7))
    rows = session.execute(
        select(AuditEntry.entity_type, AuditEntry.entity_id, func.max(AuditEntry.occurred_at))
        .where(or_(*[and_(AuditEntry.entity_type == kind, AuditEntry.entity_id == entity_id)
                     for kind, entity_id in keys]),
               AuditEntry.occurred_at >= since, AuditEntry.action.like("%.update"))
        .group_by(AuditEntry.entity_type, AuditEntry.entity_id)).all()
    return {(kind, entity_id): when.astimezone(vietnam).date().isoformat()
            for kind, entity_id, when in rows if when is not None}
