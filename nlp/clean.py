"""Small, safe text fixes for OCR output and received text, in the manner of ftfy.

Each fix is a pure ``str -> str`` function with a verb name, registered in
``FIXES``. ``clean_text`` applies the fixes line by line until nothing changes,
so the number of lines (as ``str.splitlines`` counts them) never changes;
``clean_and_explain`` also says which fixes fired.

>>> clean_text("Uỷ ban nhân dân\\u200b thành phố Hoà Bình")
'Ủy ban nhân dân thành phố Hòa Bình'
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable

# Vietnamese tone marks (combining), as found after NFD.
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"

LIGATURES = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st", "\u0132": "IJ", "\u0133": "ij",
}
_LIGATURE_RE = re.compile("[" + "".join(LIGATURES) + "]")

# Zero-width characters, soft hyphen, bidi marks, BOM; C0/C1 controls except tab.
_INVISIBLE_RE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]"
)

_WORD_RE = re.compile(r"[^\W\d_]+")
_ONSET_RE = re.compile(r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|[bcdđghklmnprstvx])?$")
_MOVABLE_NUCLEI = {"oa", "oe", "uy"}


def normalize_nfc(text: str) -> str:
    """Compose characters (NFD input splits Vietnamese letters into junk for search).

    >>> normalize_nfc("Vie\\u0302\\u0323t Nam") == "Việt Nam"
    True
    """
    return unicodedata.normalize("NFC", text)


def remove_control_chars(text: str) -> str:
    """Drop zero-width characters, soft hyphens, bidi marks and control characters.

    >>> remove_control_chars("Kính\\u200b gửi\\u00ad:")
    'Kính gửi:'
    """
    return _INVISIBLE_RE.sub("", text)


def fix_ligatures(text: str) -> str:
    """Spell out typographic ligatures that OCR engines emit ("ﬁ" -> "fi").

    >>> fix_ligatures("ﬁle Quyết định")
    'file Quyết định'
    """
    return _LIGATURE_RE.sub(lambda m: LIGATURES[m.group()], text)


def _modern_tone_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    letters: list[list[str]] = []  # base char followed by its combining marks
    for ch in decomposed:
        if unicodedata.combining(ch) and letters:
            letters[-1].append(ch)
        else:
            letters.append([ch])
    if len(letters) < 2:
        return word
    bases = "".join(group[0] for group in letters).lower()
    nucleus = bases[-2:]
    onset = bases[:-2]
    if nucleus not in _MOVABLE_NUCLEI or not _ONSET_RE.match(onset):
        return word
    first, second = letters[-2], letters[-1]
    tones = [m for m in second[1:] if m in TONE_MARKS]
    if not tones or any(m in TONE_MARKS for m in first[1:]) or len(first) > 1:
        return word
    second[:] = [m for m in second if m not in TONE_MARKS]
    first.extend(tones)
    return unicodedata.normalize("NFC", "".join("".join(g) for g in letters))


def fix_tone_placement(text: str) -> str:
    """Put the tone mark where the gold files and most of the corpus put it.

    Open syllables ending in "oa", "oe", "uy" carry the tone on the first vowel
    ("hòa", "khỏe", "thủy", "ủy"); with a final consonant nothing moves
    ("hoàn", "thuyết"), nor after "qu" ("quý").

    >>> fix_tone_placement("Hoà thuận, uỷ ban, thuỷ lợi, hoá chất, khoẻ, hoàn thành, quý")
    'Hòa thuận, ủy ban, thủy lợi, hóa chất, khỏe, hoàn thành, quý'
    """
    return _WORD_RE.sub(lambda m: _modern_tone_word(m.group()), text)


FIXES: dict[str, Callable[[str], str]] = {
    "normalize_nfc": normalize_nfc,
    "remove_control_chars": remove_control_chars,
    "fix_ligatures": fix_ligatures,
    "fix_tone_placement": fix_tone_placement,
}
DEFAULT_FIXES = tuple(FIXES)


def _split_keeping_ends(text: str) -> tuple[list[str], str]:
    lines = text.splitlines()
    trailing = "\n" if text and text.splitlines(keepends=True)[-1] != text.splitlines()[-1] else ""
    return lines, trailing


def clean_and_explain(text: str, fixes: tuple[str, ...] = DEFAULT_FIXES) -> tuple[str, list[str]]:
    """Apply ``fixes`` until the text stops changing; return it with the names that fired.

    Lines are fixed one at a time and joined with "\\n", so line i of the
    output is line i of the input, fixed.

    >>> clean_and_explain("Thuỷ lợi")
    ('Thủy lợi', ['fix_tone_placement'])
    """
    lines, trailing = _split_keeping_ends(text)
    fired: list[str] = []
    out_lines = []
    for line in lines:
        for _ in range(5):
            before = line
            for name in fixes:
                fixed = FIXES[name](line)
                if fixed != line:
                    if name not in fired:
                        fired.append(name)
                    line = fixed
            if line == before:
                break
        out_lines.append(line)
    out = "\n".join(out_lines) + trailing
    if len(out.splitlines()) < len(lines):  # the last line became empty: keep it as a line
        out += "\n"
    return out, fired


def clean_text(text: str, fixes: tuple[str, ...] = DEFAULT_FIXES) -> str:
    """Return ``text`` with the small fixes applied; the line count never changes.

    >>> clean_text("Đảng uỷ xã\\r\\nHoà Bình\\ufb01")
    'Đảng ủy xã\\nHòa Bìnhfi'
    """
    return clean_and_explain(text, fixes)[0]
