"""Migrations: upgrade an empty database, downgrade, upgrade again; the result matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

import tracelabel.models  # noqa: F401
from tests.conftest import POSTGRES_URL, worker_database_url
from tracelabel import migrations
from tracelabel.db import Base, make_engine


def _empty_engine(tmp_path, worker_id):
    if POSTGRES_URL:
        engine = make_engine(worker_database_url(POSTGRES_URL, worker_id, "migrations"))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        return engine
    return make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")


def _differences(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_upgrade_downgrade_upgrade_matches_the_models(tmp_path, worker_id):
    engine = _empty_engine(tmp_path, worker_id)
    try:
        assert migrations.current_revision(engine) is None
        migrations.upgrade(engine)
        assert migrations.current_revision(engine) is not None
        assert _differences(engine) == []
        migrations.downgrade(engine, "base")
        assert migrations.current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        assert _differences(engine) == []
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_cli_db_upgrade_and_downgrade(runner, app, tmp_path, worker_id):
    engine = _empty_engine(tmp_path, worker_id)
    app.config["DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    from tracelabel.db import make_session_factory
    from tracelabel.extensions import EXTENSION_KEY

    original = app.extensions[EXTENSION_KEY]
    app.extensions[EXTENSION_KEY] = (engine, make_session_factory(engine))
    try:
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "revision" in result.output
        assert "batches" in inspect(engine).get_table_names()
        result = runner.invoke(args=["db", "downgrade", "--revision", "base"])
        assert result.exit_code == 0, result.output
        assert "batches" not in inspect(engine).get_table_names()
    finally:
        app.extensions[EXTENSION_KEY] = original
        engine.dispose()


def test_0005_keeps_linked_areas_and_db_upgrade_freezes_published_batches(tmp_path, worker_id):
    """An area already named by a batch survives the upgrade (no table copy), and its batch gets the
    record of what its trace states."""
    from sqlalchemy.orm import Session

    from tracelabel.models import PublishedRecord
    from tracelabel.services import published, trace
    from tracelabel.services.actors import SYSTEM

    engine = _empty_engine(tmp_path, worker_id)
    try:
        migrations.upgrade(engine, "0004")
        now = "2026-11-01 08:00:00"
        statements = [
            "INSERT INTO organizations (id, name, kind, created_at) VALUES (1, 'HTX Bình Liêu', "
            "'cooperative', :now)",
            "INSERT INTO products (id, organization_id, name, ocop_group, standards, created_at, "
            "updated_at) VALUES (1, 1, 'Miến dong', 'food', '[]', :now, :now)",
            "INSERT INTO raw_material_areas (id, organization_id, name, code, code_status, material, "
            "province, created_at) VALUES (1, 1, 'Nương Bản Chuồng', 'VN-QNBL-0001', 'active', "
            "'Củ dong', 'Quảng Ninh', :now)",
            "INSERT INTO batches (id, code, organization_id, product_id, lot, production_date, status, "
            "published_at, status_changed_at, units_issued, version, created_at, updated_at) VALUES "
            "(1, '7K3M9QX2ZP4Q', 1, 1, 'L01', '2026-10-30', 'published', :now, :now, 0, 1, :now, :now)",
            "INSERT INTO batch_areas (batch_id, area_id) VALUES (1, 1)",
        ]
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement), {"now": now})
        migrations.upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT code_status_source FROM raw_material_areas")
                                      ).scalar() == "producer"
            assert connection.execute(text("SELECT count(*) FROM batch_areas")).scalar() == 1
        with Session(engine) as session:
            assert published.backfill(session, SYSTEM) == 1
            session.commit()
            assert published.backfill(session, SYSTEM) == 0
            record = session.get(PublishedRecord, 1)
            assert record.facts["areas"]["1"]["code"] == "VN-QNBL-0001"
            facts = trace.batch_facts(session, 1, trace.vietnam_today())
            assert facts["origin"]["areas"][0]["code_status_source"] == "producer"
    finally:
        engine.dispose()
