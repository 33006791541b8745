"""Letter queries evaluated with numpy over Whoosh's postings.

Whoosh stores the index; this module answers ``SearchIndex.search``. Whoosh's own matchers score a
query one document at a time in Python: ~50 µs per matching letter, seconds for a common word at
100,000 letters. Here the postings of each query term are read once into numpy arrays (cached per
segment — segments never change) and a query becomes a handful of vector operations over all
documents: matching, BM25F scores, the total, the facet counts and the order in one pass.

Same semantics as ``search.query``: every word required (folded body), exact and subject terms
score, a number finds the letter and the letters citing it, filters restrict, excluded words remove.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from search.analysis import fold_word
from search.query import (
    CITED_BOOST, FOLDED_WEAK, NUMBER_BOOST, NUMBER_ONLY_BOOST, SUBJECT_BOOST, ParsedQuery,
)

K1 = 1.2
B = 0.75
SCORED_FIELDS = ("body_x", "body_f", "subj_x", "subj_f")
CACHE_BYTES = 256 * 1024 * 1024


@dataclass
class Plan:
    """A letter query as term lists (field, text, boost)."""

    required: list[tuple[str, str, float]] = field(default_factory=list)  # every one must match
    optional: list[tuple[str, str, float]] = field(default_factory=list)  # score if present
    phrases: list[tuple[str, list[str]]] = field(default_factory=list)  # (field, words): must match
    numbers: list[tuple[str, str, float]] = field(default_factory=list)  # OR'ed with the text part
    number_prefixes: list[tuple[str, str, float]] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)
    loose: bool = False

    @property
    def has_text(self) -> bool:
        return bool(self.required or self.phrases)


def make_plan(parsed: ParsedQuery, *, loose: bool = False) -> Plan:
    plan = Plan(loose=loose)
    acc = parsed.accented
    words = list(parsed.words) + [w for p in parsed.phrases for w in p]
    for w in words:
        folded = fold_word(w)
        plan.required.append(("body_f", folded, FOLDED_WEAK if acc else 1.0))
        if acc:
            plan.optional += [("body_x", w, 1.0), ("subj_x", w, SUBJECT_BOOST),
                              ("subj_f", folded, FOLDED_WEAK * SUBJECT_BOOST)]
        else:
            plan.optional.append(("subj_f", folded, SUBJECT_BOOST))
    for p in parsed.phrases:
        if len(p) > 1:
            plan.phrases.append(("body_f", [fold_word(w) for w in p]))
    for key in parsed.number_keys:
        plan.numbers += [("ns_key", key, NUMBER_BOOST), ("ref_key", key, CITED_BOOST)]
    for number in parsed.numbers:
        plan.numbers.append(("number", number, NUMBER_ONLY_BOOST))
        plan.number_prefixes.append(("ref_key", number, CITED_BOOST / 4))
    field_ = "body_x" if acc else "body_f"
    plan.excluded = [(field_, w if acc else fold_word(w)) for w in parsed.excluded]
    return plan


class _Leaf:
    """Cached arrays of one segment (immutable, so valid for as long as the segment exists)."""

    def __init__(self, reader):
        self.doccount = reader.doc_count_all()
        self.lengths: dict[str, np.ndarray] = {}
        self.columns: dict[str, tuple[np.ndarray, list]] = {}


class ArrayEngine:
    """Caches shared by the threads of one ``SearchIndex``: term postings and per-segment arrays."""

    def __init__(self):
        self._lock = threading.Lock()
        self._postings: OrderedDict[tuple, object] = OrderedDict()  # LRU, about CACHE_BYTES
        self._bytes = 0
        self._leaves: dict[str, _Leaf] = {}

    def view(self, searcher) -> "View":
        """Arrays for this searcher's segments and deletions, kept on the searcher.

        One view per searcher, and searchers are per thread: Whoosh's readers seek and read shared
        file objects, so two threads must never read through the same reader.
        """
        view = getattr(searcher, "_congvan_view", None)
        if view is None:
            leaves = searcher.leaf_searchers() if searcher.subsearchers else [(searcher, 0)]
            with self._lock:  # forget the arrays of segments merged away
                live = {self._segment_id(s.reader()) for s, _ in leaves}
                if set(self._leaves) - live:
                    self._leaves = {k: v for k, v in self._leaves.items() if k in live}
            view = View(self, searcher, leaves)
            searcher._congvan_view = view
        return view

    @staticmethod
    def _segment_id(reader) -> str:
        segment = reader.segment()
        return segment.segment_id() if segment is not None else f"empty-{id(reader)}"

    def leaf(self, reader) -> _Leaf:
        key = self._segment_id(reader)
        with self._lock:
            leaf = self._leaves.get(key)
            if leaf is None:
                leaf = self._leaves[key] = _Leaf(reader)
            return leaf

    def postings(self, reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(local docnums, weights) of a term in one segment, deleted documents included."""
        key = (self._segment_id(reader), fieldname, text)
        with self._lock:
            hit = self._postings.get(key)
            if hit is not None:
                self._postings.move_to_end(key)
                return hit
        ids, weights, values = _read_postings(reader, fieldname, text)
        with self._lock:
            self._store(key, (ids, weights))
            if values is not None:  # positions came with the same blocks: keep them too
                self._store(key + ("values",), values)
        return ids, weights

    def values(self, reader, fieldname: str, text: str) -> list[bytes]:
        """Encoded positions of a term in one segment, aligned with ``postings``."""
        key = (self._segment_id(reader), fieldname, text, "values")
        with self._lock:
            hit = self._postings.get(key)
            if hit is not None:
                self._postings.move_to_end(key)
                return hit
        values = _read_values(reader, fieldname, text)
        with self._lock:
            self._store(key, values)
        return values

    def positions_at(self, reader, fieldname: str, text: str, local: np.ndarray) -> list[list[int] | None]:
        """Positions of a term in each of the ``local`` documents of one segment (None if absent)."""
        ids, _ = self.postings(reader, fieldname, text)
        if not len(ids):
            return [None] * len(local)
        values = self.values(reader, fieldname, text)
        rows = np.minimum(np.searchsorted(ids, local), len(ids) - 1)
        present = ids[rows] == local
        decode = reader.schema[fieldname].format.decode_positions
        return [decode(values[r]) if ok else None for r, ok in zip(rows.tolist(), present.tolist())]

    @staticmethod
    def _size(item) -> int:
        if isinstance(item, list):
            return 64 * len(item) + sum(map(len, item))
        return item[0].nbytes + item[1].nbytes

    def _store(self, key: tuple, item) -> None:
        """Cache ``item`` (caller holds the lock), dropping the least recently used beyond the budget."""
        old = self._postings.pop(key, None)
        if old is not None:
            self._bytes -= self._size(old)
        self._postings[key] = item
        self._bytes += self._size(item)
        while self._bytes > CACHE_BYTES and len(self._postings) > 1:
            _, dropped = self._postings.popitem(last=False)
            self._bytes -= self._size(dropped)


