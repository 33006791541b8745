"""The in-process worker pool. Jobs live in the database, so a restart picks up where it stopped:
jobs left ``running`` by a crash are queued again (up to ``MAX_ATTEMPTS`` tries)."""
from __future__ import annotations

import logging
import threading
import weakref

from sqlalchemy import select, update

from . import services
from .models import Job, utcnow
from .settings import Settings
from .stages import JobStatus, Stage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def requeue_interrupted(settings: Settings, job_ids: list[int] | None = None) -> int:
    """Jobs a crash left running go back to the queue; after too many tries they fail."""
    db = services.database(settings)
    with db.session() as session:
        query = select(Job).where(Job.status == JobStatus.RUNNING)
        if job_ids is not None:
            query = query.where(Job.id.in_(job_ids))
        jobs = list(session.scalars(query))
        for job in jobs:
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.stage = JobStatus.FAILED, Stage.FAILED
                job.error = f"Đã thử {job.attempts} lần nhưng tiến trình xử lý bị dừng giữa chừng."
            else:
                job.status, job.stage = JobStatus.QUEUED, Stage.QUEUED
        return len(jobs)


def claim_next(settings: Settings) -> int | None:
    """Atomically take the oldest queued job (a conditional UPDATE works on SQLite and PostgreSQL)."""
    db = services.database(settings)
    with db.session() as session:
        candidates = session.scalars(
            select(Job.id).where(Job.status == JobStatus.QUEUED).order_by(Job.id).limit(5)).all()
        for job_id in candidates:
            result = session.execute(
                update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                .values(status=JobStatus.RUNNING, updated_at=utcnow()))
            if result.rowcount == 1:
                return job_id
    return None


def run_pending(settings: Settings) -> int:
    """Run every queued job in this thread; returns how many ran (tests and `congvan worker --once`)."""
    from ingest.pipeline import run_job

    count = 0
    while (job_id := claim_next(settings)) is not None:
        run_job(settings, job_id)
        count += 1
    return count


def _run_job_in_child(settings: Settings, job_id: int) -> str:
    from ingest.pipeline import run_job

    return run_job(settings, job_id).status


class WorkerPool:
    """A few daemon threads taking queued jobs. ``notify()`` wakes them after a submit.

    With ``processes=True`` (the server's default) each thread hands its job to a child process
    of a small pool: OCR post-processing and restoration are CPU-bound Python, and in the web
    server's own process they would hold the interpreter lock that requests need. A child killed
    mid-job only costs that job a retry.
    """

    def __init__(self, settings: Settings, size: int = 2, poll_seconds: float = 2.0, processes: bool = False):
        self.settings = settings
        self.size = max(1, size)
        self.poll_seconds = poll_seconds
        self.processes = processes
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._executor = None
        self._executor_lock = threading.Lock()

    def start(self) -> "WorkerPool":
        requeue_interrupted(self.settings)
        _POOLS.add(self)  # dispatch() wakes it
        for n in range(self.size):
            thread = threading.Thread(target=self._loop, name=f"congvan-worker-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._wake.set()
        return self

    def notify(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def _child_pool(self):
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        with self._executor_lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(self.size, mp_context=get_context("spawn"))
            return self._executor

    def _run_in_child(self, job_id: int) -> None:
        from concurrent.futures.process import BrokenProcessPool

        pool = self._child_pool()
        try:
            future = pool.submit(_run_job_in_child, self.settings, job_id)
        except RuntimeError:  # the interpreter is exiting: give the job back to the queue
            requeue_interrupted(self.settings, job_ids=[job_id])
            self._stop.set()
            return
        try:
            future.result()
        except BrokenProcessPool:
            log.error("worker process died during job %s; it will be retried", job_id)
            with self._executor_lock:
                if self._executor is pool:
                    self._executor = None
            requeue_interrupted(self.settings, job_ids=[job_id])
            self._wake.set()

    def _loop(self) -> None:
        from ingest.pipeline import run_job

        while not self._stop.is_set():
            try:
                job_id = claim_next(self.settings)
            except Exception:  # database busy or gone for a moment: try again later
                log.exception("could not claim a job")
                job_id = None
            if job_id is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
                continue
            try:
                if self.processes:
                    self._run_in_child(job_id)
                else:
                    run_job(self.settings, job_id)
            except Exception:
                log.exception("worker crashed on job %s", job_id)


# --- handing a submitted job to whoever runs jobs -------------------------------------------------

_POOLS: "weakref.WeakSet[WorkerPool]" = weakref.WeakSet()


def dispatch(settings: Settings, job_id: int) -> None:
    """After ``ingest.pipeline.submit``: send the job to RQ when ``queue_url`` is set (workers on any
    machine), else wake the in-process pools of this process (which would find it within
    ``poll_seconds`` anyway)."""
    if settings.queue_url:
        from .queue import enqueue

        try:
            enqueue(settings, job_id)
        except Exception:  # Redis away: the job is safe in the database, the workers' reaper re-sends it
            log.warning("could not enqueue job %s; a worker will pick it up when Redis is back", job_id,
                        exc_info=True)
        return
    for pool in list(_POOLS):
        pool.notify()
