#!/usr/bin/env python3
"""Size of the JSON result of the 20-variant panel report: compact view vs full view, one run.

    .venv/bin/python bench/bench_result_size.py [--curated-only] [-n 20]
    .venv/bin/python bench/bench_result_size.py --write-fixture   # rebuild bench/panel_20.json

The panel (bench/panel_20.json) is the sample report vcf_samples/atc_braf_v600e.json (BRAF
V600E, TP53 R248Q, TERT promoter) with the 17 hotspot calls of bench/bench_api.py (KRAS G12C,
PIK3CA H1047R, EGFR L858R, IDH1 R132H, KIT D816V …), 20 variants in all, tumor type THAP. It is
matched once with the default KB (curated + CIViC); both views of that one result are measured:
the bytes the API serves (compact JSON, as stored) and `matcher match -f json` prints
(indented), what the store keeps (compact view + compressed detail), and the time to make the
compact view, the detail and the full view again (median of n, spread min-max). Goal (issue 13):
compact <= 64 KiB. Run by hand; figures go in bench/README.md, never in tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import zlib
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
PANEL = ROOT / "bench" / "panel_20.json"
GOAL = 64 * 1024


def write_fixture() -> None:
    """bench/panel_20.json from the bench API report (the sample plus 17 hotspot calls)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_api import report_template

    doc = report_template()
    doc["report_id"] = "BENCH-PANEL-20"
    PANEL.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {PANEL.relative_to(ROOT)}: {len(doc['variants'])} variants")


def _timed(fn, n: int) -> tuple[float, float, float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curated-only", action="store_true", help="Leave out the CIViC import.")
    ap.add_argument("-n", type=int, default=20, help="Repetitions of each timing (default 20).")
    ap.add_argument("--write-fixture", action="store_true", help="Rebuild bench/panel_20.json.")
    args = ap.parse_args()
    if args.write_fixture:
        write_fixture()
        return

    from matcher.kb.loader import load_kb
    from matcher.pipeline import run
    from matcher.render.compact import compact_view, expand, full_view, split
    from matcher.service.result_codec import encode

    kb = load_kb(imported=not args.curated_only)
    result = run(PANEL.read_bytes(), kb=kb)[0]
    data = result.to_dict()
    full, compact = full_view(data), compact_view(data)
    full_bytes, compact_bytes = orjson.dumps(full), orjson.dumps(compact)
    full_cli = json.dumps(full, indent=2).encode()
    compact_cli = json.dumps(compact, indent=2).encode()
    stored = encode(result)
    stored_bytes = len(stored.result_json.encode()) + len(stored.detail or b"")
    _, detail = split(data)
    assert expand(compact, detail) == full  # the full view is rebuilt exactly

    kib = 1024
    matches = sum(len(o.matches) + len(o.resistance) for o in result.therapy_options)
    print(f"panel: {len(json.loads(PANEL.read_text())['variants'])} variants, tumor type "
          f"{result.tumor_type.code if result.tumor_type else None}; "
          f"KB {kb.counts()['evidence']} evidence items; {len(result.therapy_options)} options, "
          f"{matches + len(result.resistance)} evidence matches "
          f"({len(detail['evidence'])} distinct items), compact table "
          f"{len(compact['evidence'])} items")
    print(f"API/stored JSON   full {len(full_bytes) / kib:7.1f} KiB   compact "
          f"{len(compact_bytes) / kib:6.1f} KiB   ratio {len(compact_bytes) / len(full_bytes):.3f}"
          f" ({len(full_bytes) / len(compact_bytes):.1f}x smaller)   goal <= 64 KiB: "
          f"{'met' if len(compact_bytes) <= GOAL else 'NOT met'}")
    print(f"CLI (indent 2)    full {len(full_cli) / kib:7.1f} KiB   compact "
          f"{len(compact_cli) / kib:6.1f} KiB   ratio {len(compact_cli) / len(full_cli):.3f}")
    print(f"store             full {len(full_bytes) / kib:7.1f} KiB   compact + detail "
          f"{stored_bytes / kib:6.1f} KiB   ratio {stored_bytes / len(full_bytes):.3f} "
          f"(detail {len(stored.detail or b'') / kib:.1f} KiB zlib)")
    raw_detail = orjson.dumps(detail)
    for label, fn in (
        ("compact view", lambda: compact_view(data)),
        ("split (view + detail)", lambda: split(data)),
        ("zlib the detail", lambda: zlib.compress(raw_detail, 1)),
        ("store encode, all", lambda: encode(result)),
        ("full view again", lambda: expand(compact, orjson.loads(zlib.decompress(stored.detail)))),
    ):
        med, lo, hi = _timed(fn, args.n)
        print(f"  {label:<24} {med:6.2f} ms  (min {lo:.2f}, max {hi:.2f}, n={args.n})")


if __name__ == "__main__":
    main()
