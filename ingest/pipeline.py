"""The one orchestrator: file bytes in, an archived, indexed letter out.

    submit    store the original under its SHA-256 name, open a job      (fast; the web and CLI call it)
    run_job   intake → OCR if needed → clean → restore → parse → store → index

Every stage is a small function taking and returning plain values; ``run_job`` records on the
job which stage is running, so a crash leaves a job that a restart re-runs. The document row,
its pages, tasks and references are written in one transaction, so the archive never holds
half a letter; the index is derived and is brought back in line by re-running the job or by
``congvan check --repair``.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from archive import services
from archive.errors import BadInputError, CongvanError, LimitExceededError
from archive.models import Document, Job, Page, utcnow
from archive.records import apply_letter, document_for_index
from archive.settings import Settings
from archive.stages import JobStatus, Stage
from archive.store import sha256_of

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


@dataclass
class PageText:
    """One page after OCR (or its text layer): what the later stages and the archive need."""

    number: int
    text: str
    source: str = "ocr"  # "ocr" | "text-layer" | "text"
    width: int = 0
    height: int = 0
    words: list[dict] = field(default_factory=list)
    png: bytes | None = None


@dataclass
class Extracted:
    kind: str
    mime: str
    pages: list[PageText]
    searchable_pdf: bytes | None = None

    @property
    def raw_text(self) -> str:
        return "\n\f\n".join(p.text for p in self.pages) if len(self.pages) > 1 else (
            self.pages[0].text if self.pages else "")


# --- submitting ---------------------------------------------------------------------------------

def check_upload(data: bytes, settings: Settings) -> None:
    """Refuse what can be refused without OCR: empty, too large, not a type we read."""
    if not data:
        raise BadInputError("Tệp rỗng (0 byte), không có gì để lưu.")
    if len(data) > settings.max_upload_bytes:
        raise LimitExceededError(
            f"Tệp quá lớn ({len(data) / 1e6:.1f} MB, tối đa {settings.max_upload_bytes / 1e6:.0f} MB).")
    read_checked_source(data, settings)


def read_checked_source(data: bytes, settings: Settings):
    """``read_source`` plus the limits that only the archive knows (length of a decoded text)."""
    from ingest.intake import read_source

    source = read_source(data, settings.limits())
    if source.kind == "text" and len(source.text or "") > settings.max_text_chars:
        raise LimitExceededError(
            f"Văn bản quá dài ({len(source.text):,} ký tự, tối đa {settings.max_text_chars:,}).".replace(",", "."))
    return source


def submit(settings: Settings, data: bytes, filename: str = "", *, user_id: int | None = None) -> Job:
    """Store the original and open a job for it. The same bytes twice give the same document.

    Raises ``BadInputError`` (nothing is stored) for a file we cannot read at all.
    """
    check_upload(data, settings)
    sha = services.file_store(settings).put_original(data)
    db = services.database(settings)
    with db.session() as session:
        existing = session.scalar(select(Document).where(Document.sha256 == sha))
        if existing is not None:
            job = Job(sha256=sha, filename=_display_name(filename), size=len(data), status=JobStatus.DONE,
                      stage=Stage.DONE, document_id=existing.id, user_id=user_id)
            session.add(job)
            session.flush()
            return job
        pending = session.scalar(select(Job).where(
            Job.sha256 == sha, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])))
        if pending is not None:
            return pending
        job = Job(sha256=sha, filename=_display_name(filename), size=len(data), user_id=user_id)
        session.add(job)
        session.flush()
        return job


def _display_name(filename: str) -> str:
    """The client's name, for display only: last path component, no control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:255]


# --- running ------------------------------------------------------------------------------------

def run_job(settings: Settings, job_id: int) -> Job:
    """Run (or re-run) one job to the end; a ``CongvanError`` marks it failed with its message."""
    db = services.database(settings)
    with db.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise CongvanError(f"Không có công việc #{job_id}.")
        if job.status == JobStatus.DONE:
            return job
        job.status, job.attempts, job.error = JobStatus.RUNNING, job.attempts + 1, None
        sha, filename = job.sha256, job.filename
    try:
        document_id = _existing_document_id(settings, sha)
        if document_id is None:
            data = services.file_store(settings).read_original(sha)
            _set_stage(settings, job_id, Stage.OCR)
            extracted = extract(data, settings)
            _set_stage(settings, job_id, Stage.RESTORE)
            raw_text, text, changes = restore(extracted)
            _set_stage(settings, job_id, Stage.PARSE)
            letter = parse(text)
            _set_stage(settings, job_id, Stage.STORE)
            document_id = store(settings, sha, filename, extracted, raw_text, text, changes, letter)
        _set_stage(settings, job_id, Stage.INDEX)
        index(settings, document_id)
    except CongvanError as exc:
        return _finish(settings, job_id, JobStatus.FAILED, Stage.FAILED, error=exc.message)
    except Exception as exc:  # an engine bug must not kill the worker; the job says what happened
        log.exception("job %s failed", job_id)
        return _finish(settings, job_id, JobStatus.FAILED, Stage.FAILED,
                       error=f"Lỗi nội bộ khi xử lý tệp ({type(exc).__name__}: {exc}).")
    return _finish(settings, job_id, JobStatus.DONE, Stage.DONE, document_id=document_id)


