"""The audit trail: append one hash-chained entry per change, and verify the chain end to end."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, cast, false, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from tracelabel.db import utcnow
from tracelabel.models import (
    AuditEntry,
    AuditHead,
    Batch,
    Certificate,
    Facility,
    NfcTag,
    Organization,
    Product,
    ProductPhoto,
    RawMaterialArea,
    TraceEvent,
)
from tracelabel.services.actors import Actor, province_organizations
from tracelabel.services.errors import Forbidden
from tracelabel.services.pages import Page, paginate

GENESIS_HASH = "0" * 64
# Never copied into the trail: the trail is readable by inspectors.
SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def snapshot(record: Any, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record's column values as JSON-safe data, secrets left out."""
    values = {
        column.key: _plain(getattr(record, column.key))
        for column in inspect(record).mapper.column_attrs
        if column.key not in SECRET_COLUMNS
    }
    if extra:
        values.update({key: _plain(value) for key, value in extra.items()})
    return values


def snapshot_values(values: dict[str, Any], *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Column values (as ``snapshot`` reads them off a record) as JSON-safe data, secrets left out."""
    plain = {key: _plain(value) for key, value in values.items() if key not in SECRET_COLUMNS}
    if extra:
        plain.update({key: _plain(value) for key, value in extra.items()})
    return plain


def entry_digest(fields: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of an entry's fields (including the previous hash)."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "occurred_at": entry.occurred_at.astimezone(dt.UTC).isoformat(),
        "actor_user_id": entry.actor_user_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }


@dataclass(frozen=True)
class PendingChange:
    """A change whose audit entry is appended later, with others, by ``append_changes``."""

    action: str
    entity_type: str
    entity_id: Any
    before: dict[str, Any] | None
    after: dict[str, Any] | None


# Besides ``seq``, the head keeps two seqs that caches of public pages are keyed by; each moves
# to the latest entry whose change can alter what those pages show:
# - ``page_seq`` (trace pages, product pages, passports: ``services.trace``): every entry but
#   accounts and tokens, records no batch uses yet (new products, areas, facilities, drafts), and
#   a batch's own serials and events (its version moves with those, and only its pages show
#   them), so a day of label runs, field capture and imported drafts leaves the other pages'
#   renders standing;
# - ``directory_seq`` (the directory's sorted lists: ``services.directory``): a product, its rating,
#   its producer or a batch leaving draft (batches never go back to draft).
_OFF_THE_PAGES = frozenset({"batch.create", "batch.update", "batch.issue_units", "event.append",
                            "event.remove", "product.create", "area.create", "facility.create"})
_OFF_THE_PAGES_ENTITIES = frozenset({"user", "api_token"})
_DIRECTORY_ENTITIES = frozenset({"product", "certificate", "organization"})


def public_seqs(action: str, entity_type: str) -> frozenset[str]:
    """The head's public seqs an entry moves (see above)."""
    moved = set()
    if action not in _OFF_THE_PAGES and entity_type not in _OFF_THE_PAGES_ENTITIES:
        moved.add("page_seq")
    if entity_type in _DIRECTORY_ENTITIES or action == "batch.publish":
        moved.add("directory_seq")
    return frozenset(moved)


def _claim_positions(session: Session, count: int,
                     public: frozenset[str] = frozenset()) -> tuple[int, str]:
    """Lock the head and move it ``count`` places on, with the ``public`` seqs; return the first
    seq and the hash before it."""
    moved: dict[str, Any] = {"seq": AuditHead.seq + count}
    moved.update({name: AuditHead.seq + count for name in public})
    claimed = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(**moved)
        .returning(AuditHead.seq, AuditHead.hash)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if claimed is not None:
        return claimed.seq - count + 1, claimed.hash
    session.add(AuditHead(id=1, seq=count, hash=GENESIS_HASH, page_seq=count, directory_seq=count))
    session.flush()
    return 1, GENESIS_HASH


def record_change(session: Session, actor: Actor, action: str, entity_type: str,
                  entity_id: Any, before: dict[str, Any] | None,
                  after: dict[str, Any] | None) -> AuditEntry:
    """Append an audit entry for a change made in this transaction."""
    seq, prev_hash = _claim_positions(session, 1, public_seqs(action, entity_type))
    entry = AuditEntry(
        seq=seq,
        occurred_at=utcnow(),
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=before,
        after=after,
        prev_hash=prev_hash,
    )
    entry.hash = entry_digest(_hashed_fields(entry))
    session.add(entry)
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(hash=entry.hash)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return entry


def append_changes(session: Session, actor: Actor, changes: list[PendingChange]) -> int:
    """Append the audit entries of many changes at once, as the last step before the commit.

    A long transaction (an import) collects its changes and calls this at its very end: the
    chain's head is locked from here to the commit only, so other writers wait for one short
    append instead of the whole import. The entries take consecutive seqs and are chained in
    the order given, exactly as one ``record_change`` each would chain them.
    """
    if not changes:
        return 0
    occurred_at = utcnow()
    rows, canonical = [], []
    for change in changes:
        row = {"occurred_at": occurred_at, "actor_user_id": actor.user_id,
               "actor_label": actor.label, "action": change.action,
               "entity_type": change.entity_type, "entity_id": str(change.entity_id),
               "before": change.before, "after": change.after}
        rows.append(row)
        # entry_digest's JSON up to its last two keys, which sort last: prev_hash, then seq.
        canonical.append(json.dumps({**row, "occurred_at": occurred_at.astimezone(dt.UTC).isoformat()},
                                    sort_keys=True, ensure_ascii=False, separators=(",", ":"))[:-1])
    public = frozenset().union(*(public_seqs(change.action, change.entity_type)
                                 for change in changes))
    first_seq, prev_hash = _claim_positions(session, len(changes), public)  # head held from here
    for offset, (row, head) in enumerate(zip(rows, canonical, strict=True)):
        row["seq"], row["prev_hash"] = first_seq + offset, prev_hash
        text = f'{head},"prev_hash":"{prev_hash}","seq":{row["seq"]}}}'
        row["hash"] = prev_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if session.get_bind().dialect.name == "postgresql":
        _copy_entries(session, rows)
    else:
        session.execute(insert(AuditEntry.__table__), rows)
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(hash=prev_hash)
        .execution_options(synchronize_session=False)
    )
    return len(rows)


