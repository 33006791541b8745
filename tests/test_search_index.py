"""search.index against a real temporary Whoosh index (fixture letters in tests/data/search)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest

from archive.errors import SearchIndexError
from search.index import SCHEMA_VERSION, VERSION_FILE, SearchIndex

DATA = Path(__file__).resolve().parent / "data" / "search"
DONG_THAP = 1  # 1987/MTTQ-BTT, the Đồng Tháp letter (sample 000, gold text)
DOAN_KET_TOPICS = {2, 12}  # synthetic topics built around "đoàn kết"


def load_archive() -> list[dict]:
    """The fixture letters as ``document_for_index`` dicts (dates as ``datetime.date``)."""
    docs = []
    for doc in json.loads((DATA / "archive.json").read_text("utf-8")):
        if doc.get("text_file"):
            doc["text"] = (DATA / doc["text_file"]).read_text("utf-8")
        if doc.get("date"):
            doc["date"] = dt.date.fromisoformat(doc["date"])
        for task in doc.get("tasks") or []:
            task["deadline"] = dt.date.fromisoformat(task["deadline"]) if task.get("deadline") else None
        docs.append(doc)
    return docs


def letter(doc_id: int, text: str, **fields) -> dict:
    doc = {"id": doc_id, "number_symbol": f"{doc_id}/UBND-VP", "number": str(doc_id), "doc_type": "Công văn",
           "issuer": "Ủy ban nhân dân tỉnh Long An", "place": "Long An", "date": dt.date(2024, 3, 1),
           "subject": text[:60], "recipients": ["Sở Nội vụ"], "text": text, "references": [],
           "has_open_tasks": False, "tasks": []}
    doc.update(fields)
    return doc


@pytest.fixture(scope="module")
def archive() -> list[dict]:
    return load_archive()


@pytest.fixture(scope="module")
def idx(archive, tmp_path_factory) -> SearchIndex:
    index = SearchIndex(tmp_path_factory.mktemp("index"))
    index.add_many(archive)
    return index


@pytest.fixture
def small(tmp_path) -> SearchIndex:
    return SearchIndex(tmp_path / "index")


# ---------------------------------------------------------------- accents, phrases, numbers


@pytest.mark.parametrize("query", ["đoàn kết", "doan ket", "Đoàn Kết", "DOAN KET"])
def test_doan_ket_finds_dong_thap_letter_first(archive, tmp_path, query):
    """
    GIVEN the three sample letters, the two letters they cite and the synthetic letters on other
          topics (the two synthetic topics *about* "đoàn kết" are left out: those letters are
          legitimately more about it than the Đồng Tháp letter)
    WHEN searching "đoàn kết" with and without accents, in any case
    THEN the Đồng Tháp letter 1987/MTTQ-BTT comes first
    """
    index = SearchIndex(tmp_path / "index")
    index.add_many(d for d in archive if d.get("topic") not in DOAN_KET_TOPICS)
    hits = index.search(query).hits
    assert hits[0].id == DONG_THAP
    assert hits[0].number_symbol == "1987/MTTQ-BTT"
    assert "<mark>đoàn</mark> <mark>kết</mark>" in hits[0].snippet_html


def test_unaccented_query_shows_document_diacritics(idx):
    """
    GIVEN the fixture archive
    WHEN searching "ngay dai doan ket vi cong dong" without accents
    THEN the Đồng Tháp letter comes first and its snippet shows the letter's own spelling
    """
    hit = idx.search("ngay dai doan ket vi cong dong").hits[0]
    assert hit.id == DONG_THAP
    assert "<mark>Đại</mark> <mark>đoàn</mark> <mark>kết</mark>" in hit.snippet_html or \
           "<mark>đại</mark> <mark>đoàn</mark> <mark>kết</mark>" in hit.snippet_html


def test_accented_query_prefers_exact_spelling(small):
    """
    GIVEN letters about "đảng viên", "đang viên" and "dạng viên" (all fold to "dang vien")
    WHEN searching "đảng viên" with accents, and "dang vien" without
    THEN the accented query ranks the exact spelling first; the unaccented one finds all three
    """
    small.add_many([letter(1, "Các đang viên mới"), letter(2, "Kết nạp đảng viên mới"), letter(3, "Dạng viên nén")])
    assert small.search("đảng viên").hits[0].id == 2
    assert {h.id for h in small.search("dang vien").hits} == {1, 2, 3}


def test_quoted_phrase_requires_adjacent_words(small):
    """
    GIVEN one letter with "đoàn kết" side by side and one with both words apart
    WHEN searching the quoted phrase, with and without accents
    THEN only the adjacent one matches; unquoted, both match with the adjacent one first
    """
    small.add_many([letter(1, "kết quả của đoàn kiểm tra"), letter(2, "tinh thần đoàn kết")])
    assert [h.id for h in small.search('"đoàn kết"').hits] == [2]
    assert [h.id for h in small.search('"doan ket"').hits] == [2]
    assert [h.id for h in small.search("doan ket").hits] == [2, 1]


def test_old_and_modern_tone_placement_match(small):
    """
    GIVEN letters spelled "hoà bình" (old tone placement) and "Ủy ban" (modern)
    WHEN searching "hòa bình" and "uỷ ban"
    THEN each finds the other spelling
    """
    small.add_many([letter(1, "giữ gìn hoà bình"), letter(2, "Ủy ban nhân dân")])
    assert [h.id for h in small.search("hòa bình").hits] == [1]
    assert [h.id for h in small.search("uỷ ban").hits][0] == 2


@pytest.mark.parametrize("query,first", [
    ("1987/MTTQ-BTT", 1), ("số 1987", 1), ("Số: 1987", 1), ("so 1987", 1),
    ("213-QĐ/TW", 4), ("213-QD/TW", 4), ("213-qđ/tw", 4), ("305/MTTQ-BTT", 3), ("161-TB/TU", 5),
])
def test_number_lookup_finds_that_letter_first(idx, query, first):
    """
    GIVEN the fixture archive
    WHEN searching a document number (with or without "số", Đ, case)
    THEN that letter comes first
    """
    assert idx.search(query).hits[0].id == first


def test_number_lookup_then_citing_letters(idx, archive):
    """
    GIVEN letters citing 213-QĐ/TW (the Đồng Tháp letter among them)
    WHEN searching "213-QĐ/TW"
    THEN the Quy định comes first, then every letter that cites it
    """
    citing = {d["id"] for d in archive if "213-QĐ/TW" in d["references"]}
    hits = idx.search("213-QĐ/TW", per_page=50).hits
    assert hits[0].id == 4
    assert {h.id for h in hits[1:len(citing) + 1]} == citing
    assert DONG_THAP in citing


# ---------------------------------------------------------------- filters, facets, sort, pages


def test_filters(idx, archive):
    """
    GIVEN the fixture archive
    WHEN filtering an empty query by type, year, place, date range, recipient and open tasks
    THEN exactly the matching letters come back
    """
    def ids(**filters):
        return {h.id for h in idx.search("", filters=filters, per_page=100).hits}

    assert ids(doc_type="Quy định") == {4}
    assert ids(year=2023) == {d["id"] for d in archive if d["date"] and d["date"].year == 2023}
    assert ids(place="Long Khánh") == {3, 5}
    assert ids(date_from=dt.date(2022, 1, 1), date_to="2022-01-31") == {
        d["id"] for d in archive if d["date"] and dt.date(2022, 1, 1) <= d["date"] <= dt.date(2022, 1, 31)}
    assert 1 in ids(recipient="ban thuong truc uy ban mttq")
    assert ids(has_open_tasks=False) == {d["id"] for d in archive if not d["has_open_tasks"]}
    assert ids(issuer="Bộ Chính trị", doc_type="Quy định") == {4}


def test_unknown_filter_is_an_error(idx):
    """GIVEN the index WHEN filtering on a key that does not exist THEN SearchIndexError"""
    with pytest.raises(SearchIndexError):
        idx.search("x", filters={"colour": "red"})


def test_facets_count_all_matches(idx, archive):
    """
    GIVEN the fixture archive
    WHEN listing everything
    THEN the facets count every letter by type, issuer and year
    """
    res = idx.search("", per_page=5)
    assert res.total == len(archive)
    assert len(res.hits) == 5
    types = dict(res.facets["doc_type"])
    assert sum(types.values()) == len(archive)
    assert types["Quy định"] == 1
    years = dict(res.facets["year"])
    assert years["2023"] == sum(1 for d in archive if d["date"] and d["date"].year == 2023)
    assert [y for y, _ in res.facets["year"]] == sorted(years, reverse=True)
    assert dict(res.facets["issuer"])["Bộ Chính trị"] == 1


def test_sort_by_date_and_pagination(idx):
    """
    GIVEN the fixture archive
    WHEN sorting a broad query by date and reading it page by page
    THEN dates go newest first across pages, pages do not overlap and the total stays the same
    """
    first = idx.search("ủy ban", sort="date", page=1, per_page=7)
    second = idx.search("ủy ban", sort="date", page=2, per_page=7)
    assert first.total == second.total > 14
    dates = [h.date or "" for h in first.hits + second.hits]
    assert dates == sorted(dates, reverse=True)
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert second.page == 2 and second.per_page == 7


def test_similar_documents(idx, archive):
    """
    GIVEN synthetic letters generated in pairs on the same topic
    WHEN asking for letters similar to one of them
    THEN its twin is among the first three and the letter itself is not listed
    """
    doc = next(d for d in archive if d.get("topic") == 16)
    twin = next(d["id"] for d in archive if d.get("topic") == 16 and d["id"] != doc["id"])
    similar = [h.id for h in idx.similar(doc["id"], limit=5)]
    assert doc["id"] not in similar
    assert twin in similar[:3]
    assert idx.similar(999_999) == []


def test_tasks_are_searchable(idx, archive):
    """
    GIVEN letters with tasks (action, assignees, deadline)
    WHEN searching tasks by words, by assignee and by deadline window
    THEN the matching tasks come back with their letter's id and number
    """
    tasks = idx.search_tasks("dịch tả lợn", limit=100) + idx.search_tasks("ta lon chau phi", limit=100)
    assert tasks and all("tả lợn" in t["action"] for t in tasks)
    by_who = idx.search_tasks(assignee="Sở Y tế", limit=500)
    assert by_who and all("Sở Y tế" in t["assignees"] for t in by_who)
    window = idx.search_tasks(due_from=dt.date(2022, 1, 1), due_to=dt.date(2022, 12, 31), limit=500)
    expected = sum(1 for d in archive for t in d["tasks"]
                   if t["deadline"] and dt.date(2022, 1, 1) <= t["deadline"] <= dt.date(2022, 12, 31))
    assert len(window) == expected > 0
    deadlines = [t["deadline"] for t in window]
    assert deadlines == sorted(deadlines)
    assert all(t["document_id"] and t["number_symbol"] for t in window)


# ---------------------------------------------------------------- lifecycle


def test_update_replaces_document(small):
    """
    GIVEN a letter in the index
    WHEN an archivist's correction re-adds it with the same id
    THEN the old text is gone, the new one found, and the count unchanged
    """
    small.add(letter(7, "phòng chống lụt bão", tasks=[{"id": 1, "action": "trực ban", "assignees": ["A"], "deadline": None}]))
    small.add(letter(7, "phòng chống hạn hán", tasks=[{"id": 1, "action": "tưới tiêu", "assignees": ["A"], "deadline": None}]))
    assert small.search("lụt bão").total == 0
    assert [h.id for h in small.search("hạn hán").hits] == [7]
    assert small.document_ids() == {7}
    assert [t["action"] for t in small.search_tasks()] == ["tưới tiêu"]


def test_remove_and_clear(small):
    """
    GIVEN two letters
    WHEN one is removed, then the index cleared
    THEN the removed one (and its tasks) is no longer found; after clear nothing is
    """
    small.add_many([letter(1, "an", tasks=[{"id": 1, "action": "việc một", "assignees": [], "deadline": None}]),
                    letter(2, "an")])
    small.remove(1)
    assert small.document_ids() == {2}
    assert small.search_tasks("việc một") == []
    small.clear()
    assert small.document_ids() == set()
    assert small.search("an").total == 0
    small.add(letter(3, "an"))
    assert small.document_ids() == {3}


def test_schema_version_change_rebuilds(tmp_path):
    """
    GIVEN an index written under another schema version
    WHEN it is opened
    THEN it is recreated empty and flags needs_rebuild so the caller reindexes from the database
    """
    index = SearchIndex(tmp_path)
    index.add(letter(1, "đoàn kết"))
    index.close()
    reopened = SearchIndex(tmp_path)
    assert not reopened.needs_rebuild and reopened.document_ids() == {1}
    reopened.close()
    (tmp_path / VERSION_FILE).write_text(json.dumps({"schema": SCHEMA_VERSION - 1, "compound": "bigram"}))
    rebuilt = SearchIndex(tmp_path)
    assert rebuilt.needs_rebuild
    assert rebuilt.document_ids() == set()
    rebuilt.add(letter(2, "đoàn kết"))
    assert [h.id for h in rebuilt.search("doan ket").hits] == [2]


def test_corrupt_index_rebuilds(tmp_path):
    """GIVEN an index folder with garbage files WHEN opened THEN it is recreated and flagged"""
    SearchIndex(tmp_path).add(letter(1, "x"))
    for toc in tmp_path.glob("*.toc"):
        toc.write_bytes(b"garbage")
    index = SearchIndex(tmp_path)
    assert index.needs_rebuild and index.document_ids() == set()


def test_snippet_escapes_untrusted_text(small):
    """
    GIVEN OCR text containing HTML
    WHEN it is found
    THEN the snippet escapes everything except the <mark> tags around matched words
    """
    small.add(letter(1, 'Kính gửi <script>alert("x")</script> & <b>đoàn kết</b>', subject="<img src=x onerror=1>"))
    hit = small.search("doan ket").hits[0]
    assert "<script>" not in hit.snippet_html and "<b>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html and "&amp;" in hit.snippet_html
    assert "<mark>đoàn</mark> <mark>kết</mark>" in hit.snippet_html
    assert hit.snippet_html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_writer_error_propagates_and_commits_nothing(small):
    """
    GIVEN a batch whose third letter has an invalid date
    WHEN it is added
    THEN the error propagates, nothing of the batch is committed and the index stays writable
    """
    batch = [letter(1, "một"), letter(2, "hai"), letter(3, "ba", date="2023-13-45")]
    with pytest.raises(SearchIndexError):
        small.add_many(batch)
    assert small.document_ids() == set()
    small.add(letter(4, "bốn"))
    assert small.document_ids() == {4}


def test_lock_held_by_another_writer_times_out(small):
    """
    GIVEN another process holding Whoosh's write lock
    WHEN adding with a short lock timeout
    THEN SearchIndexError says the index is busy; after release writing works again
    """
    lock = small._ix.lock("WRITELOCK")
    assert lock.acquire()
    small.lock_timeout = 0.2
    try:
        with pytest.raises(SearchIndexError, match="bận"):
            small.add(letter(1, "x"))
    finally:
        lock.release()
    small.add(letter(1, "x"))
    assert small.document_ids() == {1}


def test_concurrent_writers_do_not_corrupt(tmp_path):
    """
    GIVEN two SearchIndex objects on the same folder (a web request and background ingest)
    WHEN two threads write 30 letters each while a third searches
    THEN every letter is in the index and every search succeeded
    """
    a, b = SearchIndex(tmp_path), SearchIndex(tmp_path)
    errors: list[BaseException] = []

    def write(index: SearchIndex, start: int) -> None:
        try:
            for i in range(start, start + 30):
                index.add(letter(i, f"văn bản số {i} về đoàn kết"))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    def read() -> None:
        try:
            for _ in range(40):
                a.search("doan ket")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(a, 1)), threading.Thread(target=write, args=(b, 101)),
               threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    expected = set(range(1, 31)) | set(range(101, 131))
    assert a.document_ids() == expected
    assert SearchIndex(tmp_path).search("đoàn kết", per_page=100).total == 60


def test_bulk_load_in_batches(small):
    """
    GIVEN 7 letters loaded in batches of 3 (three segments, no merge)
    WHEN one is then corrected and the archive searched
    THEN every letter is there once, the correction replaced the old text, and facets count all
    """
    assert small.add_many((letter(i, f"thông báo số {i} về phòng chống dịch") for i in range(1, 8)), batch=3) == 7
    small.add(letter(5, "thông báo đã sửa"))
    assert small.document_ids() == set(range(1, 8))
    res = small.search("phong chong dich", per_page=20)
    assert res.total == 6 and 5 not in {h.id for h in res.hits}
    assert dict(small.search("").facets["doc_type"]) == {"Công văn": 7}
    with pytest.raises(ValueError):
        small.add_many([letter(9, "a"), letter(10, "b"), letter(9, "c")], batch=2)


def test_results_do_not_depend_on_the_postings_cache(idx, monkeypatch):
    """
    GIVEN the fixture archive searched with the usual cache
    WHEN the postings cache is cut to almost nothing (every term read again from disk)
    THEN the same letters come back in the same order
    """
    import search.engine

    queries = ["đoàn kết", "doan ket", '"sốt xuất huyết"', "213-QĐ/TW", "phòng cháy chữa cháy mùa khô"]
    before = [[h.id for h in idx.search(q).hits] for q in queries]
    monkeypatch.setattr(search.engine, "CACHE_BYTES", 1)
    fresh = SearchIndex(idx.path)
    assert [[h.id for h in fresh.search(q).hits] for q in queries] == before
