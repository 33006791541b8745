"""Tasks: numbered items and request sentences, with assignees, collaborators, deadlines, rules.

Items are "1.", "1/-", "I.", "3.2.1", "a)", "đ)", "-", "Điều 3."; a paragraph without a marker
belongs to the item above it. An item that names nobody is for the letter's addressees.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .dates import date_from_match, find_deadlines, find_recurrences
from .people import collaborators, explicit_assignees, same_entity, split_entities, starts_with_head, strip_lead
from .text import fold, is_upper_line, split_sentences, squash

MARKERS = [
    # OCR reads the "1" of Party-style "1/-" as "l" or "I"
    ("ocr_one", 2, re.compile(r"^\s*(?P<ref>[lI|])\s*/\s*-\s*(?=\S)")),
    ("article", 1, re.compile(r"^\s*(?:Điều|ĐIỀU)\s+(?P<ref>\d+)\s*[.:]\s*")),
    ("ordinal", 2, re.compile(r"^\s*(?P<ref>Thứ\s+(?:nhất|hai|ba|tư|năm|sáu|bảy|tám|chín|mười))\s*[,:]\s*(?=\S)", re.I)),
    ("roman", 1, re.compile(r"^\s*(?P<ref>[IVX]{1,4})\s*[./)\-]\s*-?\s*(?=\S)")),
    ("num", 2, re.compile(r"^\s*(?P<ref>\d{1,2}(?:\.\d{1,2}){0,3})\s*(?:\.\s*-|/\s*-|[./)]|-)\s*(?=[^\d\s/.\-])")),
    ("num", 2, re.compile(r"^\s*(?P<ref>\d{1,2}(?:\.\d{1,2}){1,3})\s+(?=[^\d\s])")),
    ("letter", 6, re.compile(r"^\s*(?P<ref>[a-zđ])\s*[)/]\s*(?=\S)")),
    ("letter", 6, re.compile(r"^\s*(?P<ref>[a-zđ])\.\s+(?=[A-ZĐÀ-Ỹ])")),
    ("dash", 7, re.compile(r"^\s*(?P<ref>[-–—•*])\s*(?=\S)")),
    ("plus", 8, re.compile(r"^\s*(?P<ref>\+)\s*(?=\S)")),
]
NON_TASK_SECTIONS = ("muc dich", "yeu cau", "can cu", "ket qua", "tinh hinh", "danh gia", "uu diem", "han che",
                     "nguyen nhan", "bai hoc", "dac diem", "thanh phan", "kinh phi", "quan diem", "muc tieu",
                     "pham vi", "doi tuong", "giai thich", "thuc trang", "nhung ton tai", "ton tai", "so lieu",
                     "thoi gian, dia diem", "dia diem", "thoi gian, chu de", "chu de", "thoi gian va dia diem")
CLOSING_RE = re.compile(
    r"tran\s+trong|\./\.|tinh\s+than\s+(?:cong\s+van|van\s+ban|ke\s+hoach|thong\s+bao)\s+nay|"
    r"(?:thuc\s+hien|trien\s+khai)\s+(?:tot\s+|nghiem\s+tuc\s+)?(?:noi\s+dung\s+)?(?:cong\s+van|van\s+ban|ke\s+hoach|thong\s+bao|chi\s+thi|quyet\s+dinh|huong\s+dan)\s+nay|"
    r"trong\s+qua\s+trinh\s+(?:trien\s+khai\s+)?thuc\s+hien|co\s+hieu\s+luc|quan\s+tam\s+(?:trien\s+khai\s+)?thuc\s+hien|"
    r"biet\s*(?:,|va|de)?\s*(?:phoi\s+hop\s+)?thuc\s+hien|thong\s+bao\s+(?:den|de)\s"
)
CONTEXT_RE = re.compile(r"^\W*(?:can\s+cu|thuc\s+hien\s+(?:cong\s+van|van\s+ban|ke\s+hoach|chi\s+thi|nghi\s+quyet|quyet\s+dinh|thong\s+bao|huong\s+dan|chuong\s+trinh|ket\s+luan|y\s+kien)|theo\s|qua\s|thoi\s+gian\s+qua|nham|vua\s+qua|tiep\s+nhan|phuc\s+dap)")
REQUEST_RE = re.compile(r"(?:^|[\s,;(])(?:giao(?!\s+ban\b)|de\s+nghi|yeu\s+cau|kinh\s+de\s+nghi)\s")


@dataclass
class Block:
    kind: str
    level: int
    ref: str | None
    text: str


@dataclass
class TaskDraft:
    ref: str | None
    action: str
    assignees: list[str]
    collaborators: list[str] = field(default_factory=list)
    deadline: date | None = None
    deadline_text: str | None = None
    recurrence: str | None = None
    due_time: str | None = None

    def as_dict(self) -> dict:
        return {
            "ref": self.ref,
            "action": squash(self.action),
            "assignees": list(self.assignees),
            "collaborators": list(self.collaborators),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_text": self.deadline_text,
            "recurrence": self.recurrence,
            "due_time": self.due_time,
        }


def split_blocks(lines: list[str]) -> list[Block]:
    """Body lines -> items and paragraphs."""
    blocks: list[Block] = []
    cur: Block | None = None
    for raw in lines:
        s = squash(raw)
        if not s or re.fullmatch(r"[\d\W]{1,4}", s):
            if cur:
                blocks.append(cur)
                cur = None
            continue
        for kind, level, regex in MARKERS:
            m = regex.match(s)
            if m:
                if cur:
                    blocks.append(cur)
                ref = m.group("ref")
                if kind == "ocr_one":
                    kind, ref = "num", "1"
                elif kind == "ordinal":     # "Thứ hai, ..." is item 2
                    kind, ref = "num", str(ORDINALS.index(fold(ref).split()[-1]) + 1)
                if kind == "num":
                    level = 2 + ref.count(".")
                cur = Block(kind, level, ref, s[m.end():].strip())
                break
        else:
            if cur is None:
                cur = Block("para", 0, None, s)
            elif (re.search(r"[.:!?]\s*[”\"]?$", cur.text) and (s[:1].isupper() or s[:1] in "“\"")
                  or cur.kind != "para" and is_upper_line(cur.text) and not is_upper_line(s)):
                # a new sentence-paragraph, or the body under an upper-case heading
                blocks.append(cur)
                cur = Block("para", 0, None, s)
            else:
                cur.text = f"{cur.text} {s}"
    if cur:
        blocks.append(cur)
    return blocks


GENERIC_RE = re.compile(
    r"^(?:các|quý)\s+(?:đồng chí|đ/c|đơn vị|cơ quan|địa phương|ngành|cơ quan, đơn vị|đơn vị, địa phương|"
    r"cơ quan, đơn vị, địa phương|ngành, địa phương|cơ quan, ban, ngành)(?:\s+(?:được mời|có liên quan|liên quan|nêu trên|trên))?$",
    re.I)


def is_intro(text: str) -> bool:
    """The sentence that announces the items: "... đề nghị các đơn vị thực hiện một số nội dung sau:"."""
    return text.rstrip().endswith(":") or bool(re.search(r"(?:sau|nhu\s+sau|cu\s+the)\W{0,3}$", fold(text)))


def canonical(names: list[str], known: list[str], recipients: list[str] | None = None) -> list[str]:
    """Replace a name by the letter's own spelling of the same body ("UBMTTQVN" = "Ủy ban MTTQ Việt Nam");
    "các đơn vị", "các đồng chí được mời" mean the addressees."""
    out: list[str] = []
    if recipients:
        expanded: list[str] = []
        for name in names:
            expanded.extend(recipients if GENERIC_RE.match(name.strip()) else [name])
        names = expanded
    for name in names:
        for k in known:
            if same_entity(name, k):
                name = k
                break
        if name not in out:
            out.append(name)
    return out


def _is_heading(block: Block, nxt: Block | None) -> bool:
    text = block.text
    words = text.split()
    if block.kind == "para" or not words:
        return False
    deeper = nxt is not None and nxt.kind != "para" and nxt.level > block.level
    if is_upper_line(text) and block.kind in ("roman", "num", "letter", "article"):
        return True
    if text.endswith(":") and len(words) <= 25 and (deeper or nxt is None or nxt.kind == "para"):
        return deeper or len(words) <= 12
    if len(words) <= 12 and deeper and not re.search(r"[.;]$", text):
        return True
    return False


def _section_is_task(text: str) -> bool:
    f = fold(text).strip(" .:")
    return not f.startswith(NON_TASK_SECTIONS)


def _add_sentence(tasks: list[TaskDraft], cur: TaskDraft, sent: str, anchor: date | None) -> None:
    recs = find_recurrences(sent)
    deadlines = find_deadlines(sent, anchor, [(r.start, r.end) for r in recs])
    for r in recs:
        if cur.recurrence is None:
            cur.recurrence, cur.due_time = r.rule, r.due_time or cur.due_time
        else:
            extra = TaskDraft(cur.ref, sent, list(cur.assignees), list(cur.collaborators), recurrence=r.rule, due_time=r.due_time)
            tasks.append(extra)
    for d in deadlines:
        if cur.deadline is None and (cur.recurrence is None or not recs):
            cur.deadline, cur.deadline_text = d.date, d.text
            cur.due_time = cur.due_time or d.due_time
        else:
            extra = TaskDraft(cur.ref, sent, list(cur.assignees), list(cur.collaborators), d.date, d.text, due_time=d.due_time)
            tasks.append(extra)


def tasks_from_group(ref: str | None, texts: list[str], assignees: list[str], collabs: list[str],
                     known: list[str], anchor: date | None, recipients: list[str] | None = None) -> list[TaskDraft]:
    tasks: list[TaskDraft] = []
    cur: TaskDraft | None = None
    for text in texts:
        for sent in split_sentences(text):
            ents, how = explicit_assignees(sent)
            ents = canonical(ents, known, recipients)
            if ents and (cur is None or set(ents) != set(cur.assignees)):
                cur = TaskDraft(ref, sent, ents, collaborators(sent) or (collabs if how != "giao" else []))
                tasks.append(cur)
            elif cur is None:
                cur = TaskDraft(ref, sent, list(assignees), collaborators(sent) or list(collabs))
                tasks.append(cur)
            else:
                cur.action = f"{cur.action} {sent}"
                if not cur.collaborators:
                    cur.collaborators = collaborators(sent)
            _add_sentence(tasks, cur, sent, anchor)
    return tasks


ORDINALS = ["nhat", "hai", "ba", "tu", "nam", "sau", "bay", "tam", "chin", "muoi"]
LABEL_LEVEL = 6          # an unnumbered assignee label sits where "a)" would
OWN_PLAN_TYPES = ("Kế hoạch", "Chương trình", "Đề án", "Phương án", "Chương trình công tác")


@dataclass
class _Section:
    level: int
    assignees: list[str] | None    # "1. Phòng Văn hóa và Thông tin:" names who does the items below
    has_tasks: bool                # False under "MỤC ĐÍCH, YÊU CẦU", "KẾT QUẢ THỰC HIỆN" ...


class TaskReader:
    """Walks the body's blocks once, keeping the section stack, and turns items into task drafts."""

    def __init__(self, recipients: list[str], anchor: date | None, doc_type: str | None, issuer: str | None):
        self.recipients = list(recipients)
        self.known = list(recipients)            # spellings to normalise assignees to
        self.anchor = anchor
        # an item naming nobody is for the addressees; in a báo cáo or tờ trình, and in a plan sent to
        # nobody in particular, it is the sender's own work
        own_work = doc_type in ("Báo cáo", "Tờ trình") or not recipients and doc_type in OWN_PLAN_TYPES
        self.default = [issuer] if own_work and issuer else list(recipients)
        self.default_collab: list[str] = []
        self.stack: list[_Section] = []
        self.last_ref: dict[int, str] = {}
        self.group: tuple[str | None, list[str], list[str]] | None = None   # ref, texts, assignees
        self.first_item: int | None = None
        self.drafts: list[TaskDraft] = []

    def read(self, body: list[str]) -> list[TaskDraft]:
        blocks = split_blocks(body)
        self.first_item = next((i for i, b in enumerate(blocks) if b.kind != "para"), None)
        self._read_intro(blocks)
        for i, block in enumerate(blocks):
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if block.kind == "para":
                self._paragraph(i, block)
            else:
                self._item(block, nxt)
        self._flush()
        return self.drafts

    def _read_intro(self, blocks: list[Block]) -> None:
        """ "..., đề nghị Ban Thường trực ... phối hợp các tổ chức ... thực hiện nội dung sau:" sets the
        default assignees and collaborators of the items."""
        if self.first_item is None:
            return
        intro = next((b for b in reversed(blocks[:self.first_item]) if b.kind == "para"), None)
        if intro is None or not is_intro(intro.text):
            return
        ents, how = explicit_assignees(intro.text)
        if ents and how in ("de_nghi", "giao", "subject"):
            self.default = canonical(ents, self.known, self.recipients)
            self.known.extend(x for x in self.default if x not in self.known)
        self.default_collab = collaborators(intro.text)

    def _in_task_section(self) -> bool:
        return all(s.has_tasks for s in self.stack)

    def _paragraph(self, i: int, block: Block) -> None:
        if not self._in_task_section():
            return
        after_items = self.first_item is not None and i > self.first_item
        if after_items and self._label(block):
            return
        f = fold(block.text)
        dated = bool(find_deadlines(block.text, self.anchor))
        closing = bool(CLOSING_RE.search(f)) and not dated
        if self.group is not None and self.first_item is not None and i > self.first_item:
            # a paragraph without a marker belongs to the item above it, unless it closes the letter
            if closing:
                self._flush()
            else:
                self.group[1].append(block.text)
            return
        # a paragraph outside the items is a task only when it asks someone or sets a date
        if closing or CONTEXT_RE.match(f) and not REQUEST_RE.search(f):
            return
        if is_intro(block.text) and self.first_item is not None and i < self.first_item and not dated:
            return
        ents, _ = explicit_assignees(block.text)
        if REQUEST_RE.search(f) and ents or dated or find_recurrences(block.text) or after_items and ents:
            self._flush()
            self.drafts.extend(self._tasks(None, [block.text], self.default))

    def _label(self, block: Block) -> bool:
        """An unnumbered "Phòng Văn hóa và Thông tin:" above dash items names who does them."""
        label = strip_lead(block.text)
        if not (label.endswith(":") and len(label.split()) <= 14 and starts_with_head(label)):
            return False
        who = self._heading_assignees(block)
        if not who:
            return False
        self._flush()
        while self.stack and self.stack[-1].level >= LABEL_LEVEL:
            self.stack.pop()
        self.stack.append(_Section(LABEL_LEVEL, who, True))
        return True

    def _item(self, block: Block, nxt: Block | None) -> None:
        self._flush()
        while self.stack and self.stack[-1].level >= block.level:
            self.stack.pop()
        ref = self._ref(block)
        if _is_heading(block, nxt):
            self.stack.append(_Section(block.level, self._heading_assignees(block) or None,
                                       _section_is_task(block.text) and self._in_task_section()))
            return
        if not self._in_task_section() or not _section_is_task(block.text):
            return
        if block.kind == "article" and not self._article_has_task(block):
            return
        inherited = next((s.assignees for s in reversed(self.stack) if s.assignees), None)
        self.group = (ref, [block.text], inherited or self.default)

    def _ref(self, block: Block) -> str | None:
        """Item number as printed; a dash item carries the number of the item it sits under."""
        if block.kind in ("dash", "plus"):
            return next((self.last_ref[lv] for lv in sorted(self.last_ref, reverse=True) if lv < block.level), None)
        self.last_ref = {lv: r for lv, r in self.last_ref.items() if lv < block.level}
        self.last_ref[block.level] = block.ref
        return block.ref

    def _heading_assignees(self, block: Block) -> list[str]:
        ents, _ = explicit_assignees(block.text)
        label = strip_lead(block.text)
        if not ents and starts_with_head(label) and len(label.split()) <= 14:
            ents = split_entities(label.rstrip(" :."))
        return canonical(ents, self.known, self.recipients)

    def _article_has_task(self, block: Block) -> bool:
        """ "Điều 3. X, Y chịu trách nhiệm thi hành" yes; "Điều 4. Quyết định có hiệu lực ..." no."""
        ents, _ = explicit_assignees(block.text)
        if not ents and not find_deadlines(block.text, self.anchor):
            return False
        f = fold(block.text)
        return bool(ents) or not CLOSING_RE.search(f) or "thi hanh" in f

    def _flush(self) -> None:
        if self.group is not None:
            ref, texts, who = self.group
            self.drafts.extend(self._tasks(ref, texts, who))
            self.group = None

    def _tasks(self, ref: str | None, texts: list[str], who: list[str]) -> list[TaskDraft]:
        return tasks_from_group(ref, texts, who, self.default_collab, self.known, self.anchor, self.recipients)


