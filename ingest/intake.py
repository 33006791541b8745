"""Bytes in, ``Source`` out: the file's type from its content (magic bytes), never from its name.

    >>> src = read_source(open("letter.pdf", "rb").read())
    >>> src.kind, len(src.pages)          # ("pdf", 2)
    >>> src.pages[0].text                 # PDF text layer, or None when the page must be OCR'd
    >>> src.pages[0].image                # page image (BGR numpy) to OCR, rendered on first use

Every refusal is a ``BadInputError`` (or ``LimitExceededError``) with a Vietnamese message for the
user. Image sizes are read from the header and checked before any pixel is decoded, and PDF pages
are rendered only when asked for, so a decompression bomb or a 1,000-page PDF costs nothing.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image, ImageSequence

from archive.errors import BadInputError, LimitExceededError, UnsupportedTypeError

log = logging.getLogger(__name__)

RASTER_DPI = 300


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 300
    max_pixels: int = 100_000_000
    ocr_seconds_per_page: float = 120.0


class SourcePage:
    """One page: its text layer (PDF) or None, and the image to OCR (rendered lazily for PDFs).

    ``image`` is None for a PDF page that has a text layer; ``render_image()`` still draws any
    page (for the UI). ``drop_image()`` frees a rendered image once it has been used.
    """

    def __init__(
        self,
        number: int,
        text: str | None,
        image: np.ndarray | None = None,
        dpi: int | None = None,
        render: Callable[[], np.ndarray] | None = None,
    ):
        self.number = number
        self.text = text
        self.dpi = dpi
        self._image = image
        self._render = render

    @property
    def image(self) -> np.ndarray | None:
        if self._image is None and self._render is not None and self.text is None:
            self._image = self._render()
        return self._image

    @image.setter
    def image(self, value: np.ndarray | None) -> None:
        self._image = value

    def render_image(self) -> np.ndarray | None:
        if self._image is not None:
            return self._image
        return self._render() if self._render else None

    def drop_image(self) -> None:
        if self._render is not None:
            self._image = None

    def __repr__(self) -> str:
        kind = "text" if self.text is not None else "image"
        return f"SourcePage(number={self.number}, {kind}, dpi={self.dpi})"


@dataclass
class Source:
    kind: str  # "text" | "png" | "jpeg" | "tiff" | "pdf"
    mime: str
    pages: list[SourcePage]
    text: str | None = None  # for kind == "text": the decoded text (NFC)
    encoding: str | None = None  # for kind == "text": "utf-8", "utf-16", "windows-1258", "tcvn3"


# ---------------------------------------------------------------- type detection

_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"GIF8", "gif"),
    (b"BM", "bmp"),
    (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
    (b"\xd0\xcf\x11\xe0", "doc"),
]


def sniff(data: bytes) -> str:
    """'png', 'jpeg', 'tiff', 'pdf', 'text' or the name of an unsupported type ('zip', 'unknown' …)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    if b"%PDF-" in data[:1024]:  # readers accept junk before the header
        return "pdf"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return "text"
    head = data[:65536]
    if b"\x00" in head:
        return "unknown"
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return "text" if controls <= len(head) * 0.01 else "unknown"


def read_source(data: bytes, limits: Limits | None = None) -> Source:
    """Recognise and open a file; raises BadInputError / LimitExceededError with a Vietnamese message."""
    limits = limits or Limits()
    if not data:
        raise BadInputError("Tệp rỗng (0 byte).")
    if len(data) > limits.max_bytes:
        raise LimitExceededError(
            f"Tệp quá lớn ({_mb(len(data))} MB, tối đa {_mb(limits.max_bytes)} MB)."
        )
    kind = sniff(data)
    if kind in ("png", "jpeg", "tiff"):
        return _read_image(data, kind, limits)
    if kind == "pdf":
        from ingest.pdf import read_pdf

        return read_pdf(data, limits)
    if kind == "text":
        text, encoding = decode_text(data)
        return Source("text", "text/plain; charset=utf-8", [SourcePage(1, text)], text, encoding)
    label = "không nhận ra loại tệp" if kind == "unknown" else kind
    raise UnsupportedTypeError(
        f"Định dạng tệp không được hỗ trợ ({label}). Hãy gửi PDF, ảnh PNG, JPEG, TIFF hoặc tệp văn bản."
    )


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- images

