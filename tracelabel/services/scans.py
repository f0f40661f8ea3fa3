"""Scans: record each resolution of a code, count a code's scans exactly, spot copied codes.

Every resolution adds one ``Scan`` row (code, time, a salted hash of the client's *network*: never
the IP). A network is the address's IPv4 /24 or IPv6 /48: one phone can send any User-Agent and,
on mobile data, may change address within its carrier's block, so only the network is a signal
that costs a copier something to multiply. The code's ``ScanCounter`` grows by one unless the same
network scanned the same code within ``REPEAT_WINDOW``: reloading a page, or opening it in another
browser, is not a new scan (two buyers behind one carrier NAT within the window count once).
The counter is bumped by a single ``INSERT … ON CONFLICT … DO UPDATE SET count = count + 1``, so
concurrent scans are counted exactly.

On PostgreSQL the whole scan is one statement (``find_and_record``: the code's batch found, the row
added, the counter moved), run in autocommit (one round trip, no BEGIN or COMMIT of its own), whose
transaction commits with ``synchronous_commit`` off (``set_config(…, true)``
inside the statement: that transaction only). A crash of the database server (or the machine) can
lose the scans of the last few hundred milliseconds (at most three times ``wal_writer_delay``, 600 ms
by default), never half a scan (row and counter go together) and never anything else: batches,
events and the audit trail keep full durability. Scans are statistics; losing a fraction of a second
of them is worth the fsync saved on every scan. On SQLite the scan is one short transaction under
the app's WAL settings (``synchronous=NORMAL``: an application crash loses nothing, a power cut
may lose the last commits).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import hashlib
import ipaddress
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tracelabel.db import committed_cursor, datetime_codec, driver_cursor, driver_sql, utcnow
from tracelabel.models import ScanCounter
from tracelabel.services.trace import KEY_SELECT, BatchKey, batch_key

BATCH_SERIAL = 0  # the serial under which scans of the batch code itself are kept
REPEAT_WINDOW = dt.timedelta(minutes=10)
# A unit code scanned from this many different networks looks copied (one package, one buyer):
# the trace page warns and the inspector's alerts list the code, both from this one number.
COPY_SUSPECT_NETWORKS = 10
IPV4_PREFIX, IPV6_PREFIX = 24, 48


@dataclass(frozen=True)
class ScanTally:
    """A code's scan count after this scan, since when, and whether this scan was a repeat."""

    count: int
    first_scan_at: dt.datetime
    repeat: bool


def client_network(address: str | None) -> str:
    """The network of an address: IPv4 /24, IPv6 /48 (IPv4-mapped as IPv4); else the text itself."""
    text_address = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text_address)
    except ValueError:
        return text_address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network((ip, prefix), strict=False))


@functools.lru_cache(maxsize=4096)
def network_hash(salt: str, address: str | None) -> str:
    """A salted fingerprint of the client's network, 32 hex digits; not reversible."""
    material = "\x1f".join((salt, "network", client_network(address)))
    return hashlib.sha256(material.encode("utf-8", "replace")).hexdigest()[:32]


# Recording a scan of the code ``target`` names, one atomic statement on PostgreSQL. The counter moves
# unless the same network scanned the code within the window (a code without a counter yet gets
# one either way). All parts read one snapshot: the scan row added here is not taken for a repeat.
_POSTGRES_RECORD = """
seen AS (
    SELECT EXISTS (SELECT 1 FROM scans, target WHERE scans.batch_id = target.id
                   AND scans.serial = :serial AND client_hash = :client
                   AND scanned_at > :since) AS repeat,
           EXISTS (SELECT 1 FROM scan_counters AS c, target WHERE c.batch_id = target.id
                   AND c.serial = :serial) AS has_counter
),
added AS (
    INSERT INTO scans (batch_id, serial, scanned_at, client_hash)
    SELECT id, :serial, :now, :client FROM target
),
counted AS (
    INSERT INTO scan_counters AS c (batch_id, serial, count, first_scan_at, last_scan_at)
    SELECT id, :serial, 1, :now, :now FROM target, seen
    WHERE NOT seen.repeat OR NOT seen.has_counter
    ON CONFLICT (batch_id, serial)
    DO UPDATE SET count = c.count + 1, last_scan_at = excluded.last_scan_at
    RETURNING c.count, c.first_scan_at, false AS repeat
),
tally AS (
    SELECT * FROM counted
    UNION ALL
    SELECT c.count, c.first_scan_at, true FROM scan_counters AS c, target, seen
    WHERE seen.repeat AND seen.has_counter AND c.batch_id = target.id AND c.serial = :serial
)
"""
# synchronous_commit off for this statement's transaction only (see the module's docstring).
_POSTGRES_FAST = "WITH fast AS (SELECT set_config('synchronous_commit', 'off', true) AS setting),\n"
_POSTGRES_SCAN = "".join((
    _POSTGRES_FAST, "target AS (SELECT CAST(:batch_id AS integer) AS id FROM fast),",
    _POSTGRES_RECORD, "SELECT count, first_scan_at, repeat FROM tally"))
