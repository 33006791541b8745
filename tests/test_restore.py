"""nlp.restore: line structure, things that must not change, restoration, confidence, robustness.

Runs on the committed model only (nlp/restore/data), never on ../shared.
"""
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from nlp.restore import Change, RestoredText, restore_text
from nlp.restore.syllables import strip_marks

CASES = json.loads((Path(__file__).parent / "data" / "restore" / "restore_cases.json").read_text(encoding="utf-8"))


def syllable_accuracy(out: str, gold: str) -> float:
    a, b = out.lower().split(), gold.lower().split()
    assert len(a) == len(b)
    return sum(x == y for x, y in zip(a, b)) / len(b)


def test_returns_plain_data():
    result = restore_text("Uy ban nhan dan tinh")
    assert isinstance(result, RestoredText)
    assert result.text == "Ủy ban nhân dân tỉnh"
    assert all(isinstance(c, Change) for c in result.changes)


@pytest.mark.parametrize("text", [
    "", "\n", "a\n\nb", "dong 1\ndong 2\n", "\n\n\ncong van\n", "x\r\ny\rz", "trang 1\fTrang 2\n\n",
])
def test_keeps_line_count(text):
    assert len(restore_text(text).text.splitlines()) == len(text.splitlines())


def test_context_flows_across_line_breaks_but_lines_stay():
    """GIVEN a sentence wrapped over two lines WHEN restored THEN each line corrects only itself."""
    text = "Kinh gui: Ban Thuong truc Uy ban\nnhan dan cac huyen, thanh pho."
    out = restore_text(text).text
    assert out == "Kính gửi: Ban Thường trực Ủy ban\nnhân dân các huyện, thành phố."


@pytest.mark.parametrize("stripped,gold", CASES["stripped"])
def test_stripped_sentence_restored(stripped, gold):
    assert strip_marks(gold) == stripped
    assert syllable_accuracy(restore_text(stripped).text, gold) >= 0.9


@pytest.mark.parametrize("ocr,gold", CASES["ocr"])
def test_ocr_damage_corrected(ocr, gold):
    assert syllable_accuracy(restore_text(ocr).text, gold) >= 0.8


@pytest.mark.parametrize("text", CASES["unchanged"])
def test_correct_text_unchanged(text):
    result = restore_text(text)
    assert result.text == text
    assert result.changes == []


@pytest.mark.parametrize("text,kept", [
    ("Cong van so 1987/MTTQ-BTT ngay 20/4/2023 gui UBND, HĐND va MTTQ", ["1987/MTTQ-BTT", "20/4/2023", "UBND", "HĐND", "MTTQ"]),
    ("Hoi nghi CCB luc 14 gio 30, phong 2.05, so tien 1.250.000 dong", ["CCB", "14", "30", "2.05", "1.250.000"]),
])
def test_numbers_symbols_abbreviations_untouched(text, kept):
    out = restore_text(text).text
    for item in kept:
        assert item in out


def test_symbol_grammar_restores_d_bar():
    out = restore_text("Quy dinh so 213-QD/TW va Nghi dinh 30/2020/ND-CP cua HDND").text
    assert "213-QĐ/TW" in out and "30/2020/NĐ-CP" in out and "HĐND" in out


def test_case_pattern_kept():
    out = restore_text("UY BAN NHAN DAN TINH DONG THAP\nTinh Dong Thap").text
    assert out == "ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP\nTỉnh Đồng Tháp"


def test_changes_point_into_the_output():
    text = "S6: 12/UBND-VP\nngay 20 thing 4 nam 2023, Uy ban nhan dan x4"
    result = restore_text(text)
    lines = result.text.splitlines()
    assert result.changes
    for c in result.changes:
        assert lines[c.line][c.start:c.end] == c.after
        assert c.before != c.after
        assert 0.0 <= c.confidence <= 1.0


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_arbitrary_unicode_never_crashes(text):
    result = restore_text(text)
    assert len(result.text.splitlines()) == len(text.splitlines())
    for c in result.changes:
        assert 0.0 <= c.confidence <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Uy", "ban", "S6", "x4", "13", "\n", " ", ",", "Pang", "ﬁ", "QD/TW", "đ", "\u0301", "Ö"]),
                max_size=30))
def test_vietnamese_like_noise_never_crashes(parts):
    text = " ".join(parts)
    assert len(restore_text(text).text.splitlines()) == len(text.splitlines())


def test_docstring_examples_run():
    import doctest

    import nlp.restore
    import nlp.restore.syllables

    for module in (nlp.restore, nlp.restore.syllables):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted >= 1


def test_hyphen_and_slash_words_restored_symbols_kept():
    out = restore_text("chinh tri-xa hoi, 1.000 dong/nguoi, V/v 12/KH-UBND").text
    assert out == "chính trị-xã hội, 1.000 đồng/người, V/v 12/KH-UBND"
