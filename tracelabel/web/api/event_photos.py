"""Photos of chain events: upload (multipart ``file``, ``public``) and the file itself."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from tracelabel.extensions import db
from tracelabel.services import event_photos
from tracelabel.web import idempotent
from tracelabel.web.api import schemas

blueprint = Blueprint("event_photos", __name__, url_prefix="/api/v1/batches",
                      description="Photos of chain events (JPEG, PNG or WebP; stored without "
                                  "metadata or GPS); public ones show on the trace page.")


class EventPhotoUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "a JPEG, PNG or WebP photo"})


class EventPhotoFormSchema(Schema):
    public = fields.Boolean(load_default=False, metadata={
        "description": "true: shown beside the step on the trace page; false: internal"})


class RenditionQuerySchema(Schema):
    width = fields.Integer(load_default=None, validate=validate.Range(1, 10_000))


@blueprint.route("/<int:batch_id>/events/<int:event_id>/photos", methods=["POST"])
@blueprint.arguments(EventPhotoFormSchema, location="form")
@blueprint.arguments(EventPhotoUploadSchema, location="files")
@blueprint.response(201, schemas.EventPhotoSchema)
def add(form: dict[str, Any], files: dict[str, Any], batch_id: int, event_id: int) -> Any:
    """Add a photo to an event of one of your batches (``Idempotency-Key`` honoured)."""
    data = files["file"].stream.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
    return idempotent.add_event_photo(g.actor, batch_id, event_id, data, form["public"])


@blueprint.route("/<int:batch_id>/events/<int:event_id>/photos/<int:photo_id>", methods=["GET"])
@blueprint.arguments(RenditionQuerySchema, location="query")
@blueprint.response(200, description="the photo (WebP)", content_type="image/webp")
def rendition(args: dict[str, Any], batch_id: int, event_id: int, photo_id: int) -> Response:
    """An event photo, public or internal, for its producer and inspectors (``width``: the
    smallest rendition at least this wide)."""
    blob = event_photos.rendition(db.session, g.actor, batch_id, event_id, photo_id, args["width"])
    return Response(blob.data, mimetype=blob.media_type,
                    headers={"Cache-Control": "private, max-age=3600"})
