"""End-to-end: the three sample letters through the one pipeline into a temporary archive.

Every test runs on the default SQLite archive and on a real PostgreSQL (``CONGVAN_TEST_POSTGRES_URL``,
see tests/scale_services.py: skipped without it, a failure without it under ``CI=true``).
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from archive import services
from archive.errors import BadInputError
from archive.maintenance import check_archive, reindex_all
from archive.models import Document, Job, Task
from archive.settings import Settings
from archive.stages import JobStatus, Stage
from ingest.pipeline import ingest_bytes, run_job, submit


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request, tmp_path):
    """The archive's settings, once per database engine (overrides conftest's SQLite-only fixture)."""
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "data", workers=1)
        return
    from scale_services import fresh_database, postgres_url

    with fresh_database(postgres_url()) as url:
        pg_settings = Settings(data_dir=tmp_path / "data", database_url=url, workers=1)
        yield pg_settings
        services.forget_index(pg_settings)


@pytest.fixture
def archive_with_samples(settings, sample_paths):
    jobs = [ingest_bytes(settings, p.read_bytes(), p.name) for p in sample_paths]
    return settings, jobs


def test_samples_are_ingested_parsed_and_indexed(archive_with_samples):
    """GIVEN the three sample letters WHEN ingested THEN each is one document with parsed fields and tasks."""
    settings, jobs = archive_with_samples
    assert [j.status for j in jobs] == ["done"] * 3, [j.error for j in jobs]
    with services.database(settings).session() as session:
        docs = {d.number_symbol: d for d in session.scalars(select(Document))}
        assert "1987/MTTQ-BTT" in docs and "305/MTTQ-BTT" in docs
        dong_thap = docs["1987/MTTQ-BTT"]
        assert dong_thap.place == "Đồng Tháp"
        assert str(dong_thap.date) == "2023-04-20"
        assert "Đảng" in dong_thap.text or "đoàn kết" in dong_thap.text
        assert session.scalar(select(func.count(Task.id))) > 0
    assert services.search_index(settings).document_ids() == {j.document_id for j in jobs}


@pytest.mark.parametrize("query", ["đoàn kết", "doan ket"])
def test_dong_thap_letter_ranks_first(archive_with_samples, query):
    """GIVEN the samples WHEN searching with or without diacritics THEN 1987/MTTQ-BTT comes first."""
    settings, _ = archive_with_samples
    hits = services.search_index(settings).search(query).hits
    assert hits and hits[0].number_symbol == "1987/MTTQ-BTT"


def test_same_bytes_give_same_document(archive_with_samples, sample_paths):
    settings, jobs = archive_with_samples
    again = ingest_bytes(settings, sample_paths[0].read_bytes(), "renamed.txt")
    assert again.document_id == jobs[0].document_id
    with services.database(settings).session() as session:
        assert session.scalar(select(func.count(Document.id))) == 3


def test_concurrent_submits_of_one_file_make_one_document(settings, sample_paths):
    data = sample_paths[2].read_bytes()
    results, errors = [], []

    def go():
        try:
            results.append(ingest_bytes(settings, data, "x.txt"))
        except Exception as exc:  # reported below: a thread's exception would otherwise be lost
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with services.database(settings).session() as session:
        assert session.scalar(select(func.count(Document.id))) == 1
    assert len({r.document_id for r in results if r.document_id}) == 1


def test_empty_file_is_refused_and_nothing_is_stored(settings):
    with pytest.raises(BadInputError) as err:
        submit(settings, b"", "trống.txt")
    assert "rỗng" in err.value.message
    with services.database(settings).session() as session:
        assert session.scalar(select(func.count(Job.id))) == 0


def test_interrupted_job_is_rerun_without_duplicates(settings, sample_paths):
    """GIVEN a job left 'running' by a crash WHEN the workers restart THEN it finishes once."""
    from archive.jobs import requeue_interrupted, run_pending

    job = submit(settings, sample_paths[2].read_bytes(), "a.txt")
    with services.database(settings).session() as session:
        row = session.get(Job, job.id)
        row.status, row.stage, row.attempts = JobStatus.RUNNING, Stage.OCR, 1
    assert requeue_interrupted(settings) == 1
    assert run_pending(settings) == 1
    with services.database(settings).session() as session:
        assert session.get(Job, job.id).status == "done"
        assert session.scalar(select(func.count(Document.id))) == 1


def test_check_finds_and_repairs_index_drift(archive_with_samples):
    settings, jobs = archive_with_samples
    assert check_archive(settings).ok
    services.search_index(settings).remove(jobs[0].document_id)
    report = check_archive(settings)
    assert report.missing_in_index == [jobs[0].document_id]
    assert check_archive(settings, repair=True).repaired
    assert check_archive(settings).ok
    assert reindex_all(settings) == 3


def test_crash_after_store_before_index_is_healed_by_rerun(settings, sample_paths, monkeypatch):
    """GIVEN indexing dies after the document row is written WHEN the job re-runs THEN no duplicate, indexed."""
    import ingest.pipeline as pipeline

    job = submit(settings, sample_paths[2].read_bytes(), "a.txt")
    real_index = pipeline.index

    def dying_index(*_a, **_k):
        raise RuntimeError("killed mid-index")

    monkeypatch.setattr(pipeline, "index", dying_index)
    assert run_job(settings, job.id).status == "failed"
    monkeypatch.setattr(pipeline, "index", real_index)
    with services.database(settings).session() as session:
        session.get(Job, job.id).status = JobStatus.QUEUED
    assert run_job(settings, job.id).status == "done"
    with services.database(settings).session() as session:
        assert session.scalar(select(func.count(Document.id))) == 1
    assert check_archive(settings).ok


def test_lost_index_is_rebuilt_from_the_database(archive_with_samples):
    """GIVEN an archive WHEN its index folder is deleted THEN the next open rebuilds it from the database."""
    import shutil

    settings, jobs = archive_with_samples
    services.forget_index(settings)
    shutil.rmtree(settings.index_dir)
    assert services.search_index(settings).document_ids() == {j.document_id for j in jobs}
