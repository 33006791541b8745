"""Dates, deadlines and repeating duties in Vietnamese administrative prose.

All patterns run on `fold(text)` (same length, no diacritics, lower case), so
"trước ngày 15 tháng 12 năm 2024" and an OCR-damaged "truoc ngay 15 thang 12 nam 2024"
read alike, and spans slice the original text for `deadline_text`.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .text import fold

ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
WEEKDAYS = {"hai": "MO", "ba": "TU", "tu": "WE", "nam": "TH", "sau": "FR", "bay": "SA",
            "2": "MO", "3": "TU", "4": "WE", "5": "TH", "6": "FR", "7": "SA"}

_SEP = r"\s*[/.\-–]\s*"
_D = r"(?P<d>\d{1,2})"
_M = r"(?P<m>\d{1,2})"
_Y = r"(?P<y>(?:19|20)\d{2})"
# "08/02/2022", "08-02-2022", "8.2.2022", "30/6"; "15 tháng 12 năm 2024", "15 tháng 12"
DAY_NUM = rf"{_D}{_SEP}{_M}(?:{_SEP}{_Y})?(?![\d/])"
DAY_WORDS = r"(?P<d2>\d{1,2})\s+thang\s+(?P<m2>\d{1,2})(?:\s*,?\s*nam\s+(?P<y2>(?:19|20)\d{2}))?"
DAY = rf"(?:ngay\s*)?(?:{DAY_NUM}|{DAY_WORDS})"
MONTH = r"thang\s+(?P<mo>\d{1,2})(?:" + _SEP + r"(?P<moy>(?:19|20)\d{2})|\s+nam\s+(?P<moy2>(?:19|20)\d{2}))?"
QUARTER = r"quy\s+(?P<q>iv|i{1,3}|[1-4])(?![a-z])(?:" + _SEP + r"(?P<qy>(?:19|20)\d{2})|\s+nam\s+(?P<qy2>(?:19|20)\d{2}))?"
YEAR = r"nam\s+(?P<yy>(?:19|20)\d{2})"
TIME = r"(?P<hh>\d{1,2})\s*(?:h|gio|:)\s*(?P<mm>\d{2})?(?:\s*(?:phut|')\s*)?"

DATE_RE = re.compile(DAY)
# the place-date line ends with the year: "Căn cứ Luật Giá ngày 19 tháng 6 năm 2023 ..." is not one
LETTER_DATE_RE = re.compile(r"ng\w{1,2}y\s*(?P<d>\d{1,2})\s*th\w{2,3}g\s*(?P<m>\d{1,2})\s*n\w{1,2}m\s*(?P<y>(?:19|20)\d{2})"
                            r"(?=[\s.,;:)]*$)")


def make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def last_day(year: int, month: int) -> date | None:
    if not 1 <= month <= 12:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day (Monday to Friday) after `start`."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def _infer_year(month: int, day: int, anchor: date) -> int:
    """A date printed without its year falls on or after the letter's date ("trước 30/6")."""
    year = anchor.year
    candidate = make_date(year, month, day)
    if candidate and candidate < anchor - timedelta(days=31):
        return year + 1
    return year


def parse_date(text: str, anchor: date | None = None) -> date | None:
    """First date in a text; a missing year comes from `anchor`.

    >>> parse_date("ngày 02/01/2020")
    datetime.date(2020, 1, 2)
    >>> parse_date("ngày 15 tháng 12 năm 2024")
    datetime.date(2024, 12, 15)
    """
    m = DATE_RE.search(fold(text))
    return date_from_match(m, anchor) if m else None


def date_from_match(m: re.Match, anchor: date | None) -> date | None:
    g = m.groupdict()
    if g.get("d"):
        d, mo, y = int(g["d"]), int(g["m"]), g.get("y")
    else:
        d, mo, y = int(g["d2"]), int(g["m2"]), g.get("y2")
    if not (1 <= d <= 31 and 1 <= mo <= 12):
        return None
    if y:
        return make_date(int(y), mo, d)
    if anchor is None:
        return None
    return make_date(_infer_year(mo, d, anchor), mo, d)


@dataclass
class Deadline:
    start: int
    end: int
    text: str
    date: date | None
    due_time: str | None = None


