"""Ingest jobs through Redis (RQ) into a PostgreSQL archive: submit → worker → done, exactly once.

Needs ``CONGVAN_TEST_POSTGRES_URL`` and ``CONGVAN_TEST_REDIS_URL`` (``scripts/test_services.sh``);
skips without them, fails without them under ``CI=true``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive import services
from archive.jobs import dispatch
from archive.models import Document, Job
from archive.settings import Settings
from archive.stages import JobStatus, Stage
from ingest.pipeline import submit
from scale_services import flush_redis, fresh_database, postgres_url, redis_url

CONGVAN = Path(sys.executable).with_name("congvan")


@pytest.fixture
def queue_settings(tmp_path):
    redis = redis_url()
    with fresh_database(postgres_url()) as pg:
        flush_redis(redis)
        settings = Settings(data_dir=tmp_path / "data", database_url=pg, queue_url=redis, workers=1,
                            job_stale_seconds=6)
        yield settings
        services.forget_index(settings)
        flush_redis(redis)


def run_burst_worker(settings: Settings) -> None:
    """An RQ worker in this process (no fork) that runs what is waiting, then returns."""
    from rq import SimpleWorker

    from archive.queue import connection, get_queue

    redis = connection(settings)
    SimpleWorker([get_queue(settings, redis)], connection=redis).work(burst=True, logging_level="WARNING")


def job_row(settings: Settings, job_id: int) -> Job:
    with services.database(settings).session() as session:
        return session.get(Job, job_id)


def count_documents(settings: Settings) -> int:
    with services.database(settings).session() as session:
        return session.scalar(select(func.count(Document.id)))


def test_submitted_job_goes_through_rq_to_done(queue_settings, sample_paths, monkeypatch):
    """GIVEN a queue URL WHEN a letter is submitted and dispatched THEN an RQ worker archives it."""
    from archive.queue import get_queue

    monkeypatch.setenv("CONGVAN_JOB_STALE_SECONDS", "6")
    job = submit(queue_settings, sample_paths[-1].read_bytes(), "thu.txt")
    dispatch(queue_settings, job.id)
    assert get_queue(queue_settings).count == 1
    run_burst_worker(queue_settings)
    row = job_row(queue_settings, job.id)
    assert (row.status, row.stage, row.attempts) == ("done", "done", 1), row.error
    assert count_documents(queue_settings) == 1
    assert services.search_index(queue_settings).document_ids() == {row.document_id}


def test_a_job_delivered_three_times_runs_once(queue_settings, sample_paths):
    """GIVEN the same job on the queue three times (retries, reaper, double click) THEN it runs once."""
    job = submit(queue_settings, sample_paths[-1].read_bytes(), "thu.txt")
    for _ in range(3):
        dispatch(queue_settings, job.id)
    run_burst_worker(queue_settings)
    row = job_row(queue_settings, job.id)
    assert row.status == "done" and row.attempts == 1
    assert count_documents(queue_settings) == 1


def test_stale_running_job_is_requeued_by_the_reaper(queue_settings, sample_paths):
    """GIVEN a job 'running' whose heartbeat stopped long ago WHEN the reaper looks THEN it is queued again."""
    from datetime import timedelta

    from archive.models import utcnow
    from archive.queue import claim, get_queue, requeue_stale

    job = submit(queue_settings, sample_paths[-1].read_bytes(), "thu.txt")
    with services.database(queue_settings).session() as session:
        row = session.get(Job, job.id)
        row.status, row.stage, row.attempts = JobStatus.RUNNING, Stage.OCR, 1
    assert not claim(queue_settings, job.id)  # a live worker holds it: nobody else may take it
    assert requeue_stale(queue_settings) == []
    with services.database(queue_settings).session() as session:
        session.get(Job, job.id).updated_at = utcnow() - timedelta(seconds=60)
    assert requeue_stale(queue_settings) == [job.id]
    assert get_queue(queue_settings).count == 1
    run_burst_worker(queue_settings)
    assert job_row(queue_settings, job.id).status == "done"
    assert count_documents(queue_settings) == 1


def _worker_env(settings: Settings) -> dict:
    env = dict(os.environ)
    env.update(CONGVAN_DATA=str(settings.data_path), CONGVAN_DATABASE_URL=settings.database_url,
               CONGVAN_QUEUE_URL=settings.queue_url, CONGVAN_JOB_STALE_SECONDS=str(settings.job_stale_seconds),
               CONGVAN_SEARCH_BACKEND="whoosh")
    return env


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL a worker and everything under it, as a machine dying would: RQ's work horse runs in
    its own process group (so a signal to the worker's group would spare it), Tesseract under it."""
    pids, todo = [], [proc.pid]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(_children(pid))
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)


def _start_worker(settings: Settings, log: Path) -> subprocess.Popen:
    return subprocess.Popen([str(CONGVAN), "worker"], env=_worker_env(settings), start_new_session=True,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


@pytest.mark.slow
def test_killed_worker_job_is_finished_by_another(queue_settings, tmp_path):
    """GIVEN a `congvan worker` OCRing a scan WHEN it and its work horse are SIGKILLed mid-job THEN a second worker takes
    the job over (stale heartbeat) and finishes it: one document, job done."""
    from ingest.synth import write_sample_scan

    scan = tmp_path / "scan.png"
    write_sample_scan(scan, seed=7, level="medium")
    job = submit(queue_settings, scan.read_bytes(), "scan.png")
    first = _start_worker(queue_settings, tmp_path / "worker-1.log")
    second = None
    try:
        dispatch(queue_settings, job.id)
        _wait_for(lambda: job_row(queue_settings, job.id).stage == Stage.OCR, 90, "the first worker to start OCR")
        kill_tree(first)
        row = job_row(queue_settings, job.id)
        assert row.status == "running" and row.document_id is None  # died mid-job, nothing stored
        second = _start_worker(queue_settings, tmp_path / "worker-2.log")
        finished = _wait_for(lambda: (r := job_row(queue_settings, job.id)).status in ("done", "failed") and r,
                             240, "the second worker to finish the job")
        log = (tmp_path / "worker-2.log").read_text(errors="replace")
        assert finished.status == "done", (finished.error, log[-2000:])
        assert finished.attempts == 2
        assert count_documents(queue_settings) == 1
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                kill_tree(proc)
