"""The job queue (huey) and its workers: SQLite in the instance folder by default, Redis when
``TRACELABEL_QUEUE_URL`` (or, failing it, ``TRACELABEL_REDIS_URL``) names one.

The queue only carries job ids: what a job is, its state and its progress live in the database
(``services.jobs``), so any app instance reads any worker's jobs. A worker claims a job with one
conditional UPDATE, so a job enqueued twice still runs once; it writes its file under a temporary
name and renames it when whole, and its database writes (the label run, the imported batches)
commit in the same transaction that marks it done, so a job re-run after its worker died
leaves no half file, no second label run and no duplicate batches or audit entries.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from tracelabel import codes
from tracelabel.db import utcnow
from tracelabel.extensions import Database
from tracelabel.models import Job, User
from tracelabel.services import exports, imports, jobs, scan_tallies
from tracelabel.services.accounts import actor_for
from tracelabel.services.errors import DomainError, FieldError
from tracelabel.services.labels import MEDIA_TYPES, LabelRequest, render_batch_labels

logger = logging.getLogger(__name__)
QUEUE_KEY = "tracelabel.queue"
TASK_NAME = "tracelabel.run_job"
PROGRESS_EVERY = 0.5  # seconds between two progress reports of a running job
MAX_REPORTED_ERRORS = 1000


def queue_url(config: dict[str, Any]) -> str | None:
    """The Redis URL of the queue, or None for the embedded SQLite queue."""
    return config.get("QUEUE_URL") or config.get("REDIS_URL") or None


def make_queue(app: Flask) -> tuple[Any, Any]:
    """The app's huey instance, and its one task: run a job by id."""
    from huey import RedisHuey, SqliteHuey, crontab  # loaded when a queue is first used

    name = app.config.get("QUEUE_NAME") or "tracelabel"
    url = queue_url(app.config)
    if url:
        queue = RedisHuey(name, url=url)
    else:
        path = jobs.results_folder(app.instance_path) / "queue.db"
        queue = SqliteHuey(name, filename=str(path))
    task = queue.task(name=TASK_NAME)(lambda job_id: run_job(app, job_id))
    queue.periodic_task(crontab(minute="*"), name="tracelabel.sweep")(lambda: sweep(app))
    queue.periodic_task(crontab(minute="*"), name="tracelabel.roll_up_scans")(
        lambda: roll_up_scans(app))
    return queue, task


def queue_for(app: Flask) -> Any:
    """The app's queue, made on first use."""
    if QUEUE_KEY not in app.extensions:
        app.extensions[QUEUE_KEY] = make_queue(app)
    return app.extensions[QUEUE_KEY][0]


def enqueue(app: Flask, job_id: int) -> None:
    """Put a committed job on the queue."""
    queue_for(app)
    app.extensions[QUEUE_KEY][1](job_id)


def start_job(app: Flask, session: Session, actor: Any, kind: str,
              parameters: dict[str, Any]) -> Job:
    """Record a job, commit, and enqueue it (the one way a request starts background work)."""
    job = jobs.create_job(session, actor, kind, parameters)
    session.commit()
    enqueue(app, job.id)
    return job


def worker_name() -> str:
    """host:pid, so a worker restarted on this host knows the jobs its dead predecessor held."""
    return f"{socket.gethostname()}:{os.getpid()}"


def sweep(app: Flask) -> int:
    """Requeue orphaned jobs, remove expired result files; returns how many jobs were requeued."""
    with Database.session_factory_for(app)() as session:
        found = jobs.sweep(session, socket.gethostname())
    for path in found.remove:
        path.unlink(missing_ok=True)
    for job_id in found.requeue:
        enqueue(app, job_id)
    return len(found.requeue)


def roll_up_scans(app: Flask) -> int:
    """Fold the scans recorded since the last roll-up into the dashboard's tallies, committing
    each chunk; returns how many scan ids were folded in."""
    rolled = 0
    with Database.session_factory_for(app)() as session:
        while moved := scan_tallies.roll_up(session, utcnow()):
            session.commit()
            rolled += moved
    return rolled


class Progress:
    """Counts work done and reports it at most every PROGRESS_EVERY seconds, on its own session
    (so the report commits while the job's own transaction stays open)."""

    def __init__(self, app: Flask, job_id: int, total: int) -> None:
        self.session = Database.session_factory_for(app)()
        self.job_id, self.total, self.done, self.next_report = job_id, max(total, 1), 0, 0.0

    def count(self, amount: int = 1) -> None:
        """Add ``amount`` units of work (a label, a row)."""
        self.done += amount
        if self.done % 64 == 0 or self.done == self.total:
            self.fraction(self.done / self.total)

    def fraction(self, value: float) -> None:
        """Report a fraction of the job done (throttled); JobCancelled once it was cancelled."""
        now = time.monotonic()
        if now >= self.next_report:
            self.next_report = now + PROGRESS_EVERY
            jobs.report_progress(self.session, self.job_id, min(value, 0.99))

    def close(self) -> None:
        self.session.close()


