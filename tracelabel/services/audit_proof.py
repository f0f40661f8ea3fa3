"""Prove the audit chain against signed checkpoints: copies saved elsewhere, or the stored ones.

Two passes keep memory to the number of checkpoints: the chain is walked once against each
checkpoint's (seq, hash); only if one no longer matches are the entry hashes it carries compared,
which names the first changed entry (or, when the copy lacks them, the range it lies in).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from tracelabel.models import AuditCheckpoint, AuditEntry, AuditHead
from tracelabel.services import audit
from tracelabel.services.audit_checkpoints import (
    entries_digest,
    format_time,
    key_id,
    signed_message,
)

HEX64 = re.compile(r"[0-9a-f]{64}")
HEX16 = re.compile(r"[0-9a-f]{16}")


class CheckpointFileError(ValueError):
    """A saved checkpoint document that cannot be read as one."""


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as a verifier sees it, whatever it was read from."""

    seq: int
    hash: str
    signed_at: str
    previous_seq: int
    entries_digest: str
    key_id: str
    public_key: str
    signature: str
    entry_hashes: tuple[str, ...] | None = None

    def describe(self) -> str:
        """How messages name it: 'the checkpoint at entry 42 (signed …, key …)'."""
        return f"the checkpoint at entry {self.seq} (signed {self.signed_at}, key {self.key_id})"


@dataclass(frozen=True)
class ProofReport:
    """The chain checked against checkpoints: intact, or the first changed entry (or range)."""

    ok: bool
    entries_checked: int
    checkpoints_checked: int
    bad_seq: int | None = None
    problem: str | None = None
    from_checkpoints: bool = False  # the break was found by a checkpoint, not by the chain alone


def _field(item: dict[str, Any], name: str, where: str, check: Callable[[Any], bool]) -> Any:
    value = item.get(name)
    if not check(value):
        raise CheckpointFileError(f"{where}: '{name}' is missing or malformed")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_base64(size: int) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        try:
            return isinstance(value, str) and len(base64.b64decode(value, validate=True)) == size
        except (binascii.Error, ValueError):
            return False
    return check


def _read_one(item: Any, where: str) -> Checkpoint:
    if not isinstance(item, dict):
        raise CheckpointFileError(f"{where}: not a JSON object")
    seq = _field(item, "seq", where, lambda v: _is_int(v) and v >= 1)
    previous = _field(item, "previous_seq", where, lambda v: _is_int(v) and v < seq)
    hashes = item.get("entry_hashes")
    if hashes is not None and not (isinstance(hashes, list) and len(hashes) == seq - previous
                                   and all(isinstance(h, str) and HEX64.fullmatch(h) for h in hashes)):
        raise CheckpointFileError(f"{where}: 'entry_hashes' must list {seq - previous} hashes")
    return Checkpoint(
        seq=seq, previous_seq=previous,
        hash=_field(item, "hash", where, lambda v: isinstance(v, str) and HEX64.fullmatch(v)),
        signed_at=_field(item, "signed_at", where, lambda v: isinstance(v, str) and v.isascii()),
        entries_digest=_field(item, "entries_digest", where,
                              lambda v: isinstance(v, str) and HEX64.fullmatch(v)),
        key_id=_field(item, "key_id", where, lambda v: isinstance(v, str) and HEX16.fullmatch(v)),
        public_key=_field(item, "public_key", where, _is_base64(32)),
        signature=_field(item, "signature", where, _is_base64(64)),
        entry_hashes=tuple(hashes) if hashes is not None else None)


def read_saved(document: Any) -> tuple[list[Checkpoint], set[str] | None]:
    """Checkpoints from a saved ``/.well-known/tracelabel/audit`` document or a JSON list of them,
    and the key ids the document lists (None for a bare list)."""
    keys = None
    if isinstance(document, dict):
        listed = document.get("keys")
        if isinstance(listed, list):
            keys = {item.get("key_id") for item in listed if isinstance(item, dict)}
        document = document.get("checkpoints")
    if not isinstance(document, list) or not document:
        raise CheckpointFileError("no checkpoints: expected the JSON of /.well-known/tracelabel/"
                                  "audit or a non-empty JSON list of checkpoints")
    return [_read_one(item, f"checkpoint #{n}") for n, item in enumerate(document, 1)], keys


def signature_problem(checkpoint: Checkpoint, keys: set[str] | None = None) -> str | None:
    """Why a checkpoint's signature cannot be trusted, or None when it verifies."""
    public_raw = base64.b64decode(checkpoint.public_key)
    if key_id(public_raw) != checkpoint.key_id:
        return f"{checkpoint.describe()} carries a public key whose id is not {checkpoint.key_id}"
    if keys is not None and checkpoint.key_id not in keys:
        return f"{checkpoint.describe()} is signed by a key the document does not list"
    if (checkpoint.entry_hashes is not None
            and entries_digest(checkpoint.entry_hashes) != checkpoint.entries_digest):
        return f"{checkpoint.describe()} lists entry hashes that do not match its signed digest"
    message = signed_message(checkpoint.seq, checkpoint.hash, checkpoint.signed_at,
                             checkpoint.previous_seq, checkpoint.entries_digest)
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(
            base64.b64decode(checkpoint.signature), message)
    except InvalidSignature:
        return f"{checkpoint.describe()} has a bad signature: it was forged or altered"
    return None


def stored_checkpoints(session: Session) -> list[Checkpoint]:
    """The checkpoints kept in the database, oldest first, without their entry hashes."""
    rows = session.scalars(select(AuditCheckpoint).options(defer(AuditCheckpoint.entry_hashes))
                           .order_by(AuditCheckpoint.seq))
    return [Checkpoint(row.seq, row.hash, format_time(row.signed_at), row.previous_seq,
                       row.entries_digest, row.key_id, row.public_key, row.signature)
            for row in rows]


