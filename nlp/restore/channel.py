"""Query side of the OCR error model: candidates for a token and log P(token | syllable).

``P(o | t)`` is the learned character channel of ``build_channel``; a whole
token is scored against many candidate syllables at once with a vectorised
dynamic programme (each true character emits 0, 1 or 2 OCR characters).
Candidates are the inventory syllables whose stripped form is within two
edits of the token's stripped form, ranked by channel score.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from nlp.restore.build_channel import Smoothed
from nlp.restore.syllables import strip_marks

NEG = -1e9
LONG = 5  # tokens this long may be three edits from their syllable ("chite" for "chức")


class Channel:
    """One learned profile (``legacy`` or ``mild``) of the character channel."""

    def __init__(self, profile: dict, syllables: list[str]):
        counts = {t: dict(c) for t, c in profile["counts"].items()}
        self.smoothed = Smoothed(counts, float(profile["alpha"]), float(profile.get("gamma", 20.0)))
        chars = sorted(set("".join(syllables)) | set(counts))
        self.chars = chars
        self.char_index = {c: i for i, c in enumerate(chars)}
        self.delete = np.array([self._logp("", t) for t in chars], dtype=np.float32)
        self.column = lru_cache(maxsize=50_000)(self._column)

    def _logp(self, o: str, t: str) -> float:
        return self.smoothed.logp(o, t)

    def _column(self, o: str) -> np.ndarray:
        """log P(o | t) for every true character t."""
        return np.array([self._logp(o, t) for t in self.chars], dtype=np.float32)

    def score(self, token: str, cand: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """log P(token | syllable) for each candidate (rows of char indices, padded)."""
        m = len(token)
        n_cand, width = cand.shape
        s1 = np.stack([self.column(token[j]) for j in range(m)], axis=1) if m else None
        s2 = (np.stack([self.column(token[j:j + 2]) for j in range(m - 1)], axis=1)
              if m > 1 else None)
        v = np.full((n_cand, m + 1), NEG, dtype=np.float32)
        v[:, 0] = 0.0
        for i in range(width):
            t = cand[:, i]
            new = v + self.delete[t][:, None]
            if m:
                np.maximum(new[:, 1:], v[:, :-1] + s1[t], out=new[:, 1:])
            if m > 1:
                np.maximum(new[:, 2:], v[:, :-2] + s2[t], out=new[:, 2:])
            active = (i < lengths)[:, None]
            v = np.where(active, new, v)
        return v[:, m]


class Candidates:
    """Candidate syllables for a token, by exact stripped form or within learned edits."""

    def __init__(self, syllables: list[str], unigram_logp: np.ndarray, channels: dict[str, Channel]):
        self.syllables = syllables
        self.unigram = unigram_logp
        self.channels = channels
        self.by_form: dict[str, list[int]] = {}
        for i, s in enumerate(syllables):
            self.by_form.setdefault(strip_marks(s), []).append(i)
        self.forms = list(self.by_form)
        self._cache: dict[tuple[str, str, int], tuple[list[int], np.ndarray]] = {}
        self._encoded: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def exact(self, skeleton: str) -> list[int]:
        return self.by_form.get(skeleton, [])

    def _encode(self, profile: str, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        if profile not in self._encoded:
            ch = self.channels[profile]
            width = max(len(x) for x in self.syllables)
            table = np.zeros((len(self.syllables), width), dtype=np.int64)
            for k, syl in enumerate(self.syllables):
                table[k, :len(syl)] = [ch.char_index.get(c, 0) for c in syl]
            self._encoded[profile] = (table, np.array([len(x) for x in self.syllables]))
        table, lengths = self._encoded[profile]
        idx = np.asarray(ids)
        sel = lengths[idx]
        return table[idx, :sel.max()], sel

    def noisy(self, token: str, profile: str, limit: int, max_edits: int = 2) -> tuple[list[int], np.ndarray]:
        """Up to ``limit`` syllables for OCR ``token`` (lower case) with log P(token | syllable)."""
        key = (token, profile, limit)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        skeleton = strip_marks(token)
        edits = 1 if len(skeleton) < 2 else (max_edits + 1 if len(skeleton) >= LONG else max_edits)
        near = process.extract(skeleton, self.forms, scorer=Levenshtein.distance,
                               score_cutoff=edits, limit=None)
        ids = [i for form, _, _ in near for i in self.by_form[form]]
        if not ids:
            result = ([], np.zeros(0, dtype=np.float32))
        else:
            cand, lengths = self._encode(profile, ids)
            chan = self.channels[profile].score(token, cand, lengths)
            rank = chan + 0.3 * self.unigram[ids]
            order = np.argsort(-rank, kind="stable")[:limit]
            result = ([ids[k] for k in order], chan[order])
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[key] = result
        return result
