"""Benchmark: "which of my patients have BRAF V600E in thyroid cancer" over 100,000 stored reports.

Fills a fresh store (SQLite file by default, or ``--database-url`` PostgreSQL) with synthetic
reports: three hotspot alterations each, drawn from twenty hotspot alleles, across ten tumor
types and two labs, written straight into ``reports`` and ``report_alterations`` the way
:meth:`Store.submit` writes them (the results are minimal: alterations and tumor type only).
Then times the indexed query (:func:`find_alterations`: one page of 50 and the total) and, as the
baseline, the only way there was before the table: read the lab's stored results and look
through their alterations in Python. Prints milliseconds per query and the ratio::

    .venv/bin/python bench/bench_alterations.py                      # 100,000 reports, SQLite
    .venv/bin/python bench/bench_alterations.py --reports 20000 --database-url postgresql://...

Goal (issue 14): the alteration query under 50 ms at 100,000 reports.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher.kb.loader import load_kb  # noqa: E402
from matcher.reference.protein import parse_protein_change  # noqa: E402
from matcher.service.alterations import (  # noqa: E402
    alteration_rows,
    build_query,
    find_alterations,
)
from matcher.service.store import Store  # noqa: E402
from matcher.service.store_models import report_alterations, reports  # noqa: E402

ALLELES = [("BRAF", "V600E"), ("KRAS", "G12C"), ("KRAS", "G12D"), ("KRAS", "G12V"),
           ("NRAS", "Q61K"), ("NRAS", "Q61R"), ("EGFR", "L858R"), ("EGFR", "T790M"),
           ("PIK3CA", "H1047R"), ("PIK3CA", "E545K"), ("PIK3CA", "E542K"), ("IDH1", "R132H"),
           ("IDH2", "R140Q"), ("TP53", "R175H"), ("TP53", "R248Q"), ("TP53", "R273H"),
           ("HRAS", "Q61R"), ("AKT1", "E17K"), ("ERBB2", "S310F"), ("FGFR3", "S249C")]
TUMORS = ["THAP", "THPA", "COAD", "LUAD", "MEL", "BRCA", "UCEC", "BLCA", "PAAD", "GB"]


def _result(rng: random.Random, n: int) -> dict:
    picks = rng.sample(ALLELES, 3)
    alts = []
    for i, (gene, change) in enumerate(picks, 1):
        alts.append({"status": "matched", "alteration": {
            "id": f"A{i}", "kind": "variant", "gene": gene, "label": f"{gene} {change}",
            "origin": "somatic", "filter_reason": None,
            "variant": {"consequence": "missense", "protein": {"canonical": change}}}})
    return {"report_id": f"R{n}", "tumor_type": {"code": rng.choice(TUMORS)},
            "alterations": alts}


def fill(store: Store, n_reports: int, seed: int = 14, chunk: int = 2000) -> None:
    """Write ``n_reports`` synthetic reports (two labs) and their alteration rows."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for base in range(0, n_reports, chunk):
        with store._write() as conn:
            rows, results = [], []
            for n in range(base, min(base + chunk, n_reports)):
                res = _result(rng, n)
                results.append(res)
                rows.append(dict(
                    lab=f"lab-{n % 2}", report_id=f"R{n}", version=1, is_current=True,
                    content_sha256="0" * 64, content_size=0, content=None,
                    source_format="labjson", params="{}", alterations="[]",
                    result=json.dumps(res), kb_version="bench", kb_hash="bench",
                    matcher_version="bench", created_at=start + timedelta(minutes=n)))
            stmt = insert(reports).returning(reports.c.id, sort_by_parameter_order=True)
            ids = conn.execute(stmt, rows).scalars().all()
            alt_rows = []
            for pk, row, res in zip(ids, rows, results, strict=True):
                alt_rows += alteration_rows(res, report_pk=pk, lab=row["lab"],
                                            report_id=row["report_id"], version=1,
                                            is_current=True, created_at=row["created_at"])
            conn.execute(insert(report_alterations), alt_rows)


def baseline(store: Store, lab: str, gene: str, change: str, tumors: set[str]) -> int:
    """Before the table: every stored result of the lab read and searched in Python."""
    found = 0
    q = select(reports.c.result).where(reports.c.lab == lab, reports.c.is_current)
    with store.engine.connect() as conn:
        for (text,) in conn.execute(q):
            res = json.loads(text)
            if (res.get("tumor_type") or {}).get("code") not in tumors:
                continue
            if any((o["alteration"].get("gene"), o["alteration"]["variant"]["protein"]["canonical"])
                   == (gene, change) for o in res["alterations"]):
                found += 1
    return found


