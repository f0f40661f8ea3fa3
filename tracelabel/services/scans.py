"""Scans: record each resolution of a code, count a code's scans exactly, spot copied codes.

Every resolution adds one ``Scan`` row (code, time, a salted hash of the client's *network*: never
the IP). A network is the address's IPv4 /24 or IPv6 /48: one phone can send any User-Agent and,
on mobile data, may change address within its carrier's block, so only the network is a signal
that costs a copier something to multiply. The code's ``ScanCounter`` grows by one unless the same
network scanned the same code within ``REPEAT_WINDOW``: reloading a page, or opening it in another
browser, is not a new scan (two buyers behind one carrier NAT within the window count once).
The counter is bumped by a single ``INSERT … ON CONFLICT … DO UPDATE SET count = count + 1``, so
concurrent scans are counted exactly.

On PostgreSQL the whole scan is one statement, run in autocommit (one round trip, no BEGIN or
COMMIT of its own), whose transaction commits with ``synchronous_commit`` off (``set_config(…, true)``
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
import hashlib
import ipaddress
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Integer, bindparam, select, text
from sqlalchemy.orm import Session

from tracelabel.db import UTCDateTime, utcnow
from tracelabel.models import ScanCounter

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


def network_hash(salt: str, address: str | None) -> str:
    """A salted fingerprint of the client's network, 32 hex digits; not reversible."""
    material = "\x1f".join((salt, "network", client_network(address)))
    return hashlib.sha256(material.encode("utf-8", "replace")).hexdigest()[:32]


_POSTGRES_SCAN = text("""
WITH fast AS (SELECT set_config('synchronous_commit', 'off', true) AS setting),
seen AS (
    SELECT EXISTS (SELECT 1 FROM scans WHERE batch_id = :batch_id AND serial = :serial
                   AND client_hash = :client AND scanned_at > :since) AS repeat
    FROM fast
),
added AS (
    INSERT INTO scans (batch_id, serial, scanned_at, client_hash)
    VALUES (:batch_id, :serial, :now, :client)
),
counted AS (
    INSERT INTO scan_counters AS c (batch_id, serial, count, first_scan_at, last_scan_at)
    SELECT :batch_id, :serial, 1, :now, :now FROM seen WHERE NOT seen.repeat
    ON CONFLICT (batch_id, serial)
    DO UPDATE SET count = c.count + 1, last_scan_at = excluded.last_scan_at
    RETURNING c.count, c.first_scan_at
)
SELECT count AS scan_count, first_scan_at, false AS repeat FROM counted
UNION ALL
SELECT c.count, c.first_scan_at, true FROM scan_counters AS c, seen
WHERE seen.repeat AND c.batch_id = :batch_id AND c.serial = :serial
""").bindparams(bindparam("now", type_=UTCDateTime()), bindparam("since", type_=UTCDateTime())
               ).columns(scan_count=Integer(), first_scan_at=UTCDateTime(), repeat=Boolean())


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


def record_scan(session: Session, batch_id: int, serial: int, client: str,
                now: dt.datetime | None = None) -> ScanTally:
    """Record one scan of a batch code (serial 0) or a unit, and return the code's tally."""
    now = now or utcnow()
    params = {"batch_id": batch_id, "serial": serial, "client": client, "now": now,
              "since": now - REPEAT_WINDOW}
    if session.get_bind().dialect.name == "postgresql":
        row = session.connection().execute(_POSTGRES_SCAN, params).one()
        return ScanTally(row.scan_count, row.first_scan_at, row.repeat)
    return _record_scan_portably(session, params)


# The counter moves unless the same network scanned the code within the window (a code without
# a counter yet gets one either way); it is counted before the scan row is added, so that row is
# not taken for an earlier scan.
_COUNT_UNLESS_REPEAT = text("""
INSERT INTO scan_counters AS c (batch_id, serial, count, first_scan_at, last_scan_at)
SELECT :batch_id, :serial, 1, :now, :now
WHERE NOT EXISTS (SELECT 1 FROM scans WHERE batch_id = :batch_id AND serial = :serial
                  AND client_hash = :client AND scanned_at > :since)
   OR NOT EXISTS (SELECT 1 FROM scan_counters WHERE batch_id = :batch_id AND serial = :serial)
ON CONFLICT (batch_id, serial) DO UPDATE SET count = c.count + 1, last_scan_at = excluded.last_scan_at
RETURNING count, first_scan_at
""").bindparams(bindparam("now", type_=UTCDateTime()), bindparam("since", type_=UTCDateTime())
                ).columns(count=Integer(), first_scan_at=UTCDateTime())
_ADD_SCAN = text("INSERT INTO scans (batch_id, serial, scanned_at, client_hash) "
                 "VALUES (:batch_id, :serial, :now, :client)"
                 ).bindparams(bindparam("now", type_=UTCDateTime()))
_TALLY = text("SELECT count, first_scan_at FROM scan_counters WHERE batch_id = :batch_id "
              "AND serial = :serial").columns(count=Integer(), first_scan_at=UTCDateTime())


def _record_scan_portably(session: Session, params: dict[str, Any]) -> ScanTally:
    """The same in two statements (three for a repeat) of one transaction (SQLite: no round trips
    to save, but each statement costs its own overhead)."""
    connection = session.connection()
    counted = connection.execute(_COUNT_UNLESS_REPEAT, params).first()
    connection.execute(_ADD_SCAN, params)
    if counted is not None:
        return ScanTally(counted.count, counted.first_scan_at, False)
    count, first_scan_at = connection.execute(_TALLY, params).one()
    return ScanTally(count, first_scan_at, True)


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