# The batch's key (the columns of trace.KEY_SELECT) and, when the code is public and the serial
# issued, the scan recorded: the whole of a scan in one round trip.
_POSTGRES_FOUND = """
found AS (
    SELECT b.id, b.code, b.lot, b.status, b.units_issued, p.id AS product_id, p.gtin,
           b.version, p.updated_at, (SELECT page_seq FROM audit_head WHERE id = 1) AS page_seq,
           b.status IN ('published', 'suspended', 'recalled') AND b.units_issued >= :serial
               AS scanned
    FROM batches AS b JOIN products AS p ON p.id = b.product_id CROSS JOIN fast
    WHERE b.code = :code{and_lot}
),
target AS (SELECT id FROM found WHERE scanned),"""
_POSTGRES_FOUND_AND_TALLY = """
SELECT found.id, found.code, found.lot, found.status, found.units_issued, found.product_id,
       found.gtin, found.version, found.updated_at, found.page_seq,
       tally.count, tally.first_scan_at, tally.repeat
FROM found LEFT JOIN tally ON true
"""
# By the code alone, or by the code and the GTIN and lot a Digital Link named (both must match).
_AND_LOT = " AND p.gtin = :gtin AND b.lot = :lot"
_POSTGRES_FIND_AND_SCAN = {by_lot: "".join((_POSTGRES_FAST, _POSTGRES_FOUND, _POSTGRES_RECORD,
                                            _POSTGRES_FOUND_AND_TALLY)).replace(
                                                "{and_lot}", _AND_LOT if by_lot else "")
                           for by_lot in (False, True)}
_SQLITE_FIND = {by_lot: "".join((KEY_SELECT, "WHERE b.code = :code", _AND_LOT if by_lot else ""))
                for by_lot in (False, True)}


def begin_public_request(session: Session) -> None:
    """Start a public resolution: on PostgreSQL every statement is then its own transaction.

    A resolution reads with single statements and records the scan with one atomic statement, so
    it needs no transaction of its own; autocommit spares the BEGIN and COMMIT round trips.
    """
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


_WRITER_LOCKS: dict[str, tuple[threading.Lock, int]] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _writer_lock(database: str) -> tuple[threading.Lock, int]:
    with _WRITER_LOCKS_GUARD:
        if database not in _WRITER_LOCKS:
            descriptor = os.open(database + "-scans.lock", os.O_RDWR | os.O_CREAT, 0o600)
            _WRITER_LOCKS[database] = (threading.Lock(), descriptor)
        return _WRITER_LOCKS[database]


@contextmanager
def writer_turn(session: Session) -> Iterator[None]:
    """Record and commit a scan inside this block: on SQLite, writers of scans queue on an OS lock.

    SQLite's busy handler polls for its write lock with sleeps of 1 ms and more, which made the
    slowest scans (p99) several times slower than the median once two workers wrote at once; a
    blocking file lock hands the turn over at once. PostgreSQL queues writers itself (row locks).
    """
    bind = session.get_bind()
    database = bind.url.database if bind.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    in_process, descriptor = _writer_lock(os.path.abspath(database))
    with in_process:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)


def _scan_values(session: Session, batch_id: int | None, serial: int, client: str,
                 now: dt.datetime | None) -> dict[str, Any]:
    now = now or utcnow()
    write, _read = datetime_codec(session.get_bind().dialect)
    return {"batch_id": batch_id, "serial": serial, "client": client, "now": write(now),
            "since": write(now - REPEAT_WINDOW)}


def _tally(session: Session, count: int, first_scan_at: Any, repeat: bool) -> ScanTally:
    _write, read = datetime_codec(session.get_bind().dialect)
    return ScanTally(count, read(first_scan_at), bool(repeat))


def record_scan(session: Session, batch_id: int, serial: int, client: str,
                now: dt.datetime | None = None) -> ScanTally:
    """Record one scan of a batch code (serial 0) or a unit, and return the code's tally."""
    values = _scan_values(session, batch_id, serial, client, now)
    with driver_cursor(session) as cursor:
        if session.get_bind().dialect.name == "postgresql":
            cursor.execute(driver_sql(_POSTGRES_SCAN, "postgresql"), values)
            return _tally(session, *cursor.fetchone())
        return _record_scan_portably(session, cursor, values)


