"""The archive on a real PostgreSQL: migrations and the CLI. The pipeline, dedupe, crash and check
tests run on PostgreSQL too, through the parametrised ``settings`` fixture of tests/test_pipeline.py.

Needs ``CONGVAN_TEST_POSTGRES_URL`` (``eval "$(scripts/test_services.sh start)"``); skips without it,
fails without it under ``CI=true``. Each test gets a fresh database on that server.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from archive import services
from archive.settings import Settings
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
