"""The ``congvan`` command line: a thin edge over ingest.pipeline, nlp, search and the archive.

Errors from the exception hierarchy become a message on stderr and the error's exit code here,
and nowhere else.
"""
from __future__ import annotations

import functools
import json
import sys
from datetime import date
from pathlib import Path

import click

from .errors import CongvanError
from .settings import Settings


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def handle_errors(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except CongvanError as exc:
            click.echo(f"congvan: {exc.message}", err=True)
            sys.exit(exc.exit_code)
    return wrapper


def _read_input(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    path = Path(file)
    if not path.is_file():
        raise CongvanError(f"Không tìm thấy tệp: {file}")
    return path.read_bytes()


def _json_default(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _print_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=1, default=_json_default))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data", "data_dir", type=click.Path(file_okay=False), default=None,
              help="Data folder (overrides CONGVAN_DATA; default ./var).")
@click.pass_context
def main(ctx: click.Context, data_dir: str | None) -> None:
    """congvan — OCR, khôi phục dấu, phân tích và tra cứu công văn.

    OCR, diacritic restoration, parsing and search for Vietnamese official letters.
    """
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(data_dir=Path(data_dir) if data_dir else None)
    except CongvanError as exc:
        click.echo(f"congvan: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    ctx.obj = {"settings": settings}


# --- archive ----------------------------------------------------------------------------------

@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.pass_context
@handle_errors
def ingest(ctx, paths):
    """Ingest files (.txt legacy OCR, PNG/JPEG/TIFF, PDF) into the archive.

    Prints one line per file: document id, status, file. Folders are walked.
    The same bytes ingested again give the same document.
    """
    from ingest.pipeline import ingest_bytes

    settings = _settings(ctx)
    failures = 0
    for path in _expand(paths):
        try:
            job = ingest_bytes(settings, path.read_bytes(), path.name)
        except CongvanError as exc:
            click.echo(f"-\tlỗi\t{path}\t{exc.message}")
            failures += 1
            continue
        if job.status == "done":
            click.echo(f"{job.document_id}\txong\t{path}")
        else:
            click.echo(f"{job.document_id or '-'}\tlỗi\t{path}\t{job.error}")
            failures += 1
    if failures:
        sys.exit(2)


def _expand(paths) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                              and p.suffix.lower() not in (".md", ".json")))
        else:
            out.append(path)
    return out


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
@handle_errors
def ocr(ctx, file):
    """Print the raw OCR text of an image or PDF; pages are separated by form feeds. No correction."""
    from ingest.pipeline import extract

    extracted = extract(Path(file).read_bytes(), _settings(ctx))
    click.echo("\f".join(p.text for p in extracted.pages))


@main.command()
@click.argument("file", default="-")
@click.option("--keep-lines", is_flag=True, help="Exactly as many lines out as in (line i corrects line i).")
@click.option("--json", "as_json", is_flag=True, help="Print the text and every change with its confidence.")
@click.option("--explain", is_flag=True, help="After the text, list what changed and how sure the model is.")
@click.pass_context
@handle_errors
def restore(ctx, file, keep_lines, as_json, explain):
    """Clean OCR text and restore its Vietnamese diacritics (FILE or - for stdin)."""
    from dataclasses import asdict

    from ingest.intake import read_source
    from nlp.clean import clean_text
    from nlp.restore import restore_text

    data = _read_input(file)
    source = read_source(data, _settings(ctx).limits())
    if source.kind != "text":
        raise CongvanError("restore đọc văn bản (.txt); dùng `congvan ocr` hoặc `congvan parse` cho ảnh/PDF.")
    result = restore_text(clean_text(source.text or ""))
    if as_json:
        _print_json({"text": result.text, "changes": [asdict(c) for c in result.changes]})
        return
    text = result.text
    click.echo(text if text.endswith("\n") or not text else text + "\n", nl=False)
    if explain:
        click.echo("\n--- thay đổi (dòng:cột  trước → sau  độ tin cậy) ---", err=True)
        for c in result.changes:
            click.echo(f"{c.line + 1}:{c.start + 1}\t{c.before} → {c.after}\t{c.confidence:.2f}", err=True)


