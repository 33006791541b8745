"""Synthetic scans of Vietnamese official letters in the Nghị định 30 layout, with ground truth.

Tests and ``bench/ocr.py`` use these instead of real scans: the text is known exactly, and the
degradation is seeded, so a change in OCR quality is a change in the code, not in the data.

    >>> letter = make_letter(seed=7)
    >>> pages = render_pages(letter, seed=7)          # [SynthPage(image, truth, blocks)]
    >>> scan = degrade(pages[0].image, "medium", seed=7)

A page is rendered at 300 dpi on A4 (2480 × 3508 px) in LiberationSerif (Times metrics):
two-column header (issuer left, national motto right, "Số:" and place/date on one row),
"Kính gửi", a justified body with first-line indents and numbered items, then "Nơi nhận" (left)
beside the signer block (right) with a red seal over the signature.
"""

from __future__ import annotations

import io
import json
import logging
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

log = logging.getLogger(__name__)

DPI = 300
PAGE_W, PAGE_H = 2480, 3508  # A4 at 300 dpi
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 354, 236, 236, 236
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT
LEVELS = ("clean", "light", "medium", "heavy")

_DATA = Path(__file__).with_name("data") / "letter_parts.json"
# Liberation 2.x (Debian fonts-liberation2) has the Vietnamese letters; 1.07 (fonts-liberation) draws
# boxes for ư, ơ, ế …, so it is checked and skipped.
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/liberation"),
)
_FONT_FILES = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bolditalic": "LiberationSerif-BoldItalic.ttf",
}
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_FALLBACK_FONTS = {
    "regular": _DEJAVU / "DejaVuSerif.ttf",
    "bold": _DEJAVU / "DejaVuSerif-Bold.ttf",
    "italic": _DEJAVU / "DejaVuSerif-Italic.ttf",
    "bolditalic": _DEJAVU / "DejaVuSerif-BoldItalic.ttf",
}
INK = (20, 20, 20)
SEAL_RED = (205, 35, 45)
SIGNATURE_BLUE = (35, 45, 150)


@dataclass
class Paragraph:
    text: str
    kind: str = "para"  # "para" (first-line indent, justified) | "item" (numbered item, same look)


@dataclass
class SynthLetter:
    """Contents of one letter; ``make_letter(seed)`` builds a realistic one."""

    issuer_parent: str
    issuer_name: str
    number_symbol: str
    place: str
    day: int
    month: int
    year: int
    subject: str
    recipients: list[str]
    paragraphs: list[Paragraph]
    cc: list[str]
    signer_prefix: str  # "KT. GIÁM ĐỐC" or ""
    signer_title: str
    signer_name: str
    body_pt: float = 13.5

    @property
    def date_line(self) -> str:
        return f"{self.place}, ngày {self.day:02d} tháng {self.month:02d} năm {self.year}"


@dataclass
class SynthPage:
    image: Image.Image
    truth: str
    blocks: dict[str, list[str]] = field(default_factory=dict)  # block name -> lines, in reading order


# ---------------------------------------------------------------- letter contents


def _parts() -> dict:
    return json.loads(_DATA.read_text(encoding="utf-8"))


