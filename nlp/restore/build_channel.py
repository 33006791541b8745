"""Learn the OCR error model from aligned (OCR token, true syllable) pairs (training only).

The model is a character-level channel: each character t of the true
syllable (lower case) is read as an output string o of 0, 1 or 2 characters
("ư" -> "w", "ủ" -> "ti", "đ" -> "p", "á" -> "4"), with probabilities
P(o | t) estimated by hard EM: align every pair with the current weights,
count the edits, re-estimate, three rounds. Counts are smoothed towards a
simple prior (keep the letter, lose its marks, anything else), so syllables
never seen in the pairs still get sensible scores.

Two profiles are learned: ``legacy`` from Tesseract ``eng`` pages (the
damage of the legacy letters) and ``mild`` from ``vie`` pages plus the real
OCR pairs of ../shared/data/ocr-pairs (an OCR that knows Vietnamese).
"""
from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from nlp.restore.syllables import is_syllable, normalize_word, split_tokens, strip_marks, token_kind

ALPHA = 20.0         # weight of the base-letter distribution against the counts of one character
GAMMA = 20.0         # weight of the simple prior against the pooled counts of one base letter
MAX_OUT = 2          # longest output string of one true character


def _base(ch: str) -> str:
    return strip_marks(ch)


# Floors for confusions measured on real legacy letters (../shared/FINDINGS.md: "P" for "Đ"
# in "Pang", "Poi", "Pién") that our renders with DejaVu fonts rarely produce.
MEASURED = {("p", "đ"): 0.03}


class Smoothed:
    """log P(o | t) from edit counts, smoothed in two levels so that what is seen for one
    character carries over to its siblings: P(o | t) backs off to the counts pooled over all
    characters with the same base letter ("ô", "ố", "ơ", … for "o"), which back off to ``prior``.
    A measured floor (``MEASURED``) is applied last."""

    def __init__(self, counts: dict[str, dict[str, float]], alpha: float = ALPHA, gamma: float = GAMMA):
        self.counts = counts
        self.alpha, self.gamma = alpha, gamma
        self.totals = {t: sum(c.values()) for t, c in counts.items()}
        self.pooled: dict[str, Counter] = defaultdict(Counter)
        for t, c in counts.items():
            self.pooled[_base(t)].update(c)
        self.pooled_totals = {b: sum(c.values()) for b, c in self.pooled.items()}

    def logp(self, o: str, t: str) -> float:
        b = _base(t)
        pooled = self.pooled.get(b)
        p_base = ((pooled.get(o, 0) if pooled else 0) + self.gamma * prior(o, t)) / (
            self.pooled_totals.get(b, 0) + self.gamma)
        c = self.counts.get(t)
        p = ((c.get(o, 0) if c else 0) + self.alpha * p_base) / (self.totals.get(t, 0) + self.alpha)
        return math.log(max(p, MEASURED.get((o, t), 0.0)))


def prior(o: str, t: str) -> float:
    """P0(o | t): keep the letter, lose or change its marks, or anything else."""
    if o == t:
        return 0.55
    if len(o) == 1:
        if _base(o) == _base(t):
            return 0.25 / 12  # one of ~12 mark variants of the same base letter
        return 0.08 / 60
    if not o:
        return 0.04
    return 0.08 / 3600


def word_pairs(truth_line: str, ocr_line: str) -> list[tuple[str, str]]:
    """(ocr token, true syllable) pairs of one line, aligned by a token edit distance."""
    def toks(line, ocr):
        out = []
        for _, _, t in split_tokens(line):
            kind = token_kind(t)
            if kind in ("word", "mixed", "num") if ocr else kind == "word":
                out.append(t)
        return out

    a, b = toks(ocr_line, True), toks(truth_line, False)
    if not a or not b or len(a) * len(b) > 40_000:
        return []
    sa = [strip_marks(x.lower()) for x in a]
    sb = [strip_marks(x.lower()) for x in b]
    n, m = len(a), len(b)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back = [[0] * (m + 1) for _ in range(n + 1)]
    cost[0] = [0.7 * j for j in range(m + 1)]
    for i in range(1, n + 1):
        cost[i][0] = 0.7 * i
        back[i][0] = 1
        for j in range(1, m + 1):
            sub = cost[i - 1][j - 1] + Levenshtein.normalized_distance(sa[i - 1], sb[j - 1])
            dele = cost[i - 1][j] + 0.7
            ins = cost[i][j - 1] + 0.7
            best = min(sub, dele, ins)
            cost[i][j] = best
            back[i][j] = 0 if best == sub else (1 if best == dele else 2)
    pairs = []
    i, j = n, m
    while i > 0 and j > 0:
        step = back[i][j]
        if step == 0:
            if Levenshtein.normalized_distance(sa[i - 1], sb[j - 1]) <= 0.6:
                truth = normalize_word(b[j - 1])
                if is_syllable(truth):
                    pairs.append((a[i - 1].lower(), truth))
            i, j = i - 1, j - 1
        elif step == 1:
            i -= 1
        else:
            j -= 1
    return pairs


