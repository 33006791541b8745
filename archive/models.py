"""The archive's records (SQLAlchemy 2). The database is the source of truth; the index and
derived files are rebuilt from it. Only portable column types: it runs on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from sqlalchemy import (
    Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, Index,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    filename: Mapped[str] = mapped_column(String(512), default="")  # the client's name: metadata only
    mime: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(20), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    raw_text: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    changes_json: Mapped[str] = mapped_column(Text, default="[]")  # restoration changes with confidence

    doc_type: Mapped[str | None] = mapped_column(String(100))
    number: Mapped[str | None] = mapped_column(String(50))
    symbol: Mapped[str | None] = mapped_column(String(100))
    number_symbol: Mapped[str | None] = mapped_column(String(150), index=True)
    issuer: Mapped[str | None] = mapped_column(String(500))
    place: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[date | None] = mapped_column(Date, index=True)
    subject: Mapped[str | None] = mapped_column(Text)
    signer_title: Mapped[str | None] = mapped_column(String(300))
    signer_name: Mapped[str | None] = mapped_column(String(200))
    parse_json: Mapped[str] = mapped_column(Text, default="{}")

    page_count: Mapped[int] = mapped_column(Integer, default=0)
    has_searchable_pdf: Mapped[bool] = mapped_column(Boolean, default=False)

    pages: Mapped[list["Page"]] = relationship(back_populates="document", cascade="all, delete-orphan",
                                               order_by="Page.number")
    tasks: Mapped[list["Task"]] = relationship(back_populates="document", cascade="all, delete-orphan",
                                               order_by="Task.id")
    references: Mapped[list["Reference"]] = relationship(
        back_populates="document", cascade="all, delete-orphan", foreign_keys="Reference.document_id")
    recipients: Mapped[list["Recipient"]] = relationship(back_populates="document", cascade="all, delete-orphan")
    edits: Mapped[list["Edit"]] = relationship(back_populates="document", cascade="all, delete-orphan",
                                               order_by="Edit.at")

    @property
    def parsed(self) -> dict:
        try:
            return json.loads(self.parse_json or "{}")
        except ValueError:
            return {}

    @property
    def changes(self) -> list[dict]:
        try:
            return json.loads(self.changes_json or "[]")
        except ValueError:
            return []

    @property
    def title(self) -> str:
        parts = [p for p in (self.doc_type, self.number_symbol) if p]
        head = " ".join(parts) if parts else (self.filename or f"Văn bản #{self.id}")
        return f"{head} — {self.subject}" if self.subject else head


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    words_json: Mapped[str] = mapped_column(Text, default="[]")
    image_path: Mapped[str | None] = mapped_column(String(300))  # relative to the data folder
    source: Mapped[str] = mapped_column(String(20), default="ocr")  # "ocr" | "text-layer" | "text"

    document: Mapped[Document] = relationship(back_populates="pages")

    @property
    def words(self) -> list[dict]:
        try:
            return json.loads(self.words_json or "[]")
        except ValueError:
            return []


TASK_STATUSES = ("todo", "doing", "done")


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str | None] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(Text, default="")
    assignees_json: Mapped[str] = mapped_column(Text, default="[]")
    collaborators_json: Mapped[str] = mapped_column(Text, default="[]")
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    deadline_text: Mapped[str | None] = mapped_column(String(300))
    recurrence: Mapped[str | None] = mapped_column(String(200))
    due_time: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="todo", index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    document: Mapped[Document] = relationship(back_populates="tasks")

    @property
    def assignees(self) -> list[str]:
        return json.loads(self.assignees_json or "[]")

    @property
    def collaborators(self) -> list[str]:
        return json.loads(self.collaborators_json or "[]")


class Reference(Base):
    __tablename__ = "references"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number_symbol: Mapped[str | None] = mapped_column(String(150), index=True)
    doc_type: Mapped[str | None] = mapped_column(String(100))
    date: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(500))
    target_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True)

    document: Mapped[Document] = relationship(back_populates="references", foreign_keys=[document_id])
    target: Mapped[Document | None] = relationship(foreign_keys=[target_document_id])


class Recipient(Base):
    __tablename__ = "recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))  # "kinh_gui" | "noi_nhan"
    purpose: Mapped[str | None] = mapped_column(String(50))

    document: Mapped[Document] = relationship(back_populates="recipients")


JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(512), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(20), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


ROLES = ("admin", "archivist", "staff")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="staff")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def can_edit(self) -> bool:
        return self.role in ("admin", "archivist")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class Edit(Base):
    __tablename__ = "edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    field: Mapped[str] = mapped_column(String(50))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)

    document: Mapped[Document] = relationship(back_populates="edits")
    user: Mapped[User | None] = relationship()


Index("ix_tasks_status_deadline", Task.status, Task.deadline)