def make_letter(seed: int, *, paragraphs: int | None = None) -> SynthLetter:
    """A random letter; the body is sized so it runs onto a second page and the signature fits there."""
    rng = random.Random(seed)
    parts = _parts()
    issuer = rng.choice(parts["issuers"])
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.choice([2022, 2023, 2024, 2025])
    subject = rng.choice(parts["subjects"])
    words = issuer["name"].lower().split()
    org_short = " ".join(w.capitalize() if i < 2 else w for i, w in enumerate(words))
    fill = {
        "ref": rng.randint(100, 3999),
        "d": rng.randint(1, 28),
        "m": rng.randint(1, 12),
        "y": y,
        "subject": subject,
        "org_short": org_short,
    }
    sentences = rng.sample(parts["sentences"], 40)
    body = [Paragraph(rng.choice(parts["openings"]).format(**fill))]
    item = 0
    while sentences:
        n = rng.randint(2, 4)
        chunk, sentences = sentences[:n], sentences[n:]
        if rng.random() < 0.45:
            item += 1
            body.append(Paragraph(f"{item}. " + " ".join(chunk), "item"))
        else:
            body.append(Paragraph(" ".join(chunk)))
    closing = Paragraph(rng.choice(parts["closings"]).format(**fill))
    deputy = rng.random() < 0.6
    head = issuer["head"]
    name = f"{rng.choice(parts['family_names'])} {rng.choice(parts['middle_names'])} {rng.choice(parts['given_names'])}"
    cc = ["Như trên;"] + [c + ";" for c in rng.sample(parts["cc"], rng.randint(1, 3))]
    cc.append(f"Lưu: {rng.choice(parts['archive_codes'])}.")
    letter = SynthLetter(
        issuer_parent=issuer["parent"],
        issuer_name=issuer["name"],
        number_symbol=f"{rng.randint(12, 2999)}/{issuer['abbr']}",
        place=issuer["place"],
        day=d,
        month=m,
        year=y,
        subject=subject,
        recipients=rng.sample(parts["recipients"], rng.choice([1, 1, 2, 3])),
        paragraphs=body,
        cc=cc,
        signer_prefix=f"KT. {head}" if deputy else "",
        signer_title=issuer["deputy"] if deputy else head,
        signer_name=name,
        body_pt=rng.choice([13.0, 13.5, 14.0]),
    )
    if paragraphs is not None:
        letter.paragraphs = body[:paragraphs] + [closing]
        return letter
    # Two pages: the largest body that still leaves room for Nơi nhận and the signer on page 2.
    for n in range(len(body), 0, -1):
        letter.paragraphs = body[:n] + [closing]
        pages = _layout(letter)
        if len(pages) == 2:
            return letter
    return letter


# ---------------------------------------------------------------- fonts and text layout


_font_cache: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}


def font(style: str, pt: float) -> ImageFont.FreeTypeFont:
    size = round(pt * DPI / 72)
    key = (style, size)
    if key not in _font_cache:
        candidates = [folder / _FONT_FILES[style] for folder in _FONT_DIRS] + [_FALLBACK_FONTS[style]]
        for path in candidates:
            if path.exists() and _has_vietnamese(f := ImageFont.truetype(str(path), size)):
                _font_cache[key] = f
                if path == _FALLBACK_FONTS[style]:
                    log.warning("LiberationSerif with Vietnamese letters not found (fonts-liberation2); using %s", path.name)
                break
        else:
            raise FileNotFoundError(f"{_FONT_FILES[style]} with Vietnamese letters not found: install fonts-liberation2")
    return _font_cache[key]


def _has_vietnamese(f: ImageFont.FreeTypeFont) -> bool:
    """False when 'ư' is drawn as the missing-glyph box (same shape as an unassigned code point)."""
    return f.getmask("ư").getbbox() != f.getmask("\ue000").getbbox() or f.getmask("ư").size != f.getmask("\ue000").size


def _width(text: str, f: ImageFont.FreeTypeFont) -> float:
    return f.getlength(text)


def _wrap(text: str, f: ImageFont.FreeTypeFont, width: float, first_indent: float = 0) -> list[list[str]]:
    lines: list[list[str]] = []
    line: list[str] = []
    space = _width(" ", f)
    used = first_indent
    for word in text.split():
        w = _width(word, f)
        if line and used + space + w > width:
            lines.append(line)
            line, used = [], 0
        used += (space if line else 0) + w
        line.append(word)
    if line:
        lines.append(line)
    return lines


@dataclass
class _Op:
    """One thing to draw: a text line (left-aligned at x, or justified to width), a rule, or a seal."""

    kind: str  # "text" | "justify" | "rule" | "seal" | "signature"
    x: float
    y: float
    text: str = ""
    words: list[str] = field(default_factory=list)
    style: str = "regular"
    pt: float = 13
    width: float = 0


@dataclass
class _PageLayout:
    ops: list[_Op] = field(default_factory=list)
    blocks: dict[str, list[str]] = field(default_factory=dict)


