"""The `tracelabel` command starts quickly: --help lists every command without building the app,
and a command still runs as it did (the app is built once it is chosen)."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup, ScriptInfo

import tracelabel
from tracelabel import console
from tracelabel.extensions import Database

HELP_PROBE = """
import sys
from tracelabel.console import main
try:
    main(["--help"])
except SystemExit:
    pass
loaded = [name for name in ("tracelabel.cli", "tracelabel.web", "tracelabel.extensions", "sqlalchemy")
          if name in sys.modules]
print("LOADED:", ",".join(loaded))
"""


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
    assert not missing, f"add these to tracelabel.console.COMMAND_HELP: {missing}"
    assert set(listed) == set(expected)
    for name, short_help in expected.items():  # the same words, shortened to the terminal
        assert short_help.startswith(listed[name].removesuffix("...")), name


def test_help_builds_no_app_and_loads_no_database_code():
    probe = subprocess.run([sys.executable, "-c", HELP_PROBE], capture_output=True, text=True,
                           timeout=120, check=True)
    assert "Commands:" in probe.stdout
    assert probe.stdout.strip().endswith("LOADED:")  # none of the heavy parts


@pytest.fixture(autouse=True)
def _console_apps(monkeypatch):
    """Flask's group sets FLASK_RUN_FROM_CLI (restored afterwards); the apps the console builds
    get their connections closed, as the command's process exit would."""
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    built = []

    def recording_create_app(*args, **kwargs):
        built.append(real_create_app(*args, **kwargs))
        return built[-1]

    real_create_app = tracelabel.create_app
    monkeypatch.setattr(tracelabel, "create_app", recording_create_app)
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


def test_a_command_not_yet_in_the_help_table_still_runs(app, make, monkeypatch):
    batch = make.batch(make.producer(), publish=True)
    monkeypatch.delitem(console.COMMAND_HELP, "readiness")
    result = CliRunner().invoke(console.main, ["readiness", batch.code], env=_console_env(app))
    assert result.exit_code == 0, result.output
    assert "Ready" in result.output or "gap" in result.output
    assert CliRunner().invoke(console.main, ["no-such-command"]).exit_code == 2
