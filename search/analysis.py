"""Vietnamese text analysis for the search index: normalise, fold, cut into syllables.

Every piece of text goes through the same three steps at index time and at query time:

1. ``normalize_text``: NFC and the modern tone placement ("hoà" -> "hòa", "thuỷ" -> "thủy"),
   so that the two spellings an archive holds side by side become one term;
2. lower case;
3. ``syllables``: runs of letters and digits; one-letter syllables ("ở", "ý") are kept and there
   is no stop list, because "ở" or "và" can matter inside a phrase.

Each text is indexed twice: *exact* (with diacritics) and *folded* (``fold``: diacritics removed,
"đ" -> "d"), so a query typed without accents still finds "Đồng Tháp". Positions are kept, with a
gap at each punctuation mark, so adjacent query syllables (syllable bigrams: "đoàn kết") can be
matched as phrases and ranked higher. Indexing bigram *terms* instead was measured: it doubled the
postings and cut bulk indexing from 140 to 55 letters/s. ``compound="segment"`` adds underthesea's words
(measured in bench/search.py: no better, and 4–6x slower to index).

The functions here are pure ``str -> value`` except the Whoosh glue at the end: ``CounterField``
takes the positions computed here instead of re-analysing the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

from whoosh import fields, formats
from whoosh.analysis import Token, Tokenizer
from whoosh.system import pack_uint

__all__ = [
    "normalize_text",
    "fold",
    "fold_word",
    "syllables",
    "clauses",
    "number_key",
    "TextTerms",
    "analyze",
    "segment_compounds",
    "CounterField",
    "VietTokenizer",
    "FOLD_TABLE",
]

# ---------------------------------------------------------------- normalisation

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng


def _old_tone_table() -> dict[str, str]:
    """Map old-style pairs ("oà", "uỷ", …) to the modern ones ("òa", "ủy")."""
    table: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for mark in _TONE_MARKS:
            for f, s in ((first, second), (first.upper(), second.upper()), (first.upper(), second)):
                old = f + unicodedata.normalize("NFC", s + mark)
                new = unicodedata.normalize("NFC", f + mark) + s
                table[old] = new
    return table


_OLD_TONES = _old_tone_table()
# Only at the end of a syllable: "hoàn", "khoảng", "tuyển" are already modern. "qu" + "ỳ" is a
# consonant + vowel, not the "uy" glide, so "quý" stays.
_TONED = "".join(sorted({key[1] for key in _OLD_TONES}))
_OLD_TONE_RE = re.compile(r"(?<![qQ])[oOuU][" + _TONED + r"](?![^\W\d_])")


def normalize_text(text: str) -> str:
    """NFC, then modern tone placement. Length-preserving on NFC text.

    >>> normalize_text("Thuỷ lợi hoà bình, khoẻ mạnh, Uỷ ban, quý, hoàn thành")
    'Thủy lợi hòa bình, khỏe mạnh, Ủy ban, quý, hoàn thành'
    """
    text = unicodedata.normalize("NFC", text)
    return _OLD_TONE_RE.sub(lambda m: _OLD_TONES.get(m.group(), m.group()), text)


def _fold_table() -> dict[int, int | None]:
    table: dict[int, int | None] = {ord("đ"): ord("d"), ord("Đ"): ord("D")}
    for code in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if base != char and base.isascii() and base.isalpha():
            table[code] = ord(base)
    return table


_FOLD = _fold_table()
FOLD_TABLE = _FOLD  # code point -> code point of the letter without diacritics


def fold(text: str) -> str:
    """Remove Vietnamese diacritics one character for one ("đ" -> "d"); keeps the length.

    >>> fold("Đồng Tháp, ngày 20 tháng 4")
    'Dong Thap, ngay 20 thang 4'
    """
    return text.translate(_FOLD)


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    return word.translate(_FOLD)


# ---------------------------------------------------------------- tokens

# A syllable: letters and digits (no underscore). A clause: text between punctuation marks, so a
# bigram never spans "năm 2023. Ban" or "Tổ quốc; các".
_SYLLABLE_RE = re.compile(r"[^\W_]+")
_CLAUSE_SPLIT_RE = re.compile(r"[^\w\s]+|_|\n\s*\n")


def syllables(text: str) -> list[str]:
    """Lower-case syllables of already normalised text.

    >>> syllables("Ở Đồng Tháp, ý kiến")
    ['ở', 'đồng', 'tháp', 'ý', 'kiến']
    """
    return _SYLLABLE_RE.findall(text.lower())


def clauses(text: str) -> list[list[str]]:
    """Syllables grouped by clause (punctuation ends a clause).

    >>> clauses("Ngày đại đoàn kết, vì cộng đồng")
    [['ngày', 'đại', 'đoàn', 'kết'], ['vì', 'cộng', 'đồng']]
    """
    return [c.split() for c in _CLAUSE_SPLIT_RE.split(text.lower()) if not c.isspace() and c]


_KEY_DROP_RE = re.compile(r"[^0-9a-z]+")


def number_key(number_symbol: str) -> str:
    """Key of a document number: folded, lower case, letters and digits only.

    "213-QĐ/TW", "213-QD/TW", "213 - QĐ/TW" and "213/QĐ-TW" share one key, so a number typed
    with or without "Đ" and with any separators finds the letter.

    >>> number_key("213-QĐ/TW"), number_key("1987/MTTQ-BTT")
    ('213qdtw', '1987mttqbtt')
    """
    return _KEY_DROP_RE.sub("", fold(normalize_text(number_symbol)).lower())


# ---------------------------------------------------------------- whole-text analysis


class TextTerms:
    """Terms of one text: exact and folded syllables with their positions, and compound words.

    Positions leave a gap of one between clauses, so a phrase never spans a punctuation mark.
    ``exact_words``/``folded_words`` hold underthesea's multi-syllable words (``compound="segment"``
    only; empty otherwise).
    """

    __slots__ = ("exact", "folded", "exact_words", "folded_words", "length")

    def __init__(self, exact: dict, folded: dict, exact_words: Counter, folded_words: Counter, length: int):
        self.exact = exact
        self.folded = folded
        self.exact_words = exact_words
        self.folded_words = folded_words
        self.length = length

    def exact_counts(self) -> Counter:
        return Counter({w: len(p) for w, p in self.exact.items()})

    def folded_counts(self) -> Counter:
        return Counter({w: len(p) for w, p in self.folded.items()})


def _segment_words(text: str) -> list[list[str]]:
    """underthesea word segmentation, words grouped by clause (only for the 'segment' mode)."""
    from underthesea import word_tokenize  # slow to import; only the measurement needs it

    out: list[list[str]] = []
    for clause in _CLAUSE_SPLIT_RE.split(text):
        if clause.strip():
            words = [w.lower() for w in word_tokenize(clause) if _SYLLABLE_RE.search(w)]
            out.append(words)
    return out


def segment_compounds(text: str) -> list[str]:
    """Multi-syllable words of underthesea's segmentation ("đoàn kết", "cộng đồng")."""
    return [w for ws in _segment_words(normalize_text(text)) for w in ws if " " in w]


