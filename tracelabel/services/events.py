"""The origin chain: append trace events; after publication, correct by superseding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracelabel.db import utcnow
from tracelabel.models import TRACE_STEPS, Facility, RawMaterialArea, TraceEvent
from tracelabel.services import published
from tracelabel.services.actors import Actor, require_owner
from tracelabel.services.audit import record_change, snapshot
from tracelabel.services.batches import get_batch
from tracelabel.services.errors import Conflict, FieldError, NotFound, ValidationFailed
from tracelabel.services.fields import clean_text, require_one_of

FUTURE_TOLERANCE = dt.timedelta(hours=1)
MAX_ACCURACY_M = 100_000


def _place_errors(session: Session, organization_id: int, values: dict[str, Any],
                  errors: list[FieldError]) -> None:
    for key, model in (("area_id", RawMaterialArea), ("facility_id", Facility)):
        record_id = values.get(key)
        if record_id is None:
            continue
        record = session.get(model, record_id)
        if record is None or record.organization_id != organization_id:
            errors.append(FieldError(key, "No record with this id belongs to the organization."))


def _validated_event(session: Session, organization_id: int, values: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    require_one_of(values.get("step"), TRACE_STEPS, "step", errors)
    occurred_at = values.get("occurred_at")
    if not isinstance(occurred_at, dt.datetime) or occurred_at.tzinfo is None:
        errors.append(FieldError("occurred_at", "Give the time with its time zone, e.g. "
                                                "2026-05-03T08:30:00+07:00."))
    elif occurred_at > utcnow() + FUTURE_TOLERANCE:
        errors.append(FieldError("occurred_at", "The event time is in the future."))
    place = clean_text(values.get("place"), "place", errors, max_length=300)
    note = clean_text(values.get("note"), "note", errors, max_length=5000)
    _place_errors(session, organization_id, values, errors)
    recorded_at = _recorded_at(values.get("recorded_at"), errors)
    position = _position(values, errors)
    if errors:
        raise ValidationFailed(errors)
    offset = occurred_at.utcoffset() or dt.timedelta(0)
    return {"step": values["step"], "occurred_at": occurred_at,
            "occurred_offset_minutes": int(offset.total_seconds() // 60),
            "area_id": values.get("area_id"), "facility_id": values.get("facility_id"),
            "place": place, "note": note, "recorded_at": recorded_at, **position}


def _recorded_at(value: Any, errors: list[FieldError]) -> dt.datetime:
    """When the person recorded the event (a phone may send it hours later); now when not given."""
    now = utcnow()
    if value is None:
        return now
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        errors.append(FieldError("recorded_at", "Give the time with its time zone, e.g. "
                                                "2026-05-03T08:30:00+07:00."))
    elif value > now + FUTURE_TOLERANCE:
        errors.append(FieldError("recorded_at", "The recording time is in the future."))
    else:
        return value
    return now


def _coordinate(value: Any, field: str, bound: int, errors: list[FieldError]) -> Decimal | None:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or abs(number) > bound:
        errors.append(FieldError(field, "Give a number between -%(bound)s and %(bound)s.",
                                 {"bound": bound}))
        return None
    return number


def _position(values: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    """Where the phone was (only when the person agreed): both coordinates or neither."""
    latitude, longitude = values.get("latitude"), values.get("longitude")
    accuracy = values.get("position_accuracy_m")
    if latitude is None and longitude is None:
        if accuracy is not None:
            errors.append(FieldError("position_accuracy_m", "An accuracy needs a position."))
        return {}
    if latitude is None or longitude is None:
        field = "longitude" if latitude is not None else "latitude"
        errors.append(FieldError(field, "Give both the latitude and the longitude, or neither."))
        return {}
    found = {"latitude": _coordinate(latitude, "latitude", 90, errors),
             "longitude": _coordinate(longitude, "longitude", 180, errors)}
    if accuracy is not None:
        if not isinstance(accuracy, int | float) or isinstance(accuracy, bool) or not (
                0 <= accuracy <= MAX_ACCURACY_M):
            errors.append(FieldError("position_accuracy_m", "Give the accuracy in metres, from 0 "
                                                            "to %(max)s.", {"max": MAX_ACCURACY_M}))
        else:
            found["position_accuracy_m"] = round(accuracy)
    return found


def append_event(session: Session, actor: Actor, batch_id: int, values: dict[str, Any]) -> TraceEvent:
    """Add a step to a batch's chain; ``supersedes_id`` marks it as the correction of an earlier one."""
    batch = get_batch(session, actor, batch_id)
    require_owner(actor, batch)
    if batch.status == "recalled":
        raise Conflict("A recalled batch's chain is closed.")
    event_values = _validated_event(session, batch.organization_id, values)
    supersedes_id = values.get("supersedes_id")
    if supersedes_id is not None:
        _check_supersedable(session, batch.id, supersedes_id)
    event = TraceEvent(batch_id=batch.id, supersedes_id=supersedes_id,
                       recorded_by_id=actor.user_id, **event_values)
    session.add(event)
    batch.updated_at = utcnow()
    session.flush()
    record_change(session, actor, "event.append", "trace_event", event.id, None, snapshot(event))
    if batch.status != "draft":
        published.add_places(session, actor, batch.id, event.area_id, event.facility_id)
    return event


def _check_supersedable(session: Session, batch_id: int, event_id: int) -> None:
    earlier = session.get(TraceEvent, event_id)
    if earlier is None or earlier.batch_id != batch_id:
        raise ValidationFailed.one("supersedes_id", "This batch has no event %(id)s.", id=event_id)
    if session.scalar(select(TraceEvent.id).where(TraceEvent.supersedes_id == event_id)):
        raise Conflict("Event %(id)s has already been corrected; correct the newer event.",
                       {"id": event_id})


def remove_draft_event(session: Session, actor: Actor, batch_id: int, event_id: int) -> None:
    """Delete an event of a draft batch (a published chain is append-only)."""
    batch = get_batch(session, actor, batch_id)
    require_owner(actor, batch)
    event = session.get(TraceEvent, event_id)
    if event is None or event.batch_id != batch.id:
        raise NotFound("This batch has no event %(id)s.", {"id": event_id})
    if batch.status != "draft":
        raise Conflict("A published chain is append-only: record a correcting event instead.")
    before = snapshot(event)
    batch.events.remove(event)
    batch.updated_at = utcnow()
    session.flush()
    record_change(session, actor, "event.remove", "trace_event", event_id, before, None)


def superseded_ids(events: list[TraceEvent]) -> set[int]:
    """Ids of the events that a later event corrects."""
    return {event.supersedes_id for event in events if event.supersedes_id is not None}
