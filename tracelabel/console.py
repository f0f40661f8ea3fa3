"""The ``tracelabel`` console script: Flask's command group around the app, started lazily.

Building the whole app imports the web pages, the API and label rendering, and takes seconds, so
``tracelabel --help`` lists the commands from their definitions (listed in ``tracelabel.cli``, made
in ``cli_*`` modules that load only click) without building an app, and a command builds one only
when it runs: the whole app for Flask's own commands, the libraries' and those in
``cli.WHOLE_APP_COMMANDS``, the app without its web parts for the others. Flask's own group
builds the whole app even for ``--help``.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from tracelabel import cli

# Commands that the app's libraries add (Flask-Limiter's entry point, flask-smorest's init_app),
# with their help: reading it from them would load those libraries for --help.
LIBRARY_COMMAND_HELP = {
    "limiter": "Flask-Limiter maintenance & utility commands",
    "openapi": "OpenAPI commands.",
}
OWN_COMMANDS = {command.name: command for command in cli.COMMANDS}


def build_app() -> Flask:
    """The whole app, imported and built when a command runs."""
    from tracelabel import create_app

    return create_app()


def build_database_app() -> Flask:
    """The app without its web parts, for a command that only reads and writes the database."""
    from tracelabel import create_database_app

    return create_database_app()


class LazyFlaskGroup(FlaskGroup):
    """A FlaskGroup that lists commands from their definitions and builds an app only to run one."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Flask's own commands (run, shell, routes), the app's and its libraries', without an app."""
        return sorted(set(self.commands) | set(OWN_COMMANDS) | set(LIBRARY_COMMAND_HELP))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The "Commands:" section of --help, each command's short help from its definition."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name) or OWN_COMMANDS.get(name)
            text = (command.get_short_help_str(limit) if command is not None
                    else click.utils.make_default_short_help(LIBRARY_COMMAND_HELP[name], limit))
            rows.append((name, text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """The command; for the app's own, the app it runs in is chosen now and built when it runs
        (its ``with_appcontext``), so that its --help builds none."""
        if name not in OWN_COMMANDS or name in self.commands:
            return super().get_command(ctx, name)  # unknown names too: the app may have them
        if name not in cli.WHOLE_APP_COMMANDS:
            ctx.ensure_object(ScriptInfo).create_app = build_database_app
        return OWN_COMMANDS[name]


@click.group(cls=LazyFlaskGroup, create_app=build_app, add_version_option=False,
             load_dotenv=False, set_debug_flag=False)
def main() -> None:
    """tracelabel: traceability labels and trace pages for OCOP products."""


if __name__ == "__main__":
    main()
