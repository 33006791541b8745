"""Ingest jobs through Redis Queue (RQ), for workers on several machines (``CONGVAN_QUEUE_URL``).

The database stays the truth about a job (status, stage, attempts, error); Redis only carries
"job N is waiting" messages. That split is what makes the guarantees cheap:

* **never done twice** — ``process`` first *claims* the job with a conditional UPDATE on its id
  (``queued`` → ``running``, or a ``running`` job whose heartbeat went stale); whoever loses the
  claim returns at once, and ``run_job`` returns early for a job already ``done``. A message
  delivered twice (an RQ retry, a reaper re-enqueue, a duplicate dispatch) is therefore harmless.
* **retries with back-off** — an exception escaping ``process`` (the database away, a killed
  horse) puts the job back to ``queued`` and lets RQ retry it after 10, 30, 60 seconds.
  A ``CongvanError`` (unreadable file, OCR timeout) is not retried: ``run_job`` marks it failed.
* **a dead worker's job is taken again** — while a job runs, a heartbeat thread touches
  ``jobs.updated_at``; every worker also runs a reaper that puts ``running`` jobs with a stale
  heartbeat (older than ``Settings.job_stale_seconds``) back on the queue, and RQ's own
  abandoned-job cleanup re-delivers the message later still (the claim makes that a no-op
  when the reaper was first).

Files travel by path, not through Redis: every worker mounts the same data folder (``FileStore``).
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Iterator

from sqlalchemy import and_, or_, select, update

from . import services
from .models import Job, utcnow
from .settings import Settings
from .stages import JobStatus, Stage

log = logging.getLogger(__name__)

QUEUE_NAME = "congvan-ingest"
MAX_ATTEMPTS = 3
RETRY_INTERVALS = [10, 30, 60]  # seconds before the 1st, 2nd, 3rd retry


# --- Redis and the queue --------------------------------------------------------------------------

def connection(settings: Settings):
    from redis import Redis

    return Redis.from_url(settings.queue_url)


def get_queue(settings: Settings, redis=None):
    from rq import Queue

    return Queue(QUEUE_NAME, connection=redis or connection(settings))


def job_timeout(settings: Settings) -> int:
    """RQ kills a horse running longer than this: the per-page OCR limit for a long document."""
    return max(600, settings.ocr_seconds_per_page * min(settings.max_pages, 100))


def enqueue(settings: Settings, job_id: int, *, queue=None):
    """Put one archive job on the RQ queue (``process(job_id, data_dir, database_url)``)."""
    from rq import Retry

    queue = queue or get_queue(settings)
    return queue.enqueue(
        process, int(job_id), str(settings.data_path), settings.database_url,
        retry=Retry(max=MAX_ATTEMPTS, interval=RETRY_INTERVALS),
        job_timeout=job_timeout(settings),
        result_ttl=3600, failure_ttl=7 * 24 * 3600,
        description=f"congvan job {job_id}",
    )


# --- the job, as RQ runs it -----------------------------------------------------------------------

def process(job_id: int, data_dir: str, database_url: str | None) -> str:
    """Run archive job ``job_id`` if this worker wins the claim; returns the job's status."""
    from ingest.pipeline import run_job

    settings = Settings.from_env(data_dir=Path(data_dir), database_url=database_url)
    if not claim(settings, job_id):
        log.info("job %s is done or taken by another worker; nothing to do", job_id)
        return "skipped"
    with heartbeat(settings, job_id):
        try:
            job = run_job(settings, job_id)
        except BaseException:
            release(settings, job_id)  # back to queued, so RQ's retry can claim it
            raise
    return str(job.status)


def _stale_cutoff(settings: Settings):
    return utcnow() - timedelta(seconds=settings.job_stale_seconds)


def claim(settings: Settings, job_id: int) -> bool:
    """Take job ``job_id``: queued, or running with a stale heartbeat (its worker died).

    One conditional UPDATE: on PostgreSQL a second claimer waits for the row lock, then sees the
    fresh ``updated_at`` and updates nothing; on SQLite the write lock serialises them.
    """
    with services.database(settings).session() as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id,
                   or_(Job.status == JobStatus.QUEUED,
                       and_(Job.status == JobStatus.RUNNING, Job.updated_at < _stale_cutoff(settings),
                            Job.attempts < MAX_ATTEMPTS)))
            .values(status=JobStatus.RUNNING, updated_at=utcnow())
            .execution_options(synchronize_session=False))
        return result.rowcount == 1


