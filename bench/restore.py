"""Benchmark diacritic restoration / OCR correction: ``python bench/restore.py``.

Prints one table. Rows: the dev letters (legacy OCR, seeds 000 and 001 against
their gold), held-out corpus text with diacritics stripped, held-out corpus
text rendered and read by Tesseract ``eng`` (synthetic legacy OCR, if
``python -m nlp.train --stages synth`` has been run), correct text left alone
(seed 002, held-out clean text), speed and load time. Columns: the input
itself, pyvi's ``ViUtils.add_accents``, congvan. Scores come from
../shared/tools/score_restore.py (imported by path).

The held-out slice is every line whose index % 50 == 0 in legal-admin-2025 and
admin-reports: ``nlp.train`` never trains on it.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def load_scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("score_restore", shared / "tools" / "score_restore.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pyvi_restore(text: str) -> str:
    from pyvi import ViUtils

    out = []
    for line in text.splitlines():
        try:
            out.append(ViUtils.add_accents(line) if line.strip() else line)
        except Exception:  # pyvi crashes on some characters: keep the line
            out.append(line)
    return "\n".join(out)


def unchanged_share(scorer, before: str, after: str) -> float:
    """Share of the syllables of correct text that come out exactly as they went in."""
    result = scorer.score(after, before)
    return result["syllable_accuracy"]


def held_out_text(shared: Path, limit_lines: int) -> str:
    from nlp.clean import fix_tone_placement
    from nlp.restore.train import HELD_OUT_FILES, read_paragraphs

    lines = []
    for name in HELD_OUT_FILES:
        lines.extend(read_paragraphs(shared / "data", name, held_out=True))
    return "\n".join(fix_tone_placement(x) for x in lines[:limit_lines]) + "\n"


def synthetic_ocr(work: Path, name: str = "ocr-pairs-heldout.jsonl") -> tuple[str, str] | None:
    path = work / name
    if not path.exists():
        return None
    from nlp.clean import fix_tone_placement

    ocr_lines, gold_lines = [], []
    for row in path.read_text(encoding="utf-8").splitlines():
        page = json.loads(row)
        ocr = [x for x in page["ocr"] if x.strip()]
        if len(ocr) != len(page["truth"]):
            continue
        ocr_lines.extend(ocr)
        gold_lines.extend(fix_tone_placement(x) for x in page["truth"])
    return "\n".join(ocr_lines) + "\n", "\n".join(gold_lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "congvan-restore-train")
    parser.add_argument("--lines", type=int, default=2000, help="held-out lines to use")
    parser.add_argument("--no-pyvi", action="store_true")
    args = parser.parse_args(argv)
    scorer = load_scorer(args.shared)

    # Speed is CPU time of this process (one core; the machine may be shared); load included.
    t0, c0 = time.perf_counter(), time.process_time()
    from nlp.restore import load_decoder, restore_text
    load_decoder()
    load_seconds, load_cpu = time.perf_counter() - t0, time.process_time() - c0

    seeds = {p.name[:3]: p for p in sorted((args.shared / "seeds").glob("*.txt"))}
    golds = {p.name[:3]: p for p in sorted((args.shared / "dev").glob("*.gold.txt"))}
    clean_held = held_out_text(args.shared, args.lines)
    stripped_held = scorer.strip_diacritics(clean_held)

    systems = {"input": lambda t: t, "pyvi": pyvi_restore, "congvan": lambda t: restore_text(t).text}
    if args.no_pyvi:
        del systems["pyvi"]
    rows: list[tuple[str, dict[str, float]]] = []
    timing = {"stripped": [0, 0.0], "ocr": [0, 0.0]}

    def run(name: str, text: str, kind: str | None = None) -> str:
        t = time.process_time()
        out = systems[name](text)
        if name == "congvan" and kind:
            timing[kind][0] += len(scorer.syllables(text))
            timing[kind][1] += time.process_time() - t
        return out

    for key in ("000", "001"):
        if key in seeds and key in golds:
            text, gold = seeds[key].read_text(encoding="utf-8"), golds[key].read_text(encoding="utf-8")
            rows.append((f"dev {key} legacy OCR: syllable accuracy",
                         {n: scorer.score(run(n, text, "ocr"), gold)["syllable_accuracy"] for n in systems}))
    for name, label in (("ocr-pairs-heldout.jsonl", "held-out synthetic OCR (eng), print"),
                        ("ocr-pairs-heldout-copy.jsonl", "held-out synthetic OCR (eng), photocopy")):
        synth = synthetic_ocr(args.work, name)
        if synth:
            text, gold = synth
            rows.append((f"{label}: syllable accuracy",
                         {n: scorer.score(run(n, text, "ocr"), gold)["syllable_accuracy"] for n in systems}))
    rows.append(("held-out stripped text: syllable accuracy",
                 {n: scorer.score(run(n, stripped_held, "stripped"), clean_held)["syllable_accuracy"]
                  for n in systems}))
    if "002" in seeds:
        text = seeds["002"].read_text(encoding="utf-8")
        rows.append(("seed 002 correct text: share unchanged",
                     {n: unchanged_share(scorer, text, run(n, text)) for n in systems}))
    rows.append(("held-out clean text: share unchanged",
                 {n: unchanged_share(scorer, clean_held, run(n, clean_held)) for n in systems}))
    for kind, label in (("stripped", "stripped"), ("ocr", "legacy OCR")):
        n, secs = timing[kind]
        rows.append((f"speed {label}, syllables/s (1 core, load incl.)",
                     {"congvan": n / (secs + load_cpu) if secs else 0.0}))
    rows.append(("model load, s (wall)", {"congvan": load_seconds}))

    names = list(systems)
    head = f"{'':<58}" + "".join(f"{n:>10}" for n in names) + f"{'congvan/pyvi':>14}"
    print(head)
    print("-" * len(head))
    for label, vals in rows:
        cells = "".join(f"{vals[n]:>10.4f}" if n in vals and vals[n] < 100 else
                        (f"{vals[n]:>10.0f}" if n in vals else f"{'':>10}") for n in names)
        ratio = (vals["congvan"] / vals["pyvi"]) if vals.get("pyvi") else None
        print(f"{label:<58}{cells}{(f'{ratio:>14.3f}' if ratio else ''):>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
