"""Shared handles for one data folder: database, file store and search index (one of each per process)."""
from __future__ import annotations

import threading
from functools import lru_cache
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
    """The process's one ``SearchIndex`` for this data folder (it serialises its own writers)."""
    from search.index import SearchIndex

    settings.ensure_dirs()
    key = settings.index_dir
    with _index_lock:
        idx = _indexes.get(key)
        if idx is None:
            idx = SearchIndex(key)
            _indexes[key] = idx
        return idx


def forget_index(settings: Settings) -> None:
    with _index_lock:
        _indexes.pop(settings.index_dir, None)
