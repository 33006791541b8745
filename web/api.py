"""JSON API ``/api/v1``, authenticated by ``Authorization: Bearer <token>`` (never by the session cookie,
so it is exempt from CSRF). Errors are ``{"error": message}`` with a 4xx status."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, g, jsonify, request, url_for

from .extensions import db, notify_workers, settings

bp = Blueprint("api", __name__, url_prefix="/api/v1")

_PUBLIC = {"api.openapi"}


@bp.before_request
def authenticate_token():
    from archive.accounts import user_for_token

    from .auth import SignedInUser

    if request.endpoint in _PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(settings(), token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        response = jsonify({"error": "Cần mã truy cập hợp lệ: Authorization: Bearer <token> "
                                     "(tạo bằng lệnh congvan token create TÊN)."})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="congvan"'
        return response
    g.api_user = SignedInUser.of(user)
    return None


def _require_editor():
    if not g.api_user.can_edit:
        abort(403, description="Chỉ văn thư (archivist) hoặc quản trị viên mới được làm việc này.")


@bp.route("/documents", methods=["POST"])
def upload_document():
    from ingest.pipeline import submit

    _require_editor()
    storage = request.files.get("file")
    if storage is None:
        abort(400, description="Thiếu tệp: gửi multipart/form-data với trường 'file'.")
    data = storage.read(settings().max_upload_bytes + 1)
    job = submit(settings(), data, storage.filename or "", user_id=g.api_user.id)
    if job.status == "queued":
        notify_workers(job.id)
    job_url = url_for("api.job", job_id=job.id)
    response = jsonify({"job_id": job.id, "job_url": job_url, "status": job.status,
                        "document_id": job.document_id})
    response.status_code = 202
    response.headers["Location"] = job_url
    return response


@bp.route("/jobs/<int:job_id>")
def job(job_id: int):
    from archive.models import Job

    from .upload import job_to_dict

    row = db().get(Job, job_id)
    if row is None:
        abort(404, description=f"Không có công việc #{job_id}.")
    info = job_to_dict(row)
    return jsonify({key: info[key] for key in ("id", "status", "stage", "stage_label", "progress",
                                                "document_id", "error", "filename")})


@bp.route("/documents/<int:document_id>")
def document(document_id: int):
    from archive.records import document_to_dict

    from .documents import get_document

    return jsonify(document_to_dict(get_document(document_id)))


@bp.route("/search")
def search():
    from .search import run_search

    per_page = min(max(1, request.args.get("per_page", 10, type=int) or 10), 100)
    q, filters, page, sort, results = run_search(request.args, per_page=per_page)
    return jsonify({
        "q": q, "page": results.page, "per_page": results.per_page, "total": results.total, "sort": sort,
        "hits": [{"id": h.id, "number_symbol": h.number_symbol, "doc_type": h.doc_type, "date": h.date,
                  "subject": h.subject, "issuer": h.issuer, "score": h.score, "snippet_html": h.snippet_html,
                  "url": url_for("api.document", document_id=h.id)} for h in results.hits],
        "facets": {name: [[value, count] for value, count in items]
                   for name, items in (results.facets or {}).items()},
    })


@bp.route("/tasks")
def tasks():
    from .tasks import find_tasks, task_filters, task_rows

    if request.args.get("due_before"):
        try:
            date.fromisoformat(request.args["due_before"])
        except ValueError:
            abort(400, description="due_before phải có dạng YYYY-MM-DD.")
    rows = task_rows(find_tasks(task_filters(request.args)))[:1000]
    return jsonify({"tasks": [_task_json(r) for r in rows], "total": len(rows)})


def _task_json(row: dict) -> dict:
    keep = ("id", "document_id", "ref", "action", "assignees", "collaborators", "deadline_text", "recurrence",
            "due_time", "status", "source", "issuer")
    out = {k: row[k] for k in keep}
    out["deadline"] = row["deadline"].isoformat() if row["deadline"] else None
    out["overdue"] = row["urgency"] == 0
    return out


@bp.route("/tasks/<int:task_id>", methods=["PATCH"])
def patch_task(task_id: int):
    from .tasks import change_status, task_rows

    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "status" not in body:
        abort(400, description='Gửi JSON dạng {"status": "todo" | "doing" | "done"}.')
    task = change_status(task_id, str(body["status"]), g.api_user.id)
    return jsonify(_task_json(task_rows([task])[0]))


@bp.route("/openapi.json")
def openapi():
    from .openapi import openapi_document

    return jsonify(openapi_document(url_for("api.openapi", _external=True).rsplit("/openapi.json", 1)[0]))
