"""Signed checkpoints of the audit chain: the signing key, the signed message, signing, publishing.

A checkpoint says "entry ``seq`` of the chain had hash ``hash`` at ``signed_at``", signed with an
Ed25519 key that lives outside the database. The signed message is the UTF-8 of six lines joined
by ``\\n`` (no trailing newline)::

    tracelabel-audit-checkpoint/v1
    {seq}                 decimal
    {hash}                the entry's SHA-256, 64 lower-case hex
    {signed_at}           UTC, YYYY-MM-DDTHH:MM:SSZ
    {previous_seq}        the previous checkpoint's seq (0 for the first)
    {entries_digest}      SHA-256 (hex) of the ASCII concatenation of the hashes of entries
                          previous_seq + 1 … seq, in order

so a copy of the checkpoints names the exact entry a later rewrite changed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracelabel.config import read_or_create_secret
from tracelabel.db import utcnow
from tracelabel.models import AuditCheckpoint, AuditEntry, AuditHead
from tracelabel.services import audit
from tracelabel.services.errors import Conflict, DomainError, NotFound

ALGORITHM = "Ed25519"
MESSAGE_TAG = "tracelabel-audit-checkpoint/v1"
MESSAGE_FORMAT = MESSAGE_TAG + "\n{seq}\n{hash}\n{signed_at}\n{previous_seq}\n{entries_digest}"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
PAGE_SIZE, PAGE_SIZE_MAX = 50, 500


def format_time(moment: dt.datetime) -> str:
    """A checkpoint time as signed: UTC, whole seconds, ``Z``."""
    return moment.astimezone(dt.UTC).strftime(TIME_FORMAT)


def entries_digest(hashes: Sequence[str]) -> str:
    """SHA-256 (hex) of the entry hashes concatenated in order (each is 64 hex characters)."""
    return hashlib.sha256("".join(hashes).encode("ascii")).hexdigest()


def signed_message(seq: int, entry_hash: str, signed_at: str, previous_seq: int,
                   digest: str) -> bytes:
    """The exact bytes a checkpoint's signature covers."""
    return MESSAGE_FORMAT.format(seq=seq, hash=entry_hash, signed_at=signed_at,
                                 previous_seq=previous_seq, entries_digest=digest).encode("utf-8")


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """The 32 bytes of an Ed25519 public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_raw: bytes) -> str:
    """A key's id: the first 16 hex digits of SHA-256 of its raw 32 bytes."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def public_key_pem(public_b64: str) -> str:
    """The SubjectPublicKeyInfo PEM of a base64 raw public key (what ``openssl`` reads)."""
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64))
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def _new_key_pem() -> str:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode("ascii").strip()


