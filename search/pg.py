"""The second search backend: PostgreSQL full-text search, for archives that outgrow one Whoosh folder.

Chosen with ``CONGVAN_SEARCH_BACKEND=postgres`` (``archive.services.search_index``); same methods and
same ``SearchResults``/``Hit`` as ``search.index.SearchIndex``, so web/, the CLI and ``congvan check``
do not know which one they talk to. The database is still the truth: these tables are derived and
``congvan reindex`` rebuilds them.

How Vietnamese is handled — by ``search.analysis``, the same code the Whoosh index uses, not by a
PostgreSQL dictionary: Python normalises (NFC, modern tone placement), cuts syllables and folds
("Đồng Tháp" -> "dong thap"); PostgreSQL receives space-separated syllables and indexes them with the
``simple`` configuration (no stemming, no stop words) in two ``tsvector`` columns:

===============  =========================================================================
``tsv_x``        exact syllables: subject (weight A), header fields (C), text (D)
``tsv_f``        the same, folded: a query typed without diacritics matches here
``ns_key``       number key ("1987mttqbtt", ``number_key``): equality and ``pg_trgm`` LIKE
``ref_keys``     keys of the letters cited (text[], GIN): "who cites 213-QĐ/TW"
``tsv_lead``     folded subject, header and opening only, stored uncompressed: the first ranking pass
``tsv_pairs``    adjacent folded syllables as one lexeme ("doan ket"): quoted phrases without re-check
===============  =========================================================================

GIN indexes on both vectors, on ``ref_keys`` and (with ``pg_trgm``) a trigram index on ``ns_key``;
deliberately no B-tree on the filter columns (type, issuer): the planner, which underrates testing a
large compressed ``tsvector``, would otherwise fetch all "Công văn" and test each one's vector instead
of intersecting with the GIN matches.
Ranking is ``ts_rank_cd`` (cover density: query words close together score higher, which stands in
for Whoosh's adjacency bonus); an accented query scores the exact vector fully and the folded one
weakly, like ``search.query``. Ranking must decompress each vector it reads, so it runs in two passes:
every match on its small lead vector, the best ``RERANK_DEPTH`` on the whole text. Snippets come from ``ts_headline``, HTML-escaped (OCR text is untrusted;
only ``<mark>`` is added), through a ``congvan_fold`` configuration built on the
``unaccent`` extension so that "doan ket" marks "đoàn kết"; without ``unaccent`` snippets fall back to
``search.snippets``.

The tables are created by this module when it opens (not by an Alembic migration): they are derived
data owned by search/ like the Whoosh folder, versioned by ``SCHEMA_VERSION`` (a change drops and
recreates them and sets ``needs_rebuild``), may live in a database the archive's migrations never
touch, and need extensions (``pg_trgm``, ``unaccent``) that a restricted role may not be allowed to
create — the backend then works without them instead of failing a migration.
"""
from __future__ import annotations

import html
from contextlib import contextmanager
import json
import math
from collections import Counter
from collections.abc import Iterable

from archive.errors import SearchIndexError
from search.analysis import clauses, fold, fold_word, normalize_text, number_key, syllables
from search.index import (FACET_FIELDS, FILTER_KEYS, MAX_FACET_VALUES, MAX_PER_PAGE, Hit, SearchResults,
                          _as_date)
from search.query import (CITED_BOOST, FOLDED_WEAK, NUMBER_BOOST, NUMBER_ONLY_BOOST, SUBJECT_BOOST,
                          ParsedQuery, parse_query)
from search.snippets import make_snippet

__all__ = ["PgSearchIndex", "SCHEMA_VERSION"]

SCHEMA_VERSION = 6
BATCH = 1000  # letters per transaction in add_many
MAX_INDEXED_CHARS = 400_000  # a tsvector holds positions up to 16,383 and at most 1 MB
HEADLINE_CHARS = 30_000  # ts_headline reads at most this much of a letter
# ts_rank_cd weights, in PostgreSQL's order {D, C, B, A}: text, header fields, (unused), subject
RANK_WEIGHTS = "{0.1, 0.2, 0.4, %s}" % min(1.0, 0.1 * SUBJECT_BOOST * 2.5)
PARTIAL_NUMBER_BOOST = NUMBER_BOOST / 4
# The lead of a letter (subject, header fields, opening), read by the first ranking pass: at most this
# many characters of syllables per part, so the vector stays small enough to be stored uncompressed
# in the row (STORAGE PLAIN): decompressing vectors is most of what ranking costs.
LEAD_CHARS = {"subject": 300, "header": 300, "text": 1400}
RERANK_DEPTH = 200  # candidates of the first pass that get the full ranking
# Each search runs in a transaction with these: the planner underrates ``tsvector @@`` on large,
# compressed vectors and picks a sequential scan (10x slower than the GIN bitmap at 12 % matches);
# JIT compilation costs more than it saves on queries this short.
SESSION = "SET LOCAL enable_seqscan = off; SET LOCAL jit = off"
# With words in the query, no plain index scan either: walking the date index newest first and testing
# each letter's vector costs far more than the GIN bitmap of the matches and a sort.
TEXT_SESSION = SESSION + "; SET LOCAL enable_indexscan = off"
MARK_START, MARK_END = "\x01", "\x02"  # ts_headline's markers, turned into <mark> after escaping
_MARKERS = f'StartSel="{MARK_START}", StopSel="{MARK_END}", ShortWord=0'
HEADLINE_OPTIONS = _MARKERS + ', MaxWords=25, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
HEADLINE_ALL = _MARKERS + ", HighlightAll=true"  # a short letter is shown whole
SHORT_TEXT = 240
_UNSTORABLE = {0: " ", 1: " ", 2: " "}  # NUL cannot be stored in PostgreSQL text; 1, 2 are our markers

