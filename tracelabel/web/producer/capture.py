"""Field capture: a page that records chain events on a phone with no signal and sends them later.

The page and its data are cached by a service worker per signed-in user; records wait in the
phone's IndexedDB and are sent here, with the session and its CSRF token, through the same
once-per-``Idempotency-Key`` writes as the API (``web/idempotent.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Response, current_app, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError

from tracelabel.db import utcnow
from tracelabel.extensions import db
from tracelabel.models import TRACE_STEPS
from tracelabel.services import capture
from tracelabel.services.errors import DomainError
from tracelabel.web import idempotent
from tracelabel.web.api import schemas
from tracelabel.web.auth.session import current_actor
from tracelabel.web.errors import STATUS_BY_KIND, field_errors, flatten_messages, problem, translate
from tracelabel.web.producer.batch_forms import STEP_LABELS
from tracelabel.web.producer.routes import blueprint

STATIC = Path(__file__).resolve().parent.parent.parent / "static" / "capture"
SCOPE = "/workspace/capture"
USER_HEADER = "X-Capture-User"
# The capture page alone may ask for the phone's position (every other page refuses it).
PERMISSIONS = "camera=(), microphone=(), geolocation=(self), payment=()"


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers[USER_HEADER] = str(current_actor().user_id)
    return response


@blueprint.get("/capture")
def capture_page() -> Response:
    """The capture page (its records and lists come from the data below, kept on the phone)."""
    response = Response(render_template("producer/capture.html", user_id=current_actor().user_id))
    response.headers["Permissions-Policy"] = PERMISSIONS
    return _private(response)


@blueprint.get("/capture/data")
def capture_data() -> Response:
    """The open batches, areas, facilities and steps, with a fresh CSRF token for the sync."""
    actor = current_actor()
    body = {"user_id": actor.user_id, "csrf_token": generate_csrf(),
            "fetched_at": utcnow().isoformat(),
            "steps": [{"key": step, "label": str(STEP_LABELS[step])} for step in TRACE_STEPS],
            **capture.capture_data(db.session, actor)}
    return _private(Response(json.dumps(body, ensure_ascii=False), mimetype="application/json"))


def _refused(error: DomainError) -> Response:
    db.session.rollback()
    return problem(STATUS_BY_KIND.get(error.kind, 400), translate(error.message, error.params),
                   errors=field_errors(error.errors), kind=error.kind)


@blueprint.post("/capture/batches/<int:batch_id>/events")
def capture_event(batch_id: int) -> Response:
    """Record one waiting event (JSON as the API takes it), once per ``Idempotency-Key``."""
    try:
        values = schemas.EventInSchema().load(request.get_json(silent=True) or {})
    except ValidationError as error:
        return problem(422, translate("The request has invalid fields.", {}),
                       errors=flatten_messages(error.messages), kind="validation")
    try:
        return idempotent.append_event(current_actor(), batch_id, values)
    except DomainError as error:
        return _refused(error)


@blueprint.post("/capture/batches/<int:batch_id>/events/<int:event_id>/photos")
def capture_photo(batch_id: int, event_id: int) -> Response:
    """Attach one photo of a waiting record (multipart ``file``, ``public``)."""
    upload = request.files.get("file")
    if upload is None:
        return problem(422, translate("The request has invalid fields.", {}), kind="validation",
                       errors=[{"field": "file", "message": translate("Choose a photo.", {})}])
    data = upload.stream.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
    public = request.form.get("public", "false").lower() in ("true", "1", "on")
    try:
        return idempotent.add_event_photo(current_actor(), batch_id, event_id, data, public)
    except DomainError as error:
        return _refused(error)


@blueprint.get("/capture/sw.js")
def capture_worker() -> Response:
    """The service worker, from this origin, allowed to control the capture page's scope."""
    response = Response((STATIC / "sw.js").read_bytes(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = SCOPE
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/capture/manifest.webmanifest")
def capture_manifest() -> Response:
    """The web app manifest: install the capture page on the home screen."""
    icon = "capture/icon-{0}.png"
    body = {"name": "Ghi nhật ký sản xuất · tracelabel", "short_name": "Ghi nhật ký",
            "description": "Ghi từng công đoạn ngay tại chỗ, kể cả khi không có sóng.",
            "lang": "vi", "start_url": url_for("producer.capture_page"), "scope": SCOPE,
            "display": "standalone", "background_color": "#f6f6f2", "theme_color": "#0b5c3b",
            "icons": [{"src": url_for("static", filename=icon.format(size)),
                       "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any maskable"}
                      for size in (192, 512)]}
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response