def align(ocr: str, truth: str, logp) -> list[tuple[str, str]] | None:
    """Best split of ``ocr`` into one output string per character of ``truth``."""
    n, m = len(truth), len(ocr)
    neg = -1e18
    score = [[neg] * (m + 1) for _ in range(n + 1)]
    back = [[0] * (m + 1) for _ in range(n + 1)]
    score[0][0] = 0.0
    for i in range(n):
        t = truth[i]
        row, nxt = score[i], score[i + 1]
        for j in range(m + 1):
            if row[j] <= neg:
                continue
            for k in range(0, MAX_OUT + 1):
                if j + k > m:
                    break
                s = row[j] + logp(ocr[j:j + k], t)
                if s > nxt[j + k]:
                    nxt[j + k] = s
                    back[i + 1][j + k] = k
    if score[n][m] <= neg:
        return None
    out = []
    j = m
    for i in range(n, 0, -1):
        k = back[i][j]
        out.append((truth[i - 1], ocr[j - k:j]))
        j -= k
    return out[::-1]


def estimate(pairs: list[tuple[str, str]], rounds: int = 3) -> dict:
    """Hard-EM estimate of P(o | t); returns the serialisable model."""
    counts: dict[str, Counter] = defaultdict(Counter)
    logp = Smoothed(counts).logp
    weighted = Counter(pairs)
    for _ in range(rounds):
        new: dict[str, Counter] = defaultdict(Counter)
        for (ocr, truth), w in weighted.items():
            path = align(ocr, truth, logp)
            if path is None:
                continue
            for t, o in path:
                new[t][o] += w
        counts = new
        logp = Smoothed(counts).logp
    table = {t: dict(c) for t, c in sorted(counts.items())}
    return {"alpha": ALPHA, "gamma": GAMMA, "counts": table}


def _pairs_from_pages(path: Path, lang: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if not path.exists():
        return pairs
    for row in path.read_text(encoding="utf-8").splitlines():
        page = json.loads(row)
        if page["lang"] != lang:
            continue
        ocr_lines = [unicodedata.normalize("NFC", x) for x in page["ocr"] if x.strip()]
        if len(ocr_lines) != len(page["truth"]):
            continue
        for truth, ocr in zip(page["truth"], ocr_lines):
            pairs.extend(word_pairs(truth, ocr))
    return pairs


def _pairs_from_real(path: Path) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if not path.exists():
        return pairs
    for row in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(row)
        pairs.extend(word_pairs(item["gt"], item["ocr"]))
    return pairs


def learn_abbreviations(data_dir: Path, names: tuple[str, ...]) -> dict[str, str]:
    """Upper-case symbol parts written with Đ nearly always in the corpus: {"QD": "QĐ", "HDND": "HĐND"}."""
    import lzma
    import re

    part = re.compile(r"(?<![\w])[A-ZĐ]{2,8}(?![\w])")
    counts: Counter = Counter()
    for name in names:
        with lzma.open(data_dir / "vi-text" / f"{name}.txt.xz", "rt", encoding="utf-8") as f:
            for line in f:
                counts.update(m.group() for m in part.finditer(line))
    out = {}
    for form, c in counts.items():
        if "Đ" in form:
            plain = form.replace("Đ", "D")
            if c >= 20 and c >= 5 * counts.get(plain, 0) and is_syllable(plain.lower()) is False:
                out[plain] = form
    return dict(sorted(out.items()))


def train(work: Path, data_dir: Path, out: Path, log) -> None:
    pages = work / "ocr-pairs.jsonl"
    legacy = _pairs_from_pages(pages, "eng") + _pairs_from_pages(work / "ocr-pairs-copy.jsonl", "eng")
    mild = _pairs_from_pages(pages, "vie") + _pairs_from_real(data_dir / "ocr-pairs" / "hcmus-history-ocr.jsonl")
    log(f"channel: {len(legacy)} legacy pairs, {len(mild)} mild pairs")
    model = {"legacy": estimate(legacy), "mild": estimate(mild),
             "abbreviations": learn_abbreviations(data_dir, ("legal-admin-2025", "admin-reports",
                                                             "legal-laws-vlc"))}
    log(f"channel: {len(model['abbreviations'])} abbreviations with Đ")
    out.write_text(json.dumps(model, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    log(f"channel: wrote {out} ({out.stat().st_size / 1e3:.0f} kB)")
