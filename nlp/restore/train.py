"""Rebuild the restoration model from ../shared/data: ``python -m nlp.train``.

Deterministic: fixed file order, fixed seeds, no sampling without a seed (the
synthetic OCR depends on the Tesseract build: 5.3.0 from Debian here).
Stages (synth output is cached in the work folder, ``--work``, and resumed):
  1. synth    render training paragraphs (a print and a photocopy look), OCR them
              with Tesseract eng/vie                                  -> ocr-pairs*.jsonl
  2. lm       modified Kneser-Ney 4-gram on legal, admin and news text    -> data/lm-<date>.npz
  3. channel  learn the OCR error model from the synthetic and real pairs -> data/channel-<date>.json
The held-out slice (every line whose index % 50 == 0 in legal-admin-2025 and
admin-reports) is never trained on; ``bench/restore.py`` measures on it.
"""
from __future__ import annotations

import argparse
import lzma
import time
from collections import Counter
from pathlib import Path

import numpy as np

from nlp.restore import build_lm
from nlp.restore.syllables import is_syllable, lm_tokens

SHARED = Path(__file__).resolve().parents[3] / "shared"
DATA_OUT = Path(__file__).resolve().parent / "data"
MODEL_DATE = "2026-11-22"
SYLLABLE_MIN_COUNT = 10  # rarer "syllables" are mostly typos or foreign words ("pai", "chee")
HELD_OUT_FILES = ("legal-admin-2025", "admin-reports")
# Legal and administrative text first; news adds the names and general words of letters
# (+0.1 point on stripped held-out text, +0.2 on synthetic OCR).
LM_FILES = ("legal-admin-2025", "admin-reports", "legal-laws-vlc", "legal-phapdien", "news-vietnews")
SYNTH_FILES = ("legal-admin-2025", "admin-reports", "legal-laws-vlc")


def is_held_out(name: str, index: int) -> bool:
    return name in HELD_OUT_FILES and index % 50 == 0


def read_paragraphs(data_dir: Path, name: str, held_out: bool = False):
    """Training paragraphs of one corpus file (or, with ``held_out``, only the held-out ones)."""
    with lzma.open(data_dir / "vi-text" / f"{name}.txt.xz", "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if is_held_out(name, i) == held_out:
                yield line.rstrip("\n")


def train_lm(data_dir: Path, out: Path, order: int, vocab_size: int, log,
             files: tuple[str, ...] = LM_FILES, keep_min: dict[int, int] | None = None) -> None:
    t0 = time.time()
    paragraphs: list[list[str]] = []
    counts: Counter = Counter()
    for name in files:
        for line in read_paragraphs(data_dir, name):
            toks = lm_tokens(line)
            counts.update(toks)
            paragraphs.append(toks)
        log(f"lm: read {name}: {len(paragraphs)} paragraphs, {time.time() - t0:.0f}s")
    vocab = build_lm.build_vocab(counts, vocab_size, min_count=2)
    ids = build_lm.encode(paragraphs, vocab)
    del paragraphs
    log(f"lm: {len(ids)} tokens, vocab {len(vocab)}, {time.time() - t0:.0f}s")
    model = build_lm.estimate(ids, order, len(vocab), keep_min=keep_min or {3: 2, 4: 2})
    for n in model:
        log(f"lm: order {n}: {len(model[n][0])} n-grams")
    arrays = build_lm.to_trie(model)
    syllables = [w for w in vocab if is_syllable(w) and counts[w] >= SYLLABLE_MIN_COUNT]
    unigram = np.array([counts[w] for w in vocab], dtype=np.int64)
    np.savez_compressed(out, order=np.array(order), vocab=np.array("\n".join(vocab)),
                        syllables=np.array("\n".join(syllables)), counts=unigram, **arrays)
    log(f"lm: wrote {out} ({out.stat().st_size / 1e6:.1f} MB), {time.time() - t0:.0f}s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED / "data", help="the shared data folder")
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "congvan-restore-train")
    parser.add_argument("--stages", default="synth,lm,channel")
    parser.add_argument("--order", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--synth-pages", type=int, default=400)
    parser.add_argument("--lm-files", default=",".join(LM_FILES), help="corpus files, in this order")
    parser.add_argument("--prune", default="3:2,4:2", help="minimum count kept per order")
    parser.add_argument("--lm-out", type=Path, default=DATA_OUT / f"lm-{MODEL_DATE}.npz")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    stages = args.stages.split(",")

    def log(msg: str) -> None:
        print(msg, flush=True)

    if "synth" in stages:
        from nlp.restore import synth
        paragraphs = [p for name in SYNTH_FILES for i, p in enumerate(read_paragraphs(args.data, name))
                      if (name != "legal-laws-vlc" or i % 7 == 0) and len(p.split()) >= 6]
        synth.generate(paragraphs, args.work / "ocr-pairs.jsonl", pages=args.synth_pages, seed=20261122)
        synth.generate(paragraphs, args.work / "ocr-pairs-copy.jsonl", pages=args.synth_pages // 2,
                       seed=20261123, vie_share=0.0, style="photocopy")
        held = [p for name in HELD_OUT_FILES for p in read_paragraphs(args.data, name, held_out=True)
                if len(p.split()) >= 6]
        synth.generate(held, args.work / "ocr-pairs-heldout.jsonl", pages=30, seed=7, vie_share=0.0)
        synth.generate(held, args.work / "ocr-pairs-heldout-copy.jsonl", pages=20, seed=8, vie_share=0.0,
                       style="photocopy")
        log("synth: done")
    if "lm" in stages:
        keep_min = {int(k): int(v) for k, v in (x.split(":") for x in args.prune.split(",") if x)}
        train_lm(args.data, args.lm_out, args.order, args.vocab, log,
                 tuple(args.lm_files.split(",")), keep_min)
    if "channel" in stages:
        from nlp.restore import build_channel
        build_channel.train(args.work, args.data, DATA_OUT / f"channel-{MODEL_DATE}.json", log)
    return 0