def timed(fn, repeat: int, cpu: list[float] | None = None) -> list[float]:  # noqa: ANN001
    """Wall milliseconds of each call (and this process's CPU milliseconds into ``cpu``)."""
    out = []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - t) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c) * 1000)
    return out


def server_ms(store: Store, fn, repeat: int) -> float | None:  # noqa: ANN001
    """PostgreSQL: median execution time (EXPLAIN ANALYZE, summed over the statements ``fn``
    runs) on the server, which the machine's other load touches less than the wall time."""
    if store.dialect != "postgresql":
        return None
    from sqlalchemy import event

    seen: list = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", grab)
    try:
        fn()
    finally:
        event.remove(store.engine, "before_cursor_execute", grab)
    runs = []
    with store.engine.connect() as conn:
        cur = conn.connection.cursor()
        for _ in range(repeat):
            total = 0.0
            for statement, parameters in seen:
                cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
                total += cur.fetchone()[0][0]["Execution Time"]
            runs.append(total)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--database-url", help="an EMPTY database (default: a temporary SQLite)")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="query the reports a previous run left in --database-url (no fill)")
    ap.add_argument("--vacuum", action="store_true",
                    help="PostgreSQL: VACUUM ANALYZE the tables first (what autovacuum does "
                         "some time after a bulk load); without it the figures are those "
                         "right after the fill")
    args = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3"
    store = Store(url)
    store.migrate()
    t = time.perf_counter()
    with store.engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(reports)).scalar_one()
    if have and not args.reuse:
        sys.exit("the database is not empty (--reuse to query what it holds)")
    if not have:
        fill(store, args.reports)
    args.reports = have or args.reports
    fill_s = time.perf_counter() - t
    if args.vacuum and store.dialect == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE reports")
            conn.exec_driver_sql("VACUUM ANALYZE report_alterations")
    kb = load_kb()
    queries = {
        "BRAF V600E in THYROID (and below)": dict(gene="BRAF", alteration="V600E",
                                                 tumor_type="THYROID"),
        "KRAS G12C, any tumor": dict(gene="KRAS", alteration="G12C"),
        "PIK3CA H1047R in BRCA": dict(gene="PIK3CA", alteration="p.His1047Arg",
                                      tumor_type="BRCA"),
    }
    out = {"reports": args.reports, "database": store.dialect, "fill_s": round(fill_s, 1),
           "queries": {}}
    for name, spec in queries.items():
        q = build_query(kb, "lab-0", **spec)
        _, total = find_alterations(store, q)
        cpu: list[float] = []
        ms = timed(lambda q=q: find_alterations(store, q), args.repeat, cpu)
        server = server_ms(store, lambda q=q: find_alterations(store, q), args.repeat)
        tumors = set(q.tumor_types) if q.tumor_types else set(TUMORS)
        change = parse_protein_change(spec["alteration"]).canonical
        assert baseline(store, "lab-0", q.gene, change, tumors) == total  # same answer
        base = timed(lambda q=q, t=tumors, c=change: baseline(store, "lab-0", q.gene, c, t),
                     max(3, args.repeat // 10))
        med, base_med = statistics.median(ms), statistics.median(base)
        out["queries"][name] = {"total": total, "median_ms": round(med, 2),
                                "p95_ms": round(sorted(ms)[int(len(ms) * 0.95) - 1], 2),
                                "client_cpu_ms": round(statistics.median(cpu), 2),
                                "server_ms": None if server is None else round(server, 2),
                                "baseline_median_ms": round(base_med, 1),
                                "speedup": round(base_med / med, 1)}
    store.engine.dispose()
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{args.reports:,} reports on {out['database']} (filled in {fill_s:.1f} s); load "
          f"average {os.getloadavg()[0]:.1f}")
    for name, r in out["queries"].items():
        server = "" if r["server_ms"] is None else f", server {r['server_ms']} ms"
        print(f"  {name}: {r['total']} found; indexed {r['median_ms']} ms median "
              f"(p95 {r['p95_ms']}; client CPU {r['client_cpu_ms']} ms{server}); "
              f"baseline (scan results) {r['baseline_median_ms']} ms; "
              f"ratio {r['speedup']}x")


if __name__ == "__main__":
    main()
