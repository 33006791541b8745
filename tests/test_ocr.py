"""ingest.ocr (the Tesseract wrapper) and ingest.layout (reading order)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pytesseract
from PIL import Image
from rapidfuzz import fuzz

from archive.errors import OcrError
from ingest import layout, ocr
from ingest.ocr import OcrPage, OcrWord

FILES = Path(__file__).parent / "data" / "files"


# ---------------------------------------------------------------- layout on hand-made word boxes


def words_line(text: str, left: int, top: int, line: int, height: int = 40, char_w: int = 20) -> list[OcrWord]:
    out, x = [], left
    for token in text.split():
        w = char_w * len(token)
        out.append(OcrWord(token, x, top, w, height, 95.0, line, 1))
        x += w + char_w
    return out


def page_of(*lines: tuple[str, int, int]) -> OcrPage:
    """Each (text, left, top) becomes one Tesseract line; two tuples with the same top are merged
    into one Tesseract line, as Tesseract does with the two header columns."""
    words, by_top = [], {}
    for text, left, top in lines:
        line = by_top.setdefault(top, len(by_top))
        words += words_line(text, left, top, line)
    return OcrPage(1, "", words, width=2480, height=3508)


def test_header_columns_come_out_left_block_then_right_block():
    """GIVEN header lines Tesseract merged across both columns WHEN ordered
    THEN the whole left column comes before the whole right column, then the body."""
    page = page_of(
        ("ỦY BAN NHÂN DÂN", 200, 100), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA", 1300, 100),
        ("SỞ TÀI CHÍNH", 260, 150), ("Độc lập - Tự do", 1400, 150),
        ("Số: 12/STC-VP", 240, 230), ("Đồng Tháp, ngày 20 tháng 4", 1300, 230),
        ("V/v báo cáo quý III", 220, 280),
        ("Kính gửi: Các sở, ban, ngành.", 700, 400),
        ("Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, Sở Tài chính đề nghị các đơn vị", 350, 480),
    )
    text = layout.page_text(page)
    assert text.splitlines() == [
        "ỦY BAN NHÂN DÂN",
        "SỞ TÀI CHÍNH",
        "Số: 12/STC-VP",
        "V/v báo cáo quý III",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA",
        "Độc lập - Tự do",
        "Đồng Tháp, ngày 20 tháng 4",
        "Kính gửi: Các sở, ban, ngành.",
        "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, Sở Tài chính đề nghị các đơn vị",
    ]


def test_noi_nhan_and_signer_are_separate_blocks():
    page = page_of(
        ("Nơi nhận:", 300, 2000), ("KT. GIÁM ĐỐC", 1500, 2000),
        ("- Như trên;", 300, 2050), ("PHÓ GIÁM ĐỐC", 1500, 2050),
        ("- Lưu: VT.", 300, 2100),
        ("Nguyễn Văn Hùng", 1480, 2400),
    )
    assert layout.page_text(page).splitlines() == [
        "Nơi nhận:", "- Như trên;", "- Lưu: VT.", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn Hùng",
    ]


def test_body_lines_are_reflowed_but_items_keep_their_lines():
    """GIVEN justified body lines, an indented paragraph start and numbered items
    WHEN ordered THEN wrapped lines are joined; a new paragraph or item starts a new line."""
    full = "x" * 90  # fills the line to the right margin
    page = page_of(
        ("Căn cứ Công văn số 12/UBND " + full, 500, 100),
        ("các đơn vị thực hiện như sau:", 350, 150),
        ("1. Rà soát số liệu " + full, 500, 200),
        ("gửi về Sở trước ngày 25.", 350, 250),
        ("2. Báo cáo kết quả.", 500, 300),
        ("Đề nghị các đơn vị " + full, 500, 350),
        ("thực hiện./.", 350, 400),
    )
    lines = layout.page_text(page).splitlines()
    assert lines == [
        "Căn cứ Công văn số 12/UBND " + full + " các đơn vị thực hiện như sau:",
        "1. Rà soát số liệu " + full + " gửi về Sở trước ngày 25.",
        "2. Báo cáo kết quả.",
        "Đề nghị các đơn vị " + full + " thực hiện./.",
    ]


def test_hyphenated_line_break_is_joined_without_space():
    full = "y" * 95
    page = page_of((full + " UBND-", 350, 100), ("VP ngày 12 tháng 5.", 350, 150))
    assert layout.page_text(page) == full + " UBND-VP ngày 12 tháng 5."


def test_noise_words_are_dropped():
    page = page_of(("Kính gửi: Sở Tài chính.", 700, 100))
    page.words.append(OcrWord("„Š", 1500, 300, 30, 4, 3.0, 9, 2))
    page.words.append(OcrWord("____", 400, 500, 300, 6, 20.0, 10, 3))
    assert layout.page_text(page) == "Kính gửi: Sở Tài chính."


def test_empty_page_gives_empty_text():
    assert layout.page_text(OcrPage(1, "", [], 100, 100)) == ""


# ---------------------------------------------------------------- the engine


def test_tesseract_version_is_known():
    assert ocr.tesseract_version().split(".")[0] in {"4", "5"}


def test_missing_tesseract_is_an_ocr_error(monkeypatch):
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(OcrError, match="Tesseract"):
        ocr.ocr_page(Image.new("L", (50, 50), 255))


def test_crashing_tesseract_is_an_ocr_error(monkeypatch, tmp_path):
    fake = tmp_path / "tesseract"
    fake.write_text("#!/bin/sh\necho 'Segmentation fault' >&2\nexit 139\n")
    fake.chmod(0o755)
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(fake))
    with pytest.raises(OcrError, match="Segmentation fault"):
        ocr.ocr_page(Image.new("L", (50, 50), 255), engine=ocr.Engine("vie", None))


def test_timeout_is_an_ocr_error(monkeypatch, tmp_path):
    fake = tmp_path / "tesseract"
    fake.write_text("#!/bin/sh\nsleep 5\n")
    fake.chmod(0o755)
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(fake))
    with pytest.raises(OcrError, match="quá thời gian"):
        ocr.ocr_page(Image.new("L", (50, 50), 255), timeout=0.5, engine=ocr.Engine("vie", None))


def test_fallback_to_debian_data_when_fetched_data_is_absent(monkeypatch, tmp_path):
    monkeypatch.setenv("CONGVAN_TESSDATA", str(tmp_path / "nothing-here"))
    engine = ocr.default_engine()
    assert engine.tessdata_dir is None and engine.lang in {"Vietnamese", "script/Vietnamese", "vie"}


def test_blank_page_gives_no_words():
    page = ocr.ocr_page(np.full((300, 400), 255, np.uint8))
    assert page.words == [] and page.text == ""


@pytest.mark.slow
def test_header_fixture_is_read_in_reading_order():
    """GIVEN a 200-dpi scan of a letter's header WHEN prepared, OCR'd and ordered
    THEN each header line is read, left column before right column."""
    from ingest import preprocess

    image = Image.open(FILES / "letter_header_200dpi.png")
    prepared = preprocess.prepare_page(image)
    page = ocr.ocr_page(prepared.image)
    text = layout.page_text(page)
    truth = (FILES / "letter_header_200dpi.truth.txt").read_text(encoding="utf-8").splitlines()
    hits = [fuzz.partial_ratio_alignment(line, text) for line in truth]
    assert all(h.score >= 80 for h in hits), text
    positions = [h.dest_start for h in hits]
    left = len([t for t in truth if not t.startswith(("CỘNG", "Độc", "Lâm Đồng"))])
    assert max(positions[:left]) < min(positions[left:])
    assert all(0 <= w.conf <= 100 for w in page.words)


@pytest.mark.slow
def test_pages_run_in_parallel_and_keep_their_order():
    blank = np.full((200, 300), 255, np.uint8)
    header = Image.open(FILES / "letter_header_200dpi.png").convert("L")
    pages = ocr.ocr_pages([header, blank, header], jobs=2)
    assert [p.number for p in pages] == [1, 2, 3]
    assert pages[1].words == [] and "CỘNG" in pages[2].text


@pytest.mark.slow
def test_prepared_pages_with_pdf_feed_the_searchable_pdf_without_a_second_ocr(monkeypatch):
    """GIVEN prepared pages OCR'd with pdf=True WHEN the searchable PDF is built
    THEN the PDF pages made in the OCR run are used and Tesseract is not run again."""
    from ingest import pdf, preprocess

    prepared = preprocess.prepare_page(Image.open(FILES / "letter_header_200dpi.png"))
    pages = ocr.ocr_pages([prepared], pdf=True)
    assert pages[0].pdf.startswith(b"%PDF") and "CỘNG HÒA" in pages[0].text

    def no_second_run(*args, **kwargs):
        raise AssertionError("OCR ran twice")

    monkeypatch.setattr(pdf, "searchable_pdf_page", no_second_run)
    assert pdf.searchable_pdf([prepared.image], pages).startswith(b"%PDF")
