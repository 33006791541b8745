"""Diacritic restoration and OCR correction for Vietnamese letters.

>>> from nlp.restore import restore_text
>>> restore_text("Uy ban nhan dan tinh").text
'Ủy ban nhân dân tỉnh'

A noisy-channel corrector: a syllable 4-gram model (modified Kneser-Ney,
trained on legal and administrative text, plus news for names and general
words) and a character error model of OCR damage learned from rendered and
re-OCR'd corpus text, searched with a beam over whole paragraphs (context
flows across line breaks). The output has exactly the lines of the input;
each changed syllable is reported with a confidence. Rebuild the model with
``python -m nlp.train``; see nlp/restore/data/README.md.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class Change:
    line: int          # 0-based line index
    start: int         # character offsets in the OUTPUT line
    end: int
    before: str
    after: str
    confidence: float  # 0..1, posterior-like share of the chosen syllable


@dataclass
class RestoredText:
    text: str
    changes: list[Change] = field(default_factory=list)


_lock = threading.Lock()
_decoder = None


def _latest(pattern: str) -> Path:
    found = sorted(DATA_DIR.glob(pattern))
    if not found:
        raise FileNotFoundError(f"no model file {pattern} in {DATA_DIR}; run python -m nlp.train")
    return found[-1]


def load_decoder():
    """Load the committed model once (thread-safe); later calls return the same decoder."""
    global _decoder
    with _lock:
        if _decoder is None:
            import numpy as np

            from nlp.restore.channel import Candidates, Channel
            from nlp.restore.decode import Decoder
            from nlp.restore.lm import NgramLM

            with np.load(_latest("lm-*.npz")) as z:
                arrays = {k: z[k] for k in z.files}
            vocab = str(arrays["vocab"]).split("\n")
            syllables = str(arrays["syllables"]).split("\n")
            lm = NgramLM(arrays, vocab)
            counts = arrays["counts"].astype(np.float64)
            index = {w: i for i, w in enumerate(vocab)}
            unigram = np.log(np.array([counts[index[s]] for s in syllables]) / counts.sum())
            model = json.loads(_latest("channel-*.json").read_text(encoding="utf-8"))
            channels = {name: Channel(model[name], syllables) for name in ("legacy", "mild")}
            _decoder = Decoder(lm, Candidates(syllables, unigram, channels), model.get("abbreviations", {}))
        return _decoder


def restore_text(text: str) -> RestoredText:
    """Restore diacritics and correct OCR damage; line i of the output corrects line i of the input.

    >>> restore_text("S6: 12/UBND-VP ngay 20 thing 4").text
    'Số: 12/UBND-VP ngày 20 tháng 4'
    """
    if not text.strip():
        return RestoredText(text, [])
    return load_decoder().restore(text)
