"""Whole letters: each tests/data/letters/NAME.txt parses to NAME.json, field by field.

GIVEN a realistic letter (state or Party style, some with OCR-merged header columns)
WHEN it is parsed
THEN its header fields, recipients, distribution, references and tasks match the
     expected parse, compared the way ../shared/tools/score_parse.py compares them.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import jsonschema
import pytest

from nlp.parse import SCHEMA_PATH, parse_letter

LETTERS = Path(__file__).parent / "data" / "letters"
CASES = sorted(p.stem for p in LETTERS.glob("*.txt") if p.with_suffix(".json").exists())
EDGE = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


def norm(text) -> str:
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text)).lower()
    return EDGE.sub("", " ".join(text.split()))


def norm_symbol(text) -> str:
    return re.sub(r"\s+", "", norm(text).replace("số", "").replace(":", ""))


def tokens(text) -> list[str]:
    return [t for t in (EDGE.sub("", w) for w in norm(text).split()) if t]


def token_f1(a, b) -> float:
    ta, tb = tokens(a), tokens(b)
    if not ta and not tb:
        return 1.0
    if not ta or not tb:
        return 0.0
    pool = list(tb)
    common = 0
    for t in ta:
        if t in pool:
            pool.remove(t)
            common += 1
    if not common:
        return 0.0
    p, r = common / len(ta), common / len(tb)
    return 2 * p * r / (p + r)


def fuzzy_set_equal(hyp: list[str], gold: list[str], threshold: float = 0.7) -> bool:
    """Every gold item has its own hypothesis item with token F1 >= threshold, and nothing extra."""
    left = list(hyp)
    for g in gold:
        for i, h in enumerate(left):
            if token_f1(h, g) >= threshold:
                del left[i]
                break
        else:
            return False
    return not left


def rrule_key(rule) -> str:
    parts = dict(p.split("=", 1) for p in str(rule).upper().split(";") if "=" in p)
    return ";".join(f"{k}={parts[k]}" for k in ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH") if k in parts)


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def load(name: str) -> tuple[dict, dict]:
    text = (LETTERS / f"{name}.txt").read_text(encoding="utf-8")
    expected = json.loads((LETTERS / f"{name}.json").read_text(encoding="utf-8"))
    return parse_letter(text), expected


def test_there_are_enough_letters():
    assert len(CASES) >= 8


@pytest.mark.parametrize("name", CASES)
def test_schema_valid(name, schema):
    got, expected = load(name)
    jsonschema.validate(got, schema)
    jsonschema.validate(expected, schema)


@pytest.mark.parametrize("name", CASES)
def test_header(name):
    got, expected = load(name)
    assert norm(got["doc_type"]) == norm(expected["doc_type"])
    assert norm_symbol(got["number_symbol"]) == norm_symbol(expected["number_symbol"])
    assert got["number"] == expected["number"]
    assert norm_symbol(got["symbol"]) == norm_symbol(expected["symbol"])
    assert token_f1(got["issuer"], expected["issuer"]) >= 0.8, got["issuer"]
    assert norm(got["place"]) == norm(expected["place"])
    assert got["date"] == expected["date"]
    assert token_f1(got["subject"], expected["subject"]) >= 0.8, got["subject"]


@pytest.mark.parametrize("name", CASES)
def test_recipients_and_distribution(name):
    got, expected = load(name)
    assert fuzzy_set_equal(got["recipients"], expected["recipients"]), got["recipients"]
    hyp = [(d["to"], d["purpose"]) for d in got["distribution"]]
    gold = [(d["to"], d["purpose"]) for d in expected["distribution"] or []]
    assert fuzzy_set_equal([h[0] for h in hyp], [g[0] for g in gold]), hyp
    assert sorted(str(h[1]) for h in hyp) == sorted(str(g[1]) for g in gold)


@pytest.mark.parametrize("name", CASES)
def test_signer(name):
    got, expected = load(name)
    if expected["signer"] is None:
        return
    assert got["signer"] is not None
    assert norm(got["signer"]["name"]) == norm(expected["signer"]["name"])
    assert norm(got["signer"]["title"]) == norm(expected["signer"]["title"])


@pytest.mark.parametrize("name", CASES)
def test_references(name):
    got, expected = load(name)
    hyp = {norm_symbol(r["number_symbol"]): r for r in got["references"] if r["number_symbol"]}
    gold = {norm_symbol(r["number_symbol"]): r for r in expected["references"] if r["number_symbol"]}
    assert sorted(hyp) == sorted(gold)
    for key, ref in gold.items():
        assert hyp[key]["date"] == ref["date"], key
        assert norm(hyp[key]["type"]) == norm(ref["type"]), key
        if ref.get("issuer"):
            assert token_f1(hyp[key]["issuer"], ref["issuer"]) >= 0.8, (key, hyp[key]["issuer"])


@pytest.mark.parametrize("name", CASES)
def test_tasks(name):
    got, expected = load(name)
    deadlines = lambda d: sorted({t["deadline"] for t in d["tasks"] if t["deadline"]})
    rules = lambda d: sorted({rrule_key(t["recurrence"]) for t in d["tasks"] if t["recurrence"]})
    people = lambda d: sorted({norm(a) for t in d["tasks"] for a in t["assignees"]})
    times = lambda d: sorted({t.get("due_time") for t in d["tasks"] if t.get("due_time")})
    assert deadlines(got) == deadlines(expected)
    assert rules(got) == rules(expected)
    assert fuzzy_set_equal(people(got), people(expected)), people(got)
    assert times(got) == times(expected)
    # each dated task has its deadline phrase as printed, and its date belongs to the right people
    for gold_task in expected["tasks"]:
        if not gold_task["deadline"]:
            continue
        match = [t for t in got["tasks"] if t["deadline"] == gold_task["deadline"]]
        assert match, gold_task["deadline"]
        assert any(fuzzy_set_equal(t["assignees"], gold_task["assignees"]) for t in match), gold_task["deadline"]
        assert any(gold_task["deadline_text"] and norm(t["deadline_text"]) == norm(gold_task["deadline_text"]) for t in match)