def _line_h(pt: float, spacing: float = 1.2) -> float:
    return pt * DPI / 72 * spacing


def _centered(ops, blocks, name, text, style, pt, cx, y):
    f = font(style, pt)
    ops.append(_Op("text", cx - _width(text, f) / 2, y, text=text, style=style, pt=pt))
    blocks.setdefault(name, []).append(text)


def _header(letter: SynthLetter, page: _PageLayout) -> float:
    ops, blocks = page.ops, page.blocks
    right_lines = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "bold", 12.5), ("Độc lập - Tự do - Hạnh phúc", "bold", 13.5)]
    right_w = max(_width(t, font(s, p)) for t, s, p in right_lines)
    right_cx = PAGE_W - MARGIN_RIGHT - right_w / 2
    left_x0 = MARGIN_LEFT - 150
    left_x1 = PAGE_W - MARGIN_RIGHT - right_w - 90
    left_cx, left_w = (left_x0 + left_x1) / 2, left_x1 - left_x0
    y = MARGIN_TOP
    # left column: parent body, issuer (bold), short rule, number, subject
    for text, style, pt in ([(letter.issuer_parent, "regular", 12.5)] if letter.issuer_parent else []) + [
        (letter.issuer_name, "bold", 12.5)
    ]:
        for words in _wrap(text, font(style, pt), left_w):
            _centered(ops, blocks, "header_left", " ".join(words), style, pt, left_cx, y)
            y += _line_h(pt, 1.15)
    name_w = min(left_w, _width(letter.issuer_name, font("bold", 12.5)))
    ops.append(_Op("rule", left_cx - name_w / 6, y + 8, width=name_w / 3))
    left_bottom = y + 20
    y = MARGIN_TOP
    for text, style, pt in right_lines:
        _centered(ops, blocks, "header_right", text, style, pt, right_cx, y)
        y += _line_h(pt, 1.15)
    motto_w = _width(right_lines[1][0], font("bold", 13.5))
    ops.append(_Op("rule", right_cx - motto_w / 2, y + 8, width=motto_w))
    row = max(left_bottom, y + 20) + _line_h(13, 0.7)
    _centered(ops, blocks, "header_left", f"Số: {letter.number_symbol}", "regular", 13, left_cx, row)
    _centered(ops, blocks, "header_right", letter.date_line, "italic", 13.5, right_cx, row)
    y = row + _line_h(13, 1.2)
    for words in _wrap(f"V/v {letter.subject}", font("regular", 12), min(left_w, 820)):
        _centered(ops, blocks, "header_left", " ".join(words), "regular", 12, left_cx, y)
        y += _line_h(12, 1.1)
    return max(y, row + _line_h(13.5)) + _line_h(13, 1.0)