_SCHEMA = """
CREATE TABLE search_letters (
    id              integer PRIMARY KEY,
    number_symbol   text,
    ns_key          text,
    number          text,
    ref_keys        text[] NOT NULL DEFAULT '{}',
    doc_type        text,
    issuer          text,
    place           text,
    year            text,
    date            date,
    subject         text,
    has_open_tasks  boolean NOT NULL DEFAULT false,
    body            text NOT NULL DEFAULT '',
    rcp_f           tsvector NOT NULL,
    tsv_x           tsvector NOT NULL,
    tsv_f           tsvector NOT NULL,
    tsv_lead        tsvector NOT NULL,
    tsv_pairs       tsvector NOT NULL
);
ALTER TABLE search_letters ALTER COLUMN tsv_lead SET STORAGE PLAIN;
-- The toaster shrinks a row to toast_tuple_target (2 kB by default) biggest column first; with the
-- plain lead vector it would also push type and issuer out of line, and facets would read TOAST.
ALTER TABLE search_letters SET (toast_tuple_target = 4096);
CREATE INDEX search_letters_tsv_x ON search_letters USING gin (tsv_x);
CREATE INDEX search_letters_tsv_f ON search_letters USING gin (tsv_f);
CREATE INDEX search_letters_tsv_pairs ON search_letters USING gin (tsv_pairs);
CREATE INDEX search_letters_refs ON search_letters USING gin (ref_keys);
CREATE INDEX search_letters_ns_key ON search_letters (ns_key);
CREATE INDEX search_letters_number ON search_letters (number);
CREATE INDEX search_letters_date ON search_letters (date DESC NULLS LAST, id);
CREATE TABLE search_tasks (
    pk              bigserial PRIMARY KEY,
    document_id     integer NOT NULL,
    task_id         integer,
    action          text NOT NULL DEFAULT '',
    assignees       text NOT NULL DEFAULT '[]',
    status          text,
    deadline        date,
    number_symbol   text,
    subject         text,
    assignee_f      tsvector NOT NULL,
    tsv_x           tsvector NOT NULL,
    tsv_f           tsvector NOT NULL
);
CREATE INDEX search_tasks_document ON search_tasks (document_id);
CREATE INDEX search_tasks_deadline ON search_tasks (deadline NULLS LAST, pk);
CREATE INDEX search_tasks_tsv_f ON search_tasks USING gin (tsv_f);
CREATE INDEX search_tasks_assignee ON search_tasks USING gin (assignee_f);
"""

_TRGM_INDEX = "CREATE INDEX search_letters_ns_trgm ON search_letters USING gin (ns_key gin_trgm_ops)"

_FOLD_CONFIG = """
CREATE TEXT SEARCH CONFIGURATION congvan_fold (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION congvan_fold
    ALTER MAPPING FOR word, hword, hword_part, asciiword, asciihword, hword_asciipart, numword, numhword
    WITH unaccent, simple;
"""

_INSERT_LETTER = """
INSERT INTO search_letters (id, number_symbol, ns_key, number, ref_keys, doc_type, issuer, place, year, date,
                            subject, has_open_tasks, body, rcp_f, tsv_x, tsv_f, tsv_lead, tsv_pairs)
VALUES (%(id)s, %(number_symbol)s, %(ns_key)s, %(number)s, %(ref_keys)s, %(doc_type)s, %(issuer)s, %(place)s,
        %(year)s, %(date)s, %(subject)s, %(has_open_tasks)s, %(body)s,
        to_tsvector('simple', %(rcp_f)s),
        setweight(to_tsvector('simple', %(subj_x)s), 'A') || setweight(to_tsvector('simple', %(head_x)s), 'C')
            || setweight(to_tsvector('simple', %(text_x)s), 'D'),
        setweight(to_tsvector('simple', %(subj_f)s), 'A') || setweight(to_tsvector('simple', %(head_f)s), 'C')
            || setweight(to_tsvector('simple', %(text_f)s), 'D'),
        setweight(to_tsvector('simple', %(lead_subj)s), 'A') || setweight(to_tsvector('simple', %(lead_head)s), 'C')
            || setweight(to_tsvector('simple', %(lead_text)s), 'D'),
        array_to_tsvector(%(pairs_f)s::text[]))
ON CONFLICT (id) DO UPDATE SET
    number_symbol = EXCLUDED.number_symbol, ns_key = EXCLUDED.ns_key, number = EXCLUDED.number,
    ref_keys = EXCLUDED.ref_keys, doc_type = EXCLUDED.doc_type, issuer = EXCLUDED.issuer,
    place = EXCLUDED.place, year = EXCLUDED.year, date = EXCLUDED.date, subject = EXCLUDED.subject,
    has_open_tasks = EXCLUDED.has_open_tasks, body = EXCLUDED.body, rcp_f = EXCLUDED.rcp_f,
    tsv_x = EXCLUDED.tsv_x, tsv_f = EXCLUDED.tsv_f, tsv_lead = EXCLUDED.tsv_lead,
    tsv_pairs = EXCLUDED.tsv_pairs
"""

