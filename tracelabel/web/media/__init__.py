"""Stored photo renditions, served with immutable caching (the URL is the content's hash)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, request

from tracelabel import images
from tracelabel.extensions import db
from tracelabel.services.photos import stored_image

blueprint = Blueprint("media", __name__, url_prefix="/media")
DIGEST = re.compile(r"^[0-9a-f]{64}$")
ONE_YEAR = 365 * 24 * 3600


@blueprint.get(f"/<digest>.{images.OUTPUT_EXTENSION}")
def image(digest: str) -> Response:
    """One rendition; never changes, so caches may keep it for a year."""
    if not DIGEST.match(digest):
        abort(404)
    etag = f'"{digest}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={ONE_YEAR}, immutable",
               "Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}
    if etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    blob = stored_image(db.session, digest)
    if blob is None:
        abort(404)
    return Response(blob.data, mimetype=blob.media_type, headers=headers)
