"""Query side of the syllable n-gram model built by ``build_lm`` (numpy only).

A decoder state is, for each order k < N, the index of the last k tokens in
the order-k table (or -1 when that k-gram is not in the model). Extending a
batch of states by a batch of tokens gives the natural-log probabilities and
the next states in one pass of ``searchsorted`` per order.
"""
from __future__ import annotations

import numpy as np

BITS = 15
LN10 = float(np.log(10.0))


class NgramLM:
    def __init__(self, arrays: dict, vocab: list[str]):
        self.vocab = vocab
        self.index = {w: i for i, w in enumerate(vocab)}
        self.order = int(arrays["order"])
        self.keys: dict[int, np.ndarray] = {}
        self.logp: dict[int, np.ndarray] = {}
        self.bow: dict[int, np.ndarray] = {}
        for n in range(1, self.order + 1):
            self.logp[n] = (arrays[f"p{n}"].astype(np.float32) * LN10).astype(np.float32)
            if n < self.order:
                # one extra 0 at the end: a missing history (index -1) backs off for free
                self.bow[n] = np.append(arrays[f"bow{n}"].astype(np.float32) * LN10, np.float32(0.0))
            if n > 1:
                prefix = np.cumsum(arrays[f"prefix_delta{n}"], dtype=np.int64)
                self.keys[n] = (prefix << BITS) | arrays[f"last{n}"].astype(np.int64)
        self.unk = self.index["<unk>"]
        self.bos = self.index["<s>"]
        self.eos = self.index["</s>"]

    def start_state(self) -> tuple[np.ndarray, ...]:
        """State of a paragraph start: history "<s>"."""
        return (np.array([self.bos], dtype=np.int64),) + tuple(
            np.array([-1], dtype=np.int64) for _ in range(self.order - 2))

    def id(self, token: str) -> int:
        return self.index.get(token, self.unk)

    def extend(self, state: tuple[np.ndarray, ...], words: np.ndarray):
        """Log p(word | state) for every (state, word) pair, shape (B, K), and the next states.

        The next state of order 1 is returned as shape (1, K) (it is the word itself);
        the others as (B, K). A history index of -1 makes a negative key, which matches
        nothing, and picks the trailing 0 of the back-off table.
        """
        words = np.asarray(words, dtype=np.int64)
        logp = self.logp[1][words][None, :]
        next_state = [words[None, :]]
        for n in range(2, self.order + 1):
            hist = state[n - 2]
            key = (hist[:, None] << BITS) | words[None, :]
            table = self.keys[n]
            pos = table.searchsorted(key)
            np.minimum(pos, len(table) - 1, out=pos)
            hit = table[pos] == key
            logp = np.where(hit, self.logp[n][pos], logp + self.bow[n - 1][hist][:, None])
            if n < self.order:
                next_state.append(np.where(hit, pos, -1))
        return logp, next_state

    def extend_pairs(self, state: tuple[np.ndarray, ...], words: np.ndarray):
        """Like ``extend`` but element-wise: state i extended by word i, shapes (N,)."""
        words = np.asarray(words, dtype=np.int64)
        logp = self.logp[1][words]
        next_state = [words]
        for n in range(2, self.order + 1):
            hist = state[n - 2]
            key = (hist << BITS) | words
            table = self.keys[n]
            pos = np.minimum(table.searchsorted(key), len(table) - 1)
            hit = table[pos] == key
            logp = np.where(hit, self.logp[n][pos], logp + self.bow[n - 1][hist])
            if n < self.order:
                next_state.append(np.where(hit, pos, -1))
        return logp, next_state

    def score_tokens(self, tokens: list[str]) -> float:
        """Total natural-log probability of one paragraph (with </s>); for tests and tuning."""
        state = self.start_state()
        total = 0.0
        for tok in tokens + ["</s>"]:
            logp, nxt = self.extend_pairs(state, np.array([self.id(tok)]))
            total += float(logp[0])
            state = tuple(nxt)
        return total