def find_and_record(session: Session, batch_code: str, serial: int, client: str,
                    now: dt.datetime | None = None, *, gtin: str | None = None,
                    lot: str | None = None) -> tuple[BatchKey | None, ScanTally | None]:
    """The batch with this code (and this GTIN and lot, when given) and, if it is public and the
    serial was issued, the scan recorded and committed, with the code's tally (else None).

    The scan is its own unit of work, on a connection of its own rather than the session's: one
    statement on PostgreSQL, one short transaction on SQLite, and no ORM transaction around it.
    """
    engine = session.get_bind()
    by_lot = gtin is not None
    values = {**_scan_values(session, None, serial, client, now), "code": batch_code,
              **({"gtin": gtin, "lot": lot} if by_lot else {})}
    with committed_cursor(engine) as cursor:
        if engine.dialect.name == "postgresql":
            cursor.execute(driver_sql(_POSTGRES_FIND_AND_SCAN[by_lot], "postgresql"), values)
            row = cursor.fetchone()
            if row is None:
                return None, None
            key, tally = batch_key(row), row[10:]
            return key, None if tally[0] is None else _tally(session, *tally)
        cursor.execute(_SQLITE_FIND[by_lot], values)
        row = cursor.fetchone()
        key = None if row is None else batch_key(row)
        if key is None or not key.is_public or serial > key.units_issued:
            return key, None
        return key, _record_scan_portably(session, cursor, {**values, "batch_id": key.batch_id})


# The counter moves unless the same network scanned the code within the window (a code without
# a counter yet gets one either way); it is counted before the scan row is added, so that row is
# not taken for an earlier scan.
_COUNT_UNLESS_REPEAT = """
INSERT INTO scan_counters AS c (batch_id, serial, count, first_scan_at, last_scan_at)
SELECT :batch_id, :serial, 1, :now, :now
WHERE NOT EXISTS (SELECT 1 FROM scans WHERE batch_id = :batch_id AND serial = :serial
                  AND client_hash = :client AND scanned_at > :since)
   OR NOT EXISTS (SELECT 1 FROM scan_counters WHERE batch_id = :batch_id AND serial = :serial)
ON CONFLICT (batch_id, serial) DO UPDATE SET count = c.count + 1, last_scan_at = excluded.last_scan_at
RETURNING count, first_scan_at
"""
_ADD_SCAN = ("INSERT INTO scans (batch_id, serial, scanned_at, client_hash) "
             "VALUES (:batch_id, :serial, :now, :client)")
_TALLY = "SELECT count, first_scan_at FROM scan_counters WHERE batch_id = :batch_id AND serial = :serial"


def _record_scan_portably(session: Session, cursor: Any, values: dict[str, Any]) -> ScanTally:
    """The same in two statements (three for a repeat) of the session's transaction (SQLite: no
    round trips to save)."""
    cursor.execute(_COUNT_UNLESS_REPEAT, values)
    counted = cursor.fetchone()
    cursor.execute(_ADD_SCAN, values)
    if counted is not None:
        return _tally(session, *counted, False)
    cursor.execute(_TALLY, values)
    return _tally(session, *cursor.fetchone(), True)


def current_tally(session: Session, batch_id: int, serial: int) -> ScanTally:
    """A code's tally without recording anything (a HEAD or prefetch request is no scan)."""
    row = session.execute(select(ScanCounter.count, ScanCounter.first_scan_at).where(
        ScanCounter.batch_id == batch_id, ScanCounter.serial == serial)).one_or_none()
    if row is None:
        return ScanTally(0, utcnow(), True)
    return ScanTally(row.count, row.first_scan_at, True)


# Distinct networks by skipping from one client hash to the next along ix_scans_code_client:
# a handful of index probes however many scans the code has (no skip scan before PostgreSQL 18).
_DISTINCT_CLIENTS = text("""
WITH RECURSIVE clients(client, n) AS (
    SELECT (SELECT min(client_hash) FROM scans WHERE batch_id = :batch_id AND serial = :serial), 1
    UNION ALL
    SELECT (SELECT min(client_hash) FROM scans WHERE batch_id = :batch_id AND serial = :serial
            AND client_hash > clients.client), n + 1
    FROM clients WHERE clients.client IS NOT NULL AND n < :limit
)
SELECT count(client) FROM clients
""")


def distinct_networks(session: Session, batch_id: int, serial: int, limit: int) -> int:
    """How many different networks scanned a code, counting up to ``limit`` at most."""
    return session.scalar(_DISTINCT_CLIENTS, {"batch_id": batch_id, "serial": serial,
                                              "limit": limit}) or 0


def looks_copied(session: Session, batch_id: int, serial: int, tally: ScanTally) -> int | None:
    """The number of different networks when a unit code looks copied, else None."""
    # Each new network counts a scan, so a counter below the threshold cannot hide enough networks.
    if tally.count < COPY_SUSPECT_NETWORKS:
        return None
    networks = distinct_networks(session, batch_id, serial, COPY_SUSPECT_NETWORKS * 4)
    return networks if networks >= COPY_SUSPECT_NETWORKS else None
