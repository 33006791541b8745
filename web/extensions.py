"""Shared web handles: CSRF, Flask-Login, the per-request database session, role checks."""
from __future__ import annotations

import logging
import threading
import time
from functools import wraps

from flask import abort, current_app, g
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "info"


def settings():
    """The app's ``archive.settings.Settings``."""
    return current_app.extensions["congvan_settings"]


class open_db_session:
    """One SQLAlchemy session per request (flaskr's ``get_db``), closed at teardown."""

    @staticmethod
    def get() -> Session:
        if "db_session" not in g:
            from archive import services

            g.db_session = services.database(settings()).sessionmaker()
        return g.db_session

    @staticmethod
    def close(_exc=None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def db() -> Session:
    return open_db_session.get()


def notify_workers(*job_ids: int) -> None:
    """Hand freshly submitted jobs to the workers: RQ when a queue is set, else the in-process pool."""
    from archive.jobs import dispatch

    for job_id in job_ids:
        dispatch(settings(), job_id)


def can_edit(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.role in ("admin", "archivist"))


def editor_required(view):
    """Archivists and admins only (upload, corrections); the login check runs before every view."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not can_edit(current_user):
            abort(403, description="Chỉ văn thư (archivist) hoặc quản trị viên mới được làm việc này.")
        return view(*args, **kwargs)

    return wrapper


class Reindexer:
    """Brings letters' index entries up to date off the request thread.

    A task's status is in the index (has open tasks); waiting for the index writer while ingest holds
    it would make a status click take seconds. The database is already committed and is the truth;
    should this fail, ``congvan check --repair`` re-indexes.
    """

    gather_seconds = 0.5

    def __init__(self, settings):
        self.settings = settings
        self._pending: list[int] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def request(self, document_id: int) -> None:
        with self._lock:
            if document_id not in self._pending:
                self._pending.append(document_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="congvan-reindex", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        """Take every letter asked for in the last moment and re-index them in one commit: each commit
        makes every searcher reopen, so a burst of status clicks must not become a burst of commits."""
        from archive import services
        from archive.models import Document
        from archive.records import document_for_index

        while True:
            time.sleep(self.gather_seconds)
            with self._lock:
                if not self._pending:
                    self._thread = None
                    return
                batch, self._pending = self._pending, []
            try:
                with services.database(self.settings).session() as session:
                    docs = [document_for_index(d) for d in (session.get(Document, i) for i in batch) if d]
                services.search_index(self.settings).add_many(docs)
            except Exception:
                log.exception("could not re-index documents %s", batch)


def reindex(document_id: int) -> None:
    """Re-index one letter: at once under test, in the background otherwise."""
    if current_app.testing:
        from ingest.pipeline import index

        index(settings(), document_id)
        return
    reindexer = current_app.extensions.setdefault("congvan_reindexer", Reindexer(settings()))
    reindexer.request(document_id)