@dataclass
class Recurrence:
    start: int
    end: int
    text: str
    rule: str
    due_time: str | None = None


# words that make the date that follows a deadline
_CUE = (r"(?:truoc|cham nhat(?:\s+la)?(?:\s+(?:vao|den|truoc))?|muon nhat(?:\s+la)?|han chot(?:\s+la)?|"
        r"han cuoi(?:\s+la)?|khong qua|den het|het|hoan thanh|han nop(?:\s+la)?|han|"
        r"(?<!tinh )den|trong|cuoi)")
_LABEL = (r"(?:thoi gian|thoi han|han)(?:\s+(?:thuc hien|hoan thanh|nop|gui|bao cao|gui bao cao|trien khai|"
          r"nop bao cao|ket thuc|cuoi|chot))?\s*:")

DEADLINE_RE = re.compile(
    rf"(?<![a-z])(?P<cue>{_CUE})\s*(?:(?:la|vao|luc)\s+)?(?:{TIME}\s*,?\s*)?(?:ngay\s+)?(?:thu\s+\w+\s*,?\s*)?"
    rf"(?:(?:ngay\s*)?(?:{DAY_NUM}|{DAY_WORDS})|{MONTH}|{QUARTER}|{YEAR})"
    rf"(?:\s*[,(]?\s*(?:truoc|luc|vao)?\s*{TIME.replace('hh', 'hh2').replace('mm', 'mm2')})?"
)
LABEL_RE = re.compile(
    rf"(?<![a-z]){_LABEL}\s*(?:tu\s+(?:ngay\s+)?[\d/.\-]{3,10}\s*den\s+)?(?P<cue>{_CUE})?\s*(?:ngay\s+)?"
    rf"(?:(?:ngay\s*)?(?:{DAY_NUM}|{DAY_WORDS})|{MONTH}|{QUARTER}|{YEAR})"
)
RELATIVE_RE = re.compile(
    r"(?<![a-z])(?P<cue>trong\s+(?:thoi\s+han|vong|thoi\s+gian)?|sau|cham\s+nhat(?:\s+la)?|truoc|khong\s+qua)\s*"
    r"(?P<n>\d{1,3})\s*(?:\([^)\d]{1,20}\)\s*)?(?P<unit>ngay|thang(?!\s+(?:dau|cuoi)\s+nam))(?P<work>\s+lam\s+viec)?"
    r"(?:\s*[,(]?\s*(?:ke\s+tu|tinh\s+tu|sau)\s+(?:ngay\s+)?(?P<what>[^,.;()]{0,60}?)?)?"
    rf"(?:(?P<base>{DAY_NUM.replace('?P<d>', '?P<bd>').replace('?P<m>', '?P<bm>').replace('?P<y>', '?P<by>')})|(?=[,.;()]|$))"
)
# a schedule line: "Tháng 3/2024: tổ chức hội nghị ...", "Quý II: sơ kết ..."
PERIOD_LABEL_RE = re.compile(rf"^\W*(?:(?:trong|cuoi)\s+)?(?:{MONTH}|{QUARTER})\s*:")
_BEFORE_WORDS = ("tinh den", "so lieu", "ke tu", "tu ngay")


# events a relative deadline can count from: the letter itself ("kể từ ngày ký", "... nhận được Công văn này")
_FROM_LETTER = re.compile(r"^(?:ky|ban\s+hanh|phat\s+hanh)\b|^nhan\b.*\bnay\b")


def _relative_base(m: re.Match, anchor: date | None) -> date | None:
    """The day a "trong thời hạn 10 ngày ..." counts from; None for events we cannot date
    ("kể từ ngày nhận đủ hồ sơ")."""
    if m.group("bd"):
        day, month = int(m.group("bd")), int(m.group("bm"))
        if m.group("by"):
            return make_date(int(m.group("by")), month, day)
        return make_date(_infer_year(month, day, anchor), month, day) if anchor else None
    what = (m.group("what") or "").strip()
    if not what:
        # no "kể từ": counted from the letter, unless it is "sau 5 ngày" of something unnamed
        return None if m.group("cue").startswith("sau") or "ke tu" in m.group(0) else anchor
    return anchor if _FROM_LETTER.search(what) else None


