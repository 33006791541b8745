"""Estimate an interpolated modified Kneser-Ney syllable n-gram model (training only).

Counting and smoothing are done on whole numpy arrays of packed n-gram keys
(15 bits per token, so up to 4-grams fit in an int64). The result is pruned
(count cut-offs on the highest orders, back-off weights renormalised), stored
as float16 log10 values in a trie: an n-gram is (index of its (n-1)-gram
prefix, last token), which is what ``nlp.restore.lm.NgramLM`` searches.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

import numpy as np

BITS = 15
MAX_VOCAB = (1 << BITS) - 2  # the last id is a pad that never occurs
SPECIALS = ["<unk>", "<s>", "</s>", "<num>", "<code>", "<p>"]
UNK, BOS, EOS = 0, 1, 2


def build_vocab(token_counts: Counter, size: int, min_count: int) -> list[str]:
    words = [w for w, c in sorted(token_counts.items(), key=lambda kv: (-kv[1], kv[0]))
             if c >= min_count and w not in SPECIALS]
    return SPECIALS + words[: min(size, MAX_VOCAB) - len(SPECIALS)]


def encode(paragraphs: Iterable[list[str]], vocab: list[str]) -> np.ndarray:
    """One int32 array: <s> w1 … wk </s> for every paragraph, unknown words as <unk>."""
    index = {w: i for i, w in enumerate(vocab)}
    chunks, buf = [], []
    for toks in paragraphs:
        buf.append(BOS)
        buf.extend(index.get(t, UNK) for t in toks)
        buf.append(EOS)
        if len(buf) > 1_000_000:
            chunks.append(np.asarray(buf, dtype=np.int32))
            buf = []
    chunks.append(np.asarray(buf, dtype=np.int32))
    return np.concatenate(chunks)


def count_ngrams(ids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique packed keys of order n and their raw counts (no n-gram crosses a paragraph)."""
    length = len(ids) - n + 1
    key = np.zeros(length, dtype=np.int64)
    ok = np.ones(length, dtype=bool)
    for k in range(n):
        col = ids[k:k + length].astype(np.int64)
        key = (key << BITS) | col
        if k < n - 1:
            ok &= col != EOS
        if k > 0:
            ok &= col != BOS
    ok &= ids[:length] != EOS
    key = key[ok]
    keys, counts = np.unique(key, return_counts=True)
    return keys, counts.astype(np.int64)


def _discounts(counts: np.ndarray) -> np.ndarray:
    n = [np.count_nonzero(counts == k) for k in (1, 2, 3, 4)]
    n = [max(x, 1) for x in n]
    y = n[0] / (n[0] + 2 * n[1])
    d = np.array([0.0, 1 - 2 * y * n[1] / n[0], 2 - 3 * y * n[2] / n[1], 3 - 4 * y * n[3] / n[2]])
    return np.clip(d, 0.0, None)


def _group_stats(ctx: np.ndarray, adj: np.ndarray, d: np.ndarray):
    """Per context: total adjusted count and interpolation weight gamma."""
    uctx, inv = np.unique(ctx, return_inverse=True)
    total = np.bincount(inv, weights=adj.astype(np.float64))
    disc = d[np.minimum(adj, 3)]
    mass = np.bincount(inv, weights=disc)
    return uctx, inv, total, mass / total