_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


def _blocks(reader, fieldname: str, text: str):
    """The whoosh3 leaf matchers' blocks of a term, one after the other (internals of W3LeafMatcher)."""
    fieldobj = reader.schema[fieldname]
    matcher = reader._terms.matcher(fieldname, fieldobj.to_bytes(text), fieldobj.format)
    if not hasattr(matcher, "_lastblock"):  # e.g. a ListMatcher for a term stored inline
        raise AttributeError("not a block matcher")
    while matcher.is_active():
        yield matcher
        if matcher._lastblock:
            break
        matcher._next_block()


def _read_values(reader, fieldname: str, text: str) -> list[bytes]:
    if (fieldname, text) not in reader:
        return []
    out: list[bytes] = []
    try:
        for block in _blocks(reader, fieldname, text):
            if block._values is None:
                block._read_values()
            out.extend(block._values)
    except AttributeError:  # not a whoosh3 block matcher: one posting at a time
        fieldobj = reader.schema[fieldname]
        matcher = reader._terms.matcher(fieldname, fieldobj.to_bytes(text), fieldobj.format)
        out = []
        while matcher.is_active():
            out.append(matcher.value())
            matcher.next()
    return out


def _read_postings(reader, fieldname: str, text: str):
    """(ids, weights, encoded positions or None) of a term in one segment."""
    if (fieldname, text) not in reader:
        return (*_EMPTY, None)
    fieldobj = reader.schema[fieldname]
    btext = fieldobj.to_bytes(text)
    positional = fieldobj.format.supports("positions")
    ids: list = []
    weights: list = []
    values: list | None = [] if positional else None
    try:  # whole blocks at a time, decoded with numpy (ids are stored as gaps)
        ids, weights = [], []
        values = [] if positional else None
        for block in _blocks(reader, fieldname, text):
            if block._data is None:
                block._read_data()
            raw_ids, raw_weights = block._data[0], block._data[1]
            n = block._blocklength
            if block._byteids:
                raise AttributeError("byte ids")
            ids.append(np.cumsum(np.asarray(raw_ids, dtype=np.int64)))
            if raw_weights is None:
                weights.append(np.ones(n, dtype=np.float32))
            elif isinstance(raw_weights, float):
                weights.append(np.full(n, raw_weights, dtype=np.float32))
            else:
                weights.append(np.asarray(raw_weights, dtype=np.float32))
            if positional:
                if block._values is None:
                    block._read_values()
                values.extend(block._values)
    except AttributeError:  # another codec: one posting at a time
        matcher = reader._terms.matcher(fieldname, btext, fieldobj.format)
        ids, weights = [[]], [[]]
        values = [] if positional else None
        while matcher.is_active():
            ids[0].append(matcher.id())
            weights[0].append(matcher.weight())
            if positional:
                values.append(matcher.value())
            matcher.next()
        ids = [np.asarray(ids[0], dtype=np.int64)]
        weights = [np.asarray(weights[0], dtype=np.float32)]
    if not ids:
        return (*_EMPTY, values)
    return np.concatenate(ids), np.concatenate(weights), values


