"""How fast the command line starts, against `flask --help` measured in the same run.

    python tests/benchmarks/cli_start.py [--runs 7]

Times a fresh process of: `flask --help` (Flask alone, no app), `tracelabel --help`, and
`tracelabel readiness CODE` on a published demo batch of a SQLite instance made in a temporary
folder; and, for reference, bare imports of what any command that reads the database loads at the
least (Flask's command line, SQLAlchemy's ORM, then the models too). They are run in turn, `--runs`
times each, so other work on the machine weighs on them alike; the report gives each one's median
wall-clock time and CPU time (user + system, steadier on a busy machine), their ratios to
`flask --help` and the target (1.5×, on the wall-clock time). Run it from the repository root; the
executables are those beside this Python.

Compiled bytecode is cached (in the temporary folder) as an installed package's is, even when
PYTHONDONTWRITEBYTECODE is set; `--no-bytecode-cache` compiles every module at every start instead.
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
FLOOR = "import flask.cli, sqlalchemy.orm"
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


def start_time(command: list[str], env: dict[str, str], cwd: Path,
               must_succeed: bool) -> tuple[float, float]:
    """Seconds from starting the process to its exit, and the CPU seconds it used."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                   stderr=errors)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if must_succeed and process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(command)} failed: {errors.read().decode()[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> int:
    """Prepare the instance, time the commands in turn, print the medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-bytecode-cache", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tracelabel-cli-start-"))
    try:
        code = prepare(workdir / "instance")
        env = {**os.environ, "TRACELABEL_INSTANCE_PATH": str(workdir / "instance")}
        env.pop("FLASK_APP", None)
        if not args.no_bytecode_cache:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(workdir / "bytecode")
        commands = {  # flask --help in an empty folder: it finds no app, as on a fresh shell
            "flask --help": ([str(BIN / "flask"), "--help"], False),
            "tracelabel --help": ([str(BIN / "tracelabel"), "--help"], True),
            "tracelabel readiness CODE": ([str(BIN / "tracelabel"), "readiness", code], True),
            # what any command that reads the database imports at the least (no target)
            "floor: flask + SQLAlchemy ORM": ([sys.executable, "-c", FLOOR], True),
            "floor: ... + the models": ([sys.executable, "-c", FLOOR + ", tracelabel.models"], True),
        }
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        load = os.getloadavg()[0]
        for command, must_succeed in commands.values():  # once each: caches warm, bytecode written
            start_time(command, env, workdir, must_succeed)
        for _run in range(args.runs):
            for name, (command, must_succeed) in commands.items():
                wall, cpu = start_time(command, env, workdir, must_succeed)
                walls[name].append(wall)
                cpus[name].append(cpu)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{args.runs} runs each, in turn; {os.cpu_count()} CPUs; load average (1 min) "
          f"{load:.1f} before, {os.getloadavg()[0]:.1f} after; bytecode "
          f"{'compiled at every start' if args.no_bytecode_cache else 'cached'}")
    return report(walls, cpus)


def report(walls: dict[str, list[float]], cpus: dict[str, list[float]]) -> int:
    """Print each command's medians and ratios to `flask --help`; 1 when a target is missed."""
    base_wall = statistics.median(walls["flask --help"])
    base_cpu = statistics.median(cpus["flask --help"])
    print(f"{'command':<30}{'wall s':>7}{'ratio':>7}{'cpu s':>7}{'ratio':>7}  target (wall)")
    ok = True
    for name in walls:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        ratio = wall / base_wall
        targeted = name.startswith("tracelabel")
        verdict = f"<= {TARGET}x: {'ok' if ratio <= TARGET else 'MISSED'}" if targeted else ""
        ok = ok and (not targeted or ratio <= TARGET)
        print(f"{name:<30}{wall:>7.2f}{ratio:>6.2f}x{cpu:>7.2f}{cpu / base_cpu:>6.2f}x  {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
