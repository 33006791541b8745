"""Số, ký hiệu: "15/QĐ-BNV", "06/2024/QĐ-UBND" (state, Nghị định 30) and "01-KH/BDV" (Party, HD 36).

Type codes are case-sensitive: CT (chỉ thị) vs CTr (chương trình), QĐ vs QyĐ, ĐA vs DA.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Viết tắt tên loại văn bản (Nghị định 30/2020, phụ lục III; Hướng dẫn 36-HD/VPTW).
TYPE_CODES: dict[str, str] = {
    "NQ": "Nghị quyết", "QĐ": "Quyết định", "CT": "Chỉ thị", "QC": "Quy chế", "QyĐ": "Quy định",
    "TB": "Thông báo", "HD": "Hướng dẫn", "CTr": "Chương trình", "KH": "Kế hoạch", "PA": "Phương án",
    "ĐA": "Đề án", "DA": "Dự án", "BC": "Báo cáo", "BB": "Biên bản", "TTr": "Tờ trình", "HĐ": "Hợp đồng",
    "CĐ": "Công điện", "BGN": "Bản ghi nhớ", "BTT": "Bản thỏa thuận", "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời", "GGT": "Giấy giới thiệu", "GNP": "Giấy nghỉ phép", "PG": "Phiếu gửi",
    "PC": "Phiếu chuyển", "PB": "Phiếu báo", "TC": "Thư công", "NĐ": "Nghị định", "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch", "NQLT": "Nghị quyết liên tịch", "KL": "Kết luận", "TTr ": "Tờ trình",
    "CV": "Công văn", "TTri": "Thông tri", "QĐi": "Quy định", "LĐ": "Lệnh", "PL": "Pháp lệnh",
    "L": "Luật", "BCT": "Báo cáo tóm tắt", "TC ": "Thư công",
}
TYPE_CODES = {k.strip(): v for k, v in TYPE_CODES.items()}
# Party documents (HD 36-HD/VPTW) read some codes differently: "05-TT/TU" is a thông tri
PARTY_TYPE_CODES = {**TYPE_CODES, "TT": "Thông tri", "TC": "Thông cáo"}

# OCR often drops the bar of Đ inside codes; these codes have no D-spelt twin.
_D_FIX = {"QD": "QĐ", "ND": "NĐ", "QyD": "QyĐ", "HDND": "HĐND", "BCD": "BCĐ", "CD": "CĐ", "DU": "ĐU", "DTN": "ĐTN",
          "DDBQH": "ĐĐBQH", "LDLD": "LĐLĐ"}
# ... and inside longer codes: "SGDDT" -> "SGDĐT", "LDTBXH" -> "LĐTBXH"
_D_INSIDE = [("GDDT", "GDĐT"), ("LDTBXH", "LĐTBXH"), ("HDND", "HĐND"), ("KHDT", "KHĐT"), ("LDLD", "LĐLĐ")]

_CODE = r"[A-ZĐ][A-Za-zĐđ0-9&]*"
_SEP = r"\s{0,2}[-–—‐‑/]\s{0,2}"
# number, optional year (state legal documents), then code parts joined by / or -
NUMBER_SYMBOL = re.compile(
    r"(?<![\w/.-])(?P<number>\d{1,5}[a-z]?)"
    r"(?P<year>\s{0,2}/\s{0,2}(?:19|20)\d{2})?"
    rf"(?P<sep>\s{{0,2}}[-–—‐‑/]\s{{0,2}})(?P<symbol>{_CODE}(?:{_SEP}{_CODE})*)"
    r"(?![\w])"
)
# "Số:" and its OCR spellings (S6:, Sô:, S0:, So:)
SO_PREFIX = re.compile(r"(?i)(?<![\w])(?:s[ốoôó6ö0ỗồổơờớởòọộ]\s*[:.;]?|s[^\W\d_]\s*[:;])\s*(?=\d)")


@dataclass(frozen=True)
class NumberSymbol:
    number: str
    symbol: str
    number_symbol: str
    year: str | None
    party: bool          # "01-KH/BDV": hyphen after the number
    type_code: str | None

    @property
    def doc_type(self) -> str | None:
        codes = PARTY_TYPE_CODES if self.party else TYPE_CODES
        return codes.get(self.type_code) if self.type_code else None


def _fix_code(part: str) -> str:
    part = _D_FIX.get(part, part)
    for wrong, right in _D_INSIDE:
        part = part.replace(wrong, right)
    return part


def normalise_symbol(symbol: str) -> str:
    """Remove spaces, unify dashes, repair "QD" -> "QĐ": "QD - UBND" -> "QĐ-UBND"."""
    symbol = re.sub(r"\s+", "", re.sub(r"[–—‐‑]", "-", symbol))
    parts = re.split(r"([-/])", symbol)
    return "".join(_fix_code(p) if p not in "-/" else p for p in parts)


def make_number_symbol(match: re.Match) -> NumberSymbol:
    number = match.group("number")
    year = re.sub(r"\D", "", match.group("year") or "") or None
    sep = re.sub(r"[–—‐‑]", "-", match.group("sep").strip())
    symbol = normalise_symbol(match.group("symbol"))
    party = sep == "-" and not year
    if party:
        # Party style: the type code is before the slash ("KH/BDV")
        type_code = symbol.split("/")[0]
        full = f"{number}-{symbol}"
    else:
        # state style: the type code is the first part ("QĐ-UBND"); a công văn has none ("UBND-VP")
        first = re.split(r"[-/]", symbol)[0]
        type_code = first if first in TYPE_CODES and "-" in symbol else None
        full = f"{number}/{year}/{symbol}" if year else f"{number}/{symbol}"
    if type_code not in TYPE_CODES:
        type_code = None
    return NumberSymbol(number, symbol, full, year, party, type_code)


def parse_number_symbol(text: str) -> NumberSymbol | None:
    """First number-symbol in a text.

    >>> parse_number_symbol("Số: 06/2024/QĐ-UBND").number_symbol
    '06/2024/QĐ-UBND'
    >>> parse_number_symbol("Số 01-KH/BDV").doc_type
    'Kế hoạch'
    """
    m = NUMBER_SYMBOL.search(text)
    return make_number_symbol(m) if m else None


def is_plausible_symbol(ns: NumberSymbol) -> bool:
    """Reject things like "Covid-19" or "5K-X": a symbol has an upper-case code of two letters or more."""
    parts = re.split(r"[-/]", ns.symbol)
    return any(len(p) >= 2 and p[:1].isupper() for p in parts)
