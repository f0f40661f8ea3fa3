"""The ``tracelabel`` command line (also ``flask --app tracelabel …``).

Defining the commands loads only click: ``tracelabel --help`` lists them with their own help
without loading the database, the services or the web. Each command imports what it uses when it
runs, and a choice among a module's values (roles, label formats) is read when it is checked.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from tracelabel.cli_demo import FACTORY_KEY, demo_command, seed_demo, serve, worker_command
from tracelabel.cli_places import places_group
from tracelabel.cli_support import (
    ChoiceFrom,
    OutputFile,
    fail,
    label_progress,
    message_text,
    plural,
    public_url,
    say_which_url,
    unit_of_work,
    written_whole,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tracelabel.codes import CodeKeys
    from tracelabel.services.labels import LabelRequest

__all__ = ["COMMANDS", "FACTORY_KEY", "WHOLE_APP_COMMANDS", "register"]  # FACTORY_KEY: kept importable


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Create, upgrade or downgrade the database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database to the newest schema."""
    from tracelabel import migrations
    from tracelabel.cli_places import unsettled_summary
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


@click.group("orgs", cls=AppGroup)
def orgs_group() -> None:
    """Manage producer organizations."""


def _organization_line(organization: Any, accounts_count: int) -> str:
    prefixes = ",".join(entry.prefix for entry in organization.gs1_prefixes) or "-"
    return "\t".join([str(organization.id), organization.name, organization.kind,
                      organization.province or "-", prefixes, str(accounts_count)])


def _warn_foreign_products(session: Session, organization: Any) -> None:
    from tracelabel.services import organizations

    for product in organizations.foreign_products(session, organization)[:20]:
        click.echo(f"warning: product {product.id} ({product.name}) of organization "
                   f"{product.organization_id} carries GTIN {product.gtin} under this "
                   "organization's prefixes", err=True)


@orgs_group.command("create")
@click.argument("name")
@click.option("--kind", type=ChoiceFrom("tracelabel.models:ORGANIZATION_KINDS"), default="cooperative",
              show_default=True)
@click.option("--province")
@click.option("--commune")
@click.option("--address")
@click.option("--tax-code")
@click.option("--gs1-prefix", "gs1_prefixes", multiple=True, metavar="PREFIX",
              help="a GS1 company prefix, e.g. 8936045 (repeatable)")
def orgs_create(name: str, kind: str, **details: Any) -> None:
    """Register an organization and print its id."""
    from tracelabel.services import organizations
    from tracelabel.services.actors import SYSTEM

    with unit_of_work() as session:
        organization = organizations.create_organization(session, SYSTEM, name=name, kind=kind,
                                                         **details)
        _warn_foreign_products(session, organization)
    click.echo(organization.id)


@orgs_group.command("update")
@click.argument("organization_id", type=int)
@click.option("--name")
@click.option("--kind", type=ChoiceFrom("tracelabel.models:ORGANIZATION_KINDS"))
@click.option("--province")
@click.option("--commune")
@click.option("--address")
@click.option("--tax-code")
@click.option("--phone")
@click.option("--email")
@click.option("--website")
@click.option("--gs1-prefix", "gs1_prefixes", multiple=True, metavar="PREFIX",
              help="the organization's GS1 company prefixes (repeatable; replaces the set)")
@click.option("--clear-gs1-prefixes", is_flag=True, help="remove every GS1 company prefix")
def orgs_update(organization_id: int, gs1_prefixes: tuple[str, ...], clear_gs1_prefixes: bool,
                **details: Any) -> None:
    """Change an organization's details (an empty value clears one) or its GS1 company prefixes;
    a prefix that a product's GTIN depends on is not removed."""
    from tracelabel.services import organizations
    from tracelabel.services.actors import SYSTEM

    changes = {key: value for key, value in details.items() if value is not None}
    if gs1_prefixes and clear_gs1_prefixes:
        fail("Give --gs1-prefix or --clear-gs1-prefixes, not both.")
    if gs1_prefixes or clear_gs1_prefixes:
        changes["gs1_prefixes"] = list(gs1_prefixes)
    if not changes:
        fail("Nothing to change: give at least one option (see --help).")
    with unit_of_work() as session:
        organization = organizations.update_organization(session, SYSTEM, organization_id, changes)
        line = _organization_line(organization, organizations.account_count(session,
                                                                            organization.id))
        _warn_foreign_products(session, organization)
    click.echo(line)


