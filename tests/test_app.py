"""The app factory, settings and generated secrets."""

from __future__ import annotations

import os
import stat

from tracelabel import create_app


def test_settings_come_from_environment_over_instance_file(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text('PUBLIC_URL = "https://from-file.example.vn"\n'
                                        'SECRET_KEY = "from-file"\n')
    monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("TRACELABEL_PUBLIC_URL", "https://from-env.example.vn/")
    monkeypatch.delenv("TRACELABEL_SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACELABEL_DATABASE_URL", raising=False)
    app = create_app()
    assert app.instance_path == str(instance)
    assert app.config["PUBLIC_URL"] == "https://from-env.example.vn"
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance / 'tracelabel.db'}"


def test_secret_key_and_code_keys_are_generated_once_into_the_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(tmp_path / "fresh"))
    for name in ("SECRET_KEY", "CODE_KEYS", "DATABASE_URL"):
        monkeypatch.delenv("TRACELABEL_" + name, raising=False)
    first = create_app()
    second = create_app()
    assert len(first.config["SECRET_KEY"]) >= 40
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["CODE_KEYS"] == second.config["CODE_KEYS"]
    mode = os.stat(tmp_path / "fresh" / "secret_key").st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_two_instances_get_different_secret_keys(tmp_path, monkeypatch):
    keys = set()
    for name in ("a", "b"):
        monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(tmp_path / name))
        monkeypatch.delenv("TRACELABEL_SECRET_KEY", raising=False)
        keys.add(create_app().config["SECRET_KEY"])
    assert len(keys) == 2


def test_sqlite_default_runs_in_wal_mode_with_foreign_keys(app):
    from tracelabel.extensions import Database

    engine = Database.engine_for(app)
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_home_page_speaks_vietnamese_first(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Truy xuất nguồn gốc" in body
    assert body.index("Truy xuất") < body.index("Trace the origin")


def test_health_check_reaches_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
