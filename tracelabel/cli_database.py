"""Keeping the data safe: the schema (``db``), ``backup`` and ``restore``, and the audit trail
(``audit``) (importing what they use as they run, as every command does)."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from tracelabel.cli_places import unsettled_summary
from tracelabel.cli_support import OutputFile, fail, plural, unit_of_work


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Create, upgrade or downgrade the database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database to the newest schema."""
    from tracelabel import migrations
    from tracelabel.extensions import Database
    from tracelabel.services import published
    from tracelabel.services.actors import SYSTEM

    migrations.upgrade(Database.engine_for(current_app), revision)
    click.echo(f"Database at revision {migrations.current_revision(Database.engine_for(current_app))}.")
    if revision == "head":
        with unit_of_work() as session:
            frozen = published.backfill(session, SYSTEM)
        if frozen:
            click.echo(f"Froze the published record of {frozen} batches published before records existed.")
        from tracelabel.worker import roll_up_scans  # the worker's job, run once here too

        rolled = roll_up_scans(current_app)
        if rolled:
            click.echo(f"Rolled {rolled} scans and label runs up into the coverage dashboard's tallies.")
    if (migrations.current_revision(Database.engine_for(current_app)) or "") >= "0010":
        with unit_of_work() as session:
            summary = unsettled_summary(session)
        if summary:
            click.echo(summary)


@db_group.command("downgrade")
@click.option("--revision", default="-1", show_default=True, help="e.g. -1, or base for empty")
def db_downgrade(revision: str) -> None:
    """Step the database schema back."""
    from tracelabel import migrations
    from tracelabel.extensions import Database

    migrations.downgrade(Database.engine_for(current_app), revision)
    click.echo(f"Database at revision {migrations.current_revision(Database.engine_for(current_app))}.")


@click.command("backup")
@click.option("-o", "--output", type=OutputFile(), required=True)
@with_appcontext
def backup_command(output: str) -> None:
    """Back up the SQLite database (online, consistent) with the instance's keys."""
    from tracelabel.services import backups

    try:
        size = backups.write_backup(current_app.config["DATABASE_URL"], current_app.instance_path,
                                    output)
    except backups.BackupError as error:
        fail(str(error))
    except OSError as error:
        fail(f"Cannot write {output}: {error.strerror or error}.")
    click.echo(f"Backed up {size:,} bytes of database and the instance keys to {output}.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="replace a database that already holds data")
@with_appcontext
def restore_command(archive: str, force: bool) -> None:
    """Restore a backup into this instance (stop the server first)."""
    from tracelabel.extensions import Database
    from tracelabel.services import backups

    Database.engine_for(current_app).dispose()
    try:
        backups.restore_backup(archive, current_app.config["DATABASE_URL"],
                               current_app.instance_path, force=force)
    except backups.BackupError as error:
        fail(str(error))
    click.echo("Restored. Run `tracelabel audit verify` to check the trail, then start the server.")


@click.group("audit", cls=AppGroup)
def audit_group() -> None:
    """Check the audit trail and sign checkpoints of it."""


def _saved_checkpoints(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as error:
        raise click.BadParameter(f"cannot read {path}: {error.strerror or error}",
                                 param_hint="--checkpoints") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise click.BadParameter(f"cannot read {path} as JSON ({type(error).__name__})",
                                 param_hint="--checkpoints") from None


@audit_group.command("verify")
@click.option("--checkpoints", "saved", type=click.Path(exists=True, dir_okay=False, readable=True),
              metavar="FILE",
              help="a copy of /.well-known/tracelabel/audit (or a JSON list of checkpoints) "
                   "saved elsewhere, to prove the chain against")
def audit_verify(saved: str | None) -> None:
    """Walk the audit chain and check it against signed checkpoints; exit 1 naming the first
    changed entry."""
    from tracelabel.services import audit, audit_proof

    document = _saved_checkpoints(saved) if saved else None
    with unit_of_work() as session:
        try:
            report = (audit_proof.verify_saved(session, document) if saved
                      else audit_proof.verify_stored(session) or audit.verify_chain(session))
        except audit_proof.CheckpointFileError as error:
            raise click.BadParameter(f"{saved}: {error}", param_hint="--checkpoints") from None
    if not report.ok:
        if getattr(report, "from_checkpoints", False):
            fail(f"Audit chain does not match the signed checkpoints: {report.problem}.")
        fail(f"Audit chain broken at entry {report.bad_seq}: {report.problem} "
             f"({report.entries_checked} entries checked before it).")
    click.echo(f"Audit chain intact: {plural(report.entries_checked, 'entry', 'entries')}.")
    checked = getattr(report, "checkpoints_checked", 0)
    source = f"the {saved} copy" if saved else "the database"
    click.echo(f"It matches the {plural(checked, 'signed checkpoint', 'signed checkpoints')} "
               f"of {source}." if checked else
               "No signed checkpoints yet: run `tracelabel audit checkpoint` (see docs/deploy.md).")


@audit_group.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint of the chain's head with the audit signing key (run it from cron)."""
    from tracelabel.config import audit_signing_key_path
    from tracelabel.services import audit_checkpoints

    path, create = audit_signing_key_path(current_app.config, current_app.instance_path)
    with unit_of_work() as session:
        key = audit_checkpoints.load_signing_key(path, create)
        outcome = audit_checkpoints.create_checkpoint(session, key)
        mark = outcome.checkpoint
        line = (f"entry {mark.seq}, hash {mark.hash}, key {mark.key_id}, "
                f"signed {audit_checkpoints.format_time(mark.signed_at)}")
    if outcome.created:
        click.echo(f"Checkpoint signed: {line}.")
    else:
        click.echo(f"No new entries since the last checkpoint ({line}): nothing signed.")
