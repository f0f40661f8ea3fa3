"""The `tracelabel` command starts quickly: --help lists every command without building an app,
and a command still runs as it did (an app is built once it is chosen: without the web parts for
a command that only uses the database)."""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup, ScriptInfo

import tracelabel
from tracelabel import console
from tracelabel.extensions import Database

PROBE = """
import sys
from tracelabel.console import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("tracelabel.web", "tracelabel.extensions", "tracelabel.models", "sqlalchemy", "flask_smorest",
         "marshmallow", "flask_babel", "flask_wtf", "PIL")
print("LOADED:", ",".join(name for name in heavy if name in sys.modules))
"""


def _loaded_by(*args: str, env: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """What `tracelabel ARGS` printed, and which of the heavy parts it imported."""
    probe = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                           timeout=120, check=True, env=env)
    output, _, loaded = probe.stdout.rpartition("LOADED:")
    return output, [name for name in loaded.strip().split(",") if name]


def _every_command(app) -> dict[str, str]:
    """Each command Flask's own group offers with the full app (the app's, Flask's, plugins'),
    with its short help."""
    group = FlaskGroup(create_app=lambda: app)
    with click.Context(group, obj=ScriptInfo(create_app=lambda: app)) as ctx:
        return {name: group.get_command(ctx, name).get_short_help_str(1000)
                for name in group.list_commands(ctx)}


def test_help_lists_every_command_of_the_app_with_its_own_help(app):
    shown = subprocess.run([sys.executable, "-m", "tracelabel.console", "--help"], capture_output=True,
                           text=True, timeout=120, check=True).stdout
    listed = dict(line.strip().split(None, 1) for line in shown.split("Commands:")[1].splitlines()
                  if line.strip())
    expected = _every_command(app)
    missing = sorted(set(expected) - set(listed))
    assert not missing, f"add these to tracelabel.console.LIBRARY_COMMAND_HELP: {missing}"
    assert set(listed) == set(expected)
    for name, short_help in expected.items():  # the same words, shortened to the terminal
        assert short_help.startswith(listed[name].removesuffix("...")), name


def test_help_builds_no_app_and_loads_no_database_code():
    output, loaded = _loaded_by("--help")
    assert "Commands:" in output
    assert loaded == []
    output, loaded = _loaded_by("readiness", "--help")  # a command's own help: no app either
    assert "--strict" in output
    assert loaded == []


@pytest.fixture(autouse=True)
def _console_apps(monkeypatch):
    """Flask's group sets FLASK_RUN_FROM_CLI (restored afterwards); the apps the console builds
    get their connections closed, as the command's process exit would."""
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    built = []

    def recording_create_app(*args, **kwargs):
        built.append(real_create_app(*args, **kwargs))
        return built[-1]

    def recording_create_database_app(*args, **kwargs):
        built.append(real_create_database_app(*args, **kwargs))
        return built[-1]

    real_create_app = tracelabel.create_app
    real_create_database_app = tracelabel.create_database_app
    monkeypatch.setattr(tracelabel, "create_app", recording_create_app)
    monkeypatch.setattr(tracelabel, "create_database_app", recording_create_database_app)
    yield
    for app in built:
        Database.engine_for(app).dispose()


def _console_env(app) -> dict[str, str]:
    return {"TRACELABEL_DATABASE_URL": app.config["DATABASE_URL"],
            "TRACELABEL_CODE_KEYS": app.config["CODE_KEYS"],
            "TRACELABEL_PUBLIC_URL": app.config["PUBLIC_URL"]}


def test_a_command_runs_through_the_console_on_the_instance_database(app, make):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    result = CliRunner().invoke(console.main, ["readiness", batch.code], env=_console_env(app))
    assert result.exit_code == 0, result.output
    assert "[x]" in result.output
    missing = CliRunner().invoke(console.main, ["readiness", "NOSUCHCODE"], env=_console_env(app))
    assert missing.exit_code == 1
    assert "No batch has the code NOSUCHCODE" in missing.output


def test_a_database_command_runs_without_loading_the_web(app, make):
    batch = make.batch(make.producer(), publish=True)
    env = {**os.environ, **_console_env(app)}
    output, loaded = _loaded_by("readiness", batch.code, env=env)
    in_process = CliRunner().invoke(console.main, ["readiness", batch.code], env=_console_env(app))
    assert output == in_process.output  # the same report, from the app without its web parts
    assert "[x] Product name" in output
    assert not {"tracelabel.web", "flask_smorest", "marshmallow", "flask_babel", "PIL"} & set(loaded)
    assert "tracelabel.models" in loaded


def test_flask_and_library_commands_still_get_the_whole_app(app):
    routes = CliRunner().invoke(console.main, ["routes"], env=_console_env(app))
    assert routes.exit_code == 0, routes.output
    assert "/api/v1/" in routes.output and "public." in routes.output
    spec = CliRunner().invoke(console.main, ["openapi", "print"], env=_console_env(app))
    assert spec.exit_code == 0, spec.output
    assert '"openapi": "3.0.3"' in spec.output
    assert CliRunner().invoke(console.main, ["no-such-command"]).exit_code == 2


def test_a_choice_read_from_its_module_still_refuses_other_values(app):
    refused = CliRunner().invoke(console.main, ["users", "create", "x@example.vn", "--role", "boss"],
                                 env=_console_env(app))
    assert refused.exit_code == 2
    assert "'boss' is not one of 'producer', 'inspector', 'admin', 'programme'" in refused.output
    shown = CliRunner().invoke(console.main, ["places", "set", "--help"])
    assert "{organization|area|facility}" in shown.output
