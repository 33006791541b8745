"""OCR benchmark on synthetic scans: CER, WER, seconds per page, header columns separated.

    nice .venv/bin/python bench/ocr.py --letters 4 --levels clean,light,medium,heavy

Letters come from ``ingest.synth`` (seeded, two pages each) at four degradation levels; the
images are written as PNG *without* resolution metadata, so every system must cope with that.

Systems in the same run:
  plain       ``tesseract IMAGE - -l vie`` with default settings, Debian data
  plain-best  the same with the npm best_int data (``--best-data DIR``, default ``var/tessdata``)
  plain-script ``tesseract IMAGE - -l Vietnamese`` (Debian script model), default settings
  congvan     ingest: intake → preprocess → OCR → layout (the engine ingest.ocr picks, or --engine)

CER/WER are edit distances over the whole page with whitespace runs folded to one space, so they
count reading-order errors (merged header columns) as well as misread letters. "sep" is the
share of pages whose two-column zones (issuer | motto, Nơi nhận | signer) come out one column
after the other. "s/page" is wall time, "cpu/pg" CPU seconds (process + Tesseract children), the
steadier measure on a shared machine; "×plain" is cpu/pg over plain's at the same level. Run it
with ``OMP_THREAD_LIMIT=1`` (ingest.ocr sets it) so Tesseract's threads do not blur the timing.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

from ingest import layout, ocr, preprocess, synth  # noqa: E402
from ingest.intake import read_source  # noqa: E402


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def word_distance(a: list[str], b: list[str]) -> int:
    return Levenshtein.distance(a, b)


def separated(text: str, blocks: dict[str, list[str]]) -> bool | None:
    """True when every two-column zone's left lines end before its right lines start in ``text``."""
    flat = normalize(text)
    verdicts = []
    for left, right in (("header_left", "header_right"), ("cc", "signer")):
        if left not in blocks or right not in blocks:
            continue
        # look for the zone's lines only where the zone is (the top or the foot of the page): the
        # subject line "V/v …" is often repeated in the first sentence of the body
        size = int(1.2 * sum(len(x) + 1 for x in blocks[left] + blocks[right])) + 20
        offset = 0 if left == "header_left" else max(0, len(flat) - size)
        window = flat[offset:offset + size]
        spans_l = [_find(window, line) for line in blocks[left] if len(line) >= 8]
        spans_r = [_find(window, line) for line in blocks[right] if len(line) >= 8]
        if not spans_l or not spans_r or None in spans_l or None in spans_r:
            verdicts.append(False)
            continue
        verdicts.append(max(e for _, e in spans_l) <= min(s for s, _ in spans_r) + 3)
    return all(verdicts) if verdicts else None


def _find(text: str, line: str) -> tuple[int, int] | None:
    hit = fuzz.partial_ratio_alignment(normalize(line), text)
    if hit is None or hit.score < 75:
        return None
    return hit.dest_start, hit.dest_end


@dataclass
class Score:
    chars: int = 0
    char_errors: int = 0
    words: int = 0
    word_errors: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    pages: int = 0
    sep_pages: int = 0
    sep_ok: int = 0
    worst: list[tuple[float, str]] = field(default_factory=list)

    def add(self, hyp: str, truth: str, blocks: dict, seconds: float, cpu: float, name: str) -> None:
        h, t = normalize(hyp), normalize(truth)
        ce = Levenshtein.distance(h, t)
        self.chars += len(t)
        self.char_errors += ce
        self.words += len(t.split())
        self.word_errors += word_distance(h.split(), t.split())
        self.seconds += seconds
        self.cpu += cpu
        self.pages += 1
        sep = separated(hyp, blocks)
        if sep is not None:
            self.sep_pages += 1
            self.sep_ok += bool(sep)
        self.worst.append((ce / max(len(t), 1), name))

    def row(self) -> tuple[str, str, str, str, str]:
        cer = 100 * self.char_errors / max(self.chars, 1)
        wer = 100 * self.word_errors / max(self.words, 1)
        sep = f"{100 * self.sep_ok / self.sep_pages:.0f}%" if self.sep_pages else "-"
        n = max(self.pages, 1)
        return f"{cer:.2f}%", f"{wer:.2f}%", f"{self.seconds / n:.2f}", f"{self.cpu / n:.2f}", sep


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: steadier than wall time on a shared machine."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_plain(path: Path, tessdata: Path | None, lang: str = "vie") -> tuple[str, float, float]:
    start, cpu = time.perf_counter(), cpu_seconds()
    text = ocr.run_plain(path, lang=lang, tessdata=tessdata)
    return text, time.perf_counter() - start, cpu_seconds() - cpu


