"""The letter's header: issuer lines, số/ký hiệu, place and date, type name, trích yếu.

OCR puts the two header columns side by side on one line ("UBND HUYỆN X CỘNG HÒA XÃ HỘI CHỦ
NGHĨA VIỆT NAM", "Số: 12/UBND-VX Tân Hiệp, ngày 5 tháng 3 năm 2024"); `split_columns` cuts
each line at the first right-column marker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .dates import find_letter_date
from .symbols import NUMBER_SYMBOL, SO_PREFIX, NumberSymbol, make_number_symbol
from .text import first_upper, fold, is_acronym, is_upper_line, sentence_case, squash

NATION_RE = re.compile(r"c\w{0,2}ng\s*h\w{1,2}a\s*x\w{1,2}\s*h\w{1,2}i\s*ch\w{1,2}\s*ngh\w{1,3}a(?:\s*vi\w{1,2}t\s*nam)?")
MOTTO_RE = re.compile(r"d\w{1,2}c\s*[l1i|]\w{1,2}p\s*[-–—_.]*\s*t\w{1,2}\s*d\w{1,2}\b|t\w\s*do\s*[-–—]+\s*h\w{1,2}nh\s*ph\w{1,2}c")
PARTY_RE = re.compile(r"d\w{1,2}ng\s*c\w{1,2}ng\s*s\w{1,2}n\s*vi\w{1,2}t\s*nam")
MOTTO_PIECE_RE = re.compile(r"(?:doc\s*lap|tu\s*do|hanh\s*phuc|viet\s*nam|chu\s*nghia\s*viet\s*nam)"
                            r"(?:\s*[-–—]+\s*(?:doc\s*lap|tu\s*do|hanh\s*phuc))*")
KINH_GUI_RE = re.compile(r"^\W*(?:tran\s+trong\s+|dong\s+)?k[iy]nh\s+(?:g\w{0,3}i|g\w{0,3}|moi)\b\s*[:;.\-]?\s*")
VV_RE = re.compile(r"^\s*(?:v\s*[/l1|]\s*[vy]|v\.v\.?|ve\s+vi[a-z]{1,2})\b\s*[:.]?\s*", re.I)
STAMP_RE = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[+-]\s*\d{2}:?\d{2})?")
SIGNATURE_META_RE = re.compile(r"^\W*(?:nguoi\s+ky|ky\s+boi|email|co\s+quan|thoi\s+gian\s+ky|chuc\s+vu)\s*:")
BODY_START_RE = re.compile(r"^\W*(?:can\s+cu|thuc\s+hien|theo|xet|kinh\s+gui|dieu\s+\d|phuc\s+dap|nham|de|qua|ngay\s+\d|"
                           r"trong|nhan\s+duoc|tiep\s+nhan|hien\s+nay|vua\s+qua|thoi\s+gian\s+qua|tinh\s+hinh|sau\s+khi|"
                           r"trien\s+khai|ban\s+thuong|uy\s+ban|ubnd)\b")


def _starts_body(text: str) -> bool:
    """A capitalised line opening the body ("Thực hiện Kế hoạch số ...", "Nhằm ...")."""
    return text[:1].isupper() and bool(BODY_START_RE.match(fold(text)))

TITLES = {fold(t): t for t in (
    "Quyết định", "Kế hoạch", "Thông báo", "Báo cáo", "Tờ trình", "Giấy mời", "Hướng dẫn", "Chỉ thị",
    "Nghị quyết", "Chương trình", "Công văn", "Quy định", "Quy chế", "Đề án", "Phương án", "Dự án",
    "Biên bản", "Công điện", "Thông tri", "Kết luận", "Giấy giới thiệu", "Giấy triệu tập", "Thư mời",
    "Thông tư", "Nghị định", "Bản ghi nhớ", "Hợp đồng", "Giấy ủy quyền", "Giấy nghỉ phép", "Phiếu gửi",
    "Phiếu chuyển", "Phiếu báo", "Thư công", "Điều lệ", "Lệnh", "Quy trình", "Thông cáo", "Văn bản",
    "Giấy mời họp", "Lịch công tác", "Chương trình công tác",
)}
TITLE_RE = re.compile(r"^(" + "|".join(sorted((re.escape(k) for k in TITLES), key=len, reverse=True)) + r")(?![a-z])")
_TITLE_SPACED = {k.replace(" ", ""): v for k, v in TITLES.items()}


def match_title(left: str) -> tuple[str, str] | None:
    """The type name of an upper-case title line and the text after it ("KẾ HOẠCH", "K Ế H O Ạ C H")."""
    f = fold(left)
    m = TITLE_RE.match(f)
    if m and is_upper_line(left[: m.end()]):
        return TITLES[m.group(1)], left[m.end():]
    if is_upper_line(left) and re.fullmatch(r"(?:\w\s+){3,}\w", f.strip()):   # letter-spaced title
        packed = f.replace(" ", "")
        if packed in _TITLE_SPACED:
            return _TITLE_SPACED[packed], ""
    return None

_ORG_HEADS = (
    "ban ", "so ", "phong ", "van phong", "uy ban", "ubnd", "ubmttq", "hdnd", "hoi dong", "dang bo", "dang uy",
    "huyen uy", "tinh uy", "thanh uy", "quan uy", "thi uy", "chi bo", "truong ", "trung tam", "cuc ", "chi cuc",
    "bo ", "tong cuc", "cong an", "benh vien", "hoi ", "lien doan", "doan ", "thuong truc", "bch ", "btv", "btt",
    "mat tran", "vien ", "kho bac", "ngan hang", "bao hiem", "chi nhanh", "hat ", "tram ", "dai ", "bo chi huy",
    "ban chi huy", "ban chi dao", "to ", "nhom ", "cong ty", "hop tac xa", "thanh tra", "chi hoi", "doi ",
)


@dataclass
class Header:
    issuer_lines: list[str] = field(default_factory=list)
    issuer: str | None = None
    number: NumberSymbol | None = None
    place: str | None = None
    date: date | None = None
    title: str | None = None
    subject: str | None = None
    has_vv: bool = False
    kinh_gui: int | None = None     # line index of "Kính gửi"
    body_start: int = 0             # first line after the header (and its subject)


def strip_stamp(line: str) -> str:
    """Remove digital-signature stamps ("BAN DÂN VẬN 03-07-2024 10:49:40 +07:00")."""
    m = STAMP_RE.search(line)
    if not m:
        return line
    rest = line[: m.start()].rstrip() + " " + line[m.end():].lstrip()
    if is_upper_line(rest) or not rest.strip():
        return ""
    return squash(rest)


def split_columns(line: str) -> tuple[str, str]:
    """Cut a merged header line into its left and right columns.

    >>> split_columns("UBND HUYỆN TÂN HIỆP CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    ('UBND HUYỆN TÂN HIỆP', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM')
    """
    folded = fold(line)
    cuts = []
    for regex in (NATION_RE, MOTTO_RE, PARTY_RE):
        m = regex.search(folded)
        if m:
            cuts.append(m.start())
    _, dm = find_letter_date(line)
    if dm:
        cuts.append(place_start(line, dm.start()))
    if not cuts:
        return line.strip(), ""
    cut = min(cuts)
    return line[:cut].strip(), line[cut:].strip()


def place_start(line: str, date_at: int) -> int:
    """Where the place name before ", ngày ..." begins: title-case words back from the comma."""
    head = line[:date_at].rstrip(" ,.")
    tokens = list(re.finditer(r"\S+", head))
    start = date_at
    for tok in reversed(tokens):
        word = tok.group().strip(",")
        letters = [c for c in word if c.isalpha()]
        if not letters:
            break
        is_abbrev = word.endswith(".") and len(letters) <= 3 and word[:1].isupper()
        titled = word[:1].isupper() and not (len(letters) >= 2 and all(c.isupper() for c in letters))
        if titled or is_abbrev:
            start = tok.start()
            continue
        break
    return start


def parse_place_date(text: str) -> tuple[str | None, date | None]:
    day, m = find_letter_date(text)
    if not m:
        return None, None
    place = text[place_start(text, m.start()): m.start()].strip(" ,.-–")
    return (place or None), day


_DEBRIS_EDGE_RE = re.compile(r"(?:\s+[_~=|*]+)+$")


def strip_debris(line: str) -> str:
    """Rules and specks OCR reads at the end of a header line.

    >>> strip_debris("HIỆP _")
    'HIỆP'
    """
    return _DEBRIS_EDGE_RE.sub("", line).strip()


def compose_issuer(lines: list[str]) -> str | None:
    """Issuer in sentence case, the issuing body first, then its parent body.

    >>> compose_issuer(["ỦY BAN MTTQ VIỆT NAM", "THÀNH PHỐ LONG KHÁNH", "BAN THƯỜNG TRỰC"])
    'Ban Thường trực Ủy ban MTTQ Việt Nam thành phố Long Khánh'
    >>> compose_issuer(["ỦY BAN NHÂN DÂN HUYỆN TÂN", "HIỆP", "PHÒNG TÀI NGUYÊN VÀ MÔI", "TRƯỜNG"])
    'Phòng Tài nguyên và Môi trường Ủy ban nhân dân huyện Tân Hiệp'
    """
    bodies: list[str] = []
    for line in lines:
        f = fold(line).strip() + " "
        # a one-word line is the wrapped end of the name above ("PHÒNG TÀI NGUYÊN VÀ MÔI" / "TRƯỜNG")
        if not bodies or (f.startswith(_ORG_HEADS) and len(line.split()) > 1):
            bodies.append(line)
        else:
            bodies[-1] += " " + line
    if not bodies:
        return None
    names = [sentence_case(squash(b)) for b in bodies]
    # a Party committee names itself ("Huyện ủy Thanh Bình"): the "Đảng bộ ..." above it adds nothing
    committee = re.compile(r"(?:tinh|huyen|thanh|quan|thi|dang) uy \w")
    names = [n for i, n in enumerate(names)
             if not (fold(n).startswith("dang bo ") and any(committee.search(fold(x)) for x in names[i + 1:-1]))]
    child = names[-1]
    parents = names[:-1]
    if parents:
        parent = parents[-1]
        pf = fold(parent)
        cf = fold(child)
        m = re.match(r"dang bo (?:tinh|huyen|thanh pho|quan|thi xa|xa|phuong|thi tran) ", pf)
        if m and re.search(r"(tinh|huyen|thanh|quan|thi|dang) uy$", cf):
            return f"{child} {parent[m.end():]}"   # "Ban Dân vận Tỉnh ủy Đồng Tháp"
        if m and re.search(r"(tinh|huyen|thanh|quan|thi|dang) uy \w", cf):
            return child                           # "Huyện ủy Cao Lãnh"
    return " ".join([child] + list(reversed(parents)))


def clean_subject(lines: list[str]) -> str | None:
    """Trích yếu without "V/v" / "Về việc"; an upper-case one in sentence case."""
    text = squash(" ".join(lines))
    text = VV_RE.sub("", text, count=1) if VV_RE.match(fold(text)) else text
    text = re.sub(r"^\s*(?:V\s*[/l1|]\s*[VvYy]|[VvẾ]\S?\s+[Vv]i\S{1,3}|VỀ\s+VIỆC)\s*[:.]?\s*", "", text)
    text = re.sub(r"^Về\s+(?=[a-zđà-ỹ])", "", text)
    text = text.strip(" :;-–")
    if text and is_upper_line(text):
        words = [w if any(c.isdigit() for c in w) or is_acronym(w) else w.lower() for w in text.split()]
        text = first_upper(" ".join(words))
    return text or None


class HeaderReader:
    """Reads the header top-down: issuer lines, then "Số", then a V/v or a type name and its trích yếu.

    Each line is first cut into its two columns; the right column gives place and date. States:
    issuer -> after_number -> vv | title -> after_vv | done.
    """

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.h = Header()
        self.state = "issuer"
        self.subject: list[str] = []
        self.loose: list[str] = []       # mixed-case left lines that are neither V/v nor title
        self.end = 0

    def read(self) -> Header:
        h = self.h
        h.kinh_gui = next((i for i, line in enumerate(self.lines) if KINH_GUI_RE.match(fold(line))), None)
        limit = h.kinh_gui if h.kinh_gui is not None else min(len(self.lines), 45)
        self.end = limit
        for i in range(limit):
            raw = strip_stamp(self.lines[i])
            if not raw.strip() or SIGNATURE_META_RE.match(fold(raw)) or re.fullmatch(r"[\W_]*", raw):
                if self._blank(i):
                    break
                continue
            if self.state == "done":
                break
            left = self._split(raw)
            if left and self._left(i, left):
                break
        h.body_start = h.kinh_gui if h.kinh_gui is not None else self.end
        h.subject = clean_subject(self.subject) if self.subject else self._subject_above_kinh_gui()
        h.issuer = compose_issuer(h.issuer_lines)
        if h.date is None:
            self._find_date_anywhere(limit)
        return h

    def _blank(self, i: int) -> bool:
        """A blank line ends a trích yếu; returns True when the header is over."""
        if self.state in ("vv", "title") and self.subject:
            self.end = i
            if self.h.kinh_gui is None:
                self.state = "done"
                return True
            self.state = "after_vv" if self.state == "vv" else "done"
        if self.loose and self.state != "issuer":
            self.loose.append("")
        return False

    def _split(self, raw: str) -> str:
        """Take the number and the right column out of a line; returns what is left of the left column."""
        h = self.h
        so = SO_PREFIX.search(raw)
        nsm = NUMBER_SYMBOL.search(raw, so.end()) if so else None
        if so and nsm and h.number is None and nsm.start() - so.end() <= 2:
            h.number = make_number_symbol(nsm)
            before = raw[: so.start()].strip()
            right = raw[nsm.end():].strip()
            if right:
                # "Số: 12/UBND-VX V/v họp Tân Hiệp, ngày ..." : a V/v may sit between the number and the date
                tail, r2 = split_columns(right)
                if r2 or not tail:
                    right = r2
                if tail and VV_RE.match(fold(tail)):
                    self.subject = [tail]
                    h.has_vv = True
                    self.state = "vv"
                    right = "" if right == tail else right
            if before and self.state == "issuer" and is_upper_line(before):
                h.issuer_lines.append(strip_debris(before))
            if self.state != "vv":
                self.state = "after_number"
            left = ""
        else:
            left, right = split_columns(raw)
        if right:
            place, day = parse_place_date(right)
            if day and h.date is None:
                h.date, h.place = day, place
        elif not left:
            return ""
        if not left and self.state == "vv" and self.subject:
            self.state = "after_vv"     # the right column interrupts a V/v: it is over
        return left.strip(" *")

    def _left(self, i: int, left: str) -> bool:
        """Classify one left-column line; returns True when the header is over."""
        h = self.h
        lf = fold(left)
        if MOTTO_PIECE_RE.fullmatch(lf.strip(" -–—_.,")):
            return False        # "Hạnh phúc" wrapped onto its own line
        if VV_RE.match(lf) and self.state != "title":
            self.subject = [left]
            h.has_vv = True
            self.state = "vv"
            return False
        title = match_title(left)
        if title and self.state in ("issuer", "after_number", "after_vv") and not left.rstrip().endswith(":"):
            h.title = title[0]
            rest = title[1].strip(" :-–")
            self.subject = [rest] if rest else []
            self.state = "title"
            return False
        if self.state == "issuer" and is_upper_line(left):
            if re.search(r"[^\W\d_]{2,}", left):   # not OCR debris such as "~ I"
                h.issuer_lines.append(strip_debris(left))
            return False
        if self.state == "vv":
            if is_upper_line(left) or _starts_body(left) or len(self.subject) >= 5:
                self.state = "after_vv"
            else:
                self.subject.append(left)
                return False
        if self.state == "title":
            if not self.subject and not re.match(r"^\W*(?:can\s+cu|xet|theo\s+de\s+nghi|kinh\s+gui)\b", lf):
                self.subject.append(left)
                return False
            if (is_upper_line(left) and not is_upper_line(" ".join(self.subject))
                    or _starts_body(left) or len(self.subject) >= 5):
                self.end = i
                self.state = "done"
                return True
            self.subject.append(left)
            return False
        if self.state in ("issuer", "after_number", "after_vv"):
            self.loose.append(left)
            if self.state == "issuer":
                self.state = "after_number"
        return False

    def _subject_above_kinh_gui(self) -> str | None:
        """No "V/v" and no title: the block just above "Kính gửi" is the trích yếu."""
        if not self.loose or self.h.kinh_gui is None:
            return None
        block: list[str] = []
        for item in reversed(self.loose):
            if not item:
                if block:
                    break
                continue
            if parse_place_date(item)[1]:
                break
            block.insert(0, item)
        return clean_subject(block) if block and len(block) <= 5 else None

    def _find_date_anywhere(self, limit: int) -> None:
        """A place-date line outside the header columns (OCR put it below)."""
        for i in range(min(len(self.lines), limit + 3)):
            place, day = parse_place_date(self.lines[i])
            if day:
                self.h.date, self.h.place = day, place
                return


def parse_header(lines: list[str]) -> Header:
    """Header fields of a letter given as lines.

    >>> h = parse_header(["UBND HUYỆN TÂN HIỆP CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    ...                   "Số: 12/UBND-VX Tân Hiệp, ngày 5 tháng 3 năm 2024", "V/v họp giao ban", "Kính gửi: UBND các xã."])
    >>> h.issuer, h.number.number_symbol, h.place, h.date.isoformat(), h.subject
    ('UBND huyện Tân Hiệp', '12/UBND-VX', 'Tân Hiệp', '2024-03-05', 'họp giao ban')
    """
    return HeaderReader(lines).read()
