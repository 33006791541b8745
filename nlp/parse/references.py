"""Documents a letter cites: "Quy định số 213-QĐ/TW ngày 02/01/2020 của Bộ Chính trị khóa XII"."""
from __future__ import annotations

import re

from .dates import DATE_RE, date_from_match
from .symbols import NUMBER_SYMBOL, is_plausible_symbol, make_number_symbol
from .text import fold, squash

REF_TYPES = [
    "Thông tư liên tịch", "Nghị quyết liên tịch", "Nghị quyết", "Quyết định", "Chỉ thị", "Kết luận", "Quy định",
    "Quy chế", "Hướng dẫn", "Thông báo", "Thông tư", "Nghị định", "Luật", "Pháp lệnh", "Kế hoạch", "Chương trình",
    "Công văn", "Văn bản", "Báo cáo", "Tờ trình", "Đề án", "Dự án", "Phương án", "Công điện", "Giấy mời",
    "Thông tri", "Biên bản", "Hợp đồng", "Điều lệ", "Lệnh", "Quy trình", "Thông cáo", "Công thư",
]
_TYPE_BY_FOLD = {fold(t): t for t in REF_TYPES}
TYPE_BEFORE_RE = re.compile(
    r"(?<![a-z])(?P<type>" + "|".join(sorted((re.escape(fold(t)) for t in REF_TYPES), key=len, reverse=True)) + r")"
    r"(?:\s+(?:lien\s+tich|chuyen\s+de))?\s*(?:so\s*)?[:.]?\s*$"
)
# "Luật Quản lý, sử dụng tài sản công số 15/2017/QH14": the type word opens the document's name
TYPE_NAMED_RE = re.compile(r"(?<!\w)(?P<type>Luật|Pháp lệnh|Bộ luật|Nghị quyết|Nghị định|Quyết định|Thông tư|Chỉ thị|"
                           r"Kết luận|Quy định|Hướng dẫn|Kế hoạch|Chương trình|Đề án)\s+[^;:()\n]{2,90}$")
SO_BEFORE_RE = re.compile(r"(?<![a-z])so\s*[:.]?\s*$")
_TYPES_LOW = "|".join(sorted((re.escape(t.lower()) for t in REF_TYPES), key=len, reverse=True))
ISSUER_STOP = re.compile(
    r"\s+(?:về|v/v|tại|quy định|hướng dẫn|ban hành|nhằm|để|đã|thì|theo|sau|trong|với|cho|đối với|"
    r"này|thực hiện|triển khai|kết luận|yêu cầu|chỉ đạo|giao|"
    rf"và\s+(?:các\s+)?(?:{_TYPES_LOW}))(?!\w)|[,;.:()“\"\n]|\s+-\s+|$"
)


def _issuer_after(text: str, folded: str, pos: int) -> str | None:
    m = re.match(r"\s*,?\s*(?:cua|do)\s+", folded[pos:])
    if not m:
        return None
    start = pos + m.end()
    stop = ISSUER_STOP.search(text.lower(), start)
    end = stop.start() if stop else len(text)
    issuer = squash(text[start:end])
    words = issuer.split()
    if not words or len(words) > 14 or not words[0][:1].isupper():
        return None
    return issuer


def _issuer_before(text: str, folded: str, pos: int) -> str | None:
    """ "... theo chỉ đạo của Ban Thường vụ Tỉnh ủy tại Chỉ thị số ..." """
    window = folded[max(0, pos - 90):pos]
    m = re.search(r"(?:cua|do)\s+([^,;.:()]{3,80}?)\s+(?:tai|theo)\s+$", window)
    if not m:
        return None
    offset = max(0, pos - 90)
    issuer = squash(text[offset + m.start(1): offset + m.end(1)])
    return issuer if issuer[:1].isupper() else None


def find_references(text: str, own: str | None = None) -> list[dict]:
    """Every numbered document cited in the text, once each.

    >>> find_references("gắn với thực hiện Quy định số 213-QĐ/TW ngày 02/01/2020 của Bộ Chính trị khóa XII về ...")
    [{'number_symbol': '213-QĐ/TW', 'type': 'Quy định', 'date': '2020-01-02', 'issuer': 'Bộ Chính trị khóa XII'}]
    """
    folded = fold(text)
    refs: dict[str, dict] = {}
    own_key = re.sub(r"\s", "", own or "").lower()
    for m in NUMBER_SYMBOL.finditer(text):
        ns = make_number_symbol(m)
        if not is_plausible_symbol(ns):
            continue
        key = ns.number_symbol.lower()
        if key == own_key:
            continue
        before = folded[max(0, m.start() - 40): m.start()]
        tm = TYPE_BEFORE_RE.search(before)
        has_so = bool(SO_BEFORE_RE.search(before))
        if not (tm or has_so or ns.type_code or ns.year):
            continue
        if re.search(r"(?<![a-z])(?:mau|bieu|bieu\s+mau|phu\s+luc|de\s+cuong)\s*(?:so)?\s*[:.]?\s*$", before):
            continue  # "theo mẫu số 01/BC-MTTQ": a form, not a cited document
        # the letter's own "Số: 12/UBND-VP" (when the header did not yield it) is not a citation
        header_so = re.search(r"(?<!\w)S\w{0,2}\s*[:.]?\s*$", text[max(0, m.start() - 8): m.start()])
        if own is None and m.start() < 600 and header_so and not tm:
            continue
        doc_type = _TYPE_BY_FOLD.get(re.sub(r"\s+", " ", tm.group("type"))) if tm else None
        if doc_type is None:
            named = TYPE_NAMED_RE.search(text[max(0, m.start() - 100): m.start()])
            if named and not NUMBER_SYMBOL.search(named.group(0)):
                doc_type = "Luật" if named.group("type") == "Bộ luật" else named.group("type")
        if doc_type in (None, "Văn bản") and ns.type_code:
            doc_type = ns.doc_type or doc_type
        pos = m.end()
        day = None
        dm = re.match(r"\s*,?\s*(?:\(?\s*)?(?:ban\s+hanh\s+|ky\s+)?(?:ngay\s*)", folded[pos:])
        if dm:
            dd = DATE_RE.search(folded, pos, min(len(folded), pos + dm.end() + 30))
            if dd and dd.start() <= pos + dm.end():
                day = date_from_match(dd, None)
                pos = dd.end()
        issuer = _issuer_after(text, folded, pos) or _issuer_before(text, folded, m.start() - (len(before) - (tm.start() if tm else len(before))))
        entry = {"number_symbol": ns.number_symbol, "type": doc_type,
                 "date": day.isoformat() if day else None, "issuer": issuer}
        if key in refs:
            old = refs[key]
            for k, v in entry.items():
                if old.get(k) is None and v is not None:
                    old[k] = v
        else:
            refs[key] = entry
    return list(refs.values())
