"""`parse_letter`: restored letter text in, the fields of letter.schema.json out."""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date

from .addressees import SIGNER_PREFIX_RE, Tail, is_person_name, parse_recipients, parse_signer, parse_tail
from .header import Header, parse_header, strip_stamp
from .people import starts_with_head
from .places import repair_place_names
from .references import find_references
from .tasks import extract_tasks
from .text import is_upper_line, squash

MAX_CHARS = 400_000
log = logging.getLogger(__name__)


def _safely(stage: str, fn, default):
    """Run one optional stage; a bug in it must not lose the rest of the letter."""
    try:
        return fn()
    except Exception:  # noqa: BLE001 - logged, and the stage's fields stay empty
        log.exception("parse stage %s failed; its fields are left empty", stage)
        return default


@dataclass
class Task:
    ref: str | None
    action: str
    assignees: list[str]
    collaborators: list[str]
    deadline: str | None
    deadline_text: str | None
    recurrence: str | None
    due_time: str | None = None


@dataclass
class Letter:
    doc_type: str | None = None
    number: str | None = None
    symbol: str | None = None
    number_symbol: str | None = None
    issuer: str | None = None
    issuer_lines: list[str] = field(default_factory=list)
    place: str | None = None
    date: str | None = None
    subject: str | None = None
    recipients: list[str] = field(default_factory=list)
    distribution: list[dict] = field(default_factory=list)
    signer: dict | None = None
    references: list[dict] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def prepare_lines(text: str) -> list[str]:
    """NFC, no tabs or control characters, one entry per printed line."""
    text = unicodedata.normalize("NFC", str(text)[:MAX_CHARS])
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return [squash(line) for line in text.split("\n")]


def signer_block_start(lines: list[str], start: int, end: int) -> tuple[int, list[str]]:
    """Find a signer block at the end of the body when there is no "Nơi nhận" to mark it."""
    i = end - 1
    block: list[str] = []
    found = False
    while i >= start:
        line = strip_stamp(lines[i])
        if not line:
            i -= 1
            continue
        if SIGNER_PREFIX_RE.match(line) or (is_upper_line(line) and len(line.split()) <= 8) or is_person_name(line) \
                or re.fullmatch(r"\(?\s*(?:Đã ký|đã ký|Ký|ký)[^)]*\)?", line):
            block.insert(0, line)
            if SIGNER_PREFIX_RE.match(line) or is_upper_line(line):
                found = True
            i -= 1
            continue
        break
    if not found:
        return end, []
    return i + 1, block


def issuer_from_body(lines: list[str]) -> str | None:
    """ "..., Thường trực Huyện ủy yêu cầu:" -> "Thường trực Huyện ủy" (for letters without a header)."""
    text = " ".join(lines)
    for m in re.finditer(r"(?:^|[,.;]\s+)([^,.;:]{3,90}?)\s+(?:yêu cầu|đề nghị|kính đề nghị|thông báo|trân trọng đề nghị)\b", text):
        cand = m.group(1).strip()
        cand = re.sub(r"^(?:Để|Nhằm|Vì vậy|Do đó|Vậy)\b.*?\s(?=[A-ZĐÀ-Ỹ])", "", cand)
        if starts_with_head(cand) and cand[:1].isupper() and len(cand.split()) <= 14:
            return cand
    return None


def doc_type_of(header: Header) -> str | None:
    """Type name: the title line; else "Công văn" for a V/v; else the symbol's type code; else Công văn
    (a letter with nothing of a header is still most likely one), or None for text that is no letter."""
    if header.title:
        return header.title
    if header.has_vv:
        return "Công văn"   # a V/v line is the mark of a công văn, whatever the symbol starts with
    if header.number is not None and header.number.doc_type:
        return header.number.doc_type
    if header.number or header.kinh_gui is not None or header.date or header.subject or header.issuer_lines:
        return "Công văn"
    return None


def body_end_and_signer(lines: list[str], body_start: int, tail: Tail) -> tuple[int, list[str]]:
    """Where the body stops ("Nơi nhận" or the signer block) and the lines of the signer block."""
    signer_lines = list(tail.signer_lines)
    block_start, block = signer_block_start(lines, body_start, tail.start)
    if block:
        return block_start, block + signer_lines
    return tail.start, signer_lines


def cited_text(lines: list[str]) -> str:
    """Paragraphs on one line each, so a citation wrapped over two lines reads whole."""
    return "\n".join(" ".join(p.split("\n")) for p in "\n".join(lines).split("\n\n"))


def parse_letter(text: str, *, today: date | None = None) -> dict:
    """Parse one Vietnamese official letter (cleaned, diacritics restored) into a dict.

    `today` resolves dates printed without a year when the letter has no date of its own.

    >>> parse_letter("Số: 12/UBND-VX\\nV/v họp\\nKính gửi: UBND các xã.")["number_symbol"]
    '12/UBND-VX'
    """
    lines = [repair_place_names(line) for line in prepare_lines(text)]
    header = parse_header(lines)
    if header.kinh_gui is not None:
        recipients, body_start = parse_recipients(lines, header.kinh_gui)
    else:
        recipients, body_start = [], header.body_start
    tail = parse_tail(lines, body_start)
    body_end, signer_lines = body_end_and_signer(lines, body_start, tail)
    body = lines[body_start:body_end]
    anchor = header.date or today or date.today()
    doc_type = doc_type_of(header)
    issuer = header.issuer or issuer_from_body(body)
    ns = header.number
    own = ns.number_symbol if ns else None
    references = _safely("references", lambda: find_references(cited_text(lines[:body_end]), own=own), [])
    tasks = _safely("tasks", lambda: extract_tasks(body, recipients, anchor, doc_type=doc_type, issuer=issuer), [])
    signer = _safely("signer", lambda: parse_signer(signer_lines), None)
    return Letter(
        doc_type=doc_type,
        number=ns.number if ns else None,
        symbol=ns.symbol if ns else None,
        number_symbol=own,
        issuer=issuer,
        issuer_lines=list(header.issuer_lines),
        place=header.place,
        date=header.date.isoformat() if header.date else None,
        subject=header.subject,
        recipients=recipients,
        distribution=tail.distribution,
        signer=signer,
        references=references,
        tasks=[Task(**t) for t in tasks],
    ).to_dict()
