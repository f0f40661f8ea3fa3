"""The ``tracelabel`` console script: Flask's command group around ``create_app``, started lazily.

Building the app imports the whole service (web pages, API, label rendering) and takes seconds,
so ``tracelabel --help`` lists the commands from ``COMMAND_HELP`` without building it, and a command
builds the app only once it is chosen. Flask's own group builds the app even for ``--help``.

A command added to ``cli.COMMANDS`` runs at once; add its line to ``COMMAND_HELP`` too, or
``tracelabel --help`` does not list it (``tests/test_cli_start.py`` names any that are missing).
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo

# Each command of the app and of Flask's plugins, with the first sentence of its help.
COMMAND_HELP = {
    "audit": "Check the audit trail and sign checkpoints of it.",
    "backup": "Back up the SQLite database (online, consistent) with the instance's keys.",
    "db": "Create, upgrade or downgrade the database schema.",
    "demo": "Upgrade the database, load the demo data, print logins and trace URLs, then serve.",
    "export": "Export origin chains as GS1 EPCIS 2.0 JSON-LD or the sortable CSV (UTF-8 with BOM).",
    "import": "Import records from spreadsheets.",
    "labels": "Write a published batch's labels to a file (PDF sheet, ZPL, PNG or SVG).",
    "limiter": "Flask-Limiter maintenance & utility commands",
    "openapi": "OpenAPI commands.",
    "orgs": "Manage producer organizations.",
    "places": "Places (province, commune) that no official unit of the 2025 map answers yet.",
    "readiness": "List which of the ten items of Circular 02/2024 a batch's trace would lack.",
    "restore": "Restore a backup into this instance (stop the server first).",
    "seed-demo": "Create or upgrade the schema, then load the demo producers, products and batches "
                 "(safe to run again).",
    "serve": "Serve the app with gunicorn (the production server).",
    "tokens": "Manage API tokens.",
    "users": "Manage accounts.",
    "worker": "Run a job worker: large label runs and imports (Ctrl+C stops it once its jobs are "
              "done; a job it was running when killed is taken over by the next worker).",
}
PLUGIN_COMMANDS = frozenset({"limiter"})  # from the "flask.commands" entry points


def build_app() -> Flask:
    """The whole app, imported and built when a command runs."""
    from tracelabel import create_app

    return create_app()


class LazyFlaskGroup(FlaskGroup):
    """A FlaskGroup that lists commands from a table and builds the app only to run one."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Flask's own commands (run, shell, routes) and the table's, without building the app."""
        return sorted(set(self.commands) | set(COMMAND_HELP))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The "Commands:" section of --help, short help from the table."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name)
            text = (command.get_short_help_str(limit) if command is not None
                    else click.utils.make_default_short_help(COMMAND_HELP[name], limit))
            rows.append((name, text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """The command, from the app (built now) unless it is Flask's own or a plugin's."""
        if name in self.commands or name in PLUGIN_COMMANDS or name not in COMMAND_HELP:
            return super().get_command(ctx, name)  # unknown names too: the app may have them
        app = ctx.ensure_object(ScriptInfo).load_app()
        if not current_app or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, name)


@click.group(cls=LazyFlaskGroup, create_app=build_app, add_version_option=False,
             load_dotenv=False, set_debug_flag=False)
def main() -> None:
    """tracelabel: traceability labels and trace pages for OCOP products."""


if __name__ == "__main__":
    main()
