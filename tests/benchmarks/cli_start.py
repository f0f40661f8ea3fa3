"""How fast the command line starts, against `flask --help` measured in the same run.

    python tests/benchmarks/cli_start.py [--runs 7]

Times, as wall-clock time of a fresh process: `flask --help` (Flask alone, no app), `tracelabel
--help`, and `tracelabel readiness CODE` on a published demo batch of a SQLite instance made in a
temporary folder; and, for reference, a bare import of Flask's command line and SQLAlchemy's
ORM, the least any command that reads the database loads. They are run in turn, `--runs` times
each, so other work on the machine weighs on them alike; the report gives each one's median, its
ratio to `flask --help` and the target (1.5×). Run it from the repository root; the executables
are those beside this Python.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracelabel import create_app, migrations
from tracelabel.extensions import Database
from tracelabel.models import Batch
from tracelabel.services import demo

TARGET = 1.5
BIN = Path(sys.executable).parent


def prepare(instance: Path) -> str:
    """A SQLite instance with the demo data; the code of one of its published batches."""
    os.environ["TRACELABEL_INSTANCE_PATH"] = str(instance)
    app = create_app()
    engine = Database.engine_for(app)
    migrations.upgrade(engine)
    with Session(engine) as session:
        demo.seed(session, str(instance))
        session.commit()
        code = session.scalar(select(Batch.code).where(Batch.status == "published").limit(1))
    engine.dispose()
    return code


def wall_time(command: list[str], env: dict[str, str], cwd: Path, must_succeed: bool) -> float:
    """Seconds from starting the process to its exit."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - started
    if must_succeed and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.decode()[-2000:]}")
    return elapsed


def main() -> int:
    """Prepare the instance, time the commands in turn, print the medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tracelabel-cli-start-"))
    try:
        code = prepare(workdir / "instance")
        env = {**os.environ, "TRACELABEL_INSTANCE_PATH": str(workdir / "instance")}
        env.pop("FLASK_APP", None)
        commands = {  # flask --help in an empty folder: it finds no app, as on a fresh shell
            "flask --help": ([str(BIN / "flask"), "--help"], False),
            "tracelabel --help": ([str(BIN / "tracelabel"), "--help"], True),
            "tracelabel readiness CODE": ([str(BIN / "tracelabel"), "readiness", code], True),
            # what any command that reads the database imports at the least (no target)
            "floor: flask + SQLAlchemy ORM": ([sys.executable, "-c", "import flask.cli, sqlalchemy.orm"],
                                              True),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        load = os.getloadavg()[0]
        for command, must_succeed in commands.values():  # once each: disk caches warm
            wall_time(command, env, workdir, must_succeed)
        for _run in range(args.runs):
            for name, (command, must_succeed) in commands.items():
                times[name].append(wall_time(command, env, workdir, must_succeed))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    base = statistics.median(times["flask --help"])
    print(f"{args.runs} runs each, in turn; {os.cpu_count()} CPUs; load average (1 min) "
          f"{load:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"{'command':<28}{'median s':>9}{'min s':>8}{'ratio':>7}  target")
    ok = True
    for name, samples in times.items():
        ratio = statistics.median(samples) / base
        targeted = name.startswith("tracelabel")
        verdict = f"<= {TARGET}x: {'ok' if ratio <= TARGET else 'MISSED'}" if targeted else ""
        ok = ok and (not targeted or ratio <= TARGET)
        print(f"{name:<28}{statistics.median(samples):>9.2f}{min(samples):>8.2f}{ratio:>6.2f}x  {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
