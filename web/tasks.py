"""Theo dõi nhiệm vụ: every extracted task, overdue in red, due this week on top; status; CSV and .ics."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .extensions import db, reindex, settings

bp = Blueprint("tasks", __name__)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def task_filters(args) -> dict:
    """q (words of the task, with or without accents), assignee, issuer (substring, any case),
    month (YYYY-MM), status, due_before (YYYY-MM-DD)."""
    from archive.models import TASK_STATUSES

    out: dict = {}
    if (args.get("q") or "").strip():
        out["q"] = args["q"].strip()[:300]
    for key in ("assignee", "issuer"):
        if (args.get(key) or "").strip():
            out[key] = args[key].strip()[:200]
    if (m := _MONTH.match(args.get("month") or "")) and 1 <= int(m[2]) <= 12:
        out["month"] = (int(m[1]), int(m[2]))
    if args.get("status") in TASK_STATUSES:
        out["status"] = args["status"]
    if args.get("status") == "open":
        out["status"] = "open"
    try:
        if args.get("due_before"):
            out["due_before"] = date.fromisoformat(args["due_before"])
    except ValueError:
        pass
    return out


def fold(text: str) -> str:
    """'Phòng Nội vụ' -> 'phong noi vu': filters match with or without accents."""
    text = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def urgency(task, today: date) -> int:
    """0 overdue, 1 due this week, 2 later, 3 no deadline, 4 done."""
    if task.status == "done":
        return 4
    if task.deadline is None:
        return 3
    if task.deadline < today:
        return 0
    return 1 if task.deadline <= today + timedelta(days=6 - today.weekday()) else 2


def find_tasks(filters: dict, today: date | None = None) -> list:
    """Tasks with their documents, most urgent first."""
    from archive.models import Task

    today = today or date.today()
    query = select(Task).options(joinedload(Task.document))
    status = filters.get("status")
    if status == "open":
        query = query.where(Task.status != "done")
    elif status:
        query = query.where(Task.status == status)
    if "month" in filters:
        year, month = filters["month"]
        first = date(year, month, 1)
        after = date(year + (month == 12), month % 12 + 1, 1)
        query = query.where(Task.deadline >= first, Task.deadline < after)
    if "due_before" in filters:
        query = query.where(Task.deadline <= filters["due_before"])
    tasks = list(db().scalars(query).unique())
    if "q" in filters:  # the index knows the tasks' words without accents
        from archive import services

        found = services.search_index(settings()).search_tasks(filters["q"], limit=1000)
        ids = {int(t["id"]) for t in found if t.get("id") is not None}
        tasks = [t for t in tasks if t.id in ids]
    if "assignee" in filters:
        needle = fold(filters["assignee"])
        tasks = [t for t in tasks if any(needle in fold(name) for name in t.assignees + t.collaborators)]
    if "issuer" in filters:
        needle = fold(filters["issuer"])
        tasks = [t for t in tasks if needle in fold(t.document.issuer or "")]
    tasks.sort(key=lambda t: (urgency(t, today), t.deadline or date.max, t.id))
    return tasks


def task_rows(tasks: list, today: date | None = None) -> list[dict]:
    """Plain rows for the page and the exports."""
    from archive.stages import TASK_STATUS_LABELS

    from .exports import recurrence_label

    today = today or date.today()
    rows = []
    for task in tasks:
        doc = task.document
        rows.append({
            "id": task.id, "document_id": task.document_id, "ref": task.ref, "action": task.action or "",
            "assignees": task.assignees, "collaborators": task.collaborators,
            "deadline": task.deadline, "deadline_text": task.deadline_text,
            "recurrence": task.recurrence, "recurrence_label": recurrence_label(task.recurrence),
            "due_time": task.due_time, "status": task.status,
            "status_label": TASK_STATUS_LABELS.get(task.status, task.status),
            "source": doc.number_symbol or doc.filename or f"#{doc.id}", "issuer": doc.issuer,
            "document_date": doc.date, "urgency": urgency(task, today),
            "url": url_for("documents.view", document_id=doc.id, _external=True),
        })
    return rows


@bp.route("/tasks")
def index():
    from archive.stages import TASK_STATUS_LABELS

    filters = task_filters(request.args)
    rows = task_rows(find_tasks(filters))
    return render_template("tasks/index.html", rows=rows, args=request.args, status_labels=TASK_STATUS_LABELS,
                           export_query=request.query_string.decode("ascii", "replace"))


@bp.route("/tasks.csv")
def export_csv():
    from .exports import tasks_csv

    body = tasks_csv(task_rows(find_tasks(task_filters(request.args))))
    response = current_app.response_class(body.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="nhiem-vu.csv"'
    return response


@bp.route("/tasks.ics")
def export_ics():
    from .exports import tasks_ics

    body = tasks_ics(task_rows(find_tasks(task_filters(request.args))), host=request.host.split(":")[0])
    response = current_app.response_class(body.encode("utf-8"), mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="nhiem-vu.ics"'
    return response


def change_status(task_id: int, status: str, user_id: int | None):
    """Set a task's status (any signed-in user), record it as an edit of its letter, re-index the letter."""
    from archive.errors import BadInputError, NotFoundError
    from archive.models import TASK_STATUSES, Edit, Task
    from archive.stages import TASK_STATUS_LABELS

    if status not in TASK_STATUSES:
        raise BadInputError("Trạng thái không hợp lệ: chọn " + ", ".join(
            f"{k} ({v})" for k, v in TASK_STATUS_LABELS.items()) + ".")
    session = db()
    task = session.get(Task, task_id)
    if task is None:
        raise NotFoundError(f"Không có nhiệm vụ #{task_id}.")
    if task.status != status:
        session.add(Edit(document_id=task.document_id, user_id=user_id, field=f"task:{task.id}:status",
                         before=task.status, after=status))
        task.status = status
        session.commit()
        reindex(task.document_id)
    return task


@bp.route("/tasks/<int:task_id>/status", methods=["POST"])
def set_status(task_id: int):
    from archive.stages import TASK_STATUS_LABELS

    task = change_status(task_id, request.form.get("status", ""), current_user.id)
    flash(f"Nhiệm vụ #{task.id}: {TASK_STATUS_LABELS[task.status]}.", "success")
    back = request.form.get("next") or ""
    if back.startswith("/") and not back.startswith("//") and "\\" not in back:
        return redirect(back)
    return redirect(url_for("tasks.index"))