_INSERT_TASK = """
INSERT INTO search_tasks (document_id, task_id, action, assignees, status, deadline, number_symbol, subject,
                          assignee_f, tsv_x, tsv_f)
VALUES (%(document_id)s, %(task_id)s, %(action)s, %(assignees)s, %(status)s, %(deadline)s, %(number_symbol)s,
        %(subject)s, to_tsvector('simple', %(assignee_f)s), to_tsvector('simple', %(tsv_x)s),
        to_tsvector('simple', %(tsv_f)s))
"""


# ---------------------------------------------------------------- values


def _clean(value) -> str:
    return " ".join(normalize_text(str(value)).translate(_UNSTORABLE).split()) if value not in (None, "") else ""


def _tokens(text: str) -> tuple[str, str]:
    """(exact, folded) syllables of a text, space-separated: what PostgreSQL's ``simple`` parser indexes.

    >>> _tokens("Ngày Đại đoàn kết, vì cộng đồng")
    ('ngày đại đoàn kết vì cộng đồng', 'ngay dai doan ket vi cong dong')
    """
    exact = " ".join(syllables(normalize_text(text)))
    return exact, fold(exact)


def _lexeme(word: str) -> str:
    """A syllable as a quoted tsquery lexeme (syllables are letters and digits only)."""
    return "'" + word.replace("\\", "").replace("'", "") + "'"


def letter_row(doc: dict) -> dict:
    """The ``search_letters`` row of one letter (``document_for_index`` dict)."""
    text = normalize_text(doc.get("text") or "").translate(_UNSTORABLE)[:MAX_INDEXED_CHARS]
    subject, issuer = _clean(doc.get("subject")), _clean(doc.get("issuer"))
    doc_type, place = _clean(doc.get("doc_type")), _clean(doc.get("place"))
    recipients = [_clean(r) for r in doc.get("recipients") or [] if _clean(r)]
    number_symbol = _clean(doc.get("number_symbol"))
    number = _clean(doc.get("number")) or number_symbol.split("/")[0].split("-")[0]
    date = _as_date(doc.get("date"))
    subj_x, subj_f = _tokens(subject)
    head_x, head_f = _tokens("\n".join([issuer, doc_type, place, *recipients]))
    text_x, text_f = _tokens(text)
    refs = sorted({number_key(r) for r in doc.get("references") or [] if r} - {""})
    return {
        "id": int(doc["id"]), "number_symbol": number_symbol or None, "ns_key": number_key(number_symbol) or None,
        "number": fold_word(number.lower()) or None, "ref_keys": refs, "doc_type": doc_type or None,
        "issuer": issuer or None, "place": place or None, "year": str(date.year) if date else None,
        "date": date, "subject": subject or None, "has_open_tasks": bool(doc.get("has_open_tasks")),
        "body": text, "rcp_f": _tokens("\n".join(recipients))[1],
        "subj_x": subj_x, "subj_f": subj_f, "head_x": head_x, "head_f": head_f, "text_x": text_x, "text_f": text_f,
        "lead_subj": _head(subj_f, LEAD_CHARS["subject"]), "lead_head": _head(head_f, LEAD_CHARS["header"]),
        "lead_text": _head(text_f, LEAD_CHARS["text"]),
        "pairs_f": folded_pairs("\n\n".join([text, subject, issuer, doc_type, place, *recipients])),
    }


def _head(tokens: str, chars: int) -> str:
    """The first syllables of a space-separated string, at most ``chars`` characters, whole syllables."""
    return tokens if len(tokens) <= chars else tokens[:chars].rsplit(" ", 1)[0]


def folded_pairs(text: str) -> list[str]:
    """Adjacent folded syllables inside one clause, each pair one lexeme: a two-word phrase becomes an
    exact GIN look-up instead of a re-check of every letter holding both words.

    >>> folded_pairs("Ngày đại đoàn kết, vì cộng đồng")
    ['ngay dai', 'dai doan', 'doan ket', 'vi cong', 'cong dong']
    """
    pairs: dict[str, None] = {}
    for clause in clauses(normalize_text(text)):
        words = [fold_word(w) for w in clause]
        for a, b in zip(words, words[1:]):
            pairs.setdefault(f"{a} {b}")
    return list(pairs)


