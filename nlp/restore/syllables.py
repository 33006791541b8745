"""Vietnamese syllables: stripping, validity, and the tokenizer shared by training and decoding."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nlp.clean import fix_tone_placement

# Characters OCR engines put inside words: kept in the token so the error model can read them.
_WORD = r"[\w¢©@€&£]+(?:'[\w¢©@€&£]+)*"
# A token: a run of word characters, possibly joined by separators ("1987/MTTQ-BTT", "10.423"),
# or one character of anything else.
TOKEN_RE = re.compile(rf"{_WORD}(?:[./\-–,]{_WORD})*|\S")

_ONSETS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx]"
# "k" closes only the syllables of place names ("Đắk Lắk"), but those are frequent in letters.
_SYLLABLE_SHAPE = re.compile(rf"^(?:{_ONSETS})?[aeiouy]{{1,3}}(?:ch|nh|ng|[cmnptk])?$")
_CHECKED = re.compile(r"(?:ch|[ptck])$")  # syllables ending in a stop take only sắc or nặng
_BARE_DIPHTHONG = re.compile(r"[iy]e|uo|ưo")
_VI_LETTERS = set("abcdefghiklmnopqrstuvxyđ"
                  "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")
_TONES = set("\u0300\u0301\u0303\u0309\u0323")
_DIGITS = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=200_000)
def strip_marks(text: str) -> str:
    """Remove every diacritic and fold đ to d ("Đồng" -> "Dong")."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", kept.replace("đ", "d").replace("Đ", "D"))


def has_marks(word: str) -> bool:
    return strip_marks(word) != word


@lru_cache(maxsize=200_000)
def is_syllable(word: str) -> bool:
    """True if lower-case ``word`` has the shape of a Vietnamese syllable ("người", "khỏe")."""
    if not word or not set(word) <= _VI_LETTERS:
        return False
    tones = [c for c in unicodedata.normalize("NFD", word) if c in _TONES]
    if len(tones) > 1:
        return False
    base = strip_marks(word.replace("đ", "\x00")).replace("\x00", "đ")
    if _CHECKED.search(base) and tones[:1] not in (["\u0301"], ["\u0323"]):
        return False  # "đươc", "biêt", "viet": misspellings in the corpus, not syllables
    toneless = unicodedata.normalize("NFC", "".join(
        c for c in unicodedata.normalize("NFD", word) if c not in _TONES))
    if _BARE_DIPHTHONG.search(toneless):
        return False  # "biét", "chuong", "ngưoi": iê, yê, uô, ươ always carry their marks
    return bool(_SYLLABLE_SHAPE.match(base))


@lru_cache(maxsize=200_000)
def normalize_word(word: str) -> str:
    """Lower-case, NFC, modern tone placement: the form the language model knows."""
    return fix_tone_placement(unicodedata.normalize("NFC", word).lower())


@lru_cache(maxsize=200_000)
def token_kind(tok: str) -> str:
    """Classify a raw token: word, num, code, mixed (letters and digits, maybe OCR damage), punct."""
    if not _LETTER.search(tok):
        return "num" if _DIGITS.search(tok) else "punct"
    if _DIGITS.search(tok) or any(c in tok for c in "¢@©'€&£"):
        if any(sep in tok for sep in "/.-–,") and len(tok) > 3:
            return "code"
        return "mixed"
    if any(sep in tok for sep in "/.–,"):
        return "code"
    if "-" in tok:
        return "code" if tok.replace("-", "").isupper() else "hyphenated"
    return "word"


def split_tokens(line: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each token of ``line``; hyphenated words give their parts.

    >>> [t for _, _, t in split_tokens("Số: 1987/MTTQ-BTT chính trị-xã hội")]
    ['Số', ':', '1987/MTTQ-BTT', 'chính', 'trị', '-', 'xã', 'hội']
    """
    out: list[tuple[int, int, str]] = []
    for m in TOKEN_RE.finditer(line):
        tok, start = m.group(), m.start()
        if token_kind(tok) == "hyphenated":
            pos = start
            for i, part in enumerate(tok.split("-")):
                if i:
                    out.append((pos, pos + 1, "-"))
                    pos += 1
                if part:
                    out.append((pos, pos + len(part), part))
                pos += len(part)
            continue
        if "/" in tok and token_kind(tok) == "code" and any(
                len(part) > 1 and part.isalpha() and part.islower() for part in tok.split("/")):
            # "xã/phường", "đồng/người": words joined by a slash, not a document symbol
            pos = start
            for i, part in enumerate(tok.split("/")):
                if i:
                    out.append((pos, pos + 1, "/"))
                    pos += 1
                if part:
                    out.extend((pos + s, pos + e, t) for s, e, t in split_tokens(part))
                pos += len(part)
            continue
        out.append((start, m.end(), tok))
    return out


PUNCT_CLASSES = {'“': '"', '”': '"', '«': '"', '»': '"', "„": '"', "–": "-", "—": "-", "…": "."}
_KEEP_PUNCT = set(',.;:()"-!?/%')


def lm_token(tok: str) -> str:
    """The language-model token for a raw token of clean text."""
    kind = token_kind(tok)
    if kind in ("word", "mixed"):
        return normalize_word(tok) if kind == "word" else "<code>"
    if kind == "num":
        return "<num>"
    if kind == "code":
        return "<code>"
    tok = PUNCT_CLASSES.get(tok, tok)
    return tok if tok in _KEEP_PUNCT else "<p>"


def lm_tokens(line: str) -> list[str]:
    """Tokens of a corpus paragraph as the language model sees them.

    >>> lm_tokens("Căn cứ Nghị định số 237/2025/NĐ-CP ngày 29 tháng 8; Uỷ ban")
    ['căn', 'cứ', 'nghị', 'định', 'số', '<code>', 'ngày', '<num>', 'tháng', '<num>', ';', 'ủy', 'ban']
    """
    return [lm_token(t) for _, _, t in split_tokens(line)]
