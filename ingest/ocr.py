"""The one module that runs Tesseract (through pytesseract and the ``tesseract`` command).

    >>> prepared = ingest.preprocess.prepare_page(source_page.image, dpi=source_page.dpi)
    >>> page = ocr_page(prepared)              # or ocr_pages([prepared, …]) in parallel
    >>> page.text                              # reading order: header left, header right, body …
    >>> page.words[0]                          # OcrWord(text, left, top, width, height, conf, line, block)

Every call has a timeout, sends Tesseract's stderr to logging and turns a missing, crashed or
timed-out engine into ``OcrError`` with a message for the user. Words come back with boxes and
confidences; reading order is ``ingest.layout``'s job.

Language data: the first of ``PREFERRED_LANGS`` found in ``$CONGVAN_TESSDATA`` or
``<repo>/var/tessdata`` (``scripts/fetch_tessdata.sh`` fills it from the npm package
``@tesseract.js-data/vie`` and copies the Debian data beside it), else in the Debian data.
``$CONGVAN_OCR_LANG`` overrides the choice (e.g. ``vie`` for the npm best_int model).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytesseract
from PIL import Image

from archive.errors import OcrError

log = logging.getLogger(__name__)

# Pages run in parallel processes; Tesseract's own OpenMP threads would only fight over the cores.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

DEFAULT_TIMEOUT = 120.0
REPO_TESSDATA = Path(__file__).resolve().parent.parent / "var" / "tessdata"


@dataclass
class OcrWord:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    line: int  # page-wide line number, in Tesseract's order
    block: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


@dataclass
class OcrPage:
    number: int
    text: str
    words: list[OcrWord] = field(default_factory=list)
    width: int = 0
    height: int = 0
    seconds: float = 0.0
    pdf: bytes | None = field(default=None, repr=False)  # one-page searchable PDF, when asked for


@dataclass(frozen=True)
class Engine:
    """Which Tesseract data to use: ``tessdata_dir`` None means Tesseract's built-in (Debian) path."""

    lang: str
    tessdata_dir: Path | None

    @property
    def config(self) -> str:
        return f'--tessdata-dir "{self.tessdata_dir}"' if self.tessdata_dir else ""


# ---------------------------------------------------------------- engine discovery


def _check_installed() -> None:
    if not shutil.which(pytesseract.pytesseract.tesseract_cmd):
        raise OcrError(
            "Không tìm thấy chương trình Tesseract OCR. Hãy cài gói tesseract-ocr và tesseract-ocr-vie "
            "(apt-get install tesseract-ocr tesseract-ocr-vie)."
        )


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    """'5.3.0' — fails fast with OcrError when Tesseract is missing."""
    _check_installed()
    try:
        return str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise OcrError("Không chạy được Tesseract OCR; hãy kiểm tra cài đặt.") from exc


def tessdata_dir() -> Path | None:
    """The fetched data folder, or None when absent (then the Debian data is used)."""
    env = os.environ.get("CONGVAN_TESSDATA")
    folder = Path(env) if env else REPO_TESSDATA
    return folder if (folder / "vie.traineddata").is_file() else None