@orgs_group.command("list")
def orgs_list() -> None:
    """List organizations: id, name, kind, province, GS1 company prefixes, accounts (tab-separated)."""
    from tracelabel.services import organizations
    from tracelabel.services.actors import SYSTEM

    with unit_of_work() as session:
        lines = [_organization_line(organization, count) for organization, count
                 in organizations.list_organizations(session, SYSTEM)]
    click.echo("\t".join(["id", "name", "kind", "province", "gs1_prefixes", "accounts"]))
    for line in lines:
        click.echo(line)


@click.group("users", cls=AppGroup)
def users_group() -> None:
    """Manage accounts."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=ChoiceFrom("tracelabel.models:ROLES"), required=True)
@click.option("--org", "organization_id", type=int, help="organization id (producers)")
@click.option("--name", "display_name")
@click.option("--scope", help='inspectors and programme officials: a province ("Quảng Ninh", 22) '
              'or national (inspectors: national by default)')
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def users_create(email: str, role: str, organization_id: int | None, display_name: str | None,
                 scope: str | None, password_stdin: bool) -> None:
    """Create an account (the password is prompted for, or read from stdin)."""
    from tracelabel.services import accounts
    from tracelabel.services.actors import OFFICIAL_ROLES, SYSTEM, scope_label

    password = _read_password(password_stdin)
    with unit_of_work() as session:
        user = accounts.create_user(session, SYSTEM, email=email, password=password, role=role,
                                    organization_id=organization_id, display_name=display_name,
                                    scope=scope)
    where = f", scope {scope_label(user.scope_province_code)}" if user.role in OFFICIAL_ROLES else ""
    click.echo(f"Created {user.role} account {user.email} (id {user.id}{where}).")


@users_group.command("scope")
@click.argument("email")
@click.argument("scope")
def users_scope(email: str, scope: str) -> None:
    """Limit an inspector or programme official to a province (name or code), or national."""
    from tracelabel.services import accounts
    from tracelabel.services.actors import SYSTEM, scope_label

    with unit_of_work() as session:
        user = accounts.set_scope(session, SYSTEM, accounts.find_user(session, email).id, scope)
    click.echo(f"{user.email} now sees {scope_label(user.scope_province_code)}.")


@users_group.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Switch an account off: its sessions and API tokens are refused from the next request on."""
    from tracelabel.services import accounts
    from tracelabel.services.actors import SYSTEM

    with unit_of_work() as session:
        user = accounts.set_active(session, SYSTEM, accounts.find_user(session, email).id, False)
    click.echo(f"Deactivated {user.email}: its sessions and API tokens no longer work.")


@users_group.command("activate")
@click.argument("email")
def users_activate(email: str) -> None:
    """Switch an account on again (its unrevoked tokens work again; its person signs in afresh)."""
    from tracelabel.services import accounts
    from tracelabel.services.actors import SYSTEM

    with unit_of_work() as session:
        user = accounts.set_active(session, SYSTEM, accounts.find_user(session, email).id, True)
    click.echo(f"Activated {user.email}.")


@users_group.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True,
              help="read the new password from standard input (else one is generated and shown once)")
def users_reset_password(email: str, password_stdin: bool) -> None:
    """Reset an account's password: its sessions end and a new one is asked for at sign-in."""
    from tracelabel.services import accounts
    from tracelabel.services.actors import SYSTEM

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and not password:
        fail("No password on standard input.")
    with unit_of_work() as session:
        user, generated = accounts.reset_password(
            session, SYSTEM, accounts.find_user(session, email).id, password)
    click.echo(f"Password of {user.email} reset; its sessions have ended and a new password is "
               "asked for at its next sign-in.")
    if generated:
        click.echo(f"One-time password (shown only now): {generated}")


@click.group("tokens", cls=AppGroup)
def tokens_group() -> None:
    """Manage API tokens."""


@tokens_group.command("create")
@click.argument("email")
@click.option("--name", default="API token", show_default=True)
@click.option("--expires", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="the last day the token works (Vietnam time)")
@click.option("--expires-in-days", type=click.IntRange(1, 36500), metavar="N",
              help="the token works for N more days")
