"""What inspectors do: verify or reject certificates, recall everything made from an area or lot,
and read the alerts (certificates lapsing while batches are on sale, codes that look copied)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracelabel.db import utcnow
from tracelabel.models import (
    AREA_CODE_STATUSES,
    Batch,
    Certificate,
    RawMaterialArea,
    Scan,
    batch_certificates,
)
from tracelabel.services.actors import Actor, get_visible, visibility_condition, visible
from tracelabel.services.audit import record_change, snapshot
from tracelabel.services.batches import change_batch_status, get_batch
from tracelabel.services.errors import Conflict, FieldError, Forbidden, ValidationFailed
from tracelabel.services.fields import clean_text, require_one_of
from tracelabel.services.scans import COPY_SUSPECT_NETWORKS
from tracelabel.services.search import batches_from_area, batches_made_from
from tracelabel.services.trace import vietnam_today

ON_SALE = ("published",)
EXPIRY_WARNING = dt.timedelta(days=30)


def _require_inspector(actor: Actor) -> None:
    if not actor.is_inspector:
        raise Forbidden("Only an inspector may do this.")


def review_certificate(session: Session, actor: Actor, certificate_id: int, verdict: str,
                       note: str | None) -> Certificate:
    """Mark a certificate verified or rejected by an inspector, with a note (required to reject)."""
    _require_inspector(actor)
    certificate = get_visible(session, Certificate, certificate_id, actor, "Certificate")
    errors: list = []
    note = clean_text(note, "reason", errors, required=verdict == "rejected", max_length=2000)
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(certificate)
    certificate.verification_status = verdict
    certificate.verified_by_id, certificate.verified_at = actor.user_id, utcnow()
    certificate.verification_note = note
    session.flush()
    for batch in session.scalars(select(Batch).join(batch_certificates).where(
            batch_certificates.c.certificate_id == certificate.id)):
        batch.updated_at = utcnow()  # the trace page shows the verdict: bump the batch version
    record_change(session, actor, f"certificate.{'verify' if verdict == 'verified' else 'reject'}",
                  "certificate", certificate.id, before, snapshot(certificate))
    return certificate


def set_area_code_status(session: Session, actor: Actor, area_id: int, code_status: str | None,
                         reason: str | None) -> RawMaterialArea:
    """An inspector states an area code's official status, with a reason, from today on."""
    _require_inspector(actor)
    area = get_visible(session, RawMaterialArea, area_id, actor, "Area")
    errors: list = []
    require_one_of(code_status, AREA_CODE_STATUSES, "code_status", errors)
    reason = clean_text(reason, "reason", errors, required=True, max_length=2000)
    if not area.code:
        errors.append(FieldError("code_status", "This area has no official code to set a status on."))
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(area)
    area.code_status, area.code_status_since = code_status, vietnam_today()
    area.code_status_source, area.code_status_reason = "authority", reason  # who: the audit entry
    session.flush()
    record_change(session, actor, "area.code_status", "area", area.id, before, snapshot(area))
    return area


def downstream_batches(session: Session, actor: Actor, *, area_id: int | None = None,
                       batch_id: int | None = None) -> list[Batch]:
    """The batches a recall from an area or an input lot would reach (the preview)."""
    if area_id is not None:
        get_visible(session, RawMaterialArea, area_id, actor, "Area")
        found = batches_from_area(session, actor, area_id)
    else:
        get_batch(session, actor, batch_id or 0)
        found = batches_made_from(session, actor, batch_id or 0)
    return [batch for batch in found if batch.status in ("published", "suspended")]


def recall_downstream(session: Session, actor: Actor, reason: str, *, area_id: int | None = None,
                      batch_id: int | None = None) -> list[Batch]:
    """Recall, in one transaction, every batch on sale that was made from the area or lot."""
    _require_inspector(actor)
    targets = downstream_batches(session, actor, area_id=area_id, batch_id=batch_id)
    if not targets:
        raise Conflict("No batch on sale was made from it; nothing to recall.")
    return [change_batch_status(session, actor, batch.id, "recall", reason) for batch in targets]


@dataclass(frozen=True)
class CertificateAlert:
    """A certificate that has lapsed, or will within 30 days, while batches claiming it are on sale."""

    certificate: Certificate
    batches_on_sale: int
    days_left: int


@dataclass(frozen=True)
class ScanAlert:
    """A code whose scans suggest copying, or that is still scanned after a recall."""

    batch: Batch
    serial: int
    kind: str
    clients: int
    scans: int


def certificate_alerts(session: Session, actor: Actor, today: dt.date) -> list[CertificateAlert]:
    """Certificates expired or expiring within 30 days that batches on sale still claim."""
    _require_inspector(actor)
    on_sale = func.count(Batch.id)
    rows = session.execute(
        visible(select(Certificate, on_sale), Certificate, actor)
        .join(batch_certificates, batch_certificates.c.certificate_id == Certificate.id)
        .join(Batch, Batch.id == batch_certificates.c.batch_id)
        .where(Batch.status.in_(ON_SALE), Certificate.valid_until <= today + EXPIRY_WARNING)
        .group_by(Certificate.id).order_by(Certificate.valid_until)
    ).all()
    return [CertificateAlert(c, count, (c.valid_until - today).days) for c, count in rows]


def scan_alerts(session: Session, actor: Actor, since: dt.datetime) -> list[ScanAlert]:
    """Unit codes read from many different networks, and codes of recalled batches still scanned."""
    _require_inspector(actor)
    clients = func.count(func.distinct(Scan.client_hash))  # one hash per network (services/scans)
    scans = func.count(Scan.id)
    in_scope = visibility_condition(Batch.organization_id, actor)
    copied_query = (select(Scan.batch_id, Scan.serial, clients, scans)
                    .where(Scan.scanned_at >= since, Scan.serial > 0)
                    .group_by(Scan.batch_id, Scan.serial).having(clients >= COPY_SUSPECT_NETWORKS))
    if in_scope is not None:
        copied_query = copied_query.where(Scan.batch_id.in_(select(Batch.id).where(in_scope)))
    copied = session.execute(copied_query).all()
    recalled = session.execute(
        visible(select(Scan.batch_id, Scan.serial, clients, scans), Batch, actor)
        .join(Batch, Batch.id == Scan.batch_id)
        .where(Batch.status == "recalled", Scan.scanned_at >= Batch.status_changed_at,
               Scan.scanned_at >= since)
        .group_by(Scan.batch_id, Scan.serial)
    ).all()
    alerts = []
    for kind, rows in (("copied", copied), ("recalled", recalled)):
        for batch_id, serial, client_count, scan_count in rows:
            alerts.append(ScanAlert(session.get(Batch, batch_id), serial, kind, client_count,
                                    scan_count))
    return alerts
