"""ingest.intake: files recognised by content; every bad input refused with a Vietnamese message."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfWriter

from archive.errors import BadInputError, LimitExceededError, UnsupportedTypeError
from ingest.intake import Limits, decode_text, read_source, sniff

FILES = Path(__file__).parent / "data" / "files"


def data(name: str) -> bytes:
    return (FILES / name).read_bytes()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels but holds almost no data (a decompression-bomb header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


# ---------------------------------------------------------------- good files


def test_png_is_read_as_one_page_image():
    """GIVEN a PNG scan WHEN read THEN one page with a BGR image and the file's 200 dpi."""
    src = read_source(data("letter_header_200dpi.png"))
    assert (src.kind, src.mime, len(src.pages)) == ("png", "image/png", 1)
    page = src.pages[0]
    assert page.text is None and page.dpi == 200
    assert page.image.shape[:2] == (701, 1653)


def test_jpeg_is_read():
    src = read_source(data("letter_header_small.jpg"))
    assert src.kind == "jpeg" and src.pages[0].image.ndim == 2


def test_multipage_tiff_gives_one_page_per_frame():
    frames = [Image.new("L", (200, 100), v) for v in (255, 128, 0)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    src = read_source(buf.getvalue())
    assert src.kind == "tiff" and [p.number for p in src.pages] == [1, 2, 3]
    assert int(src.pages[2].image.mean()) == 0


def test_pdf_text_layer_is_used_and_scanned_page_is_rendered_lazily():
    """GIVEN a PDF with a text-layer page and a scanned page WHEN read
    THEN page 1 has text and no image; page 2 has no text and renders at 300 dpi on first use."""
    writer = PdfWriter()
    writer.append(io.BytesIO(data("letter_header_textlayer.pdf")))
    writer.append(io.BytesIO(data("letter_header_scanned.pdf")))
    buf = io.BytesIO()
    writer.write(buf)
    src = read_source(buf.getvalue())
    assert src.kind == "pdf" and len(src.pages) == 2
    first, second = src.pages
    assert "CỘNG HÒA" in first.text and first.image is None
    assert first.render_image() is not None  # the UI can still show it
    assert second.text is None and second._image is None
    img = second.image
    assert img.shape[1] == pytest.approx(1653 * 300 / 200, abs=4)


@pytest.mark.parametrize(
    "name, encoding",
    [("legacy_utf8.txt", "utf-8"), ("legacy_windows1258.txt", "windows-1258"), ("legacy_tcvn3.txt", "tcvn3")],
)
def test_text_files_are_decoded_to_nfc(name, encoding):
    """GIVEN the same letter in UTF-8, Windows-1258 and TCVN3 WHEN read THEN the same Unicode text."""
    src = read_source(data(name))
    assert src.kind == "text" and src.encoding == encoding
    expected = data("legacy_utf8.txt").decode("utf-8")
    assert src.text == (expected if encoding != "tcvn3" else expected.lower())
    assert src.pages[0].text == src.text


def test_utf8_bom_and_utf16_are_decoded():
    text = "Kính gửi: Sở Tài chính"
    assert decode_text(b"\xef\xbb\xbf" + text.encode()) == (text, "utf-8")
    assert decode_text(text.encode("utf-16")) == (text, "utf-16")


def test_type_comes_from_content_not_name():
    assert sniff(data("letter_header_200dpi.png")) == "png"
    assert sniff(b"   %PDF-1.7\n") == "pdf"
    assert sniff("Số: 12/UBND".encode()) == "text"


def test_a_long_one_line_text_is_accepted():
    src = read_source(("Văn bản " * 1_250_000).encode())  # 10 MB, one line
    assert len(src.text) == 10_000_000


# ---------------------------------------------------------------- bad inputs


def test_empty_file():
    with pytest.raises(BadInputError, match=r"Tệp rỗng \(0 byte\)"):
        read_source(b"")


def test_random_bytes_named_pdf_are_refused():
    rng = np.random.default_rng(1)
    with pytest.raises(UnsupportedTypeError, match="không được hỗ trợ"):
        read_source(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())


@pytest.mark.parametrize(
    "name, message",
    [
        ("letter_header_200dpi.png", "PNG bị hỏng"),
        ("letter_header_small.jpg", "JPEG bị hỏng"),
        ("letter_header_scanned.pdf", "PDF bị hỏng"),
    ],
)
def test_truncated_files_are_refused(name, message):
    whole = data(name)
    with pytest.raises(BadInputError, match=message):
        src = read_source(whole[: len(whole) // 2])
        for page in src.pages:  # a PDF may only fail when its page is drawn
            page.image


def test_encrypted_pdf_is_refused():
    writer = PdfWriter(clone_from=io.BytesIO(data("letter_header_scanned.pdf")))
    writer.encrypt("mật-khẩu")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(BadInputError, match="được mã hóa"):
        read_source(buf.getvalue())


def test_thousand_page_pdf_is_refused_without_rendering():
    writer = PdfWriter()
    for _ in range(1000):
        writer.add_blank_page(595, 842)
    buf = io.BytesIO()
    writer.write(buf)
    start = time.perf_counter()
    with pytest.raises(LimitExceededError, match="1000 trang"):
        read_source(buf.getvalue())
    assert time.perf_counter() - start < 5


def test_png_bomb_header_is_refused_before_decoding():
    """GIVEN a 30,000 × 30,000 PNG header with no real data WHEN read THEN refused by size at once."""
    with pytest.raises(LimitExceededError, match="30000 × 30000"):
        read_source(png_header_only(30000, 30000))


def test_pixel_limit_is_a_setting():
    with pytest.raises(LimitExceededError):
        read_source(data("letter_header_200dpi.png"), Limits(max_pixels=1_000_000))


def test_byte_limit_is_a_setting():
    with pytest.raises(LimitExceededError, match="Tệp quá lớn"):
        read_source(b"x" * 2000, Limits(max_bytes=1000))


def test_zip_is_refused_by_name():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("congvan.pdf", b"%PDF-1.4")
    with pytest.raises(UnsupportedTypeError, match=r"\(zip\)"):
        read_source(buf.getvalue())


def test_undetectable_legacy_encoding_gets_a_clear_error():
    with pytest.raises(BadInputError, match="bảng mã"):
        read_source("Ça coûte très cher, où est l'été".encode("latin-1"))


def test_jpeg_with_data_after_its_end_marker_is_accepted():
    """Phones append data (motion photos, trailers) after the JPEG end marker; the image is whole."""
    src = read_source(data("letter_header_small.jpg") + b"\x00trailer" * 200)
    assert src.kind == "jpeg" and src.pages[0].image.shape == (350, 826)
