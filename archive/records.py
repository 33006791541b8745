"""Turning a parsed letter into rows, and rows into the plain dicts the index and the API use."""
from __future__ import annotations

import json
import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Document, Recipient, Reference, Task

_SPACES = re.compile(r"\s+")


def normalise_number_symbol(value: str | None) -> str | None:
    """'1987 / MTTQ - BTT' -> '1987/MTTQ-BTT' (case kept: CT and CTr differ)."""
    if not value:
        return None
    value = _SPACES.sub("", value).strip(".;,")
    if value.lower().startswith("số"):
        value = value[2:].lstrip(":")
    return value or None


def _iso_date(value) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def apply_letter(session: Session, doc: Document, letter: dict) -> None:
    """Copy the parse onto the document and replace its tasks, references and recipients."""
    doc.parse_json = json.dumps(letter, ensure_ascii=False)
    doc.doc_type = letter.get("doc_type")
    doc.number = letter.get("number")
    doc.symbol = letter.get("symbol")
    doc.number_symbol = normalise_number_symbol(letter.get("number_symbol"))
    doc.issuer = letter.get("issuer")
    doc.place = letter.get("place")
    doc.date = _iso_date(letter.get("date"))
    doc.subject = letter.get("subject")
    signer = letter.get("signer") or {}
    doc.signer_title = signer.get("title")
    doc.signer_name = signer.get("name")

    old_status = {(t.ref, t.action): t.status for t in doc.tasks}
    doc.tasks.clear()
    doc.references.clear()
    doc.recipients.clear()
    session.flush()
    for item in letter.get("tasks") or []:
        doc.tasks.append(Task(
            ref=item.get("ref"),
            action=item.get("action") or "",
            assignees_json=json.dumps(item.get("assignees") or [], ensure_ascii=False),
            collaborators_json=json.dumps(item.get("collaborators") or [], ensure_ascii=False),
            deadline=_iso_date(item.get("deadline")),
            deadline_text=item.get("deadline_text"),
            recurrence=item.get("recurrence"),
            due_time=item.get("due_time"),
            status=old_status.get((item.get("ref"), item.get("action") or ""), "todo"),
        ))
    for ref in letter.get("references") or []:
        doc.references.append(Reference(
            number_symbol=normalise_number_symbol(ref.get("number_symbol")),
            doc_type=ref.get("type"),
            date=_iso_date(ref.get("date")),
            issuer=ref.get("issuer"),
        ))
    for name in letter.get("recipients") or []:
        doc.recipients.append(Recipient(name=name, kind="kinh_gui"))
    for item in letter.get("distribution") or []:
        if item.get("to"):
            doc.recipients.append(Recipient(name=item["to"], kind="noi_nhan", purpose=item.get("purpose")))
    session.flush()
    link_references(session, doc)


def link_references(session: Session, doc: Document) -> None:
    """Resolve what this letter cites to archived documents, and earlier citations of this letter to it."""
    for ref in doc.references:
        if ref.number_symbol and ref.target_document_id is None:
            target = session.scalar(select(Document.id).where(
                Document.number_symbol == ref.number_symbol, Document.id != doc.id))
            ref.target_document_id = target
    if doc.number_symbol:
        for ref in session.scalars(select(Reference).where(
                Reference.number_symbol == doc.number_symbol, Reference.target_document_id.is_(None),
                Reference.document_id != doc.id)):
            ref.target_document_id = doc.id


def citing_documents(session: Session, doc: Document) -> list[Document]:
    if not doc.number_symbol:
        return []
    return list(session.scalars(
        select(Document).join(Reference, Reference.document_id == Document.id)
        .where((Reference.target_document_id == doc.id) | (Reference.number_symbol == doc.number_symbol))
        .where(Document.id != doc.id).distinct().order_by(Document.date.desc())))


def document_for_index(doc: Document) -> dict:
    return {
        "id": doc.id,
        "number_symbol": doc.number_symbol,
        "number": doc.number,
        "symbol": doc.symbol,
        "doc_type": doc.doc_type,
        "issuer": doc.issuer,
        "place": doc.place,
        "date": doc.date,
        "subject": doc.subject,
        "recipients": [r.name for r in doc.recipients],
        "text": doc.text or "",
        "references": [r.number_symbol for r in doc.references if r.number_symbol],
        "has_open_tasks": any(t.status != "done" for t in doc.tasks),
        "tasks": [task_to_dict(t) for t in doc.tasks],
    }


def task_to_dict(task: Task) -> dict:
    return {
        "id": task.id,
        "document_id": task.document_id,
        "ref": task.ref,
        "action": task.action,
        "assignees": task.assignees,
        "collaborators": task.collaborators,
        "deadline": task.deadline,
        "deadline_text": task.deadline_text,
        "recurrence": task.recurrence,
        "due_time": task.due_time,
        "status": task.status,
    }


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def document_to_dict(doc: Document, *, with_text: bool = True) -> dict:
    """The API's view of a document: the parse (schema fields) plus archive metadata."""
    out = dict(doc.parsed)
    out.update({
        "id": doc.id,
        "sha256": doc.sha256,
        "filename": doc.filename,
        "mime": doc.mime,
        "page_count": doc.page_count,
        "created_at": doc.created_at.isoformat() if doc.created_at else None,
        "doc_type": doc.doc_type,
        "number": doc.number,
        "symbol": doc.symbol,
        "number_symbol": doc.number_symbol,
        "issuer": doc.issuer,
        "place": doc.place,
        "date": _jsonable(doc.date),
        "subject": doc.subject,
        "tasks": [{k: _jsonable(v) for k, v in task_to_dict(t).items()} for t in doc.tasks],
        "references": [
            {"number_symbol": r.number_symbol, "type": r.doc_type, "date": _jsonable(r.date),
             "issuer": r.issuer, "document_id": r.target_document_id}
            for r in doc.references
        ],
    })
    if with_text:
        out["text"] = doc.text
        out["raw_text"] = doc.raw_text
        out["changes"] = doc.changes
    return out
