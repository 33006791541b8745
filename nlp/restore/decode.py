"""Noisy-channel decoding: a lattice of candidate syllables, searched with the n-gram model.

Recipe of ``restore_text``:
  1. ``tokenize_text``   tokens of every line, with line number and offsets
  2. ``choose_profile``  stripped text, legacy OCR, or text that is mostly right
  3. ``build_slots``     per token the candidate syllables with channel scores
  4. ``viterbi``         beam search over each paragraph (context flows across line breaks)
  5. ``confidences``     a posterior-like margin for every changed syllable
  6. ``render_lines``    the same lines, tokens replaced in place, case pattern kept
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from nlp.restore.syllables import (has_marks, is_syllable, lm_token, normalize_word, split_tokens,
                                   strip_marks, token_kind)


@dataclass
class Settings:
    """Decoder weights, tuned on held-out synthetic OCR and held-out corpus text."""
    beam: int = 10
    limit: int = 12                 # candidates per token from the error model
    channel_weight: dict = field(default_factory=lambda: {"legacy": 1.0, "mild": 1.0})
    # keeping a token the inventory does not know, when it has candidates
    keep_penalty: dict = field(default_factory=lambda: {"legacy": 6.0, "mild": 3.0, "stripped": 8.0})
    number_as_word_penalty: float = 4.0


@dataclass
class Token:
    line: int
    start: int
    end: int
    text: str


@dataclass
class Slot:
    token: Token | None             # None for the paragraph end
    words: list[str | None]         # output (lower case) per candidate; None keeps the token
    ids: np.ndarray                 # LM ids per candidate
    channel: np.ndarray             # channel log-probabilities per candidate
    literal: bool = False           # words are exact output (restored symbols), not lower case


_BLANK = re.compile(r"^\W*$")
_ABBR_PART = re.compile(r"[A-ZĐ]{2,8}")


def tokenize_text(text: str) -> tuple[list[str], list[list[Token]]]:
    """Lines (``str.splitlines``) and paragraphs of tokens; a blank line ends a paragraph."""
    lines = text.splitlines()
    paragraphs: list[list[Token]] = [[]]
    for n, line in enumerate(lines):
        if not line.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        for start, end, tok in split_tokens(line):
            paragraphs[-1].append(Token(n, start, end, tok))
    return lines, [p for p in paragraphs if p]


def choose_profile(paragraphs: list[list[Token]], known_forms) -> str:
    """"stripped" (no marks, no OCR junk), "mild" (mostly marked: correct text or a good OCR),
    else "legacy"."""
    words = [t.text for p in paragraphs for t in p if token_kind(t.text) in ("word", "mixed")
             and not t.text.isupper()]
    if not words:
        return "mild"
    marked = sum(1 for w in words if has_marks(w)) / len(words)
    junk = sum(1 for w in words if strip_marks(w.lower()) not in known_forms) / len(words)
    if marked < 0.03 and junk < 0.05:
        return "stripped"
    if marked >= 0.45:
        return "mild"
    return "legacy"


def restore_abbreviation(tok: str, abbreviations: dict[str, str]) -> str:
    """Put back Đ in the upper-case parts of a symbol where the corpus always writes it (QD -> QĐ)."""
    return _ABBR_PART.sub(lambda m: abbreviations.get(m.group(), m.group()), tok)


def apply_case(pattern: str, word: str) -> str:
    letters = [c for c in pattern if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if pattern[:1].isupper() or (letters and letters[0].isupper() and not pattern[:1].isalpha()):
        return word[:1].upper() + word[1:]
    return word


class Decoder:
    def __init__(self, lm, candidates, abbreviations: dict[str, str], settings: Settings | None = None):
        self.lm = lm
        self.cands = candidates
        self.abbreviations = abbreviations
        self.settings = settings or Settings()
        self.syllable_ids = np.array([lm.id(s) for s in candidates.syllables], dtype=np.int64)
        self.inventory = set(candidates.syllables)
        self._fixed_cache: dict[str, int] = {}

    # -- lattice -------------------------------------------------------------------------
    def _fixed(self, token: Token, lm_tok: str, word: str | None = None) -> Slot:
        return Slot(token, [word], np.array([self.lm.id(lm_tok)]), np.zeros(1, dtype=np.float32),
                    literal=True)

    def build_slot(self, token: Token, profile: str) -> Slot:
        s = self.settings
        text = token.text
        kind = token_kind(text)
        if kind == "code":
            fixed = restore_abbreviation(text, self.abbreviations)
            return self._fixed(token, "<code>", None if fixed == text else fixed)
        if kind == "punct":
            return self._fixed(token, lm_token(text))
        if kind == "num":
            if profile != "legacy" or len(text) > 2:
                return self._fixed(token, "<num>")
        letters = [c for c in text if c.isalpha()]
        if kind == "mixed" and len(letters) > 2 and all(c.isupper() for c in letters):
            return self._fixed(token, "<code>")  # "CN&CTTĐT", "VN2000"
        if kind == "word" and len(letters) > 1 and all(c.isupper() for c in letters):
            fixed = restore_abbreviation(text, self.abbreviations)
            if fixed != text or not is_syllable(strip_marks(text.lower())):
                return self._fixed(token, normalize_word(fixed), None if fixed == text else fixed)
        low = text.lower()
        norm = normalize_word(text) if kind == "word" else low
        if profile == "stripped":
            if kind != "word":
                return self._fixed(token, lm_token(text))
            ids = self.cands.exact(norm)
            words = [self.cands.syllables[i] for i in ids]
            chan = np.zeros(len(ids), dtype=np.float32)
            keep_needed = norm not in words
        else:
            ids, chan = self.cands.noisy(norm, profile, s.limit)
            words = [self.cands.syllables[i] for i in ids]
            chan = chan * s.channel_weight[profile]
            keep_needed = norm not in words
        lm_ids = [int(self.syllable_ids[i]) for i in ids]
        if keep_needed:
            keep_id = self.lm.id(lm_token(text))
            penalty = s.keep_penalty[profile] if words and kind != "num" else 0.0
            words.append(None)
            lm_ids.append(keep_id)
            chan = np.append(chan, -penalty).astype(np.float32)
        if kind == "num":
            chan[:-1] -= s.number_as_word_penalty
        words = [None if w == norm else w for w in words]
        return Slot(token, words, np.array(lm_ids, dtype=np.int64), chan.astype(np.float32))

    # -- search --------------------------------------------------------------------------
    def viterbi(self, slots: list[Slot]) -> tuple[list[int], list[tuple[np.ndarray, ...]]]:
        """Best candidate per slot (beam search, equal LM states recombined), and the LM state
        before each slot on the best path."""
        lm, beam = self.lm, self.settings.beam
        state = lm.start_state()
        score = np.zeros(1, dtype=np.float32)
        history: list[tuple[np.ndarray, np.ndarray]] = []
        states: list[tuple[np.ndarray, ...]] = []
        for slot in slots:
            states.append(state)
            logp, nxt = lm.extend(state, slot.ids)
            total = (score[:, None] + slot.channel[None, :]) + logp
            k = total.shape[1]
            flat = total.ravel()
            if flat.size == 1:
                prev = cand = np.zeros(1, dtype=np.int64)
                keep = prev
            else:
                order = np.argsort(-flat, kind="stable")
                keys = self._state_keys(nxt, total.shape).ravel()[order]
                _, first = np.unique(keys, return_index=True)
                keep = order[np.sort(first)[:beam]]
                prev, cand = np.divmod(keep, k)
            history.append((prev, cand))
            state = (slot.ids[cand],) + tuple(np.broadcast_to(s, total.shape)[prev, cand] for s in nxt[1:])
            score = flat[keep]
        best = 0
        choice = [0] * len(slots)
        path_states = [None] * len(slots)
        for i in range(len(slots) - 1, -1, -1):
            prev, cand = history[i]
            choice[i] = int(cand[best])
            best = int(prev[best])
            path_states[i] = tuple(s[best:best + 1] for s in states[i])
        return choice, path_states

    @staticmethod
    def _state_keys(nxt, shape) -> np.ndarray:
        """One integer per distinct LM state: the longest known history identifies it."""
        big = np.int64(1 << 40)
        key = np.broadcast_to(nxt[0], shape).astype(np.int64) + big * len(nxt)
        for n, s in enumerate(nxt[1:], start=1):
            key = np.where(s >= 0, s + big * (len(nxt) - 1 - n), key)
        return key

    def confidences(self, slots: list[Slot], choice: list[int], path_states, changed: list[int]) -> dict[int, float]:
        """Posterior of the chosen candidate against the others of its slot, with the chosen
        neighbours fixed (full left context, three words of right context); all slots at once."""
        if not changed:
            return {}
        lm = self.lm
        rows_slot, rows_word, rows_chan = [], [], []
        state_rows = [[] for _ in range(lm.order - 1)]
        for i in changed:
            slot = slots[i]
            k = len(slot.ids)
            rows_slot.extend([i] * k)
            rows_word.append(slot.ids)
            rows_chan.append(slot.channel)
            for n in range(lm.order - 1):
                state_rows[n].append(np.repeat(path_states[i][n], k))
        rows_slot = np.array(rows_slot)
        state = tuple(np.concatenate(x) for x in state_rows)
        total, nxt = lm.extend_pairs(state, np.concatenate(rows_word))
        total = total + np.concatenate(rows_chan)
        for step in range(1, 4):
            nxt_idx = rows_slot + step
            ok = nxt_idx < len(slots)
            nxt_idx = np.minimum(nxt_idx, len(slots) - 1)
            words = np.array([slots[j].ids[choice[j]] for j in nxt_idx])
            lp, nxt = lm.extend_pairs(tuple(nxt), words)
            total = total + np.where(ok, lp, 0.0)
        out = {}
        pos = 0
        for i in changed:
            k = len(slots[i].ids)
            t = total[pos:pos + k]
            t = np.exp(t - t.max())
            out[i] = float(t[choice[i]] / t.sum())
            pos += k
        return out

    # -- the recipe ----------------------------------------------------------------------
    def restore(self, text: str):
        from nlp.restore import Change, RestoredText

        text = unicodedata.normalize("NFC", text)
        lines, paragraphs = tokenize_text(text)
        profile = choose_profile(paragraphs, self.cands.by_form)
        replacements: dict[int, list[tuple[Token, str, float]]] = {}
        for para in paragraphs:
            slots = [self.build_slot(tok, profile) for tok in para]
            slots.append(Slot(None, [None], np.array([self.lm.eos]), np.zeros(1, dtype=np.float32)))
            choice, path_states = self.viterbi(slots)
            changed = []
            for i, (slot, c) in enumerate(zip(slots, choice)):
                if slot.token is None:
                    continue
                word = slot.words[c]
                if word is None:
                    continue
                out = word if slot.literal else apply_case(slot.token.text, word)
                if out != slot.token.text:
                    changed.append((i, out))
            conf = self.confidences(slots, choice, path_states, [i for i, _ in changed])
            for i, out in changed:
                tok = slots[i].token
                replacements.setdefault(tok.line, []).append((tok, out, conf[i]))
        return render_lines(text, lines, replacements, Change, RestoredText)


def render_lines(text, lines, replacements, change_cls, result_cls):
    out_lines = []
    changes = []
    for n, line in enumerate(lines):
        reps = sorted(replacements.get(n, []), key=lambda r: r[0].start)
        pieces, pos, shift = [], 0, 0
        for tok, new, conf in reps:
            pieces.append(line[pos:tok.start])
            start = tok.start + shift
            pieces.append(new)
            changes.append(change_cls(line=n, start=start, end=start + len(new), before=tok.text,
                                      after=new, confidence=round(min(max(conf, 0.0), 1.0), 4)))
            shift += len(new) - len(tok.text)
            pos = tok.end
        pieces.append(line[pos:])
        out_lines.append("".join(pieces))
    trailing = "\n" if text and text.splitlines(keepends=True)[-1] != lines[-1] else ""
    out = "\n".join(out_lines) + trailing
    if len(out.splitlines()) < len(lines):
        out += "\n"
    return result_cls(out, changes)
