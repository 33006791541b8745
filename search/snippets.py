"""Highlighted snippets: the passage of a letter where the query words are, as safe HTML.

OCR text is untrusted: every character outside ``<mark>`` tags is HTML-escaped. The snippet
shows the letter's own spelling (with its diacritics) even when the query had none.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from search.analysis import FOLD_TABLE, fold

_SPACES_RE = re.compile(r"\s+")


def _variants() -> dict[str, str]:
    """For each ASCII letter, a regex class of every letter that folds to it, in both cases."""
    groups: dict[str, set[str]] = {}
    for code, base in FOLD_TABLE.items():
        groups.setdefault(chr(base).lower(), set()).add(chr(code))
    out = {}
    for letter in "abcdefghijklmnopqrstuvwxyz":
        chars = {letter, letter.upper()} | groups.get(letter, set())
        chars |= {c.upper() for c in chars} | {c.lower() for c in chars}
        out[letter] = "[" + "".join(sorted(chars)) + "]" if len(chars) > 1 else letter
    return out


_VARIANT_CLASS = _variants()


@lru_cache(maxsize=512)
def _pattern(words: frozenset[str]) -> re.Pattern:
    """Regex matching any of the folded ``words`` in the original text, with any diacritics."""
    alternatives = ["".join(_VARIANT_CLASS.get(ch, re.escape(ch)) for ch in w)
                    for w in sorted(words, key=len, reverse=True)]
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


def _matches(text: str, exact: set[str], folded: set[str], accented: bool) -> list[tuple[int, int, str]]:
    """(start, end, folded word) of the words of ``text`` the query asked for."""
    exact_hits: list[tuple[int, int, str]] = []
    folded_hits: list[tuple[int, int, str]] = []
    for m in _pattern(frozenset(folded)).finditer(text):
        word = m.group().lower()
        hit = (m.start(), m.end(), fold(word))
        folded_hits.append(hit)
        if accented and word in exact:
            exact_hits.append(hit)
    # With accents typed, mark the exact spellings; fall back to folded ones if the letter has none.
    return exact_hits if accented and exact_hits else folded_hits


def _best_window(hits: list[tuple[int, int, str]], width: int) -> int:
    """Start offset of the window of ``width`` characters holding the most distinct words."""
    best_start, best_score = hits[0][0], (0, 0)
    hits = hits[:400]
    for i, (start, _, _) in enumerate(hits):
        words: set[str] = set()
        count = 0
        for s, e, w in hits[i:]:
            if e - start > width:
                break
            words.add(w)
            count += 1
        score = (len(words), count)
        if score > best_score:
            best_start, best_score = start, score
    return best_start


def make_snippet(text: str, exact: set[str], folded: set[str], *, accented: bool, width: int = 240) -> str:
    """HTML passage of ``text`` with the query words in ``<mark>``; everything else escaped.

    >>> make_snippet("Ngày <b>Đại</b> đoàn kết", {"đoàn"}, {"doan"}, accented=False)
    'Ngày &lt;b&gt;Đại&lt;/b&gt; <mark>đoàn</mark> kết'
    """
    if not text:
        return ""
    hits = _matches(text, exact, folded, accented) if folded else []
    if hits:
        start = max(0, _best_window(hits, width) - width // 4)
        # Back up to the start of a word.
        while start > 0 and not text[start - 1].isspace():
            start -= 1
    else:
        start = 0
    end = min(len(text), start + width)
    while end < len(text) and not text[end].isspace() and end - start < width + 30:
        end += 1
    parts: list[str] = ["…"] if start > 0 else []
    pos = start
    for s, e, _ in hits:
        if e <= start or s < pos:
            continue
        if s >= end:
            break
        parts.append(html.escape(text[pos:s], quote=True))
        parts.append("<mark>" + html.escape(text[s:e], quote=True) + "</mark>")
        pos = e
    parts.append(html.escape(text[pos:end], quote=True))
    if end < len(text):
        parts.append("…")
    return _SPACES_RE.sub(" ", "".join(parts)).strip()
