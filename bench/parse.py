#!/usr/bin/env python3
"""Benchmark `nlp.parse.parse_letter` with ../shared/tools/score_parse.py.

Scores (a) the gold text of each dev letter (*.gold.txt; 002's seed is already clean),
(b) the raw seed OCR through nlp.clean + nlp.restore when those are importable,
(c) our own test letters under tests/data/letters/, and (d) when restore exists, those letters with
every diacritic stripped and then restored, a stand-in for legacy OCR. Prints per-letter and pooled figures.

Usage: .venv/bin/python bench/parse.py [--shared ../shared] [--json]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import unicodedata
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.parse import parse_letter  # noqa: E402

FIGURES = ["header", "references_f1", "deadline_recall", "deadline_precision", "recurrence_recall",
           "assignee_f1", "recipients_f1", "distribution_f1"]


def load_scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("score_parse", shared / "tools" / "score_parse.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score


def load_restore():
    """The raw-OCR path: nlp.clean.clean_text then nlp.restore.restore_text, if both exist."""
    try:
        from nlp.clean import clean_text
    except ImportError:
        clean_text = None
    try:
        from nlp.restore import restore_text
    except ImportError:
        return None, "restore not available"
    def run(text: str) -> str:
        if clean_text is not None:
            text = clean_text(text)
        return restore_text(text).text
    return run, "clean+restore" if clean_text else "restore only (clean not available)"


def strip_marks(text: str) -> str:
    """ "Đồng Tháp" -> "Dong Thap", the worst case of legacy OCR."""
    out = []
    for ch in text:
        if ch in "đĐ":
            out.append("d" if ch == "đ" else "D")
        else:
            out.append(unicodedata.normalize("NFD", ch)[0])
    return "".join(out)


def pool(results: list[dict]) -> dict:
    """Pool like score_parse --sum: letters weigh equally; deadlines and rules pool their counts."""
    keys = [k for k in results[0] if not k.startswith(("tasks_", "_", "field_"))]
    out = {k: round(sum(r[k] for r in results) / len(results), 4) for k in keys}
    hit, gold_n, hyp_n = (sum(r["_deadlines"][i] for r in results) for i in range(3))
    out["deadline_recall"] = round(hit / gold_n, 4) if gold_n else 1.0
    out["deadline_precision"] = round(hit / hyp_n, 4) if hyp_n else (1.0 if not gold_n else 0.0)
    hit, gold_n = (sum(r["_rules"][i] for r in results) for i in range(2))
    out["recurrence_recall"] = round(hit / gold_n, 4) if gold_n else 1.0
    out["letters"] = len(results)
    return out


def row(name: str, r: dict) -> str:
    cells = " ".join(f"{r.get(k, float('nan')):>6.3f}" for k in FIGURES)
    extra = ""
    if "tasks_hyp" in r:
        extra = f"  tasks {r['tasks_hyp']}/{r['tasks_gold']}"
        wrong = [k[6:] for k, v in r.items() if k.startswith("field_") and not v]
        if wrong:
            extra += "  wrong: " + ",".join(wrong)
    return f"{name:<28} {cells}{extra}"


def header_line() -> str:
    short = ["header", "refs", "dl_rec", "dl_pre", "rr_rec", "assign", "recip", "distr"]
    return f"{'letter':<28} " + " ".join(f"{s:>6}" for s in short)


def run_set(title: str, pairs: list[tuple[str, str, dict]], score, today: date | None) -> dict | None:
    print(f"\n== {title}")
    if not pairs:
        print("(none)")
        return None
    print(header_line())
    results = []
    seconds = 0.0
    for name, text, gold in pairs:
        t0 = time.perf_counter()
        hyp = parse_letter(text, today=today)
        seconds += time.perf_counter() - t0
        r = score(hyp, gold)
        results.append(r)
        print(row(name, r))
    pooled = pool(results)
    print(row("POOLED", pooled))
    print(f"({len(pairs)} letters, {seconds / len(pairs) * 1000:.1f} ms per letter)")
    return pooled


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--json", action="store_true", help="also print pooled figures as JSON")
    args = ap.parse_args(argv)
    score = load_scorer(args.shared)
    dev = args.shared / "dev"
    seeds = args.shared / "seeds"
    gold_pairs, raw_pairs = [], []
    for gold_json in sorted(dev.glob("*.gold.json")):
        stem = gold_json.name[: -len(".gold.json")]
        gold = json.loads(gold_json.read_text(encoding="utf-8"))
        gold_txt = dev / f"{stem}.gold.txt"
        seed = seeds / f"{stem}.txt"
        text = gold_txt.read_text(encoding="utf-8") if gold_txt.exists() else seed.read_text(encoding="utf-8")
        gold_pairs.append((stem[:3] + " gold-text", text, gold))
        if seed.exists():
            raw_pairs.append((stem[:3] + " raw-ocr", seed.read_text(encoding="utf-8"), gold))
    summary = {"gold_text": run_set("dev: from gold text", gold_pairs, score, None)}

    restore, how = load_restore()
    restored = None
    if restore is not None:
        try:
            restored = [(n, restore(t), g) for n, t, g in raw_pairs]
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            how = f"restore failed ({type(exc).__name__}: {exc})"
    if restored is None:
        print(f"\n== dev: from raw OCR — {how}; parsing the raw seeds as they are")
        summary["raw_ocr"] = run_set("dev: raw OCR without restoration", raw_pairs, score, None)
    else:
        summary["raw_ocr"] = run_set(f"dev: raw OCR through {how}", restored, score, None)

    own = []
    for txt in sorted((ROOT / "tests" / "data" / "letters").glob("*.txt")):
        expected = txt.with_suffix(".json")
        if expected.exists():
            exp = json.loads(expected.read_text(encoding="utf-8"))
            own.append((txt.stem[:28], txt.read_text(encoding="utf-8"), exp))
    summary["own_letters"] = run_set("own test letters (tests/data/letters)", own, score, None)
    if restore is not None and restored is not None:
        # a stand-in for raw OCR: the same letters with every mark removed, then restored
        stripped = [(n, restore(strip_marks(t)), g) for n, t, g in own]
        summary["own_stripped"] = run_set(f"own letters, diacritics stripped then {how}", stripped, score, None)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
