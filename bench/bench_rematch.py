"""Benchmark: `matcher rematch` over many stored reports with 1, 2, 4 ... workers.

Fills an EMPTY database (PostgreSQL for more than one worker; SQLite runs one) with synthetic
lab JSON reports (two to four hotspot alleles each from twenty, ten tumor types, two labs; stored
as the API stores them: the lab JSON, its normalised alterations and a result; ``--stored empty``
(default): the stored result has no option, so every option shows as new and every re-match
writes its whole result; ``--stored same``: the stored levels are the KB's own, nothing changes),
then runs ``matcher rematch --workers W`` once per worker count, clearing the change records in
between, and prints reports per second (first to last record written: the KB load is left out)
and the ratio to one worker::

    .venv/bin/python bench/bench_rematch.py --database-url postgresql://... --reports 4000
    .venv/bin/python bench/bench_rematch.py --database-url ... --reports 100000 --workers 1 2 4
    .venv/bin/python bench/bench_rematch.py --database-url ... --reuse --workers 4  # same fill

Goals (issue 14): >= 300 reports/s per worker with the default KB; >= 1.7x with two workers on
two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import orjson
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


def fill(store: Store, n: int, kb, stored: str = "empty", seed: int = 14,  # noqa: ANN001
         chunk: int = 2000) -> None:
    """``n`` reports as the API stores them: the lab JSON, its normalised alterations, and a
    result that is either empty of options (``stored='empty'``: every option is new, so every
    re-match writes its whole new result) or the levels under ``kb`` itself (``'same'``: nothing
    changes, as for most reports after a KB release). Stored results hold only the tumor type,
    warnings and levels (a real one with the CIViC import is ~115 KiB)."""
    from matcher.normalize import normalize_report
    from matcher.pipeline import read_reports
    from matcher.service.rematcher import Rematcher

    rng = random.Random(seed)
    now = datetime.now(UTC)
    levels = Rematcher(kb)
    for base in range(0, n, chunk):
        rows = []
        for i in range(base, min(base + chunk, n)):
            doc = {"report_id": f"B-{i}", "tumor_type": rng.choice(TUMORS),
                   "variants": [{"gene": g, "protein_change": c}
                                for g, c in rng.sample(ALLELES, rng.randint(2, 4))]}
            body = json.dumps(doc).encode()
            [report] = read_reports(body, fmt="labjson", kb=kb)
            alts = orjson.dumps(normalize_report(report, kb).alterations).decode()
            result = {"report_id": doc["report_id"], "source_format": "labjson",
                      "tumor_type": {"code": doc["tumor_type"]}, "warnings": [],
                      "therapy_options": [], "resistance": []}
            if stored == "same":
                rep = SimpleNamespace(report_id=doc["report_id"], alterations_json=alts)
                result.update(levels.rematch(rep, result).levels)
            rows.append(dict(
                lab=f"lab-{i % 2}", report_id=doc["report_id"], version=1, is_current=True,
                content_sha256=f"{i:064d}", content_size=len(body), content=body,
                source_format="labjson", params=json.dumps({"format": "labjson"}),
                alterations=alts, result=json.dumps(result),
                kb_version="bench", kb_hash="bench", matcher_version="bench", created_at=now))
        with store._write() as conn:
            conn.execute(insert(reports), rows)


def clear(store: Store) -> None:
    with store._write() as conn:
        for table in (reinterpretations, rematch_batches, rematch_jobs):
            conn.execute(delete(table))


def _changed(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(reinterpretations)
                            .where(reinterpretations.c.changed)).scalar_one()


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def kb_load_cpu(kb: str | None) -> float:
    """CPU seconds a fresh process spends importing and loading (and warming) the KB."""
    code = ("import sys; from matcher.kb.loader import load_kb; "
            "from matcher.pipeline import warm_up; "
            "warm_up(load_kb(sys.argv[1] if len(sys.argv) > 1 else None))")
    before = _children_cpu()
    subprocess.run([sys.executable, "-c", code, *([kb] if kb else [])], cwd=ROOT, check=True)
    return _children_cpu() - before


def run(url: str, workers: int, batch: int, kb: str | None) -> dict:
    cmd = [sys.executable, "-m", "matcher.cli", "rematch", "--workers", str(workers),
           "--batch-size", str(batch), "--json", "--no-progress"]
    if kb:
        cmd += ["--kb", kb]
    t, cpu = time.perf_counter(), _children_cpu()
    out = subprocess.run(cmd, env=dict(os.environ, MATCHER_DATABASE_URL=url), cwd=ROOT,
                         capture_output=True, check=True).stdout
    wall = time.perf_counter() - t
    return {"wall_s": wall, "cpu_s": _children_cpu() - cpu, "worked": json.loads(out)["worked"]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", help="an EMPTY database (default: a temporary SQLite)")
    ap.add_argument("--reports", type=int, default=4000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch-size", type=int, default=50)
    ap.add_argument("--kb", help="KB folder (default: the shipped one, CIViC import included)")
    ap.add_argument("--stored", choices=("empty", "same"), default="empty",
                    help="stored results: no options (every re-match changes and writes its "
                         "new result) or the same KB's levels (nothing changes)")
    ap.add_argument("--reuse", action="store_true",
                    help="re-use the reports already in the database (a previous fill)")
    args = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3"
    store = Store(url)
    store.migrate()
    with store.engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(reports)).scalar_one()
    if have and not args.reuse:
        sys.exit("the database is not empty (--reuse to re-match what it holds)")
    if not have:
        from matcher.kb.loader import load_kb

        t = time.perf_counter()
        fill(store, args.reports, load_kb(args.kb), args.stored)
        print(f"filled in {time.perf_counter() - t:.0f} s")
    args.reports = have or args.reports
    print(f"{args.reports:,} stored reports on {store.dialect}; cores: {os.cpu_count()}; "
          f"load average {os.getloadavg()[0]:.1f}")
    load_cpu = kb_load_cpu(args.kb)
    print(f"KB load and warm-up: {load_cpu:.1f} s CPU per run (left out of the CPU rate)")
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
        changed = _changed(store)
        print(f"  {w} worker(s): {n} re-matched ({changed} changed) in {span:.1f} s "
              f"(wall {r['wall_s']:.1f} s with KB load): {rate:.0f} reports/s, "
              f"{rate / w:.0f} per worker; {rate / base:.2f}x one worker; load average "
              f"{os.getloadavg()[0]:.1f}")
        cpu = r["cpu_s"] - load_cpu
        print(f"    CPU of the workers: {cpu:.1f} s, {1000 * cpu / n:.2f} ms per report: "
              f"{n / cpu:.0f} reports per CPU-second (client side; PostgreSQL not counted)")
        assert n == args.reports == r["worked"]
    store.engine.dispose()


if __name__ == "__main__":
    main()
