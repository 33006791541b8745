"""Noisy-channel decoding: a lattice of candidate syllables, searched with the n-gram model.

Recipe of ``restore_text``:
  0. ``clean_text``      NFC, invisible characters, ligatures, modern tone placement
  1. ``tokenize_text``   tokens of every line, with line number and offsets
  2. ``choose_profile``  stripped text, legacy OCR, or text that is mostly right
  3. ``build_slot``      per token the candidate syllables with channel scores
  4. ``viterbi``         beam search over each paragraph (context flows across line breaks)
  5. ``confidences``     a posterior-like margin for every changed syllable
  6. ``render_lines``    the same lines, tokens replaced in place, case pattern kept
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from nlp.clean import clean_text
from nlp.restore.syllables import (has_marks, lm_token, normalize_word, split_tokens,
                                   strip_marks, token_kind)


@dataclass
class Settings:
    """Decoder weights, tuned on held-out synthetic OCR and held-out corpus text."""
    beam: int = 10
    margin: float = 12.0            # hypotheses this far (nats) below the best are dropped
    limit: int = 50                 # candidates per token from the error model
    # < 1 flattens the channel: real scans are noisier than the synthetic pages it was learned on
    channel_weight: dict = field(default_factory=lambda: {"legacy": 0.7, "mild": 1.0})
    # keeping a token the inventory does not know, when it has candidates
    keep_penalty: dict = field(default_factory=lambda: {"legacy": 9.0, "mild": 3.0, "stripped": 8.0})
    number_as_word_penalty: float = 4.0
    split_penalty: float = 4.0      # reading one OCR token as two syllables ("vucy" -> "vụ cụ")
    split_limit: int = 6
    # a line break may end a paragraph ("Bước 3" above "Tiếp nhận hồ sơ"); the LM decides, at this cost
    break_penalty: float = 2.0


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
    ids2: np.ndarray | None = None  # second LM id of candidates that split a merged token, else -1
    is_break: bool = False          # a line break: the paragraph goes on, or ends (</s> <s>) here


_ABBR_PART = re.compile(r"[A-ZĐ]{2,8}")
# Latin letters (with Vietnamese marks), digits and the junk OCR puts inside words
_LATIN = re.compile(r"^[0-9A-Za-z\u00C0-\u024F\u1E00-\u1EFF\u0300-\u036F¢©@€&£']+$")


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
    words = [t.text for p in paragraphs for t in p if token_kind(t.text) == "mixed" or (
        token_kind(t.text) == "word" and not _is_abbreviation(t.text, known_forms))]
    if not words:
        return "mild"
    marked = sum(1 for w in words if has_marks(w)) / len(words)
    junk = sum(1 for w in words if strip_marks(w.lower()) not in known_forms) / len(words)
    if marked < 0.03 and junk < 0.05:
        return "stripped"
    if marked >= 0.45:
        return "mild"
    return "legacy"


def _is_abbreviation(word: str, known_forms) -> bool:
    """"UBND", "MTTQ": upper case and no syllable's stripped form."""
    return len(word) > 1 and word.isupper() and strip_marks(word.lower()) not in known_forms


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
        self._slot_cache: dict[tuple[str, str], tuple] = {}

    # -- lattice -------------------------------------------------------------------------
    def _fixed(self, token: Token, lm_tok: str, word: str | None = None) -> tuple:
        return [word], np.array([self.lm.id(lm_tok)]), np.zeros(1, dtype=np.float32), True, None

    def build_slot(self, token: Token, profile: str) -> Slot:
        key = (token.text, profile)
        cached = self._slot_cache.get(key)
        if cached is None:
            cached = self._candidates(token, profile)
            if len(self._slot_cache) > 100_000:
                self._slot_cache.clear()
            self._slot_cache[key] = cached
        return Slot(token, *cached)

    def _candidates(self, token: Token, profile: str) -> tuple:
        """(words, LM ids, channel scores, literal, second ids) of a token: a Slot without its token."""
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
            if fixed != text or strip_marks(text.lower()) not in self.cands.by_form:
                return self._fixed(token, normalize_word(fixed), None if fixed == text else fixed)
        if len(text) > 14 or not _LATIN.match(text):
            return self._fixed(token, lm_token(text))  # no syllable (or two) is this long; other scripts
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
        ids2 = None
        if profile != "stripped" and keep_needed and len(norm) >= 4 and s.split_limit:
            pairs = self._split_candidates(norm, profile)
            if pairs:
                ids2 = np.array([-1] * len(words) + [p[2] for p in pairs], dtype=np.int64)
                words.extend(p[0] for p in pairs)
                lm_ids.extend(p[1] for p in pairs)
                chan = np.append(chan, [p[3] for p in pairs])
        return words, np.array(lm_ids, dtype=np.int64), chan.astype(np.float32), False, ids2

    def _split_candidates(self, norm: str, profile: str) -> list[tuple[str, int, int, float]]:
        """Two-syllable readings of a token OCR glued together: (words, id1, id2, channel)."""
        s = self.settings
        weight = s.channel_weight[profile]
        found = []
        for k in range(2, len(norm) - 1):
            left, right = norm[:k], norm[k:]
            lids, lchan = self.cands.noisy(left, profile, 3)
            rids, rchan = self.cands.noisy(right, profile, 3)
            for i, ci in zip(lids, lchan):
                for j, cj in zip(rids, rchan):
                    score = weight * float(ci + cj) - s.split_penalty
                    prior = float(self.cands.unigram[i] + self.cands.unigram[j])
                    found.append((score + 0.3 * prior, score, i, j))
        found.sort(key=lambda x: -x[0])
        return [(f"{self.cands.syllables[i]} {self.cands.syllables[j]}", int(self.syllable_ids[i]),
                 int(self.syllable_ids[j]), score) for _, score, i, j in found[:s.split_limit]]

    def _extend_slot(self, state, slot: Slot):
        """LM scores and next states of a slot; two-syllable candidates take two steps."""
        logp, nxt = self.lm.extend(state, slot.ids)
        if slot.ids2 is None:
            return logp, nxt
        b, k = len(state[0]), len(slot.ids)
        two = np.nonzero(slot.ids2 >= 0)[0]
        logp = np.broadcast_to(logp, (b, k)).copy()
        nxt = [np.broadcast_to(x, (b, k)).copy() for x in nxt]
        lp2, nx2 = self.lm.extend_pairs(tuple(x[:, two].ravel() for x in nxt), np.tile(slot.ids2[two], b))
        logp[:, two] += lp2.reshape(b, -1)
        for n, x in enumerate(nx2):
            nxt[n][:, two] = x.reshape(b, -1)
        return logp, nxt

    # -- search --------------------------------------------------------------------------
    def viterbi(self, slots: list[Slot]) -> tuple[list[int], list[tuple[np.ndarray, ...]]]:
        """Best candidate per slot (beam search, equal LM states recombined), and the LM state
        before each slot on the best path."""
        lm, beam, margin = self.lm, self.settings.beam, self.settings.margin
        state = lm.start_state()
        score = np.zeros(1, dtype=np.float32)
        history: list[tuple[np.ndarray, np.ndarray]] = []
        states: list[tuple[np.ndarray, ...]] = []
        for slot in slots:
            states.append(state)
            if slot.is_break:
                state, score, prev, cand = self._break_step(state, score)
                history.append((prev, cand))
                continue
            logp, nxt = self._extend_slot(state, slot)
            total = (score[:, None] + slot.channel[None, :]) + logp
            k = total.shape[1]
            flat = total.ravel()
            if k == 1:  # one candidate: every hypothesis goes on, none can merge in a way that matters
                keep = np.arange(len(flat))
                prev, cand = keep, np.zeros(len(flat), dtype=np.int64)
            else:
                order = np.argsort(-flat, kind="stable")
                order = order[flat[order] > flat[order[0]] - margin]
                keys = self._state_keys(nxt, total.shape).ravel()[order]
                _, first = np.unique(keys, return_index=True)
                keep = order[np.sort(first)[:beam]]
                prev, cand = np.divmod(keep, k)
            history.append((prev, cand))
            first = nxt[0][0, cand] if nxt[0].shape[0] == 1 else nxt[0][prev, cand]
            state = (first,) + tuple(s[prev, cand] for s in nxt[1:])
            score = flat[keep]
        best = int(np.argmax(score))  # one-candidate steps do not re-sort the beam
        choice = [0] * len(slots)
        path_states = [None] * len(slots)
        for i in range(len(slots) - 1, -1, -1):
            prev, cand = history[i]
            choice[i] = int(cand[best])
            best = int(prev[best])
            path_states[i] = tuple(s[best:best + 1] for s in states[i])
        return choice, path_states

    def _break_step(self, state, score):
        """Every hypothesis goes on over the line break (candidate 0); the best one that ends the
        paragraph there (candidate 1: </s>, then <s>) joins them."""
        lm, s = self.lm, self.settings
        logp, _ = lm.extend(state, np.array([lm.eos]))
        ended = score + logp[:, 0] - s.break_penalty
        b = int(np.argmax(ended))
        n = len(score)
        prev = np.append(np.arange(n), b)
        cand = np.append(np.zeros(n, dtype=np.int64), 1)
        new_score = np.append(score, ended[b]).astype(np.float32)
        start = lm.start_state()
        new_state = tuple(np.append(x, y) for x, y in zip(state, start))
        keep = np.argsort(-new_score, kind="stable")[: s.beam]
        keep = keep[new_score[keep] > new_score[keep[0]] - s.margin]
        return tuple(x[keep] for x in new_state), new_score[keep], prev[keep], cand[keep]

    @staticmethod
    def _state_keys(nxt, shape) -> np.ndarray:
        """One integer per distinct LM state: the longest known history identifies it."""
        big = np.int64(1 << 40)
        key = nxt[0] + big * len(nxt)
        for n, s in enumerate(nxt[1:], start=1):
            key = np.where(s >= 0, s + big * (len(nxt) - 1 - n), key)
        return np.broadcast_to(key, shape)

    def confidences(self, slots: list[Slot], choice: list[int], path_states, changed: list[int]) -> dict[int, float]:
        """Posterior of the chosen candidate against the others of its slot, with the chosen
        neighbours fixed (full left context, three words of right context); all slots at once."""
        if not changed:
            return {}
        lm = self.lm
        rows_slot, rows_word, rows_chan, rows_word2 = [], [], [], []
        state_rows = [[] for _ in range(lm.order - 1)]
        for i in changed:
            slot = slots[i]
            k = len(slot.ids)
            rows_slot.extend([i] * k)
            rows_word.append(slot.ids)
            rows_chan.append(slot.channel)
            rows_word2.append(slot.ids2 if slot.ids2 is not None else np.full(k, -1, dtype=np.int64))
            for n in range(lm.order - 1):
                state_rows[n].append(np.repeat(path_states[i][n], k))
        rows_slot = np.array(rows_slot)
        state = tuple(np.concatenate(x) for x in state_rows)
        total, nxt = lm.extend_pairs(state, np.concatenate(rows_word))
        total = total + np.concatenate(rows_chan)
        second = np.concatenate(rows_word2)
        two = second >= 0
        if two.any():
            lp2, nx2 = lm.extend_pairs(tuple(x[two] for x in nxt), second[two])
            total[two] += lp2
            nxt = [x.copy() for x in nxt]
            for n, x in enumerate(nx2):
                nxt[n][two] = x
        ok = np.ones(len(rows_slot), dtype=bool)
        for step in range(1, 4):
            nxt_idx = rows_slot + step
            ok &= nxt_idx < len(slots)
            nxt_idx = np.minimum(nxt_idx, len(slots) - 1)
            ok &= np.array([not slots[j].is_break for j in nxt_idx])  # right context ends at a break
            words = np.array([slots[j].ids[choice[j]] if ok[r] else self.lm.eos
                              for r, j in enumerate(nxt_idx)])
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

        text = clean_text(text)  # NFC, invisible characters, ligatures, modern tone placement
        lines, paragraphs = tokenize_text(text)
        profile = choose_profile(paragraphs, self.cands.by_form)
        replacements: dict[int, list[tuple[Token, str, float]]] = {}
        line_break = Slot(None, [None, None], np.array([-1, self.lm.eos]), np.zeros(2, dtype=np.float32),
                          is_break=True)
        for para in paragraphs:
            slots = []
            for k, tok in enumerate(para):
                if k and tok.line != para[k - 1].line:
                    slots.append(line_break)
                slots.append(self.build_slot(tok, profile))
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
