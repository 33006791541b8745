"""nlp.clean: each fix alone, the table of cases, doctests, and the line-count contract."""
import doctest
import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import nlp.clean
from nlp.clean import FIXES, clean_and_explain, clean_text

CASES = json.loads((Path(__file__).parent / "data" / "restore" / "clean_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_clean_cases(case):
    """GIVEN a case of the table WHEN cleaned THEN it matches the expected text (or fails as documented)."""
    if case["expect"] == "pass":
        assert clean_text(case["in"]) == case["out"]
    else:
        assert clean_text(case["in"]) != case["out"]


def test_docstring_examples_run():
    result = doctest.testmod(nlp.clean)
    assert result.failed == 0 and result.attempted >= 5


def test_explain_names_the_fixes_that_fired():
    text, fired = clean_and_explain("Uỷ ban\u200b nhân dân")
    assert text == "Ủy ban nhân dân"
    assert fired == ["remove_control_chars", "fix_tone_placement"]
    assert set(fired) <= set(FIXES)


def test_correct_text_untouched():
    text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
    assert clean_and_explain(text) == (text, [])


@given(st.text())
def test_line_count_never_changes(text):
    assert len(clean_text(text).splitlines()) == len(text.splitlines())
