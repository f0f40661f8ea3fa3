"""Answer a write once per ``Idempotency-Key`` (the API and the capture page's sync share it)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Response, request
from sqlalchemy.exc import IntegrityError

from tracelabel.extensions import db
from tracelabel.services import event_photos, events, idempotency
from tracelabel.services.actors import Actor
from tracelabel.web.api import schemas

REPLAY_HEADER = "Idempotent-Replayed"


def _json(status: int, body: Any, replayed: bool = False) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype="application/json")
    if replayed:
        response.headers[REPLAY_HEADER] = "true"
    return response


def answer_once(user_id: int, operation: str, payload: Any,
                work: Callable[[], tuple[int, Any]]) -> Response:
    """Do ``work`` (which writes but does not commit) and commit; with an ``Idempotency-Key``, a
    repeat of the same request answers the first result (``Idempotent-Replayed: true``) and writes
    nothing. ``operation`` names what is asked (the same through the API and the capture page)."""
    header = request.headers.get(idempotency.HEADER)
    if header is None:
        status, body = work()
        db.session.commit()
        return _json(status, body)
    key = idempotency.checked_key(header)
    asked = idempotency.fingerprint(request.method, operation, payload)
    stored = idempotency.stored_answer(db.session, user_id, key, asked)
    if stored is not None:
        return _json(stored.status, stored.body, replayed=True)
    try:
        row = idempotency.claim(db.session, user_id, key, asked)
    except IntegrityError:
        # Another request with this key committed first: answer what it stored.
        db.session.rollback()
        stored = idempotency.stored_answer(db.session, user_id, key, asked)
        if stored is None:
            raise
        return _json(stored.status, stored.body, replayed=True)
    status, body = work()
    idempotency.remember(db.session, row, status, body)
    db.session.commit()
    return _json(status, body)


def append_event(actor: Actor, batch_id: int, values: dict[str, Any]) -> Response:
    """Append a chain event (201 with the event), once per key."""
    def work() -> tuple[int, Any]:
        event = events.append_event(db.session, actor, batch_id, values)
        return 201, schemas.EventSchema().dump(event)
    return answer_once(actor.user_id, f"batches/{batch_id}/events", values, work)


def add_event_photo(actor: Actor, batch_id: int, event_id: int, data: bytes,
                    is_public: bool) -> Response:
    """Attach a photo to an event (201 with the photo), once per key."""
    def work() -> tuple[int, Any]:
        photo = event_photos.add_event_photo(db.session, actor, batch_id, event_id, data,
                                             is_public=is_public)
        return 201, schemas.EventPhotoSchema().dump(photo)
    payload = {"file_sha256": hashlib.sha256(data).hexdigest(), "public": is_public}
    return answer_once(actor.user_id, f"batches/{batch_id}/events/{event_id}/photos", payload, work)
