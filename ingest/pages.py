"""Pages of a ``Source`` to text: text layers as they are, images through preprocess → OCR → reading order.

A stage of ``ingest.pipeline``: it returns plain ``PageText`` values and the searchable PDF bytes.
"""
from __future__ import annotations

import dataclasses
import os

from archive.settings import Settings

from .intake import Source


def read_pages(source: Source, settings: Settings, *, searchable: bool = True):
    """Returns (pages, searchable_pdf_bytes_or_None)."""
    from ingest.pipeline import PageText

    from . import pdf
    from .ocr import ocr_pages
    from .preprocess import prepare_page

    pages: list[PageText] = []
    to_ocr: list[tuple[int, object]] = []  # (index in pages, prepared page)
    for page in source.pages:
        if page.text is not None and page.text.strip():
            pages.append(PageText(number=page.number, text=page.text, source="text-layer"))
            continue
        image = page.image
        if image is None:
            pages.append(PageText(number=page.number, text="", source="text-layer"))
            continue
        prepared = prepare_page(image, dpi=page.dpi)
        pages.append(PageText(number=page.number, text="", source="ocr"))
        to_ocr.append((len(pages) - 1, prepared))
        page.drop_image()
    if not to_ocr:
        return pages, None
    # PreparedPages carry their dpi to Tesseract; pdf=True makes the searchable page in the same run
    results = ocr_pages([prepared for _, prepared in to_ocr], jobs=os.cpu_count(),
                        timeout=settings.ocr_seconds_per_page, pdf=searchable)
    for (position, prepared), result in zip(to_ocr, results):
        page = pages[position]
        page.text = result.text  # already in reading order (ingest.layout)
        page.width, page.height = result.width, result.height
        page.words = [dataclasses.asdict(w) for w in result.words]
        page.png = pdf.render_page_png(prepared.image)
    searchable_pdf = None
    if searchable:
        searchable_pdf = pdf.searchable_pdf([p.image for _, p in to_ocr], results)
    return pages, searchable_pdf
