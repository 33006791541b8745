"""From what a person types to a query. Never raises on user input.

``parse_query`` gives a ``ParsedQuery``; ``search.engine.make_plan`` turns it into the letter
query (evaluated with numpy), ``task_query`` into a Whoosh query over the tasks.

Syntax, all optional: ``"quoted phrase"``, ``-excluded`` word, document numbers ("1987/MTTQ-BTT",
"213-QĐ/TW", "số 1987"). Anything else — stray quotes, brackets, operators, emoji — is plain text:
the parser only looks for the few things above and ignores the rest.

Scoring (BM25F over the fields of ``search.index``; the boosts below):
- a query typed with diacritics scores the exact fields fully and the folded fields weakly
  (folding merges Đảng/đăng/dạng/đang into "dang", so those only count a little);
- a query typed without diacritics matches the folded fields;
- adjacent syllables of the query earn a bonus (read from positions, for the best candidates
  only: ``SearchIndex._adjacency_bonus``), so phrase matches rank higher; a quoted phrase is
  required as a phrase. With ``compound="segment"`` the bonus comes from underthesea's words
  instead (kept for the measurement in bench/);
- every word is required (AND); ``loose=True`` (the fallback when AND finds nothing) asks for any;
- a document number finds that letter first (its key field), then the letters citing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as wq

from search.analysis import clauses, fold, fold_word, normalize_text, number_key

# Boosts. Exact-field matches dominate; folded ones are a weak tie-breaker in accented mode.
SUBJECT_BOOST = 2.0
FOLDED_WEAK = 0.25
PAIR_BOOST = 1.5
NUMBER_BOOST = 200.0
CITED_BOOST = 20.0
NUMBER_ONLY_BOOST = 100.0

_QUOTES_RE = re.compile(r"[\"“”„«»]([^\"“”„«»]*)[\"“”„«»]")
_STRAY_QUOTE_RE = re.compile(r"[\"“”„«»]")
# "1987/MTTQ-BTT", "213-QĐ/TW", "30/2020/NĐ-CP", optionally after "số" / "so" / "số:".
_NUMBER_SYMBOL_RE = re.compile(
    r"(?:(?<![^\W_])(?:số|so)\s*:?\s*)?(?<![^\W_])(\d[^\W_]*(?:[/-][^\W_]+)+)", re.IGNORECASE
)
_NUMBER_ONLY_RE = re.compile(r"(?<![^\W_])(?:số|so)\s*:?\s*(\d+)(?![^\W_])", re.IGNORECASE)
_EXCLUDED_RE = re.compile(r"(?:^|(?<=\s))-([^\W_]+)")


@dataclass
class ParsedQuery:
    """What was asked, as normalised lower-case syllables."""

    clauses: list[list[str]] = field(default_factory=list)  # plain words, grouped by clause
    phrases: list[list[str]] = field(default_factory=list)  # quoted
    excluded: list[str] = field(default_factory=list)
    number_keys: list[str] = field(default_factory=list)  # "1987mttqbtt"
    numbers: list[str] = field(default_factory=list)  # "số 1987" -> "1987"
    accented: bool = False

    @property
    def words(self) -> list[str]:
        return [w for c in self.clauses for w in c]

    @property
    def is_empty(self) -> bool:
        return not (self.clauses or self.phrases or self.number_keys or self.numbers)

    def highlight_terms(self) -> tuple[set[str], set[str]]:
        """(exact, folded) words to mark in snippets."""
        words = set(self.words) | {w for p in self.phrases for w in p} | set(self.numbers)
        return words, {fold_word(w) for w in words}


def any_of(queries: list[wq.Query], **kwargs) -> wq.Or:
    """``Or`` with the lazy binary tree of union matchers at any index size.

    Whoosh picks a matcher that pre-scores every posting of every sub-query when the index holds
    5,000 documents or fewer; inside an AND of common words that is far slower (and makes small
    indexes behave unlike large ones).
    """
    q = wq.Or(queries, **kwargs)
    q.matcher_type = wq.Or.DEFAULT_MATCHER
    return q


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def parse_query(text: str) -> ParsedQuery:
    """Parse user input; any input gives a ParsedQuery, never an exception.

    >>> p = parse_query('“đoàn kết” số 1987 -Hà 213-QĐ/TW Đồng  Tháp "lẻ')
    >>> p.phrases, p.numbers, p.excluded, p.number_keys, p.clauses, p.accented
    ([['đoàn', 'kết']], ['1987'], ['hà'], ['213qdtw'], [['đồng', 'tháp', 'lẻ']], True)
    """
    parsed = ParsedQuery()
    if not isinstance(text, str):
        return parsed
    text = normalize_text(text[:1000]).replace("\x00", " ")
    parsed.accented = fold(text) != text

    def take_number(match: re.Match) -> str:
        if _has_letter(match.group(1)):
            key = number_key(match.group(1))
            if key and key not in parsed.number_keys:
                parsed.number_keys.append(key)
            return " "
        return match.group(0)  # a date such as 20/4/2023: keep as words

    text = _NUMBER_SYMBOL_RE.sub(take_number, text)

    def take_number_only(match: re.Match) -> str:
        parsed.numbers.append(match.group(1))
        return " "

    text = _NUMBER_ONLY_RE.sub(take_number_only, text)

    def take_phrase(match: re.Match) -> str:
        words = [w for c in clauses(match.group(1)) for w in c]
        if words:
            parsed.phrases.append(words)
        return " . "  # a phrase is its own clause

    text = _QUOTES_RE.sub(take_phrase, text)
    text = _STRAY_QUOTE_RE.sub(" ", text)

    def take_excluded(match: re.Match) -> str:
        parsed.excluded.append(match.group(1).lower())
        return " "

    text = _EXCLUDED_RE.sub(take_excluded, text)
    parsed.clauses = [c for c in clauses(text) if c]
    return parsed


# ---------------------------------------------------------------- Whoosh queries


def _word_query(word: str, accented: bool, body: str, subject: str | None) -> wq.Query:
    folded = fold_word(word)
    parts: list[wq.Query] = []
    if accented:
        parts.append(wq.Term(body + "_x", word))
        if subject:
            parts.append(wq.Term(subject + "_x", word, boost=SUBJECT_BOOST))
        parts.append(wq.Term(body + "_f", folded, boost=FOLDED_WEAK))
        if subject:
            parts.append(wq.Term(subject + "_f", folded, boost=FOLDED_WEAK * SUBJECT_BOOST))
    else:
        parts.append(wq.Term(body + "_f", folded))
        if subject:
            parts.append(wq.Term(subject + "_f", folded, boost=SUBJECT_BOOST))
    return any_of(parts)


def _phrase(words: list[str], accented: bool, body: str, boost: float) -> wq.Query:
    if accented:
        return any_of([
            wq.Phrase(body + "_x", words, boost=boost),
            wq.Phrase(body + "_f", [fold_word(w) for w in words], boost=boost * FOLDED_WEAK),
        ])
    return wq.Phrase(body + "_f", [fold_word(w) for w in words], boost=boost)


def _phrase_query(words: list[str], accented: bool, body: str, subject: str | None) -> wq.Query:
    if len(words) == 1:
        return _word_query(words[0], accented, body, subject)
    return wq.And([*(_word_query(w, accented, body, subject) for w in words),
                   _phrase(words, accented, body, PAIR_BOOST)])


def _compound_query(parsed: ParsedQuery, words_field: str) -> list[wq.Query]:
    from search.analysis import segment_compounds

    text = " . ".join(" ".join(c) for c in parsed.clauses)
    out = []
    for word in segment_compounds(text):
        if parsed.accented:
            out.append(wq.Term(words_field + "_x", word, boost=PAIR_BOOST))
            out.append(wq.Term(words_field + "_f", fold_word(word), boost=PAIR_BOOST * FOLDED_WEAK))
        else:
            out.append(wq.Term(words_field + "_f", fold_word(word), boost=PAIR_BOOST))
    return out


def ranking_boost(parsed: ParsedQuery, *, body: str = "body", compound: str = "bigram") -> wq.Query | None:
    """Optional query that ranks adjacent query words higher: two-syllable phrases, or words.

    Kept apart from the matching query so the index can apply it to the best candidates only
    (phrase matching reads positions, the slowest part of a search).
    """
    if compound == "segment" and body == "body":
        optional = _compound_query(parsed, "word")
    else:
        # Accented: the exact phrase only; the folded one would double the work for a small gain.
        optional = [
            wq.Phrase(body + "_x", [a, b], boost=PAIR_BOOST) if parsed.accented
            else wq.Phrase(body + "_f", [fold_word(a), fold_word(b)], boost=PAIR_BOOST)
            for c in parsed.clauses for a, b in zip(c, c[1:])
        ]
    return any_of(optional) if optional else None


def text_query(parsed: ParsedQuery, *, loose: bool = False, body: str = "body",
               subject: str | None = "subj", compound: str = "bigram", boost: bool = True) -> wq.Query | None:
    """The words-and-phrases part of a query, or None when there are no words.

    Matching only walks the folded body postings (one list per word: the folded body holds every
    spelling, and the subject is part of the body); the exact and subject terms are optional and
    only score the documents that matched — the same scores as OR-ing all four per word, much less
    work. ``boost=False`` leaves out ``ranking_boost``.
    """
    acc = parsed.accented
    words = parsed.words
    required: list[wq.Query] = [
        wq.Term(body + "_f", fold_word(w), boost=FOLDED_WEAK if acc else 1.0) for w in words
    ]
    optional: list[wq.Query] = []
    for w in words:
        folded = fold_word(w)
        if acc:
            optional.append(wq.Term(body + "_x", w))
            if subject:
                optional.append(wq.Term(subject + "_x", w, boost=SUBJECT_BOOST))
                optional.append(wq.Term(subject + "_f", folded, boost=FOLDED_WEAK * SUBJECT_BOOST))
        elif subject:
            optional.append(wq.Term(subject + "_f", folded, boost=SUBJECT_BOOST))
    required += [_phrase_query(p, acc, body, subject) for p in parsed.phrases]
    if not required:
        return None
    core: wq.Query = any_of(required) if loose else wq.And(required)
    if optional:
        core = wq.AndMaybe(core, any_of(optional))
    extra = ranking_boost(parsed, body=body, compound=compound) if boost else None
    return wq.AndMaybe(core, extra) if extra is not None else core


def task_query(parsed: ParsedQuery, *, loose: bool = False) -> wq.Query:
    """Whoosh query over the task documents (letters are evaluated by ``search.engine``)."""
    q = text_query(parsed, loose=loose, body="task", subject=None)
    return q if q is not None else wq.Term("kind", "task")