def _copy_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert the entries with one COPY, in the session's transaction: while the head is held,
    ten thousand rows take a fraction of the time an INSERT per row does."""
    columns = list(rows[0])
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY {AuditEntry.__tablename__} ({', '.join(columns)}) "
                             "FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[key], ensure_ascii=False)
                            if key in ("before", "after") and row[key] is not None else row[key]
                            for key in columns])


def list_entries(session: Session, actor: Actor, *, page: int = 1, per_page: int = 50,
                 **filters: Any) -> Page:
    """Audit entries, newest first, filtered by actor, entity, action and time (inspectors, admins)."""
    if actor.role not in ("inspector", "admin", "system"):
        raise Forbidden("Only inspectors and administrators read the audit trail.")
    statement = select(AuditEntry)
    if actor.province_scope is not None:
        statement = statement.where(_in_province(actor.province_scope))
    for key in ("actor_user_id", "entity_type", "entity_id", "action"):
        if filters.get(key) is not None:
            statement = statement.where(getattr(AuditEntry, key) == filters[key])
    if filters.get("since") is not None:
        statement = statement.where(AuditEntry.occurred_at >= filters["since"])
    if filters.get("until") is not None:
        statement = statement.where(AuditEntry.occurred_at <= filters["until"])
    return paginate(session, statement.order_by(AuditEntry.seq.desc()), page, per_page)


def _in_province(province_code: str) -> object:
    """Entries about records owned by the province's organizations (a scoped official's share of
    the trail); entries about accounts, tokens and removed photos are left to national officials."""
    owners = province_organizations(province_code)
    owned = {
        "organization": select(Organization.id).where(Organization.province_code == province_code),
        "batch": select(Batch.id).where(Batch.organization_id.in_(owners)),
        "product": select(Product.id).where(Product.organization_id.in_(owners)),
        "area": select(RawMaterialArea.id).where(RawMaterialArea.organization_id.in_(owners)),
        "facility": select(Facility.id).where(Facility.organization_id.in_(owners)),
        "certificate": select(Certificate.id).where(Certificate.organization_id.in_(owners)),
        "trace_event": select(TraceEvent.id).join(Batch, Batch.id == TraceEvent.batch_id)
        .where(Batch.organization_id.in_(owners)),
        "nfc_tag": select(NfcTag.id).join(Batch, Batch.id == NfcTag.batch_id)
        .where(Batch.organization_id.in_(owners)),
        "product_photo": select(ProductPhoto.id).join(Product, Product.id == ProductPhoto.product_id)
        .where(Product.organization_id.in_(owners)),
    }
    conditions = [and_(AuditEntry.entity_type == kind,
                       AuditEntry.entity_id.in_(ids.with_only_columns(
                           cast(ids.selected_columns[0], String))))
                  for kind, ids in owned.items()]
    return or_(false(), *conditions)


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the audit chain."""

    ok: bool
    entries_checked: int
    bad_seq: int | None = None
    problem: str | None = None


def check_entries(entries: Iterable[AuditEntry], head: AuditHead | None,
                  start: tuple[int, str] = (0, GENESIS_HASH)) -> ChainReport:
    """Check order, links and hashes of entries given in seq order, then the head.

    ``start`` is the (seq, hash) the entries follow: the genesis, or an entry already trusted.
    """
    expected_seq, previous_hash, checked = start[0] + 1, start[1], 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainReport(False, checked, expected_seq,
                               f"entry {expected_seq} is missing or out of order "
                               f"(found entry {entry.seq} in its place)")
        if entry.prev_hash != previous_hash:
            return ChainReport(False, checked, entry.seq,
                               f"entry {entry.seq} does not follow entry {entry.seq - 1}: "
                               "an entry was removed, inserted or reordered")
        if entry_digest(_hashed_fields(entry)) != entry.hash:
            return ChainReport(False, checked, entry.seq,
                               f"entry {entry.seq} was altered after it was written")
        previous_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    last_seq = expected_seq - 1
    if (head_seq, head_hash) != (last_seq, previous_hash):
        return ChainReport(False, checked, last_seq + 1 if head_seq > last_seq else head_seq,
                           f"the chain ends at entry {last_seq} but its head names entry "
                           f"{head_seq}: entries were removed from the end")
    return ChainReport(True, checked)


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole audit chain in order, streaming, and report the first bad entry."""
    head = session.get(AuditHead, 1)
    entries = session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    )
    try:
        return check_entries(entries, head)
    finally:
        entries.close()  # a server-side cursor on PostgreSQL, left open by an early return
