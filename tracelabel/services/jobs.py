"""Background jobs as the app records them: who asked, the state, progress, failure reason and
result file. Queue workers (``tracelabel.worker``) move them on; pages and the API read them here."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from tracelabel.db import utcnow
from tracelabel.models import Job
from tracelabel.services.actors import Actor
from tracelabel.services.errors import Conflict, Forbidden, NotFound

RESULTS_FOLDER = "jobs"
KEEP_RESULTS = dt.timedelta(hours=24)
# A running job whose worker has not reported for this long is taken over by another worker.
STALE_AFTER = dt.timedelta(minutes=5)
UNEXPECTED = "The job stopped on an unexpected error; try again, or tell the administrator."
ACTIVE = ("queued", "running")


class JobCancelled(Exception):
    """The owner cancelled the job while it ran: stop, keep nothing."""


def results_folder(instance_path: str) -> Path:
    """``instance/jobs``, readable by the service's account only."""
    folder = Path(instance_path) / RESULTS_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def create_job(session: Session, actor: Actor, kind: str, parameters: dict[str, Any]) -> Job:
    """Record a queued job for a signed-in account; the edge commits, then enqueues it.

    The worker runs it as this account again, so the service behind the job (labels, imports,
    exports) applies the same role and scope rules it applies to a request."""
    if actor.user_id is None:
        raise Forbidden("Only a signed-in account runs background jobs.")
    job = Job(kind=kind, state="queued", user_id=actor.user_id,
              organization_id=actor.organization_id, parameters=parameters, progress=0.0,
              attempts=0)
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, actor: Actor, job_id: int) -> Job:
    """The actor's own job; anyone else's is NotFound, exactly as a missing one."""
    job = session.get(Job, job_id)
    if job is None or job.user_id != actor.user_id:
        raise NotFound("Job %(id)s was not found.", {"id": job_id})
    return job


def list_jobs(session: Session, actor: Actor, limit: int = 20) -> list[Job]:
    """The actor's latest jobs, newest first."""
    return list(session.scalars(select(Job).where(Job.user_id == actor.user_id)
                                .order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)))


def cancel_job(session: Session, actor: Actor, job_id: int) -> Job:
    """Cancel a queued or running job (its worker stops at its next progress report)."""
    job = get_job(session, actor, job_id)
    if job.state not in ACTIVE:
        raise Conflict("This job is already %(state)s.", {"state": job.state})
    job.state, job.finished_at = "cancelled", utcnow()
    session.flush()
    return job


def result_file(job: Job, now: dt.datetime | None = None) -> Path | None:
    """The job's result file while it is kept, else None."""
    now = now or utcnow()
    if job.state != "done" or not job.result_path or (job.expires_at and job.expires_at <= now):
        return None
    path = Path(job.result_path)
    return path if path.is_file() else None


def claim_job(session: Session, job_id: int, worker: str) -> Job | None:
    """Take a queued job for this worker (one statement: of two workers, one wins); commits."""
    now = utcnow()
    claimed = session.execute(
        update(Job).where(Job.id == job_id, Job.state == "queued")
        .values(state="running", attempts=Job.attempts + 1, claimed_by=worker, heartbeat_at=now,
                started_at=now, progress=0.0)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return session.get(Job, job_id, populate_existing=True) if claimed else None


def report_progress(session: Session, job_id: int, fraction: float) -> None:
    """Note the job's progress (and that its worker lives); JobCancelled once it was cancelled."""
    session.execute(
        update(Job).where(Job.id == job_id, Job.state == "running")
        .values(progress=min(max(fraction, 0.0), 1.0), heartbeat_at=utcnow())
        .execution_options(synchronize_session=False))
    state = session.scalar(select(Job.state).where(Job.id == job_id))
    session.commit()
    if state != "running":
        raise JobCancelled(job_id)


def finish_job(session: Session, job: Job, *, result: dict[str, Any] | None = None,
               path: Path | None = None, name: str | None = None, media_type: str | None = None,
               keep: dt.timedelta = KEEP_RESULTS) -> bool:
    """Mark the job done in the caller's transaction (which holds the job's own writes), unless
    it was cancelled meanwhile; returns whether it was marked."""
    now = utcnow()
    done = session.execute(
        update(Job).where(Job.id == job.id, Job.state == "running")
        .values(state="done", progress=1.0, finished_at=now, heartbeat_at=now,
                expires_at=now + keep if path else None, result=result,
                result_path=str(path) if path else None, result_name=name, media_type=media_type)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(done)


def fail_job(session: Session, job_id: int, message: str, params: dict[str, Any] | None = None,
             result: dict[str, Any] | None = None) -> None:
    """Mark a running job failed with a reason for its owner (a message id and its params)."""
    session.execute(
        update(Job).where(Job.id == job_id, Job.state == "running")
        .values(state="failed", error=message, error_params=params or {}, result=result,
                finished_at=utcnow())
        .execution_options(synchronize_session=False))
    session.commit()


@dataclass(frozen=True)
class Sweep:
    """What a worker's sweep found: jobs to put back on the queue, result files to remove."""

    requeue: list[int]
    remove: list[Path]


def sweep(session: Session, host: str, now: dt.datetime | None = None,
          stale_after: dt.timedelta = STALE_AFTER) -> Sweep:
    """Requeue jobs whose worker died (a process of this host that is gone, or silent for
    ``stale_after``) and jobs queued but never picked up; forget expired result files. Commits."""
    now = now or utcnow()
    running = session.execute(select(Job.id, Job.claimed_by, Job.heartbeat_at)
                              .where(Job.state == "running")).all()
    orphans = [job_id for job_id, claimed_by, heartbeat in running
               if _dead_here(claimed_by, host) or heartbeat is None
               or heartbeat < now - stale_after]
    if orphans:
        session.execute(update(Job).where(Job.id.in_(orphans), Job.state == "running")
                        .values(state="queued", claimed_by=None)
                        .execution_options(synchronize_session=False))
    waiting = list(session.scalars(select(Job.id).where(
        Job.state == "queued", or_(Job.id.in_(orphans), Job.created_at < now - stale_after))))
    expired = session.execute(select(Job.id, Job.result_path).where(
        Job.result_path.is_not(None), and_(Job.expires_at.is_not(None), Job.expires_at <= now))).all()
    if expired:
        session.execute(update(Job).where(Job.id.in_([job_id for job_id, _ in expired]))
                        .values(result_path=None).execution_options(synchronize_session=False))
    session.commit()
    return Sweep(requeue=waiting, remove=[Path(path) for _, path in expired])


def _dead_here(claimed_by: str | None, host: str) -> bool:
    """Whether the claiming worker ran on this host and its process is gone."""
    if not claimed_by or claimed_by.rpartition(":")[0] != host:
        return False
    try:
        os.kill(int(claimed_by.rpartition(":")[2]), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, ValueError):
        return False
    return False
