"""Benchmark: concurrent clients POSTing a 20-variant lab JSON report to `matcher serve`.

Starts, on 127.0.0.1 only, (1) `matcher serve` on a fresh SQLite database and (2) a bare Flask
endpoint (reads the body, parses the JSON, answers 201) under the same gunicorn settings, then
drives each with the same closed-loop load for a fixed time and prints throughput and latency::

    .venv/bin/python bench/bench_api.py                      # 8 clients, 10 s each, 2 workers
    .venv/bin/python bench/bench_api.py --clients 16 --seconds 20 --workers 4 --json

Every request to Matcher is a new report (unique report_id), so each one is read, normalised,
matched and committed (SQLite WAL, synchronous=FULL). Goal: >= half the bare endpoint's
throughput, p99 < 50 ms.

Besides throughput and latency, the server's own CPU time per request is read from /proc (all
gunicorn processes, during the measured phase): it does not depend on how fast the clients are.
``--vary`` makes every report different (20 variants drawn from the 22,000 hotspot changes of
the shipped hotspot table, 10 tumor types), so the engine's memos cannot serve a repeated
report; the default posts the same 20 variants under a new report id each time.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXTRA_VARIANTS = [  # 17 more calls beside the sample's 3: 20 in all, a typical panel report
    ("KRAS", "p.Gly12Cys"), ("PIK3CA", "p.His1047Arg"), ("EGFR", "p.Leu858Arg"),
    ("TP53", "p.Arg175His"), ("PTEN", "p.Arg130Ter"), ("ATM", "p.Arg3008Cys"),
    ("APC", "p.Arg1450Ter"), ("NRAS", "p.Gln61Arg"), ("IDH1", "p.Arg132His"),
    ("ERBB2", "p.Ser310Phe"), ("FGFR3", "p.Ser249Cys"), ("CTNNB1", "p.Ser45Phe"),
    ("ARID1A", "p.Gln1334Ter"), ("SMAD4", "p.Arg361His"), ("KIT", "p.Asp816Val"),
    ("BRCA2", "p.Glu1953Ter"), ("NF1", "p.Arg1947Ter"),
]
TUMOR_TYPES = ("THAP", "MEL", "LUAD", "COADREAD", "BRCA", "GB", "BLCA", "PRAD", "UCEC", "AML")
MAX_SECONDS = 120
MAX_CLIENTS = 64


def report_template() -> dict:
    doc = json.loads((ROOT / "vcf_samples" / "atc_braf_v600e.json").read_text())
    for gene, change in EXTRA_VARIANTS:
        doc["variants"].append({"gene": gene, "protein_change": change, "vaf": 0.2,
                                "depth": 400, "origin": "somatic"})
    assert len(doc["variants"]) == 20
    return doc


def hotspot_pool() -> list[tuple[str, str]]:
    """Every (gene, protein change) of the shipped hotspot table: the pool --vary draws from."""
    import gzip

    path = ROOT / "knowledgebase" / "reference" / "hotspots.tsv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        next(fh)
        pool = {(r[5], r[6]) for r in (line.rstrip("\n").split("\t") for line in fh)
                if r[0] == "GRCh38" and r[6]}
    return sorted(pool)


def varied(doc: dict, rng, pool: list[tuple[str, str]]) -> dict:
    """``doc`` with 20 variants drawn from ``pool`` and a drawn tumor type."""
    calls = [{"gene": g, "protein_change": p, "vaf": 0.2, "depth": 400, "origin": "somatic"}
             for g, p in rng.sample(pool, 20)]
    return {**doc, "variants": calls, "tumor_type": rng.choice(TUMOR_TYPES)}


# ------------------------------------------------------------------------------ servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bare_app():
    """The baseline: a Flask endpoint that reads and parses the body and answers 201."""
    from flask import Flask, jsonify, request

    app = Flask("bare")

    @app.post("/v1/reports")
    def submit():
        doc = json.loads(request.get_data())
        return jsonify({"report_id": doc.get("report_id"), "status": "ok"}), 201

    @app.get("/healthz")
    def health():
        return {"status": "ok"}

    return app


def run_bare(bind: str, workers: int) -> None:
    """Serve bare_app() with the same gunicorn settings as `matcher serve`."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            for k, v in {"bind": bind, "workers": workers, "worker_class": "sync",
                         "preload_app": True, "accesslog": None, "loglevel": "warning",
                         "timeout": 60, "control_socket_disable": True}.items():
                self.cfg.set(k, v)

        def load(self):
            return bare_app()

    sys.argv = sys.argv[:1]
    Server().run()


def wait_ready(url: str, proc: subprocess.Popen, path: str) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if requests.get(url + path, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} not ready")


