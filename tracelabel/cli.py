"""The ``tracelabel`` command line (also ``flask --app tracelabel …``): the one list of its commands.

The commands live beside it by what they work on: ``cli_accounts`` (producers, accounts, API
tokens), ``cli_batches`` (import, labels, readiness, export), ``cli_database`` (schema, backup and
restore, audit trail), ``cli_places`` and ``cli_demo`` (the demo, the server, the worker), with
``cli_support`` for what they share.

Defining the commands loads only click: ``tracelabel --help`` lists them with their own help
without loading the database, the services or the web. Each command imports what it uses when it
runs, and a choice among a module's values (roles, label formats) is read when it is checked.
"""

from __future__ import annotations

from flask import Flask

from tracelabel.cli_accounts import orgs_group, tokens_group, users_group
from tracelabel.cli_batches import export_command, import_group, labels_command, readiness_command
from tracelabel.cli_database import audit_group, backup_command, db_group, restore_command
from tracelabel.cli_demo import FACTORY_KEY, demo_command, seed_demo, serve, worker_command
from tracelabel.cli_places import places_group

__all__ = ["COMMANDS", "FACTORY_KEY", "WHOLE_APP_COMMANDS", "register"]  # FACTORY_KEY: kept importable

COMMANDS = (db_group, orgs_group, users_group, tokens_group, import_group, labels_command,
            readiness_command, export_command, backup_command, restore_command, audit_group,
            seed_demo, serve, demo_command, places_group, worker_command)
# Commands that serve or run jobs get the whole app; the others only its settings and database.
WHOLE_APP_COMMANDS = frozenset({"serve", "demo", "worker"})


def register(app: Flask) -> None:
    """Attach every command to the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)
