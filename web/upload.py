"""Upload many files at once; follow each job through its stages."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .extensions import db, editor_required, notify_workers, settings

bp = Blueprint("upload", __name__)

MAX_FILES_PER_UPLOAD = 50
PIPELINE_STAGES = ("queued", "ocr", "restore", "parse", "store", "index", "done")


def job_to_dict(job) -> dict:
    """The job as the progress page, its JSON twin and the API show it."""
    from archive.stages import JobStatus, Stage

    stage = _member(Stage, job.stage, Stage.QUEUED)
    status = _member(JobStatus, job.status, JobStatus.QUEUED)
    return {
        "id": job.id,
        "status": str(status),
        "status_label": status.label,
        "stage": str(stage),
        "stage_label": stage.label,
        "progress": stage.progress,
        "document_id": job.document_id,
        "document_url": url_for("documents.view", document_id=job.document_id) if job.document_id else None,
        "error": job.error,
        "filename": job.filename,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished": status in (JobStatus.DONE, JobStatus.FAILED),
    }


def _member(enum, value, default):
    try:
        return enum(value)
    except ValueError:  # a row written by a newer version: show it as waiting rather than fail the page
        return default


def submit_upload(storage, user_id: int):
    """One uploaded file into the pipeline; returns the job, or raises the pipeline's ``CongvanError``."""
    from ingest.pipeline import submit

    data = storage.read(settings().max_upload_bytes + 1)  # never read more than the limit allows
    return submit(settings(), data, storage.filename or "", user_id=user_id)


@bp.route("/upload", methods=["GET", "POST"])
@editor_required
def upload():
    from archive.errors import CongvanError

    if request.method == "GET":
        return render_template("upload/form.html")
    files = [f for f in request.files.getlist("files") if f and (f.filename or f.content_length)]
    if not files:
        return render_template("upload/form.html", error="Chưa chọn tệp nào để tải lên."), 400
    if len(files) > MAX_FILES_PER_UPLOAD:
        return render_template(
            "upload/form.html", error=f"Mỗi lần tải lên tối đa {MAX_FILES_PER_UPLOAD} tệp."), 400
    accepted, rejected, statuses = [], [], set()
    for storage in files:
        try:
            accepted.append(job_to_dict(submit_upload(storage, current_user.id)))
        except CongvanError as exc:
            rejected.append({"filename": storage.filename or "", "reason": exc.message})
            statuses.add(exc.http_status if 400 <= exc.http_status < 500 else 400)
    if accepted:
        notify_workers(*(job["id"] for job in accepted if job["status"] == "queued"))
    # all refused: one shared reason keeps its own status (413 too big, 415 wrong type), else 400
    status = 200 if accepted else (statuses.pop() if len(statuses) == 1 else 400)
    return render_template("upload/result.html", accepted=accepted, rejected=rejected,
                           stages=_stage_labels()), status


@bp.route("/jobs")
def jobs():
    from archive.models import Job

    ids = [int(x) for x in request.args.get("ids", "").split(",") if x.isdigit()][:MAX_FILES_PER_UPLOAD]
    query = select(Job).order_by(Job.id.desc())
    query = query.where(Job.id.in_(ids)) if ids else query.limit(100)
    items = [job_to_dict(j) for j in db().scalars(query)]
    refresh = any(not j["finished"] for j in items)
    return render_template("upload/jobs.html", jobs=items, refresh=refresh, stages=_stage_labels())


@bp.route("/jobs/<int:job_id>")
def job(job_id: int):
    job = _job_or_404(job_id)
    return render_template("upload/job.html", job=job, refresh=not job["finished"], stages=_stage_labels())


@bp.route("/jobs/<int:job_id>.json")
def job_json(job_id: int):
    """The progress page's JSON twin (session-authenticated, read-only) for the polling script."""
    return jsonify(_job_or_404(job_id))


def _job_or_404(job_id: int) -> dict:
    from archive.models import Job

    job = db().get(Job, job_id)
    if job is None:
        abort(404, description=f"Không có công việc #{job_id}.")
    return job_to_dict(job)


def _stage_labels() -> list[tuple[str, str]]:
    from archive.stages import Stage

    return [(s, Stage(s).label) for s in PIPELINE_STAGES]