def release(settings: Settings, job_id: int) -> None:
    """A job interrupted by an exception outside the pipeline goes back to the queue."""
    try:
        with services.database(settings).session() as session:
            session.execute(
                update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING)
                .values(status=JobStatus.QUEUED, stage=Stage.QUEUED, updated_at=utcnow())
                .execution_options(synchronize_session=False))
    except Exception:  # the database itself is away: the stale heartbeat will bring the job back
        log.exception("could not put job %s back in the queue", job_id)


def touch(settings: Settings, job_id: int) -> None:
    with services.database(settings).session() as session:
        session.execute(
            update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING)
            .values(updated_at=utcnow()).execution_options(synchronize_session=False))


def heartbeat_seconds(settings: Settings) -> float:
    return max(1.0, settings.job_stale_seconds / 4)


@contextmanager
def heartbeat(settings: Settings, job_id: int) -> Iterator[None]:
    """Touch the job's ``updated_at`` every few seconds while the block runs (OCR can take minutes)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(heartbeat_seconds(settings)):
            try:
                touch(settings, job_id)
            except Exception:  # a missed beat is fine; several in a row let another worker take over
                log.warning("heartbeat for job %s failed", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"congvan-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


# --- recovering jobs of dead workers ----------------------------------------------------------------

def requeue_stale(settings: Settings, *, queue=None) -> list[int]:
    """Put ``running`` jobs with a stale heartbeat back on the queue (too many tries: failed).

    Also re-sends ``queued`` jobs older than the stale limit when Redis holds nothing waiting:
    their message was lost (Redis restarted without persistence, a dispatch failed after commit).
    Returns the ids sent to the queue.
    """
    cutoff = _stale_cutoff(settings)
    queue = queue or get_queue(settings)
    requeued: list[int] = []
    with services.database(settings).session() as session:
        stale = session.execute(select(Job.id, Job.attempts).where(
            Job.status == JobStatus.RUNNING, Job.updated_at < cutoff)).all()
        for job_id, attempts in stale:
            gone_for_good = attempts >= MAX_ATTEMPTS
            values = (dict(status=JobStatus.FAILED, stage=Stage.FAILED,
                           error=f"Đã thử {attempts} lần nhưng tiến trình xử lý bị dừng giữa chừng.")
                      if gone_for_good else dict(status=JobStatus.QUEUED, stage=Stage.QUEUED))
            result = session.execute(
                update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING, Job.updated_at < cutoff)
                .values(updated_at=utcnow(), **values).execution_options(synchronize_session=False))
            if result.rowcount == 1 and not gone_for_good:
                requeued.append(job_id)
        if queue.count == 0:
            orphans = session.scalars(select(Job.id).where(
                Job.status == JobStatus.QUEUED, Job.updated_at < cutoff)).all()
            for job_id in orphans:
                session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                                .values(updated_at=utcnow()).execution_options(synchronize_session=False))
            requeued.extend(j for j in orphans if j not in requeued)
    for job_id in requeued:
        log.warning("job %s had no live worker; queued again", job_id)
        enqueue(settings, job_id, queue=queue)
    return requeued


# --- the worker process ---------------------------------------------------------------------------

def preload() -> None:
    """Load the pipeline and the language models once in the worker, so every forked horse has
    them already (≈2 s a job otherwise)."""
    import ingest.pipeline  # noqa: F401
    from nlp.parse import parse_letter
    from nlp.restore import restore_text

    restore_text("xin chao")
    parse_letter("UBND\nSố: 1/UBND\nV/v thử")


def run_worker(settings: Settings, *, burst: bool = False, name: str | None = None) -> None:
    """``congvan worker`` with a queue: one RQ worker, one job at a time, each in a forked horse
    (a crash or a leak in OCR costs the horse, not the worker), plus the stale-job reaper."""
    preload()
    redis = connection(settings)
    queue = get_queue(settings, redis)
    requeue_stale(settings, queue=queue)
    # The worker wakes from its blocking wait every ``stale / 2`` seconds to run maintenance, our
    # reaper included (RQ's own default is every 10 minutes).
    interval = max(1, settings.job_stale_seconds // 2)
    worker = _worker_class()([queue], connection=redis, name=name, maintenance_interval=interval,
                             worker_ttl=interval + 15)
    worker.congvan_settings = settings
    worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")


def _worker_class():
    from rq import Worker

    class CongvanWorker(Worker):
        """RQ's forking worker plus our reaper, run in the worker's own main thread between jobs:
        a reaper *thread* could hold a lock (logging, the connection pool) at the moment RQ forks
        the work horse and leave the horse deadlocked."""

        congvan_settings: Settings

        def run_maintenance_tasks(self):
            super().run_maintenance_tasks()
            try:
                requeue_stale(self.congvan_settings, queue=self.queues[0])
            except Exception:
                log.exception("could not look for stale jobs")

    return CongvanWorker
