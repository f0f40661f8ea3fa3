"""The ``tracelabel`` console script: Flask's command group around ``create_app``."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from tracelabel import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False,
             load_dotenv=False, set_debug_flag=False)
def main() -> None:
    """tracelabel: traceability labels and trace pages for OCOP products."""


if __name__ == "__main__":
    main()
