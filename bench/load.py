"""Load test: N concurrent API clients on 127.0.0.1 for a fixed time, mixing searches, uploads and task updates.

    python bench/load.py                         # 20 clients, 30 s, against a fresh server it starts itself
    python bench/load.py --clients 5 --seconds 10 --max-requests 500
    python bench/load.py --url http://127.0.0.1:5000 --token TOKEN   # against a running `congvan serve`

Bounded in time (``--seconds``, plus a per-request timeout) and in count (``--max-requests``). Reports
throughput, p50/p95/p99 per kind of request and every error. The target (issue 8): 0 errors and search
p95 <= 300 ms with 20 clients on the 2-core machine while ingest runs. Exit status 1 when any request failed.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples"
QUERIES = ["doan ket", "đoàn kết", "ngay dai doan ket", "1987/MTTQ-BTT", "mat tran to quoc", "ke hoach",
           "nong thon moi", "bao cao ket qua", "\"cong dong\"", "ủy ban nhân dân", "to nhan dan tu quan", "thi dua"]
DEFAULT_MIX = "search=0.70,upload=0.12,task=0.18"
LETTER = """ỦY BAN NHÂN DÂN
XÃ {xa}
Số: {n}/UBND-VP
V/v tổ chức ngày hội đại đoàn kết toàn dân tộc năm {year}
Kính gửi: Các ấp trên địa bàn xã.
1. Các ấp tổ chức ngày hội đại đoàn kết trước ngày 15/11/{year}.
2. Báo cáo kết quả về Ủy ban nhân dân xã hằng tháng.
Mã kiểm tra: {tag}
"""


# --- the server (a child process, so its threads do not share our GIL) ---------------------------

def serve(data_dir: str, workers: int) -> None:
    """Run the app as `congvan serve` does (waitress, 16 threads) on a free port; stop when stdin closes."""
    import waitress.server

    sys.path.insert(0, str(ROOT))
    from web import create_app

    app = create_app({"CONGVAN_DATA": data_dir, "CONGVAN_WORKERS": workers, "CONGVAN_SECRET_KEY": "bench"})
    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=16)
    threading.Thread(target=server.run, daemon=True).start()
    print(server.effective_port, flush=True)
    sys.stdin.read()  # the parent closes our stdin to stop us
    server.close()


def start_worker_process(data_dir: Path) -> subprocess.Popen:
    """``congvan worker`` in its own process: ingest then competes with the web only for CPU, not the GIL."""
    return subprocess.Popen([sys.executable, "-c", "import sys; from archive.cli import main; sys.exit(main())",
                             "--data", str(data_dir), "worker"], cwd=ROOT, stdout=subprocess.DEVNULL)


def start_server(data_dir: Path, workers: int) -> tuple[subprocess.Popen, str, str]:
    sys.path.insert(0, str(ROOT))
    from archive.accounts import create_token, create_user
    from archive.settings import Settings

    settings = Settings.from_env(data_dir=data_dir)
    create_user(settings, "bench", "archivist", "bench-password")
    token = create_token(settings, "bench")
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(data_dir), "--workers", str(workers)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    port = proc.stdout.readline().strip()
    if not port.isdigit():
        proc.kill()
        raise SystemExit("the server did not start")
    return proc, f"http://127.0.0.1:{port}", token


# --- the clients ------------------------------------------------------------------------------

class Client:
    """One keep-alive connection; every request is timed and recorded."""

    def __init__(self, base: str, token: str, timeout: float):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        for attempt in (1, 2):  # one reconnect when the server closed an idle keep-alive connection
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class Recorder:
    def __init__(self, max_requests: int):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.started = 0
        self.max_requests = max_requests
        self.job_urls: list[str] = []

    def take(self) -> bool:
        with self.lock:
            if self.started >= self.max_requests:
                return False
            self.started += 1
            return True

    def record(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")


def parse_mix(text: str) -> list[tuple[str, float]]:
    """'search=0.7,upload=0.1,task=0.2' -> [('search', 0.7), ...]"""
    mix = []
    for part in text.split(","):
        kind, _, weight = part.partition("=")
        if kind.strip() not in ("search", "upload", "task"):
            raise SystemExit(f"unknown request kind {kind!r} in --mix")
        mix.append((kind.strip(), float(weight or 1)))
    return mix


def one_request(client: Client, rng: random.Random, rec: Recorder, task_ids: list[int],
                mix: list[tuple[str, float]]) -> None:
    kind = rng.choices([k for k, _ in mix], [w for _, w in mix])[0]
    start = time.perf_counter()
    error = None
    try:
        if kind == "search":
            query = {"q": rng.choice(QUERIES), "page": rng.choice([1, 1, 1, 2])}
            if rng.random() < 0.2:
                query["sort"] = "date"
            status, data = client.request("GET", "/api/v1/search?" + urlencode(query))
            if status != 200:
                error = f"HTTP {status} {data[:200]!r}"
        elif kind == "upload":
            text = LETTER.format(xa=rng.choice(["Mỹ Hiệp", "Tân Nghĩa", "Phong Mỹ"]), n=rng.randint(1, 999),
                                 year=rng.randint(2019, 2025), tag=uuid.uuid4().hex)
            body, ctype = multipart("file", f"cong-van-{rng.randint(1, 10**6)}.txt", text.encode("utf-8"))
            status, data = client.request("POST", "/api/v1/documents", body, {"Content-Type": ctype})
            if status != 202:
                error = f"HTTP {status} {data[:200]!r}"
            else:
                with rec.lock:
                    rec.job_urls.append(json.loads(data)["job_url"])
        else:
            if not task_ids or rng.random() < 0.3:
                status, data = client.request("GET", "/api/v1/tasks?status=open")
                if status == 200:
                    task_ids[:] = [t["id"] for t in json.loads(data)["tasks"][:200]]
                else:
                    error = f"HTTP {status} {data[:200]!r}"
            else:
                body = json.dumps({"status": rng.choice(["todo", "doing", "done"])}).encode()
                status, data = client.request("PATCH", f"/api/v1/tasks/{rng.choice(task_ids)}", body,
                                              {"Content-Type": "application/json"})
                if status != 200:
                    error = f"HTTP {status} {data[:200]!r}"
    except Exception as exc:  # a timeout or a dropped connection is a result to report, not a crash
        error = f"{type(exc).__name__}: {exc}"
        client.conn = None
    rec.record(kind, time.perf_counter() - start, error)


def run_clients(base: str, token: str, clients: int, seconds: float, max_requests: int, timeout: float,
                seed: int, mix: list[tuple[str, float]]) -> tuple[Recorder, float]:
    rec = Recorder(max_requests)
    deadline = time.monotonic() + seconds

    def loop(n: int) -> None:
        client = Client(base, token, timeout)
        rng = random.Random(seed * 1000 + n)
        task_ids: list[int] = []
        while time.monotonic() < deadline and rec.take():
            one_request(client, rng, rec, task_ids, mix)

    threads = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + timeout + 5)
    return rec, time.perf_counter() - started


def seed_archive(base: str, token: str, timeout: float) -> None:
    """Upload the sample letters and wait (bounded) for them, so searches and tasks have something to find."""
    client = Client(base, token, timeout)
    urls = []
    for path in sorted(SAMPLES.glob("*.txt")):
        body, ctype = multipart("file", path.name, path.read_bytes())
        status, data = client.request("POST", "/api/v1/documents", body, {"Content-Type": ctype})
        if status == 202:
            urls.append(json.loads(data)["job_url"])
    wait_for_jobs(client, urls, 120)


def wait_for_jobs(client: Client, urls: list[str], seconds: float) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        for url in urls:
            if states.get(url) in ("done", "failed"):
                continue
            status, data = client.request("GET", url)
            states[url] = json.loads(data).get("status", "?") if status == 200 else f"HTTP {status}"
        if all(s in ("done", "failed") for s in states.values()):
            break
        time.sleep(0.5)
    out: dict[str, int] = defaultdict(int)
    for state in states.values():
        out[state] += 1
    return dict(out)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def report(rec: Recorder, elapsed: float, jobs: dict) -> dict:
    rows = {}
    for kind, values in sorted(rec.times.items()):
        rows[kind] = {"count": len(values), "p50_ms": round(percentile(values, 50) * 1000, 1),
                      "p95_ms": round(percentile(values, 95) * 1000, 1),
                      "p99_ms": round(percentile(values, 99) * 1000, 1),
                      "mean_ms": round(statistics.fmean(values) * 1000, 1)}
    total = sum(len(v) for v in rec.times.values())
    everything = [t for v in rec.times.values() for t in v]
    return {"requests": total, "seconds": round(elapsed, 2), "throughput_rps": round(total / elapsed, 1) if elapsed else 0,
            "p50_ms": round(percentile(everything, 50) * 1000, 1),
            "p95_ms": round(percentile(everything, 95) * 1000, 1),
            "by_kind": rows, "errors": len(rec.errors), "error_samples": rec.errors[:20], "upload_jobs": jobs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--url", help="a running server (default: start one on a fresh data folder)")
    parser.add_argument("--token", default=os.environ.get("CONGVAN_TOKEN"), help="API token for --url")
    parser.add_argument("--workers", type=int, default=1, help="ingest workers of the server we start")
    parser.add_argument("--worker-process", action="store_true",
                        help="run ingest in a separate `congvan worker` process instead of the server's threads")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"request kinds and weights (default {DEFAULT_MIX})")
    parser.add_argument("--json", action="store_true", help="print the report as JSON only")
    parser.add_argument("--serve", metavar="DATA_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.workers)
        return 0

    proc = tmp = worker = None
    if args.url:
        if not args.token:
            parser.error("--url needs --token (or CONGVAN_TOKEN)")
        base, token = args.url.rstrip("/"), args.token
    else:
        tmp = tempfile.TemporaryDirectory(prefix="congvan-load-")
        data_dir = Path(tmp.name) / "data"
        proc, base, token = start_server(data_dir, 0 if args.worker_process else args.workers)
        if args.worker_process:
            worker = start_worker_process(data_dir)
    try:
        if proc is not None:
            seed_archive(base, token, args.timeout)
        rec, elapsed = run_clients(base, token, args.clients, args.seconds, args.max_requests, args.timeout,
                                   args.seed, parse_mix(args.mix))
        jobs = wait_for_jobs(Client(base, token, args.timeout), rec.job_urls[-200:], 10)
        result = report(rec, elapsed, jobs)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(15)
        if proc is not None:
            proc.stdin.close()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if tmp is not None:
            tmp.cleanup()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"{result['requests']} requests in {result['seconds']} s with {args.clients} clients: "
              f"{result['throughput_rps']} req/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
              f"{result['errors']} errors")
        for kind, row in result["by_kind"].items():
            print(f"  {kind:7s} n={row['count']:6d}  p50 {row['p50_ms']:8.1f} ms  p95 {row['p95_ms']:8.1f} ms  "
                  f"p99 {row['p99_ms']:8.1f} ms")
        print(f"  upload jobs (last 200, 10 s grace): {result['upload_jobs']}")
        for line in result["error_samples"]:
            print("  error:", line)
    failed_jobs = result["upload_jobs"].get("failed", 0)
    if failed_jobs:
        print(f"  {failed_jobs} uploaded letters failed to process (see GET /api/v1/jobs/<id> for the reason)")
    return 1 if result["errors"] or failed_jobs else 0


if __name__ == "__main__":
    sys.exit(main())
