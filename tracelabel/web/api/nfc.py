"""NFC tags of premium units (NTAG 424 DNA): register them for a published batch, list them.

Keys go in once, on registration; no answer ever carries them back.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from tracelabel import nfc
from tracelabel.extensions import db
from tracelabel.models.nfc import NEVER_TAPPED, NfcTag
from tracelabel.services import nfc_tags
from tracelabel.web.api import schemas

blueprint = Blueprint("nfc_tags", __name__, url_prefix="/api/v1/batches",
                      description="NFC tags (NTAG 424 DNA, SUN) bound to unit serials.")

KEY_DESCRIPTION = "32 hex digits (AES-128), as the tag supplier delivers it; never shown again"


class NfcTagInSchema(schemas.InputSchema):
    uid = fields.String(required=True, validate=validate.Length(max=64),
                        metadata={"description": "the tag's UID, 14 hex digits (7 bytes)",
                                  "example": "04DE5F1EACC040"})
    serial = fields.Integer(required=True, strict=True,
                            metadata={"description": "a unit serial already issued for the batch"})
    meta_read_key = fields.String(required=True, load_only=True, validate=validate.Length(max=64),
                                  metadata={"description": "SDMMetaReadKey: " + KEY_DESCRIPTION})
    file_read_key = fields.String(required=True, load_only=True, validate=validate.Length(max=64),
                                  metadata={"description": "SDMFileReadKey: " + KEY_DESCRIPTION})


class NfcTagsInSchema(schemas.InputSchema):
    tags = fields.List(fields.Nested(NfcTagInSchema), required=True,
                       validate=validate.Length(1, nfc_tags.MAX_TAGS_PER_REQUEST))


class NfcTagSchema(Schema):
    id = fields.Integer()
    batch_id = fields.Integer()
    uid = fields.String()
    serial = fields.Integer()
    last_counter = fields.Function(
        lambda tag: None if tag.last_counter == NEVER_TAPPED else tag.last_counter,
        allow_none=True, metadata={"description": "the highest tap counter accepted; null before "
                                                  "the first tap"})
    created_at = fields.AwareDateTime()


class NfcTagListSchema(Schema):
    items = fields.List(fields.Nested(NfcTagSchema))


def _vault() -> nfc.KeyVault:
    return nfc.parse_storage_keys(current_app.config["NFC_KEY"])


@blueprint.route("/<int:batch_id>/nfc-tags")
class TagCollection(MethodView):
    @blueprint.response(200, NfcTagListSchema)
    def get(self, batch_id: int) -> Any:
        """The NFC tags of a batch: UID, unit serial, last counter (never the keys)."""
        return {"items": nfc_tags.list_tags(db.session, g.actor, batch_id)}

    @blueprint.arguments(NfcTagsInSchema)
    @blueprint.response(201, NfcTagListSchema)
    def post(self, values: dict[str, Any], batch_id: int) -> Any:
        """Register NFC tags for issued units of your published batch (all or none)."""
        created: list[NfcTag] = nfc_tags.register_tags(db.session, g.actor, batch_id,
                                                       values["tags"], _vault())
        db.session.commit()
        return {"items": created}