def estimate(ids: np.ndarray, order: int, vocab_size: int, keep_min: dict[int, int]) -> dict:
    """Return {n: (keys, log10p, log10bow or None)} of the pruned model, keys packed ints."""
    raw = {n: count_ngrams(ids, n) for n in range(1, order + 1)}
    adj = {order: raw[order][1]}
    for n in range(order - 1, 0, -1):
        keys, counts = raw[n]
        hk = raw[n + 1][0]
        suffix = hk & ((1 << (BITS * n)) - 1)
        su, sc = np.unique(suffix, return_counts=True)
        pos = np.searchsorted(su, keys)
        pos = np.minimum(pos, len(su) - 1)
        has = su[pos] == keys
        first = keys >> (BITS * (n - 1))
        a = np.where(has & (first != BOS), sc[pos], counts)
        adj[n] = a.astype(np.int64)
    model: dict[int, list] = {}
    # unigrams
    keys1, a1 = raw[1][0], adj[1]
    keep1 = keys1 != BOS  # <s> is never predicted
    keys1, a1 = keys1[keep1], a1[keep1]
    d = _discounts(a1)
    total = a1.sum()
    gamma0 = d[np.minimum(a1, 3)].sum() / total
    p = np.full(vocab_size, gamma0 / vocab_size)
    p[keys1] += (a1 - d[np.minimum(a1, 3)]) / total
    p[BOS] = 1e-99
    model[1] = [np.arange(vocab_size, dtype=np.int64), p, np.ones(vocab_size)]
    for n in range(2, order + 1):
        keys, a = raw[n][0], adj[n]
        d = _discounts(a)
        ctx = keys >> BITS
        uctx, inv, tot, gamma = _group_stats(ctx, a, d)
        lower_keys, lower_p, lower_bow = model[n - 1]
        suffix = keys & ((1 << (BITS * (n - 1))) - 1)
        lp = lower_p[np.searchsorted(lower_keys, suffix)]
        p = (a - d[np.minimum(a, 3)]) / tot[inv] + gamma[inv] * lp
        # gamma(h) is the back-off weight of the (n-1)-gram h
        cpos = np.searchsorted(lower_keys, uctx)
        lower_bow[cpos] = gamma
        model[n] = [keys, p, np.ones(len(keys))]
    # prune by raw count, keeping prefixes consistent (a kept n-gram's prefix is kept)
    for n in range(2, order + 1):
        keys, p, bow = model[n]
        keep = raw[n][1] >= keep_min.get(n, 1)
        if n > 2:
            prev = model[n - 1][0]
            pos = np.minimum(np.searchsorted(prev, keys >> BITS), len(prev) - 1)
            keep &= prev[pos] == (keys >> BITS)
        model[n] = [keys[keep], p[keep], bow[keep]]
    # back-off weights that make each pruned distribution sum to one again
    for n in range(2, order + 1):
        keys, p, _ = model[n]
        lower_keys, lower_p, lower_bow = model[n - 1]
        suffix = keys & ((1 << (BITS * (n - 1))) - 1)
        spos = np.minimum(np.searchsorted(lower_keys, suffix), len(lower_keys) - 1)
        lp = np.where(lower_keys[spos] == suffix, lower_p[spos], 0.0)
        uctx, inv = np.unique(keys >> BITS, return_inverse=True)
        numer = 1.0 - np.bincount(inv, weights=p)
        denom = 1.0 - np.bincount(inv, weights=lp)
        ok = (numer > 1e-9) & (denom > 1e-9)
        cpos = np.searchsorted(lower_keys, uctx)
        lower_bow[cpos[ok]] = numer[ok] / denom[ok]
    out = {}
    for n in range(1, order + 1):
        keys, p, bow = model[n]
        out[n] = (keys, np.log10(p), np.log10(np.maximum(bow, 1e-99)) if n < order else None)
    return out


def to_trie(model: dict) -> dict[str, np.ndarray]:
    """Arrays for ``NgramLM``: order-n keys become (prefix index << BITS | last token)."""
    arrays: dict[str, np.ndarray] = {}
    order = max(model)
    prev_keys = None
    for n in range(1, order + 1):
        keys, logp, logbow = model[n]
        if n == 1:
            trie = keys
        else:
            prefix_idx = np.searchsorted(prev_keys, keys >> BITS)
            trie = (prefix_idx.astype(np.int64) << BITS) | (keys & ((1 << BITS) - 1))
            # prefix index deltas are tiny and compress well; the last token as uint16
            arrays[f"prefix_delta{n}"] = np.diff(prefix_idx, prepend=0).astype(np.uint32)
            arrays[f"last{n}"] = (keys & ((1 << BITS) - 1)).astype(np.uint16)
        # float16 keeps log10 values to ~0.002: 8-bit codebooks lost ~5% of the mass
        arrays[f"p{n}"] = np.maximum(logp, -60).astype(np.float16)
        if logbow is not None:
            arrays[f"bow{n}"] = np.clip(logbow, -60, 60).astype(np.float16)
        assert np.all(np.diff(trie) > 0)
        prev_keys = keys
    return arrays
