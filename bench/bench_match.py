#!/usr/bin/env python3
"""Time the library core on one 20-variant lab JSON report: pipeline.run and to_json.

    .venv/bin/python bench/bench_match.py [--curated-only] [-n 30]

Run by hand; figures go in the closing notes, never in tests.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from matcher.kb.loader import load_kb
from matcher.pipeline import run

ROOT = Path(__file__).resolve().parent.parent
PANEL = [("PIK3CA", "E545K"), ("TSC2", "Q1178*"), ("KRAS", "G12D"), ("NRAS", "Q61R"),
         ("EGFR", "L858R"), ("ALK", "F1174L"), ("TP53", "R175H"), ("PTEN", "R130*"),
         ("APC", "R1450*"), ("CTNNB1", "S45F"), ("IDH1", "R132H"), ("ERBB2", "S310F"),
         ("FGFR3", "S249C"), ("MET", "D1228N"), ("KIT", "D816V"), ("NF1", "R1276*"),
         ("ARID1A", "Q372*")]


def main() -> None:
    """Load the KB once, then time n runs of each step."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curated-only", action="store_true", help="Leave out the CIViC import.")
    ap.add_argument("-n", type=int, default=30, help="Repetitions (default 30).")
    args = ap.parse_args()
    t0 = time.perf_counter()
    kb = load_kb(imported=not args.curated_only)
    load = time.perf_counter() - t0
    doc = json.loads((ROOT / "vcf_samples" / "atc_braf_v600e.json").read_text())
    doc["variants"] += [{"gene": g, "protein_change": p} for g, p in PANEL]
    data = json.dumps(doc).encode()
    for _ in range(3):
        result = run(data, kb=kb)[0]
    n = args.n
    t = time.perf_counter()
    for _ in range(n):
        result = run(data, kb=kb)[0]
    t1 = time.perf_counter()
    for _ in range(n):
        s = result.to_json()
    t2 = time.perf_counter()
    print(f"KB load {load:.2f} s ({kb.counts()['evidence']} evidence items); "
          f"{len(doc['variants'])} variants -> {len(result.therapy_options)} options; "
          f"run {(t1 - t) / n * 1000:.1f} ms, to_json {(t2 - t1) / n * 1000:.2f} ms, "
          f"result {len(s.encode()) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
