"""Benchmark: the cost of one API submission against a durable-echo endpoint (issue 13, row 3).

Starts, on 127.0.0.1 only, (1) ``matcher serve`` (gunicorn, gthread worker, the default SQLite
store, default KB: curated + CIViC + approvals) and (2) ``durable_echo.py`` (parse the JSON,
insert it into SQLite in WAL mode with synchronous=FULL, 201 once committed) under the same
gunicorn options (``gunicorn_options``), then drives each in turn with N closed-loop client
processes posting the 20-variant panel report, each request under a new report id (the
idempotency key), and prints throughput, p50/p99 and the matcher/echo ratio per run, then the
median and spread over the runs::

    .venv/bin/python bench/bench_api_cost.py                       # 2 and 8 clients, 3 runs
    .venv/bin/python bench/bench_api_cost.py --clients 2 --runs 5 --seconds 8 [--vary] [--json]
    .venv/bin/python bench/bench_api_cost.py --matcher-root /tmp/base   # older code, same bench

Runs alternate between the two servers (echo, matcher, echo, matcher, …) so that both see the
same machine load; the ratio of one run is matcher/echo measured back to back. ``--vary`` draws
each report's 20 variants and tumor type at random (bench_api.py), so no two reports are alike.
Goal: ratio >= 0.5 and matcher p99 < 50 ms at 2 and at 8 clients.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_api import (  # noqa: E402
    free_port,
    hotspot_pool,
    report_template,
    server_cpu_seconds,
    stop,
    varied,
    wait_ready,
)

MAX_SECONDS = 60
MAX_CLIENTS = 32
MAX_RUNS = 20


def start_matcher(workdir: Path, workers: int, threads: int,
                  root: Path = ROOT) -> tuple[subprocess.Popen, str, str]:
    """``matcher serve`` of the code in ``root`` on a fresh SQLite store in ``workdir``;
    (process, url, API key)."""
    from matcher.service.auth import create_key
    from matcher.service.store import Store

    db = f"sqlite:///{workdir / 'matcher.sqlite3'}"
    store = Store(db)
    store.migrate()
    key = create_key(store, "bench").key
    store.engine.dispose()
    bind = f"127.0.0.1:{free_port()}"
    env = {**os.environ, "PYTHONPATH": str(root), "MATCHER_DATABASE_URL": db,
           "MATCHER_LOG_LEVEL": "WARNING", "MATCHER_THREADS": str(threads)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "matcher.cli", "serve", "--bind", bind, "--workers", str(workers),
         "--no-demo-key"], env=env, cwd=workdir, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://{bind}"
    wait_ready(url, proc, "/readyz")
    return proc, url, key


def start_echo(workdir: Path, workers: int, threads: int) -> tuple[subprocess.Popen, str, None]:
    """``durable_echo.py`` on a fresh SQLite file in ``workdir``; (process, url, None)."""
    bind = f"127.0.0.1:{free_port()}"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "durable_echo.py"), "--bind", bind,
         "--db", str(workdir / "echo.sqlite3"), "--workers", str(workers),
         "--threads", str(threads)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=workdir, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://{bind}"
    wait_ready(url, proc, "/healthz")
    return proc, url, None


def client_loop(args: tuple) -> tuple[list[float], int, int]:
    """One closed-loop client on one keep-alive connection: (latencies s, errors, bytes read)."""
    import random

    url, key, end, seed, vary = args
    host, port = url.removeprefix("http://").split(":")
    template = report_template()
    pool = hotspot_pool() if vary else None
    rng = random.Random(seed)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    latencies, errors, received = [], 0, 0
    for _ in range(1_000_000):  # bounded; the clock ends it
        if time.time() >= end:
            break
        doc = varied(template, rng, pool) if vary else dict(template)
        doc["report_id"] = f"COST-{seed}-{uuid.uuid4().hex}"
        body = json.dumps(doc).encode()
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/v1/reports", body=body, headers=headers)
            resp = conn.getresponse()
            received += len(resp.read())
            ok = resp.status == 201
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            ok = False
        dt = time.perf_counter() - t0
        if ok:
            latencies.append(dt)
        else:
            errors += 1
    conn.close()
    return latencies, errors, received


def load(url: str, key: str | None, clients: int, seconds: float, vary: bool,
         seed: int) -> dict:
    end = time.time() + seconds
    with mp.get_context("fork").Pool(clients) as pool:
        parts = pool.map(client_loop, [(url, key, end, seed + i, vary) for i in range(clients)])
    lat = sorted(x for part, _, _ in parts for x in part)
    errors = sum(e for _, e, _ in parts)
    if len(lat) < 2:
        return {"requests": len(lat), "errors": errors}
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"requests": len(lat), "errors": errors, "rps": round(len(lat) / seconds, 1),
            "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
            "bytes_per_response": round(sum(b for _, _, b in parts) / (len(lat) + errors))}


def measure(proc: subprocess.Popen, url: str, key: str | None, clients: int, seconds: float,
            vary: bool, seed: int) -> dict:
    cpu0 = server_cpu_seconds(proc)
    r = load(url, key, clients, seconds, vary, seed)
    if r.get("requests"):
        r["server_cpu_ms"] = round(
            (server_cpu_seconds(proc) - cpu0) * 1000 / (r["requests"] + r["errors"]), 2)
    return r


def spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, nargs="+", default=[2, 8])
    ap.add_argument("--seconds", type=float, default=6.0, help="per run and server (default 6)")
    ap.add_argument("--runs", type=int, default=3, help="runs per client count (default 3)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    ap.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    ap.add_argument("--vary", action="store_true",
                    help="a different report each request (20 hotspot changes, tumor type drawn)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--matcher-root", type=Path, default=ROOT, metavar="DIR",
                    help="serve the matcher code in DIR (e.g. an earlier commit: git archive "
                         "COMMIT matcher knowledgebase | tar -x -C DIR); the echo is always "
                         "this checkout's")
    a = ap.parse_args()
    if not (0 < a.seconds <= MAX_SECONDS and 0 < a.runs <= MAX_RUNS
            and all(0 < c <= MAX_CLIENTS for c in a.clients)):
        raise SystemExit(f"--seconds up to {MAX_SECONDS}, --runs up to {MAX_RUNS}, "
                         f"--clients up to {MAX_CLIENTS}")
    out: dict = {"seconds": a.seconds, "runs": a.runs, "workers": a.workers,
                 "threads": a.threads, "cpus": os.cpu_count(),
                 "reports": "varied" if a.vary else "same 20 variants, new report id",
                 "matcher_root": str(a.matcher_root),
                 "loadavg_start": [round(x, 2) for x in os.getloadavg()], "by_clients": {}}
    with tempfile.TemporaryDirectory(prefix="bench-api-cost-") as tmp:
        servers = {"echo": start_echo(Path(tmp), a.workers, a.threads),
                   "matcher": start_matcher(Path(tmp), a.workers, a.threads,
                                            a.matcher_root.resolve())}
        try:
            for _proc, url, key in servers.values():  # warm-up: connections, memos
                load(url, key, max(a.clients), 2.0, a.vary, 10_000)
            for clients in a.clients:
                runs = []
                for n in range(a.runs):
                    order = ("echo", "matcher") if n % 2 == 0 else ("matcher", "echo")
                    run = {kind: measure(*servers[kind], clients, a.seconds, a.vary,
                                         1000 * (n + 1)) for kind in order}
                    run["loadavg"] = round(os.getloadavg()[0], 2)
                    if run["echo"].get("rps") and run["matcher"].get("rps"):
                        run["ratio"] = round(run["matcher"]["rps"] / run["echo"]["rps"], 3)
                    runs.append(run)
                    if not a.json:
                        show_run(clients, n, run)
                out["by_clients"][clients] = summary = summarise(runs)
                if not a.json:
                    show_summary(clients, summary)
        finally:
            for proc, _, _ in servers.values():
                stop(proc)
    out["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    if a.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"load average at start {out['loadavg_start']}, at end {out['loadavg_end']}; "
              f"{os.cpu_count()} CPUs; gunicorn {a.workers} workers x {a.threads} threads; "
              f"reports: {out['reports']}")


def summarise(runs: list[dict]) -> dict:
    ok = [r for r in runs if "ratio" in r]
    summary: dict = {"runs": runs}
    if ok:
        summary["ratio"] = spread([r["ratio"] for r in ok])
        summary["matcher_p99_ms"] = spread([r["matcher"]["p99_ms"] for r in ok])
        summary["echo_rps"] = spread([r["echo"]["rps"] for r in ok])
        summary["matcher_rps"] = spread([r["matcher"]["rps"] for r in ok])
        summary["goal_met"] = (summary["ratio"]["median"] >= 0.5
                               and summary["matcher_p99_ms"]["median"] < 50)
    return summary


def show_run(clients: int, n: int, run: dict) -> None:
    cells = []
    for kind in ("echo", "matcher"):
        r = run[kind]
        cells.append(f"{kind} {r.get('rps', 0):7.1f} req/s p50 {r.get('p50_ms', '-'):>6} "
                     f"p99 {r.get('p99_ms', '-'):>6} ms cpu {r.get('server_cpu_ms', '-'):>6} "
                     f"ms/req err {r['errors']}")
    print(f"{clients:>2} clients run {n + 1}: " + " | ".join(cells)
          + f" | ratio {run.get('ratio', '-')} load {run['loadavg']}", flush=True)


def show_summary(clients: int, s: dict) -> None:
    if "ratio" not in s:
        print(f"{clients:>2} clients: no complete run")
        return
    r, p = s["ratio"], s["matcher_p99_ms"]
    print(f"{clients:>2} clients: ratio median {r['median']} ({r['min']}-{r['max']}), matcher p99 "
          f"median {p['median']} ms ({p['min']}-{p['max']}); goal >= 0.5 and < 50 ms: "
          f"{'met' if s['goal_met'] else 'NOT met'}", flush=True)


if __name__ == "__main__":
    main()
