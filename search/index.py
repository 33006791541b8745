"""The search index of the archive: the one module that owns the Whoosh index on disk.

The database is the truth; this index can always be rebuilt from it (``congvan reindex``). When the
schema version stored beside the index differs from ``SCHEMA_VERSION`` — or the index cannot be
opened — the index is recreated empty and ``needs_rebuild`` is set so the caller reindexes.

Writes are serialised: one process-wide lock per index folder, then Whoosh's own file lock (retried
until ``lock_timeout``). A writer error cancels the writer and propagates; nothing is committed
half-done and nothing is swallowed.

Queries on letters are evaluated by ``search.engine`` (numpy over the postings, so a common word
at 100,000 letters stays fast); tasks go through Whoosh's own searcher.

Fields (x = exact, f = folded: diacritics removed, đ -> d; see ``search.analysis``):

===========================  ====================================================================
kind                         "doc" for letters, "task" for their tasks (one index, two kinds)
id, ns_key, number, ref_key  document id, number key ("1987mttqbtt"), bare number, cited keys
body_x, body_f               full text + subject + issuer + type + place + recipients, with
                             positions (phrases, adjacency bonus)
subj_x, subj_f               subject (boosted)
word_x, word_f               underthesea words (only with ``compound="segment"``)
doc_type, issuer, place,     filter and facet values (exact strings), year, date as yyyymmdd
year, date, open, rcp_f      (0 = none), has open tasks ("1"/"0"), recipients (folded words)
task_x/_f, assignee_f, ...   task action (positions), assignees (folded), deadline (yyyymmdd,
                             99991231 = none), the task as stored JSON
===========================  ====================================================================
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import shutil
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh import fields as wf
from whoosh import index as wi
from whoosh import query as wq
from whoosh.writing import CLEAR

from archive.errors import SearchIndexError
from search.analysis import CounterField, analyze, fold_word, normalize_text, number_key
from search.query import ParsedQuery, parse_query, task_query
from search.engine import ArrayEngine, make_plan
from search.snippets import make_snippet
from search.writer import BulkSegmentWriter

__all__ = ["SearchIndex", "SearchResults", "Hit", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
VERSION_FILE = "congvan-search-version.json"
FACET_FIELDS = ("doc_type", "issuer", "year")
FILTER_KEYS = {"doc_type", "issuer", "place", "year", "date_from", "date_to", "recipient", "has_open_tasks"}
NO_DATE = 0
NO_DEADLINE = 99991231
MAX_PER_PAGE = 100
RERANK_DEPTH = 30  # candidates that get the adjacency bonus
MAX_FACET_VALUES = 50
BULK_BATCH = 5000  # letters per segment in a bulk load
PAIR_WEIGHT = 3.0  # adjacency bonus per pair, times the words' idf (swept: bench/search.py --sweep)


@dataclass
class Hit:
    id: int
    number_symbol: str | None
    doc_type: str | None
    date: str | None  # ISO
    subject: str | None
    issuer: str | None
    score: float
    snippet_html: str


@dataclass
class SearchResults:
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def build_schema() -> wf.Schema:
    return wf.Schema(
        kind=wf.ID(),
        id=wf.ID(stored=True, unique=True, sortable=True),
        ns=wf.STORED(),
        ns_key=wf.ID(),
        number=wf.ID(),
        ref_key=wf.KEYWORD(lowercase=False, commas=False, scorable=True),
        body_x=CounterField(phrase=True),
        body_f=CounterField(folded=True, phrase=True),
        word_x=CounterField(),
        word_f=CounterField(folded=True),
        subj_x=CounterField(),
        subj_f=CounterField(folded=True),
        rcp_f=CounterField(folded=True),
        doc_type=wf.ID(stored=True, sortable=True),
        issuer=wf.ID(stored=True, sortable=True),
        place=wf.ID(),
        year=wf.ID(sortable=True),
        date=wf.NUMERIC(int, bits=32, sortable=True, signed=False),
        date_iso=wf.STORED(),
        subject=wf.STORED(),
        open=wf.ID(),
        text_z=wf.STORED(),
        # tasks
        tdoc=wf.ID(),
        task_x=CounterField(phrase=True),
        task_f=CounterField(folded=True, phrase=True),
        assignee_f=CounterField(folded=True),
        deadline=wf.NUMERIC(int, bits=32, sortable=True, signed=False),
        task=wf.STORED(),
    )


# ---------------------------------------------------------------- value helpers


def _clean(value) -> str:
    return " ".join(normalize_text(str(value)).split()) if value not in (None, "") else ""


def _ymd(value: dt.date | None, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.year * 10000 + value.month * 100 + value.day


def _iso(ymd: int | None) -> str | None:
    if not ymd or ymd in (NO_DATE, NO_DEADLINE):
        return None
    return f"{ymd // 10000:04d}-{ymd // 100 % 100:02d}-{ymd % 100:02d}"


def _as_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise SearchIndexError(f"Ngày không hợp lệ: {value!r} (cần dạng YYYY-MM-DD).") from exc


def _folded_words(text: str) -> Counter:
    return analyze(text).folded_counts()


# ---------------------------------------------------------------- documents -> Whoosh fields


def document_fields(doc: dict, *, compound: str = "bigram") -> dict:
    """The Whoosh fields of one letter (``archive.serialize.document_for_index`` dict)."""
    doc_id = int(doc["id"])
    text = normalize_text(doc.get("text") or "")
    subject = _clean(doc.get("subject"))
    issuer = _clean(doc.get("issuer"))
    doc_type = _clean(doc.get("doc_type"))
    place = _clean(doc.get("place"))
    recipients = [_clean(r) for r in doc.get("recipients") or [] if _clean(r)]
    number_symbol = _clean(doc.get("number_symbol"))
    date = _as_date(doc.get("date"))

    # Subject and header fields go after the text in the body (positions continue, one clause each).
    body = analyze("\n\n".join([text, subject, issuer, doc_type, place, *recipients]), compound=compound)
    subj = analyze(subject)
    rcp = analyze("\n\n".join(recipients)) if recipients else None
    refs = {number_key(r) for r in doc.get("references") or [] if r}
    refs.discard("")
    number = _clean(doc.get("number")) or number_symbol.split("/")[0].split("-")[0]

    out = {
        "kind": "doc",
        "id": str(doc_id),
        "ns": number_symbol or None,
        "ns_key": number_key(number_symbol) or None,
        "number": fold_word(number.lower()) or None,
        "ref_key": " ".join(sorted(refs)) or None,
        "body_x": body.exact,
        "body_f": body.folded,
        "word_x": body.exact_words or None,
        "word_f": body.folded_words or None,
        "subj_x": subj.exact_counts() or None,
        "subj_f": subj.folded_counts() or None,
        "rcp_f": rcp.folded_counts() if rcp else None,
        "doc_type": doc_type or None,
        "issuer": issuer or None,
        "place": place or None,
        "year": str(date.year) if date else None,
        "date": _ymd(date, NO_DATE),
        "date_iso": date.isoformat() if date else None,
        "subject": subject or None,
        "open": "1" if doc.get("has_open_tasks") else "0",
        "text_z": zlib.compress(text.encode("utf-8"), 1),
    }
    return {k: v for k, v in out.items() if v is not None}


def task_fields(doc: dict, task: dict, *, compound: str = "bigram") -> dict:
    doc_id = int(doc["id"])
    action = normalize_text(task.get("action") or "")
    assignees = [_clean(a) for a in task.get("assignees") or [] if _clean(a)]
    deadline = _as_date(task.get("deadline"))
    terms = analyze(action + "\n\n" + "\n\n".join(assignees))
    stored = {
        "id": task.get("id"),
        "document_id": doc_id,
        "action": action,
        "assignees": assignees,
        "deadline": deadline.isoformat() if deadline else None,
        "status": task.get("status"),
        "number_symbol": _clean(doc.get("number_symbol")) or None,
        "subject": _clean(doc.get("subject")) or None,
    }
    out = {
        "kind": "task",
        "tdoc": str(doc_id),
        "task_x": terms.exact,
        "task_f": terms.folded,
        "assignee_f": _folded_words("\n\n".join(assignees)) or None,
        "deadline": _ymd(deadline, NO_DEADLINE),
        "task": json.dumps(stored, ensure_ascii=False),
    }
    return {k: v for k, v in out.items() if v is not None}


# ---------------------------------------------------------------- locks

_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    key = str(path.resolve())
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.RLock())


# ---------------------------------------------------------------- the index


class SearchIndex:
    """Open (or create) the index in ``index_dir`` — a path, or a Settings with ``index_dir``.

    >>> import tempfile, datetime
    >>> idx = SearchIndex(tempfile.mkdtemp())
    >>> idx.add({"id": 1, "number_symbol": "1987/MTTQ-BTT", "subject": "Ngày đại đoàn kết",
    ...          "text": "Ngày Đại đoàn kết vì cộng đồng", "date": datetime.date(2023, 4, 20)})
    >>> [h.number_symbol for h in idx.search("doan ket").hits]
    ['1987/MTTQ-BTT']
    """

    def __init__(self, index_dir, *, compound: str = "bigram", lock_timeout: float = 30.0):
        path = getattr(index_dir, "index_dir", index_dir)
        self.path = Path(path)
        self.compound = compound
        self.lock_timeout = lock_timeout
        self.needs_rebuild = False
        self._lock = _process_lock(self.path)
        self._local = threading.local()
        self._engine = ArrayEngine()
        self._ix = self._open()

    # -------------------------------------------------------- lifecycle

    def _version_tag(self) -> dict:
        return {"schema": SCHEMA_VERSION, "compound": self.compound}

    def _open(self):
        with self._lock:
            self.path.mkdir(parents=True, exist_ok=True)
            version_file = self.path / VERSION_FILE
            try:
                stored = json.loads(version_file.read_text("utf-8"))
            except (OSError, ValueError):
                stored = None
            if stored == self._version_tag():
                try:
                    ix = wi.open_dir(str(self.path))
                    ix.doc_count_all()  # reads the table of contents: fails on a damaged index
                    return ix
                except Exception:  # an unreadable index is rebuilt from the database
                    pass
            return self._recreate()

    def _recreate(self):
        """Delete the index files, create a fresh index, flag that the caller must reindex.

        Only Whoosh's files (MAIN_*, _MAIN_*, *.toc, *.seg, temporary folders *.tmp) and the version
        file are removed: a folder given by mistake keeps everything else.
        """
        for child in self.path.iterdir():
            name = child.name
            ours = (name.startswith(("MAIN_", "_MAIN_")) or name.endswith((".toc", ".seg", ".tmp"))
                    or name == VERSION_FILE)
            if not ours:
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        ix = wi.create_in(str(self.path), build_schema())
        (self.path / VERSION_FILE).write_text(json.dumps(self._version_tag()), "utf-8")
        self.needs_rebuild = True
        return ix

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    # -------------------------------------------------------- writing

    def _open_writer(self, **kwargs):
        try:
            return BulkSegmentWriter(self._ix, timeout=self.lock_timeout, delay=0.05, **kwargs)
        except wi.LockError as exc:
            raise SearchIndexError(
                "Chỉ mục tìm kiếm đang bận (một tiến trình khác đang ghi); hãy thử lại sau."
            ) from exc

    @contextmanager
    def _writer(self, _merge: bool = True, **kwargs) -> Iterator:
        """One writer at a time; commit on success, cancel and re-raise on any error."""
        with self._lock:
            writer = self._open_writer(**kwargs)
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            try:
                writer.commit(merge=_merge)
            except BaseException:
                try:
                    writer.cancel()
                finally:
                    raise

    def add(self, doc: dict) -> None:
        """Add or replace one letter (and its tasks)."""
        self.add_many([doc])

    def add_many(self, docs: Iterable[dict], *, limitmb: int = 256, batch: int = BULK_BATCH) -> int:
        """Add or replace letters; returns how many.

        Up to ``batch`` letters go in one writer and one commit: all or nothing. A bigger bulk load
        (``congvan reindex``) commits one new segment per ``batch`` letters without merging — sorting
        one big pool of postings costs more per letter as it grows — so an error there keeps the
        batches already committed; the database stays the truth and the reindex can be rerun.
        """
        count = 0
        seen: set[int] = set()
        fresh: bool | None = None
        docs = iter(docs)
        while True:
            chunk = list(itertools.islice(docs, batch))
            if not chunk:
                break
            merge = count == 0 and len(chunk) < batch  # a small update merges small segments
            with self._writer(limitmb=limitmb, _merge=merge) as writer:
                if fresh is None:
                    # Nothing committed yet (a first build, a reindex after clear): no deletes.
                    fresh = all(segment.doc_count() == 0 for segment in writer.segments)
                for doc in chunk:
                    doc_id = int(doc["id"])
                    if doc_id in seen:
                        raise ValueError(f"document id {doc_id} twice in one add_many call")
                    seen.add(doc_id)
                    if not fresh:
                        writer.delete_by_term("id", str(doc_id))
                        writer.delete_by_term("tdoc", str(doc_id))
                    writer.add_document(**document_fields(doc, compound=self.compound))
                    for task in doc.get("tasks") or []:
                        writer.add_document(**task_fields(doc, task, compound=self.compound))
            count += len(chunk)
        return count

    def remove(self, document_id: int) -> None:
        with self._writer() as writer:
            writer.delete_by_term("id", str(int(document_id)))
            writer.delete_by_term("tdoc", str(int(document_id)))

    def clear(self) -> None:
        with self._lock:
            writer = self._open_writer()
            try:
                writer.commit(mergetype=CLEAR)
            except BaseException:
                writer.cancel()
                raise

    # -------------------------------------------------------- reading

    @contextmanager
    def _searcher(self):
        """A per-thread searcher, refreshed when the index changed."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and not searcher.up_to_date():
            # A fresh searcher, not searcher.refresh(): whoosh-ng 5.4's refresh fails when the old
            # reader was empty (EmptyReader.segments() is None).
            searcher.close()
            searcher = None
        if searcher is None:
            searcher = self._open_searcher()
        self._local.searcher = searcher
        yield searcher

    def _open_searcher(self, attempts: int = 8):
        """Open a searcher on the newest commit; retried because a writer in another thread or
        process may merge away the segments of the table of contents we just read."""
        last_error = None
        for attempt in range(attempts):
            try:
                return self._ix.searcher()
            except Exception as exc:
                last_error = exc
                time.sleep(0.05 * (attempt + 1))
        raise SearchIndexError("Không mở được chỉ mục tìm kiếm; hãy chạy `congvan check --repair`.") from last_error

    def document_ids(self) -> set[int]:
        with self._searcher() as s:
            view = self._engine.view(s)
            codes, values = view.column("id", "")
            return {int(values[c]) for c in codes[view.letters] if c >= 0}

    def __len__(self) -> int:
        with self._searcher() as s:
            return int(self._engine.view(s).letters.sum())

    def _filter_mask(self, view, filters: dict | None):
        """Dense mask of the letters passing ``filters`` (None: no filter)."""
        if not filters:
            return None
        unknown = set(filters) - FILTER_KEYS
        if unknown:
            raise SearchIndexError(f"Bộ lọc không hợp lệ: {', '.join(sorted(unknown))}.")
        mask = view.letters.copy()
        for key in ("doc_type", "issuer", "place"):
            if filters.get(key):
                mask &= view.mask(key, _clean(filters[key]))
        if filters.get("year"):
            mask &= view.mask("year", str(filters["year"]).strip())
        date_from, date_to = _as_date(filters.get("date_from")), _as_date(filters.get("date_to"))
        if date_from or date_to:
            dates = view.numeric("date")
            mask &= (dates >= _ymd(date_from, 10000101)) & (dates <= _ymd(date_to, 99991230))
        if filters.get("recipient"):
            for word in _folded_words(_clean(filters["recipient"])):
                mask &= view.mask("rcp_f", word)
        if filters.get("has_open_tasks") is not None:
            mask &= view.mask("open", "1" if filters["has_open_tasks"] else "0")
        return mask

    def search(self, q: str, *, filters: dict | None = None, page: int = 1, per_page: int = 10,
               sort: str = "relevance") -> SearchResults:
        """Letters matching ``q`` (any text; never a syntax error) and ``filters``.

        ``sort="date"`` gives newest first; an empty query lists letters newest first.
        """
        page = max(1, int(page or 1))
        per_page = max(1, min(MAX_PER_PAGE, int(per_page or 10)))
        parsed = parse_query(q or "")
        by_date = sort == "date" or parsed.is_empty
        with self._searcher() as s:
            results = self._run(s, parsed, filters, page, per_page, by_date, loose=False)
            if results.total == 0 and len(parsed.words) > 1:
                results = self._run(s, parsed, filters, page, per_page, by_date, loose=True)
        return results

    def _run(self, s, parsed: ParsedQuery, filters, page: int, per_page: int, by_date: bool, *, loose: bool):
        view = self._engine.view(s)
        docnums, scores = view.evaluate(make_plan(parsed, loose=loose), self._filter_mask(view, filters))
        facets = self._count_facets(view, docnums)
        wanted = page * per_page
        if by_date:
            dates = view.numeric("date")[docnums]
            order = np.lexsort((docnums, -dates))[:wanted]
            ranked = [(float(scores[i]), int(docnums[i])) for i in order]
        else:
            ranked = self._rank(s, parsed, docnums, scores, wanted)
        exact, folded = parsed.highlight_terms()
        hits = []
        for score, docnum in ranked[(page - 1) * per_page: wanted]:
            stored = s.stored_fields(docnum)
            text = zlib.decompress(stored["text_z"]).decode("utf-8") if "text_z" in stored else ""
            hits.append(Hit(
                id=int(stored["id"]),
                number_symbol=stored.get("ns"),
                doc_type=stored.get("doc_type"),
                date=stored.get("date_iso"),
                subject=stored.get("subject"),
                issuer=stored.get("issuer"),
                score=float(score),
                snippet_html=make_snippet(text, exact, folded, accented=parsed.accented),
            ))
        return SearchResults(total=len(docnums), page=page, per_page=per_page, hits=hits, facets=facets)

    def _rank(self, s, parsed: ParsedQuery, docnums, scores, wanted: int) -> list[tuple[float, int]]:
        """Top ``wanted`` by BM25F; the first ``RERANK_DEPTH`` also get the adjacency bonus.

        The bonus only adds, so the re-ranked head stays ahead of the tail: pages never overlap.
        """
        depth = max(wanted, RERANK_DEPTH)
        if len(docnums) > depth:
            top = np.argpartition(-scores, depth - 1)[:depth]
            docnums, scores = docnums[top], scores[top]
        order = np.lexsort((docnums, -scores))
        candidates = [(float(scores[i]), int(docnums[i])) for i in order]
        head, tail = candidates[:RERANK_DEPTH], candidates[RERANK_DEPTH:]
        if len(head) < 2:
            return candidates
        bonus = self._adjacency_bonus(self._engine.view(s), parsed, sorted(d for _, d in head))
        if bonus:
            head = sorted(((score + bonus.get(docnum, 0.0), docnum) for score, docnum in head),
                          key=lambda sd: (-sd[0], sd[1]))
        return head + tail

    def _adjacency_bonus(self, view, parsed: ParsedQuery, docnums: list[int]) -> dict[int, float]:
        """Score for query words found side by side (bigram mode) or as one word (segment mode).

        Reads the positions of the two words in the candidates only: a phrase query over the whole
        index would check every document holding both words.
        """
        bonus: dict[int, float] = {}
        key = (lambda w: w) if parsed.accented else fold_word

        def add(counts: dict[int, float], weight: float) -> None:
            for docnum, n in counts.items():
                bonus[docnum] = bonus.get(docnum, 0.0) + weight * n * 2.2 / (n + 1.2)

        def idf(fieldname: str, word: str) -> float:
            return math.log(view.n_letters / (len(view.term(fieldname, word)[0]) + 1)) + 1.0

        if self.compound == "segment":
            from search.analysis import segment_compounds

            wfield = "word_x" if parsed.accented else "word_f"
            text = " . ".join(" ".join(c) for c in parsed.clauses)
            for word in set(segment_compounds(text)):
                word = key(word)
                add(view.tf_at(wfield, word, docnums), PAIR_WEIGHT * idf(wfield, word))
            return bonus

        field = "body_x" if parsed.accented else "body_f"
        for clause in parsed.clauses:
            for a, b in zip(clause, clause[1:]):
                a, b = key(a), key(b)
                weight = PAIR_WEIGHT * (idf(field, a) + idf(field, b)) / 2
                add(view.adjacency(field, (a, b), docnums), weight)
        return bonus

    def _count_facets(self, view, docnums) -> dict[str, list[tuple[str, int]]]:
        facets: dict[str, list[tuple[str, int]]] = {}
        for f in FACET_FIELDS:
            codes, values = view.column(f, "")
            picked = codes[docnums]
            counts = np.bincount(picked[picked >= 0], minlength=len(values))
            pairs = [(values[i], int(n)) for i in np.flatnonzero(counts) for n in [counts[i]]]
            if f == "year":
                facets[f] = sorted(pairs, key=lambda kv: kv[0], reverse=True)
            else:
                facets[f] = sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:MAX_FACET_VALUES]
        return facets

    # -------------------------------------------------------- similar documents

    def similar(self, document_id: int, limit: int = 5) -> list[Hit]:
        """Letters that share the most distinctive words of this one (tf-idf of exact syllables)."""
        with self._searcher() as s:
            view = self._engine.view(s)
            docnum = next(iter(s.docs_for_query(wq.Term("id", str(int(document_id))))), None)
            if docnum is None:
                return []
            stored = s.stored_fields(docnum)
            text = zlib.decompress(stored["text_z"]).decode("utf-8") if "text_z" in stored else ""
            terms = analyze((stored.get("subject") or "") + "\n\n" + text, compound=self.compound)
            scored = []
            for word, tf in terms.exact_counts().items():
                if word.isdigit() or len(word) < 2:
                    continue
                df = len(view.term("body_x", word)[0])
                if df <= 1 or df > view.n_letters * 0.3:
                    continue  # unique to this letter, or too common to tell letters apart
                idf = math.log(view.n_letters / (df + 1)) + 1.0
                scored.append(((1 + math.log(tf)) * idf, word))
            scored.sort(reverse=True)
            if not scored:
                return []
            scores = view.score_terms([("body_x", w, weight) for weight, w in scored[:30]])
            scores[docnum] = 0.0
            candidates = np.flatnonzero(scores > 0)
            top = candidates[np.lexsort((candidates, -scores[candidates]))][:max(1, int(limit))]
            hits = []
            for d in top.tolist():
                f = s.stored_fields(d)
                hits.append(Hit(
                    id=int(f["id"]), number_symbol=f.get("ns"), doc_type=f.get("doc_type"),
                    date=f.get("date_iso"), subject=f.get("subject"), issuer=f.get("issuer"),
                    score=float(scores[d]),
                    snippet_html=make_snippet(f.get("subject") or "", set(), set(), accented=False)))
            return hits

    # -------------------------------------------------------- tasks

    def search_tasks(self, q: str = "", *, assignee: str | None = None, due_from=None, due_to=None,
                     limit: int = 50) -> list[dict]:
        """Tasks whose action matches ``q``, assigned to ``assignee``, due in [due_from, due_to].

        Without ``q`` the tasks come by deadline, soonest first (no deadline last).
        """
        parsed = parse_query(q or "")
        query = task_query(parsed)
        parts = [query]
        if assignee and _clean(assignee):
            parts.extend(wq.Term("assignee_f", w) for w in _folded_words(_clean(assignee)))
        d_from, d_to = _as_date(due_from), _as_date(due_to)
        if d_from or d_to:
            parts.append(wq.NumericRange("deadline", _ymd(d_from, 10000101), _ymd(d_to, 99991230)))
        if len(parts) > 1:
            query = wq.And([parts[0], wq.ConstantScoreQuery(wq.And(parts[1:]), 0.0)])
        limit = max(1, min(1000, int(limit or 50)))
        with self._searcher() as s:
            if parsed.words or parsed.phrases:
                results = s.search(query, limit=limit)
                if len(results) == 0 and len(parsed.words) > 1:
                    loose = wq.And([task_query(parsed, loose=True), *parts[1:]])
                    results = s.search(loose, limit=limit)
                found = [(float(r.score or 0.0), r.docnum) for r in results]
            else:  # a listing by deadline: filter and sort with the arrays, not Whoosh's sorter
                view = self._engine.view(s)
                mask = view.mask("kind", "task") & view.live
                if assignee and _clean(assignee):
                    for word in _folded_words(_clean(assignee)):
                        mask &= view.mask("assignee_f", word)
                deadlines = view.numeric("deadline")
                if d_from or d_to:
                    mask &= (deadlines >= _ymd(d_from, 10000101)) & (deadlines <= _ymd(d_to, 99991230))
                docnums = np.flatnonzero(mask)
                order = np.lexsort((docnums, deadlines[docnums]))[:limit]
                found = [(0.0, int(docnums[i])) for i in order]
            out = []
            for score, docnum in found:
                task = json.loads(s.stored_fields(docnum)["task"])
                task["score"] = score
                out.append(task)
            return out
