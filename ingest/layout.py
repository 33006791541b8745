"""Reading order of an official letter from OCR word boxes.

Tesseract reads the two header columns of a letter (issuer left, national motto right) as shared
lines: "ỦY BAN NHÂN DÂN TỈNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM". The same happens to "Nơi nhận"
and the signer block at the foot. Here the words are regrouped by geometry:

1. ``segments``: each Tesseract line is cut where a horizontal gap is far wider than a space;
2. ``rows``: segments that share a vertical band;
3. ``zones``: runs of rows that split into two columns around a common gutter (the header, the
   foot) versus full-width rows (the body);
4. ``page_text``: each column zone is written left column then right column, one line per line;
   body lines are re-flowed into paragraphs, list items and headings keep their own lines.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field, replace

from ingest.ocr import OcrPage, OcrWord


@dataclass
class Segment:
    words: list[OcrWord]

    @property
    def left(self) -> int:
        return min(w.left for w in self.words)

    @property
    def right(self) -> int:
        return max(w.right for w in self.words)

    @property
    def top(self) -> int:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.bottom for w in self.words)

    @property
    def center(self) -> float:
        return (self.left + self.right) / 2

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class Block:
    """A run of lines in reading order: ``kind`` is "left", "right" (of a two-column zone) or "body"."""

    kind: str
    lines: list[Segment] = field(default_factory=list)


# ---------------------------------------------------------------- geometry


def _char_height(words: list[OcrWord]) -> float:
    heights = [w.height for w in words if len(w.text) > 1 and w.text.isalpha()] or [w.height for w in words]
    return float(statistics.median(heights)) if heights else 20.0


def segments(words: list[OcrWord], gap_factor: float = 1.6, keep_noise: bool = False) -> list[Segment]:
    """Tesseract lines cut at gaps wider than ``gap_factor`` × the text height.

    ``keep_noise`` keeps every word as it is (the same objects), for callers that map back to them."""
    h = _char_height(words)
    by_line: dict[int, list[OcrWord]] = {}
    for w in words:
        # rules under the issuer and the motto stick to neighbouring words as "_"
        if not keep_noise and w.text != w.text.strip("_|") and w.text.strip("_|"):
            w = replace(w, text=w.text.strip("_|"))
        if w.text.strip() and (keep_noise or not _is_noise(w, h)):
            by_line.setdefault(w.line, []).append(w)
    out: list[Segment] = []
    for line_words in by_line.values():
        line_words.sort(key=lambda w: w.left)
        current = [line_words[0]]
        for w in line_words[1:]:
            if w.left - current[-1].right > gap_factor * h:
                out.append(Segment(current))
                current = [w]
            else:
                current.append(w)
        out.append(Segment(current))
    return out


def _is_noise(w: OcrWord, h: float) -> bool:
    """Specks, rules, seal and signature strokes: what Tesseract reads as '„Š', '\\y/', '=' or a
    26-letter word 5 px high. Such words have a very low confidence or a height far from the text's."""
    t = w.text.strip()
    punct = re.fullmatch(r"[_\-—–=~|.,'`\"·:;„]+", t) is not None
    if punct and (w.conf < 60 or len(t) > 2):
        return True
    if re.fullmatch(r"[.,:;'`\"·„_|~=]+", t) and w.height > 0.9 * h:  # a real '.' is tiny
        return True
    if 0 <= w.conf < 40 and not (0.45 * h <= w.height <= 2.2 * h):
        return True
    if w.height < 0.4 * h and any(ch.isalnum() for ch in t):  # a letter a third of the text's height
        return True
    return 0 <= w.conf < 10


def rows(segs: list[Segment]) -> list[list[Segment]]:
    """Group segments whose vertical extents overlap by more than half the smaller height."""
    result: list[list[Segment]] = []
    for seg in sorted(segs, key=lambda s: (s.top + s.bottom) / 2):
        mid = (seg.top + seg.bottom) / 2
        if result:
            row = result[-1]
            top, bottom = min(s.top for s in row), max(s.bottom for s in row)
            if top <= mid <= bottom or abs(mid - (top + bottom) / 2) < 0.35 * (bottom - top):
                row.append(seg)
                continue
        result.append([seg])
    for row in result:
        row.sort(key=lambda s: s.left)
    return result


def _two_columns(row: list[Segment], width: float, h: float) -> tuple[float, float] | None:
    """(gutter left, gutter right) when the row is a left part and a right part with a wide gap.

    A space between words is ~0.3 × the text height, a stretched justified space rarely over 1 ×;
    the gap between the header columns can be as small as ~2 × (long issuer names)."""
    if len(row) < 2:
        return None
    best = None
    for a, b in zip(row, row[1:]):
        gap = b.left - a.right
        if gap > max(1.6 * h, 0.015 * width) and (best is None or gap > best[1] - best[0]):
            best = (a.right, b.left)
    return best


