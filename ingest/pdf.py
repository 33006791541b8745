"""PDF in and out: text layers (pdfplumber), page rasters (pypdfium2), searchable PDFs.

``read_pdf`` checks the page count before touching any page and renders scanned pages only when
their image is asked for, so a 1,000-page PDF is refused at once and a 300-page one streams.
"""

from __future__ import annotations

import io
import logging
import math
import re
import threading

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from pypdf import PdfReader, PdfWriter

from archive.errors import BadInputError, LimitExceededError
from ingest.intake import RASTER_DPI, Limits, Source, SourcePage
from ingest.ocr import OcrPage, _as_pil, searchable_pdf_page

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 20  # fewer characters than this on a page: treat it as scanned
_CID = re.compile(r"\(cid:\d+\)")
_pdfium_lock = threading.Lock()  # pdfium is not thread-safe


def read_pdf(data: bytes, limits: Limits | None = None) -> Source:
    limits = limits or Limits()
    doc = _open(data)
    count = len(doc)
    if count == 0:
        raise BadInputError("Tệp PDF không có trang nào.")
    if count > limits.max_pages:
        raise LimitExceededError(f"Tệp PDF có {count} trang, vượt giới hạn {limits.max_pages} trang.")
    texts = text_layers(data, count)
    pages = []
    for i in range(count):
        text = texts[i]
        pages.append(SourcePage(i + 1, text, None, RASTER_DPI, render=_renderer(doc, i, limits)))
    return Source("pdf", "application/pdf", pages)


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        with _pdfium_lock:
            return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise BadInputError("Tệp PDF được mã hóa (có mật khẩu), không thể đọc.") from exc
        raise BadInputError("Tệp PDF bị hỏng hoặc không đọc được.") from exc


def text_layers(data: bytes, count: int) -> list[str | None]:
    """Each page's text layer, or None where the page has none worth keeping (a scan)."""
    out: list[str | None] = [None] * count
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for i, page in enumerate(pdf.pages[:count]):
                # content-stream order: a two-column header made as a table comes out cell by cell
                text = page.extract_text(use_text_flow=True) or ""
                text = _CID.sub("", text)
                if len(text.strip()) >= MIN_TEXT_CHARS and not _scan_with_overlay(page, text):
                    out[i] = text
    except Exception as exc:  # pdfminer raises many kinds; a page we cannot parse is OCR'd instead
        log.warning("no text layer read from PDF: %s", exc)
    return out


def _scan_with_overlay(page, text: str) -> bool:
    """A scanned page carrying only a little real text in one corner (a digital-signature box
    "Ký bởi: …", a receiving office's stamp): the page must still be OCR'd. An OCR'd PDF's
    invisible text layer, by contrast, spreads over the whole image."""
    area = float(page.width * page.height) or 1.0
    covered = sum(abs((im["x1"] - im["x0"]) * (im["bottom"] - im["top"])) for im in page.images)
    if covered / area <= 0.5 or not page.chars:
        return False
    x0 = min(c["x0"] for c in page.chars)
    x1 = max(c["x1"] for c in page.chars)
    top = min(c["top"] for c in page.chars)
    bottom = max(c["bottom"] for c in page.chars)
    return (x1 - x0) * (bottom - top) / area < 0.15


def _renderer(doc: pdfium.PdfDocument, index: int, limits: Limits):
    def render() -> np.ndarray:
        try:
            with _pdfium_lock:
                page = doc[index]
                w, h = page.get_size()
                scale = RASTER_DPI / 72
                if w * h * scale * scale > limits.max_pixels:  # an oversized page: render smaller
                    scale = math.sqrt(limits.max_pixels / (w * h)) * 0.995  # rounding up must not cross it
                bitmap = page.render(scale=scale, grayscale=False)
                pil = bitmap.to_pil().convert("RGB")
        except pdfium.PdfiumError as exc:
            raise BadInputError(f"Không vẽ được trang {index + 1} của tệp PDF (tệp bị hỏng).") from exc
        return np.ascontiguousarray(np.asarray(pil)[..., ::-1])

    return render


def page_count(data: bytes) -> int:
    return len(_open(data))


# ---------------------------------------------------------------- output


def render_page_png(image) -> bytes:
    """A page image as PNG bytes (for the UI's page view)."""
    buf = io.BytesIO()
    _as_pil(image).save(buf, "PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def searchable_pdf(images: list, ocr_pages: list[OcrPage] | None = None) -> bytes:
    """One PDF of the page images with an invisible text layer (Tesseract's PDF renderer).

    Pages whose ``OcrPage.pdf`` was made in the OCR run are reused; the others are OCR'd again.
    """
    writer = PdfWriter()
    for i, image in enumerate(images):
        ready = ocr_pages[i].pdf if ocr_pages and i < len(ocr_pages) else None
        page_pdf = ready or searchable_pdf_page(image)
        for page in PdfReader(io.BytesIO(page_pdf)).pages:
            writer.add_page(page)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def image_pdf(images: list, dpi: int = 300) -> bytes:
    """A PDF of page images without text (a 'scanned' PDF), via Pillow."""
    pils = [_as_pil(im).convert("RGB") for im in images]
    buf = io.BytesIO()
    pils[0].save(buf, "PDF", resolution=float(dpi), save_all=True, append_images=pils[1:])
    return buf.getvalue()