def extract_tasks(body: list[str], recipients: list[str], anchor: date | None, *,
                  doc_type: str | None = None, issuer: str | None = None) -> list[dict]:
    """Tasks of the letter body, as schema dicts."""
    drafts = TaskReader(recipients, anchor, doc_type, issuer).read(body)
    if doc_type == "Giấy mời":
        meeting = find_meeting(body, anchor)
        if meeting and not any(d.deadline == meeting[0] for d in drafts):
            day, tm, phrase = meeting
            drafts.insert(0, TaskDraft(None, "Dự họp", list(recipients), [], day, phrase, due_time=tm))
    # an item naming nobody, with no date, in a letter without addressees is a statement, not a task
    return [d.as_dict() for d in drafts if d.action.strip() and (d.assignees or d.deadline or d.recurrence)]


MEETING_RE = re.compile(r"(?<![a-z])(?:(?:vao\s+)?luc|thoi\s+gian\s*:?)[^.;\n]{0,60}?(?:ngay\s*)?(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})(?:\s*[/.\-]\s*(?P<y>(?:19|20)\d{2}))?")
CLOCK_RE = re.compile(r"(?P<hh>\d{1,2})\s*(?:h|gio)\s*(?P<mm>\d{2})?")


def find_meeting(body: list[str], anchor: date | None) -> tuple[date, str | None, str] | None:
    """When a Giấy mời asks people to come: "vào lúc 8 giờ 00, ngày 20/3/2024"."""
    text = " ".join(body)
    m = MEETING_RE.search(fold(text))
    if not m:
        return None
    day = date_from_match(m, anchor)
    if not day:
        return None
    tm = None
    clock = CLOCK_RE.search(fold(text), m.start(), m.end())
    if clock:
        h, mm = int(clock.group("hh")), int(clock.group("mm") or 0)
        if h < 24 and mm < 60:
            tm = f"{h:02d}:{mm:02d}"
    start = m.start()
    luc = fold(text).rfind("luc", m.start(), m.end())
    if luc >= 0:
        start = luc
    return day, tm, squash(text[start:m.end()])