def task_rows(doc: dict) -> list[dict]:
    rows = []
    for task in doc.get("tasks") or []:
        action = normalize_text(task.get("action") or "").translate(_UNSTORABLE)
        assignees = [_clean(a) for a in task.get("assignees") or [] if _clean(a)]
        exact, folded = _tokens(action + "\n" + "\n".join(assignees))
        rows.append({
            "document_id": int(doc["id"]), "task_id": task.get("id"), "action": action,
            "assignees": json.dumps(assignees, ensure_ascii=False), "status": task.get("status"),
            "deadline": _as_date(task.get("deadline")), "number_symbol": _clean(doc.get("number_symbol")) or None,
            "subject": _clean(doc.get("subject")) or None, "assignee_f": _tokens("\n".join(assignees))[1],
            "tsv_x": exact, "tsv_f": folded,
        })
    return rows


# ---------------------------------------------------------------- queries


class _Sql:
    """WHERE conditions and parameters built up piece by piece (values always as parameters)."""

    def __init__(self):
        self.where: list[str] = []
        self.params: dict = {}

    def param(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def clause(self) -> str:
        return " AND ".join(self.where) if self.where else "TRUE"


def _text_tsqueries(parsed: ParsedQuery, *, loose: bool) -> tuple[str | None, str | None, str | None]:
    """(match on tsv_f, exact ranking query on tsv_x, folded ranking query) as tsquery source text."""
    words = list(parsed.words)
    phrases = [p for p in parsed.phrases if p]
    if not words and not phrases:
        return None, None, None
    joiner = " | " if loose else " & "
    folded_parts = [_lexeme(fold_word(w)) for w in words]
    exact_parts = [_lexeme(w) for w in words]
    for p in phrases:
        folded_parts.append("(" + " <-> ".join(_lexeme(fold_word(w)) for w in p) + ")")
        exact_parts.append("(" + " <-> ".join(_lexeme(w) for w in p) + ")")
    match = joiner.join(folded_parts)
    if loose and phrases:  # a quoted phrase stays required even in the loose fallback
        plain = " | ".join(_lexeme(fold_word(w)) for w in words) if words else ""
        required = " & ".join("(" + " <-> ".join(_lexeme(fold_word(w)) for w in p) + ")" for p in phrases)
        match = f"({plain}) & {required}" if plain else required
    return match, joiner.join(exact_parts), joiner.join(folded_parts)


class PgSearchIndex:
    """Letters and tasks in PostgreSQL tables ``search_letters`` / ``search_tasks``.

    ``url``: a ``postgresql://`` URL (the archive's own database by default). The same doctest-like
    use as ``SearchIndex``: ``add``, ``add_many``, ``remove``, ``clear``, ``document_ids``, ``search``,
    ``similar``, ``search_tasks``, ``needs_rebuild``.
    """

    def __init__(self, url):
        from archive.db import make_engine

        url = getattr(url, "database_url", url)
        if not url or not str(url).startswith(("postgresql", "postgres:")):
            raise SearchIndexError("Tìm kiếm bằng PostgreSQL cần địa chỉ postgresql://… (CONGVAN_DATABASE_URL).")
        self.url = str(url)
        self.engine = make_engine(self.url, pool_pre_ping=True)
        self.needs_rebuild = False
        self.has_trgm = False
        self.has_unaccent = False
        self._open()

    # -------------------------------------------------------- lifecycle

    def _raw(self):
        """A psycopg connection from the pool (commit/rollback are ours)."""
        return self.engine.raw_connection()

    def _open(self) -> None:
        conn = self._raw()
        try:
            cur = conn.cursor()
            # one opener at a time across processes: two workers starting together must not both create
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('congvan-search-schema'))")
            self.has_trgm = self._extension(cur, "pg_trgm")
            self.has_unaccent = self._extension(cur, "unaccent")
            cur.execute("SELECT to_regclass('search_meta') IS NOT NULL")
            if not cur.fetchone()[0]:
                cur.execute("CREATE TABLE search_meta (key text PRIMARY KEY, value text NOT NULL)")
            cur.execute("SELECT value FROM search_meta WHERE key = 'schema'")
            row = cur.fetchone()
            if row is None or row[0] != str(SCHEMA_VERSION) or not self._tables_exist(cur):
                self._create(cur)
            if self.has_unaccent:
                cur.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'congvan_fold'")
                if cur.fetchone() is None:
                    cur.execute(_FOLD_CONFIG)
            conn.commit()
        except Exception as exc:
            conn.rollback()
            raise SearchIndexError(f"Không mở được chỉ mục tìm kiếm trong PostgreSQL: {exc}") from exc
        finally:
            conn.close()

    @staticmethod
    def _extension(cur, name: str) -> bool:
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (name,))
        if cur.fetchone():
            return True
        cur.execute("SAVEPOINT ext")
        try:
            cur.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
            cur.execute("RELEASE SAVEPOINT ext")
            return True
        except Exception:  # not installed (postgresql-contrib) or not allowed: work without it
            cur.execute("ROLLBACK TO SAVEPOINT ext")
            return False

    @staticmethod
    def _tables_exist(cur) -> bool:
        cur.execute("SELECT to_regclass('search_letters') IS NOT NULL AND to_regclass('search_tasks') IS NOT NULL")
        return bool(cur.fetchone()[0])

    def _create(self, cur) -> None:
        cur.execute("DROP TABLE IF EXISTS search_letters, search_tasks")
        cur.execute(_SCHEMA)
        if self.has_trgm:
            cur.execute(_TRGM_INDEX)
        cur.execute("SAVEPOINT lz4")
        try:  # lz4 decompresses several times faster than the default pglz (a server built without it: pglz)
            cur.execute("ALTER TABLE search_letters ALTER COLUMN tsv_x SET COMPRESSION lz4, "
                        "ALTER COLUMN tsv_f SET COMPRESSION lz4, ALTER COLUMN tsv_pairs SET COMPRESSION lz4, "
                        "ALTER COLUMN body SET COMPRESSION lz4")
            cur.execute("RELEASE SAVEPOINT lz4")
        except Exception:
            cur.execute("ROLLBACK TO SAVEPOINT lz4")
        cur.execute("INSERT INTO search_meta (key, value) VALUES ('schema', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (str(SCHEMA_VERSION),))
        self.needs_rebuild = True

    def close(self) -> None:
        self.engine.dispose()

    # -------------------------------------------------------- writing

    def add(self, doc: dict) -> None:
        self.add_many([doc])

    def add_many(self, docs: Iterable[dict], *, batch: int = BATCH, **_ignored) -> int:
        """Add or replace letters and their tasks; ``batch`` letters per transaction (all or nothing)."""
        count = 0
        chunk: list[dict] = []
        seen: set[int] = set()
        for doc in docs:
            doc_id = int(doc["id"])
            if doc_id in seen:
                raise ValueError(f"document id {doc_id} twice in one add_many call")
            seen.add(doc_id)
            chunk.append(doc)
            if len(chunk) >= batch:
                count += self._write(chunk)
                chunk = []
        if chunk:
            count += self._write(chunk)
        return count

    def _write(self, docs: list[dict]) -> int:
        letters = [letter_row(d) for d in docs]
        tasks = [t for d in docs for t in task_rows(d)]
        ids = sorted(r["id"] for r in letters)
        with self._write_transaction() as cur:
            # the same letter indexed by two workers at once: one after the other, never mixed tasks
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('congvan-search'), id) FROM unnest(%s::int[]) id",
                        (ids,))
            cur.execute("DELETE FROM search_tasks WHERE document_id = ANY(%s)", (ids,))
            cur.executemany(_INSERT_LETTER, letters)
            if tasks:
                cur.executemany(_INSERT_TASK, tasks)
        return len(letters)

    def remove(self, document_id: int) -> None:
        self._execute_write(["DELETE FROM search_tasks WHERE document_id = %s",
                             "DELETE FROM search_letters WHERE id = %s"], (int(document_id),))

    def clear(self) -> None:
        self._execute_write(["TRUNCATE search_letters, search_tasks"], None)

    def _execute_write(self, statements: list[str], params) -> None:
        with self._write_transaction() as cur:
            for sql in statements:
                cur.execute(sql, params)

    @contextmanager
    def _write_transaction(self):
        """One write transaction: committed on success; any error rolls back and propagates."""
        conn = self._raw()
        try:
            yield conn.cursor()
            conn.commit()
        except Exception as exc:
            conn.rollback()
            raise SearchIndexError(f"Không ghi được chỉ mục tìm kiếm: {exc}") from exc
        finally:
            conn.close()

    # -------------------------------------------------------- reading

    def _query(self, sql: str, params=None, *, text: bool = False) -> list[tuple]:
        conn = self._raw()
        try:
            cur = conn.cursor()
            cur.execute(TEXT_SESSION if text else SESSION)
            cur.execute(sql, params)
            rows = cur.fetchall()
            conn.commit()
            return rows
        except Exception as exc:
            conn.rollback()
            raise SearchIndexError(f"Tìm kiếm trong PostgreSQL thất bại: {exc}") from exc
        finally:
            conn.close()

    def document_ids(self) -> set[int]:
        return {row[0] for row in self._query("SELECT id FROM search_letters")}

    def __len__(self) -> int:
        return int(self._query("SELECT count(*) FROM search_letters")[0][0])

    def _filters(self, sql: _Sql, filters: dict | None) -> None:
        if not filters:
            return
        unknown = set(filters) - FILTER_KEYS
        if unknown:
            raise SearchIndexError(f"Bộ lọc không hợp lệ: {', '.join(sorted(unknown))}.")
        for key in ("doc_type", "issuer", "place"):
            if filters.get(key):
                sql.where.append(f"{key} = {sql.param(_clean(filters[key]))}")
        if filters.get("year"):
            sql.where.append(f"year = {sql.param(_clean(filters['year']))}")
        date_from, date_to = _as_date(filters.get("date_from")), _as_date(filters.get("date_to"))
        if date_from:
            sql.where.append(f"date >= {sql.param(date_from)}")
        if date_to:
            sql.where.append(f"date <= {sql.param(date_to)}")
        if filters.get("recipient"):
            words = _tokens(_clean(filters["recipient"]))[1].split()
            if words:
                query = " & ".join(_lexeme(w) for w in words)
                sql.where.append(f"rcp_f @@ to_tsquery('simple', {sql.param(query)})")
        if filters.get("has_open_tasks") is not None:
            sql.where.append(f"has_open_tasks = {sql.param(bool(filters['has_open_tasks']))}")

    def search(self, q: str, *, filters: dict | None = None, page: int = 1, per_page: int = 10,
               sort: str = "relevance") -> SearchResults:
        """Letters matching ``q`` (any text; never a syntax error) and ``filters``; see ``SearchIndex.search``."""
        page = max(1, int(page or 1))
        per_page = max(1, min(MAX_PER_PAGE, int(per_page or 10)))
        parsed = parse_query(q or "")
        by_date = sort == "date" or parsed.is_empty
        results = self._run(parsed, filters, page, per_page, by_date, loose=False)
        if results.total == 0 and len(parsed.words) > 1:
            results = self._run(parsed, filters, page, per_page, by_date, loose=True)
        return results

    def _run(self, parsed: ParsedQuery, filters, page: int, per_page: int, by_date: bool, *, loose: bool):
        sql = _Sql()
        self._filters(sql, filters)
        match, exact_q, folded_q = _text_tsqueries(parsed, loose=loose)
        score_parts: list[str] = []  # number boosts: cheap, in both ranking passes
        text_score = lead_score = None
        matches: list[str] = []
        if match:
            qf = f"to_tsquery('simple', {sql.param(match)})"
            text_match = f"tsv_f @@ {qf}"
            if parsed.phrases:
                text_match = self._phrase_match(sql, parsed, text_match, loose=loose)
            matches.append(f"({text_match})")
            lead_score = f"ts_rank('{RANK_WEIGHTS}', tsv_lead, {qf}, 1)"
            if parsed.accented:
                qx = f"to_tsquery('simple', {sql.param(exact_q)})"
                text_score = (f"ts_rank_cd('{RANK_WEIGHTS}', tsv_x, {qx}, 1) + "
                              f"{FOLDED_WEAK} * ts_rank_cd('{RANK_WEIGHTS}', tsv_f, {qf}, 1)")
            else:
                text_score = f"ts_rank_cd('{RANK_WEIGHTS}', tsv_f, {qf}, 1)"
        number_conds: list[str] = []
        if parsed.number_keys:
            keys = sql.param(list(parsed.number_keys))
            number_conds += [f"ns_key = ANY({keys})", f"ref_keys && {keys}::text[]"]
            score_parts += [f"CASE WHEN ns_key = ANY({keys}) THEN {NUMBER_BOOST} ELSE 0 END",
                            f"CASE WHEN ref_keys && {keys}::text[] THEN {CITED_BOOST} ELSE 0 END"]
            # a partial or longer number ("1987/MTTQ", "1987/MTTQ-BTT-VP"): trigram-indexed LIKE
            for key in parsed.number_keys:
                if len(key) >= 4:
                    like = sql.param("%" + key.replace("%", "").replace("_", "") + "%")
                    number_conds.append(f"ns_key LIKE {like}")
                    score_parts.append(f"CASE WHEN ns_key LIKE {like} THEN {PARTIAL_NUMBER_BOOST} ELSE 0 END")
        for number in parsed.numbers:
            n = sql.param(number)
            prefix = sql.param(number + "%")
            cited = f"EXISTS (SELECT 1 FROM unnest(ref_keys) r WHERE r LIKE {prefix})"
            number_conds += [f"number = {n}", cited]
            score_parts += [f"CASE WHEN number = {n} THEN {NUMBER_ONLY_BOOST} ELSE 0 END",
                            f"CASE WHEN {cited} THEN {CITED_BOOST / 4} ELSE 0 END"]
        if number_conds:
            matches.append("(" + " OR ".join(number_conds) + ")")
        if matches:
            sql.where.append("(" + " OR ".join(matches) + ")")  # a number OR the words, like search.engine
        for word in parsed.excluded:
            column, lexeme = ("tsv_x", word) if parsed.accented else ("tsv_f", fold_word(word))
            sql.where.append(f"NOT {column} @@ to_tsquery('simple', {sql.param(_lexeme(lexeme))})")
        where = sql.clause()
        numbers = " + ".join(score_parts) if score_parts else "0"
        score = f"{text_score} + {numbers}" if text_score else numbers
        limit, offset = sql.param(per_page), sql.param((page - 1) * per_page)
        columns = "id, number_symbol, doc_type, date, subject, issuer"
        if by_date or not text_score:
            order = "date DESC NULLS LAST, id" if by_date else "score DESC, id"
            rows = self._query(
                f"SELECT {columns}, ({score})::float8 AS score "
                f"FROM search_letters WHERE {where} ORDER BY {order} LIMIT {limit} OFFSET {offset}", sql.params,
                text=bool(match))
        else:
            # Two passes: every match is ranked on its lead (subject, header, opening: a small vector),
            # the best RERANK_DEPTH on the whole text. ts_rank_cd must decompress the vector it reads,
            # and a common word matches most letters: ranking every whole text is what gets slow.
            depth = sql.param(max(RERANK_DEPTH, page * per_page))
            rows = self._query(
                f"WITH lead AS (SELECT id FROM search_letters WHERE {where} "
                f"              ORDER BY ({lead_score} + {numbers}) DESC, id LIMIT {depth}) "
                f"SELECT {columns}, ({score})::float8 AS score FROM search_letters "
                f"WHERE id IN (SELECT id FROM lead) ORDER BY score DESC, id LIMIT {limit} OFFSET {offset}",
                sql.params, text=True)
        total, facets = self._facets(where, sql.params, text=bool(match))
        snippets = self._snippets([r[0] for r in rows], parsed, folded_q, exact_q)
        hits = [Hit(id=r[0], number_symbol=r[1], doc_type=r[2], date=r[3].isoformat() if r[3] else None,
                    subject=r[4], issuer=r[5], score=float(r[6] or 0.0), snippet_html=snippets.get(r[0], ""))
                for r in rows]
        return SearchResults(total=total, page=page, per_page=per_page, hits=hits, facets=facets)

    @staticmethod
    def _phrase_match(sql: _Sql, parsed: ParsedQuery, full_match: str, *, loose: bool) -> str:
        """Quoted phrases through ``tsv_pairs``: a two-word phrase is one exact GIN look-up (pairs are
        built inside a clause, like the Whoosh backend's positions); only a longer phrase needs the
        ``<->`` check on the letter's vector, and only on the letters holding all its pairs."""
        conds = []
        pairs = [f"{fold_word(a)} {fold_word(b)}" for p in parsed.phrases for a, b in zip(p, p[1:])]
        if pairs:
            pair_query = " & ".join(f"'{pair}'" for pair in dict.fromkeys(pairs))  # tsquery literal
            conds.append(f"tsv_pairs @@ {sql.param(pair_query)}::tsquery")
        words = [_lexeme(fold_word(w)) for w in parsed.words]
        if words:
            conds.append(f"tsv_f @@ to_tsquery('simple', {sql.param((' | ' if loose else ' & ').join(words))})")
        singles = [_lexeme(fold_word(p[0])) for p in parsed.phrases if len(p) == 1]
        if singles:
            conds.append(f"tsv_f @@ to_tsquery('simple', {sql.param(' & '.join(singles))})")
        if any(len(p) > 2 for p in parsed.phrases):
            conds.append(f"({full_match}) IS TRUE")  # IS TRUE: not an index condition, a re-check
        return " AND ".join(conds)

    def _facets(self, where: str, params: dict, *, text: bool) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        rows = self._query(
            f"SELECT GROUPING(doc_type), GROUPING(issuer), GROUPING(year), doc_type, issuer, year, count(*) "
            f"FROM search_letters WHERE {where} "
            f"GROUP BY GROUPING SETS ((doc_type), (issuer), (year), ())", params, text=text)
        total = 0
        facets: dict[str, list[tuple[str, int]]] = {f: [] for f in FACET_FIELDS}
        for g_type, g_issuer, g_year, doc_type, issuer, year, n in rows:
            if g_type and g_issuer and g_year:
                total = int(n)
            elif not g_type and doc_type:
                facets["doc_type"].append((doc_type, int(n)))
            elif not g_issuer and issuer:
                facets["issuer"].append((issuer, int(n)))
            elif not g_year and year:
                facets["year"].append((year, int(n)))
        for f in FACET_FIELDS:
            if f == "year":
                facets[f].sort(key=lambda kv: kv[0], reverse=True)
            else:
                facets[f] = sorted(facets[f], key=lambda kv: (-kv[1], kv[0]))[:MAX_FACET_VALUES]
        return total, facets

    def _snippets(self, ids: list[int], parsed: ParsedQuery, folded_q: str | None, exact_q: str | None
                  ) -> dict[int, str]:
        """Passages with the query words in ``<mark>``; everything else HTML-escaped (OCR text is untrusted).

        ``ts_headline`` marks the words with two control characters that the indexed text never holds
        (``letter_row`` removes them); the passage is escaped here, then the markers become ``<mark>``.
        Escaping after the headline, not before, keeps ``&lt;`` from being cut in half at a fragment edge.
        """
        if not ids:
            return {}
        exact, folded = parsed.highlight_terms()
        use_headline = folded_q is not None and (self.has_unaccent or parsed.accented)
        if not use_headline:
            rows = self._query("SELECT id, left(body, %s) FROM search_letters WHERE id = ANY(%s)",
                               (HEADLINE_CHARS, ids))
            return {i: make_snippet(t or "", exact, folded, accented=parsed.accented) for i, t in rows}
        config = "congvan_fold" if self.has_unaccent else "simple"
        query = folded_q if self.has_unaccent else exact_q
        rows = self._query(
            f"SELECT id, left(body, %(n)s), ts_headline('{config}', left(body, %(n)s), to_tsquery('simple', %(q)s), "
            f"  CASE WHEN length(body) <= %(short)s THEN %(all)s ELSE %(some)s END) "
            f"FROM search_letters WHERE id = ANY(%(ids)s)",
            {"n": HEADLINE_CHARS, "q": query, "short": SHORT_TEXT, "all": HEADLINE_ALL, "some": HEADLINE_OPTIONS,
             "ids": ids})
        out = {}
        for doc_id, text, headline in rows:
            if MARK_START not in (headline or ""):  # the words lie beyond HEADLINE_CHARS
                out[doc_id] = make_snippet(text or "", exact, folded, accented=parsed.accented)
                continue
            escaped = html.escape(" ".join(headline.split()), quote=True)
            out[doc_id] = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
        return out

    # -------------------------------------------------------- similar documents

    def similar(self, document_id: int, limit: int = 5) -> list[Hit]:
        """Letters sharing the most distinctive words of this one (tf × idf of exact syllables)."""
        rows = self._query("SELECT subject, left(body, 20000) FROM search_letters WHERE id = %s",
                           (int(document_id),))
        if not rows:
            return []
        subject, body = rows[0]
        counts = Counter(syllables(normalize_text((subject or "") + "\n\n" + (body or ""))))
        candidates = [w for w, _ in counts.most_common(80) if not w.isdigit() and len(w) >= 2]
        if not candidates:
            return []
        n_letters = len(self)
        cap = max(2, int(n_letters * 0.3)) + 1
        # document frequency of each candidate, counted up to the "too common" cap only
        df_rows = self._query(
            "SELECT w, (SELECT count(*) FROM (SELECT 1 FROM search_letters "
            "          WHERE tsv_x @@ to_tsquery('simple', quote_literal(w)) LIMIT %s) s) "
            "FROM unnest(%s::text[]) AS w", (cap, candidates))
        scored = []
        for word, df in df_rows:
            if df <= 1 or df >= cap:
                continue
            idf = math.log(n_letters / (df + 1)) + 1.0
            scored.append(((1 + math.log(counts[word])) * idf, word))
        scored.sort(reverse=True)
        if not scored:
            return []
        query = " | ".join(_lexeme(w) for _, w in scored[:30])
        rows = self._query(
            "SELECT id, number_symbol, doc_type, date, subject, issuer, "
            "       ts_rank(tsv_x, to_tsquery('simple', %s), 1)::float8 AS score "
            "FROM search_letters WHERE tsv_x @@ to_tsquery('simple', %s) AND id <> %s "
            "ORDER BY score DESC, id LIMIT %s", (query, query, int(document_id), max(1, int(limit))))
        return [Hit(id=r[0], number_symbol=r[1], doc_type=r[2], date=r[3].isoformat() if r[3] else None,
                    subject=r[4], issuer=r[5], score=float(r[6]),
                    snippet_html=make_snippet(r[4] or "", set(), set(), accented=False)) for r in rows]

    # -------------------------------------------------------- tasks

    def search_tasks(self, q: str = "", *, assignee: str | None = None, due_from=None, due_to=None,
                     limit: int = 50) -> list[dict]:
        """Tasks whose action matches ``q``, assigned to ``assignee``, due in [due_from, due_to]."""
        parsed = parse_query(q or "")
        limit = max(1, min(1000, int(limit or 50)))
        d_from, d_to = _as_date(due_from), _as_date(due_to)

        def run(loose: bool) -> list[tuple]:
            sql = _Sql()
            match, exact_q, _ = _text_tsqueries(parsed, loose=loose)
            score = "0"
            if match:
                qf = f"to_tsquery('simple', {sql.param(match)})"
                sql.where.append(f"tsv_f @@ {qf}")
                score = f"ts_rank_cd(tsv_f, {qf}, 1)"
                if parsed.accented:
                    score = (f"ts_rank_cd(tsv_x, to_tsquery('simple', {sql.param(exact_q)}), 1) + "
                             f"{FOLDED_WEAK} * {score}")
            if assignee and _clean(assignee):
                words = _tokens(_clean(assignee))[1].split()
                if words:
                    aq = " & ".join(_lexeme(w) for w in words)
                    sql.where.append(f"assignee_f @@ to_tsquery('simple', {sql.param(aq)})")
            if d_from:
                sql.where.append(f"deadline >= {sql.param(d_from)}")
            if d_to:
                sql.where.append(f"deadline <= {sql.param(d_to)}")
            order = "score DESC, pk" if match else "deadline ASC NULLS LAST, pk"
            return self._query(
                f"SELECT task_id, document_id, action, assignees, deadline, status, number_symbol, subject, "
                f"({score})::float8 AS score FROM search_tasks WHERE {sql.clause()} "
                f"ORDER BY {order} LIMIT {sql.param(limit)}", sql.params)

        rows = run(False)
        if not rows and len(parsed.words) > 1:
            rows = run(True)
        return [{"id": r[0], "document_id": r[1], "action": r[2], "assignees": json.loads(r[3]),
                 "deadline": r[4].isoformat() if r[4] else None, "status": r[5], "number_symbol": r[6],
                 "subject": r[7], "score": float(r[8] or 0.0)} for r in rows]
