"""Who a letter goes to and who signs it: "Kính gửi:", "Nơi nhận:", the signer block."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .header import KINH_GUI_RE, STAMP_RE
from .people import starts_with_head
from .text import fold, is_syllable, is_upper_line, sentence_case, squash

NOI_NHAN_RE = re.compile(r"^\W*n\w{1,2}i\s+nh\w{1,2}n\s*[:;.]?\s*")
SIGNER_PREFIX_RE = re.compile(r"(?<![\w/])(?P<prefix>T\s*/\s*M|K\s*/\s*T|T\s*/\s*L|TM|KT|TL|TUQ|Q|T\.M|K\.T|T\.L)\s*[.:]?\s+(?=[A-ZĐÀ-Ỹ]{2})")
PURPOSES = [
    (re.compile(r"\(\s*(?:de\s+)?(?:b\s*/\s*c|bc|bao\s+cao)\b"), "báo cáo"),
    (re.compile(r"\(\s*(?:de\s+)?(?:p\s*/\s*h|ph|phoi\s+hop)\b"), "phối hợp"),
    (re.compile(r"\(\s*(?:de\s+)?(?:t\s*/\s*h|th|thuc\s+hien)\b"), "thực hiện"),
    (re.compile(r"\(\s*(?:de\s+)?(?:c\s*/\s*d|cd|chi\s+dao)\b"), "chỉ đạo"),
    (re.compile(r"\(\s*(?:de\s+)?(?:biet|b)\s*[),;]"), "để biết"),
    (re.compile(r"\(\s*de\s+biet"), "để biết"),
]
_BODY_START = re.compile(r"^\W*(?:can\s+cu|thuc\s+hien|theo\s|ngay\s+\d|qua\s|de\s|nham\s|thoi\s+gian|tiep\s+nhan|phuc\s+dap|"
                         r"trong\s|hien\s+nay|tren\s+co\s+so|ve\s+viec|nhu\s+cau|vua\s+qua|can\s)")


def _clean_item(text: str) -> str:
    text = squash(text)
    text = re.sub(r"^[-–—+•*_·~]+\s*", "", text)
    return text.strip(" ;,.:")


def parse_recipients(lines: list[str], start: int | None) -> tuple[list[str], int]:
    """Addressees after "Kính gửi:"; returns them and the index of the first body line.

    >>> parse_recipients(["Kính gửi: - UBND các xã;", "- Phòng Y tế.", "", "Thực hiện ..."], 0)
    (['UBND các xã', 'Phòng Y tế'], 3)
    """
    if start is None:
        return [], 0
    first = lines[start]
    m = KINH_GUI_RE.match(fold(first))
    pieces = [first[m.end():] if m else first]
    items: list[str] = []
    cur: str | None = None
    i = start
    end = start + 1
    prev_end = ""
    for i in range(start, min(len(lines), start + 20)):
        text = pieces[0] if i == start else lines[i]
        stripped = text.strip()
        if not stripped:
            if cur is not None or items:
                end = i + 1
                break
            continue
        f = fold(stripped)
        bullet = bool(re.match(r"^[-–—+•]\s*", stripped))
        starts_upper = stripped[:1].isupper()
        if cur is not None and not bullet and (prev_end == "." or _BODY_START.match(f) or len(stripped) > 110
                                               or starts_upper and prev_end not in ";,"):
            # a wrapped addressee goes on in lower case; a capital after an unfinished one opens the body
            end = i
            break
        if bullet or cur is None or prev_end == ";":
            if cur is not None:
                items.append(cur)
            cur = stripped
        else:
            cur += " " + stripped
        prev_end = stripped[-1]
        end = i + 1
    else:
        end = i + 1
    if cur is not None:
        items.append(cur)
    out: list[str] = []
    for item in items:
        for part in re.split(r";\s*(?:[-–+]\s*)?", item):
            for name in split_on_commas(_clean_item(part)):
                if len(name) > 1:
                    out.append(name)
    return out, end


def split_on_commas(text: str) -> list[str]:
    """ "Sở Y tế, Sở Tài chính" is two addressees; "UBND các huyện, thành phố" is one."""
    parts = [p.strip() for p in text.split(",")]
    out: list[str] = []
    for part in parts:
        if out and part[:1].isupper() and starts_with_head(part):
            out.append(part)
        elif out:
            out[-1] = f"{out[-1]}, {part}"
        else:
            out.append(part)
    return [p.strip(" ,.;") for p in out if p.strip(" ,.;")]


def purpose_of(item: str) -> str | None:
    f = fold(item)
    if re.match(r"^\W*luu\b", f):
        return "lưu"
    for regex, purpose in PURPOSES:
        if regex.search(f):
            return purpose
    return None


def _signerish(text: str) -> bool:
    text = text.strip()
    if not text:
        return False
    if SIGNER_PREFIX_RE.match(text) or is_person_name(text):
        return True
    words = [w.strip(".,;:") for w in text.split() if any(c.isalpha() for c in w)]
    if len(words) < 2 or not is_upper_line(text) or text.startswith(("-", "+")) or "," in text:
        return False
    return sum(is_syllable(w) for w in words) >= max(2, len(words) * 2 // 3)


def is_person_name(text: str) -> bool:
    """ "Nguyễn Văn An": 2 to 5 title-case syllables."""
    words = text.strip(" .,;").split()
    if not 2 <= len(words) <= 5:
        return False
    return all(w[:1].isupper() and (len(w) == 1 or w[1:].islower()) and is_syllable(w) for w in words)


def split_distribution_line(line: str) -> tuple[str, str]:
    """ "- Như trên; PHÓ CHỦ TỊCH" -> ("- Như trên;", "PHÓ CHỦ TỊCH")."""
    if re.match(r"^\W*l\w{1,2}u\b", fold(line)):
        m = re.search(r"\.\s+(?=\S)", line)
        if m and _signerish(line[m.end():]):
            return line[: m.start() + 1].strip(), line[m.end():].strip()
        m = SIGNER_PREFIX_RE.search(line)
        if m and m.start() > 0:
            return line[: m.start()].strip(), line[m.start():].strip()
        return line.strip(), ""
    for m in re.finditer(r"[;.,:)]\s+(?=\S)", line):
        right = line[m.end():]
        if _signerish(right):
            return line[: m.start() + 1].strip(), right.strip()
    m = SIGNER_PREFIX_RE.search(line)
    if m and m.start() > 0:
        return line[: m.start()].strip(), line[m.start():].strip()
    return line.strip(), ""


@dataclass
class Tail:
    distribution: list[dict]
    signer_lines: list[str]
    start: int        # index of "Nơi nhận" or len(lines)


def parse_tail(lines: list[str], body_start: int) -> Tail:
    """The "Nơi nhận:" list (with purposes) and the signer lines mixed into it."""
    idx = None
    for i in range(len(lines) - 1, body_start - 1, -1):
        if NOI_NHAN_RE.match(fold(lines[i])):
            idx = i
            break
    signer_lines: list[str] = []
    dist: list[dict] = []
    if idx is None:
        return Tail([], signer_lines, len(lines))
    m = NOI_NHAN_RE.match(fold(lines[idx]))
    rest = lines[idx][m.end():].strip()
    current: dict | None = None
    stream: list[str] = ([rest] if rest else []) + lines[idx + 1:]
    for line in stream:
        line = line.strip()
        if not line:
            continue
        if STAMP_RE.search(line):
            continue
        bullet = line.startswith(("-", "+", "•", "–", "—", "_", "·", "*", "~"))
        # OCR may drop the dash: "Như trên;" is still an item, "PHÓ CHỦ TỊCH" is the signer
        undashed_item = (not bullet and not _signerish(line) and re.search(r"[;.]$", line)
                         and not is_person_name(line) and (current is None or line[:1].isupper()))
        if bullet or undashed_item:
            item, right = split_distribution_line(line)
            if right:
                signer_lines.append(right)
            text = _clean_item(item)
            if not re.search(r"[^\W\d_]{2,}", text):  # OCR debris such as "- j &"
                current = None
                continue
            current = {"to": text, "purpose": None, "raw": item}
            dist.append(current)
        elif _signerish(line) or current is None:
            signer_lines.append(line)
            current = None
        elif current is not None and line[:1].islower():
            current["raw"] += " " + line
            current["to"] = _clean_item(current["to"] + " " + line)
        else:
            signer_lines.append(line)
    for d in dist:
        d["purpose"] = purpose_of(d["raw"])
        d["to"] = re.sub(r"\s*\([^)]*\)\s*$", "", d["to"]).strip(" ;,.") or d["to"]
    return Tail(dist, signer_lines, idx)


def parse_signer(lines: list[str]) -> dict | None:
    """Title and name from the signer lines ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn A")."""
    on_behalf = None
    titles: list[str] = []
    name = None
    for line in lines:
        line = squash(line)
        if not line or re.search(r"(?i)\(?\s*(đã\s+ký|ký\s*,|ký tên|chữ ký|ký và)", line):
            continue
        m = SIGNER_PREFIX_RE.match(line)
        if m:
            prefix = re.sub(r"[\s.]", "", m.group("prefix"))
            on_behalf = f"{prefix}. {sentence_case(line[m.end():])}"
            continue
        if is_person_name(line) and (titles or on_behalf):
            name = line.strip(" .,;")
            break
        if is_upper_line(line) and len(line.split()) <= 8 and (on_behalf or titles or len(line.split()) <= 4):
            titles.append(sentence_case(line))
    if not (titles or name or on_behalf):
        return None
    title = titles[-1] if titles else (on_behalf.split(". ", 1)[1] if on_behalf else None)
    return {"title": title, "name": name, "on_behalf": on_behalf}
