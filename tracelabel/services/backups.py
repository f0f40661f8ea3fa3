"""Online, consistent backups of the embedded SQLite database with the instance's keys, and restore.

A backup is a tar archive holding ``tracelabel.db`` (taken with SQLite's online backup API, so
writers may keep working) and the instance's ``code_keys`` and ``secret_key``: labels already
printed verify only with the code keys, so a restore without them would disown every unit code.
PostgreSQL deployments use pg_dump / pg_restore instead (docs/deploy.md).
"""

from __future__ import annotations

import io
import os
import sqlite3
import tarfile
import tempfile
from pathlib import Path

DATABASE_MEMBER = "tracelabel.db"
KEY_FILES = ("code_keys", "secret_key", "nfc_key")  # the NFC key opens the tags' stored keys


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite URL, or BackupError for any other database."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix) or database_url == prefix + ":memory:":
        raise BackupError("tracelabel backup copies the embedded SQLite database; for PostgreSQL "
                          "use pg_dump -Fc and pg_restore (see docs/deploy.md).")
    return Path(database_url.removeprefix(prefix))


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    archive.addfile(info, io.BytesIO(data))


def write_backup(database_url: str, instance_path: str, output: str) -> int:
    """Write the archive (mode 0600) and return the database size in bytes."""
    source = sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"There is no database at {source} yet.")
    with tempfile.TemporaryDirectory() as folder:
        snapshot = Path(folder) / DATABASE_MEMBER
        with sqlite3.connect(source) as live, sqlite3.connect(snapshot) as copy:
            live.backup(copy)
        copy.close()
        partial = output + ".partial"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # a leftover .partial keeps its old mode otherwise
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            archive.add(snapshot, DATABASE_MEMBER)
            for name in KEY_FILES:
                key_file = Path(instance_path) / name
                if key_file.exists():
                    _add_bytes(archive, name, key_file.read_bytes())
        os.replace(partial, output)
        return snapshot.stat().st_size


def _has_data(path: Path) -> bool:
    if not path.exists():
        return False
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if "batches" not in tables:
            return False
        return connection.execute("SELECT count(*) FROM audit_entries").fetchone()[0] > 0


def restore_backup(archive_path: str, database_url: str, instance_path: str, *,
                   force: bool = False) -> None:
    """Put an archive's database and keys in place; refuses to overwrite data unless forced."""
    target = sqlite_path(database_url)
    if _has_data(target) and not force:
        raise BackupError(f"{target} already holds data; restore into a fresh instance, or pass "
                          "--force to replace it.")
    try:
        with tarfile.open(archive_path, mode="r:gz") as archive:
            members = {m.name: m for m in archive.getmembers() if m.isfile()}
            if DATABASE_MEMBER not in members:
                raise BackupError("This file is not a tracelabel backup (no database inside).")
            contents = {name: archive.extractfile(members[name]).read()  # type: ignore[union-attr]
                        for name in (DATABASE_MEMBER, *KEY_FILES) if name in members}
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"The backup cannot be read: {error}.") from None
    _check_database(contents[DATABASE_MEMBER])
    _place(target, contents[DATABASE_MEMBER])
    for name in KEY_FILES:
        if name in contents:
            _place(Path(instance_path) / name, contents[name])
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)


def _check_database(data: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".db") as probe:
        probe.write(data)
        probe.flush()
        try:
            with sqlite3.connect(probe.name) as connection:
                result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError:
            result = "not a database"
        if result != "ok":
            raise BackupError(f"The database in the backup is damaged ({result}).")


def _place(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".restoring")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)