def _leaf_lengths(reader, fieldname: str, doccount: int) -> np.ndarray:
    """Field length of every document of one segment (whoosh3 stores one byte per document)."""
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        perdoc = reader._perdoc
        lenfield = _lenfield(fieldname)
        if not perdoc.has_column(lenfield):
            return np.zeros(doccount, dtype=np.float32)
        raw = np.fromiter(perdoc.column_reader(lenfield, LENGTHS_COLUMN), dtype=np.int64, count=doccount)
        table = np.asarray([byte_to_length(b) for b in range(256)], dtype=np.float32)
        return table[raw]
    except (AttributeError, ImportError):  # another codec: ask document by document
        return np.fromiter((reader.doc_field_length(d, fieldname, 0) for d in range(doccount)),
                           dtype=np.float32, count=doccount)


def _leaf_column(reader, fieldname: str, default, doccount: int) -> tuple[np.ndarray, list]:
    """(local codes, local values) of one segment's column; "" and None have code -1."""
    raw = reader.column_reader(fieldname, translate=True) if reader.has_column(fieldname) else [default] * doccount
    index: dict = {}
    values: list = []
    codes = np.full(doccount, -1, dtype=np.int64)
    for i, v in enumerate(raw):
        if v in ("", None):
            continue
        code = index.get(v)
        if code is None:
            code = index[v] = len(values)
            values.append(v)
        codes[i] = code
    return codes, values


