"""Fixtures: an app on a fresh database per test (SQLite always, PostgreSQL when configured), and for
the browser tests that app served live and Debian's Chromium (tests/browser.py)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import tracelabel.models  # noqa: F401
from tests.browser import browser, live_url, new_context  # noqa: F401
from tests.factories import Factory
from tracelabel import codes, create_app
from tracelabel.db import Base, make_engine
from tracelabel.extensions import Database
from tracelabel.services import accounts

POSTGRES_URL = os.environ.get("TRACELABEL_TEST_DATABASE_URL")
PUBLIC_URL = "https://trace.example.vn"


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its cheapest parameters: the tests create many accounts; production keeps the default."""
    original = accounts.PASSWORD_HASHER
    accounts.PASSWORD_HASHER = PasswordHasher.from_parameters(CHEAPEST)
    yield
    accounts.PASSWORD_HASHER = original


def worker_database_url(base_url: str, worker: str, purpose: str) -> str:
    """A PostgreSQL database of this test run's worker alone, created when missing.

    ``worker`` carries the run's id too, so two test runs on one server never share a database.
    """
    url = make_url(base_url)
    name = re.sub(r"[^a-z0-9_]", "_", f"tracelabel_{purpose}_{worker}".lower())
    admin = make_engine(base_url.replace("postgresql+psycopg://", "postgresql://"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_worker_databases(base_url: str, worker: str) -> None:
    """Remove the databases this run's worker created."""
    admin = make_engine(base_url.replace("postgresql+psycopg://", "postgresql://"))
    prefix = re.sub(r"[^a-z0-9_]", "_", worker.lower())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        names = connection.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE "
                                        "'tracelabel\\_%' AND datname LIKE :suffix"),
                                   {"suffix": f"%\\_{prefix}"}).all()
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str | None]:
    """This worker's PostgreSQL test database, schema created once, or None on SQLite."""
    if not POSTGRES_URL:
        yield None
        return
    url = worker_database_url(POSTGRES_URL, worker_id, "app")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url
    drop_worker_databases(POSTGRES_URL, worker_id)


def empty_all_tables(engine: Engine) -> None:
    """Start a PostgreSQL test from empty tables with identities reset."""
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(tmp_path, monkeypatch, postgres_url) -> Iterator[Flask]:
    """The app on a fresh database: a new SQLite file, or emptied PostgreSQL tables."""
    monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(tmp_path / "instance"))
    for name in ("DATABASE_URL", "PUBLIC_URL", "SECRET_KEY", "CODE_KEYS", "REDIS_URL"):
        monkeypatch.delenv("TRACELABEL_" + name, raising=False)
    url = postgres_url or f"sqlite:///{tmp_path / 'test.db'}"
    application = create_app({
        "TESTING": True,
        "DATABASE_URL": url,
        "PUBLIC_URL": PUBLIC_URL,
        "CODE_KEYS": codes.generate_code_key("A"),
        "RATE_LIMITS_ENABLED": False,  # tests/test_security.py turns them on where it checks them
    })
    engine = Database.engine_for(application)
    if postgres_url:
        empty_all_tables(engine)
    else:
        Base.metadata.create_all(engine)
    yield application
    engine.dispose()


@pytest.fixture
def limited_app(app: Flask, tmp_path, monkeypatch) -> Iterator[Flask]:
    """The test app's database with small rate limits on, seen from behind one trusted proxy."""
    monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(tmp_path / "limited"))
    limited = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                          "PUBLIC_URL": PUBLIC_URL, "CODE_KEYS": codes.generate_code_key("A"),
                          "RATE_LIMITS_ENABLED": True, "RATE_LIMIT_PUBLIC": "5/minute",
                          "RATE_LIMIT_API": "3/minute", "RATE_LIMIT_LOGIN": "2/minute",
                          "TRUSTED_PROXIES": 1})
    yield limited
    Database.engine_for(limited).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner of the app's commands."""
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on the app's database, outside any request."""
    with Database.session_factory_for(app)() as db_session:
        yield db_session


@pytest.fixture
def make(app: Flask, session: Session) -> Factory:
    """Factories for test data, built through the services (so audit entries are real)."""
    return Factory(session)


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    """This run's id and the pytest-xdist worker name (e.g. ``3f2a9c1b_gw0``)."""
    worker_input = getattr(request.config, "workerinput", None)
    if worker_input is None:
        return f"{uuid.uuid4().hex[:8]}_main"
    return f"{worker_input['testrunuid'][:8]}_{worker_input['workerid']}"
