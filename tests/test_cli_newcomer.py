"""The command line as a newcomer uses it: mistakes get a message and a non-zero exit, never a
traceback (issue 19, items 1-6)."""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path

import click
import pytest
from sqlalchemy import inspect, text

from tests.conftest import POSTGRES_URL, worker_database_url
from tracelabel import cli_demo, cli_support
from tracelabel.db import make_engine, make_session_factory
from tracelabel.extensions import EXTENSION_KEY
from tracelabel.services import demo

CSV = "số lô;ngày sản xuất;sản phẩm\nL1;01/12/2026;Không có\n"


def _published_code(runner) -> str:
    output = runner.invoke(args=["seed-demo"]).output
    return next(line for line in output.splitlines() if "/t/" in line).rsplit("/", 1)[1]


@pytest.fixture
def held_port():
    """A port on 127.0.0.1 that another program listens on."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    yield holder.getsockname()[1]
    holder.close()


@pytest.fixture
def no_gunicorn(monkeypatch):
    """Record where gunicorn would have been started instead of starting it."""
    started: list[tuple[str, int]] = []
    monkeypatch.setattr(cli_demo, "run_gunicorn",
                        lambda app, host, port, workers: started.append((host, port)))
    # demo hands the URL to gunicorn's workers through the environment: undo it afterwards
    monkeypatch.setenv("TRACELABEL_PUBLIC_URL", "x")
    monkeypatch.delenv("TRACELABEL_PUBLIC_URL")
    return started


@pytest.mark.parametrize("command", [
    ["labels", "CODE", "-o"], ["export", "--format", "csv", "-o"], ["backup", "-o"]])
def test_output_in_a_missing_folder_is_named_not_a_traceback(runner, tmp_path, command):
    missing = tmp_path / "nowhere"
    result = runner.invoke(args=[*command, str(missing / "out.file")])
    assert result.exit_code != 0
    assert f"the folder {missing} does not exist" in result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback


@pytest.mark.parametrize("problem", ["folder", "trailing-slash", "no-permission", "parent-is-file"])
def test_every_unwritable_output_is_a_message(runner, tmp_path, monkeypatch, problem):
    target = {"folder": str(tmp_path), "trailing-slash": f"{tmp_path}/new/",
              "no-permission": str(tmp_path / "ro" / "x.pdf"),
              "parent-is-file": str(tmp_path / "file" / "x.pdf")}[problem]
    (tmp_path / "file").write_text("")
    (tmp_path / "ro").mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if str(path).endswith("ro")
                        else real_access(path, mode, **kw))  # root may write anywhere
    for command in (["labels", "CODE", "-o"], ["export", "--format", "epcis", "-o"], ["backup", "-o"]):
        result = runner.invoke(args=[*command, target])
        assert result.exit_code == 2, result.output
        assert "Invalid value for '-o'" in result.output
        assert isinstance(result.exception, SystemExit)


def test_a_write_that_fails_midway_is_a_message_and_leaves_nothing(runner, tmp_path, monkeypatch):
    code = _published_code(runner)
    output = tmp_path / "labels.pdf"

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli_support.os, "replace", disk_full)
    result = runner.invoke(args=["labels", code, "-o", str(output)])
    assert result.exit_code == 1
    assert f"Cannot write {output}: No space left on device." in result.output
    assert list(tmp_path.glob("labels.pdf*")) == []


@pytest.mark.parametrize(("args", "message"), [
    (["audit", "verify", "--checkpoints", "{tmp}/missing.json"], "does not exist"),
    (["audit", "verify", "--checkpoints", "{tmp}"], "is a directory"),
    (["import", "batches", "{tmp}/missing.csv", "--org", "1"], "No such file"),
    (["import", "batches", "{tmp}", "--org", "1"], "directory"),
])
def test_unreadable_input_files_are_a_message(runner, tmp_path, args, message):
    result = runner.invoke(args=[arg.format(tmp=tmp_path) for arg in args])
    assert result.exit_code == 2
    assert message in result.output


def test_seed_demo_creates_the_schema_of_a_fresh_instance(runner, app, tmp_path, worker_id):
    if POSTGRES_URL:
        engine = make_engine(worker_database_url(POSTGRES_URL, worker_id, "newcomer"))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    original = app.extensions[EXTENSION_KEY]
    app.extensions[EXTENSION_KEY] = (engine, make_session_factory(engine))
    try:
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        assert "Miến dong Bình Liêu" in result.output
        assert "alembic_version" in inspect(engine).get_table_names()
        assert runner.invoke(args=["seed-demo"]).output == result.output
    finally:
        app.extensions[EXTENSION_KEY] = original
        engine.dispose()


def test_import_for_a_missing_organization_says_so(runner, make, tmp_path):
    make.organization()
    path = tmp_path / "batches.csv"
    path.write_text(CSV, encoding="utf-8")
    result = runner.invoke(args=["import", "batches", str(path), "--org", "999"])
    assert result.exit_code == 1
    assert "There is no organization 999." in result.output
    assert "tracelabel orgs list" in result.output
    assert "No product" not in result.output


def test_labels_after_demo_carry_the_url_the_demo_served_at(runner, app, tmp_path, no_gunicorn):
    app.config["PUBLIC_URL"] = cli_support.DEFAULT_PUBLIC_URL
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    served = runner.invoke(args=["demo", "--port", str(port)])
    assert served.exit_code == 0, served.output
    assert no_gunicorn == [("127.0.0.1", port)]
    assert f"Codes carry http://127.0.0.1:{port}" in served.output
    code = next(line for line in served.output.splitlines() if "/t/" in line).rsplit("/", 1)[1]
    app.config["PUBLIC_URL"] = cli_support.DEFAULT_PUBLIC_URL  # as a new process reads it
    result = runner.invoke(args=["labels", code, "--format", "zpl", "-o", str(tmp_path / "l.zpl")])
    assert result.exit_code == 0, result.output
    assert f"HTTP://127.0.0.1:{port}/T/{code}" in (tmp_path / "l.zpl").read_text()
    assert f"Codes carry http://127.0.0.1:{port} (where `tracelabel demo` last served)" in result.output


def test_labels_say_when_codes_carry_the_default_url(runner, app, tmp_path):
    code = _published_code(runner)
    app.config["PUBLIC_URL"] = cli_support.DEFAULT_PUBLIC_URL
    result = runner.invoke(args=["labels", code, "--format", "png", "-o", str(tmp_path / "l.png")])
    assert result.exit_code == 0, result.output
    assert "(the default); set TRACELABEL_PUBLIC_URL" in result.output


def test_configured_public_url_wins_over_the_demo_record(runner, app, tmp_path):
    code = _published_code(runner)
    demo.save_served_url(app.instance_path, "http://127.0.0.1:5071")
    result = runner.invoke(args=["labels", code, "--format", "zpl", "-o", str(tmp_path / "l.zpl")])
    assert result.exit_code == 0, result.output
    assert "HTTPS://TRACE.EXAMPLE.VN/T/" in (tmp_path / "l.zpl").read_text()
    assert "Codes carry" not in result.output


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_busy_port_fails_before_anything_is_printed(runner, held_port, no_gunicorn, command):
    result = runner.invoke(args=[command, "--port", str(held_port)])
    assert result.exit_code == 1
    assert f"Port {held_port} on 127.0.0.1 is already in use" in result.output
    assert "Demo accounts" not in result.output and "Serving" not in result.output
    assert no_gunicorn == []


def test_check_port_refuses_a_port_held_open(held_port):
    with pytest.raises(click.ClickException, match="already in use"):
        cli_demo.check_port("127.0.0.1", held_port)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    cli_demo.check_port("127.0.0.1", port)


def test_demo_lists_only_its_own_batches(runner, make):
    runner.invoke(args=["seed-demo"])
    make.batch(make.producer(), publish=True, lot="LO-CUA-TOI")
    output = runner.invoke(args=["seed-demo"]).output
    assert "LO-CUA-TOI" not in output
    assert len([line for line in output.splitlines() if ", lô " in line]) == 6


def test_failing_labels_leave_no_progress_line(runner, tmp_path):
    code = _published_code(runner)
    result = runner.invoke(args=["labels", code, "--format", "png", "--symbology", "ean13",
                                 "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 1
    assert "Labels" not in result.output


def test_progress_bar_only_for_long_runs_at_a_terminal_and_erased_on_failure():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with cli_support.label_progress(cli_support.PROGRESS_FROM - 1, screen) as progress:
        assert progress is None
    with cli_support.label_progress(1000, io.StringIO()) as progress:
        assert progress is None  # not a terminal
    with pytest.raises(RuntimeError), cli_support.label_progress(1000, screen) as progress:
        progress(10)
        raise RuntimeError
    assert screen.getvalue().endswith(cli_support.ERASE_LINE)


def test_counts_are_singular_or_plural(runner, app, tmp_path, make):
    code = _published_code(runner)
    one = runner.invoke(args=["labels", code, "--format", "png", "-o", str(tmp_path / "l.png")])
    assert "Wrote 1 label to" in one.output
    organization = make.organization()
    path = Path(tmp_path / "bad.csv")
    path.write_text(CSV, encoding="utf-8")
    bad = runner.invoke(args=["import", "batches", str(path), "--org", str(organization.id)])
    assert "1 row has errors; nothing was imported." in bad.output
