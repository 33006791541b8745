"""Scale-out benchmark: OCR throughput through Redis workers, and search latency Whoosh vs PostgreSQL.

    eval "$(scripts/test_services.sh start)"          # a throwaway PostgreSQL and Redis on loopback
    python bench/scale.py                              # both parts, 100,000 letters for search
    python bench/scale.py --pages 8 --docs 20000       # what fits in a few minutes on a shared machine
    python bench/scale.py --skip-search | --skip-ocr

OCR: ``--pages`` synthetic scans (``ingest.synth.write_sample_scan``, one page each, distinct seeds) are
submitted to a fresh archive (PostgreSQL + Redis) and processed by 1, then 2 real ``congvan worker``
processes; the clock starts when the workers are listening and stops when every job is done. Pages
per minute and the 2-vs-1 ratio are printed (target ≥ 1.7× on 2 cores; the machine load is printed
beside it, since other work on a shared machine takes cores away from the workers).

Search: ``--docs`` letters from bench/synthletters.py indexed in Whoosh (``search.index``) and in
PostgreSQL (``search.pg``), then the same query mix as bench/search.py (accented, unaccented,
phrase, filter + date sort, number look-up) timed on both: p50 / p95 / p99 per kind, side by side.
A script, never a test.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

CONGVAN = Path(sys.executable).with_name("congvan")


# ---------------------------------------------------------------- services


def service_urls(args) -> tuple[str, str]:
    pg = args.postgres or os.environ.get("CONGVAN_TEST_POSTGRES_URL")
    redis = args.redis or os.environ.get("CONGVAN_TEST_REDIS_URL")
    if not pg or not redis:
        sys.exit('bench/scale.py needs PostgreSQL and Redis: eval "$(scripts/test_services.sh start)" first, '
                 "or pass --postgres URL --redis URL")
    return pg, redis


def create_database(server_url: str) -> str:
    import psycopg

    name = f"congvan_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rpartition("/")[0] + "/" + name


def drop_database(server_url: str, url: str) -> None:
    import psycopg

    name = url.rpartition("/")[2]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))]


# ---------------------------------------------------------------- OCR through RQ workers


def make_scans(folder: Path, pages: int) -> list[Path]:
    from ingest.synth import write_sample_scan

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(1, pages + 1):
        path = folder / f"scan-{seed:03d}.png"
        write_sample_scan(path, seed=seed, level="medium")
        paths.append(path)
    return paths


def ocr_run(workers: int, scans: list[Path], pg_server: str, redis_url: str, work: Path) -> dict:
    from rq import Worker
    from sqlalchemy import func, select

    from archive import services
    from archive.jobs import dispatch
    from archive.models import Job
    from archive.queue import connection, get_queue
    from archive.settings import Settings
    from ingest.pipeline import submit

    db_url = create_database(pg_server)
    data = work / f"data-{workers}"
    settings = Settings(data_dir=data, database_url=db_url, queue_url=redis_url)
    redis = connection(settings)
    redis.flushdb()
    env = dict(os.environ, CONGVAN_DATA=str(data), CONGVAN_DATABASE_URL=db_url, CONGVAN_QUEUE_URL=redis_url,
               CONGVAN_SEARCH_BACKEND="whoosh")
    procs = [subprocess.Popen([str(CONGVAN), "worker"], env=env, start_new_session=True,
                              stdout=(work / f"worker-{workers}-{i}.log").open("wb"), stderr=subprocess.STDOUT)
             for i in range(workers)]
    try:
        services.database(settings)  # migrate before the clock starts
        deadline = time.monotonic() + 120
        while Worker.count(queue=get_queue(settings, redis)) < workers:  # preloaded and listening
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not start; see the worker-*.log files in " + str(work))
            time.sleep(0.2)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        job_ids = []
        for path in scans:
            job = submit(settings, path.read_bytes(), path.name)
            dispatch(settings, job.id)
            job_ids.append(job.id)
        while True:
            with services.database(settings).session() as session:
                pending = session.scalar(select(func.count(Job.id)).where(
                    Job.id.in_(job_ids), Job.status.in_(["queued", "running"])))
                failed = session.scalar(select(func.count(Job.id)).where(
                    Job.id.in_(job_ids), Job.status == "failed"))
            if not pending:
                break
            time.sleep(0.25)
        seconds = time.perf_counter() - started
        load_after = os.getloadavg()[0]
        cpu = stop_workers(procs)
        return {"workers": workers, "pages": len(scans), "seconds": seconds, "failed": failed,
                "per_minute": len(scans) * 60 / seconds, "load": (load_before + load_after) / 2,
                "cpu": cpu, "cores": cpu / seconds}
    finally:
        stop_workers(procs)
        services.forget_index(settings)
        from archive import db as archive_db

        with archive_db._databases_lock:
            database = archive_db._databases.pop(settings.db_url, None)
        if database is not None:
            database.engine.dispose()
        drop_database(pg_server, db_url)
        redis.flushdb()


def stop_workers(procs: list[subprocess.Popen]) -> float:
    """Stop the workers; returns the CPU seconds they and every process under them used (rusage of
    the reaped children: work horses and Tesseract count into their worker)."""
    cpu = 0.0
    for proc in procs:
        if proc.returncode is not None:
            continue
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # warm shutdown: the worker is idle by now
        except ProcessLookupError:
            pass
    for proc in procs:
        if proc.returncode is not None:
            continue
        deadline = time.monotonic() + 20
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                cpu += usage.ru_utime + usage.ru_stime
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                deadline = time.monotonic() + 20
            time.sleep(0.1)
    return cpu


def ocr_bench(args, pg_server: str, redis_url: str, work: Path) -> None:
    print(f"## OCR through Redis (RQ) workers: {args.pages} one-page scans, {os.cpu_count()} cores\n")
    scans = make_scans(work / "scans", args.pages)
    runs = [ocr_run(n, scans, pg_server, redis_url, work) for n in (1, 2)]
    print("| workers | pages | seconds | pages/min | failed | CPU s (workers + Tesseract) | cores busy | "
          "machine load avg |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        print(f"| {r['workers']} | {r['pages']} | {r['seconds']:.1f} | {r['per_minute']:.1f} | {r['failed']} | "
              f"{r['cpu']:.0f} | {r['cores']:.2f} | {r['load']:.2f} |")
    print(f"\nscaling 2 workers / 1 worker: {runs[1]['per_minute'] / runs[0]['per_minute']:.2f}x pages/min "
          f"(target >= 1.7x); cores our workers got: {runs[0]['cores']:.2f} -> {runs[1]['cores']:.2f} "
          f"(the rest of a 2-core machine shared with other work)\n")


# ---------------------------------------------------------------- search: Whoosh vs PostgreSQL


def search_bench(args, pg_server: str, work: Path) -> None:
    from bench import synthletters
    from bench.search import query_mix
    from search.index import SearchIndex
    from search.pg import PgSearchIndex

    n = args.docs
    print(f"## Search at {n} letters: Whoosh vs PostgreSQL full-text (seed {args.seed})\n")
    synthletters.paragraph_pool()
    samples: list[dict] = []

    def letters():
        for i, letter in enumerate(synthletters.generate(n, seed=args.seed)):
            if (i + 1) % max(1, n // 200) == 0 and len(samples) < 200:
                samples.append({"id": letter.doc["id"], "number_symbol": letter.doc["number_symbol"]})
            yield letter.doc

    db_url = create_database(pg_server)
    backends = {}
    try:
        t = time.perf_counter()
        backends["whoosh"] = SearchIndex(work / "whoosh")
        backends["whoosh"].add_many(letters(), limitmb=256)
        whoosh_s = time.perf_counter() - t
        samples.clear()
        t = time.perf_counter()
        backends["postgres"] = PgSearchIndex(db_url)
        backends["postgres"].add_many(letters())
        with backends["postgres"]._raw() as conn:  # fresh statistics for the planner, as autovacuum would
            conn.execute("ANALYZE search_letters")
            conn.commit()
        pg_s = time.perf_counter() - t
        print(f"indexing (generation included): Whoosh {whoosh_s:.0f} s, PostgreSQL {pg_s:.0f} s\n")

        mix = query_mix(samples, random.Random(args.seed), args.per_kind)
        times: dict[str, dict[str, list[float]]] = {}
        found: dict[str, int] = {}
        for name, idx in backends.items():
            for kind, q, filters, sort, expected, _ in mix[:10]:  # warm caches
                idx.search(q, filters=filters or None, sort=sort)
            per_kind: dict[str, list[float]] = {}
            hits_first = 0
            for kind, q, filters, sort, expected, _ in mix:
                t = time.perf_counter()
                res = idx.search(q, filters=filters or None, sort=sort)
                per_kind.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
                if expected is not None and res.hits and res.hits[0].id == expected:
                    hits_first += 1
            times[name] = per_kind
            found[name] = hits_first
        kinds = ("accented", "unaccented", "phrase", "filter+date", "number")
        print("| query kind | n | Whoosh p50 ms | Whoosh p95 ms | PostgreSQL p50 ms | PostgreSQL p95 ms |")
        print("|---|---:|---:|---:|---:|---:|")
        for kind in kinds:
            w, p = times["whoosh"].get(kind, []), times["postgres"].get(kind, [])
            print(f"| {kind} | {len(w)} | {percentile(w, 50):.1f} | {percentile(w, 95):.1f} | "
                  f"{percentile(p, 50):.1f} | {percentile(p, 95):.1f} |")
        w_all = [x for k in kinds for x in times["whoosh"].get(k, [])]
        p_all = [x for k in kinds for x in times["postgres"].get(k, [])]
        print(f"| **mix** | {len(w_all)} | {percentile(w_all, 50):.1f} | {percentile(w_all, 95):.1f} | "
              f"{percentile(p_all, 50):.1f} | {percentile(p_all, 95):.1f} |")
        numbers = sum(1 for m in mix if m[4] is not None)
        print(f"\nnumber look-ups with the right letter first: Whoosh {found['whoosh']}/{numbers}, "
              f"PostgreSQL {found['postgres']}/{numbers}\n")
    finally:
        for idx in backends.values():
            idx.close()
        drop_database(pg_server, db_url)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="congvan scale-out benchmark (OCR workers, search backends)")
    ap.add_argument("--pages", type=int, default=12, help="one-page scans for the OCR throughput run")
    ap.add_argument("--docs", type=int, default=100_000, help="letters indexed for the search run")
    ap.add_argument("--per-kind", type=int, default=40, help="queries of each kind in the mix")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--postgres", help="server URL (default: $CONGVAN_TEST_POSTGRES_URL)")
    ap.add_argument("--redis", help="Redis URL (default: $CONGVAN_TEST_REDIS_URL)")
    ap.add_argument("--skip-ocr", action="store_true")
    ap.add_argument("--skip-search", action="store_true")
    args = ap.parse_args(argv)
    pg_server, redis_url = service_urls(args)
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print(f"# bench/scale.py --pages {args.pages} --docs {args.docs}  ({time.strftime('%Y-%m-%d %H:%M')})\n")
    try:
        if not args.skip_ocr:
            ocr_bench(args, pg_server, redis_url, work)
        if not args.skip_search:
            search_bench(args, pg_server, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
