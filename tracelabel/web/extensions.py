"""The web's extensions, created unbound and initialised by ``create_app``: the API document,
translations, sign-in and CSRF protection."""

from __future__ import annotations

import http
from typing import Any

import marshmallow as ma
from flask_babel import Babel
from flask_login import LoginManager
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_wtf.csrf import CSRFProtect


class FieldProblemSchema(ma.Schema):
    """One refused field (``line`` for a CSV row)."""

    field = ma.fields.String()
    message = ma.fields.String()
    line = ma.fields.Integer()


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem document, as every API error answers."""

    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(FieldProblemSchema))


class TracelabelApi(Api):
    """flask-smorest's Api, leaving error pages to ``web.errors`` (problem+json under /api/)."""

    ERROR_SCHEMA = ProblemSchema
    PROBLEM_CONTENT_TYPE = "application/problem+json"

    def _register_responses(self) -> None:
        """Document every error status (and the default error) as a problem+json document."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, self.PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, self.PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _register_error_handlers(self) -> None:  # the app registers its own
        return None

    def handle_http_exception(self, error: Any) -> Any:  # pragma: no cover - never registered
        raise error


api = TracelabelApi()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
