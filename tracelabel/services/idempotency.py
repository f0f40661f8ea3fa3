"""``Idempotency-Key``: a request sent twice (a lost answer, two tabs, a phone syncing again) is
carried out once, and the repeat gets the first answer.

The key row is inserted *before* the work, in the same transaction: a second request with the same
key waits on the unique index (PostgreSQL) or the write lock (SQLite) until the first commits, then
fails to insert and replays what the first stored. A refused request (4xx) rolls back with its key,
so the key may be sent again once the record is fixed; only successful answers are kept.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracelabel.models import IdempotencyKey
from tracelabel.services.errors import Conflict, ValidationFailed

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer to a key: status and JSON body."""

    status: int
    body: Any


def fingerprint(method: str, path: str, payload: Any) -> str:
    """A digest of what the request asks for: the same key must always ask for the same thing."""
    material = json.dumps([method.upper(), path, payload], sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"), default=str)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def checked_key(value: str) -> str:
    """The key as sent, or a validation error when it is empty, too long or not printable ASCII."""
    key = value.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not all(32 < ord(char) < 127 for char in key):
        raise ValidationFailed.one(HEADER, "An Idempotency-Key is 1 to %(max)s printable ASCII "
                                           "characters without spaces.", max=MAX_KEY_LENGTH)
    return key


def stored_answer(session: Session, user_id: int, key: str, print_: str) -> StoredAnswer | None:
    """The first answer to this user's key, or None when the key is new.

    The same key with another request is refused (422), and a key whose first request has not
    finished yet is a conflict (409: try again in a moment).
    """
    row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                      IdempotencyKey.key == key))
    if row is None:
        return None
    if row.fingerprint != print_:
        raise ValidationFailed.one(HEADER, "This Idempotency-Key was already used for a different "
                                           "request; use a new key for a new request.")
    if row.response_status is None or row.response_body is None:
        raise Conflict("A request with this Idempotency-Key is still being processed; try again "
                       "in a moment.")
    return StoredAnswer(row.response_status, json.loads(row.response_body))


def claim(session: Session, user_id: int, key: str, print_: str) -> IdempotencyKey:
    """Insert the key before the work; a concurrent request with the same key fails here
    (``IntegrityError``) once this one commits."""
    row = IdempotencyKey(user_id=user_id, key=key, fingerprint=print_)
    session.add(row)
    session.flush()
    return row


def remember(session: Session, row: IdempotencyKey, status: int, body: Any) -> None:
    """Keep the answer of the work done under the key, committed with it."""
    row.response_status = status
    row.response_body = json.dumps(body, ensure_ascii=False)
    session.flush()