def load_signing_key(path: Path, create: bool) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM file, created there (mode 0600) on first use if allowed."""
    try:
        if create:
            text = read_or_create_secret(str(path.parent), path.name, _new_key_pem)
        else:
            text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound("The audit signing key %(path)s does not exist.",
                       {"path": str(path)}) from None
    except (OSError, UnicodeDecodeError) as error:
        raise DomainError("The audit signing key %(path)s cannot be read: %(reason)s",
                          {"path": str(path), "reason": type(error).__name__}) from None
    try:
        key = serialization.load_pem_private_key(text.encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise DomainError("The audit signing key %(path)s is not an unencrypted Ed25519 private "
                          "key in PEM.", {"path": str(path)})
    return key


@dataclass(frozen=True)
class Outcome:
    """What ``create_checkpoint`` did: the checkpoint of the head, and whether it is new."""

    checkpoint: AuditCheckpoint
    created: bool


def last_checkpoint(session: Session) -> AuditCheckpoint | None:
    """The checkpoint with the highest seq, if any."""
    return session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)).first()


def _hashes_since(session: Session, start: tuple[int, str], head: AuditHead) -> list[str]:
    """Hashes of the entries after ``start`` up to the head, once they verify from ``start``."""
    hashes: list[str] = []

    def collect(rows: Iterator[AuditEntry]) -> Iterator[AuditEntry]:
        for row in rows:
            hashes.append(row.hash)
            yield row

    rows = session.scalars(select(AuditEntry).where(AuditEntry.seq > start[0],
                                                    AuditEntry.seq <= head.seq)
                           .order_by(AuditEntry.seq).execution_options(yield_per=1000))
    try:
        report = audit.check_entries(collect(iter(rows)), head, start)
    finally:
        rows.close()
    if not report.ok:
        raise Conflict("The audit chain does not verify since the last checkpoint (%(problem)s): "
                       "nothing was signed. Run `tracelabel audit verify`.",
                       {"problem": report.problem})
    return hashes


def _moved_away(session: Session, last: AuditCheckpoint, head: AuditHead) -> bool:
    """Whether the chain no longer passes through the last checkpoint."""
    if head.seq <= last.seq:
        return True
    found = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == last.seq))
    return found != last.hash


def create_checkpoint(session: Session, key: Ed25519PrivateKey,
                      now: dt.datetime | None = None) -> Outcome:
    """Sign the chain's head; the last checkpoint again (not new) when the head has not moved."""
    head = session.get(AuditHead, 1)
    if head is None or head.seq == 0:
        raise Conflict("The audit trail is empty: there is nothing to sign yet.")
    last = last_checkpoint(session)
    if last is not None and (last.seq, last.hash) == (head.seq, head.hash):
        return Outcome(last, False)
    if last is not None and _moved_away(session, last, head):
        raise Conflict("The audit chain no longer contains the last checkpoint (entry %(seq)s): it "
                       "was rewritten or cut. Nothing was signed; run `tracelabel audit verify`.",
                       {"seq": last.seq})
    start = (last.seq, last.hash) if last is not None else (0, audit.GENESIS_HASH)
    hashes = _hashes_since(session, start, head)
    signed_at = format_time(now or utcnow())
    digest = entries_digest(hashes)
    public_raw = raw_public_key(key.public_key())
    signature = key.sign(signed_message(head.seq, head.hash, signed_at, start[0], digest))
    checkpoint = AuditCheckpoint(
        seq=head.seq, hash=head.hash, signed_at=dt.datetime.strptime(signed_at, TIME_FORMAT)
        .replace(tzinfo=dt.UTC), previous_seq=start[0], entries_digest=digest,
        entry_hashes=hashes, key_id=key_id(public_raw),
        public_key=base64.b64encode(public_raw).decode("ascii"),
        signature=base64.b64encode(signature).decode("ascii"))
    session.add(checkpoint)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("Another checkpoint of entry %(seq)s was signed at the same moment.",
                       {"seq": head.seq}) from None
    return Outcome(checkpoint, True)


def checkpoint_document(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """One checkpoint as published (and as ``audit verify --checkpoints`` reads it back)."""
    return {
        "seq": checkpoint.seq, "hash": checkpoint.hash,
        "signed_at": format_time(checkpoint.signed_at), "previous_seq": checkpoint.previous_seq,
        "entries_digest": checkpoint.entries_digest, "entry_hashes": list(checkpoint.entry_hashes),
        "key_id": checkpoint.key_id, "public_key": checkpoint.public_key,
        "signature": checkpoint.signature,
    }


def published_keys(session: Session) -> list[dict[str, Any]]:
    """Every key that signed a checkpoint, oldest first, with the range of seqs it signed."""
    rows = session.execute(
        select(AuditCheckpoint.key_id, AuditCheckpoint.public_key,
               func.min(AuditCheckpoint.seq), func.max(AuditCheckpoint.seq))
        .group_by(AuditCheckpoint.key_id, AuditCheckpoint.public_key)
        .order_by(func.min(AuditCheckpoint.seq))).all()
    return [{"key_id": kid, "algorithm": ALGORITHM, "public_key": public,
             "public_key_pem": public_key_pem(public), "first_seq": first, "last_seq": last}
            for kid, public, first, last in rows]


def publication(session: Session, *, limit: int = PAGE_SIZE, after_seq: int | None = None,
                before_seq: int | None = None) -> tuple[dict[str, Any], int | None]:
    """The public document (keys, message format, checkpoints newest first) and the next page's
    ``before_seq`` (None on the last page)."""
    statement = select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc())
    if after_seq is not None:
        statement = statement.where(AuditCheckpoint.seq > after_seq)
    if before_seq is not None:
        statement = statement.where(AuditCheckpoint.seq < before_seq)
    rows = session.scalars(statement.limit(limit + 1)).all()
    shown = rows[:limit]
    document = {
        "format": "tracelabel-audit-checkpoints/v1",
        "algorithm": ALGORITHM,
        "message_format": MESSAGE_FORMAT,
        "message_encoding": "UTF-8, lines joined by LF, no trailing newline",
        "signed_at_format": "UTC, YYYY-MM-DDTHH:MM:SSZ",
        "entries_digest": "SHA-256 (hex) of the concatenated entry_hashes (entries "
                          "previous_seq+1 … seq, in order)",
        "key_id": "first 16 hex digits of SHA-256 of the raw 32-byte public key",
        "encoding": "public_key and signature are standard base64 of the raw bytes",
        "keys": published_keys(session),
        "checkpoints": [checkpoint_document(row) for row in shown],
    }
    return document, (shown[-1].seq if len(rows) > limit else None)
