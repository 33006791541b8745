"""Keeping database, stored files and index in agreement (`congvan check`, `congvan reindex`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from . import services
from .models import Document
from .records import document_for_index
from .settings import Settings

BATCH = 200


def _documents_for_index(settings: Settings, ids: list[int] | None = None):
    db = services.database(settings)
    with db.session() as session:
        query = select(Document).options(
            selectinload(Document.tasks), selectinload(Document.references), selectinload(Document.recipients)
        ).order_by(Document.id)
        if ids is not None:
            query = query.where(Document.id.in_(ids))
        for doc in session.scalars(query).yield_per(BATCH):
            yield document_for_index(doc)


def reindex_all(settings: Settings) -> int:
    """Empty the index and index every document again from the database (the truth)."""
    return rebuild_index(settings, services.search_index(settings))


def rebuild_index(settings: Settings, index) -> int:
    """Stream every document into an emptied index (no list of 100k letters in memory)."""
    index.clear()
    count = index.add_many(_documents_for_index(settings))
    index.needs_rebuild = False
    return count


@dataclass
class CheckReport:
    documents: int = 0
    missing_files: list[int] = field(default_factory=list)
    missing_in_index: list[int] = field(default_factory=list)
    extra_in_index: list[int] = field(default_factory=list)
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not (self.missing_files or self.missing_in_index or self.extra_in_index)

    def lines(self) -> list[str]:
        out = [f"văn bản trong cơ sở dữ liệu: {self.documents}"]
        out.append(f"thiếu tệp gốc: {len(self.missing_files)}" + _ids(self.missing_files))
        out.append(f"chưa có trong chỉ mục: {len(self.missing_in_index)}" + _ids(self.missing_in_index))
        out.append(f"thừa trong chỉ mục: {len(self.extra_in_index)}" + _ids(self.extra_in_index))
        if self.repaired:
            out.append("đã sửa chỉ mục")
        out.append("OK" if self.ok else "KHÔNG KHỚP")
        return out


def _ids(ids: list[int]) -> str:
    return (" (" + ", ".join(f"#{i}" for i in ids[:20]) + (" …" if len(ids) > 20 else "") + ")") if ids else ""


def check_archive(settings: Settings, *, repair: bool = False) -> CheckReport:
    db = services.database(settings)
    store = services.file_store(settings)
    with db.session() as session:
        rows = session.execute(select(Document.id, Document.sha256)).all()
    report = CheckReport(documents=len(rows))
    report.missing_files = [doc_id for doc_id, sha in rows if not store.has_original(sha)]
    db_ids = {doc_id for doc_id, _ in rows}
    index = services.search_index(settings)
    indexed = index.document_ids()
    report.missing_in_index = sorted(db_ids - indexed)
    report.extra_in_index = sorted(indexed - db_ids)
    if repair and (report.missing_in_index or report.extra_in_index):
        for doc_id in report.extra_in_index:
            index.remove(doc_id)
        index.add_many(list(_documents_for_index(settings, report.missing_in_index)))
        report.repaired = True
        report.missing_in_index, report.extra_in_index = [], []
    return report
