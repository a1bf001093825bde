#!/usr/bin/env python3
"""Time loading the reference data and the lookups a VCF reader makes per record.

Usage: python bench/bench_reference.py   (goals: each load well under 1 s; lookups in µs)
"""

from __future__ import annotations

import random
import time

from matcher.reference.hotspots import GeneSpans, HotspotIndex
from matcher.reference.tumors import OncoTree

GOAL_LOAD_S = 0.5


def timed(label: str, func, repeat: int = 1):
    """Run ``func`` ``repeat`` times, print the mean time, return the last result."""
    start = time.perf_counter()
    for _ in range(repeat):
        result = func()
    mean = (time.perf_counter() - start) / repeat
    unit, value = ("ms", mean * 1e3) if mean >= 1e-3 else ("µs", mean * 1e6)
    print(f"{label:<45} {value:8.2f} {unit}")
    return result, mean


def main() -> int:
    """Print timings; exit 1 if a load misses its goal."""
    slow = []
    tree, t = timed("OncoTree.load", OncoTree.load, 5)
    slow += [("OncoTree.load", t)] if t > GOAL_LOAD_S else []
    index, t = timed("HotspotIndex.load", HotspotIndex.load, 5)
    slow += [("HotspotIndex.load", t)] if t > GOAL_LOAD_S else []
    spans, t = timed("GeneSpans.load", GeneSpans.load, 5)
    slow += [("GeneSpans.load", t)] if t > GOAL_LOAD_S else []

    rng = random.Random(1)
    probes = [(str(rng.randint(1, 22)), rng.randint(1, 50_000_000)) for _ in range(10_000)]
    it = iter(probes * 100)
    timed("GeneSpans.genes_at (per call)",
          lambda: spans.genes_at("GRCh38", *next(it)), 10_000)
    timed("HotspotIndex.lookup SNV (per call)",
          lambda: index.lookup("GRCh37", "chr7", 140453136, "A", "T"), 10_000)
    timed("HotspotIndex.lookup miss (per call)",
          lambda: index.lookup("GRCh37", "7", 140453137, "A", "T"), 10_000)
    timed("HotspotIndex.regions GRCh38 (all genes)", lambda: index.regions("GRCh38"), 5)
    timed("OncoTree.in_scope (per call)",
          lambda: tree.in_scope("READ", ["SOLID"], ["COADREAD"]), 10_000)
    timed("OncoTree.resolve unknown + suggestions", lambda: _suggest(tree), 20)
    for name, t in slow:
        print(f"SLOW: {name} took {t:.3f} s (goal {GOAL_LOAD_S} s)")
    return 1 if slow else 0


def _suggest(tree: OncoTree) -> list[str]:
    return tree.suggest("anaplastic thyroid carcinoma")


if __name__ == "__main__":
    raise SystemExit(main())