_MIME = {"png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff"}
_NAMES = {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF"}


def check_pixels(width: int, height: int, limits: Limits) -> None:
    if width <= 0 or height <= 0:
        raise BadInputError("Ảnh có kích thước không hợp lệ.")
    if width * height > limits.max_pixels:
        raise LimitExceededError(
            f"Ảnh quá lớn ({width} × {height} điểm ảnh, tối đa {limits.max_pixels / 1e6:g} triệu điểm ảnh)."
        )


def header_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """(width, height) from a PNG IHDR or a JPEG SOF marker, without decoding anything."""
    if kind == "png" and len(data) >= 24 and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if kind == "jpeg":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            length = int.from_bytes(data[i + 2:i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
            i += 2 + length
    return None


def _read_image(data: bytes, kind: str, limits: Limits) -> Source:
    name = _NAMES[kind]
    size = header_size(data, kind)
    if size:
        check_pixels(*size, limits)
    # PIL refuses images over twice this when it opens them; our own check below is the strict one.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        img = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError as exc:
        raise LimitExceededError(f"Ảnh quá lớn (tối đa {limits.max_pixels / 1e6:g} triệu điểm ảnh).") from exc
    except Exception as exc:  # Pillow raises many kinds on a broken header
        raise BadInputError(f"Tệp ảnh {name} bị hỏng hoặc không đọc được.") from exc
    pages: list[SourcePage] = []
    try:
        frames = ImageSequence.Iterator(img) if kind == "tiff" else [img]
        for number, frame in enumerate(frames, start=1):
            if number > limits.max_pages:
                raise LimitExceededError(f"Tệp TIFF có hơn {limits.max_pages} trang, vượt giới hạn.")
            check_pixels(*frame.size, limits)
            array = _decode_fast(data, kind) if kind != "tiff" else None
            pages.append(SourcePage(number, None, array if array is not None else _to_array(frame), _dpi(frame)))
    except (LimitExceededError, BadInputError):
        raise
    except Image.DecompressionBombError as exc:
        raise LimitExceededError(f"Ảnh quá lớn (tối đa {limits.max_pixels / 1e6:g} triệu điểm ảnh).") from exc
    except Exception as exc:  # Pillow raises OSError, SyntaxError, TypeError, KeyError … on broken files
        raise BadInputError(f"Tệp ảnh {name} bị hỏng hoặc không đầy đủ.") from exc
    if not pages:
        raise BadInputError(f"Tệp ảnh {name} không có trang nào.")
    return Source(kind, _MIME[kind], pages)


def _decode_fast(data: bytes, kind: str) -> np.ndarray | None:
    """PNG/JPEG through OpenCV (libpng / libjpeg-turbo, ~3× faster than Pillow); None leaves the
    decoding to Pillow (a file that may be cut off, 16-bit samples)."""
    import cv2

    # OpenCV decodes a cut-off file without complaint; only a file that visibly ends is left to it
    # (a phone JPEG with data after its end marker goes to Pillow, which judges it properly)
    if kind == "png" and not data.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82"):
        return None
    if kind == "jpeg" and not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return None
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None or arr.dtype != np.uint8:
        return None
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGRA2BGR)
    return arr


def _to_array(frame: Image.Image) -> np.ndarray:
    """Decode a frame to uint8 gray (L) or BGR."""
    frame.load()
    if frame.mode in ("1", "L", "I;16", "I", "F"):
        if frame.mode in ("I;16", "I", "F"):
            arr = np.asarray(frame, dtype=np.float32)
            top = float(arr.max()) or 1.0
            return (arr * (255.0 / top)).clip(0, 255).astype(np.uint8)
        return np.asarray(frame.convert("L"))
    rgb = frame.convert("RGB")
    return np.ascontiguousarray(np.asarray(rgb)[..., ::-1])


def _dpi(frame: Image.Image) -> int | None:
    dpi = frame.info.get("dpi")
    try:
        value = int(round(float(dpi[0]))) if dpi else None
    except (TypeError, ValueError):
        return None
    return value if value and 50 <= value <= 2400 else None


# ---------------------------------------------------------------- text and legacy encodings

# TCVN 5712:1993 (VN3, "ABC"): lower-case letters with diacritics at 0xA1–0xFE. The upper-case
# forms lived in separate fonts (.VnTimeH) using the same codes, so they decode to lower case.
_TCVN3 = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}

_BASES = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
VIETNAMESE_LETTERS = frozenset(
    unicodedata.normalize("NFC", b + t) for b in _BASES for t in _TONES
) | frozenset("đĐ")
_PUNCT = frozenset("“”‘’–—…•°§«»€£×÷±·\u00a0\ufeff")
_TONE_MARKED = frozenset(
    c for c in VIETNAMESE_LETTERS if any(m in _TONES[1:] for m in unicodedata.normalize("NFD", c)[1:])
)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text file to NFC Unicode: UTF-8 (BOM or not), UTF-16 with BOM, Windows-1258 or TCVN3.

    >>> decode_text("Cộng hòa".encode("utf-8"))
    ('Cộng hòa', 'utf-8')
    >>> decode_text(b"C\\xe9ng ho\\xb5")          # TCVN3 (ABC)
    ('Cộng hoà', 'tcvn3')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _nfc(data[3:].decode("utf-8", errors="replace")), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _nfc(data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as exc:
            raise BadInputError("Tệp văn bản UTF-16 bị hỏng.") from exc
    try:
        return _nfc(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for name, decode in (("windows-1258", _decode_cp1258), ("tcvn3", _decode_tcvn3)):
        text = decode(data)
        candidates.append((_oddness(text), name, text))
    candidates.sort(key=lambda c: c[0])
    score, name, text = candidates[0]
    if score > 0.02:
        raise BadInputError(
            "Không nhận ra bảng mã của tệp văn bản. Hãy lưu tệp ở dạng UTF-8 "
            "(hỗ trợ thêm Windows-1258 và TCVN3/ABC)."
        )
    log.info("legacy text encoding detected: %s", name)
    return text, name


_TONE_SET = frozenset(_TONES[1:])


def encode_cp1258(text: str) -> bytes:
    """Vietnamese text in Windows-1258: base letters (â, ư, đ …) precomposed, tones as combining marks.

    >>> encode_cp1258("Việt")
    b'Vi\xea\xf2t'
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in parts if m in _TONE_SET)
        base = unicodedata.normalize("NFC", "".join(m for m in parts if m not in _TONE_SET))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _decode_cp1258(data: bytes) -> str:
    return _nfc(data.decode("cp1258", errors="replace"))


def _decode_tcvn3(data: bytes) -> str:
    return _nfc("".join(_TCVN3.get(b, chr(b)) if b >= 0x80 else chr(b) for b in data))


def _oddness(text: str) -> float:
    """Share of non-ASCII letters that cannot be Vietnamese, plus words with two tone marks."""
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return 0.0
    odd = sum(1 for c in non_ascii if c not in VIETNAMESE_LETTERS and c not in _PUNCT)
    words = [w for w in text.split() if any(ord(c) > 127 for c in w)]
    double = sum(1 for w in words if sum(c in _TONE_MARKED for c in w) > 1)
    return (odd + double) / len(non_ascii)