class View:
    """One searcher's documents as dense arrays indexed by global document number."""

    def __init__(self, engine: ArrayEngine, searcher, leaves):
        self.engine = engine
        self.searcher = searcher
        self.leaves = [(engine.leaf(s.reader()), s.reader(), offset) for s, offset in leaves]
        self.size = searcher.doc_count_all()
        live = np.ones(self.size, dtype=bool)
        for leaf, reader, offset in self.leaves:
            if reader.has_deletions():
                deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
                live[deleted + offset] = False
        self.live = live
        self.letters = self.mask("kind", "doc") & live
        self.n_letters = max(1, int(self.letters.sum()))
        self._lengths: dict[str, np.ndarray] = {}
        self._avg: dict[str, float] = {}
        self._columns: dict[str, tuple[np.ndarray, list]] = {}

    # ---------------------------------------------------------------- raw arrays

    def term(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Global (docnums, weights) of a term across segments."""
        parts = [(ids + offset, w) for leaf, reader, offset in self.leaves
                 for ids, w in [self.engine.postings(reader, fieldname, text)] if len(ids)]
        if not parts:
            return _EMPTY
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def mask(self, fieldname: str, text: str) -> np.ndarray:
        m = np.zeros(self.size, dtype=bool)
        ids, _ = self.term(fieldname, text)
        m[ids] = True
        return m

    def lengths(self, fieldname: str) -> np.ndarray:
        arr = self._lengths.get(fieldname)
        if arr is None:
            parts = []
            for leaf, reader, _ in self.leaves:
                if fieldname not in leaf.lengths:
                    leaf.lengths[fieldname] = _leaf_lengths(reader, fieldname, leaf.doccount)
                parts.append(leaf.lengths[fieldname])
            arr = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
            self._lengths[fieldname] = arr
            present = self.letters & (arr > 0)
            self._avg[fieldname] = float(arr[present].mean()) if present.any() else 1.0
        return arr

    def column(self, fieldname: str, default) -> tuple[np.ndarray, list]:
        """(codes per docnum, values) of a sortable column; code -1 = no value.

        Each segment's codes are computed once (segments never change); a view only maps them.
        """
        cached = self._columns.get(fieldname)
        if cached is None:
            values: list = []
            index: dict = {}
            parts = []
            for leaf, reader, offset in self.leaves:
                local = leaf.columns.get(fieldname)
                if local is None:
                    local = leaf.columns[fieldname] = _leaf_column(reader, fieldname, default, leaf.doccount)
                local_codes, local_values = local
                mapping = np.empty(len(local_values) + 1, dtype=np.int64)
                mapping[-1] = -1  # local code -1 stays -1
                for i, v in enumerate(local_values):
                    code = index.get(v)
                    if code is None:
                        code = index[v] = len(values)
                        values.append(v)
                    mapping[i] = code
                parts.append(mapping[local_codes])
            codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            cached = self._columns[fieldname] = (codes, values)
        return cached

    def numeric(self, fieldname: str) -> np.ndarray:
        codes, values = self.column(fieldname, 0)
        table = np.asarray(values + [0], dtype=np.int64)
        return table[codes]  # code -1 picks the trailing 0

    def phrase_mask(self, fieldname: str, words: list[str]) -> np.ndarray:
        """Documents where ``words`` occur one right after the other (positions)."""
        mask = np.zeros(self.size, dtype=bool)
        for leaf, reader, offset in self.leaves:
            ids = [self.engine.postings(reader, fieldname, w)[0] for w in words]
            if any(len(i) == 0 for i in ids):
                continue
            common = ids[0]
            for other in ids[1:]:
                common = np.intersect1d(common, other, assume_unique=True)
            if not len(common):
                continue
            values = [self.engine.values(reader, fieldname, w) for w in words]
            rows = [np.searchsorted(i, common) for i in ids]
            decode = reader.schema[fieldname].format.decode_positions
            for k, docnum in enumerate(common.tolist()):
                starts = set(decode(values[0][rows[0][k]]))
                for j in range(1, len(words)):
                    following = decode(values[j][rows[j][k]])
                    starts &= {p - j for p in following}
                    if not starts:
                        break
                if starts:
                    mask[docnum + offset] = True
        return mask

    def adjacency(self, fieldname: str, pair: tuple[str, str], docnums: list[int]) -> dict[int, int]:
        """How often ``pair`` occurs side by side in each of ``docnums`` (positions)."""
        out: dict[int, int] = {}
        docnums_arr = np.asarray(sorted(docnums), dtype=np.int64)
        for leaf, reader, offset in self.leaves:
            inside = docnums_arr[(docnums_arr >= offset) & (docnums_arr < offset + leaf.doccount)]
            if not len(inside):
                continue
            local = inside - offset
            first = self.engine.positions_at(reader, fieldname, pair[0], local)
            second = self.engine.positions_at(reader, fieldname, pair[1], local)
            for d, a, b in zip(inside.tolist(), first, second):
                if a and b:
                    following = set(b)
                    n = sum(1 for p in a if p + 1 in following)
                    if n:
                        out[d] = n
        return out

    def tf_at(self, fieldname: str, text: str, docnums: list[int]) -> dict[int, float]:
        """Term frequency of ``text`` in each of ``docnums`` where it occurs."""
        ids, tf = self.term(fieldname, text)
        if not len(ids):
            return {}
        order = np.argsort(ids, kind="stable")
        ids, tf = ids[order], tf[order]
        wanted = np.asarray(docnums, dtype=np.int64)
        rows = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        return {int(d): float(tf[r]) for d, r in zip(wanted, rows) if ids[r] == d}

    # ---------------------------------------------------------------- scoring

    def bm25(self, fieldname: str, text: str, boost: float) -> tuple[np.ndarray, np.ndarray]:
        ids, tf = self.term(fieldname, text)
        if not len(ids):
            return ids, tf
        idf = math.log(self.n_letters / (len(ids) + 1)) + 1.0
        if fieldname in SCORED_FIELDS:
            lengths = self.lengths(fieldname)[ids]
            norm = K1 * ((1 - B) + B * lengths / self._avg[fieldname])
            score = idf * tf * (K1 + 1) / (tf + norm)
        else:
            score = np.full(len(ids), idf, dtype=np.float32)
        return ids, (score * boost).astype(np.float32)

    def score_terms(self, terms: list[tuple[str, str, float]]) -> np.ndarray:
        """Dense BM25F scores of letters for an OR of terms (0 where none matches)."""
        scores = np.zeros(self.size, dtype=np.float32)
        for fieldname, text, boost in terms:
            ids, s = self.bm25(fieldname, text, boost)
            scores[ids] += s
        scores[~self.letters] = 0.0
        return scores

    def evaluate(self, plan: Plan, filter_mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(matching docnums, their scores) for the plan."""
        scores = np.zeros(self.size, dtype=np.float32)
        if plan.has_text:
            if plan.loose:
                text_mask = np.zeros(self.size, dtype=bool)
            else:
                text_mask = self.letters.copy()
            for fieldname, text, boost in plan.required:
                ids, s = self.bm25(fieldname, text, boost)
                scores[ids] += s
                if plan.loose:
                    text_mask[ids] = True
                else:
                    m = np.zeros(self.size, dtype=bool)
                    m[ids] = True
                    text_mask &= m
            for fieldname, words in plan.phrases:
                text_mask &= self.phrase_mask(fieldname, words)
            for fieldname, text, boost in plan.optional:
                ids, s = self.bm25(fieldname, text, boost)
                scores[ids] += s
        else:
            text_mask = None
        if plan.numbers or plan.number_prefixes:
            number_mask = np.zeros(self.size, dtype=bool)
            terms = list(plan.numbers)
            for fieldname, prefix, boost in plan.number_prefixes:
                for _, reader, _ in self.leaves:
                    try:
                        expanded = reader.expand_prefix(fieldname, prefix)
                    except Exception:  # a field absent from this segment
                        expanded = []
                    for t in expanded:
                        t = t.decode("utf-8") if isinstance(t, bytes) else t
                        terms.append((fieldname, t, boost))
            for fieldname, text, boost in dict.fromkeys(terms):
                ids, s = self.bm25(fieldname, text, boost)
                scores[ids] += s
                number_mask[ids] = True
            mask = number_mask if text_mask is None else (number_mask | text_mask)
        else:
            mask = text_mask if text_mask is not None else self.letters.copy()
        mask &= self.letters
        for fieldname, text in plan.excluded:
            ids, _ = self.term(fieldname, text)
            mask[ids] = False
        if filter_mask is not None:
            mask &= filter_mask
        docnums = np.flatnonzero(mask)
        return docnums, scores[docnums]