def start(kind: str, workers: int, workdir: Path,
          curated_only: bool = False) -> tuple[subprocess.Popen, str, str | None]:
    port = free_port()
    bind = f"127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if curated_only:
        env["MATCHER_KB_IMPORTED"] = "0"
    key = None
    if kind == "matcher":
        from matcher.service.auth import create_key
        from matcher.service.store import Store

        db = f"sqlite:///{workdir / 'bench.sqlite3'}"
        store = Store(db)
        store.migrate()
        key = create_key(store, "bench").key
        store.engine.dispose()
        env.update(MATCHER_DATABASE_URL=db, MATCHER_LOG_LEVEL="WARNING")
        cmd = [sys.executable, "-m", "matcher.cli", "serve", "--bind", bind,
               "--workers", str(workers), "--no-demo-key"]
        ready = "/readyz"
    else:
        cmd = [sys.executable, __file__, "--serve-bare", bind, "--workers", str(workers)]
        ready = "/healthz"
    proc = subprocess.Popen(cmd, env=env, cwd=workdir, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://{bind}"
    wait_ready(url, proc, ready)
    return proc, url, key


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


# ------------------------------------------------------------------------------ load
def server_cpu_seconds(proc: subprocess.Popen) -> float:
    """User + system CPU time of every live process in the server's session (master, workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[3]) == proc.pid:  # field 6 of stat, the session id
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def client_loop(args: tuple) -> tuple[list[float], int]:
    """One closed-loop client: post until the end time; latencies (s) and error count."""
    import random

    import requests

    url, key, end, seed, vary = args
    template = report_template()
    pool = hotspot_pool() if vary else None
    rng = random.Random(seed)
    session = requests.Session()
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    latencies, errors = [], 0
    for n in range(1_000_000):  # bounded; the clock ends it
        if time.time() >= end:
            break
        doc = varied(template, rng, pool) if vary else template
        doc["report_id"] = f"BENCH-{seed}-{n}-{uuid.uuid4().hex[:8]}"
        body = json.dumps(doc)
        t0 = time.perf_counter()
        try:
            r = session.post(url + "/v1/reports", data=body, headers=headers, timeout=30)
            ok = r.status_code == 201
        except requests.RequestException:
            ok = False
        dt = time.perf_counter() - t0
        if ok:
            latencies.append(dt)
        else:
            errors += 1
    return latencies, errors


def load(url: str, key: str | None, clients: int, seconds: float, vary: bool = False,
         seed: int = 0) -> dict:
    end = time.time() + seconds
    with mp.get_context("fork").Pool(clients) as pool:
        parts = pool.map(client_loop, [(url, key, end, seed + i, vary) for i in range(clients)])
    lat = sorted(x for part, _ in parts for x in part)
    errors = sum(e for _, e in parts)
    if not lat:
        return {"requests": 0, "errors": errors}
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"requests": len(lat), "errors": errors, "throughput_rps": round(len(lat) / seconds, 1),
            "p50_ms": round(q[49] * 1000, 2), "p99_ms": round(q[98] * 1000, 2),
            "max_ms": round(lat[-1] * 1000, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--curated-only", action="store_true",
                    help="serve the curated KB alone (MATCHER_KB_IMPORTED=0), without CIViC")
    ap.add_argument("--vary", action="store_true",
                    help="a different report each request (20 hotspot changes, tumor type drawn)")
    ap.add_argument("--serve-bare", metavar="BIND", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve_bare:
        if not a.serve_bare.startswith("127.0.0.1:"):
            raise SystemExit("the bare server binds to 127.0.0.1 only")
        run_bare(a.serve_bare, a.workers)
        return
    if not (0 < a.seconds <= MAX_SECONDS and 0 < a.clients <= MAX_CLIENTS):
        raise SystemExit(f"--seconds up to {MAX_SECONDS}, --clients up to {MAX_CLIENTS}")
    results = {"clients": a.clients, "seconds": a.seconds, "workers": a.workers,
               "cpus": os.cpu_count(), "kb": "curated" if a.curated_only else "curated+civic",
               "reports": "varied" if a.vary else "same 20 variants"}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("bare", "matcher"):
            proc, url, key = start(kind, a.workers, Path(tmp), a.curated_only)
            try:
                load(url, key, a.clients, min(2.0, a.seconds), a.vary, 1000)  # warm-up
                cpu0 = server_cpu_seconds(proc)
                results[kind] = r = load(url, key, a.clients, a.seconds, a.vary)
                if r.get("requests"):
                    r["server_cpu_ms"] = round(
                        (server_cpu_seconds(proc) - cpu0) * 1000 / (r["requests"] + r["errors"]), 2)
            finally:
                stop(proc)
    bare, m = results["bare"], results["matcher"]
    if bare.get("requests") and m.get("requests"):
        results["ratio"] = round(m["throughput_rps"] / bare["throughput_rps"], 3)
        results["goal_met"] = results["ratio"] >= 0.5 and m["p99_ms"] < 50
    if a.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{a.clients} clients x {a.seconds:g} s, gunicorn sync, {a.workers} workers, "
          f"{os.cpu_count()} CPUs; 20-variant lab JSON, new report each request; "
          f"KB {results['kb']}; reports: {results['reports']}")
    print(f"{'target':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'errors':>8}"
          f"{'server CPU ms/req':>19}")
    for kind in ("bare", "matcher"):
        r = results[kind]
        print(f"{kind:<10}{r.get('throughput_rps', 0):>10}{r.get('p50_ms', '-'):>10}"
              f"{r.get('p99_ms', '-'):>10}{r.get('max_ms', '-'):>10}{r['errors']:>8}"
              f"{r.get('server_cpu_ms', '-'):>19}")
    if "ratio" in results:
        print(f"matcher/bare throughput {results['ratio']:.2f} (goal >= 0.5), "
              f"p99 {m['p99_ms']} ms (goal < 50): {'met' if results['goal_met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
