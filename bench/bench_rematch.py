"""Benchmark: `matcher rematch` over many stored reports with 1, 2, 4 ... workers.

Fills an EMPTY database (PostgreSQL for more than one worker; SQLite runs one) with synthetic
lab JSON reports (two to four hotspot alleles each from twenty, ten tumor types, two labs; stored
content is the lab JSON, the stored result an empty one so that every option shows as new), then
runs ``matcher rematch --workers W`` once per worker count, clearing the change records in
between, and prints reports per second (first to last record written: the KB load is left out)
and the ratio to one worker::

    .venv/bin/python bench/bench_rematch.py --database-url postgresql://... --reports 4000
    .venv/bin/python bench/bench_rematch.py --database-url ... --reports 100000 --workers 1 2 4

Goals (issue 14): >= 300 reports/s per worker with the default KB; >= 1.7x with two workers on
two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_alterations import ALLELES, TUMORS  # noqa: E402

from matcher.service.store import Store  # noqa: E402
from matcher.service.store_models import (  # noqa: E402
    reinterpretations,
    rematch_batches,
    rematch_jobs,
    reports,
)


def fill(store: Store, n: int, seed: int = 14, chunk: int = 2000) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    for base in range(0, n, chunk):
        rows = []
        for i in range(base, min(base + chunk, n)):
            doc = {"report_id": f"B-{i}", "tumor_type": rng.choice(TUMORS),
                   "variants": [{"gene": g, "protein_change": c}
                                for g, c in rng.sample(ALLELES, rng.randint(2, 4))]}
            body = json.dumps(doc).encode()
            rows.append(dict(
                lab=f"lab-{i % 2}", report_id=doc["report_id"], version=1, is_current=True,
                content_sha256=f"{i:064d}", content_size=len(body), content=body,
                source_format="labjson", params=json.dumps({"format": "labjson"}),
                alterations="[]", result=json.dumps({"therapy_options": [], "resistance": []}),
                kb_version="bench", kb_hash="bench", matcher_version="bench", created_at=now))
        with store._write() as conn:
            conn.execute(insert(reports), rows)


def clear(store: Store) -> None:
    with store._write() as conn:
        for table in (reinterpretations, rematch_batches, rematch_jobs):
            conn.execute(delete(table))


def run(url: str, workers: int, batch: int, kb: str | None) -> dict:
    cmd = [sys.executable, "-m", "matcher.cli", "rematch", "--workers", str(workers),
           "--batch-size", str(batch), "--json", "--no-progress"]
    if kb:
        cmd += ["--kb", kb]
    t = time.perf_counter()
    out = subprocess.run(cmd, env=dict(os.environ, MATCHER_DATABASE_URL=url), cwd=ROOT,
                         capture_output=True, check=True).stdout
    wall = time.perf_counter() - t
    return {"wall_s": wall, "worked": json.loads(out)["worked"]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", help="an EMPTY database (default: a temporary SQLite)")
    ap.add_argument("--reports", type=int, default=4000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch-size", type=int, default=50)
    ap.add_argument("--kb", help="KB folder (default: the shipped one, CIViC import included)")
    args = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3"
    store = Store(url)
    store.migrate()
    with store.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(reports)).scalar_one():
            sys.exit("the database is not empty")
    fill(store, args.reports)
    print(f"{args.reports:,} stored reports on {store.dialect}; cores: {os.cpu_count()}")
    base = None
    for w in args.workers:
        clear(store)
        r = run(url, w, args.batch_size, args.kb)
        with store.engine.connect() as conn:
            first, last, n = conn.execute(select(
                func.min(reinterpretations.c.created_at), func.max(reinterpretations.c.created_at),
                func.count())).one()
        span = (last - first).total_seconds() or 1e-9
        rate = n / span
        base = base or rate
        print(f"  {w} worker(s): {n} re-matched in {span:.1f} s (wall {r['wall_s']:.1f} s with "
              f"KB load): {rate:.0f} reports/s, {rate / w:.0f} per worker; "
              f"{rate / base:.2f}x one worker")
        assert n == args.reports == r["worked"]
    store.engine.dispose()


if __name__ == "__main__":
    main()
