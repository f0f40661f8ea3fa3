"""The demo and the server: ``seed-demo``, ``demo`` and ``serve`` (importing what they use as they
run, as every command does)."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from tracelabel.cli_support import DEFAULT_PUBLIC_URL, fail, public_url, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tracelabel.services.demo import DemoLogins

FACTORY_KEY = "tracelabel.factory"


def check_port(host: str, port: int) -> None:
    """Fail, before anything is printed or loaded, when nothing could listen on host:port."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, proto) as probe:
            # As gunicorn does: a port left in TIME_WAIT by a stopped server is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except socket.gaierror:
        fail(f"Cannot serve on {host}: no such host or address.")
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            fail(f"Port {port} on {host} is already in use (another `tracelabel demo` or server?): "
                 f"stop it, or pick another port, e.g. --port {port + 1 if port < 65535 else 8000}.")
        fail(f"Cannot serve on {host}:{port}: {error.strerror or error}.")


def prepare_schema(engine: Engine) -> None:
    """Create the schema on an empty database, or upgrade one behind the newest revision.

    Migrations record their revision, so running them again changes nothing. A database with
    tables but no revision was made without migrations (the tests' ``create_all``): left as is.
    """
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from tracelabel import migrations
    from tracelabel.services import published
    from tracelabel.services.actors import SYSTEM

    current = migrations.current_revision(engine)
    if current is None and inspect(engine).get_table_names():
        return
    head = ScriptDirectory.from_config(migrations.alembic_config(engine)).get_current_head()
    if current != head:
        migrations.upgrade(engine)
        with unit_of_work() as session:  # as `tracelabel db upgrade` does
            published.backfill(session, SYSTEM)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create or upgrade the schema, then load the demo producers, products and batches (safe to
    run again)."""
    from tracelabel.extensions import Database
    from tracelabel.services import demo

    prepare_schema(Database.engine_for(current_app))
    with unit_of_work() as session:
        logins = demo.seed(session, current_app.instance_path)
    _print_demo(logins)


def _print_demo(logins: DemoLogins) -> None:
    from tracelabel.links import batch_trace_url
    from tracelabel.services import demo

    click.echo("Demo accounts:")
    for email, password, role in logins.accounts:
        click.echo(f"  {role:<9} {email}  password: {password}")
    click.echo("Trace pages of the demo batches:")
    base_url = public_url()
    with unit_of_work() as session:
        for batch in demo.demo_batches(session):
            recalled = " (đã thu hồi / recalled)" if batch.status == "recalled" else ""
            click.echo(f"  {batch.product.name}, lô {batch.lot}{recalled}: "
                       f"{batch_trace_url(base_url, batch)}")


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=click.IntRange(1, 65535), show_default=True)
@click.option("--workers", default=2, type=click.IntRange(1, 64), show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app with gunicorn (the production server)."""
    check_port(host, port)
    run_gunicorn(current_app._get_current_object(), host, port, workers)  # type: ignore[attr-defined]


@click.command("demo")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=click.IntRange(1, 65535), show_default=True)
@click.option("--workers", default=2, type=click.IntRange(1, 64), show_default=True)
@click.option("--no-serve", is_flag=True, help="prepare the demo without starting the server")
def demo_command(host: str, port: int, workers: int, no_serve: bool) -> None:
    """Upgrade the database, load the demo data, print logins and trace URLs, then serve."""
    from tracelabel.extensions import Database
    from tracelabel.services import demo

    if not no_serve:
        check_port(host, port)
        _serve_codes_at(f"http://{host}:{port}")
    prepare_schema(Database.engine_for(current_app))
    with unit_of_work() as session:
        logins = demo.seed(session, current_app.instance_path)
    _print_demo(logins)
    if not no_serve:
        click.echo(f"Codes carry {public_url()} (set TRACELABEL_PUBLIC_URL to change it).")
        click.echo(f"Serving on http://{host}:{port}/ (Ctrl+C to stop), with a job worker")
        helper = start_worker_process(current_app.instance_path)
        try:
            run_gunicorn(current_app._get_current_object(), host, port, workers)  # type: ignore[attr-defined]
        finally:
            helper.terminate()
            helper.wait(30)


@click.command("worker")
@with_appcontext
@click.option("--workers", default=2, type=click.IntRange(1, 64), show_default=True,
              help="jobs run at once by this worker")
def worker_command(workers: int) -> None:
    """Run a job worker: large label runs and imports (Ctrl+C stops it once its jobs are done;
    a job it was running when killed is taken over by the next worker)."""
    from tracelabel import worker

    where = "Redis" if worker.queue_url(current_app.config) else "SQLite in the instance folder"
    click.echo(f"Job worker ({workers} at once), queue on {where}; Ctrl+C to stop.")
    worker.run_worker(current_app._get_current_object(), workers)  # type: ignore[attr-defined]


def start_worker_process(instance_path: str) -> subprocess.Popen[bytes]:
    """``tracelabel worker`` beside the demo's server, on the same instance."""
    return subprocess.Popen([sys.executable, "-m", "tracelabel.console", "worker", "--workers", "1"],
                            env={**os.environ, "TRACELABEL_INSTANCE_PATH": instance_path})


def _serve_codes_at(served_at: str) -> None:
    """Unconfigured: print, serve and remember for later commands the address the demo listens on."""
    from tracelabel.services import demo

    if current_app.config["PUBLIC_URL"] != DEFAULT_PUBLIC_URL:
        return
    os.environ["TRACELABEL_PUBLIC_URL"] = served_at  # the workers' own apps read it too
    current_app.config["PUBLIC_URL"] = served_at
    demo.save_served_url(current_app.instance_path, served_at)


def run_gunicorn(app: Flask, host: str, port: int, workers: int) -> None:
    """Run the app under gunicorn with sync workers.

    Each worker builds its own app with the factory: the command line keeps an app context open
    for the command, and a worker serving that same app object would share one ``g`` (and one
    database session) across every request instead of getting a fresh one per request.
    """
    from gunicorn.app.base import BaseApplication

    from tracelabel.extensions import Database

    factory = app.extensions[FACTORY_KEY]

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "sync")
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 120)

        def load(self) -> Flask:
            return factory()

    Database.engine_for(app).dispose()  # each worker opens its own connections after fork
    Server().run()