def zones(page_rows: list[list[Segment]], width: float) -> list[Block]:
    """Split rows into blocks: each two-column zone gives a "left" and a "right" block, the rest "body"."""
    h = statistics.median([s.bottom - s.top for r in page_rows for s in r]) if page_rows else 20
    blocks: list[Block] = []
    i = 0
    while i < len(page_rows):
        gutter = _two_columns(page_rows[i], width, h)
        if gutter is None:
            _body(blocks).lines.extend(page_rows[i])
            i += 1
            continue
        left, right = Block("left"), Block("right")
        lo, hi = gutter
        last_bottom = max(s.bottom for s in page_rows[i])
        while i < len(page_rows):
            row = page_rows[i]
            g = _two_columns(row, width, h)
            if g is not None and g[0] < hi and g[1] > lo:  # the same gutter, narrowed to both rows
                lo, hi = max(lo, g[0]), min(hi, g[1])
            elif g is None and not _joins_zone(row, lo, hi, left, right, last_bottom, h):
                break
            elif g is not None:
                break
            for s in row:
                (left if s.center < (lo + hi) / 2 else right).lines.append(s)
            last_bottom = max(s.bottom for s in row)
            i += 1
        blocks.extend(b for b in (left, right) if b.lines)
    return blocks


def _body(blocks: list[Block]) -> Block:
    if not blocks or blocks[-1].kind != "body":
        blocks.append(Block("body"))
    return blocks[-1]


def _joins_zone(row, lo, hi, left: Block, right: Block, last_bottom: float, h: float) -> bool:
    """A one-sided row right under a column zone belongs to it when it stays clear of the gutter
    and lines up with that column (same left edge or same centre), close below the zone."""
    if row[0].top - last_bottom > 6 * h:
        return False
    seg = row[0] if len(row) == 1 else Segment([w for s in row for w in s.words])
    mid = (lo + hi) / 2
    column = left if seg.right <= mid else right if seg.left >= mid else None
    if column is None or not column.lines:
        return False
    tol = max(2.5 * h, 0.0)
    last = column.lines[-1]
    aligned = abs(seg.left - last.left) < tol or abs(seg.center - last.center) < tol
    close = row[0].top - last.bottom < (6 * h if column is right else 2.5 * h)
    return aligned and close


# ---------------------------------------------------------------- text


_LIST_START = re.compile(r"^(\d{1,2}[.)/]|[a-zđ][.)]|[IVX]{1,4}[.)]|[-–+•*]|Điều \d|Chương |Mục )", re.I)


def reflow(lines: list[Segment], left: float, right: float, h: float) -> list[str]:
    """Join wrapped body lines into paragraphs.

    A line starts a new paragraph when it is indented, starts a list item ("1.", "a)", "-") or when
    the line before it ended short of the right margin (a paragraph end, heading or centred line).
    >>> # "Các đơn vị chủ động rà soát," / "tổng hợp số liệu." -> "Các đơn vị chủ động rà soát, tổng hợp số liệu."
    """
    out: list[str] = []
    prev: Segment | None = None
    for seg in lines:
        text = seg.text
        new_par = (
            prev is None
            or seg.left - left > 1.5 * h  # first-line indent or centred line
            or right - prev.right > 4 * h  # previous line ended short
            or _LIST_START.match(text) is not None
            or out[-1].endswith((":", "./.", ";"))
        )
        if new_par:
            out.append(text)
        elif out[-1].endswith("-") and not out[-1].endswith(" -"):
            out[-1] += text  # a word broken at a hyphen: keep the hyphen, join without a space
        else:
            out[-1] += " " + text
        prev = seg
    return out


def blocks_of(page: OcrPage) -> list[Block]:
    segs = segments(page.words)
    if not segs:
        return []
    width = page.width or max(s.right for s in segs)
    # a row of nothing but specks (':', '._' left of a header line Tesseract could not read)
    # would cut a column zone in two
    page_rows = [r for r in rows(segs) if any(ch.isalnum() for s in r for ch in s.text)]
    return zones(page_rows, width)


def page_text(page: OcrPage) -> str:
    """Text of one OCR'd page in reading order.

    Header: the left column ("ỦY BAN NHÂN DÂN …", "Số: 412/UBND-VP") comes before the right one
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Tân Hiệp, ngày …"); body paragraphs are one line each.
    """
    blocks = blocks_of(page)
    if not blocks:
        return ""
    h = _char_height(page.words)
    body_segs = [s for b in blocks if b.kind == "body" for s in b.lines]
    if body_segs:
        lefts = sorted(s.left for s in body_segs)
        rights = sorted(s.right for s in body_segs)
        margin_left = lefts[len(lefts) // 10]
        margin_right = rights[-1 - len(rights) // 10]
    out: list[str] = []
    for block in blocks:
        if block.kind == "body":
            out.extend(reflow(block.lines, margin_left, margin_right, h))
        else:
            out.extend(_merge_row(block.lines))
    return "\n".join(out)


def _merge_row(lines: list[Segment]) -> list[str]:
    """Column lines in order; two segments of one column on the same row join with a space."""
    out: list[str] = []
    prev = None
    for seg in sorted(lines, key=lambda s: (s.top + s.bottom) / 2):
        if prev is not None and seg.top < prev.bottom - 0.5 * (prev.bottom - prev.top):
            out[-1] += " " + seg.text
        else:
            out.append(seg.text)
        prev = seg
    return out
