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