def tokens_create(email: str, name: str, expires: Any, expires_in_days: int | None) -> None:
    """Issue an API token for an account and print it (it is shown only once)."""
    from tracelabel.services import accounts
    from tracelabel.services.actors import SYSTEM

    if expires and expires_in_days:
        fail("Give --expires or --expires-in-days, not both.")
    last_day = expires.date() if expires else None
    if expires_in_days:
        last_day = dt.datetime.now(accounts.VIETNAM).date() + dt.timedelta(days=expires_in_days)
    with unit_of_work() as session:
        user = accounts.find_user(session, email)
        _token, plain = accounts.create_token(session, SYSTEM, user, name, expires=last_day)
    click.echo(plain)


@tokens_group.command("list")
@click.option("--email", help="only this account's tokens")
def tokens_list(email: str | None) -> None:
    """List API tokens, newest first: id, owner, name, prefix, created, last used, expires,
    status (tab-separated)."""
    from tracelabel.services import accounts
    from tracelabel.services.actors import SYSTEM

    def when(moment: dt.datetime | None) -> str:
        return moment.astimezone(accounts.VIETNAM).strftime("%Y-%m-%d %H:%M") if moment else "-"

    with unit_of_work() as session:
        if email:
            accounts.find_user(session, email)
        found = accounts.list_all_tokens(session, SYSTEM, email=email, per_page=1_000_000).items
        lines = ["\t".join([str(t.id), t.user.email, t.name, t.token_prefix + "…",
                            when(t.created_at), when(t.last_used_at), when(t.expires_at),
                            accounts.token_state(t)]) for t in found]
    click.echo("\t".join(["id", "owner", "name", "prefix", "created", "last_used", "expires",
                          "status"]))
    for line in lines:
        click.echo(line)


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke an API token: it is refused from the next request on."""
    from tracelabel.services import accounts
    from tracelabel.services.actors import SYSTEM

    with unit_of_work() as session:
        token = accounts.revoke_token(session, SYSTEM, token_id)
        owner = token.user.email
    click.echo(f"Revoked token {token_id} ({token.name}) of {owner}.")


@click.group("import", cls=AppGroup)
def import_group() -> None:
    """Import records from spreadsheets."""


@import_group.command("batches")
@click.argument("csv_file", type=click.File("rb"))
@click.option("--org", "organization_id", type=int, required=True, help="the producer's id")
@click.option("--dry-run", is_flag=True, help="check every row and write nothing")
def import_batches(csv_file: Any, organization_id: int, dry_run: bool) -> None:
    """Create draft batches from a CSV (UTF-8, `,` or `;`, Vietnamese or English headers)."""
    from tracelabel.services import imports
    from tracelabel.services.actors import SYSTEM

    with unit_of_work() as session:
        try:
            report = imports.import_batches(session, SYSTEM, csv_file.read(), dry_run=dry_run,
                                            organization_id=organization_id)
        except imports.ImportRejected as error:
            fail(message_text(error.message, error.params))
        except imports.UnknownOrganization as error:
            fail(f"{message_text(error.message, error.params)} `tracelabel orgs list` lists every "
                 "organization with its id.")
        for error in report.errors:
            click.echo(f"line {error.line}, {error.field}: {message_text(error.message, error.params)}",
                       err=True)
        if not report.ok or dry_run:
            session.rollback()
        if not report.ok:
            bad = len({e.line for e in report.errors})
            fail(f"{plural(bad, 'row has', 'rows have')} errors; nothing was imported.")
    verb = "would be imported (dry run)" if dry_run else "imported"
    click.echo(f"{plural(report.rows_written, 'batch', 'batches')} {verb}.")


@click.command("labels")
@click.argument("batch_code")
@click.option("--format", "fmt", type=ChoiceFrom("tracelabel.services.labels:FORMATS"), default="pdf",
              show_default=True)
@click.option("--symbology", type=ChoiceFrom("tracelabel.services.labels:SYMBOLOGIES"), default="qr",
              show_default=True)
@click.option("--template", type=ChoiceFrom("tracelabel.labels:TEMPLATES", sort=True),
              help="default: a4-3x8 for pdf; for zpl the smallest roll that holds the symbology")
@click.option("--units", help="unit serials FROM-TO (issued first, e.g. through the API)")
@click.option("--dpi", type=click.IntRange(72, 1200), help="PNG resolution; ZPL: 203 or 300")
@click.option("-o", "--output", type=OutputFile(), required=True)
@with_appcontext
def labels_command(batch_code: str, fmt: str, symbology: str, template: str | None, units: str | None,
                   dpi: int | None, output: str) -> None:
    """Write a published batch's labels to a file (PDF sheet, ZPL, PNG or SVG)."""
    from tracelabel import codes
    from tracelabel.services import batches
    from tracelabel.services.labels import LabelRequest, parse_units

    request = LabelRequest(fmt=fmt, symbology=symbology, template=template, units=units, dpi=dpi)
    keys = codes.parse_code_keys(current_app.config["CODE_KEYS"])
    with unit_of_work() as session:
        batch = batches.find_batch_by_code(session, batch_code)
        if batch is None:
            fail(f"No batch has the code {batch_code}.")
        total = len(parse_units(units, batch.units_issued) or []) or None
        written = _write_labels(session, batch.id, request, keys, output, total)
    click.echo(f"Wrote {plural(written, 'label', 'labels')} to {output}.")


