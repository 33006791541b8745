"""The archive on a real PostgreSQL: the same pipeline, dedupe and check as on SQLite.

Needs ``CONGVAN_TEST_POSTGRES_URL`` (``eval "$(scripts/test_services.sh start)"``); skips without it,
fails without it under ``CI=true``. Each test gets a fresh database on that server.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from archive import services
from archive.maintenance import check_archive, reindex_all
from archive.models import Document, Job, Task
from archive.settings import Settings
from archive.stages import JobStatus, Stage
from ingest.pipeline import ingest_bytes, submit
from scale_services import fresh_database, postgres_url


@pytest.fixture
def pg_url():
    with fresh_database(postgres_url()) as url:
        yield url


@pytest.fixture
def pg_settings(tmp_path, pg_url) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", database_url=pg_url, workers=1)
    yield settings
    services.forget_index(settings)


@pytest.fixture
def pg_archive(pg_settings, sample_paths):
    jobs = [ingest_bytes(pg_settings, p.read_bytes(), p.name) for p in sample_paths]
    return pg_settings, jobs


def test_new_database_is_migrated_to_head(pg_settings):
    """GIVEN an empty PostgreSQL database WHEN the archive opens it THEN Alembic brings it to head."""
    from alembic.script import ScriptDirectory
    from alembic.config import Config

    from archive.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    db = services.database(pg_settings)
    assert db.engine.dialect.name == "postgresql"
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head


def test_samples_are_ingested_parsed_and_indexed(pg_archive):
    """GIVEN the sample letters WHEN ingested into PostgreSQL THEN each is one parsed, indexed document."""
    settings, jobs = pg_archive
    assert [j.status for j in jobs] == ["done"] * len(jobs), [j.error for j in jobs]
    with services.database(settings).session() as session:
        docs = {d.number_symbol: d for d in session.scalars(select(Document))}
        dong_thap = docs["1987/MTTQ-BTT"]
        assert dong_thap.place == "Đồng Tháp"
        assert str(dong_thap.date) == "2023-04-20"
        assert session.scalar(select(func.count(Task.id))) > 0
    assert services.search_index(settings).document_ids() == {j.document_id for j in jobs}
    hits = services.search_index(settings).search("doan ket").hits
    assert hits and hits[0].number_symbol == "1987/MTTQ-BTT"


def test_same_bytes_give_same_document(pg_archive, sample_paths):
    settings, jobs = pg_archive
    again = ingest_bytes(settings, sample_paths[0].read_bytes(), "renamed.txt")
    assert again.document_id == jobs[0].document_id
    with services.database(settings).session() as session:
        assert session.scalar(select(func.count(Document.id))) == len(sample_paths)


def test_concurrent_submits_of_one_file_make_one_document(pg_settings, sample_paths):
    """GIVEN three threads ingesting the same bytes at once WHEN PostgreSQL serialises them THEN one document."""
    data = sample_paths[-1].read_bytes()
    results, errors = [], []

    def go():
        try:
            results.append(ingest_bytes(pg_settings, data, "x.txt"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with services.database(pg_settings).session() as session:
        assert session.scalar(select(func.count(Document.id))) == 1
    assert len({r.document_id for r in results if r.document_id}) == 1


def test_interrupted_job_is_rerun_without_duplicates(pg_settings, sample_paths):
    from archive.jobs import requeue_interrupted, run_pending

    job = submit(pg_settings, sample_paths[-1].read_bytes(), "a.txt")
    with services.database(pg_settings).session() as session:
        row = session.get(Job, job.id)
        row.status, row.stage, row.attempts = JobStatus.RUNNING, Stage.OCR, 1
    assert requeue_interrupted(pg_settings) == 1
    assert run_pending(pg_settings) == 1
    with services.database(pg_settings).session() as session:
        assert session.get(Job, job.id).status == "done"
        assert session.scalar(select(func.count(Document.id))) == 1


def test_check_finds_and_repairs_index_drift(pg_archive):
    settings, jobs = pg_archive
    assert check_archive(settings).ok
    services.search_index(settings).remove(jobs[0].document_id)
    report = check_archive(settings)
    assert report.missing_in_index == [jobs[0].document_id]
    assert check_archive(settings, repair=True).repaired
    assert check_archive(settings).ok
    assert reindex_all(settings) == len(jobs)


def test_cli_ingest_and_search_on_postgres(tmp_path, pg_url, sample_paths, monkeypatch):
    """GIVEN CONGVAN_DATABASE_URL=postgresql://… WHEN the CLI ingests and searches THEN it works unchanged."""
    from click.testing import CliRunner

    from archive.cli import main

    monkeypatch.setenv("CONGVAN_DATABASE_URL", pg_url)
    data = str(tmp_path / "cli-data")
    runner = CliRunner()
    result = runner.invoke(main, ["--data", data, "ingest", *map(str, sample_paths)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["--data", data, "search", "1987/MTTQ-BTT"])
    assert result.exit_code == 0, result.output
    assert "1987/MTTQ-BTT" in result.output
    result = runner.invoke(main, ["--data", data, "check"])
    assert result.exit_code == 0, result.output
    services.forget_index(Settings(data_dir=tmp_path / "cli-data", database_url=pg_url))
