"""End to end in Debian's chromium through Playwright: the real app on a local port, workers on.

Sign in, upload a legacy OCR letter (and a generated scan when ``ingest.synth`` can make one), watch the
jobs finish, search without accents, open the letter, mark a task done, download the .ics.
"""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "samples" / "000_83c28748ed9167d2.txt"
PASSWORD = "mat-khau-trinh-duyet"
JOB_TIMEOUT_MS = 240_000  # OCR of a scan on two shared cores


@pytest.fixture
def live_server(tmp_path):
    """``congvan serve`` in a thread: werkzeug on 127.0.0.1, a free port, the in-process worker pool on."""
    from werkzeug.serving import make_server

    from archive import services
    from archive.accounts import create_user
    from web import create_app

    app = create_app({"CONGVAN_DATA": str(tmp_path / "data"), "CONGVAN_SECRET_KEY": "browser-test",
                      "CONGVAN_WORKERS": 1})
    settings = app.extensions["congvan_settings"]
    create_user(settings, "vanthu", "archivist", PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    app.extensions["congvan_workers"].stop()
    services.forget_index(settings)


@pytest.fixture
def browser_page():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(accept_downloads=True, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()
        browser.close()


def _upload_files(tmp_path: Path) -> list[Path]:
    files = [tmp_path / "Công văn 1987.txt"]
    shutil.copy(SAMPLE, files[0])
    try:
        from ingest.synth import write_sample_scan
    except ImportError:
        return files
    scan = tmp_path / "ban-quet.png"
    write_sample_scan(scan, seed=3, level="light")
    return files + [scan]


def test_sign_in_upload_search_open_mark_done_download_ics(live_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    # anonymous: only the sign-in page
    page.goto(live_server + "/search")
    expect(page).to_have_url(live_server + "/login?next=%2Fsearch")
    page.fill("input[name=name]", "vanthu")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(live_server + "/search")

    # upload: several files in one form
    files = _upload_files(tmp_path)
    page.goto(live_server + "/upload")
    page.set_input_files("#files", [str(f) for f in files])
    expect(page.locator("#chosen li")).to_have_count(len(files))  # the script lists the chosen files
    page.click("form#upload-form button[type=submit]")
    expect(page.locator("h2", has_text=f"Đã nhận ({len(files)})")).to_be_visible()

    # follow the jobs: the script polls and fills in the bars until every job is done
    page.click("text=Theo dõi tiến trình các tệp này")
    jobs = page.locator(".job")
    expect(jobs).to_have_count(len(files))
    for n in range(len(files)):
        expect(jobs.nth(n)).to_have_attribute("data-finished", "yes", timeout=JOB_TIMEOUT_MS)
        expect(jobs.nth(n).locator(".job-status")).to_have_text("xong")
        expect(jobs.nth(n).locator(".job-bar")).to_have_attribute("value", "100")

    # search without accents
    page.goto(live_server + "/search")
    page.fill("#q", "doan ket")
    page.press("#q", "Enter")
    hit = page.locator(".hit-title", has_text="1987/MTTQ-BTT")
    expect(hit).to_be_visible()
    expect(page.locator(".snippet mark").first).to_be_visible()

    # open it: text, fields, tasks
    hit.click()
    expect(page.locator("h1")).to_contain_text("1987/MTTQ-BTT")
    expect(page.locator(".letter-text")).to_contain_text("đoàn kết")
    forms = page.locator(".tasks .status-form")
    assert forms.count() > 0, "the parser found no task in the sample letter"

    # mark the first task done
    forms.first.locator("select").select_option("done")
    forms.first.locator("button").click()
    expect(page.locator(".flash")).to_contain_text("hoàn thành")
    expect(page.locator(".tasks .status-form select").first).to_have_value("done")

    # download the calendar
    page.goto(live_server + "/tasks")
    with page.expect_download() as info:
        page.click("text=Xuất lịch (.ics)")
    download = info.value
    assert download.suggested_filename == "nhiem-vu.ics"
    ics = Path(download.path()).read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in ics and "Trạng thái: hoàn thành" in ics.replace(
        "\r\n ", "")

    assert not problems, problems  # no script errors, no Content-Security-Policy violations
