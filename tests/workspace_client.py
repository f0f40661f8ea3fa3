"""Drive the server-rendered pages like a browser: fetch a form, take its CSRF token, post it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.test import TestResponse

from tests.factories import PASSWORD
from tracelabel.extensions import Database

CSRF_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
ERROR = re.compile(r'<p class="error" id="([\w-]+)-error">([^<]*)</p>')


def csrf_token(page: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_FIELD.search(page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def field_errors(page: str) -> dict[str, list[str]]:
    """The error messages shown next to each field, by field id."""
    found: dict[str, list[str]] = {}
    for field_id, message in ERROR.findall(page):
        found.setdefault(field_id, []).append(html.unescape(message))
    return found


class Pages:
    """A test client that submits forms with the token their page carries."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        """GET a page (buffered: the response is read to the end and closed, as a browser would)."""
        return self.client.get(url, buffered=True, **kwargs)

    def submit(self, form_url: str, data: dict[str, Any], action: str | None = None,
               **kwargs: Any) -> TestResponse:
        """Open the page holding the form, then post the data with that page's CSRF token."""
        page = self.client.get(form_url)
        assert page.status_code == 200, (form_url, page.status_code)
        body = {**data, "csrf_token": csrf_token(page.get_data(as_text=True))}
        return self.client.post(action or form_url, data=body, buffered=True, **kwargs)

    def login(self, email: str, password: str = PASSWORD, next_url: str | None = None) -> TestResponse:
        """Sign in through the login form."""
        url = "/login" + (f"?next={next_url}" if next_url else "")
        return self.submit(url, {"email": email, "password": password})


def signed_in(app: Any, email: str, language: str | None = "en") -> Pages:
    """A fresh client signed in as this account (pages in English unless told otherwise)."""
    pages = Pages(app.test_client())
    if language:
        pages.client.set_cookie("lang", language)
    response = pages.login(email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return pages


@contextmanager
def count_queries(app: Any) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block."""
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = Database.engine_for(app)
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)
