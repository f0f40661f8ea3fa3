"""Product photos: upload (multipart ``file``) and removal, by the owning producer."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema

from tracelabel.extensions import db
from tracelabel.services import photos
from tracelabel.web.api import schemas

blueprint = Blueprint("photos", __name__, url_prefix="/api/v1/products",
                      description="Product photos (JPEG, PNG or WebP; stored without metadata).")


class PhotoUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "a JPEG, PNG or WebP photo"})


@blueprint.route("/<int:product_id>/photos", methods=["POST"])
@blueprint.arguments(PhotoUploadSchema, location="files")
@blueprint.response(201, schemas.PhotoSchema)
def add(files: dict[str, Any], product_id: int) -> Any:
    """Add a photo to one of your products."""
    limit = current_app.config["MAX_PHOTO_BYTES"]
    data = files["file"].stream.read(limit + 1)
    photo = photos.add_photo(db.session, g.actor, product_id, data)
    db.session.commit()
    return photo


@blueprint.route("/<int:product_id>/photos/<int:photo_id>", methods=["DELETE"])
@blueprint.response(204)
def remove(product_id: int, photo_id: int) -> Any:
    """Remove a photo from one of your products."""
    photos.remove_photo(db.session, g.actor, product_id, photo_id)
    db.session.commit()
    return None
