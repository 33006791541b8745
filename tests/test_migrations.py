"""The Alembic migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from archive.db import Database
from archive.models import Base


def test_migrated_database_matches_models(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrating_twice_is_harmless(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    Database(url)
    Database(url)  # a restart: already at head
