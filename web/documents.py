"""Reading a letter: page images beside the corrected text, fields, tasks, citations, downloads, corrections."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select

from .extensions import db, editor_required, settings

bp = Blueprint("documents", __name__)

DOUBTFUL_BELOW = 0.8
PER_PAGE = 30
# Stored types served as themselves; anything else is a download of opaque bytes.
SAFE_MIMES = {"application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain"}
FIELD_LABELS = {
    "doc_type": "Loại văn bản",
    "number_symbol": "Số, ký hiệu",
    "issuer": "Cơ quan ban hành",
    "place": "Địa danh",
    "date": "Ngày ban hành",
    "subject": "Trích yếu",
    "text": "Nội dung",
}


def get_document(document_id: int):
    from archive.models import Document

    doc = db().get(Document, document_id)
    if doc is None:
        abort(404, description=f"Không có văn bản #{document_id} trong kho.")
    return doc


# --- pure helpers -------------------------------------------------------------------------------

def marked_lines(text: str, changes: list[dict], threshold: float = DOUBTFUL_BELOW) -> list[list[tuple]]:
    """Split each line into (segment, change-or-None) so the template can mark doubtful words.

    A change is used only if it still matches the text (an archivist's edit makes old changes stale).
    >>> marked_lines("Kính gửi", [{"line": 0, "start": 0, "end": 4, "before": "Kinh", "after": "Kính",
    ...                              "confidence": 0.5}])
    [[('Kính', {'line': 0, 'start': 0, 'end': 4, 'before': 'Kinh', 'after': 'Kính', 'confidence': 0.5}), (' gửi', None)]]
    """
    lines = (text or "").split("\n")
    by_line: dict[int, list[dict]] = {}
    for change in changes or []:
        try:
            line, start, end = int(change["line"]), int(change["start"]), int(change["end"])
            confidence = float(change.get("confidence", 1.0))
        except (KeyError, TypeError, ValueError):
            continue
        if confidence >= threshold or not 0 <= line < len(lines) or not 0 <= start < end <= len(lines[line]):
            continue
        if change.get("after") is not None and lines[line][start:end] != change["after"]:
            continue
        by_line.setdefault(line, []).append(change)
    out = []
    for number, line in enumerate(lines):
        segments, pos = [], 0
        for change in sorted(by_line.get(number, []), key=lambda c: int(c["start"])):
            start, end = int(change["start"]), int(change["end"])
            if start < pos:  # overlapping changes: keep the first
                continue
            if start > pos:
                segments.append((line[pos:start], None))
            segments.append((line[start:end], change))
            pos = end
        if pos < len(line) or not segments:
            segments.append((line[pos:], None))
        out.append(segments)
    return out


def ascii_fallback(name: str, default: str) -> str:
    """'Quyết định 12.pdf' -> 'Quyet dinh 12.pdf': a header-safe name for old clients."""
    name = name.replace("đ", "d").replace("Đ", "D")
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = "".join(ch if ch.isalnum() or ch in " ._-()" else "_" for ch in name).strip(" ._")
    return name[:150] or default


def content_disposition(filename: str, default: str) -> str:
    """attachment; filename="safe ascii"; filename*=UTF-8''percent-encoded (RFC 6266 / 5987)."""
    name = "".join(ch for ch in (filename or "").replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable())
    name = name.strip() or default
    fallback = ascii_fallback(name, default)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def served_mime(stored: str | None) -> str:
    base = (stored or "").split(";", 1)[0].strip().lower()
    return base if base in SAFE_MIMES else "application/octet-stream"


def _within_data_dir(relative: str | None) -> Path | None:
    """A path from the database, resolved and checked to stay inside the data folder."""
    if not relative:
        return None
    root = settings().data_path
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def _attachment(path: Path, mime: str, filename: str, default: str):
    response = send_file(path, mimetype=mime, conditional=True, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(filename, default)
    return response


# --- views --------------------------------------------------------------------------------------

@bp.route("/documents")
def index():
    from archive.models import Document

    page = max(1, request.args.get("page", 1, type=int) or 1)
    total = db().scalar(select(func.count(Document.id))) or 0
    docs = db().scalars(select(Document).order_by(Document.created_at.desc(), Document.id.desc())
                        .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    return render_template("documents/index.html", docs=docs, page=page, pages=pages, total=total)


@bp.route("/documents/<int:document_id>")
def view(document_id: int):
    from archive.records import citing_documents
    from archive.stages import TASK_STATUS_LABELS

    doc = get_document(document_id)
    return render_template(
        "documents/view.html", doc=doc, lines=marked_lines(doc.text, doc.changes),
        citing=citing_documents(db(), doc), similar=_similar(doc.id),
        kinh_gui=[r for r in doc.recipients if r.kind == "kinh_gui"],
        noi_nhan=[r for r in doc.recipients if r.kind == "noi_nhan"],
        status_labels=TASK_STATUS_LABELS, field_labels=FIELD_LABELS,
        edits=list(reversed(doc.edits))[:50])


def _similar(document_id: int) -> list:
    """Similar letters from the index; the page still works when the index cannot answer."""
    from archive import services
    from archive.errors import CongvanError

    try:
        idx = services.search_index(settings())
        return list(idx.similar(document_id, limit=5)) if hasattr(idx, "similar") else []
    except (CongvanError, ImportError, OSError):
        return []


@bp.route("/documents/<int:document_id>/pages/<int:number>.png")
def page_image(document_id: int, number: int):
    from archive.models import Page

    page = db().scalar(select(Page).where(Page.document_id == document_id, Page.number == number))
    path = _within_data_dir(page.image_path if page else None)
    if path is None:
        abort(404, description="Trang này không có ảnh.")
    return send_file(path, mimetype="image/png", max_age=3600)


@bp.route("/documents/<int:document_id>/original")
def original(document_id: int):
    from archive import services

    doc = get_document(document_id)
    path = services.file_store(settings()).original_path(doc.sha256)
    if not path.is_file():
        abort(404, description="Không tìm thấy tệp gốc trong kho lưu trữ.")
    return _attachment(path, served_mime(doc.mime), doc.filename, f"congvan-{doc.id}")


@bp.route("/documents/<int:document_id>/searchable.pdf")
def searchable_pdf(document_id: int):
    from archive import services

    doc = get_document(document_id)
    path = services.file_store(settings()).derived_path(doc.sha256, "searchable.pdf")
    if not doc.has_searchable_pdf or not path.is_file():
        abort(404, description="Văn bản này chưa có bản PDF tìm kiếm được.")
    stem = Path(doc.filename or f"congvan-{doc.id}").stem
    return _attachment(path, "application/pdf", f"{stem}-ocr.pdf", f"congvan-{doc.id}-ocr.pdf")


@bp.route("/documents/<int:document_id>.json")
def as_json(document_id: int):
    from archive.records import document_to_dict

    doc = get_document(document_id)
    body = json.dumps(document_to_dict(doc), ensure_ascii=False, indent=1)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = content_disposition(f"congvan-{doc.id}.json", "congvan.json")
    return response


@bp.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(document_id: int):
    from archive.errors import CongvanError

    from .corrections import EDITABLE_FIELDS, apply_corrections

    doc = get_document(document_id)
    values: dict = {}
    error = None
    if request.method == "POST":
        values = {name: request.form.get(name) for name in EDITABLE_FIELDS + ("text",)}
        try:
            changed = apply_corrections(settings(), doc.id, current_user.id, values)
        except CongvanError as exc:  # show the form again with what was typed and why it was refused
            error = exc.message
        else:
            db().expire_all()
            if changed:
                flash("Đã lưu: " + ", ".join(FIELD_LABELS.get(f, f) for f in changed) + ".", "success")
            else:
                flash("Không có gì thay đổi.", "info")
            return redirect(url_for("documents.view", document_id=doc.id))
    form = {name: values.get(name) if values.get(name) is not None else _form_value(doc, name)
            for name in EDITABLE_FIELDS + ("text",)}
    return render_template("documents/edit.html", doc=doc, form=form, error=error, field_labels=FIELD_LABELS,
                           edits=list(reversed(doc.edits))), (400 if error else 200)


def _form_value(doc, name: str) -> str:
    value = getattr(doc, name)
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
