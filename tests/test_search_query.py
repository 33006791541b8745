"""search.analysis, search.query and search.snippets: pure functions, plus a fuzzed query parser."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.analysis import analyze, fold, normalize_text, number_key, syllables
from search.index import SearchIndex
from search.engine import make_plan
from search.query import parse_query, task_query
from search.snippets import make_snippet


@pytest.mark.parametrize("old,new", [
    ("hoà", "hòa"), ("Hoà Bình", "Hòa Bình"), ("uỷ ban", "ủy ban"), ("Thuỷ", "Thủy"), ("khoẻ", "khỏe"),
    ("HOÀ", "HÒA"), ("quý", "quý"), ("hoàn", "hoàn"), ("thuý", "thúy"), ("toà án", "tòa án"),
])
def test_normalize_moves_tone_to_modern_place(old, new):
    """GIVEN old-style tone placement WHEN normalised THEN modern placement; others untouched"""
    assert normalize_text(old) == new


def test_normalize_composes_nfd():
    """GIVEN decomposed (NFD) text WHEN normalised THEN it is NFC and tokenises as whole syllables"""
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Đồng Tháp hoà")
    assert syllables(normalize_text(nfd)) == ["đồng", "tháp", "hòa"]


def test_fold_removes_diacritics_and_d_bar():
    """GIVEN accented text WHEN folded THEN plain letters, đ -> d, same length"""
    assert fold("Đảng đang dạng ĐĂNG") == "Dang dang dang DANG"
    assert len(fold("ỗ ự ẫ")) == len("ỗ ự ẫ")


def test_one_letter_syllables_and_no_stop_list():
    """GIVEN "ở", "ý", "và", "a" WHEN analysed THEN all are terms (no stop list, no minimum size)"""
    terms = analyze("Ý kiến ở xã và a")
    assert {"ý", "ở", "và", "a"} <= set(terms.exact)
    assert {"y", "o", "va", "a"} <= set(terms.folded)


def test_positions_leave_gap_at_punctuation():
    """GIVEN two clauses WHEN analysed THEN the last word of one and first of the next are not adjacent"""
    terms = analyze("năm 2023. Ban")
    assert terms.exact["ban"][0] - terms.exact["2023"][0] == 2


@pytest.mark.parametrize("text,key", [
    ("1987/MTTQ-BTT", "1987mttqbtt"), ("213-QĐ/TW", "213qdtw"), ("213-QD/TW", "213qdtw"),
    ("30/2020/NĐ-CP", "302020ndcp"), (" 213 - qđ / tw ", "213qdtw"),
])
def test_number_key(text, key):
    """GIVEN a document number typed any way WHEN keyed THEN folded letters and digits only"""
    assert number_key(text) == key


def test_parse_query_parts():
    """GIVEN a query mixing phrase, number, "số", exclusion and words WHEN parsed THEN each part is found"""
    p = parse_query('“đoàn kết” số 1987 -Hà 213-QĐ/TW Đồng Tháp ngày 20/4/2023')
    assert p.phrases == [["đoàn", "kết"]]
    assert p.numbers == ["1987"]
    assert p.excluded == ["hà"]
    assert p.number_keys == ["213qdtw"]
    assert ["đồng", "tháp", "ngày", "20"] in p.clauses  # a date is words, not a document number
    assert p.accented


def test_unaccented_query_uses_folded_fields_only():
    """GIVEN a query without diacritics WHEN planned THEN only folded fields are searched"""
    plan = make_plan(parse_query("doan ket"))
    fields = {f for f, _, _ in plan.required + plan.optional}
    assert fields and all(f.endswith("_f") for f in fields)


def test_accented_query_uses_exact_and_folded_fields():
    """GIVEN a query with diacritics WHEN planned THEN exact fields score fully, folded ones weakly"""
    plan = make_plan(parse_query("đoàn kết"))
    boosts = {(f, t): b for f, t, b in plan.required + plan.optional}
    assert boosts[("body_x", "đoàn")] == 1.0
    assert boosts[("body_f", "doan")] < 1.0
    assert ("subj_x", "kết") in boosts


def test_number_plan():
    """GIVEN a document number WHEN planned THEN its key field first, citing letters next"""
    plan = make_plan(parse_query("213-QĐ/TW"))
    assert plan.numbers[0][:2] == ("ns_key", "213qdtw")
    assert plan.numbers[1][:2] == ("ref_key", "213qdtw")
    assert plan.numbers[0][2] > plan.numbers[1][2]


def test_snippet_marks_and_escapes():
    """GIVEN text with HTML and an accented word WHEN an unaccented query matches THEN marked and escaped"""
    html = make_snippet("a < b & Đoàn kết", {"doan"}, {"doan"}, accented=False)
    assert html == "a &lt; b &amp; <mark>Đoàn</mark> kết"


def test_snippet_window_goes_to_the_matches():
    """GIVEN a long text with the match near the end WHEN a snippet is made THEN it starts with … and shows it"""
    text = "mở đầu " * 200 + "phòng cháy chữa cháy" + " kết thúc" * 50
    html = make_snippet(text, {"cháy"}, {"chay"}, accented=True)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>cháy</mark>" in html and len(html) < 400


@pytest.fixture(scope="module")
def fuzz_index(tmp_path_factory) -> SearchIndex:
    index = SearchIndex(tmp_path_factory.mktemp("fuzz"))
    index.add_many([
        {"id": 1, "number_symbol": "1987/MTTQ-BTT", "doc_type": "Công văn", "date": dt.date(2023, 4, 20),
         "subject": "Ngày đại đoàn kết", "text": "Ngày Đại đoàn kết vì cộng đồng, 213-QĐ/TW", "references": ["213-QĐ/TW"],
         "tasks": [{"id": 1, "action": "Rà soát, đánh giá", "assignees": ["Ban Thường trực"], "deadline": None}]},
        {"id": 2, "number_symbol": "213-QĐ/TW", "text": "Quy định về trách nhiệm nêu gương"},
    ])
    return index


QUERY_TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(['"', "“", "-", "(", ")", "*", "?", ":", "/", "OR", "AND", "NOT", "số", "1987",
                              "213-QĐ/TW", "đoàn", "kết", "doan", " ", "\x00", "\\", "~", "^2", "[", "]", "{",
                              "field:", "ü", "\u0301", "🙂"]), max_size=12).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(QUERY_TEXT)
def test_query_parser_never_raises(fuzz_index, text):
    """
    GIVEN any text a person might type (quotes, brackets, operators, control characters, emoji)
    WHEN it is parsed, turned into queries and searched
    THEN nothing raises and the results are well formed
    """
    parsed = parse_query(text)
    make_plan(parsed)
    make_plan(parsed, loose=True)
    task_query(parsed)
    res = fuzz_index.search(text, per_page=5)
    assert res.total >= len(res.hits)
    for hit in res.hits:
        assert "<script" not in hit.snippet_html
    fuzz_index.search_tasks(text)
