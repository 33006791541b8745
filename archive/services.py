"""Shared handles for one data folder: database, file store and search index (one of each per process)."""
from __future__ import annotations

import threading
from pathlib import Path

from .db import Database, get_database
from .settings import Settings
from .store import FileStore

_index_lock = threading.Lock()
_indexes: dict[Path, object] = {}


def database(settings: Settings) -> Database:
    return get_database(settings)


def file_store(settings: Settings) -> FileStore:
    settings.ensure_dirs()
    return FileStore(settings)


def search_index(settings: Settings):
    """The process's one search index for these settings (each serialises its own writers).

    ``search_backend="whoosh"``: ``search.index.SearchIndex`` in the data folder (the default);
    ``"postgres"``: ``search.pg.PgSearchIndex`` in the archive's PostgreSQL database. Both have the
    same methods and return the same ``SearchResults``.
    """
    settings.ensure_dirs()
    key = _index_key(settings)
    with _index_lock:
        idx = _indexes.get(key)
        if idx is None:
            if settings.search_backend == "postgres":
                from search.pg import PgSearchIndex

                idx = PgSearchIndex(settings.database_url)
            else:
                from search.index import SearchIndex

                idx = SearchIndex(settings.index_dir)
            _indexes[key] = idx
            if getattr(idx, "needs_rebuild", False):  # new, damaged or an older schema: the database is the truth
                from .maintenance import rebuild_index

                rebuild_index(settings, idx)
        return idx


def _index_key(settings: Settings):
    return ("postgres", settings.database_url) if settings.search_backend == "postgres" else settings.index_dir


def forget_index(settings: Settings) -> None:
    with _index_lock:
        _indexes.pop(_index_key(settings), None)
