"""One error path: domain and HTTP errors become problem+json under /api/ and a page elsewhere."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    has_request_context,
    jsonify,
    render_template,
    request,
)
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from tracelabel.extensions import db
from tracelabel.services.errors import Conflict, DomainError, FieldError
from tracelabel.web import conflicts

logger = logging.getLogger(__name__)

STATUS_BY_KIND = {"validation": 422, "invalid": 400, "not_found": 404, "forbidden": 403,
                  "conflict": 409}
PROBLEM_TYPE = "https://tracelabel.vn/problems/"


def translate(message: str, params: dict[str, Any]) -> str:
    """The message in the user's language (outside a request: as written) with its parameters."""
    if has_request_context():
        words = {key: gettext(value) if isinstance(value, str) else value
                 for key, value in params.items()}
        return gettext(message, **words)
    return message % params if params else message


def wants_problem_json() -> bool:
    """API paths and clients asking for JSON get problem documents."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )


def problem(status: int, title: str, detail: str | None = None,
            errors: list[dict[str, str]] | None = None, kind: str = "about:blank",
            headers: dict[str, str] | None = None) -> Response:
    """An RFC 9457 problem document."""
    body: dict[str, Any] = {"type": kind if kind == "about:blank" else PROBLEM_TYPE + kind,
                            "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["errors"] = errors or []
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(errors: list[FieldError]) -> list[dict[str, str]]:
    """Field errors as the API shows them."""
    return [{"field": e.field, "message": translate(e.message, e.params)} for e in errors]


def flatten_messages(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """webargs/marshmallow's nested messages as a flat list of {field, message}."""
    if isinstance(messages, dict):
        flat: list[dict[str, str]] = []
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.extend(flatten_messages(value, name))
        return flat
    if isinstance(messages, list) and all(isinstance(item, str) for item in messages):
        return [{"field": prefix or "body", "message": " ".join(messages)}]
    return [{"field": prefix or "body", "message": str(messages)}]


def _without_location(messages: dict[str, Any]) -> Any:
    if set(messages) <= {"json", "query", "form", "files", "headers", "path"}:
        merged: dict[str, Any] = {}
        for value in messages.values():
            merged.update(value if isinstance(value, dict) else {"body": value})
        return merged
    return messages


def handle_domain_error(error: DomainError) -> Any:
    """A refused use case: 4xx with the reason and each field named."""
    status = STATUS_BY_KIND.get(error.kind, 400)
    title = translate(error.message, error.params)
    if wants_problem_json():
        return problem(status, title, errors=field_errors(error.errors), kind=error.kind)
    return render_template("public/error.html", status=status, title=title,
                           errors=field_errors(error.errors)), status


def handle_http_exception(error: HTTPException) -> Any:
    """Werkzeug's HTTP errors, including webargs' 422 with its per-field messages."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = flatten_messages(_without_location(data["messages"])) if "messages" in data else []
    headers = dict(data.get("headers") or {})
    title = "The request has invalid fields." if errors else (error.description or error.name)
    if status == 413:
        title = translate("The upload is too large: at most %(max)s MB per request.",
                          {"max": (current_app.config["MAX_CONTENT_LENGTH"] or 0) // 2**20})
    elif errors:
        title = translate(title, {})
    if wants_problem_json():
        response = problem(status, title, errors=errors, headers=headers,
                           kind="validation" if errors else "about:blank")
        if status == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response
    return render_template("public/error.html", status=status, title=title, errors=errors), status


def handle_database_unavailable(error: DBAPIError) -> Any:
    """The database went away mid-request (restart, failover, lost connection): nothing was saved."""
    logger.warning("database unavailable on %s %s: %s", request.method, request.path,
                   type(error.orig).__name__ if error.orig is not None else type(error).__name__)
    title = translate("The service is briefly unavailable; nothing was saved. Try again in a "
                      "moment.", {})
    if wants_problem_json():
        return problem(503, title, headers={"Retry-After": "5"}, kind="unavailable")
    return render_template("public/error.html", status=503, title=title, errors=[]), 503, {
        "Retry-After": "5"}


def handle_database_conflict(error: Exception, conflict: Conflict) -> Any:
    """Another request saved the same record first: nothing of this one is kept; 409 says why."""
    db.session.rollback()
    logger.info("conflict on %s %s: %s", request.method, request.path, conflicts.describe(error))
    return handle_domain_error(conflict)


def _database_error_in(error: BaseException) -> DBAPIError | None:
    """The database error an exception is, or was raised from."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, DBAPIError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def log_unexpected(error: Exception) -> None:
    """Log a bug with its trace; a database error's message and values stay out of the log."""
    database_error = _database_error_in(error)
    if database_error is None:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return
    logger.error("unhandled error on %s %s: %s from %s\n%s", request.method, request.path,
                 type(error).__name__, conflicts.describe(database_error),
                 "".join(traceback.format_tb(error.__traceback__)).rstrip())


def handle_unexpected(error: Exception) -> Any:
    """A bug: log it with its trace, answer a plain 500 with no details."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if (conflict := conflicts.database_conflict(error)) is not None:
        return handle_database_conflict(error, conflict)
    if isinstance(error, DBAPIError) and (error.connection_invalidated or
                                          isinstance(error, OperationalError | InterfaceError)):
        return handle_database_unavailable(error)
    log_unexpected(error)
    return handle_http_exception(InternalServerError())


def register(app: Flask) -> None:
    """Install the error handlers."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
