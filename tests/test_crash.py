"""Crashes lose nothing: a worker process killed mid-OCR, a server killed mid-job."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from archive import services
from archive.jobs import WorkerPool
from archive.maintenance import check_archive
from archive.models import Document, Job
from ingest.pipeline import submit

pytestmark = pytest.mark.slow


def _wait(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _job(settings, job_id) -> Job:
    with services.database(settings).session() as session:
        return session.get(Job, job_id)


@pytest.fixture
def scan_bytes(tmp_path):
    from ingest.synth import write_sample_scan

    path = tmp_path / "scan.png"
    write_sample_scan(path, seed=11, level="light")
    return path.read_bytes()


def test_worker_process_killed_mid_ocr_is_retried_once(settings, scan_bytes):
    """GIVEN a job in OCR in a worker process WHEN that process is killed -9 THEN the job re-runs and
    ends with exactly one document, indexed."""
    job = submit(settings, scan_bytes, "scan.png")
    pool = WorkerPool(settings, size=1, poll_seconds=0.2, processes=True).start()
    try:
        assert _wait(lambda: _job(settings, job.id).stage == "ocr", 60), "job never reached OCR"
        children = list(pool._executor._processes.values())
        assert children
        for child in children:
            os.kill(child.pid, signal.SIGKILL)
        assert _wait(lambda: _job(settings, job.id).status == "done", 240), _job(settings, job.id).error
    finally:
        pool.stop()
    final = _job(settings, job.id)
    assert final.attempts >= 2
    with services.database(settings).session() as session:
        assert session.scalar(select(func.count(Document.id))) == 1
    assert check_archive(settings).ok


def test_server_killed_mid_job_resumes_after_restart(tmp_path, scan_bytes):
    """GIVEN `congvan worker` processing a scan WHEN the whole process is killed -9 and started again
    THEN the job finishes, one document, index and database agree."""
    data = tmp_path / "data"
    exe = [sys.executable, "-m", "archive.cli", "--data", str(data)]
    from archive.settings import Settings

    settings = Settings(data_dir=data)
    job = submit(settings, scan_bytes, "scan.png")
    env = dict(os.environ, CONGVAN_WORKERS="1")
    proc = subprocess.Popen([*exe, "worker"], env=env, start_new_session=True)
    try:
        assert _wait(lambda: _job(settings, job.id).stage in ("ocr", "restore"), 90)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert _job(settings, job.id).status == "running"
        done = subprocess.run([*exe, "worker", "--once"], env=env, timeout=300, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert _job(settings, job.id).status == "done"
    with services.database(settings).session() as session:
        assert session.scalar(select(func.count(Document.id))) == 1
    assert check_archive(settings).ok