def ingest_bytes(settings: Settings, data: bytes, filename: str = "") -> Job:
    """Submit and run at once (the CLI's way)."""
    job = submit(settings, data, filename)
    if job.status == JobStatus.DONE:
        return job
    return run_job(settings, job.id)


def _existing_document_id(settings: Settings, sha: str) -> int | None:
    with services.database(settings).session() as session:
        return session.scalar(select(Document.id).where(Document.sha256 == sha))


def _set_stage(settings: Settings, job_id: int, stage: Stage) -> None:
    with services.database(settings).session() as session:
        job = session.get(Job, job_id)
        job.stage, job.updated_at = stage, utcnow()


def _finish(settings: Settings, job_id: int, status: JobStatus, stage: Stage, *, error: str | None = None,
            document_id: int | None = None) -> Job:
    with services.database(settings).session() as session:
        job = session.get(Job, job_id)
        job.status, job.stage, job.error = status, stage, error
        if document_id is not None:
            job.document_id = document_id
        return job


# --- the stages ---------------------------------------------------------------------------------

def extract(data: bytes, settings: Settings) -> Extracted:
    """intake → (preprocess → OCR → reading order) for image pages; text layers and text as they are."""
    from ingest import pages as page_stage

    source = read_checked_source(data, settings)
    if source.kind == "text":
        return Extracted(kind="text", mime=source.mime,
                         pages=[PageText(number=1, text=source.text or "", source="text")])
    pages, pdf = page_stage.read_pages(source, settings)
    return Extracted(kind=source.kind, mime=source.mime, pages=pages, searchable_pdf=pdf)


def restore(extracted: Extracted) -> tuple[str, str, list[dict]]:
    """clean + restore diacritics page by page; returns (raw text, restored text, changes)."""
    from nlp.clean import clean_text
    from nlp.restore import restore_text

    raw_pages, out_pages, changes = [], [], []
    line_offset = 0
    for page in extracted.pages:
        cleaned = clean_text(page.text)
        restored = restore_text(cleaned)
        raw_pages.append(page.text)
        out_pages.append(restored.text)
        for change in restored.changes:
            item = asdict(change)
            item["line"] += line_offset
            item["page"] = page.number
            changes.append(item)
        line_offset += restored.text.count("\n") + 2  # pages are joined by a blank line
    return "\n\n".join(raw_pages), "\n\n".join(out_pages), changes


def parse(text: str) -> dict:
    from nlp.parse import parse_letter

    return parse_letter(text)


def store(settings: Settings, sha: str, filename: str, extracted: Extracted, raw_text: str, text: str,
          changes: list[dict], letter: dict) -> int:
    """Write derived files, then the document and all its records in one transaction."""
    files = services.file_store(settings)
    image_paths: dict[int, str] = {}
    for page in extracted.pages:
        if page.png:
            path = files.put_derived(sha, f"page-{page.number:04d}.png", page.png)
            image_paths[page.number] = str(path.relative_to(settings.data_path))
    if extracted.searchable_pdf:
        files.put_derived(sha, "searchable.pdf", extracted.searchable_pdf)
    size = files.original_path(sha).stat().st_size
    db = services.database(settings)
    try:
        with db.session() as session:
            doc = Document(sha256=sha, filename=filename, mime=extracted.mime, kind=extracted.kind, size=size,
                           raw_text=raw_text, text=text, changes_json=json.dumps(changes, ensure_ascii=False),
                           page_count=len(extracted.pages), has_searchable_pdf=bool(extracted.searchable_pdf))
            session.add(doc)
            for page in extracted.pages:
                doc.pages.append(Page(number=page.number, width=page.width, height=page.height, text=page.text,
                                      words_json=json.dumps(page.words, ensure_ascii=False),
                                      image_path=image_paths.get(page.number), source=page.source))
            session.flush()
            apply_letter(session, doc, letter)
            return doc.id
    except IntegrityError:  # the same bytes were stored concurrently: that document is ours
        document_id = _existing_document_id(settings, sha)
        if document_id is None:
            raise
        return document_id


def index(settings: Settings, document_id: int) -> None:
    with services.database(settings).session() as session:
        doc = session.get(Document, document_id)
        payload = document_for_index(doc)
    services.search_index(settings).add(payload)


def reparse_document(settings: Settings, document_id: int, *, text: str | None = None) -> None:
    """After an archivist's correction: parse the (new) text again, store, re-index."""
    with services.database(settings).session() as session:
        doc = session.get(Document, document_id)
        if text is not None:
            doc.text = text
        apply_letter(session, doc, parse(doc.text))
    index(settings, document_id)


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
