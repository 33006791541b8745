"""The web interface through Flask's test client: pages, sign-in, corrections, tasks and exports.

Letters are put into the archive directly (``web_document``) unless a test is about uploading.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from archive import services
from archive.models import ApiToken, Document, Edit, Job, Task

XSS = "<script>alert(1)</script>"
TEXT = """ỦY BAN MẶT TRẬN TỔ QUỐC VN
TỈNH ĐỒNG THÁP
Số: 1987/MTTQ-BTT
V/v phối hợp nâng cao chất lượng hoạt động “Ngày đại đoàn kết vì cộng đồng”
Kính gửi: Ban Thường trực Ủy ban MTTQ Việt Nam các huyện, thành phố.
Thực hiện Quy định số 213-QĐ/TW ngày 02/01/2020 của Bộ Chính trị.
1. Rà soát, đánh giá kết quả triển khai mô hình ở địa phương."""


def letter(**changes) -> dict:
    base = {
        "doc_type": "Công văn", "number": "1987", "symbol": "MTTQ-BTT", "number_symbol": "1987/MTTQ-BTT",
        "issuer": "Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh Đồng Tháp", "place": "Đồng Tháp",
        "date": "2023-04-20",
        "subject": "phối hợp nâng cao chất lượng hoạt động “Ngày đại đoàn kết vì cộng đồng”",
        "recipients": ["Ban Thường trực Ủy ban MTTQ Việt Nam các huyện, thành phố"],
        "distribution": [{"to": "Ban Tuyên giáo Tỉnh ủy", "purpose": "để biết", "raw": "- Ban Tuyên giáo Tỉnh ủy (để biết);"}],
        "signer": {"title": "PHÓ CHỦ TỊCH", "name": "Nguyễn Văn A"},
        "references": [{"number_symbol": "213-QĐ/TW", "type": "Quy định", "date": "2020-01-02", "issuer": "Bộ Chính trị"}],
        "tasks": [
            {"ref": "1", "action": "Rà soát, đánh giá kết quả triển khai mô hình ở địa phương.",
             "assignees": ["Ban Thường trực Ủy ban MTTQ Việt Nam các huyện, thành phố"], "collaborators": [],
             "deadline": None, "deadline_text": None, "recurrence": "FREQ=MONTHLY", "due_time": None},
        ],
    }
    base.update(changes)
    return base


def sign_in(client, account):
    response = client.post("/login", data={"name": account.name, "password": account.password})
    assert response.status_code == 302, response.data
    return client


def settings_of(app):
    return app.extensions["congvan_settings"]


def count(app, model) -> int:
    with services.database(settings_of(app)).session() as session:
        return session.scalar(select(func.count()).select_from(model))


def page_text(response) -> str:
    return response.get_data(as_text=True)


# --- sign-in and the gate -----------------------------------------------------------------------

PAGES = ["/", "/search", "/search?q=doan+ket", "/documents", "/documents/1", "/documents/1/edit", "/upload",
         "/jobs", "/jobs/1", "/jobs/1.json", "/tasks", "/tasks.csv", "/tasks.ics", "/documents/1/original",
         "/documents/1.json", "/documents/1/searchable.pdf", "/documents/1/pages/1.png", "/account", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_users_see_only_the_sign_in_page(client, path):
    """GIVEN no session WHEN any page is asked for THEN the answer is a redirect to the sign-in page."""
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_sign_in_page_and_static_files_are_public(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Đăng nhập" in page_text(response)
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200


def test_sign_in_then_out(client, staff):
    response = client.post("/login?next=/tasks", data={"name": staff.name, "password": staff.password})
    assert response.status_code == 302 and response.headers["Location"] == "/tasks"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/tasks").status_code == 200
    assert client.get("/logout").status_code == 405  # signing out changes state: POST only
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/tasks").status_code == 302


def test_wrong_password_is_refused_in_vietnamese(client, staff):
    response = client.post("/login", data={"name": staff.name, "password": "sai-mat-khau"})
    assert response.status_code == 401
    assert "không đúng" in page_text(response)
    response = client.post("/login", data={"name": "khong-co-ai", "password": "x"})
    assert response.status_code == 401


def test_sign_in_never_redirects_off_site(client, staff):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post(f"/login?next={target}", data={"name": staff.name, "password": staff.password})
        assert response.headers["Location"] == "/search"
        client.post("/logout")


def test_sign_in_is_rate_limited(client, staff):
    """GIVEN ten wrong passwords WHEN the right one follows THEN it is refused with 429 for a while."""
    for _ in range(10):
        assert client.post("/login", data={"name": staff.name, "password": "sai"}).status_code == 401
    response = client.post("/login", data={"name": staff.name, "password": staff.password})
    assert response.status_code == 429
    assert "quá nhiều lần" in page_text(response)
    other = client.post("/login", data={"name": "someone-else", "password": "x"})
    assert other.status_code == 401  # another name is not locked out


def test_security_headers_everywhere(client, staff):
    for response in (client.get("/login"), sign_in(client, staff).get("/search"), client.get("/static/app.js")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_errors_are_vietnamese_pages(client, staff):
    sign_in(client, staff)
    response = client.get("/documents/999")
    assert response.status_code == 404
    assert "Không có văn bản #999" in page_text(response)
    assert client.get("/no-such-page").status_code == 404


# --- every mutating route: anonymous, no CSRF token, staff ---------------------------------------

MUTATIONS = [
    # (path, form data, staff allowed?)
    ("/upload", {}, False),
    ("/documents/{doc}/edit", {"subject": "đã sửa"}, False),
    ("/tasks/{task}/status", {"status": "done"}, True),
    ("/logout", {}, True),
    ("/account", {}, True),
]


@pytest.fixture
def csrf_app(tmp_path):
    from web import create_app

    app = create_app({"TESTING": True, "CONGVAN_DATA": str(tmp_path / "csrf-data"), "START_WORKERS": False,
                      "WTF_CSRF_ENABLED": True, "CONGVAN_SECRET_KEY": "test-secret"})
    yield app
    services.forget_index(settings_of(app))


def _ids(app) -> dict:
    with services.database(settings_of(app)).session() as session:
        doc = session.scalar(select(Document))
        return {"doc": doc.id, "task": doc.tasks[0].id}


def _state(app) -> tuple:
    with services.database(settings_of(app)).session() as session:
        doc = session.scalar(select(Document))
        return (doc.subject, doc.tasks[0].status, count(app, Job), count(app, Edit), count(app, Document),
                count(app, ApiToken))


@pytest.mark.parametrize("path, data, staff_allowed", MUTATIONS)
def test_mutating_routes_refuse_anonymous_forged_and_staff(csrf_app, path, data, staff_allowed):
    """GIVEN a letter WHEN a mutating route is posted anonymously, without a CSRF token, or by staff where
    only archivists may, THEN it is refused and nothing in the archive changes."""
    from archive.accounts import create_user

    settings = settings_of(csrf_app)
    from archive.models import Document as Doc
    from archive.records import apply_letter

    with services.database(settings).session() as session:
        doc = Doc(sha256="a" * 64, filename="x.txt", text=TEXT, raw_text=TEXT)
        session.add(doc)
        session.flush()
        apply_letter(session, doc, letter())
    url = path.format(**_ids(csrf_app))
    before = _state(csrf_app)
    client = csrf_app.test_client()
    files = {"files": (io.BytesIO(TEXT.encode()), "cv.txt")} if path == "/upload" else {}

    response = client.post(url, data={**data, **files}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert _state(csrf_app) == before

    create_user(settings, "canbo", "staff", "mat-khau-123")
    create_user(settings, "vanthu", "archivist", "mat-khau-123")
    login_page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_text(login_page))[1]
    assert client.post("/login", data={"name": "canbo", "password": "mat-khau-123",
                                       "csrf_token": token}).status_code == 302

    files = {"files": (io.BytesIO(TEXT.encode()), "cv.txt")} if path == "/upload" else {}
    response = client.post(url, data={**data, **files}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "CSRF" in page_text(response)
    assert _state(csrf_app) == before

    if not staff_allowed:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page_text(client.get("/search")))[1]
        files = {"files": (io.BytesIO(TEXT.encode()), "cv.txt")} if path == "/upload" else {}
        response = client.post(url, data={**data, **files, "csrf_token": token},
                               content_type="multipart/form-data")
        assert response.status_code == 403
        assert "văn thư" in page_text(response)
        assert client.get(url).status_code == 403 if url.endswith(("edit", "upload")) else True
        assert _state(csrf_app) == before


def test_forms_carry_a_csrf_token(csrf_app):
    from archive.accounts import create_user

    create_user(settings_of(csrf_app), "vanthu", "archivist", "mat-khau-123")
    client = csrf_app.test_client()
    body = page_text(client.get("/login"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', body)[1]
    assert client.post("/login", data={"name": "vanthu", "password": "mat-khau-123",
                                       "csrf_token": token}).status_code == 302
    for path in ("/upload", "/search"):
        assert 'name="csrf_token"' in page_text(client.get(path))


# --- search -------------------------------------------------------------------------------------

def test_search_without_accents_finds_the_letter(client, staff, web_document):
    doc_id = web_document(TEXT, letter())
    sign_in(client, staff)
    response = client.get("/search?q=doan+ket")
    body = page_text(response)
    assert response.status_code == 200
    assert f'/documents/{doc_id}"' in body
    assert "<mark>" in body
    assert "1987/MTTQ-BTT" in body


def test_search_filters_facets_sort_and_empty_box(client, staff, web_document):
    first = web_document(TEXT, letter())
    second = web_document(TEXT.replace("1987", "2001") + "\nKế hoạch đoàn kết.",
                          letter(number_symbol="2001/KH-MTTQ", doc_type="Kế hoạch", date="2024-01-05"))
    sign_in(client, staff)
    body = page_text(client.get("/search"))
    assert f"/documents/{first}\"" in body and f"/documents/{second}\"" in body
    assert "Loại văn bản" in body and "Kế hoạch" in body  # a facet with its count
    body = page_text(client.get("/search?q=doan+ket&type=K%E1%BA%BF+ho%E1%BA%A1ch"))
    assert f"/documents/{second}\"" in body and f"/documents/{first}\"" not in body
    body = page_text(client.get("/search?q=doan+ket&year=2023"))
    assert f"/documents/{first}\"" in body and f"/documents/{second}\"" not in body
    body = page_text(client.get("/search?q=doan+ket&from=2024-01-01&to=2024-12-31&sort=date"))
    assert f"/documents/{second}\"" in body and f"/documents/{first}\"" not in body
    assert client.get("/search?q=doan&page=abc&year=xx&from=nonsense").status_code == 200


def test_search_paginates(client, staff, web_document):
    for n in range(12):
        web_document(TEXT.replace("1987", str(3000 + n)), letter(number_symbol=f"{3000 + n}/MTTQ-BTT"))
    sign_in(client, staff)
    body = page_text(client.get("/search?q=doan+ket"))
    assert "Trang 1 / 2" in body and 'rel="next"' in body
    body = page_text(client.get("/search?q=doan+ket&page=2"))
    assert "Trang 2 / 2" in body and body.count('class="hit"') == 2


def test_search_snippet_and_fields_escape_html(client, staff, web_document):
    text = TEXT + f"\nđoàn kết {XSS} <img src=x onerror=alert(2)>"
    web_document(text, letter(subject=f"đoàn kết {XSS}", issuer=XSS))
    sign_in(client, staff)
    body = page_text(client.get("/search?q=doan+ket"))
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- documents ----------------------------------------------------------------------------------

def test_document_page_shows_fields_text_tasks_and_citations(client, staff, web_document):
    cited = web_document("Quy định 213", letter(number_symbol="213-QĐ/TW", doc_type="Quy định", references=[],
                                               tasks=[], subject="trách nhiệm của đảng viên"))
    doc_id = web_document(TEXT, letter(), raw_text="Kinh gui: Ban Thuong truc",
                          changes=[{"line": 4, "start": 0, "end": 4, "before": "Kinh", "after": "Kính",
                                    "confidence": 0.42},
                                   {"line": 4, "start": 5, "end": 8, "before": "gui", "after": "gửi",
                                    "confidence": 0.99}])
    sign_in(client, staff)
    body = page_text(client.get(f"/documents/{doc_id}"))
    assert "Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh Đồng Tháp" in body
    assert "20/04/2023" in body and "Ban Tuyên giáo Tỉnh ủy" in body and "(để biết)" in body
    assert "PHÓ CHỦ TỊCH — Nguyễn Văn A" in body
    assert '<mark class="doubt" title="OCR: Kinh → Kính (độ tin cậy 42%)">Kính</mark>' in body
    assert ">gửi</mark>" not in body  # confident changes are not highlighted
    assert "Kinh gui: Ban Thuong truc" in body  # the raw OCR behind the toggle
    assert "Rà soát, đánh giá" in body and "lặp lại: hằng tháng" in body
    assert f'href="/documents/{cited}"' in body  # the cited letter is linked
    assert "Sửa" not in body.split("</header>")[1].split("Tải JSON")[0]  # staff get no edit button
    cited_body = page_text(client.get(f"/documents/{cited}"))
    assert f'href="/documents/{doc_id}"' in cited_body  # and it knows who cites it


def test_document_page_escapes_untrusted_ocr_text(client, staff, web_document):
    doc_id = web_document(f"Nội dung {XSS}\n<b>đậm</b>", letter(subject=XSS, issuer=f"<i>{XSS}</i>"),
                          raw_text=f"raw {XSS}", filename=f"{XSS}.txt",
                          changes=[{"line": 0, "start": 0, "end": 3, "before": XSS, "after": "Nội",
                                    "confidence": 0.1}])
    sign_in(client, staff)
    body = page_text(client.get(f"/documents/{doc_id}"))
    assert "<script>" not in body and "<b>đậm" not in body and "<i>" not in body
    assert body.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4


def test_page_images_are_served_by_id_only(app, client, staff, web_document):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    doc_id = web_document(TEXT, letter(), png=png)
    sign_in(client, staff)
    response = client.get(f"/documents/{doc_id}/pages/1.png")
    assert response.status_code == 200 and response.data == png and response.mimetype == "image/png"
    assert client.get(f"/documents/{doc_id}/pages/2.png").status_code == 404
    body = page_text(client.get(f"/documents/{doc_id}"))
    assert f'src="/documents/{doc_id}/pages/1.png"' in body
    # a stored path that leaves the data folder is never followed
    with services.database(settings_of(app)).session() as session:
        session.get(Document, doc_id).pages[0].image_path = "../../../../etc/passwd"
    assert client.get(f"/documents/{doc_id}/pages/1.png").status_code == 404


@pytest.mark.parametrize("mime, served", [
    ("text/plain", "text/plain"), ("application/pdf", "application/pdf"), ("image/png", "image/png"),
    ("text/html", "application/octet-stream"), ("image/svg+xml", "application/octet-stream"),
    ("application/x-msdownload", "application/octet-stream"), ("", "application/octet-stream"),
])
def test_original_download_is_an_attachment_with_a_safe_type(client, staff, web_document, mime, served):
    doc_id = web_document(TEXT, letter(), mime=mime, filename='../Quyết định "số 1".txt')
    sign_in(client, staff)
    response = client.get(f"/documents/{doc_id}/original")
    assert response.status_code == 200
    assert response.mimetype == served
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Quyet dinh _so 1_.txt"; ')
    assert "filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20%22s%E1%BB%91%201%22.txt" in disposition
    assert response.data == TEXT.encode()


def test_searchable_pdf_and_json_downloads(client, staff, web_document):
    plain = web_document(TEXT, letter())
    scanned = web_document(TEXT + " ", letter(number_symbol="5/UBND"), searchable_pdf=b"%PDF-1.4 test",
                           filename="quét.png", mime="image/png")
    sign_in(client, staff)
    assert client.get(f"/documents/{plain}/searchable.pdf").status_code == 404
    response = client.get(f"/documents/{scanned}/searchable.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == b"%PDF-1.4 test" and "attachment" in response.headers["Content-Disposition"]
    response = client.get(f"/documents/{plain}.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["number_symbol"] == "1987/MTTQ-BTT" and data["text"] == TEXT and data["tasks"]


def test_document_list(client, staff, web_document):
    doc_id = web_document(TEXT, letter())
    sign_in(client, staff)
    body = page_text(client.get("/documents"))
    assert f"/documents/{doc_id}\"" in body and "1987/MTTQ-BTT" in body


# --- corrections --------------------------------------------------------------------------------

def test_archivist_corrects_fields_history_and_index(app, client, archivist, web_document):
    doc_id = web_document(TEXT, letter())
    sign_in(client, archivist)
    form = page_text(client.get(f"/documents/{doc_id}/edit"))
    assert 'name="number_symbol" value="1987/MTTQ-BTT"' in form
    response = client.post(f"/documents/{doc_id}/edit", data={
        "doc_type": "Công văn", "number_symbol": "1988 / MTTQ-BTT", "issuer": "Ban Thường trực",
        "place": "Đồng Tháp", "date": "2023-04-21", "subject": "lễ ra quân tổng vệ sinh"})
    assert response.status_code == 302
    with services.database(settings_of(app)).session() as session:
        doc = session.get(Document, doc_id)
        assert (doc.number_symbol, doc.issuer, doc.date) == ("1988/MTTQ-BTT", "Ban Thường trực", date(2023, 4, 21))
        edits = {e.field: (e.before, e.after, e.user.name) for e in doc.edits}
    assert edits["number_symbol"] == ("1987/MTTQ-BTT", "1988/MTTQ-BTT", "vanthu")
    assert edits["date"] == ("2023-04-20", "2023-04-21", "vanthu")
    assert "place" not in edits and "doc_type" not in edits  # unchanged fields leave no edit
    body = page_text(client.get(f"/documents/{doc_id}"))
    assert "Lịch sử hiệu đính" in body and "1988/MTTQ-BTT" in body
    hits = services.search_index(settings_of(app)).search("le ra quan tong ve sinh").hits
    assert [h.id for h in hits] == [doc_id]


def test_bad_correction_is_refused_and_nothing_changes(app, client, archivist, web_document):
    doc_id = web_document(TEXT, letter())
    sign_in(client, archivist)
    response = client.post(f"/documents/{doc_id}/edit", data={"date": "20/04/2023", "subject": "khác"})
    assert response.status_code == 400
    assert "Ngày ban hành không hợp lệ" in page_text(response)
    assert 'value="20/04/2023"' in page_text(response) and ">\nkhác</textarea>" in page_text(response)
    assert count(app, Edit) == 0


def test_text_correction_reparses_and_keeps_manual_fields(app, client, archivist, web_document):
    doc_id = web_document(TEXT, letter())
    sign_in(client, archivist)
    client.post(f"/documents/{doc_id}/edit", data={"issuer": "Ban Thường trực (sửa tay)"})
    new_text = TEXT.replace("Rà soát, đánh giá", "Tổng kết, khen thưởng")
    response = client.post(f"/documents/{doc_id}/edit", data={"text": new_text})
    assert response.status_code == 302
    with services.database(settings_of(app)).session() as session:
        doc = session.get(Document, doc_id)
        assert doc.text == new_text
        assert doc.issuer == "Ban Thường trực (sửa tay)"  # the re-parse does not undo a person's correction
        assert [e.field for e in doc.edits] == ["issuer", "text"]
    hits = services.search_index(settings_of(app)).search("tong ket khen thuong").hits
    assert [h.id for h in hits] == [doc_id]


# --- tasks --------------------------------------------------------------------------------------

def _task_letter(today: date) -> dict:
    monday = today - timedelta(days=today.weekday())
    return letter(tasks=[
        {"ref": "1", "action": "Việc chưa có hạn", "assignees": ["Phòng A"], "collaborators": [],
         "deadline": None, "deadline_text": None, "recurrence": None, "due_time": None},
        {"ref": "2", "action": "=HYPERLINK(\"http://x\") " + XSS, "assignees": ["@Phòng B"],
         "collaborators": ["+Phòng C"], "deadline": (today + timedelta(days=40)).isoformat(),
         "deadline_text": "trước ngày …", "recurrence": None, "due_time": "14:30"},
        {"ref": "3", "action": "Việc quá hạn", "assignees": ["Phòng A"], "collaborators": [],
         "deadline": (monday - timedelta(days=3)).isoformat(), "deadline_text": None, "recurrence": None,
         "due_time": None},
        {"ref": "4", "action": "Báo cáo hằng tháng; kết quả, tồn tại", "assignees": ["Phòng D"],
         "collaborators": [], "deadline": (monday + timedelta(days=6)).isoformat(), "deadline_text": None,
         "recurrence": "FREQ=MONTHLY", "due_time": None},
    ])


def test_task_page_orders_overdue_then_this_week(client, staff, web_document):
    today = date.today()
    web_document(TEXT, _task_letter(today))
    sign_in(client, staff)
    body = page_text(client.get("/tasks"))
    order = [body.index(name) for name in ("Việc quá hạn", "Báo cáo hằng tháng", "HYPERLINK", "Việc chưa có hạn")]
    assert order == sorted(order)
    assert 'class="task urgency-0 overdue"' in body and "quá hạn" in body
    assert "hằng tháng" in body  # RRULE shown in Vietnamese
    assert "<script>" not in body


def test_task_filters(client, staff, web_document):
    today = date.today()
    web_document(TEXT, _task_letter(today))
    sign_in(client, staff)
    for assignee in ("ph%C3%B2ng+d", "phong+d", "PHONG D"):
        body = page_text(client.get(f"/tasks?assignee={assignee}"))
        assert "Báo cáo hằng tháng" in body and "Việc quá hạn" not in body
    body = page_text(client.get("/tasks?issuer=dong+thap&status=open"))
    assert "Báo cáo hằng tháng" in body and "Việc quá hạn" in body
    body = page_text(client.get("/tasks?issuer=kh%C3%B4ng+c%C3%B3"))
    assert "Không có nhiệm vụ nào" in body
    month = (today + timedelta(days=40)).strftime("%Y-%m")
    body = page_text(client.get(f"/tasks?month={month}"))
    assert "HYPERLINK" in body and "Việc chưa có hạn" not in body
    body = page_text(client.get("/tasks?status=done"))
    assert "Không có nhiệm vụ nào" in body
    body = page_text(client.get("/tasks?q=bao+cao+hang+thang"))
    assert "Báo cáo hằng tháng" in body and "Việc quá hạn" not in body and "HYPERLINK" not in body
    assert client.get("/tasks?month=2023-13&status=zzz").status_code == 200


def test_staff_changes_task_status(app, client, staff, web_document):
    doc_id = web_document(TEXT, letter())
    with services.database(settings_of(app)).session() as session:
        task_id = session.scalar(select(Task.id))
    sign_in(client, staff)
    response = client.post(f"/tasks/{task_id}/status", data={"status": "done", "next": f"/documents/{doc_id}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/documents/{doc_id}"
    with services.database(settings_of(app)).session() as session:
        assert session.get(Task, task_id).status == "done"
        edit = session.scalar(select(Edit))
        assert (edit.field, edit.before, edit.after) == (f"task:{task_id}:status", "todo", "done")
    assert client.post(f"/tasks/{task_id}/status", data={"status": "xong"}).status_code == 400
    assert client.post("/tasks/9999/status", data={"status": "done"}).status_code == 404
    response = client.post(f"/tasks/{task_id}/status", data={"status": "doing", "next": "//evil.example"})
    assert response.headers["Location"] == "/tasks"
    results = services.search_index(settings_of(app)).search("", filters={"has_open_tasks": True})
    assert [h.id for h in results.hits] == [doc_id]  # the index follows the status


def test_task_csv_is_bom_utf8_and_formula_safe(client, staff, web_document):
    web_document(TEXT, _task_letter(date.today()))
    sign_in(client, staff)
    response = client.get("/tasks.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.data
    assert raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Mã", "Nhiệm vụ"]
    bad = next(r for r in rows if "HYPERLINK" in r[1])
    assert bad[1].startswith("'=HYPERLINK") and bad[2] == "'@Phòng B" and bad[3] == "'+Phòng C"
    assert XSS in bad[1]  # plain text in a CSV: kept, never interpreted
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_task_ics_has_rrule_dtstart_and_escapes(client, staff, web_document):
    today = date.today()
    web_document(TEXT, _task_letter(today))
    sign_in(client, staff)
    response = client.get("/tasks.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    events = unfolded.split("BEGIN:VEVENT")[1:]
    assert len(events) == 4  # the undated task falls back to the letter's date
    monthly = next(e for e in events if "Báo cáo hằng tháng" in e)
    assert "RRULE:FREQ=MONTHLY" in monthly
    monday = today - timedelta(days=today.weekday())
    assert f"DTSTART;VALUE=DATE:{monday + timedelta(days=6):%Y%m%d}" in monthly
    assert "SUMMARY:Báo cáo hằng tháng\\; kết quả\\, tồn tại" in monthly
    timed = next(e for e in events if "HYPERLINK" in e)
    assert f"DTSTART:{today + timedelta(days=40):%Y%m%d}T143000" in timed
    undated = next(e for e in events if "Việc chưa có hạn" in e)
    assert "DTSTART;VALUE=DATE:20230420" in undated
    # untrusted text cannot start a property of its own
    assert not re.search(r"\r\n(?!BEGIN|END|UID|DTSTAMP|DTSTART|DTEND|RRULE|SUMMARY|DESCRIPTION|STATUS|"
                         r"CATEGORIES|URL|VERSION|PRODID|CALSCALE|METHOD|X-WR-CALNAME| |$)", text)


# --- upload and jobs ----------------------------------------------------------------------------

def _sample_bytes() -> bytes:
    from pathlib import Path

    return (Path(__file__).resolve().parent.parent / "corpus" / "samples" / "000_83c28748ed9167d2.txt").read_bytes()


def test_upload_many_files_and_follow_the_jobs(app, client, archivist):
    from archive.jobs import run_pending

    sign_in(client, archivist)
    assert "multiple" in page_text(client.get("/upload"))
    response = client.post("/upload", data={"files": [
        (io.BytesIO(_sample_bytes()), "Công văn 1987.txt"),
        (io.BytesIO(b""), "rong.pdf"),
        (io.BytesIO(TEXT.encode()), "thu-hai.txt"),
    ]}, content_type="multipart/form-data")
    body = page_text(response)
    assert response.status_code == 200
    assert "Đã nhận (2)" in body and "Không nhận (1)" in body and "rong.pdf" in body and "rỗng" in body
    assert "chờ xử lý" in body
    jobs = client.get("/jobs")
    assert jobs.status_code == 200 and 'http-equiv="refresh"' in page_text(jobs)
    with services.database(settings_of(app)).session() as session:
        job_ids = sorted(session.scalars(select(Job.id)))
    assert client.get(f"/jobs/{job_ids[0]}.json").get_json()["status"] == "queued"
    assert run_pending(settings_of(app)) == 2
    info = client.get(f"/jobs/{job_ids[0]}.json").get_json()
    assert info["status"] == "done", info
    assert info["stage"] == "done" and info["progress"] == 100 and info["document_id"]
    page = page_text(client.get(f"/jobs/{job_ids[0]}"))
    assert "xong" in page and 'http-equiv="refresh"' not in page and f"/documents/{info['document_id']}" in page
    doc = page_text(client.get(f"/documents/{info['document_id']}"))
    assert "1987/MTTQ-BTT" in doc
    assert client.get("/jobs/999").status_code == 404


BAD_FILES = [
    ("empty.pdf", b""),
    ("random.pdf", bytes(range(256)) * 8),
    ("random.png", b"\x13\x37" * 999),
    ("archive.zip", b"PK\x03\x04" + b"\x00" * 200),
    ("truncated.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
]


@pytest.mark.parametrize("filename, data", BAD_FILES, ids=[f for f, _ in BAD_FILES])
def test_bad_uploads_get_a_vietnamese_4xx_and_change_nothing(app, client, archivist, filename, data):
    sign_in(client, archivist)
    before = (count(app, Job), count(app, Document), sorted(p.name for p in settings_of(app).files_dir.rglob("*")))
    response = client.post("/upload", data={"files": [(io.BytesIO(data), filename)]},
                           content_type="multipart/form-data")
    assert 400 <= response.status_code < 500
    body = page_text(response)
    assert "Không nhận (1)" in body and filename in body
    reason = re.search(r'<span class="error">([^<]+)</span>', body)[1]
    assert re.search(r"[àáảãạăâđèéêìíòóôơùúưỳýệếềểễộốồổỗợớờởỡụủứừửữựạ]", reason.lower()), reason  # Vietnamese
    after = (count(app, Job), count(app, Document), sorted(p.name for p in settings_of(app).files_dir.rglob("*")))
    assert after == before
    assert client.get("/search").status_code == 200  # the server is fine


def test_upload_with_a_hostile_filename_stores_by_hash_only(app, client, archivist):
    from archive.jobs import run_pending

    sign_in(client, archivist)
    name = "../../Quyết định ../..\\x.txt"
    response = client.post("/upload", data={"files": [(io.BytesIO(TEXT.encode()), name)]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    run_pending(settings_of(app))
    data_dir = settings_of(app).data_path
    stored = [p for p in settings_of(app).files_dir.rglob("*") if p.is_file()]
    assert len(stored) == 1 and re.fullmatch(r"[0-9a-f]{64}", stored[0].name)
    assert not (data_dir.parent / "x.txt").exists() and not list(data_dir.parent.glob("Quy*"))
    with services.database(settings_of(app)).session() as session:
        job = session.scalar(select(Job))
        assert "/" not in job.filename and "\\" not in job.filename


def test_upload_without_files_and_staff_upload(client, archivist, staff, app):
    sign_in(client, archivist)
    response = client.post("/upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Chưa chọn tệp" in page_text(response)
    other = app.test_client()
    sign_in(other, staff)
    assert other.get("/upload").status_code == 403
    assert "Tải lên" not in page_text(other.get("/search")).split("</nav>")[0]


def test_account_page_makes_a_personal_api_token(app, client, staff):
    sign_in(client, staff)
    assert "Tạo mã mới" in page_text(client.get("/account"))
    body = page_text(client.post("/account"))
    token = re.search(r'<code class="token">([^<]+)</code>', body)[1]
    response = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    with services.database(settings_of(app)).session() as session:
        hashes = list(session.scalars(select(ApiToken.token_hash)))
    assert token not in hashes and len(hashes) == 2  # the fixture's token and this one, hashed


def test_cli_adds_users_and_tokens(app, runner, client):
    result = runner.invoke(args=["add-user", "lanhdao", "--role", "admin", "--password", "mat-khau-dai"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["add-user", "lanhdao", "--password", "mat-khau-dai"]).exit_code == 1
    token = runner.invoke(args=["create-token", "lanhdao"]).output.strip()
    response = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert runner.invoke(args=["create-token", "khong-co"]).exit_code == 1


def test_too_large_uploads_are_refused(tmp_path):
    from archive.accounts import create_user
    from web import create_app

    app = create_app({"TESTING": True, "CONGVAN_DATA": str(tmp_path / "small"), "START_WORKERS": False,
                      "WTF_CSRF_ENABLED": False, "CONGVAN_SECRET_KEY": "x", "CONGVAN_MAX_UPLOAD_BYTES": 1000})
    create_user(settings_of(app), "vanthu", "archivist", "mat-khau-123")
    client = app.test_client()
    client.post("/login", data={"name": "vanthu", "password": "mat-khau-123"})
    response = client.post("/upload", data={"files": [(io.BytesIO(b"a" * 5000), "lon.txt")]},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "quá lớn" in page_text(response)
    response = client.post("/upload", data={"files": [(io.BytesIO(b"a" * 3_000_000), "rat-lon.txt")]},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "quá lớn" in page_text(response)
    assert count(app, Job) == 0
    services.forget_index(settings_of(app))


def test_marked_lines_skips_stale_and_overlapping_changes():
    from web.documents import marked_lines

    text = "Kính gửi các đơn vị\ndòng hai"
    changes = [
        {"line": 0, "start": 0, "end": 4, "before": "Kinh", "after": "Kính", "confidence": 0.3},
        {"line": 0, "start": 2, "end": 8, "before": "x", "after": "nh gửi", "confidence": 0.3},  # overlaps
        {"line": 0, "start": 9, "end": 12, "before": "cac", "after": "khác", "confidence": 0.3},  # stale
        {"line": 1, "start": 0, "end": 3, "before": "dong", "after": "dòn", "confidence": 0.1},
        {"line": 7, "start": 0, "end": 3, "before": "", "after": "", "confidence": 0.1},  # no such line
        {"line": "x"},
    ]
    lines = marked_lines(text, changes)
    assert lines[0][0] == ("Kính", changes[0]) and "".join(s for s, _ in lines[0]) == "Kính gửi các đơn vị"
    assert [c for _, c in lines[0] if c] == [changes[0]]
    assert lines[1][0] == ("dòn", changes[3]) and "".join(s for s, _ in lines[1]) == "dòng hai"
    assert marked_lines("", []) == [[("", None)]]


def test_content_disposition_fallbacks():
    from web.documents import content_disposition

    assert content_disposition("đ.pdf", "congvan-1") == \
        "attachment; filename=\"d.pdf\"; filename*=UTF-8''%C4%91.pdf"
    assert content_disposition("../../etc/passwd", "x").startswith('attachment; filename="passwd"')
    assert content_disposition("\r\nSet-Cookie: a=b", "x").startswith('attachment; filename="Set-Cookie_ a_b"')
    assert content_disposition("", "congvan-7") == "attachment; filename=\"congvan-7\"; filename*=UTF-8''congvan-7"


def test_background_reindexer_batches_status_changes(app, web_document):
    """GIVEN a letter with an open task WHEN its status changes outside a test request THEN the background
    re-indexer brings the index in line (one commit for a burst of changes)."""
    import time

    from web.extensions import Reindexer

    doc_id = web_document(TEXT, letter())
    settings = settings_of(app)
    with services.database(settings).session() as session:
        session.scalar(select(Task)).status = "done"
    reindexer = Reindexer(settings)
    for _ in range(5):
        reindexer.request(doc_id)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not services.search_index(settings).search("", filters={"has_open_tasks": True}).hits:
            break
        time.sleep(0.1)
    assert services.search_index(settings).search("", filters={"has_open_tasks": True}).hits == []
    assert [h.id for h in services.search_index(settings).search("doan ket").hits] == [doc_id]


def test_ics_lines_fold_without_splitting_characters():
    from web.exports import fold, ics_escape

    line = "SUMMARY:" + ics_escape("Rà soát, đánh giá; kết quả\n" * 6)
    folded = fold(line)
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
    assert "\n" not in line and "\\n" in line and "\\;" in line and "\\," in line


def test_a_long_letter_can_be_corrected(app, client, archivist, web_document):
    """werkzeug keeps at most 500 KB of form text by default; a long letter's correction must still fit."""
    long_text = TEXT + ("\nĐoạn văn rất dài về công tác đoàn kết của Mặt trận Tổ quốc." * 12_000)
    doc_id = web_document(TEXT, letter())
    sign_in(client, archivist)
    response = client.post(f"/documents/{doc_id}/edit", data={"text": long_text})
    assert response.status_code == 302
    with services.database(settings_of(app)).session() as session:
        assert session.get(Document, doc_id).text == long_text
