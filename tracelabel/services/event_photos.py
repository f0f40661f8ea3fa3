"""Photos of chain events: taken in the field, stored like product photos, each public or internal.

A public photo shows beside its step on the trace page; an internal one is kept for the producer and
inspectors only (its renditions are never served under /media). Like product photos, event photos
are not frozen in the published record: one added after publication appears on the trace as it is
uploaded, and the audit trail dates it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy.orm import Session

from tracelabel.models import EventPhoto, EventPhotoVariant, ImageBlob, TraceEvent
from tracelabel.services import photos
from tracelabel.services.actors import Actor, require_owner
from tracelabel.services.audit import record_change
from tracelabel.services.batches import get_batch
from tracelabel.services.errors import Conflict, NotFound, ValidationFailed

MAX_PHOTOS_PER_EVENT = 6


def _photo_record(photo: EventPhoto) -> dict[str, object]:
    return {"event_id": photo.event_id, "is_public": photo.is_public,
            "upload_sha256": photo.upload_sha256,
            "variants": {str(v.width): v.blob_sha256 for v in photo.variants}}


def get_event(session: Session, actor: Actor, batch_id: int, event_id: int) -> TraceEvent:
    """An event of a batch the actor may see."""
    batch = get_batch(session, actor, batch_id)
    event = session.get(TraceEvent, event_id)
    if event is None or event.batch_id != batch.id:
        raise NotFound("This batch has no event %(id)s.", {"id": event_id})
    return event


def add_event_photo(session: Session, actor: Actor, batch_id: int, event_id: int, data: bytes,
                    *, is_public: bool) -> EventPhoto:
    """Check, strip and resize a photo, and attach it to one of the owner's events."""
    event = get_event(session, actor, batch_id, event_id)
    require_owner(actor, event.batch)
    if event.batch.status == "recalled":
        raise Conflict("A recalled batch's chain is closed.")
    if len(event.photos) >= MAX_PHOTOS_PER_EVENT:
        raise ValidationFailed.one("file", "An event has at most %(max)s photos.",
                                   max=MAX_PHOTOS_PER_EVENT)
    photo = EventPhoto(event_id=event.id, is_public=is_public,
                       upload_sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=actor.user_id)
    for width, height, digest in photos.store_renditions(session, data):
        photo.variants.append(EventPhotoVariant(width=width, height=height, blob_sha256=digest))
    event.photos.append(photo)
    session.flush()
    record_change(session, actor, "event_photo.add", "event_photo", photo.id, None,
                  _photo_record(photo))
    return photo


def public_photos(events: Iterable[TraceEvent]) -> dict[int, list[photos.PublicPhoto]]:
    """The public photos of these events (loaded with them), by event id, oldest first."""
    return {event.id: [photos.public_photo_of(p) for p in event.photos if p.is_public]
            for event in events}


def rendition(session: Session, actor: Actor, batch_id: int, event_id: int, photo_id: int,
              width: int | None) -> ImageBlob:
    """The bytes of one of an event's photos (public or internal) for those who may see the batch."""
    event = get_event(session, actor, batch_id, event_id)
    photo = next((p for p in event.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound("This event has no photo %(id)s.", {"id": photo_id})
    variants = sorted(photo.variants, key=lambda v: v.width)
    chosen = next((v for v in variants if width is not None and v.width >= width), variants[-1])
    blob = session.get(ImageBlob, chosen.blob_sha256)
    if blob is None:
        raise NotFound("This event has no photo %(id)s.", {"id": photo_id})
    return blob