@lru_cache(maxsize=8)
def _languages(folder: Path | None) -> frozenset[str]:
    """Installed language data (pytesseract's own lister drops names like "Vietnamese")."""
    _check_installed()
    cmd = [pytesseract.pytesseract.tesseract_cmd, "--list-langs"]
    if folder:
        cmd += ["--tessdata-dir", str(folder)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OcrError("Tesseract không liệt kê được dữ liệu ngôn ngữ.") from exc
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


# bench/ocr.py, 4 letters × 2 pages per level, the full ingest recipe, page CER clean/medium/heavy:
#   Debian script model "Vietnamese"   0.23 % / 0.28 % / 0.25 %   header columns apart on 100 % of pages
#   npm @tesseract.js-data/vie best_int 0.83 % / 0.35 % / 0.43 %   (one clean page merged)   ~ same speed
#   Debian "vie" (fast)                 0.30 % / 0.36 % / 0.59 %   (one heavy page merged)   ~15 % faster
#   npm 4.0.0 "vie" was worse than best_int on a first run (medium 0.54 %, heavy 0.73 %).
PREFERRED_LANGS = ("Vietnamese", "script/Vietnamese", "vie")


def default_engine() -> Engine:
    """The language data to use: ``$CONGVAN_OCR_LANG`` (or the best of ``PREFERRED_LANGS``), looked
    up first in the fetched folder (``$CONGVAN_TESSDATA`` or ``<repo>/var/tessdata``), then in the
    system's (Debian) data."""
    wanted = os.environ.get("CONGVAN_OCR_LANG")
    folder = tessdata_dir()
    for where in ([folder] if folder else []) + [None]:
        langs = _languages(where)
        for lang in [wanted] if wanted else PREFERRED_LANGS:
            if lang in langs:
                return Engine(lang, where)
    raise OcrError("Thiếu dữ liệu tiếng Việt cho Tesseract: hãy cài gói tesseract-ocr-vie.")


# ---------------------------------------------------------------- running Tesseract


def _as_pil(image) -> Image.Image:
    if isinstance(image, Image.Image):
        return image
    arr = np.asarray(image)
    if arr.ndim == 3:  # OpenCV images are BGR
        arr = arr[..., ::-1]
    return Image.fromarray(np.ascontiguousarray(arr))


def _run(what: str, func, *args, timeout: float, **kwargs):
    """Call a pytesseract function, converting its failures to OcrError."""
    _check_installed()
    try:
        return func(*args, timeout=timeout, **kwargs)
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise OcrError(f"Nhận dạng (OCR) quá thời gian cho phép ({timeout:g} giây mỗi trang).") from exc
        raise OcrError(f"Tesseract gặp lỗi khi {what}.") from exc
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrError("Không tìm thấy chương trình Tesseract OCR.") from exc
    except pytesseract.TesseractError as exc:
        log.error("tesseract %s failed (status %s): %s", what, exc.status, exc.message)
        raise OcrError(f"Tesseract gặp lỗi khi {what}: {exc.message.strip()[:200]}") from exc


def _words_from_tsv(tsv: str) -> list[OcrWord]:
    words: list[OcrWord] = []
    lines: dict[tuple[int, int, int], int] = {}
    rows = tsv.splitlines()
    for row in rows[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":
            continue
        text = cells[11].strip()
        if not text:
            continue
        key = (int(cells[2]), int(cells[3]), int(cells[4]))
        line = lines.setdefault(key, len(lines))
        left, top, width, height = (int(c) for c in cells[6:10])
        words.append(OcrWord(text, left, top, width, height, float(cells[10]), line, key[0]))
    return words


def _tesseract(args: list[str], timeout: float, what: str) -> None:
    """Run the tesseract binary; stderr goes to the log, failures become OcrError."""
    _check_installed()
    cmd = [pytesseract.pytesseract.tesseract_cmd, *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"Nhận dạng (OCR) quá thời gian cho phép ({timeout:g} giây mỗi trang).") from exc
    except OSError as exc:
        raise OcrError("Không chạy được chương trình Tesseract OCR.") from exc
    err = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        log.error("tesseract %s failed (exit %s): %s", what, proc.returncode, err[:2000])
        detail = err.splitlines()[-1][:200] if err else f"mã lỗi {proc.returncode}"
        raise OcrError(f"Tesseract gặp lỗi khi {what}: {detail}")
    for line in err.splitlines():
        if line and not line.startswith(("Estimating resolution", "Detected ", "Tesseract Open Source")):
            log.debug("tesseract: %s", line)


def _plain_text(words: list[OcrWord]) -> str:
    """Words in Tesseract's own order, one line per Tesseract line."""
    out: list[str] = []
    current = None
    for w in words:
        if w.line != current:
            out.append(w.text)
            current = w.line
        else:
            out[-1] += " " + w.text
    return "\n".join(out)


def ocr_page(
    image,
    *,
    number: int = 1,
    lang: str | None = None,
    psm: int = 3,
    timeout: float = DEFAULT_TIMEOUT,
    engine: Engine | None = None,
    pdf: bool = False,
    dpi: int | None = None,
    reading_order: bool = True,
    refine: bool = True,
) -> OcrPage:
    """OCR one page image (a ``PreparedPage``, PIL, or numpy gray/BGR) into words with boxes and confidences.

    ``text`` is in the reading order of an official letter (``ingest.layout.page_text``: header
    columns one after the other, paragraphs re-flowed); ``reading_order=False`` keeps Tesseract's
    own lines. ``refine`` re-reads, one line at a time, the few pieces of text Tesseract read
    with low confidence (typically "Nơi nhận:" glued to the signer's title on one line). With
    ``pdf=True`` the same Tesseract run also writes the page as a searchable PDF (``page.pdf``).
    """
    engine = engine or default_engine()
    if lang:
        engine = Engine(lang, engine.tessdata_dir)
    if hasattr(image, "image") and hasattr(image, "dpi"):  # an ingest.preprocess.PreparedPage
        image, dpi = image.image, dpi or image.dpi
    pil = _as_pil(image)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="congvan-ocr-") as tmp:
        src = Path(tmp) / "page.pnm"  # uncompressed: writing a PNG costs ~0.1 s a page
        pil.save(src, "PPM")
        args = [str(src), str(Path(tmp) / "out"), "-l", engine.lang, "--psm", str(psm)]
        if dpi:
            args += ["--dpi", str(dpi)]
        if engine.tessdata_dir:
            args += ["--tessdata-dir", str(engine.tessdata_dir)]
        args += ["-c", "tessedit_create_tsv=1", "-c", "tessedit_create_txt=0"]
        if pdf:
            args += ["-c", "tessedit_create_pdf=1"]
        _tesseract(args, timeout, "nhận dạng trang")
        words = _words_from_tsv((Path(tmp) / "out.tsv").read_text(encoding="utf-8", errors="replace"))
        pdf_bytes = (Path(tmp) / "out.pdf").read_bytes() if pdf else None
    page = OcrPage(number, "", words, pil.width, pil.height, 0.0, pdf_bytes)
    if refine:
        left = max(5.0, timeout - (time.perf_counter() - start))  # the timeout is per page
        page.words = _reread_weak_segments(pil, page.words, engine, left)
    page.text = page_text(page) if reading_order else _plain_text(words)
    page.seconds = time.perf_counter() - start
    return page


MAX_REREADS = 6


def _reread_weak_segments(pil: Image.Image, words: list[OcrWord], engine: Engine, timeout: float) -> list[OcrWord]:
    """Re-OCR low-confidence segments as single lines (--psm 7) and keep the better reading.

    Tesseract glues text of two columns into one line; when the two halves differ in size or
    weight it can misread one of them entirely ("Nơi nhận:" → "tk MA", confidence 0). Read alone,
    the half is read right.
    """
    from ingest.layout import segments

    if not words:
        return words
    segs = segments(words, keep_noise=True)
    h = sorted(w.height for w in words)[len(words) // 2]
    weak = []
    for seg in segs:
        confs = [w.conf for w in seg.words]
        mean = sum(confs) / len(confs)
        tall_enough = h * 0.6 <= seg.bottom - seg.top <= h * 3
        if tall_enough and (mean < 60 or min(confs) < 25) and any(ch.isalnum() for ch in seg.text):
            weak.append((mean, seg))
    weak.sort(key=lambda item: item[0])
    next_line = max(w.line for w in words) + 1
    replaced: dict[int, list[OcrWord]] = {}
    for mean, seg in weak[:MAX_REREADS]:
        # wide to the sides (Tesseract's box may have lost letters), tight above and below:
        # a sliver of the next line makes the single-line read fail again
        pad_x, pad_y = int(h * 1.5), max(2, int(h * 0.15))
        x0, y0 = max(0, seg.left - pad_x), max(0, seg.top - pad_y)
        x1, y1 = min(pil.width, seg.right + pad_x), min(pil.height, seg.bottom + pad_y)
        crop = _isolate_line(pil.crop((x0, y0, x1, y1)), h, (seg.top + seg.bottom) / 2 - y0)
        again = ocr_page(crop, psm=7, timeout=timeout, engine=engine, reading_order=False, refine=False)
        kept = [w for w in again.words if any(ch.isalnum() for ch in w.text) or w.text in ("-", "–", "+")]
        if not kept:
            continue
        new_mean = sum(w.conf for w in kept) / len(kept)
        if new_mean <= mean + 10:
            continue
        new_words = [
            OcrWord(w.text, w.left + x0, w.top + y0, w.width, w.height, w.conf, next_line, w.block)
            for w in kept
        ]
        next_line += 1
        replaced[id(seg.words[0])] = new_words
        for w in seg.words[1:]:
            replaced[id(w)] = []
    if not replaced:
        return words
    out: list[OcrWord] = []
    for w in words:
        out.extend(replaced.get(id(w), [w]))
    log.debug("re-read %d weak segments", len(replaced))
    return out


def _isolate_line(crop: Image.Image, h: float, center: float) -> Image.Image:
    """Whiten slivers of the lines above and below the one text line in ``crop``.

    Tightly set header lines touch ("THÀNH" over "PHÒNG GIÁO DỤC"); Tesseract's box then holds
    the top of the next line and the single-line read fails. The line kept is the band of inked
    rows nearest the segment's centre, with the marks just above (tones, circumflex) and below
    (dot below) it.
    """
    gray = np.asarray(crop.convert("L"))
    ink = (gray < 128).sum(axis=1)
    rows = ink > max(1, 0.01 * gray.shape[1])
    bands, start = [], None
    for y, on in enumerate(np.append(rows, False)):
        if on and start is None:
            start = y
        elif not on and start is not None:
            bands.append((start, y))
            start = None
    if len(bands) < 2:
        return crop
    def distance(band: tuple[int, int]) -> float:
        a, b = band
        return 0.0 if a <= center < b else min(abs(center - a), abs(center - b))

    top, bottom = min(bands, key=lambda b: (distance(b), -ink[b[0]:b[1]].sum()))
    for a, b in bands:  # diacritics close above or below the main band belong to it
        if b <= top and top - b < 0.35 * h and b - a < 0.5 * h:
            top = min(top, a)
        if a >= bottom and a - bottom < 0.25 * h and b - a < 0.4 * h:
            bottom = max(bottom, b)
    out = gray.copy()
    out[:top] = 255
    out[bottom:] = 255
    return Image.fromarray(out)


def page_text(page: OcrPage) -> str:
    from ingest.layout import page_text as ordered  # layout builds on this module's dataclasses

    return ordered(page)


def ocr_pages(images, jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT, **kwargs) -> list[OcrPage]:
    """OCR pages in parallel (threads waiting on Tesseract processes), in page order."""
    images = list(images)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(images) or 1))
    engine = kwargs.pop("engine", None) or default_engine()
    if jobs == 1:
        return [ocr_page(im, number=i + 1, timeout=timeout, engine=engine, **kwargs) for i, im in enumerate(images)]
    with ThreadPoolExecutor(jobs) as pool:
        futures = [
            pool.submit(ocr_page, im, number=i + 1, timeout=timeout, engine=engine, **kwargs)
            for i, im in enumerate(images)
        ]
        return [f.result() for f in futures]


