"""ingest.pdf: text layers, page rendering, searchable PDF output."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
from PIL import Image

from ingest import ocr, pdf
from ingest.intake import Limits, read_source

FILES = Path(__file__).parent / "data" / "files"


def test_text_layer_is_read_in_content_order():
    """GIVEN a searchable PDF made by Tesseract WHEN its text layer is read
    THEN the Vietnamese text comes back, not interleaved letters."""
    texts = pdf.text_layers((FILES / "letter_header_textlayer.pdf").read_bytes(), 1)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts[0]
    assert "Kính gửi" in texts[0]


def test_scanned_pdf_has_no_text_layer_and_renders_at_300_dpi():
    src = read_source((FILES / "letter_header_scanned.pdf").read_bytes())
    page = src.pages[0]
    assert page.text is None
    assert page.image.shape[1] == pytest.approx(2480, abs=4)
    page.drop_image()
    assert page._image is None


def test_oversized_pdf_page_is_rendered_within_the_pixel_limit():
    src = read_source((FILES / "letter_header_scanned.pdf").read_bytes(), Limits(max_pixels=1_000_000))
    h, w = src.pages[0].image.shape[:2]
    assert h * w <= 1_000_000


def test_scan_with_a_small_text_overlay_is_still_ocrd():
    """GIVEN a scanned page whose only text is a signature box WHEN read THEN the page is OCR'd."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    writer = PdfWriter(clone_from=FILES / "letter_header_scanned.pdf")
    page = writer.pages[0]
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })
    page[NameObject("/Resources")][NameObject("/Font")] = DictionaryObject({NameObject("/F9"): writer._add_object(font)})
    contents = page.get_contents()
    contents.set_data(contents.get_data() + b"\nBT /F9 8 Tf 20 20 Td (Ky boi: So Tai chinh, 20/4/2023 10:15) Tj ET")
    page.replace_contents(contents)
    buf = io.BytesIO()
    writer.write(buf)
    with pdfplumber.open(io.BytesIO(buf.getvalue())) as doc:
        assert "Ky boi" in doc.pages[0].extract_text()
    assert read_source(buf.getvalue()).pages[0].text is None


def test_render_page_png_gives_png_bytes():
    png = pdf.render_page_png(np.full((20, 30), 200, np.uint8))
    assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size == (30, 20)


def test_image_pdf_is_a_scan_without_text():
    data = pdf.image_pdf([np.full((100, 80), 255, np.uint8)] * 2)
    src = read_source(data)
    assert len(src.pages) == 2 and all(p.text is None for p in src.pages)


@pytest.mark.slow
def test_searchable_pdf_has_page_images_and_a_text_layer():
    """GIVEN two page images and their OCR WHEN a searchable PDF is made
    THEN it has two pages and pdfplumber finds the words on them."""
    image = Image.open(FILES / "letter_header_200dpi.png").convert("L")
    pages = [ocr.ocr_page(image, pdf=True), ocr.ocr_page(image)]  # second page: PDF made afresh
    data = pdf.searchable_pdf([image, image], pages)
    with pdfplumber.open(io.BytesIO(data)) as doc:
        assert len(doc.pages) == 2
        assert all("CỘNG" in (p.extract_text() or "") for p in doc.pages)
        assert doc.pages[0].images
