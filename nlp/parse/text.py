"""Small text helpers shared by the parse stages.

`fold` maps every character to one lower-case ASCII-ish character, so a regex run on the
folded string gives offsets that are valid in the original ("Đồng Tháp" -> "dong thap").
"""
from __future__ import annotations

import re
import unicodedata

_FOLD_CACHE: dict[str, str] = {}


def fold_char(ch: str) -> str:
    hit = _FOLD_CACHE.get(ch)
    if hit is not None:
        return hit
    if ch in "đĐ":
        out = "d"
    else:
        base = unicodedata.normalize("NFD", ch)[:1] or ch
        out = base.lower()
        if len(out) != 1:
            out = ch
    _FOLD_CACHE[ch] = out
    return out


def fold(text: str) -> str:
    """Lower-case, strip diacritics, keep length: "Kính gửi" -> "kinh gui"."""
    return "".join(fold_char(c) for c in text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def squash(text: str) -> str:
    """Fold runs of white space to one space and strip."""
    return " ".join(text.split())


def strip_edges(text: str, chars: str = " \t-–—+•*;,.:") -> str:
    return text.strip(chars + " ")


_ONSETS = ("ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_CODAS = ("ch", "ng", "nh", "c", "k", "m", "n", "p", "t", "i", "y", "o", "u", "")  # k: "Đắk", "Lắk"
_VOWELS = set("aăâeêioôơuưy")


def is_syllable(word: str) -> bool:
    """Whether a word has the shape of one Vietnamese syllable ("THƯỜNG" yes, "UBND" no)."""
    w = fold_keep_vowels(word.lower())
    if not w or not w.isalpha():
        return False
    for onset in _ONSETS:
        if not w.startswith(onset):
            continue
        rest = w[len(onset):]
        for coda in _CODAS:
            if coda and not rest.endswith(coda):
                continue
            nucleus = rest[: len(rest) - len(coda)] if coda else rest
            if 1 <= len(nucleus) <= 3 and all(c in _VOWELS for c in nucleus):
                return True
    return False


def fold_keep_vowels(word: str) -> str:
    """Drop tone marks only: "thường" -> "thương"."""
    out = []
    for ch in word:
        d = unicodedata.normalize("NFD", ch)
        kept = "".join(c for c in d if c not in "\u0300\u0301\u0303\u0309\u0323")
        out.append(unicodedata.normalize("NFC", kept))
    return "".join(out)


_ACRONYM_OK = {"VN", "TW", "TP", "TX", "UB", "TT", "CP", "QH"}
_ADMIN = ("tỉnh", "huyện", "thành phố", "thị xã", "quận", "xã", "phường", "thị trấn", "ấp", "khóm", "thôn")
# Capitalised phrases of organ names (Nghị định 30, phụ lục: first syllable of each part of the name).
_FIXED = [
    "Ban Thường trực", "Ban Thường vụ", "Ban Chấp hành", "Ban Dân vận", "Ban Tuyên giáo", "Ban Tổ chức",
    "Ban Kiểm tra", "Ban Nội chính", "Ban Chỉ đạo", "Ban Chỉ huy", "Ban Quản lý", "Ban Công tác Mặt trận",
    "Ủy ban Mặt trận Tổ quốc", "Mặt trận Tổ quốc", "Việt Nam", "Ủy ban nhân dân", "Hội đồng nhân dân",
    "Văn phòng", "Ủy ban Kiểm tra", "Đảng bộ", "Đảng ủy", "Chi bộ", "Đảng Cộng sản",
    "Giáo dục và Đào tạo", "Tài chính - Kế hoạch", "Kế hoạch và Đầu tư", "Lao động - Thương binh và Xã hội",
    "Văn hóa và Thông tin", "Văn hóa, Thể thao và Du lịch", "Tài nguyên và Môi trường", "Nông nghiệp và Phát triển nông thôn",
    "Y tế", "Nội vụ", "Tư pháp", "Công Thương", "Kinh tế", "Kinh tế và Hạ tầng", "Quản lý đô thị", "Xây dựng",
    "Giao thông vận tải", "Khoa học và Công nghệ", "Thông tin và Truyền thông", "Công an", "Quân sự",
    "Hội Nông dân", "Hội Liên hiệp Phụ nữ", "Hội Cựu chiến binh", "Đoàn Thanh niên", "Liên đoàn Lao động",
    "Chủ tịch", "Phó Chủ tịch", "Giám đốc", "Phó Giám đốc", "Trưởng ban", "Phó Trưởng ban", "Bí thư",
    "Phó Bí thư", "Chánh Văn phòng", "Phó Chánh Văn phòng", "Trưởng phòng", "Phó Trưởng phòng", "Hiệu trưởng",
    "Tài chính", "Thuế", "Hải quan", "Ngoại giao", "Quốc phòng", "Tư pháp", "Chính phủ", "Quốc hội",
    "Trung tâm", "Thanh tra", "Sở", "Phòng", "Ban", "Hội", "Cục", "Chi cục", "Trường", "Bộ", "Tổng cục",
]
_FIXED.append("Ủy ban")
_FIXED_MAP = {f.lower(): f for f in _FIXED}
_FIXED_RE = re.compile(r"(?<!\w)(" + "|".join(re.escape(f.lower()) for f in sorted(_FIXED, key=len, reverse=True)) + r")(?!\w)")
_ADMIN_RE = re.compile(r"(?<!\w)(" + "|".join(sorted(_ADMIN, key=len, reverse=True)) + r")\s+([^\s,;()][^,;()]*)")


def is_acronym(word: str) -> bool:
    core = word.strip("().,;:-–\"“”&")
    if not core or not any(c.isalpha() for c in core):
        return False
    if core.upper() in _ACRONYM_OK:
        return True
    return core.isupper() and not is_syllable(core) and len(core) >= 2


def sentence_case(text: str) -> str:
    """Sentence case for an upper-case organ name, keeping acronyms and place names.

    >>> sentence_case("BAN THƯỜNG TRỰC ỦY BAN MTTQ VIỆT NAM TỈNH ĐỒNG THÁP")
    'Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh Đồng Tháp'
    """
    text = squash(text)
    if not text or not is_upper_line(text):
        return text
    words = text.split()
    keep = [is_acronym(w) for w in words]
    low = " ".join(w if k else w.lower() for w, k in zip(words, keep))
    low = _FIXED_RE.sub(lambda m: _FIXED_MAP[m.group(1)], low.replace("uỷ", "ủy"))
    low = re.sub(r"(?<!\w)(tỉnh|huyện|thành|đảng|quận|thị) (ủy|uỷ)(?!\w)", lambda m: m.group(1).capitalize() + " ủy", low)

    def place(m: re.Match) -> str:
        name = " ".join(w if w.isupper() else w[:1].upper() + w[1:] for w in m.group(2).split())
        return f"{m.group(1)} {name}"

    # a place name runs after an admin word to the end of the line ("tỉnh Đồng Tháp")
    low = re.sub(r"(?<!\w)(Tỉnh|Huyện|Thành|Quận|Thị|Đảng) ủy ([^\s,;()][^,;()]*)$",
                 lambda m: f"{m.group(1)} ủy " + " ".join(w[:1].upper() + w[1:] for w in m.group(2).split()), low)
    low = _ADMIN_RE.sub(place, low)
    return first_upper(low)


def is_upper_line(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    if len(letters) < 2:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper / len(letters) >= 0.85


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


_SENT_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ])")
_ABBREV_END = re.compile(r"(?:\b[A-ZĐ]{1,3}|\bđ/c|\bv/v|\bSố|\bsố)\.$")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, not after "TP." or "Q."."""
    parts: list[str] = []
    buf = ""
    for piece in _SENT_SPLIT.split(text):
        buf = f"{buf} {piece}" if buf else piece
        if _ABBREV_END.search(buf):
            continue
        parts.append(buf)
        buf = ""
    if buf:
        parts.append(buf)
    return [p.strip() for p in parts if p.strip()]
