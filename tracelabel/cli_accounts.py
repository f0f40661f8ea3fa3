"""Producers, accounts and API tokens: ``orgs``, ``users`` and ``tokens`` (importing what they
use as they run, as every command does)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

import click
from flask.cli import AppGroup

from tracelabel.cli_support import ChoiceFrom, fail, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


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
    user_email = _set_active(email, False)
    click.echo(f"Deactivated {user_email}: its sessions and API tokens no longer work.")


@users_group.command("activate")
@click.argument("email")
def users_activate(email: str) -> None:
    """Switch an account on again (its unrevoked tokens work again; its person signs in afresh)."""
    click.echo(f"Activated {_set_active(email, True)}.")


def _set_active(email: str, active: bool) -> str:
    """Switch the account with this e-mail address on or off; its address as stored."""
    from tracelabel.services import accounts
    from tracelabel.services.actors import SYSTEM

    with unit_of_work() as session:
        return accounts.set_active(session, SYSTEM, accounts.find_user(session, email).id,
                                   active).email


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
