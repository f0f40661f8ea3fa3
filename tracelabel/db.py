"""The database: declarative base, column types, and one engine and session factory per app."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
import stat
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import URL, Dialect, ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)

# Owner read/write only: the database holds password and token hashes and unpublished drafts.
PRIVATE_FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored as UTC, read back aware and equal on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """The declarative base of every model; constraint names follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def sqlite_file(url: str | URL) -> Path | None:
    """The database file a SQLite URL names, or None (memory, URI filenames, other databases)."""
    parsed = make_url(url)
    database = parsed.database
    if (parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:")
            or database.startswith("file:")):
        return None
    return Path(database)


def create_private_sqlite_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does, and tighten an existing file and its
    -wal/-shm files (SQLite gives those the main file's mode) if others may read them."""
    if not path.exists() and path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SQLITE_SIDE_FILES)):
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
            if mode & 0o077:
                candidate.chmod(mode & 0o700)
        except FileNotFoundError:
            continue
        except PermissionError:
            logger.warning("cannot make %s readable by its owner only; fix its owner or mode",
                           candidate)


def _configure_sqlite(engine: Engine) -> None:
    path = sqlite_file(engine.url)
    if path is not None:
        @event.listens_for(engine, "do_connect")
        def _before_connect(*_args: Any) -> None:
            create_private_sqlite_file(path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _keep_values_out_of_errors(engine: Engine) -> None:
    @event.listens_for(engine, "handle_error")
    def _first_line_only(context: ExceptionContext) -> None:
        # PostgreSQL's DETAIL line repeats the offending key or row (a token hash, say); the
        # first line and the structured diagnostics (constraint name, SQLSTATE) are enough.
        original = context.original_exception
        full = str(original)
        primary = full.partition("\n")[0]
        if primary == full:
            return
        original.args = (primary,)
        wrapped = context.sqlalchemy_exception
        if wrapped is not None and wrapped.args:
            wrapped.args = (str(wrapped.args[0]).replace(full, primary), *wrapped.args[1:])


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys, a busy timeout and a 0600 file.

    SQL parameters and the values PostgreSQL repeats in an error's DETAIL (password and token
    hashes among them) are kept out of error messages and logs.
    """
    options: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            options["poolclass"] = StaticPool
            options["connect_args"] = {"check_same_thread": False}
        engine = create_engine(url, **options)
        _configure_sqlite(engine)
        _keep_values_out_of_errors(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    options.update(pool_size=5, max_overflow=10)
    engine = create_engine(url, **options)
    _keep_values_out_of_errors(engine)
    _ping_after_idle(engine)
    return engine


# A connection idle this long is pinged before use. A ping on every checkout (pool_pre_ping) costs
# a round trip per request; a busy server's connections are never idle that long. After a database
# restart, the first statement on a dead connection fails (503, nothing saved) and every connection
# returned to the pool before then is pinged before its next use.
IDLE_BEFORE_PING_SECONDS = 10.0
_CONNECTION_LOST_AT: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def _ping_after_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _idle_from_now(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or (time.monotonic() - idle_since < IDLE_BEFORE_PING_SECONDS and
                                  idle_since > _CONNECTION_LOST_AT.get(engine.pool, 0.0)):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("connection lost while idle") from error  # the pool reconnects


@contextmanager
def driver_cursor(session: Session) -> Iterator[Any]:
    """A DBAPI cursor in the session's transaction, for the few statements every scan runs.

    SQLAlchemy's statement execution costs several times the statement itself on SQLite, so the
    scan path talks to the driver: SQL in the driver's parameter style (``driver_sql``), values
    converted by the caller. A connection found dead is still invalidated, never handed out again.
    """
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        yield cursor
    except connection.dialect.loaded_dbapi.Error as error:
        lost = connection.dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
        if lost:
            _CONNECTION_LOST_AT[connection.engine.pool] = time.monotonic()
            connection.invalidate(error)
        raise _as_sqlalchemy_error(connection.dialect, error, lost) from error
    finally:
        if not connection.invalidated:
            cursor.close()


def _as_sqlalchemy_error(dialect: Dialect, error: Exception, lost: bool) -> DBAPIError:
    """A driver's error as SQLAlchemy would raise it (the error pages answer a lost database with
    503), its message cut to the first line as for every other statement."""
    error.args = (str(error).partition("\n")[0],)
    return DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error, hide_parameters=True,
                               connection_invalidated=lost, dialect=dialect)


@contextmanager
def committed_cursor(engine: Engine) -> Iterator[Any]:
    """A DBAPI cursor on a pooled connection of its own, outside any session: its work is committed
    when the block ends and rolled back if it raises (on PostgreSQL each statement commits itself).

    For a unit of work of a few statements run on every request (a scan): an ORM session and its
    transaction cost several times what the statements do.
    """
    connection = engine.raw_connection()
    postgres = engine.dialect.name == "postgresql"
    try:
        if postgres:
            connection.driver_connection.autocommit = True
        cursor = connection.cursor()
        yield cursor
        cursor.close()
        connection.commit()
    except engine.dialect.loaded_dbapi.Error as error:
        lost = engine.dialect.is_disconnect(error, connection.dbapi_connection, None)
        if lost:
            _CONNECTION_LOST_AT[engine.pool] = time.monotonic()
            connection.invalidate(error)
        else:
            connection.rollback()
        raise _as_sqlalchemy_error(engine.dialect, error, lost) from error
    except BaseException:
        connection.rollback()
        raise
    finally:
        if postgres and connection.is_valid:
            connection.driver_connection.autocommit = False
        connection.close()


@functools.lru_cache(maxsize=64)
def driver_sql(sql: str, dialect_name: str) -> str:
    """SQL written with ``:name`` parameters, in the driver's style (``%(name)s`` for psycopg)."""
    if dialect_name != "postgresql":
        return sql
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql.replace("%", "%%"))


@functools.lru_cache(maxsize=8)
def datetime_codec(dialect: Dialect) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """How UTCDateTime writes a value for the driver and reads one back, on this dialect."""
    column_type = UTCDateTime().dialect_impl(dialect)
    write = column_type.bind_processor(dialect) or (lambda value: value)
    read = column_type.result_processor(dialect, None) or (lambda value: value)
    return write, read


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (views render after committing)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
