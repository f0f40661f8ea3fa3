"""A batch from its records to its labels: ``import batches``, ``labels``, ``readiness`` and
``export`` (importing what they use as they run, as every command does)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

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