def run_job(app: Flask, job_id: int) -> None:
    """Claim the job and run it; a refusal or a crash marks it failed with a reason."""
    factory = Database.session_factory_for(app)
    with app.app_context(), factory() as session:
        job = jobs.claim_job(session, job_id, worker_name())
        if job is None:
            return  # done, cancelled, or taken by another worker
        progress = Progress(app, job.id, job.parameters.get("total", 1))
        try:
            RUNNERS[job.kind](app, session, job, progress)
        except jobs.JobCancelled:
            session.rollback()
        except DomainError as error:
            session.rollback()
            first: FieldError | None = error.errors[0] if error.errors else None
            jobs.fail_job(session, job.id, first.message if first else error.message,
                          first.params if first else error.params)
        except Exception:
            logger.exception("job %s failed", job.id)
            session.rollback()
            jobs.fail_job(session, job.id, jobs.UNEXPECTED)
        finally:
            progress.close()


def _actor(session: Session, job: Job) -> Any:
    user = session.get(User, job.user_id)
    if user is None or not user.is_active:
        raise DomainError("The account that asked for this job is no longer active.")
    return actor_for(user)


def _written(folder: Path, job: Job, suffix: str, write: Callable[[Any], Any]) -> tuple[Path, Any]:
    """Write the result under a temporary name, then rename it: a reader never sees half a file."""
    final = folder / f"job-{job.id}.{suffix}"
    partial = folder / f"job-{job.id}.{suffix}.part"
    try:
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            outcome = write(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, final)
    return final, outcome


def run_labels(app: Flask, session: Session, job: Job, progress: Progress) -> None:
    """A label run: the file streamed to disk, the run recorded with the job's completion."""
    params = job.parameters
    request = LabelRequest(**params["request"])
    keys = codes.parse_code_keys(app.config["CODE_KEYS"])
    actor = _actor(session, job)
    path, written = _written(jobs.results_folder(app.instance_path), job, request.fmt, lambda out:
                             render_batch_labels(session, actor, params["batch_id"], request,
                                                 public_url=params["public_url"], code_keys=keys,
                                                 out=out, progress=progress.count))
    if jobs.finish_job(session, job, result={"labels": written}, path=path,
                       name=params.get("filename") or path.name,
                       media_type=MEDIA_TYPES[request.fmt], keep=keep_results(app)):
        session.commit()
    else:
        session.rollback()
        path.unlink(missing_ok=True)


def run_import(app: Flask, session: Session, job: Job, progress: Progress) -> None:
    """A CSV import: every row written, or none and each bad line named in the job's result."""
    source = Path(job.parameters["input_path"])
    actor = _actor(session, job)
    report = imports.import_batches(session, actor, source.read_bytes(),
                                    progress=progress.fraction)
    if not report.ok:
        session.rollback()
        errors = [{"line": e.line, "field": e.field, "message": e.message, "params": e.params}
                  for e in report.errors[:MAX_REPORTED_ERRORS]]
        lines = len({e.line for e in report.errors})
        jobs.fail_job(session, job.id, "Nothing was imported; lines with errors: %(num)s.",
                      {"num": lines}, result={"errors": errors, "rows_read": report.rows_read})
    elif jobs.finish_job(session, job, result={"rows_read": report.rows_read,
                                               "rows_written": report.rows_written}):
        session.commit()
    else:
        session.rollback()
        return
    source.unlink(missing_ok=True)


def run_export(app: Flask, session: Session, job: Job, progress: Progress) -> None:
    """An export: the chains of the batches matching the job's filters, as its owner sees them
    (a scoped official's province only), written to a file; it writes nothing in the database."""
    params = job.parameters
    actor = _actor(session, job)
    media_type, extension = exports.FILE_TYPES[params["format"]]
    path, written = _written(jobs.results_folder(app.instance_path), job, extension, lambda out:
                             exports.write_export(session, actor, params, out, progress.count))
    if jobs.finish_job(session, job, result=written, path=path, name=params["filename"],
                       media_type=media_type, keep=keep_results(app)):
        session.commit()
    else:  # cancelled meanwhile
        session.rollback()
        path.unlink(missing_ok=True)


RUNNERS: dict[str, Callable[[Flask, Session, Job, Progress], None]] = {
    "labels": run_labels, "import": run_import, "export": run_export}


def keep_results(app: Flask) -> Any:
    """How long result files are kept (``TRACELABEL_JOB_RESULT_HOURS``, 24 by default)."""
    return jobs.KEEP_RESULTS * (int(app.config.get("JOB_RESULT_HOURS") or 24) / 24)


def run_worker(app: Flask, workers: int = 1) -> None:
    """Run a consumer until stopped (SIGINT/SIGTERM finish the jobs in hand first)."""
    requeued = sweep(app)
    if requeued:
        logger.warning("requeued %s jobs left by a stopped worker", requeued)
    consumer = queue_for(app).create_consumer(workers=workers, worker_type="thread",
                                              periodic=True, check_worker_health=True)
    consumer.run()