def _add_months(day: date, months: int) -> date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _time(m: re.Match, suffix: str = "") -> str | None:
    hh = m.groupdict().get("hh" + suffix)
    if not hh:
        return None
    h = int(hh)
    mm = int(m.group("mm" + suffix) or 0)
    if h > 23 or mm > 59:
        return None
    return f"{h:02d}:{mm:02d}"


def _resolve(m: re.Match, anchor: date | None) -> date | None:
    g = m.groupdict()
    if g.get("d") or g.get("d2"):
        return date_from_match(m, anchor)
    if g.get("mo"):
        month = int(g["mo"])
        year = g.get("moy") or g.get("moy2")
        if year:
            return last_day(int(year), month)
        if anchor is None or not 1 <= month <= 12:
            return None
        y = anchor.year + (1 if month < anchor.month - 1 else 0)
        return last_day(y, month)
    if g.get("q"):
        q = g["q"]
        n = ROMAN.get(q) or int(q)
        year = g.get("qy") or g.get("qy2")
        y = int(year) if year else (anchor.year if anchor else None)
        if y is None:
            return None
        if not year and anchor and n * 3 < anchor.month - 1:
            y += 1
        return last_day(y, n * 3)
    if g.get("yy"):
        return date(int(g["yy"]), 12, 31)
    return None


def find_deadlines(text: str, anchor: date | None, masked: list[tuple[int, int]] = ()) -> list[Deadline]:
    """Deadlines in a sentence, in order.

    >>> [d.date.isoformat() for d in find_deadlines("báo cáo trước ngày 08/02/2022.", None)]
    ['2022-02-08']
    >>> find_deadlines("hoàn thành trong quý II/2024", None)[0].date.isoformat()
    '2024-06-30'
    """
    folded = fold(text)
    found: list[Deadline] = []
    taken: list[tuple[int, int]] = list(masked)

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in RELATIVE_RE.finditer(folded):
        if not free(m.start(), m.end()):
            continue
        base = _relative_base(m, anchor)
        if base is None:
            continue
        n = int(m.group("n"))
        if m.group("unit") == "thang":
            due = _add_months(base, n)
        elif m.group("work"):
            due = add_working_days(base, n)
        else:
            due = base + timedelta(days=n)
        found.append(Deadline(m.start(), m.end(), text[m.start():m.end()].strip(" ,.;"), due))
        taken.append((m.start(), m.end()))

    for regex in (PERIOD_LABEL_RE, LABEL_RE, DEADLINE_RE):
        for m in regex.finditer(folded):
            a, b = m.start(), m.end()
            if not free(a, b):
                continue
            g = m.groupdict()
            cue = (g.get("cue") or "").strip()
            if regex is DEADLINE_RE:
                if cue in ("trong", "cuoi") and not (g.get("mo") or g.get("q") or g.get("yy")):
                    continue  # "trong ngày 5/3" is an event, "trong tháng 3/2024" a deadline
                if g.get("yy") and cue not in ("trong", "truoc", "den het", "het", "cuoi"):
                    continue
                before = folded[max(0, a - 12):a]
                if any(w in before for w in _BEFORE_WORDS):
                    continue
                if re.search(r"so\s+lieu|tinh\s+tu|ky\s+bao\s+cao|thoi\s+diem", folded[max(0, a - 50):a]):
                    continue   # "số liệu từ ngày 01/01 đến ngày 30/6/2024" is a period, not a deadline
            due = _resolve(m, anchor)
            if due is None:
                continue
            start = a
            phrase = text[start:b].strip(" ,.;()")
            if regex is PERIOD_LABEL_RE:
                start = a + len(folded[a:b]) - len(folded[a:b].lstrip(" -–+*•"))
                phrase = text[start:b].strip(" :")
            if regex is LABEL_RE:
                start = m.start("cue") if m.group("cue") else a
                phrase = text[start:b].strip(" ,.;():")
                label_end = folded.index(":", a) + 1
                if not m.group("cue"):
                    phrase = text[label_end:b].strip(" ,.;():")
            due_time = (_time(m) or _time(m, "2")) if regex is DEADLINE_RE else None
            found.append(Deadline(start, b, phrase, due, due_time))
            taken.append((a, b))
    found.sort(key=lambda d: d.start)
    return found


