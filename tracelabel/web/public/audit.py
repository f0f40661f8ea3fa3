"""/.well-known/tracelabel/audit: the signed checkpoints of the audit chain, for anyone to copy."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, current_app, request
from flask_babel import gettext

from tracelabel.extensions import db
from tracelabel.services import audit_checkpoints
from tracelabel.web.errors import problem
from tracelabel.web.public import pages, respond

PATH = "/.well-known/tracelabel/audit"
# Short: a new checkpoint should reach those who copy the document within minutes.
CACHE = "public, max-age=60"
INTEGER_ARGS = ("after_seq", "before_seq", "limit")


def _integer_args() -> dict[str, int]:
    """The paging arguments given, as non-negative integers (ValueError naming a bad one)."""
    found = {}
    for name in INTEGER_ARGS:
        raw = request.args.get(name)
        if raw is None:
            continue
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
            raise ValueError(name)
        found[name] = int(raw)
    if found.get("limit") == 0 or found.get("limit", 0) > audit_checkpoints.PAGE_SIZE_MAX:
        raise ValueError("limit")
    return found


def checkpoints() -> Response:
    """The algorithm, public keys, signed-message format and checkpoints (newest first, paged)."""
    try:
        args = _integer_args()
    except ValueError as error:
        response = problem(400, gettext("Bad paging argument"), gettext(
            "%(name)s must be a whole number (limit: 1 to %(most)s).", name=str(error),
            most=audit_checkpoints.PAGE_SIZE_MAX), kind="invalid")
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    args.setdefault("limit", audit_checkpoints.PAGE_SIZE)
    document, next_before = audit_checkpoints.publication(db.session, **args)
    document["next"] = None
    if next_before is not None:
        query = {**{k: v for k, v in args.items() if k != "before_seq"}, "before_seq": next_before}
        document["next"] = f"{current_app.config['PUBLIC_URL']}{PATH}?{urlencode(query)}"
    response = respond.json_response(document)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return respond.cached(response, pages.digest(response.get_data(as_text=True)), CACHE)