def analyze(text: str, *, compound: str = "bigram") -> TextTerms:
    """Positions of the exact and folded syllables of a text (and compounds, if asked).

    ``compound="bigram"``: adjacent syllables are matched at query time through positions
    (phrase queries); ``compound="segment"`` also counts underthesea's multi-syllable words.

    >>> t = analyze("Ngày Đại đoàn kết, vì cộng đồng")
    >>> t.exact["đoàn"], t.folded["dong"], t.length
    ([2], [7], 7)
    """
    norm = normalize_text(text)
    exact: dict[str, list[int]] = {}
    pos = 0
    for words in clauses(norm):
        for word in words:
            exact.setdefault(word, []).append(pos)
            pos += 1
        pos += 1  # the gap between clauses
    folded: dict[str, list[int]] = {}
    merged = False
    for word, positions in exact.items():
        key = fold_word(word)
        if key in folded:
            folded[key] = folded[key] + positions
            merged = True
        else:
            folded[key] = positions
    if merged:
        for key, positions in folded.items():
            positions.sort()
    length = sum(len(p) for p in exact.values())
    if compound == "segment":
        words = Counter(segment_compounds(norm))
        fwords: Counter = Counter()
        for w, n in words.items():
            fwords[fold_word(w)] += n
    else:
        words, fwords = Counter(), Counter()
    return TextTerms(exact, folded, words, fwords, length)


# ---------------------------------------------------------------- Whoosh glue


class VietTokenizer(Tokenizer):
    """Whoosh tokenizer: normalised, lower-case syllables, optionally folded.

    Used where Whoosh itself analyses text (fallbacks); the writer normally hands ``CounterField``
    the counts from ``analyze`` instead.
    """

    def __init__(self, folded: bool = False):
        self.folded = folded

    def __eq__(self, other):
        return type(other) is type(self) and other.folded == self.folded

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs) -> Iterator[Token]:
        text = normalize_text(value).lower()
        if self.folded:
            text = fold(text)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, match in enumerate(_SYLLABLE_RE.finditer(text)):
            token.text = match.group()
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def _varint(n: int) -> bytes:
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_NVARINTS = 1 << 14
_VARINTS = [_varint(n) for n in range(_NVARINTS)]


class SafePositions(formats.Positions):
    """whoosh-ng 5.4 ``Positions`` whose values never end in b".".

    whoosh-ng decodes a positions value ending in b"." as a legacy pickle, but its own varint
    encoding ends in that byte whenever the last gap is 46 — the search then crashes with
    ``UnpicklingError``. The decoder ignores trailing bytes, so a zero byte is appended instead.
    """

    def encode(self, poslist):
        # Same bytes as Positions.encode (count, then varint gaps), with cached varints.
        base = 0
        parts = [pack_uint(len(poslist))]
        for pos in poslist:
            gap = pos - base
            parts.append(_VARINTS[gap] if gap < _NVARINTS else _varint(gap))
            base = pos
        value = b"".join(parts)
        return value + b"\x00" if value.endswith(b".") else value


_SINGLE_POSITION = [SafePositions().encode([p]) for p in range(_NVARINTS)]


class CounterField(fields.TEXT):
    """A TEXT field that accepts precomputed terms instead of re-analysing the text.

    ``phrase=False``: a dict of term -> count. ``phrase=True``: a dict of term -> sorted
    positions. Skipping Whoosh's token-by-token analysis is a large part of bulk indexing speed;
    a plain string still goes through ``VietTokenizer``.
    """

    def __init__(self, folded: bool = False, phrase: bool = False):
        super().__init__(analyzer=VietTokenizer(folded), phrase=phrase)
        if phrase:
            self.format = SafePositions(field_boost=1.0)

    def index(self, value, **kwargs):
        if isinstance(value, dict):
            if self.format.supports("positions"):
                encode = self.format.encode
                single = _SINGLE_POSITION
                n = len(single)
                return [
                    (w.encode("utf-8"), 1, 1.0, single[p[0]]) if len(p) == 1 and p[0] < n
                    else (w.encode("utf-8"), len(p), float(len(p)), encode(p))
                    for w, p in value.items()
                ]
            return [(w.encode("utf-8"), n, float(n), pack_uint(n)) for w, n in value.items()]
        return super().index(value, **kwargs)
