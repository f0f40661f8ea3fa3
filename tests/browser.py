"""Browser-test fixtures: the test app served over real HTTP on loopback, and Debian's Chromium.

One Chromium per test session (per pytest-xdist worker), driven by Playwright and never installed by
it (`playwright install` is not run here); each test opens fresh contexts of its own with
``new_context``. The live server serves the test's ``app``, so it reads and writes the database the
test does (SQLite file or PostgreSQL). Imported by tests/conftest.py.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TEST_OUTPUT = Path(__file__).resolve().parent.parent / "test-output"


class QuietHandler(WSGIRequestHandler):
    """No request log lines in the test output."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """The app served by a threaded werkzeug server on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    # Joined on close, so every request has returned its database connection before the test's
    # app disposes of the engine (a connection left open is a ResourceWarning, an error here).
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """The test app served over HTTP on loopback; PUBLIC_URL points at it, cookies go over HTTP."""
    with live_server(app) as url:
        app.config.update(PUBLIC_URL=url, SESSION_COOKIE_SECURE=False)
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, one per test session (skipped outside CI when it is missing)."""
    if not os.environ.get("CI"):
        if not CHROMIUM.exists():
            pytest.skip("Debian's Chromium (/usr/bin/chromium) is not installed")
        pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_context(browser: Browser, live_url: str) -> Iterator[Callable[..., BrowserContext]]:
    """Opens fresh browser contexts (``Browser.new_context``'s options, and a default timeout in ms).

    Every context is closed at the end of the test, before the live server stops: the server waits
    for its open connections.
    """
    contexts: list[BrowserContext] = []

    def open_context(*, timeout: float = 15_000, **options: Any) -> BrowserContext:
        context = browser.new_context(**options)
        context.set_default_timeout(timeout)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
