"""Ranking quality on the labelled relevance set (tests/data/relevance.json). Figures: bench/search.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from search.index import SearchIndex

RELEVANCE = Path(__file__).resolve().parent / "data" / "relevance.json"
ARCHIVE = RELEVANCE.parent / "search" / "archive.json"


def load_archive() -> list[dict]:
    """The fixture letters (as in test_search_index.py; kept here so the module stands alone)."""
    docs = []
    for doc in json.loads(ARCHIVE.read_text("utf-8")):
        if doc.get("text_file"):
            doc["text"] = (ARCHIVE.parent / doc["text_file"]).read_text("utf-8")
        if doc.get("date"):
            doc["date"] = dt.date.fromisoformat(doc["date"])
        for task in doc.get("tasks") or []:
            task["deadline"] = dt.date.fromisoformat(task["deadline"]) if task.get("deadline") else None
        docs.append(doc)
    return docs


@pytest.fixture(scope="module")
def queries() -> list[dict]:
    return json.loads(RELEVANCE.read_text("utf-8"))["queries"]


@pytest.fixture(scope="module")
def idx(tmp_path_factory) -> SearchIndex:
    index = SearchIndex(tmp_path_factory.mktemp("relevance"))
    index.add_many(load_archive())
    return index


def measure(idx: SearchIndex, queries: list[dict], which: str) -> tuple[float, float, float]:
    """(MRR@10, recall@10, number look-up MRR@10) for the accented or unaccented spelling."""
    rr, recall, number_rr = [], [], []
    for q in queries:
        ids = [h.id for h in idx.search(q[which], per_page=10).hits]
        target = {q["primary"]} if q["primary"] else set(q["relevant"])
        rank = next((i for i, d in enumerate(ids, 1) if d in target), None)
        rr.append(1 / rank if rank else 0.0)
        recall.append(len(set(q["relevant"]) & set(ids)) / min(10, len(q["relevant"])))
        if q["kind"] == "number":
            number_rr.append(rr[-1])
    return sum(rr) / len(rr), sum(recall) / len(recall), sum(number_rr) / len(number_rr)


def test_relevance_set_is_big_enough(queries):
    """GIVEN the relevance set THEN it has at least 50 queries, each typed with and without accents"""
    assert len(queries) >= 50
    assert all(q["accented"] and q["unaccented"] and q["relevant"] for q in queries)
    assert sum(q["accented"] != q["unaccented"] for q in queries) >= 45


def test_ranking_targets(idx, queries):
    """
    GIVEN the fixture archive and the labelled queries
    WHEN each is searched with and without accents
    THEN number look-ups are always first (MRR@10 = 1), unaccented recall@10 is at least 0.95 of the
         accented one, and the overall MRR@10 stays high
    """
    mrr_a, recall_a, number_a = measure(idx, queries, "accented")
    mrr_u, recall_u, number_u = measure(idx, queries, "unaccented")
    assert number_a == number_u == 1.0
    assert recall_u >= 0.95 * recall_a
    assert mrr_a >= 0.9 and mrr_u >= 0.9
    assert recall_a >= 0.95
