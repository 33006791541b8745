"""Engine and sessions. One ``Database`` per settings; SQLite gets WAL and a busy timeout so the
web server and the in-process workers can share the file."""
from __future__ import annotations

from contextlib import contextmanager
import os
import threading
import weakref
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .settings import Settings


class Database:
    def __init__(self, url: str):
        self.url = url
        kwargs: dict = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:  # a server database: a connection dropped by a restart is replaced, not reported
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = make_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


_ENGINES: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def make_engine(url: str, **kwargs) -> Engine:
    """An engine whose pooled connections a forked child (an RQ work horse) never shares with its parent."""
    engine = create_engine(engine_url(url), **kwargs)
    _ENGINES.add(engine)
    return engine


def _forget_pooled_connections() -> None:
    for engine in list(_ENGINES):
        engine.dispose(close=False)  # the parent still uses them; the child opens its own


os.register_at_fork(after_in_child=_forget_pooled_connections)


def engine_url(url: str) -> str:
    """``postgresql://…`` means psycopg 3 (the driver we install), not SQLAlchemy's default psycopg2.

    >>> engine_url("postgresql://u@db:5432/congvan")
    'postgresql+psycopg://u@db:5432/congvan'
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a new database gets every migration)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def _database_for(url: str) -> Database:
    """One engine per URL and process; created under a lock so threads never race ``create_all``."""
    with _databases_lock:
        db = _databases.get(url)
        if db is None:
            db = _databases[url] = Database(url)
        return db


def get_database(settings: Settings) -> Database:
    settings.ensure_dirs()
    return _database_for(settings.db_url)