def _write_labels(session: Session, batch_id: int, request: LabelRequest, keys: CodeKeys,
                  output: str, total: int | None) -> int:
    from tracelabel.services.actors import SYSTEM
    from tracelabel.services.labels import render_batch_labels

    base_url = public_url()
    say_which_url(base_url)
    with written_whole(output) as out, label_progress(total) as progress:
        return render_batch_labels(session, SYSTEM, batch_id, request, public_url=base_url,
                                   code_keys=keys, out=out, progress=progress)


@click.command("readiness")
@click.argument("batch_code")
@click.option("--strict", is_flag=True, help="exit 1 when the trace lacks any item")
@with_appcontext
def readiness_command(batch_code: str, strict: bool) -> None:
    """List which of the ten items of Circular 02/2024 a batch's trace would lack."""
    from tracelabel.services import batches, readiness
    from tracelabel.services.actors import SYSTEM

    with unit_of_work() as session:
        batch = batches.find_batch_by_code(session, batch_code)
        if batch is None:
            fail(f"No batch has the code {batch_code}.")
        report = readiness.batch_readiness(session, SYSTEM, batch.id)
    for key, label in readiness.ITEMS.items():
        click.echo(f"  [{'x' if report.item_ok(key) else ' '}] {label}")
    for gap in report.gaps:
        click.echo(f"  - {message_text(gap.message, gap.params)}")
    click.echo("Ready: the trace shows every item." if report.ready
               else f"{plural(len(report.gaps), 'gap', 'gaps')} to fill before the trace is complete.")
    if strict and not report.ready:
        sys.exit(1)


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["epcis", "csv"]), required=True)
@click.option("--code", help="a batch code, unit code or trace URL")
@click.option("--lot")
@click.option("--status", type=click.Choice(["draft", "published", "suspended", "recalled"]))
@click.option("--org", "organization_id", type=int, help="one producer's id")
@click.option("--producer", help="producer name contains")
@click.option("--province")
@click.option("--area-code")
@click.option("--from", "produced_from", type=click.DateTime(["%Y-%m-%d"]), help="produced on or after")
@click.option("--to", "produced_to", type=click.DateTime(["%Y-%m-%d"]), help="produced on or before")
@click.option("-o", "--output", type=OutputFile(), required=True)
@with_appcontext
def export_command(fmt: str, output: str, **filters: Any) -> None:
    """Export origin chains as GS1 EPCIS 2.0 JSON-LD or the sortable CSV (UTF-8 with BOM)."""
    from tracelabel.services import exports
    from tracelabel.services.actors import SYSTEM
    from tracelabel.services.search import BatchFilters

    for key in ("produced_from", "produced_to"):
        filters[key] = filters[key].date() if filters[key] else None
    writer = exports.write_epcis if fmt == "epcis" else exports.write_csv
    base_url = public_url()
    say_which_url(base_url)
    with unit_of_work() as session, written_whole(output) as out:
        count = writer(exports.matching_batches(session, SYSTEM, BatchFilters(**filters)),
                       base_url, out)
    noun = ("event", "events") if fmt == "epcis" else ("row", "rows")
    click.echo(f"Wrote {plural(count, *noun)} to {output}.")


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


COMMANDS = (db_group, orgs_group, users_group, tokens_group, import_group, labels_command,
            readiness_command, export_command, backup_command, restore_command, audit_group,
            seed_demo, serve, demo_command, places_group, worker_command)
# Commands that serve or run jobs get the whole app; the others only its settings and database.
WHOLE_APP_COMMANDS = frozenset({"serve", "demo", "worker"})


def register(app: Flask) -> None:
    """Attach every command to the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)