def stored_entry_hashes(session: Session) -> Callable[[Checkpoint], tuple[str, ...] | None]:
    """A loader of a stored checkpoint's entry hashes (None if they no longer match its digest)."""
    def load(checkpoint: Checkpoint) -> tuple[str, ...] | None:
        hashes = session.scalar(select(AuditCheckpoint.entry_hashes)
                                .where(AuditCheckpoint.seq == checkpoint.seq))
        if hashes is None or entries_digest(hashes) != checkpoint.entries_digest:
            return None
        return tuple(hashes)
    return load


@dataclass
class _Watch:
    """Follows the walk of the chain and notes the first checkpoint it contradicts."""

    expected: list[Checkpoint]
    position: int = 0
    last_good: int = 0  # seq of the last checkpoint that matched
    broken: Checkpoint | None = None

    def see(self, entries: Iterable[AuditEntry]) -> Iterator[AuditEntry]:
        for entry in entries:
            while self.broken is None and self.position < len(self.expected):
                wanted = self.expected[self.position]
                if wanted.seq > entry.seq:
                    break
                if wanted.seq < entry.seq or wanted.hash != entry.hash:
                    self.broken = wanted  # missing from the chain, or changed
                else:
                    self.last_good, self.position = wanted.seq, self.position + 1
            yield entry

    def finish(self) -> None:
        if self.broken is None and self.position < len(self.expected):
            self.broken = self.expected[self.position]  # beyond the end of the chain


def _distinct(checkpoints: Iterable[Checkpoint]) -> tuple[list[Checkpoint], str | None]:
    by_seq: dict[int, Checkpoint] = {}
    for checkpoint in checkpoints:
        seen = by_seq.setdefault(checkpoint.seq, checkpoint)
        if seen.hash != checkpoint.hash:
            return [], (f"{seen.describe()} and {checkpoint.describe()} name different hashes "
                        "for one entry: two different chains were signed")
    return sorted(by_seq.values(), key=lambda c: c.seq), None


def prove(session: Session, checkpoints: Iterable[Checkpoint],
          hashes_of: Callable[[Checkpoint], tuple[str, ...] | None]) -> ProofReport:
    """Walk the chain once, checking it and each checkpoint; name the first changed entry."""
    expected, clash = _distinct(checkpoints)
    if clash:
        return ProofReport(False, 0, 0, None, clash, True)
    watch = _Watch(expected)
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)
                           .execution_options(yield_per=1000))
    try:
        chain = audit.check_entries(watch.see(rows), session.get(AuditHead, 1))
    finally:
        rows.close()
    if chain.ok:
        watch.finish()
    broken = watch.broken
    if broken is not None and (chain.ok or broken.seq <= (chain.bad_seq or 0)):
        seq, problem = _locate(session, broken, watch.last_good, hashes_of(broken))
        return ProofReport(False, chain.entries_checked, watch.position, seq, problem, True)
    if not chain.ok:
        return ProofReport(False, chain.entries_checked, watch.position, chain.bad_seq,
                           chain.problem)
    return ProofReport(True, chain.entries_checked, len(expected))


def _locate(session: Session, broken: Checkpoint, last_good: int,
            hashes: tuple[str, ...] | None) -> tuple[int, str]:
    """The first changed entry under a contradicted checkpoint, exactly where its hashes allow."""
    first, known_before = broken.seq, last_good == broken.seq - 1
    if hashes is not None:
        low = max(last_good, broken.previous_seq)
        current = {seq: entry_hash for seq, entry_hash in session.execute(
            select(AuditEntry.seq, AuditEntry.hash)
            .where(AuditEntry.seq > low, AuditEntry.seq <= broken.seq))}
        for seq in range(low + 1, broken.seq + 1):
            if current.get(seq) != hashes[seq - broken.previous_seq - 1]:
                first, known_before = seq, seq > low + 1 or low == last_good
                break
    if known_before:
        return first, (f"entry {first} was changed or removed: it no longer has the hash "
                       f"{broken.describe()} recorded, while entry {first - 1} still matches"
                       if first > 1 else
                       f"entry 1 was changed or removed: it no longer has the hash "
                       f"{broken.describe()} recorded")
    return first, (f"{broken.describe()} no longer matches the chain: the first changed entry "
                   f"lies between entry {last_good + 1} and entry {first} (the checkpoints "
                   "hold no hashes in between)")


def _first_bad_signature(checkpoints: list[Checkpoint], keys: set[str] | None) -> ProofReport | None:
    for checkpoint in checkpoints:
        problem = signature_problem(checkpoint, keys)
        if problem:
            return ProofReport(False, 0, 0, checkpoint.seq, problem, True)
    return None


def verify_saved(session: Session, document: Any) -> ProofReport:
    """Prove the chain against checkpoints saved elsewhere (CheckpointFileError if unreadable)."""
    checkpoints, keys = read_saved(document)
    refused = _first_bad_signature(checkpoints, keys)
    return refused or prove(session, checkpoints, lambda checkpoint: checkpoint.entry_hashes)


def verify_stored(session: Session) -> ProofReport | None:
    """Prove the chain against the checkpoints in the database; None when there are none."""
    checkpoints = stored_checkpoints(session)
    if not checkpoints:
        return None
    refused = _first_bad_signature(checkpoints, None)
    return refused or prove(session, checkpoints, stored_entry_hashes(session))