def _layout(letter: SynthLetter) -> list[_PageLayout]:
    pages = [_PageLayout()]
    y = _header(letter, pages[0])
    pt = letter.body_pt
    f = font("regular", pt)
    lh = _line_h(pt, 1.25)
    bottom = PAGE_H - MARGIN_BOTTOM

    def body_line(op: _Op, text: str):
        nonlocal y
        if y + lh > bottom:
            pages.append(_PageLayout())
            y = MARGIN_TOP
        op.y = y
        pages[-1].ops.append(op)
        y += lh
        return text

    # Kính gửi
    kg = "Kính gửi:"
    if len(letter.recipients) == 1:
        text = f"{kg} {letter.recipients[0]}."
        x = MARGIN_LEFT + (TEXT_W - _width(text, f)) / 2
        body_line(_Op("text", x, 0, text=text, pt=pt), text)
        pages[-1].blocks.setdefault("body", []).append(text)
    else:
        x = MARGIN_LEFT + TEXT_W * 0.22
        body_line(_Op("text", x, 0, text=kg, pt=pt), kg)
        pages[-1].blocks.setdefault("body", []).append(kg)
        for i, r in enumerate(letter.recipients):
            text = f"- {r}{'.' if i == len(letter.recipients) - 1 else ';'}"
            body_line(_Op("text", x + _width(kg + " ", f), 0, text=text, pt=pt), text)
            pages[-1].blocks["body"].append(text)
    y += lh * 0.4
    indent = 150
    for para in letter.paragraphs:
        lines = _wrap(para.text, f, TEXT_W, indent)
        start_page = len(pages)
        page_words: list[str] = []
        for i, words in enumerate(lines):
            x = MARGIN_LEFT + (indent if i == 0 else 0)
            width = TEXT_W - (indent if i == 0 else 0)
            last = i == len(lines) - 1
            before = len(pages)
            op = _Op("text", x, 0, text=" ".join(words), pt=pt) if last else _Op("justify", x, 0, words=words, pt=pt, width=width)
            body_line(op, "")
            if len(pages) != before and page_words:  # the paragraph continues on a new page
                pages[-2].blocks.setdefault("body", []).append(" ".join(page_words))
                page_words = []
            page_words.extend(words)
        pages[-1].blocks.setdefault("body", []).append(" ".join(page_words))
        del start_page
        y += _line_h(6, 1.0)
    # Nơi nhận (left) and signer (right) side by side
    y += lh * 0.5
    sig_pt = 13.5
    signer_lines = [t for t in (letter.signer_prefix, letter.signer_title) if t]
    cc_h = _line_h(12) + len(letter.cc) * _line_h(11, 1.15)
    sig_h = len(signer_lines) * _line_h(sig_pt, 1.15) + 330 + _line_h(sig_pt)
    if y + max(cc_h, sig_h) > bottom:
        pages.append(_PageLayout())
        y = MARGIN_TOP
    page = pages[-1]
    cy = y
    page.ops.append(_Op("text", MARGIN_LEFT - 60, cy, text="Nơi nhận:", style="bolditalic", pt=12))
    page.blocks["cc"] = ["Nơi nhận:"]
    cy += _line_h(12, 1.2)
    for item in letter.cc:
        text = f"- {item}"
        page.ops.append(_Op("text", MARGIN_LEFT - 60, cy, text=text, pt=11))
        page.blocks["cc"].append(text)
        cy += _line_h(11, 1.15)
    scx = MARGIN_LEFT + TEXT_W * 0.72
    sy = y
    for text in signer_lines:
        _centered(page.ops, page.blocks, "signer", text, "bold", sig_pt, scx, sy)
        sy += _line_h(sig_pt, 1.15)
    page.ops.append(_Op("signature", scx, sy + 40, width=330))
    page.ops.append(_Op("seal", scx - 190, sy + 150, text=letter.issuer_name, width=225))
    sy += 330
    _centered(page.ops, page.blocks, "signer", letter.signer_name, "bold", sig_pt, scx, sy)
    return pages


# ---------------------------------------------------------------- drawing


def _draw_justified(draw: ImageDraw.ImageDraw, op: _Op):
    f = font(op.style, op.pt)
    widths = [_width(w, f) for w in op.words]
    gaps = len(op.words) - 1
    extra = (op.width - sum(widths)) / gaps if gaps else 0
    x = op.x
    for word, w in zip(op.words, widths):
        draw.text((round(x), round(op.y)), word, font=f, fill=INK)
        x += w + extra