def detect_rotation(image, *, timeout: float = 30.0) -> int:
    """Degrees to rotate the page clockwise to make it upright (0, 90, 180, 270), from Tesseract OSD.

    A page with too little text for OSD counts as upright.
    """
    pil = _as_pil(image)
    engine = default_engine()
    try:
        osd = pytesseract.image_to_osd(
            pil, config=f"--psm 0 {engine.config}", output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except pytesseract.TesseractError as exc:
        log.info("OSD gave no answer: %s", exc.message.strip()[:200])
        return 0
    except RuntimeError as exc:
        log.warning("OSD timed out: %s", exc)
        return 0
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrError("Không tìm thấy chương trình Tesseract OCR.") from exc
    if float(osd.get("orientation_conf", 0)) < 2.0:
        return 0
    return int(osd.get("rotate", 0)) % 360


def searchable_pdf_page(image, *, timeout: float = DEFAULT_TIMEOUT, engine: Engine | None = None) -> bytes:
    """One page as a PDF: the image with Tesseract's invisible text layer."""
    page = ocr_page(image, timeout=timeout, engine=engine, pdf=True, refine=False, reading_order=False)
    assert page.pdf is not None
    return page.pdf


def run_plain(image_path: str | Path, *, lang: str = "vie", tessdata: Path | None = None, timeout: float = 300) -> str:
    """``tesseract IMAGE - -l LANG`` with default settings: the peer the benchmark compares against."""
    config = f'--tessdata-dir "{tessdata}"' if tessdata else ""
    return _run("nhận dạng trang", pytesseract.image_to_string, str(image_path), lang=lang, config=config, timeout=timeout)
