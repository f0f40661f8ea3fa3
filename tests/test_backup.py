"""Backup and restore: a backup restored into a fresh instance passes `audit verify`."""

from __future__ import annotations

import shutil
import subprocess
import tarfile

import pytest
from sqlalchemy import func, select, text

from tests.conftest import POSTGRES_URL, worker_database_url
from tracelabel import codes, create_app, migrations
from tracelabel.db import make_engine
from tracelabel.extensions import Database
from tracelabel.models import AuditEntry, Batch


def sqlite_instance(tmp_path, monkeypatch, name):
    """An app on its own SQLite instance folder, schema migrated."""
    instance = tmp_path / name
    monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(instance))
    for variable in ("DATABASE_URL", "SECRET_KEY", "CODE_KEYS"):
        monkeypatch.delenv("TRACELABEL_" + variable, raising=False)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{instance / 'tracelabel.db'}"})
    migrations.upgrade(Database.engine_for(app))
    return app


def counts(app):
    with Database.session_factory_for(app)() as session:
        return (session.scalar(select(func.count()).select_from(Batch)),
                session.scalar(select(func.count()).select_from(AuditEntry)))


def test_backup_restores_into_a_fresh_instance(tmp_path, monkeypatch):
    source = sqlite_instance(tmp_path, monkeypatch, "source")
    runner = source.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    keys = codes.parse_code_keys(source.config["CODE_KEYS"])
    with Database.session_factory_for(source)() as session:
        code = session.scalar(select(Batch.code).where(Batch.status == "published").limit(1))
    printed_unit = codes.make_unit_code(code, 42, keys)
    archive = tmp_path / "sao-luu.tar.gz"
    result = runner.invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    assert (archive.stat().st_mode & 0o777) == 0o600
    with tarfile.open(archive) as contents:
        assert {"tracelabel.db", "code_keys", "secret_key", "nfc_key"} <= set(contents.getnames())

    target = sqlite_instance(tmp_path, monkeypatch, "target")
    assert target.config["CODE_KEYS"] != source.config["CODE_KEYS"]
    restored = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    fresh = create_app({"TESTING": True,
                        "DATABASE_URL": target.config["DATABASE_URL"]})
    verify = fresh.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    assert counts(fresh) == counts(source)
    assert codes.parse_unit_code(printed_unit, codes.parse_code_keys(fresh.config["CODE_KEYS"]))
    assert fresh.config["NFC_KEY"] == source.config["NFC_KEY"]  # registered tags' keys still open


def test_restore_refuses_to_overwrite_data_and_bad_files(tmp_path, monkeypatch):
    app = sqlite_instance(tmp_path, monkeypatch, "busy")
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    archive = tmp_path / "b.tar.gz"
    runner.invoke(args=["backup", "-o", str(archive)])
    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code != 0
    assert "already holds data" in refused.output
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    bad = runner.invoke(args=["restore", str(junk), "--force"])
    assert bad.exit_code != 0
    assert "cannot be read" in bad.output
    assert counts(app)[0] > 0


def test_backup_on_postgresql_points_to_pg_dump(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(tmp_path / "pg"))
    app = create_app({"TESTING": True, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert not (tmp_path / "x").exists()


@pytest.mark.skipif(not POSTGRES_URL, reason="the PostgreSQL path runs when a test database is set")
def test_pg_dump_and_pg_restore_keep_the_audit_chain(app, runner, worker_id):
    if not shutil.which("pg_dump"):
        pytest.fail("pg_dump is needed for the documented PostgreSQL backup path")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    source_url = Database.engine_for(app).url.render_as_string(hide_password=False)
    target_url = worker_database_url(POSTGRES_URL, worker_id, "restored")
    target = make_engine(target_url)
    with target.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    target.dispose()
    plain = lambda url: url.replace("postgresql+psycopg://", "postgresql://")  # noqa: E731
    dump = subprocess.run(["pg_dump", "-Fc", plain(source_url)], check=True, capture_output=True)
    subprocess.run(["pg_restore", "--no-owner", "-d", plain(target_url)], input=dump.stdout,
                   check=True, capture_output=True)
    restored = create_app({"TESTING": True, "DATABASE_URL": target_url})
    result = restored.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert counts(restored) == counts(app)
    Database.engine_for(restored).dispose()
