"""``tracelabel places``: places written as text that await their official units (importing what
they use as they run, as every command does)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup

from tracelabel.cli_support import ChoiceFrom, plural, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@click.group("places", cls=AppGroup)
def places_group() -> None:
    """Places (province, commune) that no official unit of the 2025 map answers yet."""


def unsettled_summary(session: Session) -> str | None:
    """One line saying how many places await a person, or None when none does."""
    from tracelabel.services import places

    counts = places.count_unsettled(session)
    total = sum(counts.values())
    if not total:
        return None
    return (f"{plural(total, 'place', 'places')} written as text await their official units "
            f"(organizations: {counts['organization']}, areas: {counts['area']}, facilities: "
            f"{counts['facility']}): settle them at /admin/places or with `tracelabel places set`.")


@places_group.command("list")
def places_list() -> None:
    """List the records whose place awaits its units: kind, id, name, organization, commune,
    province (tab-separated)."""
    from tracelabel.services import places
    from tracelabel.services.actors import SYSTEM

    with unit_of_work() as session:
        rows = places.unsettled_places(session, SYSTEM)
    click.echo("\t".join(["kind", "id", "name", "organization", "commune", "province"]))
    for row in rows:
        province = row.province or "-"
        if row.province_code:
            province += f" ({row.province_code})"
        click.echo("\t".join([row.kind, str(row.id), row.name, row.organization,
                              row.commune or "-", province]))


@places_group.command("set")
@click.argument("kind", type=ChoiceFrom("tracelabel.services.places:KINDS"))
@click.argument("record_id", type=int)
@click.option("--province", required=True, help='name or code, e.g. "Quảng Ninh" or 22')
@click.option("--commune", help='name or code inside the province, e.g. "Bình Liêu" or 06838')
def places_set(kind: str, record_id: int, province: str, commune: str | None) -> None:
    """Set the official province and commune of an organization, area or facility."""
    from tracelabel.services import places
    from tracelabel.services.actors import SYSTEM

    with unit_of_work() as session:
        record = places.settle_place(session, SYSTEM, kind, record_id, province, commune)
        line = f"{kind} {record.id}: {places.place_view(record)['commune'] or '-'}, {record.province}"
        code = record.commune_code or record.province_code
    click.echo(f"{line} ({code}).")


@places_group.command("find")
@click.argument("text")
@click.option("--province", help="look for a commune inside this province")
def places_find(text: str, province: str | None) -> None:
    """Show the official unit a name or code finds (a province, or a commune with --province or
    when the text names no province)."""
    from tracelabel import admin_units

    try:
        if province is None:
            try:
                unit = admin_units.find_province(text)
                click.echo(f"{unit.code}\t{unit.name}")
                return
            except admin_units.UnitNotFound:
                pass
        within = admin_units.find_province(province).code if province else None
        commune = admin_units.find_commune(text, within)
    except admin_units.UnitNotFound as error:
        raise click.ClickException(str(error)) from None
    found = admin_units.province_by_code(commune.province_code)
    click.echo(f"{commune.code}\t{commune.name}\t{found.name if found else commune.province_code}")
