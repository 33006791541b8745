"""Shared fixtures: every test gets its own data folder (database, files, index)."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", workers=1)


@pytest.fixture
def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))


# --- web fixtures (tests/test_web*.py, tests/test_browser.py) -------------------------------------
from dataclasses import dataclass as _dataclass  # noqa: E402

WEB_PASSWORD = "mat-khau-thu-nghiem"


@_dataclass
class WebAccount:
    id: int
    name: str
    role: str
    password: str
    token: str


@pytest.fixture
def app(tmp_path):
    """A fresh web app over its own data folder; jobs run when a test calls ``archive.jobs.run_pending``."""
    from web import create_app

    app = create_app({"TESTING": True, "CONGVAN_DATA": str(tmp_path / "web-data"), "START_WORKERS": False,
                      "WTF_CSRF_ENABLED": False, "CONGVAN_SECRET_KEY": "test-secret"})
    yield app
    from archive import services

    services.forget_index(app.extensions["congvan_settings"])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _web_account(app, name: str, role: str) -> WebAccount:
    from archive.accounts import create_token, create_user

    settings = app.extensions["congvan_settings"]
    user = create_user(settings, name, role, WEB_PASSWORD)
    return WebAccount(id=user.id, name=name, role=role, password=WEB_PASSWORD, token=create_token(settings, name))


@pytest.fixture
def archivist(app) -> WebAccount:
    return _web_account(app, "vanthu", "archivist")


@pytest.fixture
def staff(app) -> WebAccount:
    return _web_account(app, "canbo", "staff")


@pytest.fixture
def web_document(app):
    """Put a letter straight into the archive (rows, original, index) without running OCR or the parser.

    Returns a factory: ``web_document(text, letter, changes=…, data=…, filename=…, mime=…, png=…) -> id``.
    """
    import json

    def make(text: str, letter: dict | None = None, *, raw_text: str | None = None, changes=None,
             data: bytes | None = None, filename: str = "cong-van.txt", mime: str = "text/plain",
             png: bytes | None = None, searchable_pdf: bytes | None = None) -> int:
        from archive import services
        from archive.models import Document, Page
        from archive.records import apply_letter
        from ingest.pipeline import index

        settings = app.extensions["congvan_settings"]
        files = services.file_store(settings)
        data = text.encode("utf-8") if data is None else data
        sha = files.put_original(data)
        image_path = None
        if png is not None:
            image_path = str(files.put_derived(sha, "page-0001.png", png).relative_to(settings.data_path))
        if searchable_pdf is not None:
            files.put_derived(sha, "searchable.pdf", searchable_pdf)
        with services.database(settings).session() as session:
            doc = Document(sha256=sha, filename=filename, mime=mime, kind="text", size=len(data),
                           raw_text=raw_text if raw_text is not None else text, text=text,
                           changes_json=json.dumps(changes or [], ensure_ascii=False), page_count=1,
                           has_searchable_pdf=searchable_pdf is not None)
            session.add(doc)
            doc.pages.append(Page(number=1, text=text, image_path=image_path, source="text"))
            session.flush()
            apply_letter(session, doc, letter or {})
            document_id = doc.id
        index(settings, document_id)
        return document_id

    return make