_EVERY = r"(?:hang|moi|dinh\s+ky(?:\s+hang)?|dinh\s+ky\s+moi)"
RECURRENCE_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(rf"(?:vao\s+)?(?:ngay\s+)?thu\s+(?P<wd>hai|ba|tu|nam|sau|bay|[2-7])\s*,?\s*(?:cua\s+)?{_EVERY}\s+tuan"), "WEEKLY_DAY"),
    (re.compile(rf"{_EVERY}\s+tuan\s*,?\s*(?:vao\s+)?(?:ngay\s+)?(?:(?:truoc|luc|vao)\s+)?(?:\d{1,2}\s*(?:h|gio|:)\s*\d{0,2}\s+)?(?:ngay\s+)?thu\s+(?P<wd>hai|ba|tu|nam|sau|bay|[2-7])(?![a-z])"), "WEEKLY_DAY"),
    (re.compile(rf"(?:vao\s+)?(?:ngay\s+)?chu\s+nhat\s*,?\s*{_EVERY}\s+tuan"), "WEEKLY_SU"),
    (re.compile(rf"ngay\s+(?P<md>\d{{1,2}})\s+(?:cua\s+)?thang\s+cuoi\s+(?:cua\s+)?(?:moi\s+|hang\s+)?quy"), "QUARTERLY_DAY"),
    (re.compile(rf"ngay\s+(?P<md>\d{{1,2}})\s+(?:cua\s+)?{_EVERY}\s+quy"), "QUARTERLY_DAY"),
    (re.compile(rf"ngay\s+(?P<md>\d{{1,2}})\s+(?:cua\s+)?(?:{_EVERY}|cac)\s+thang"), "MONTHLY_DAY"),
    (re.compile(rf"{_EVERY}\s+thang\s*,?\s*(?:\(?\s*)?(?:truoc|cham nhat|vao)?\s*(?:ngay\s+)(?P<md>\d{{1,2}})(?![\d/])"), "MONTHLY_DAY"),
    (re.compile(rf"ngay\s+(?P<yd>\d{{1,2}})\s*(?:[/.\-]|\s+thang\s+)\s*(?P<ym>\d{{1,2}})\s+(?:cua\s+)?(?:{_EVERY})\s+nam"), "YEARLY_DAY"),
    (re.compile(rf"(?:{_EVERY}\s+(?:0?6|sau)\s+thang|(?:0?6|sau)\s+thang\s*(?:mot|1|01)\s+lan|(?:0?6|sau)\s+thang\s*/\s*lan)"), "FREQ=MONTHLY;INTERVAL=6"),
    (re.compile(rf"(?:{_EVERY}\s+quy|quy\s*(?:mot|1|01)\s+lan|(?:0?3|ba)\s+thang\s*(?:mot|1|01)\s+lan|dinh\s+ky\s+(?:0?3|ba)\s+thang)"), "FREQ=MONTHLY;INTERVAL=3"),
    (re.compile(rf"{_EVERY}\s+tuan"), "FREQ=WEEKLY"),
    (re.compile(rf"(?:{_EVERY}\s+thang|thang\s*(?:mot|1|01)\s+lan)(?!\s*(?:\d|thu|tu))"), "FREQ=MONTHLY"),
    (re.compile(rf"(?:{_EVERY}\s+nam|nam\s*(?:mot|1|01)\s+lan)(?!\s*\d)"), "FREQ=YEARLY"),
    (re.compile(rf"(?:hang|moi)\s+ngay(?!\s*\d)"), "FREQ=DAILY"),
]
# "định kỳ hằng quý, năm", "hằng tháng, quý và năm": the other periods of an enumeration
_MORE_PERIODS = re.compile(r"\s*(?:\([^)]{0,60}\)\s*)?(?:,|va|hoac|/)\s*(?:hang\s+|moi\s+|dinh\s+ky\s+)?"
                           r"(?P<unit>quy|0?6\s+thang|sau\s+thang|0?1\s+nam|nam|thang|tuan)(?![a-z])(?!\s*\d)")
