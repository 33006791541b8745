"""The search contract, run against BOTH backends: Whoosh (``search.index``) and PostgreSQL (``search.pg``).

Whatever the backend, web/ and the CLI get the same answers: accents optional, document numbers,
filters, facets, removal, safe snippets. The PostgreSQL half needs ``CONGVAN_TEST_POSTGRES_URL``
(skipped without it; a failure without it under ``CI=true``). Fixture letters: tests/data/search.
"""
from __future__ import annotations

import datetime as dt

import pytest

from archive.errors import SearchIndexError
from scale_services import fresh_database, postgres_url
from test_search_index import DONG_THAP, DOAN_KET_TOPICS, letter, load_archive

BACKENDS = ["whoosh", "postgres"]


def open_backend(kind: str, tmp_path_factory, stack):
    if kind == "whoosh":
        from search.index import SearchIndex

        return SearchIndex(tmp_path_factory.mktemp("whoosh"))
    from search.pg import PgSearchIndex

    url = stack.enter_context(fresh_database(postgres_url()))
    index = PgSearchIndex(url)
    stack.callback(index.close)
    return index


@pytest.fixture(scope="module")
def archive() -> list[dict]:
    return load_archive()


@pytest.fixture(scope="module", params=BACKENDS)
def idx(request, archive, tmp_path_factory):
    """The fixture archive without the two synthetic topics built around "đoàn kết" (see test_search_index)."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        index = open_backend(request.param, tmp_path_factory, stack)
        index.add_many(d for d in archive if d.get("topic") not in DOAN_KET_TOPICS)
        yield index


@pytest.fixture(params=BACKENDS)
def small(request, tmp_path_factory):
    from contextlib import ExitStack

    with ExitStack() as stack:
        yield open_backend(request.param, tmp_path_factory, stack)


def kept(archive):
    return [d for d in archive if d.get("topic") not in DOAN_KET_TOPICS]


# ---------------------------------------------------------------- accents and numbers


@pytest.mark.parametrize("query", ["đoàn kết", "doan ket", "Đoàn Kết", "DOAN KET"])
def test_doan_ket_finds_dong_thap_letter_first(idx, query):
    """
    GIVEN the sample letters, the letters they cite and synthetic letters on other topics
    WHEN searching "đoàn kết" with or without accents, in any case
    THEN the Đồng Tháp letter 1987/MTTQ-BTT comes first, its snippet marking the letter's own spelling
    """
    hit = idx.search(query).hits[0]
    assert (hit.id, hit.number_symbol) == (DONG_THAP, "1987/MTTQ-BTT")
    assert "<mark>đoàn</mark> <mark>kết</mark>" in hit.snippet_html


@pytest.mark.parametrize("query,first", [
    ("1987/MTTQ-BTT", 1), ("số 1987", 1), ("so 1987", 1),
    ("213-QĐ/TW", 4), ("213-QD/TW", 4), ("213-qđ/tw", 4), ("305/MTTQ-BTT", 3), ("161-TB/TU", 5),
])
def test_number_lookup_finds_that_letter_first(idx, query, first):
    """GIVEN the archive WHEN searching a document number (with or without "số", Đ, case) THEN that letter first"""
    assert idx.search(query).hits[0].id == first


def test_number_lookup_then_citing_letters(idx, archive):
    """GIVEN letters citing 213-QĐ/TW WHEN searching it THEN the Quy định first, then every letter citing it"""
    citing = {d["id"] for d in kept(archive) if "213-QĐ/TW" in d["references"]}
    hits = idx.search("213-QĐ/TW", per_page=50).hits
    assert hits[0].id == 4
    assert {h.id for h in hits[1:len(citing) + 1]} == citing
    assert DONG_THAP in citing


def test_accented_query_prefers_exact_spelling(small):
    """GIVEN "đảng viên", "đang viên", "dạng viên" WHEN searching with and without accents
    THEN the exact spelling first with accents; all three without"""
    small.add_many([letter(1, "Các đang viên mới"), letter(2, "Kết nạp đảng viên mới"), letter(3, "Dạng viên nén")])
    assert small.search("đảng viên").hits[0].id == 2
    assert {h.id for h in small.search("dang vien").hits} == {1, 2, 3}


def test_quoted_phrase_requires_adjacent_words(small):
    small.add_many([letter(1, "kết quả của đoàn kiểm tra"), letter(2, "tinh thần đoàn kết")])
    assert [h.id for h in small.search('"đoàn kết"').hits] == [2]
    assert [h.id for h in small.search('"doan ket"').hits] == [2]
    assert [h.id for h in small.search("doan ket").hits] == [2, 1]


def test_longer_phrase_needs_every_word_in_order(small):
    """GIVEN "đại đoàn kết" once in order and once with its pairs apart WHEN searching the phrase THEN only the first"""
    small.add_many([letter(1, "ngày hội đại đoàn kết toàn dân"), letter(2, "đại đoàn viên; đoàn kết"),
                    letter(3, "kết đoàn đại")])
    assert [h.id for h in small.search('"đại đoàn kết"').hits] == [1]
    assert [h.id for h in small.search('"dai doan ket" toan dan').hits] == [1]


def test_old_and_modern_tone_placement_match(small):
    small.add_many([letter(1, "giữ gìn hoà bình"), letter(2, "Ủy ban nhân dân")])
    assert [h.id for h in small.search("hòa bình").hits] == [1]
    assert [h.id for h in small.search("uỷ ban").hits][0] == 2


# ---------------------------------------------------------------- filters, facets, sort


def test_filters(idx, archive):
    """GIVEN the archive WHEN filtering an empty query THEN exactly the matching letters come back"""
    docs = kept(archive)

    def ids(**filters):
        return {h.id for h in idx.search("", filters=filters, per_page=100).hits}

    assert ids(doc_type="Quy định") == {4}
    assert ids(year=2023) == {d["id"] for d in docs if d["date"] and d["date"].year == 2023}
    assert ids(place="Long Khánh") == {3, 5}
    assert ids(date_from=dt.date(2022, 1, 1), date_to="2022-01-31") == {
        d["id"] for d in docs if d["date"] and dt.date(2022, 1, 1) <= d["date"] <= dt.date(2022, 1, 31)}
    assert 1 in ids(recipient="ban thuong truc uy ban mttq")
    assert ids(has_open_tasks=False) == {d["id"] for d in docs if not d["has_open_tasks"]}
    assert ids(issuer="Bộ Chính trị", doc_type="Quy định") == {4}
    assert {h.id for h in idx.search("doan ket", filters={"doc_type": "Quy định"}).hits} <= {4}


def test_unknown_filter_is_an_error(idx):
    with pytest.raises(SearchIndexError):
        idx.search("x", filters={"colour": "red"})


def test_facets_count_all_matches(idx, archive):
    """GIVEN the archive WHEN listing everything THEN the facets count every letter by type, issuer, year"""
    docs = kept(archive)
    res = idx.search("", per_page=5)
    assert res.total == len(docs)
    assert len(res.hits) == 5
    types = dict(res.facets["doc_type"])
    assert sum(types.values()) == len(docs)
    assert types["Quy định"] == 1
    years = dict(res.facets["year"])
    assert years["2023"] == sum(1 for d in docs if d["date"] and d["date"].year == 2023)
    assert [y for y, _ in res.facets["year"]] == sorted(years, reverse=True)
    assert dict(res.facets["issuer"])["Bộ Chính trị"] == 1


def test_facets_follow_the_query(idx):
    res = idx.search("213-QĐ/TW", per_page=50)
    assert sum(n for _, n in res.facets["doc_type"]) == res.total == len(idx.search("213-QĐ/TW", per_page=100).hits)


def test_sort_by_date_and_pagination(idx):
    first = idx.search("ủy ban", sort="date", page=1, per_page=7)
    second = idx.search("ủy ban", sort="date", page=2, per_page=7)
    assert first.total == second.total > 14
    dates = [h.date or "" for h in first.hits + second.hits]
    assert dates == sorted(dates, reverse=True)
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


def test_similar_documents(idx, archive):
    doc = next(d for d in archive if d.get("topic") == 16)
    twin = next(d["id"] for d in archive if d.get("topic") == 16 and d["id"] != doc["id"])
    similar = [h.id for h in idx.similar(doc["id"], limit=5)]
    assert doc["id"] not in similar
    assert twin in similar[:3]
    assert idx.similar(999_999) == []


def test_tasks_are_searchable(idx, archive):
    tasks = idx.search_tasks("dịch tả lợn", limit=100) + idx.search_tasks("ta lon chau phi", limit=100)
    assert tasks and all("tả lợn" in t["action"] for t in tasks)
    by_who = idx.search_tasks(assignee="Sở Y tế", limit=500)
    assert by_who and all("Sở Y tế" in t["assignees"] for t in by_who)
    window = idx.search_tasks(due_from=dt.date(2022, 1, 1), due_to=dt.date(2022, 12, 31), limit=500)
    expected = sum(1 for d in kept(archive) for t in d["tasks"]
                   if t["deadline"] and dt.date(2022, 1, 1) <= t["deadline"] <= dt.date(2022, 12, 31))
    assert len(window) == expected > 0


# ---------------------------------------------------------------- writing


def test_update_replaces_document(small):
    small.add(letter(7, "phòng chống lụt bão", tasks=[{"id": 1, "action": "trực ban", "assignees": ["A"], "deadline": None}]))
    small.add(letter(7, "phòng chống hạn hán", tasks=[{"id": 1, "action": "tưới tiêu", "assignees": ["A"], "deadline": None}]))
    assert small.search("lụt bão").total == 0
    assert [h.id for h in small.search("hạn hán").hits] == [7]
    assert small.document_ids() == {7}
    assert [t["action"] for t in small.search_tasks()] == ["tưới tiêu"]


def test_remove_and_clear(small):
    """GIVEN two letters WHEN one is removed, then all cleared THEN neither it nor its tasks are found"""
    small.add_many([letter(1, "an", tasks=[{"id": 1, "action": "việc một", "assignees": [], "deadline": None}]),
                    letter(2, "an")])
    small.remove(1)
    assert small.document_ids() == {2}
    assert small.search_tasks("việc một") == []
    assert [h.id for h in small.search("an").hits] == [2]
    small.clear()
    assert small.document_ids() == set()
    assert small.search("an").total == 0
    small.add(letter(3, "an"))
    assert small.document_ids() == {3}


def test_snippet_escapes_untrusted_text(small):
    """GIVEN OCR text containing HTML WHEN found THEN the snippet escapes all but our <mark> tags"""
    small.add(letter(1, 'Kính gửi <script>alert("x")</script> & <b>đoàn kết</b>', subject="<img src=x onerror=1>"))
    for query in ("doan ket", "đoàn kết"):
        hit = small.search(query).hits[0]
        assert "<script>" not in hit.snippet_html and "<b>" not in hit.snippet_html
        assert "&lt;script&gt;" in hit.snippet_html and "&amp;" in hit.snippet_html
        assert "<mark>đoàn</mark> <mark>kết</mark>" in hit.snippet_html
        assert hit.snippet_html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


@pytest.mark.parametrize("query", ['"', "((", "a & b | !c", "'; DROP TABLE search_letters; --", "<->", "\\", "số",
                                   "-", "đ" * 3000])
def test_any_input_is_a_query_never_an_error(small, query):
    small.add(letter(1, "đoàn kết"))
    small.search(query)
    small.search_tasks(query)
    assert small.document_ids() == {1}


def test_control_characters_in_ocr_text_are_stored_and_found(small):
    """GIVEN OCR text with NUL and other control characters (PostgreSQL text cannot hold NUL; search.pg uses
    \x01/\x02 as its headline markers) WHEN indexed THEN the letter and its task are found"""
    small.add(letter(1, "đoàn\x00 kết\x01 vì\x02 cộng đồng", tasks=[{"id": 1, "action": "trực\x00 ban",
                                                                    "assignees": ["A\x00"], "deadline": None}]))
    hit = small.search("doan ket").hits[0]
    assert hit.id == 1 and "<mark>đoàn</mark>" in hit.snippet_html
    assert small.search_tasks("trực ban")


def test_postgres_backend_through_the_archive(tmp_path, sample_paths):
    """GIVEN CONGVAN_SEARCH_BACKEND=postgres WHEN the samples are ingested THEN search and check use PostgreSQL"""
    from archive import services
    from archive.maintenance import check_archive
    from archive.settings import Settings
    from ingest.pipeline import ingest_bytes
    from search.pg import PgSearchIndex

    with fresh_database(postgres_url()) as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url, search_backend="postgres")
        try:
            jobs = [ingest_bytes(settings, p.read_bytes(), p.name) for p in sample_paths]
            index = services.search_index(settings)
            assert isinstance(index, PgSearchIndex)
            assert index.document_ids() == {j.document_id for j in jobs}
            assert index.search("doan ket").hits[0].number_symbol == "1987/MTTQ-BTT"
            assert check_archive(settings).ok
            assert not (settings.index_dir / "congvan-search-version.json").exists()  # Whoosh never opened
        finally:
            index = services.search_index(settings)
            services.forget_index(settings)
            index.close()