@main.command()
@click.argument("file")
@click.option("--no-restore", is_flag=True, help="Parse the text as it is, without diacritic restoration.")
@click.pass_context
@handle_errors
def parse(ctx, file, no_restore):
    """Print the letter as JSON (fields, recipients, references, tasks). FILE: text, image or PDF."""
    from ingest.pipeline import extract
    from ingest.pipeline import restore as restore_stage
    from nlp.parse import parse_letter

    extracted = extract(_read_input(file), _settings(ctx))
    if no_restore:
        from nlp.clean import clean_text

        text = "\n\n".join(clean_text(p.text) for p in extracted.pages)
    else:
        _raw, text, _changes = restore_stage(extracted)
    _print_json(parse_letter(text))


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="A JSON list of hits, best first.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--type", "doc_type", default=None, help="Only this document type (Công văn, Kế hoạch …).")
@click.pass_context
@handle_errors
def search(ctx, query, as_json, limit, doc_type):
    """Search the archive (with or without diacritics, or a number such as 1987/MTTQ-BTT)."""
    from . import services

    filters = {"doc_type": doc_type} if doc_type else None
    results = services.search_index(_settings(ctx)).search(" ".join(query), filters=filters, per_page=limit)
    hits = [{
        "id": h.id, "number_symbol": h.number_symbol, "doc_type": h.doc_type, "date": h.date,
        "subject": h.subject, "issuer": h.issuer, "score": round(float(h.score), 4), "snippet": h.snippet_html,
    } for h in results.hits]
    if as_json:
        _print_json(hits)
        return
    click.echo(f"{results.total} văn bản")
    for h in hits:
        click.echo(f"#{h['id']}\t{h['number_symbol'] or '-'}\t{h['date'] or '-'}\t{h['doc_type'] or '-'}\t"
                   f"{h['subject'] or ''}")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--due-before", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--overdue", is_flag=True, help="Only open tasks whose deadline has passed.")
@click.pass_context
@handle_errors
def tasks(ctx, as_json, due_before, overdue):
    """List the tasks the letters assign (assignee, deadline, repetition, source letter, status)."""
    from sqlalchemy import select

    from . import services
    from .models import Document, Task
    from .records import task_to_dict

    today = date.today()
    with services.database(_settings(ctx)).session() as session:
        query = select(Task, Document).join(Document).order_by(Task.deadline.is_(None), Task.deadline, Task.id)
        if due_before:
            query = query.where(Task.deadline < due_before.date())
        if overdue:
            query = query.where(Task.deadline < today, Task.status != "done")
        rows = []
        for task, doc in session.execute(query):
            item = task_to_dict(task)
            item["deadline"] = task.deadline.isoformat() if task.deadline else None
            item["document_number_symbol"] = doc.number_symbol
            item["overdue"] = bool(task.deadline and task.deadline < today and task.status != "done")
            rows.append(item)
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        when = r["deadline"] or r["recurrence"] or "-"
        click.echo(f"#{r['id']}\t{r['status']}\t{when}\t{'; '.join(r['assignees'])}\t{r['action'][:80]}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=16, show_default=True, type=click.IntRange(1, 256),
              help="Request threads of the WSGI server.")
@click.pass_context
@handle_errors
def serve(ctx, host, port, threads):
    """Serve the web interface with waitress (and the in-process ingest workers)."""
    import waitress

    from web import create_app

    app = create_app({"CONGVAN_DATA": str(_settings(ctx).data_path)})
    click.echo(f"congvan: http://{host}:{port}/  (dữ liệu: {_settings(ctx).data_path})")
    waitress.serve(app, host=host, port=port, threads=threads, ident="congvan",
                   max_request_body_size=app.config.get("MAX_CONTENT_LENGTH") or 1073741824)


@main.command()
@click.option("--once", is_flag=True, help="Run the queued jobs, then exit.")
@click.pass_context
@handle_errors
def worker(ctx, once):
    """Process queued ingest jobs (the web server also runs workers in-process).

    With CONGVAN_QUEUE_URL (Redis) this is an RQ worker: start one per core on any machine that
    sees the same database and data folder.
    """
    import time

    from .jobs import WorkerPool, requeue_interrupted, run_pending

    settings = _settings(ctx)
    if settings.queue_url:
        from .queue import run_worker

        run_worker(settings, burst=once)
        return
    if once:
        requeue_interrupted(settings)
        click.echo(f"{run_pending(settings)} jobs")
        return
    pool = WorkerPool(settings, size=settings.workers, processes=True).start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pool.stop()


@main.command()
@click.pass_context
@handle_errors
def reindex(ctx):
    """Rebuild the search index from the database."""
    from .maintenance import reindex_all

    count = reindex_all(_settings(ctx))
    click.echo(f"{count} văn bản đã được lập chỉ mục lại")


@main.command()
@click.option("--repair", is_flag=True, help="Fix the index by re-indexing what disagrees.")
@click.pass_context
@handle_errors
def check(ctx, repair):
    """Verify that database, stored files and index agree."""
    from .maintenance import check_archive

    report = check_archive(_settings(ctx), repair=repair)
    for line in report.lines():
        click.echo(line)
    if not report.ok and not repair:
        sys.exit(1)


@main.group()
def user():
    """Manage accounts."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "archivist", "staff"]), default="staff", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
@handle_errors
def user_add(ctx, name, role, password_stdin):
    """Create an account (or reset its password and role)."""
    from .accounts import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    created = create_user(_settings(ctx), name, role, password)
    click.echo(f"Đã tạo tài khoản {created.name} ({created.role})")


@main.group()
def token():
    """Personal API tokens."""


@token.command("create")
@click.argument("name")
@click.pass_context
@handle_errors
def token_create(ctx, name):
    """Create an API token for NAME; the token is the last word printed."""
    from .accounts import create_token

    value = create_token(_settings(ctx), name)
    click.echo(f"API token cho {name}: {value}")


if __name__ == "__main__":
    main()