_UNIT_RULE = {"tuan": "FREQ=WEEKLY", "thang": "FREQ=MONTHLY", "quy": "FREQ=MONTHLY;INTERVAL=3",
              "6 thang": "FREQ=MONTHLY;INTERVAL=6", "06 thang": "FREQ=MONTHLY;INTERVAL=6",
              "sau thang": "FREQ=MONTHLY;INTERVAL=6", "nam": "FREQ=YEARLY", "01 nam": "FREQ=YEARLY", "1 nam": "FREQ=YEARLY"}
_TIME_NEAR = re.compile(r"(?:truoc|luc|vao|cham nhat|den)\s+(?:luc\s+)?(?P<hh>\d{1,2})\s*(?:h|gio)\s*(?P<mm>\d{2})?")


def find_recurrences(text: str) -> list[Recurrence]:
    """Repeating duties as RFC 5545 rules.

    >>> [r.rule for r in find_recurrences("gửi báo cáo vào thứ Năm hằng tuần, trước 14h00")]
    ['FREQ=WEEKLY;BYDAY=TH']
    >>> [r.rule for r in find_recurrences("trước ngày 15 hằng tháng")]
    ['FREQ=MONTHLY;BYMONTHDAY=15']
    """
    folded = fold(text)
    found: list[Recurrence] = []
    taken: list[tuple[int, int]] = []
    for regex, kind in RECURRENCE_PATTERNS:
        for m in regex.finditer(folded):
            a, b = m.start(), m.end()
            if any(not (b <= s or a >= e) for s, e in taken):
                continue
            if kind == "WEEKLY_DAY":
                rule = f"FREQ=WEEKLY;BYDAY={WEEKDAYS[m.group('wd')]}"
            elif kind == "WEEKLY_SU":
                rule = "FREQ=WEEKLY;BYDAY=SU"
            elif kind == "MONTHLY_DAY":
                day = int(m.group("md"))
                if not 1 <= day <= 31:
                    continue
                rule = f"FREQ=MONTHLY;BYMONTHDAY={day}"
            elif kind == "QUARTERLY_DAY":
                day = int(m.group("md"))
                if not 1 <= day <= 31:
                    continue
                rule = f"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY={day}"
            elif kind == "YEARLY_DAY":
                d, mo = int(m.group("yd")), int(m.group("ym"))
                if not (1 <= d <= 31 and 1 <= mo <= 12):
                    continue
                rule = f"FREQ=YEARLY;BYMONTH={mo};BYMONTHDAY={d}"
            else:
                rule = kind
            window = folded[max(0, a - 25): min(len(folded), b + 30)]
            tm = _TIME_NEAR.search(window)
            due = None
            if tm:
                h, mm = int(tm.group("hh")), int(tm.group("mm") or 0)
                if h <= 23 and mm <= 59:
                    due = f"{h:02d}:{mm:02d}"
            found.append(Recurrence(a, b, text[a:b], rule, due))
            taken.append((a, b))
            if not kind.startswith("FREQ="):
                continue
            pos = b
            while (more := _MORE_PERIODS.match(folded, pos)) is not None:
                unit = re.sub(r"\s+", " ", more.group("unit"))
                pos = more.end()
                if any(not (pos <= s or more.start() >= e) for s, e in taken):
                    break
                found.append(Recurrence(more.start("unit"), pos, text[more.start("unit"):pos], _UNIT_RULE[unit], due))
                taken.append((more.start("unit"), pos))
    found.sort(key=lambda r: r.start)
    return [r for r in found if not any(_refines(other, r, folded) for other in found)]


def _refines(specific: Recurrence, generic: Recurrence, folded: str) -> bool:
    """ "hằng quý về Sở trước ngày 20 của tháng cuối quý": one duty, the second rule is the precise one."""
    if not specific.rule.startswith(generic.rule + ";BY"):
        return False
    first, second = (generic, specific) if generic.start < specific.start else (specific, generic)
    between = folded[first.end:second.start]
    return not re.search(r"[,;]|\bva\b", between)


def find_letter_date(text: str) -> tuple[date | None, re.Match | None]:
    """The "ngày 20 tháng 4 năm 2023" of a place-date line."""
    m = LETTER_DATE_RE.search(fold(text))
    if not m:
        return None, None
    return make_date(int(m.group("y")), int(m.group("m")), int(m.group("d"))), m