def _draw_seal(page: Image.Image, cx: float, cy: float, r: float, text: str, rng: random.Random):
    """A round red seal: two rings, the issuer's name around the rim, a star; multiplied onto the page."""
    size = int(r * 2 + 20)
    layer = Image.new("RGB", (size, size), "white")
    d = ImageDraw.Draw(layer)
    c = size / 2
    d.ellipse((c - r, c - r, c + r, c + r), outline=SEAL_RED, width=9)
    d.ellipse((c - r * 0.62, c - r * 0.62, c + r * 0.62, c + r * 0.62), outline=SEAL_RED, width=4)
    f = font("bold", 9)
    chars = list(text)
    span = math.radians(280)
    for i, ch in enumerate(chars):
        a = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(chars)
        tile = Image.new("L", (60, 60), 0)
        ImageDraw.Draw(tile).text((30, 30), ch, font=f, fill=255, anchor="mm")
        tile = tile.rotate(-math.degrees(a) - 90, resample=Image.BICUBIC)
        px, py = c + r * 0.8 * math.cos(a), c + r * 0.8 * math.sin(a)
        layer.paste(Image.new("RGB", (60, 60), SEAL_RED), (int(px - 30), int(py - 30)), tile)
    pts = [
        (c + (r * 0.3 if k % 2 == 0 else r * 0.12) * math.cos(-math.pi / 2 + k * math.pi / 5),
         c + (r * 0.3 if k % 2 == 0 else r * 0.12) * math.sin(-math.pi / 2 + k * math.pi / 5))
        for k in range(10)
    ]
    d.polygon(pts, fill=SEAL_RED)
    layer = layer.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC, fillcolor="white")
    box = (int(cx - size / 2), int(cy - size / 2))
    region = page.crop((box[0], box[1], box[0] + size, box[1] + size))
    blended = (np.asarray(region, np.float32) * np.asarray(layer, np.float32) / 255).astype(np.uint8)
    page.paste(Image.fromarray(blended), box)


def _draw_signature(draw: ImageDraw.ImageDraw, cx: float, y: float, rng: random.Random):
    pts = []
    x0 = cx - 160
    for i in range(40):
        t = i / 39
        pts.append((x0 + 320 * t + rng.uniform(-8, 8), y + 110 + 70 * math.sin(t * 9 + rng.uniform(0, 0.6))))
    draw.line(pts, fill=SIGNATURE_BLUE, width=5, joint="curve")


def render_pages(letter: SynthLetter, *, seed: int) -> list[SynthPage]:
    """Clean 300-dpi RGB pages with their ground truth (blocks in reading order)."""
    rng = random.Random(seed * 7919 + 1)
    out = []
    for layout in _layout(letter):
        img = Image.new("RGB", (PAGE_W, PAGE_H), "white")
        draw = ImageDraw.Draw(img)
        seals = []
        for op in layout.ops:
            if op.kind == "text":
                draw.text((round(op.x), round(op.y)), op.text, font=font(op.style, op.pt), fill=INK)
            elif op.kind == "justify":
                _draw_justified(draw, op)
            elif op.kind == "rule":
                draw.line((op.x, op.y, op.x + op.width, op.y), fill=INK, width=3)
            elif op.kind == "signature":
                _draw_signature(draw, op.x, op.y, rng)
            elif op.kind == "seal":
                seals.append(op)
        for op in seals:
            _draw_seal(img, op.x, op.y, op.width, op.text, rng)
        order = ("header_left", "header_right", "body", "cc", "signer")
        blocks = {k: layout.blocks[k] for k in order if k in layout.blocks}
        truth = "\n".join(line for k in blocks for line in blocks[k])
        img.info["dpi"] = (DPI, DPI)
        img.info["truth"] = truth
        out.append(SynthPage(img, truth, blocks))
    return out


def render_letter(letter: SynthLetter, *, seed: int) -> list[Image.Image]:
    """The pages as images; each image's ``info["truth"]`` holds its ground-truth text."""
    return [p.image for p in render_pages(letter, seed=seed)]


# ---------------------------------------------------------------- degradation


@dataclass(frozen=True)
class Degradation:
    dpi: tuple[int, int]
    skew: tuple[float, float]  # absolute degrees, random sign
    blur: float  # Gaussian radius at the output resolution
    noise: float  # std of Gaussian noise (0-255)
    jpeg: tuple[int, int] | None
    shading: float  # depth of the illumination gradient (0-1)
    border: bool  # photocopy border / dark page edge


DEGRADATIONS = {
    "clean": Degradation((300, 300), (0, 0), 0, 0, None, 0, False),
    "light": Degradation((240, 300), (0.2, 0.8), 0.3, 3, (82, 92), 0.06, False),
    "medium": Degradation((200, 200), (1.0, 2.0), 0.5, 6, (60, 72), 0.12, False),
    "heavy": Degradation((150, 150), (2.0, 3.0), 0.6, 9, (40, 50), 0.2, True),
}