def run_congvan(path: Path, engine: ocr.Engine) -> tuple[str, float, float]:
    """The ingest recipe for one page: intake, preprocess, OCR (words + reading order)."""
    start, cpu = time.perf_counter(), cpu_seconds()
    source = read_source(path.read_bytes())
    page = source.pages[0]
    prepared = preprocess.prepare_page(page.image, dpi=page.dpi)
    result = ocr.ocr_page(prepared, engine=engine)
    return result.text, time.perf_counter() - start, cpu_seconds() - cpu


def parse_engine(spec: str | None) -> ocr.Engine:
    """'debian:vie', 'debian:Vietnamese', '/path/to/tessdata:vie' or None (ingest.ocr's choice)."""
    if not spec:
        return ocr.default_engine()
    where, _, lang = spec.rpartition(":")
    return ocr.Engine(lang, None if where == "debian" else Path(where))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--letters", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1000, help="first letter seed (held-out: pick another)")
    ap.add_argument("--levels", default="clean,light,medium,heavy")
    ap.add_argument("--systems", default="plain,plain-best,congvan")
    ap.add_argument("--engine", action="append", help="congvan engine(s) to compare, e.g. debian:vie")
    ap.add_argument("--best-data", type=Path, default=None, help="tessdata folder for plain-best")
    ap.add_argument("--worst", type=int, default=0, help="list the N worst pages per system")
    args = ap.parse_args(argv)

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    levels = args.levels.split(",")
    systems = args.systems.split(",")
    engines = {f"congvan[{e}]": parse_engine(e) for e in args.engine} if args.engine else {}
    if "congvan" in systems and not engines:
        engines = {"congvan": ocr.default_engine()}
    best = args.best_data or ocr.tessdata_dir()
    names = [s for s in systems if s != "congvan"] + list(engines)
    if best is None and "plain-best" in names:
        names.remove("plain-best")
    scores = {(n, lv): Score() for n in names for lv in levels}
    total_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="congvan-bench-") as tmp:
        for k in range(args.letters):
            seed = args.seed + k
            letter = synth.make_letter(seed)
            clean_pages = synth.render_pages(letter, seed=seed)
            for level in levels:
                for i, page in enumerate(clean_pages):
                    img = synth.degrade(page.image, level, seed * 100 + i)
                    path = Path(tmp) / f"{seed}-{level}-{i + 1}.png"
                    img.save(path, "PNG")  # no dpi metadata on purpose
                    label = path.name
                    for name in names:
                        if name == "plain":
                            text, secs, cpu = run_plain(path, None)
                        elif name == "plain-best":
                            text, secs, cpu = run_plain(path, best)
                        elif name == "plain-script":
                            text, secs, cpu = run_plain(path, None, lang="Vietnamese")
                        else:
                            text, secs, cpu = run_congvan(path, engines[name])
                        scores[(name, level)].add(text, page.truth, page.blocks, secs, cpu, label)
            print(f"  letter {seed} done ({time.perf_counter() - total_start:.0f} s)", file=sys.stderr)

    print(f"{args.letters} letters × 2 pages per level; engine: {ocr.default_engine()}; "
          f"best data: {best}; tesseract {ocr.tesseract_version()}")
    print(f"{'system':<34} {'level':<7} {'CER':>7} {'WER':>7} {'s/page':>7} {'cpu/pg':>7} {'×plain':>6} {'sep':>5}")
    for name in names:
        for level in levels:
            cer, wer, spp, cpu, sep = scores[(name, level)].row()
            base = scores.get(("plain", level))
            ratio = f"{float(cpu) / (base.cpu / base.pages):.2f}" if base and base.pages and base.cpu else "-"
            print(f"{name:<34} {level:<7} {cer:>7} {wer:>7} {spp:>7} {cpu:>7} {ratio:>6} {sep:>5}")
    if args.worst:
        for name in names:
            worst = sorted((w for lv in levels for w in scores[(name, lv)].worst), reverse=True)[: args.worst]
            print(name, "worst pages:", ", ".join(f"{n} {100 * c:.2f}%" for c, n in worst))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
