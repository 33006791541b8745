"""Repair place names whose diacritics the restorer got wrong, from a list of known names.

"HUYỆN ỦY TẮM NÓNG" -> "HUYỆN ỦY TAM NÔNG", "Cao Lanh, ngày 9 tháng 10 năm 2023" -> "Cao Lãnh, ...".
Only a name written after an administrative word (or before ", ngày" on the place-date line) is
touched, only when its spelling is unknown and a known name has the same letters; data/places-2026-11.tsv
is rebuilt by build_places.py.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from .text import fold

PLACES_PATH = Path(__file__).with_name("data") / "places-2026-11.tsv"
_OLD_TONES = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "oè": "òe", "oé": "óe", "oẻ": "ỏe",
              "oẽ": "õe", "oẹ": "ọe", "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}
_WORD = r"[^\W\d_]+"
_NAME = rf"{_WORD}(?:[ ]{_WORD}){{0,3}}"
# administrative word (any case) then the name
CONTEXT_RE = re.compile(
    rf"(?i)(?<!\w)(?:(?:tỉnh|huyện|thành|quận|thị) (?:ủy|uỷ)|tỉnh|huyện|thị xã|thành phố|quận|xã|phường|thị trấn)"
    rf" (?!(?:ủy|uỷ)\b)(?P<name>{_NAME})")
PLACE_DATE_RE = re.compile(rf"(?P<name>{_NAME})\s*,\s*ng\w{{1,2}}y\s*\d")


def modern_tones(text: str) -> str:
    """ "Hoà" -> "Hòa": one spelling per name for comparisons."""
    low = unicodedata.normalize("NFC", text.lower())
    for old, new in _OLD_TONES.items():
        low = low.replace(old, new)
    return low


@lru_cache(maxsize=1)
def known_places() -> tuple[dict[str, str], frozenset[str]]:
    """fold key -> the most frequent spelling; and every known spelling (modern tones, lower case)."""
    best: dict[str, tuple[int, str]] = {}
    spellings: set[str] = set()
    if PLACES_PATH.exists():
        for row in PLACES_PATH.read_text(encoding="utf-8").splitlines():
            name, _, count = row.partition("\t")
            if not name:
                continue
            spellings.add(modern_tones(name))
            key = fold(name)
            n = int(count or 0)
            if key not in best or n > best[key][0]:
                best[key] = (n, name)
    return {k: v[1] for k, v in best.items()}, frozenset(spellings)


def _known_spelling(part: str) -> str | None:
    """The known spelling of `part` when it differs from it; None when unknown or already right."""
    by_key, spellings = known_places()
    if modern_tones(part) in spellings:
        return part
    known = by_key.get(fold(part))
    if not known or len(part) <= 2 or not part[:1].isupper():
        return None
    return known.upper() if part.isupper() else known


def _repair(name: str, *, from_end: bool = False) -> str:
    """Repair the longest leading (or, on the place-date line, trailing) part of `name` that is a place."""
    words = name.split(" ")
    # a one-word part only when it is the whole name: "Tấn" of an unknown "Tấn Mỹ" must stay
    for n in range(len(words), 0 if len(words) == 1 else 1, -1):
        part = " ".join(words[-n:] if from_end else words[:n])
        known = _known_spelling(part)
        if known is None:
            continue
        return " ".join(words[:-n] + [known]) if from_end else " ".join([known] + words[n:])
    return name


def repair_place_names(line: str) -> str:
    """Fix the place names of one line (same line count, other text untouched).

    >>> repair_place_names("HUYỆN ỦY TẮM NÓNG")
    'HUYỆN ỦY TAM NÔNG'
    """
    if not line:
        return line

    def fixer(from_end: bool):
        def fix(m: re.Match) -> str:
            whole, name = m.group(0), m.group("name")
            start = m.start("name") - m.start()
            return whole[:start] + _repair(name, from_end=from_end) + whole[start + len(name):]
        return fix

    line = CONTEXT_RE.sub(fixer(False), line)
    return PLACE_DATE_RE.sub(fixer(True), line)
