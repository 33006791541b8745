"""An archivist's corrections: every change kept as an ``Edit``; text re-parsed, fields re-indexed.

A field an archivist set by hand wins over a later re-parse: after a text correction the latest
manual value of each field is applied again.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

EDITABLE_FIELDS = ("doc_type", "number_symbol", "issuer", "place", "date", "subject")
_MAX_FIELD_CHARS = {"doc_type": 100, "number_symbol": 150, "issuer": 500, "place": 200, "subject": 5000}


def _clean_field(name: str, value: str | None):
    from archive.errors import BadInputError
    from archive.records import normalise_number_symbol

    value = (value or "").strip()
    if not value:
        return None
    if name == "date":
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise BadInputError(f"Ngày ban hành không hợp lệ: {value!r} (dạng YYYY-MM-DD, ví dụ 2023-04-20).") \
                from exc
    if len(value) > _MAX_FIELD_CHARS[name]:
        raise BadInputError(f"Trường {name} dài quá {_MAX_FIELD_CHARS[name]} ký tự.")
    value = " ".join(value.split())
    return normalise_number_symbol(value) if name == "number_symbol" else value


def _as_text(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def apply_corrections(settings, document_id: int, user_id: int | None, values: dict) -> list[str]:
    """Apply the submitted values (missing keys are left alone); returns the names that changed."""
    from archive import services
    from archive.errors import BadInputError, NotFoundError
    from archive.models import Document, Edit
    from archive.records import link_references
    from ingest.pipeline import index, reparse_document

    cleaned = {name: _clean_field(name, values[name]) for name in EDITABLE_FIELDS if values.get(name) is not None}
    new_text = values.get("text")
    if new_text is not None:
        new_text = new_text.replace("\r\n", "\n").replace("\r", "\n")
        if len(new_text) > settings.max_text_chars:
            raise BadInputError(f"Nội dung dài quá {settings.max_text_chars} ký tự.")
    db = services.database(settings)
    changed: list[str] = []
    with db.session() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise NotFoundError(f"Không có văn bản #{document_id} trong kho.")
        if new_text is not None and new_text != (doc.text or "") and new_text.strip():
            session.add(Edit(document_id=doc.id, user_id=user_id, field="text", before=doc.text, after=new_text))
            changed.append("text")
        for name, value in cleaned.items():
            if _as_text(getattr(doc, name)) != _as_text(value):
                session.add(Edit(document_id=doc.id, user_id=user_id, field=name,
                                 before=_as_text(getattr(doc, name)), after=_as_text(value)))
                setattr(doc, name, value)
                changed.append(name)
    if not changed:
        return []
    if "text" in changed:
        reparse_document(settings, document_id, text=new_text)
    with db.session() as session:
        doc = session.get(Document, document_id)
        for name, value in manual_values(session, document_id).items():
            setattr(doc, name, _clean_field(name, value) if value is not None else None)
        session.flush()
        link_references(session, doc)
    index(settings, document_id)
    return changed


def manual_values(session, document_id: int) -> dict:
    """The latest hand-set value of each field (the re-parse must not undo a person's correction)."""
    from archive.models import Edit

    latest: dict = {}
    for edit in session.scalars(select(Edit).where(Edit.document_id == document_id,
                                                   Edit.field.in_(EDITABLE_FIELDS)).order_by(Edit.id)):
        latest[edit.field] = edit.after
    return latest
