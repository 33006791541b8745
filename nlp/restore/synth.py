"""Synthetic OCR pairs for learning the error model (training only).

Clean corpus paragraphs are wrapped, rendered to page images with PIL and read
back by Tesseract: ``-l eng`` reproduces the damage of legacy OCR ("S6" for
"Số", "x4" for "xã"), ``-l vie`` on degraded renders the milder damage of a
poor scan. Each page gives (truth line, OCR line) pairs, written as JSON lines.

Runtime code never imports this module; only ``nlp.train`` does.
"""
from __future__ import annotations

import io
import json
import random
import subprocess
import textwrap
from pathlib import Path

# Liberation Serif has the metrics and shapes of Times New Roman, the font of most letters, and
# Tesseract eng reads it with the damage of the legacy samples ("Tir" for "Từ", "dugc" for
# "được"); Debian's build lacks the Vietnamese-only glyphs (ự, ấ, ủ render as boxes), which are
# drawn from DejaVu Serif instead. Some pages are all DejaVu for variety.
LIBERATION = Path("/usr/share/fonts/truetype/liberation")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
LIBERATION_MISSING = set("ảạằắẳẵặầấẩẫậẻẽẹềếểễệỉịỏọồốổỗộơờớởỡợủụưừứửữựỷỹỵ")
LIBERATION_MISSING |= {c.upper() for c in LIBERATION_MISSING}
FAMILIES = (
    ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
    ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
    ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
    ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
    (None, "DejaVuSerif.ttf"),
    (None, "DejaVuSans.ttf"),
)


def wrap_paragraphs(paragraphs: list[str], width: int) -> list[str]:
    lines: list[str] = []
    for para in paragraphs:
        lines.extend(textwrap.wrap(para, width=width, break_long_words=False) or [])
    return lines


def photocopy(image, rng: random.Random, dpi: int):
    """Thicken strokes, blur, halve the resolution and binarise: the look of the legacy letters,
    and with Tesseract eng their damage ("Tir thing" for "Từ tháng", "tét" for "tốt")."""
    from PIL import Image, ImageFilter

    image = image.filter(ImageFilter.MinFilter(3))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.0)))
    scale = rng.uniform(0.45, 0.6)
    image = image.resize((int(image.width * scale), int(image.height * scale)), Image.BILINEAR)
    threshold = rng.randint(135, 165)
    return image.point(lambda v: 255 if v > threshold else 0), int(dpi * scale)


def render_page(lines: list[str], rng: random.Random, degrade: bool, style: str = "print"):
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    dpi = rng.choice((150, 200, 200, 250, 300)) if style == "print" else 300
    points = rng.uniform(12.0, 14.0)
    px = int(points * dpi / 72)
    main_name, fallback_name = rng.choice(FAMILIES)
    fallback = ImageFont.truetype(str(DEJAVU / fallback_name), int(px * (0.88 if main_name else 1.0)))
    main = ImageFont.truetype(str(LIBERATION / main_name), px) if main_name else fallback

    def font_of(ch: str):
        return fallback if ch in LIBERATION_MISSING else main

    def width_of(line: str) -> float:
        return sum(font_of(ch).getlength(ch) for ch in line)

    line_height = int(px * 1.45)
    margin = int(0.8 * dpi)
    # wide enough for the longest line: text cut at the page edge is not OCR damage
    width = max(int(8.27 * dpi), int(max((width_of(x) for x in lines), default=0)) + 2 * margin)
    height = margin * 2 + line_height * len(lines)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    ink = rng.randint(0, 60)
    for i, line in enumerate(lines):
        x, baseline = float(margin), margin + i * line_height + px
        for ch in line:
            font = font_of(ch)
            draw.text((x, baseline), ch, font=font, fill=ink, anchor="ls")
            x += font.getlength(ch)
    if style == "photocopy":
        image, dpi = photocopy(image, rng, dpi)
    elif degrade:
        if rng.random() < 0.7:
            image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
        if rng.random() < 0.5:
            image = image.rotate(rng.uniform(-1.0, 1.0), fillcolor=255, expand=False)
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=rng.randint(35, 70))
        buf.seek(0)
        image = Image.open(buf).convert("L")
    buf = io.BytesIO()
    image.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue(), dpi


def ocr_png(png: bytes, lang: str, dpi: int) -> str:
    proc = subprocess.run(["tesseract", "-", "-", "-l", lang, "--psm", "6", "--dpi", str(dpi)],
                          input=png, capture_output=True, timeout=120, env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
    return proc.stdout.decode("utf-8", "replace")


def generate(paragraphs: list[str], out_path: Path, pages: int, seed: int, lines_per_page: int = 22,
             vie_share: float = 0.3, style: str = "print") -> None:
    """Render ``pages`` pages from ``paragraphs`` and append OCR pairs to ``out_path``.

    Pages already present in ``out_path`` (by page index) are skipped, so an
    interrupted run resumes where it stopped.
    """
    rng = random.Random(seed)
    done = set()
    if out_path.exists():
        for row in out_path.read_text(encoding="utf-8").splitlines():
            done.add(json.loads(row)["page"])
    order = list(range(len(paragraphs)))
    rng.shuffle(order)
    cursor = 0
    with out_path.open("a", encoding="utf-8") as out:
        for page in range(pages):
            width = rng.randint(60, 90)
            lines: list[str] = []
            while len(lines) < lines_per_page and cursor < len(order):
                lines.extend(wrap_paragraphs([paragraphs[order[cursor]]], width))
                cursor += 1
            lines = lines[:lines_per_page]
            lang = "vie" if rng.random() < vie_share else "eng"
            degrade = lang == "vie" or rng.random() < 0.3
            png, dpi = render_page(lines, rng, degrade, style)
            if page in done:
                continue
            text = ocr_png(png, lang, dpi)
            out.write(json.dumps({"page": page, "lang": lang, "truth": lines,
                                  "ocr": text.splitlines()}, ensure_ascii=False) + "\n")
            out.flush()