def degrade(image: Image.Image, level: str, seed: int) -> Image.Image:
    """A scanned-looking copy of a clean 300-dpi page at one of ``LEVELS``.

    medium: 200 dpi, 1–2° skew, JPEG 60–72; heavy: 150 dpi, 2–3° skew, JPEG 40–50, dark border.
    """
    p = DEGRADATIONS[level]
    rng = random.Random(f"{seed}-{level}")
    nrng = np.random.default_rng(rng.randrange(2**32))
    img = image.convert("RGB")
    angle = rng.uniform(*p.skew) * rng.choice([-1, 1])
    if angle:
        img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=(255, 255, 255))
    arr = np.asarray(img, np.float32)
    h, w = arr.shape[:2]
    if p.shading:
        gx, gy = rng.uniform(-1, 1), rng.uniform(-1, 1)
        xx = np.arange(w, dtype=np.float32)[None, :] / w
        yy = np.arange(h, dtype=np.float32)[:, None] / h
        grad = gx * xx + gy * yy
        grad = (grad - grad.min()) / max(float(np.ptp(grad)), 1e-6)
        arr *= (1 - p.shading * grad)[..., None]
        arr[..., 2] *= 0.97  # paper a little yellow
    if p.border:
        arr = _photocopy_border(arr, rng)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    dpi = rng.randint(*p.dpi)
    if dpi != DPI:
        img = img.resize((round(w * dpi / DPI), round(h * dpi / DPI)), Image.LANCZOS)
    if p.blur:
        img = img.filter(ImageFilter.GaussianBlur(p.blur))
    if p.noise:
        a = np.asarray(img, np.float32) + nrng.normal(0, p.noise, (img.height, img.width, 1))
        img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if p.jpeg:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=rng.randint(*p.jpeg))
        img = Image.open(io.BytesIO(buf.getvalue()))
        img.load()
        img = img.convert("RGB")
    img.info["dpi"] = (dpi, dpi)
    if "truth" in image.info:
        img.info["truth"] = image.info["truth"]
    return img


def _photocopy_border(arr: np.ndarray, rng: random.Random) -> np.ndarray:
    h, w = arr.shape[:2]
    for side in ("left", "right", "top", "bottom"):
        if rng.random() < 0.6:
            t = rng.randint(15, 45)
            shade = rng.uniform(30, 80)
            if side == "left":
                arr[:, :t] = shade
            elif side == "right":
                arr[:, w - t:] = shade
            elif side == "top":
                arr[:t] = shade
            else:
                arr[h - t:] = shade
    return arr


# ---------------------------------------------------------------- helpers for tests and the web


def synth_scan(seed: int, level: str = "medium") -> list[SynthPage]:
    """A letter rendered and degraded: pages with their truth."""
    letter = make_letter(seed)
    pages = render_pages(letter, seed=seed)
    return [SynthPage(degrade(p.image, level, seed * 100 + i), p.truth, p.blocks) for i, p in enumerate(pages)]


def write_sample_scan(path: str | Path, seed: int = 1, level: str = "medium") -> list[str]:
    """Write a scanned letter to ``path``: ``.pdf`` holds all pages (image only, no text layer),
    ``.jpg``/``.jpeg`` and ``.png`` the first page, ``.tif``/``.tiff`` all pages. Returns the truths written."""
    path = Path(path)
    pages = synth_scan(seed, level)
    suffix = path.suffix.lower()
    first = pages[0].image
    dpi = first.info.get("dpi", (DPI, DPI))
    if suffix == ".pdf":
        first.save(path, "PDF", resolution=float(dpi[0]), save_all=True, append_images=[p.image for p in pages[1:]])
        return [p.truth for p in pages]
    if suffix in (".tif", ".tiff"):
        first.save(path, "TIFF", dpi=dpi, compression="tiff_lzw", save_all=True, append_images=[p.image for p in pages[1:]])
        return [p.truth for p in pages]
    if suffix in (".jpg", ".jpeg"):
        first.save(path, "JPEG", quality=85, dpi=dpi)
    else:
        first.save(path, "PNG", dpi=dpi)
    return [pages[0].truth]
