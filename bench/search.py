"""Search benchmark and relevance measurement. A script, never a test.

    python bench/search.py --docs 10000            # speed at 10k synthetic letters + peers + relevance
    python bench/search.py --relevance-only         # MRR@10 / recall@10 on tests/data/relevance.json

Speed: builds N synthetic letters (bench/synthletters.py: 2–8 KB, real-looking headers and numbers,
body paragraphs from ../shared/data/vi-text), indexes them in one writer, and times a query mix
(accented, unaccented, phrase, filter + date sort, number look-up). Peers in the same run: Whoosh with
its default StandardAnalyzer (how many unaccented queries it answers) and tantivy through tantivy-py
(speed ratio). Generation time is excluded from the indexing rate.

Relevance: the fixture archive (tests/data/search/archive.json, the three samples + synthetic
letters) and the labelled queries of tests/data/relevance.json, each typed with and without accents;
both compound modes (syllable bigrams through positions vs underthesea word segmentation).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This file is bench/search.py: keep bench/ off the path so "search" is the package, not this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench import synthletters  # noqa: E402

from search.analysis import fold, normalize_text  # noqa: E402
from search.index import SearchIndex  # noqa: E402

RELEVANCE = ROOT / "tests" / "data" / "relevance.json"


# ---------------------------------------------------------------- helpers


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


class TimedIter:
    """Wraps a generator and adds up the time spent producing items (excluded from index rates)."""

    def __init__(self, items: Iterable):
        self.items = iter(items)
        self.seconds = 0.0

    def __iter__(self) -> Iterator:
        while True:
            t = time.perf_counter()
            try:
                item = next(self.items)
            except StopIteration:
                self.seconds += time.perf_counter() - t
                return
            self.seconds += time.perf_counter() - t
            yield item


# ---------------------------------------------------------------- relevance


def load_relevance() -> tuple[list[dict], list[dict]]:
    data = json.loads(RELEVANCE.read_text("utf-8"))
    docs = synthletters.load_archive(RELEVANCE.parent / data["archive"])
    return docs, data["queries"]


def evaluate(search: Callable[[str], list[int]], queries: list[dict], which: str) -> dict:
    """MRR@10 (rank of the primary letter, else of the first relevant) and recall@10."""
    rr, recall, by_kind = [], [], {}
    for q in queries:
        ids = search(q[which])[:10]
        relevant = set(q["relevant"])
        target = {q["primary"]} if q.get("primary") else relevant
        rank = next((i for i, d in enumerate(ids, 1) if d in target), None)
        r = 1.0 / rank if rank else 0.0
        rec = len(relevant & set(ids)) / min(len(relevant), 10)
        rr.append(r)
        recall.append(rec)
        k = by_kind.setdefault(q["kind"], ([], []))
        k[0].append(r)
        k[1].append(rec)
    return {
        "mrr": statistics.mean(rr), "recall": statistics.mean(recall),
        "kinds": {k: (statistics.mean(a), statistics.mean(b), len(a)) for k, (a, b) in by_kind.items()},
    }


def ours_search(idx: SearchIndex) -> Callable[[str], list[int]]:
    return lambda q: [h.id for h in idx.search(q, per_page=10).hits]


def standard_whoosh(docs: Iterable[dict], path: Path) -> tuple[Callable[[str], list[int]], float, int]:
    """Whoosh with its default analyzer (StandardAnalyzer: regex tokens, lower case, English stops)."""
    from whoosh import fields, index, qparser

    schema = fields.Schema(id=fields.ID(stored=True), text=fields.TEXT())
    path.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(path), schema)
    t = time.perf_counter()
    items = TimedIter(docs)
    n = 0
    with ix.writer(limitmb=256) as w:
        for d in items:
            w.add_document(id=str(d["id"]), text="\n".join([d.get("subject") or "", d.get("text") or ""]))
            n += 1
    seconds = time.perf_counter() - t - items.seconds
    parser = qparser.QueryParser("text", schema)
    searcher = ix.searcher()

    def search(q: str) -> list[int]:
        return [int(r["id"]) for r in searcher.search(parser.parse(q), limit=10)]

    return search, n / seconds if seconds > 0 else 0.0, n


def relevance_report(compounds=("bigram", "segment")) -> dict:
    docs, queries = load_relevance()
    out: dict = {"queries": len(queries), "docs": len(docs)}
    for compound in compounds:
        tmp = Path(tempfile.mkdtemp(prefix=f"rel-{compound}-"))
        idx = SearchIndex(tmp, compound=compound)
        t = time.perf_counter()
        idx.add_many(docs)
        index_s = time.perf_counter() - t
        search = ours_search(idx)
        out[compound] = {
            "accented": evaluate(search, queries, "accented"),
            "unaccented": evaluate(search, queries, "unaccented"),
            "index_letters_per_s": len(docs) / index_s,
        }
        idx.close()
        shutil.rmtree(tmp, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix="rel-std-"))
    search, _, _ = standard_whoosh(docs, tmp)
    out["standard"] = {"accented": evaluate(search, queries, "accented"),
                       "unaccented": evaluate(search, queries, "unaccented")}
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def sweep_pair_weight(weights=(1.0, 1.5, 2.0, 3.0, 4.0, 6.0)) -> None:
    """MRR@10 of both compound modes for several adjacency-bonus weights (same sweep for both)."""
    import search.index as si

    docs, queries = load_relevance()
    default = si.PAIR_WEIGHT
    print("\n| compound | pair weight | MRR@10 accented | MRR@10 unaccented |")
    print("|---|---:|---:|---:|")
    try:
        for compound in ("bigram", "segment"):
            tmp = Path(tempfile.mkdtemp(prefix=f"sweep-{compound}-"))
            idx = SearchIndex(tmp, compound=compound)
            idx.add_many(docs)
            for weight in weights:
                si.PAIR_WEIGHT = weight
                search = ours_search(idx)
                a, u = evaluate(search, queries, "accented"), evaluate(search, queries, "unaccented")
                print(f"| {compound} | {weight} | {a['mrr']:.3f} | {u['mrr']:.3f} |")
            idx.close()
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        si.PAIR_WEIGHT = default


def print_relevance(rep: dict) -> None:
    print(f"\n## Relevance: {rep['queries']} labelled queries x 2 spellings over {rep['docs']} letters "
          f"(tests/data/relevance.json)\n")
    print("| index | typed | MRR@10 | recall@10 | number MRR@10 | topic MRR / R@10 | body MRR / R@10 | phrase MRR / R@10 | sample MRR / R@10 | place MRR / R@10 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, label in (("bigram", "congvan, syllable bigrams (positions)"), ("segment", "congvan, underthesea words"),
                        ("standard", "Whoosh StandardAnalyzer")):
        if name not in rep:
            continue
        for which in ("accented", "unaccented"):
            e = rep[name][which]
            k = e["kinds"]

            def cell(kind: str) -> str:
                return f"{k[kind][0]:.3f} / {k[kind][1]:.3f}" if kind in k else "-"

            print(f"| {label} | {which} | {e['mrr']:.3f} | {e['recall']:.3f} | {k['number'][0]:.3f} | "
                  f"{cell('topic')} | {cell('body')} | {cell('phrase')} | {cell('sample')} | {cell('place')} |")
    for name in ("bigram", "segment"):
        if name in rep:
            a, u = rep[name]["accented"]["recall"], rep[name]["unaccented"]["recall"]
            print(f"\n{name}: unaccented recall@10 / accented = {u / a:.3f}; "
                  f"fixture indexing {rep[name]['index_letters_per_s']:.0f} letters/s")


# ---------------------------------------------------------------- speed


def query_mix(sample_letters: list[dict], rng: random.Random, per_kind: int) -> list[tuple[str, str, dict, str, int | None, int | None]]:
    """(kind, query, filters, sort, expected id for number look-ups, topic) tuples."""
    mix = []
    topics = list(range(len(synthletters.TOPIC_QUERIES)))
    for i in range(per_kind):
        t = topics[i % len(topics)]
        q = synthletters.TOPIC_QUERIES[t]
        mix.append(("accented", q, {}, "relevance", None, t))
        mix.append(("unaccented", fold(normalize_text(q)), {}, "relevance", None, t))
        words = q.split()
        start = rng.randrange(max(1, len(words) - 1))
        phrase = " ".join(words[start:start + 2])
        mix.append(("phrase", f'"{phrase}"', {}, "relevance", None, None))
        mix.append(("filter+date", q, {"doc_type": "Công văn", "year": rng.randrange(2015, 2026)}, "date", None, None))
        letter = sample_letters[i % len(sample_letters)]
        mix.append(("number", letter["number_symbol"], {}, "relevance", letter["id"], None))
    return mix


def run_mix(search: Callable, mix: list, repeat: int = 1, cpu: dict | None = None) -> dict[str, list[float]]:
    """Wall-clock ms per query kind (and CPU ms in ``cpu`` if given)."""
    times: dict[str, list[float]] = {}
    for _ in range(repeat):
        for kind, q, filters, sort, _, _ in mix:
            t, c = time.perf_counter(), time.process_time()
            search(q, filters, sort)
            times.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
            if cpu is not None:
                cpu.setdefault(kind, []).append((time.process_time() - c) * 1000)
    return times


def tantivy_peer(docs: Iterable[dict], path: Path):
    """tantivy-py with the same text twice (default tokenizer, and lower-case + ASCII folding)."""
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True)
    sb.add_text_field("text_x", stored=False)
    sb.add_text_field("text_f", stored=False, tokenizer_name="folded")
    sb.add_text_field("doc_type", stored=False, tokenizer_name="raw")
    sb.add_text_field("ns", stored=False, tokenizer_name="raw")
    sb.add_integer_field("date", stored=False, indexed=True, fast=True)
    schema = sb.build()
    index = tantivy.Index(schema, path=str(path))
    analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build())
    index.register_tokenizer("folded", analyzer)
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    items = TimedIter(docs)
    t = time.perf_counter()
    n = 0
    for d in items:
        text = "\n".join([d.get("subject") or "", d.get("text") or ""])
        date = d.get("date")
        writer.add_document(tantivy.Document(
            id=d["id"], text_x=text, text_f=text, doc_type=d.get("doc_type") or "",
            ns=d.get("number_symbol") or "", date=(date.year * 10000 + date.month * 100 + date.day) if date else 0))
        n += 1
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - t - items.seconds
    index.reload()
    searcher = index.searcher()

    def search(q: str, filters: dict, sort: str) -> list[int]:
        accented = fold(q) != q
        if "/" in q and '"' not in q:
            query = index.parse_query(f'ns:"{q}"', ["ns"])
        else:
            query, _ = index.parse_query_lenient(q, ["text_x"] if accented else ["text_f"])
            if filters.get("doc_type"):
                query = tantivy.Query.boolean_query([
                    (tantivy.Occur.Must, query),
                    (tantivy.Occur.Must, tantivy.Query.term_query(schema, "doc_type", filters["doc_type"])),
                ])
        if sort == "date":
            res = searcher.search(query, 10, order_by_field="date")
        else:
            res = searcher.search(query, 10)
        return [searcher.doc(addr)["id"][0] for _, addr in res.hits]

    return search, n / seconds if seconds > 0 else 0.0


def speed(n_docs: int, per_kind: int, peer_docs: int, seed: int) -> None:
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    print(f"# bench/search.py --docs {n_docs}  (seed {seed}, peers on {min(peer_docs, n_docs)} letters)\n")
    synthletters.paragraph_pool()  # load the text once, outside the timings
    samples: list[dict] = []

    def letters(n: int) -> Iterator[dict]:
        for i, letter in enumerate(synthletters.generate(n, seed=seed)):
            if (i + 1) % max(1, n // 200) == 0 and len(samples) < 200:
                samples.append({"id": letter.doc["id"], "number_symbol": letter.doc["number_symbol"]})
            yield {**letter.doc, "_topic": letter.topic}

    topics: dict[int, int] = {}

    def record_topics(docs: Iterable[dict]) -> Iterator[dict]:
        for d in docs:
            topics[d["id"]] = d["_topic"]
            yield d

    idx_dir = work / "congvan"
    idx = SearchIndex(idx_dir)
    items = TimedIter(record_topics(letters(n_docs)))
    t, cpu = time.perf_counter(), time.process_time()
    idx.add_many(items, limitmb=512)
    total_s = time.perf_counter() - t
    cpu_s = time.process_time() - cpu - items.seconds  # generation is CPU-bound: its wall time ~ its CPU
    index_s = total_s - items.seconds
    rate = n_docs / index_s
    cpu_rate = n_docs / cpu_s
    size = dir_size(idx_dir)
    print(f"generated {n_docs} letters in {items.seconds:.1f}s (excluded); indexed in {index_s:.1f}s wall "
          f"= {rate:.0f} letters/s ({cpu_rate:.0f} letters per CPU-second: the machine is shared); "
          f"index {size / 1e6:.1f} MB\n")

    mix = query_mix(samples, rng, per_kind)

    def ours(q, filters, sort):
        return [h.id for h in idx.search(q, filters=filters or None, sort=sort).hits]

    run_mix(ours, mix[:10])  # warm the searcher and caches
    cpu_times: dict[str, list[float]] = {}
    times = run_mix(ours, mix, cpu=cpu_times)

    # Quality at N: number look-up MRR, topic precision@10 accented vs unaccented.
    mrr, p10 = [], {"accented": [], "unaccented": []}
    for kind, q, filters, sort, expected, topic in mix:
        if kind == "number":
            ids = ours(q, {}, "relevance")
            rank = next((i for i, d in enumerate(ids, 1) if d == expected), None)
            mrr.append(1 / rank if rank else 0.0)
        if kind in p10:
            ids = ours(q, {}, "relevance")
            p10[kind].append(sum(topics.get(d) == topic for d in ids) / 10)

    # Peers.
    pn = min(peer_docs, n_docs)
    std_search, std_rate, _ = standard_whoosh((d for d in letters(pn)), work / "std")
    std_p10 = {"accented": [], "unaccented": []}
    std_times = {}
    for kind, q, filters, sort, expected, topic in mix:
        if kind in std_p10:
            t = time.perf_counter()
            ids = std_search(q)
            std_times.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
            std_p10[kind].append(sum(topics.get(d) == topic for d in ids) / 10)
    (work / "tantivy").mkdir()
    tv_search, tv_rate = tantivy_peer(letters(pn), work / "tantivy")
    tv_times = run_mix(tv_search, mix)
    tv_size = dir_size(work / "tantivy")

    print("| query kind | n | p50 ms | p95 ms | p99 ms | CPU p50 / p95 ms | tantivy p50 ms | tantivy p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    all_ours, all_tv, all_cpu = [], [], []
    for kind in ("accented", "unaccented", "phrase", "filter+date", "number"):
        a, b, c = times.get(kind, []), tv_times.get(kind, []), cpu_times.get(kind, [])
        all_ours += a
        all_tv += b
        all_cpu += c
        print(f"| {kind} | {len(a)} | {percentile(a, 50):.1f} | {percentile(a, 95):.1f} | {percentile(a, 99):.1f} | "
              f"{percentile(c, 50):.1f} / {percentile(c, 95):.1f} | {percentile(b, 50):.2f} | {percentile(b, 95):.2f} |")
    print(f"| **mix** | {len(all_ours)} | {percentile(all_ours, 50):.1f} | {percentile(all_ours, 95):.1f} | "
          f"{percentile(all_ours, 99):.1f} | {percentile(all_cpu, 50):.1f} / {percentile(all_cpu, 95):.1f} | "
          f"{percentile(all_tv, 50):.2f} | {percentile(all_tv, 95):.2f} |")
    print()
    print("| measure | congvan (Whoosh, Vietnamese analysis) | Whoosh StandardAnalyzer | tantivy-py |")
    print("|---|---:|---:|---:|")
    print(f"| letters indexed | {n_docs} | {pn} | {pn} |")
    print(f"| indexing letters/s (wall) | {rate:.0f} | {std_rate:.0f} | {tv_rate:.0f} |")
    print(f"| indexing letters per CPU-second | {cpu_rate:.0f} | - | - |")
    print(f"| index size MB | {size / 1e6:.1f} | {dir_size(work / 'std') / 1e6:.1f} | {tv_size / 1e6:.1f} |")
    print(f"| number look-up MRR@10 | {statistics.mean(mrr):.3f} | - | - |")
    print(f"| topic precision@10, accented | {statistics.mean(p10['accented']):.3f} | "
          f"{statistics.mean(std_p10['accented']):.3f} | - |")
    print(f"| topic precision@10, unaccented | {statistics.mean(p10['unaccented']):.3f} | "
          f"{statistics.mean(std_p10['unaccented']):.3f} | - |")
    print(f"| speed ratio vs tantivy (query p50 / indexing) | "
          f"{percentile(all_ours, 50) / max(1e-9, percentile(all_tv, 50)):.0f}x slower / "
          f"{tv_rate / max(1e-9, rate):.1f}x slower | - | 1 |")
    print(f"\nStandardAnalyzer peer: accented p50 {percentile(std_times.get('accented', []), 50):.1f} ms, "
          f"unaccented p50 {percentile(std_times.get('unaccented', []), 50):.1f} ms "
          f"(peers indexed on {pn} letters; precision of peers counted against topics of those letters)")
    idx.close()
    shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="congvan search benchmark")
    ap.add_argument("--docs", type=int, default=2000, help="synthetic letters to index (target: 100000)")
    ap.add_argument("--per-kind", type=int, default=50, help="queries of each kind in the mix")
    ap.add_argument("--peer-docs", type=int, default=100_000, help="cap on letters indexed by the peers")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--relevance-only", action="store_true")
    ap.add_argument("--no-relevance", action="store_true")
    ap.add_argument("--sweep", action="store_true", help="also sweep the adjacency-bonus weight")
    args = ap.parse_args(argv)
    if not args.relevance_only:
        speed(args.docs, args.per_kind, args.peer_docs, args.seed)
    if not args.no_relevance:
        print_relevance(relevance_report())
    if args.sweep:
        sweep_pair_weight()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
