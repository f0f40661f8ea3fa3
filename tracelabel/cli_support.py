"""What every command shares: clear failures, one unit of work, output files written whole.

Like the commands, it loads the database and the services only when a command uses them.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click
from flask import current_app

from tracelabel.config import DEFAULTS
from tracelabel.services.errors import DomainError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DEFAULT_PUBLIC_URL = DEFAULTS["PUBLIC_URL"]
# Below this many labels a run takes a second or two: a bar would only flicker.
PROGRESS_FROM = 200
ERASE_LINE = "\r\x1b[K\x1b[?25h"  # back to the line's start, clear it, show the cursor again


def fail(message: str) -> None:
    """Stop the command with a clear message and a non-zero exit."""
    raise click.ClickException(message)


def message_text(message: str, params: dict[str, Any]) -> str:
    """A domain message with its parameters, as written: the command line has no visitor's language."""
    return message % params if params else message


def describe(error: DomainError) -> str:
    """A domain error as one line per problem, fields named."""
    lines = [message_text(error.message, error.params)]
    lines += [f"  {e.field}: {message_text(e.message, e.params)}" for e in error.errors]
    return "\n".join(lines)


def plural(count: int, singular: str, plural_form: str) -> str:
    """The count with its noun: ``1 label``, ``24 labels``."""
    return f"{count} {singular if count == 1 else plural_form}"


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session committed once at the end, rolled back on any error."""
    from tracelabel.extensions import Database

    session = Database.session_factory_for(current_app)()
    try:
        yield session
        session.commit()
    except DomainError as error:
        session.rollback()
        fail(describe(error))
    finally:
        session.close()


class ChoiceFrom(click.Choice):
    """A choice among the values of a module's constant (``"module:NAME"``), imported when the
    choice is first checked or shown, not when the command is defined."""

    def __init__(self, source: str, *, sort: bool = False) -> None:
        self.source = source
        self.sort = sort
        self.case_sensitive = True

    @functools.cached_property
    def choices(self) -> tuple[Any, ...]:  # type: ignore[override]
        """The constant's values (a mapping's keys), sorted if asked."""
        module, _, name = self.source.partition(":")
        values = getattr(importlib.import_module(module), name)
        return tuple(sorted(values) if self.sort else values)


class OutputFile(click.Path):
    """A file to write: refused before any work when its folder is missing, not writable, or it
    is itself a folder."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, writable=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The path, once its folder is known to take a new file."""
        path = super().convert(value, param, ctx)
        if str(path).endswith(os.sep):
            self.fail(f"{path} names a folder: add a file name, e.g. {path}labels.pdf.", param, ctx)
        folder = Path(os.path.abspath(path)).parent
        if not folder.exists():
            self.fail(f"the folder {folder} does not exist: create it first, or write elsewhere.",
                      param, ctx)
        if not folder.is_dir():
            self.fail(f"{folder} is a file, not a folder.", param, ctx)
        if not os.access(folder, os.W_OK | os.X_OK):
            self.fail(f"you may not create files in the folder {folder}.", param, ctx)
        return path


@contextmanager
def written_whole(output: str) -> Iterator[IO[bytes]]:
    """A handle on ``OUTPUT.partial``, renamed to ``output`` only when everything was written."""
    partial = output + ".partial"
    try:
        with open(partial, "wb") as out:
            yield out
        os.replace(partial, output)
    except OSError as error:
        fail(f"Cannot write {output}: {error.strerror or error}.")
    finally:
        if os.path.exists(partial):
            os.remove(partial)


@contextmanager
def label_progress(total: int | None,
                   stream: IO[str] | None = None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal's stderr for long runs only, erased if the run fails."""
    stream = stream or sys.stderr
    if not total or total < PROGRESS_FROM or not stream.isatty():
        yield None
        return
    with click.progressbar(length=total, label="Labels", file=stream) as bar:
        try:
            yield bar.update
        except BaseException:
            bar.hidden = True  # no final render: the line is erased instead
            stream.write(ERASE_LINE)
            stream.flush()
            raise


def public_url() -> str:
    """The base URL codes carry: the configured one, else the one ``tracelabel demo`` served at."""
    from tracelabel.services import demo

    configured = current_app.config["PUBLIC_URL"]
    if configured != DEFAULT_PUBLIC_URL:
        return configured
    return demo.served_url(current_app.instance_path) or configured


def say_which_url(url: str) -> None:
    """Tell on stderr which base URL codes carry when none was configured."""
    if current_app.config["PUBLIC_URL"] != DEFAULT_PUBLIC_URL:
        return
    origin = ("where `tracelabel demo` last served" if url != DEFAULT_PUBLIC_URL
              else "the default")
    click.echo(f"Codes carry {url} ({origin}); set TRACELABEL_PUBLIC_URL to the address "
               "phones will reach.", err=True)
