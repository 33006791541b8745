"""The JSON API /api/v1 with Bearer tokens: upload → job → document, search, tasks, errors."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive import services
from archive.models import Document, Job, Task

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "samples" / "000_83c28748ed9167d2.txt"
XSS = "<script>alert(1)</script>"


def auth(account) -> dict:
    return {"Authorization": f"Bearer {account.token}"}


def settings_of(app):
    return app.extensions["congvan_settings"]


def counts(app) -> tuple:
    with services.database(settings_of(app)).session() as session:
        files = sorted(p.name for p in settings_of(app).files_dir.rglob("*"))
        return (session.scalar(select(func.count(Job.id))), session.scalar(select(func.count(Document.id))), files)


def simple_letter(**changes) -> dict:
    base = {"doc_type": "Công văn", "number_symbol": "12/UBND-VP", "issuer": "Ủy ban nhân dân huyện Cao Lãnh",
            "date": "2024-03-01", "subject": "tổ chức ngày đại đoàn kết", "recipients": [], "distribution": [],
            "references": [], "tasks": [{"ref": "1", "action": "Báo cáo kết quả", "assignees": ["Phòng Nội vụ"],
                                         "collaborators": [], "deadline": "2024-03-15", "deadline_text": None,
                                         "recurrence": None, "due_time": None}]}
    base.update(changes)
    return base


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer sai-ma", "Basic dmFudGh1Om1r", "bearer  "])
def test_api_requires_a_valid_bearer_token(client, archivist, header):
    headers = {"Authorization": header} if header else {}
    for method, path in (("get", "/api/v1/tasks"), ("get", "/api/v1/search?q=a"), ("get", "/api/v1/jobs/1"),
                         ("get", "/api/v1/documents/1"), ("post", "/api/v1/documents"),
                         ("patch", "/api/v1/tasks/1")):
        response = getattr(client, method)(path, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Bearer" in response.get_json()["error"]


def test_api_ignores_the_session_cookie(client, archivist):
    """The API is exempt from CSRF, so a signed-in browser session must not authenticate it."""
    client.post("/login", data={"name": archivist.name, "password": archivist.password})
    assert client.get("/search").status_code == 200
    response = client.post("/api/v1/documents", data={"file": (io.BytesIO(b"x"), "a.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 401


def test_openapi_document_describes_every_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    described = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in described, (path, method)


def test_upload_job_document_round_trip(app, client, archivist):
    from archive.jobs import run_pending

    response = client.post("/api/v1/documents", headers=auth(archivist),
                           data={"file": (io.BytesIO(SAMPLE.read_bytes()), "Công văn 1987.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["job_url"] == f"/api/v1/jobs/{body['job_id']}" == response.headers["Location"]
    job = client.get(body["job_url"], headers=auth(archivist)).get_json()
    assert job["status"] == "queued" and job["stage"] == "queued" and job["document_id"] is None
    assert job["error"] is None
    run_pending(settings_of(app))
    job = client.get(body["job_url"], headers=auth(archivist)).get_json()
    assert job["status"] == "done" and job["stage"] == "done", job
    doc = client.get(f"/api/v1/documents/{job['document_id']}", headers=auth(archivist)).get_json()
    assert doc["number_symbol"] == "1987/MTTQ-BTT"
    assert doc["filename"] == "Công văn 1987.txt"
    # the same bytes again: the same document, no second job run
    again = client.post("/api/v1/documents", headers=auth(archivist),
                        data={"file": (io.BytesIO(SAMPLE.read_bytes()), "copy.txt")},
                        content_type="multipart/form-data").get_json()
    assert again["document_id"] == job["document_id"]
    with services.database(settings_of(app)).session() as session:
        assert session.scalar(select(func.count(Document.id))) == 1


def test_staff_cannot_upload_through_the_api(app, client, staff):
    before = counts(app)
    response = client.post("/api/v1/documents", headers=auth(staff),
                           data={"file": (io.BytesIO(SAMPLE.read_bytes()), "a.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 403 and "văn thư" in response.get_json()["error"]
    assert counts(app) == before


BAD_FILES = [
    ("empty.pdf", b""),
    ("random.pdf", bytes(range(256)) * 8),
    ("archive.zip", b"PK\x03\x04" + b"\x00" * 200),
    ("../../Quyết định ../x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10),
]


@pytest.mark.parametrize("filename, data", BAD_FILES, ids=["empty", "random-pdf", "zip", "traversal-png"])
def test_api_bad_input_is_a_json_4xx_and_changes_nothing(app, client, archivist, filename, data):
    before = counts(app)
    response = client.post("/api/v1/documents", headers=auth(archivist),
                           data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
    assert 400 <= response.status_code < 500
    message = response.get_json()["error"]
    assert re.search(r"[àáảãạăâđèéêìíòóôơùúưệếềểộốồổợớờởụủứừửựạ]", message.lower()), message
    assert counts(app) == before
    assert client.get("/api/v1/tasks", headers=auth(archivist)).status_code == 200


def test_api_missing_file_field_and_unknown_ids(client, archivist):
    response = client.post("/api/v1/documents", headers=auth(archivist), data={},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "file" in response.get_json()["error"]
    for path in ("/api/v1/jobs/999", "/api/v1/documents/999", "/api/v1/no-such"):
        response = client.get(path, headers=auth(archivist))
        assert response.status_code == 404 and response.get_json()["error"]
    response = client.delete("/api/v1/documents/1", headers=auth(archivist))
    assert response.status_code == 405 and "error" in response.get_json()


def test_api_search(client, staff, web_document):
    doc_id = web_document("Ủy ban nhân dân huyện Cao Lãnh\nV/v tổ chức ngày đại đoàn kết " + XSS, simple_letter())
    web_document("Kế hoạch khác", simple_letter(number_symbol="5/KH", doc_type="Kế hoạch", subject="khác",
                                                 date="2022-01-01"))
    body = client.get("/api/v1/search?q=doan+ket", headers=auth(staff)).get_json()
    assert body["total"] == 1 and body["hits"][0]["id"] == doc_id
    hit = body["hits"][0]
    assert hit["number_symbol"] == "12/UBND-VP" and "<mark>" in hit["snippet_html"]
    assert "<script>" not in hit["snippet_html"]
    assert body["facets"]["doc_type"] == [["Công văn", 1]]
    body = client.get("/api/v1/search?q=&type=K%E1%BA%BF+ho%E1%BA%A1ch", headers=auth(staff)).get_json()
    assert [h["number_symbol"] for h in body["hits"]] == ["5/KH"]
    body = client.get("/api/v1/search?from=2024-01-01&to=2024-12-31", headers=auth(staff)).get_json()
    assert [h["id"] for h in body["hits"]] == [doc_id]
    body = client.get("/api/v1/search?q=doan&page=5", headers=auth(staff)).get_json()
    assert body["page"] == 5 and body["hits"] == []


def test_api_tasks_and_patch(app, client, staff, web_document):
    web_document("Công văn 12", simple_letter())
    body = client.get("/api/v1/tasks", headers=auth(staff)).get_json()
    assert body["total"] == 1
    task = body["tasks"][0]
    assert task["deadline"] == "2024-03-15" and task["overdue"] is True and task["status"] == "todo"
    assert client.get("/api/v1/tasks?due_before=2024-03-01", headers=auth(staff)).get_json()["total"] == 0
    assert client.get("/api/v1/tasks?due_before=2024-03-31&assignee=n%E1%BB%99i+v%E1%BB%A5",
                      headers=auth(staff)).get_json()["total"] == 1
    assert client.get("/api/v1/tasks?due_before=31/03/2024", headers=auth(staff)).status_code == 400
    assert client.get("/api/v1/tasks?q=bao+cao+ket+qua", headers=auth(staff)).get_json()["total"] == 1
    assert client.get("/api/v1/tasks?q=thi+dua", headers=auth(staff)).get_json()["total"] == 0
    response = client.patch(f"/api/v1/tasks/{task['id']}", json={"status": "doing"}, headers=auth(staff))
    assert response.status_code == 200 and response.get_json()["status"] == "doing"
    assert client.get("/api/v1/tasks?status=doing", headers=auth(staff)).get_json()["total"] == 1
    for bad in ({"status": "finished"}, {"state": "done"}, ["done"]):
        response = client.patch(f"/api/v1/tasks/{task['id']}", json=bad, headers=auth(staff))
        assert response.status_code == 400 and response.get_json()["error"]
    response = client.patch("/api/v1/tasks/999", json={"status": "done"}, headers=auth(staff))
    assert response.status_code == 404
    with services.database(settings_of(app)).session() as session:
        assert session.scalar(select(Task.status)) == "doing"


def test_api_document_escapes_nothing_but_is_json(client, staff, web_document):
    doc_id = web_document(f"Nội dung {XSS}", simple_letter(subject=XSS))
    response = client.get(f"/api/v1/documents/{doc_id}", headers=auth(staff))
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["subject"] == XSS  # data, served as JSON, never as HTML


# --- issue 8's bad input, through the API ----------------------------------------------------------

def _png(width: int = 200, height: int = 100) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, "PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(out, "JPEG")
    return out.getvalue()


def _pdf(pages: int = 1, password: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny file whose header promises 900 million pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def _cp1258(text: str) -> bytes:
    """Windows-1258 as old Vietnamese Word files wrote it: base letters, then combining tone marks."""
    import unicodedata

    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            out += unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones)).encode("cp1258")
            out += "".join(c for c in parts if c in tones).encode("cp1258")
    return out


HOSTILE = {
    "truncated.png": lambda: _png()[:60],
    "truncated.jpg": lambda: _jpeg()[:300],
    "truncated.pdf": lambda: _pdf()[:200],
    "encrypted.pdf": lambda: _pdf(password="mat-khau"),
    "1000-pages.pdf": lambda: _pdf(1000),
    "bomb.png": _png_bomb,
    "one-line.txt": lambda: ("đoàn kết " * 800_000).encode("utf-8"),
}


@pytest.mark.parametrize("filename", list(HOSTILE))
def test_api_refuses_hostile_files_with_a_reason(app, client, archivist, filename):
    before = counts(app)
    response = client.post("/api/v1/documents", headers=auth(archivist),
                           data={"file": (io.BytesIO(HOSTILE[filename]()), filename)},
                           content_type="multipart/form-data")
    assert 400 <= response.status_code < 500, response.get_json()
    message = response.get_json()["error"]
    assert re.search(r"[àáảãạăâđèéêìíòóôơùúưệếềểộốồổợớờởụủứừửựạ]", message.lower()), message
    assert counts(app) == before
    assert client.get("/api/v1/search?q=doan", headers=auth(archivist)).status_code == 200


def test_api_reads_a_windows_1258_letter(app, client, archivist):
    from archive.jobs import run_pending

    text = "ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP\nSố: 77/UBND-VP\nV/v tổ chức ngày hội đại đoàn kết\nKính gửi: Các sở, ngành.\n"
    response = client.post("/api/v1/documents", headers=auth(archivist),
                           data={"file": (io.BytesIO(_cp1258(text)), "cu.txt")}, content_type="multipart/form-data")
    assert response.status_code == 202
    run_pending(settings_of(app))
    job = client.get(response.get_json()["job_url"], headers=auth(archivist)).get_json()
    assert job["status"] == "done", job
    doc = client.get(f"/api/v1/documents/{job['document_id']}", headers=auth(archivist)).get_json()
    assert "đoàn kết" in doc["text"] and doc["number_symbol"] == "77/UBND-VP"


def test_token_use_is_recorded_and_only_its_hash_is_stored(app, client, staff):
    from archive.models import ApiToken

    assert client.get("/api/v1/tasks", headers=auth(staff)).status_code == 200
    with services.database(settings_of(app)).session() as session:
        row = session.scalar(select(ApiToken))
        assert row.last_used_at is not None
        assert row.token_hash != staff.token and len(row.token_hash) == 64
