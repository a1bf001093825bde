#!/usr/bin/env python3
"""End to end on a whole-genome VCF: `matcher match FILE --format json` against `zcat FILE | wc -l`.

Usage: python bench/bench_wgs.py [--records 5000000] [--repeat 5] [--imported 1|0] [--indexed]
                                [--baseline DIR]

Makes bench/out/wgs.vcf.gz with bench/make_big_vcf.py if missing (GRCh38, bgzipped, sorted, with
##contig lines: the reader skips BGZF blocks; ``--indexed`` uses a tabix-indexed copy instead).
Each repeat times `zcat FILE | wc -l` and then the matcher command in a fresh process, back to
back, and prints their wall-time ratio (the goal's measure), their CPU-time ratio (user + system
of all processes: steadier on a shared machine), the matcher's peak RSS (wait4 rusage) and the
JSON size; at the end the median and spread of the ratios. Accuracy: the hidden actionable calls
must be in the JSON result (exit 1 otherwise). ``--baseline DIR`` also times, in each repeat, the
``matcher`` package found in DIR (e.g. ``git archive OLD matcher knowledgebase | tar -x -C
DIR``), so a change is measured against the code before it in the same run.
Goal (issue 13): ratio <= 1.0, peak < 200 MB; stretch <= 0.5.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_vcf import end_to_end, zcat_wc  # same folder

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HIDDEN = ("BRAF V600E", "PIK3CA H1047R", "TP53 R248Q", "KRAS G12D", "EML4::ALK")


def cpu(fn, *args):
    """(fn's result, CPU seconds, user + system, of the child processes it ran and reaped)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = fn(*args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return out, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> int:
    """Print the figures; exit 1 if a hidden call is missed or a goal is not met."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--imported", default="1", help="1: curated + CIViC KB (default); 0: curated")
    ap.add_argument("--indexed", action="store_true", help="a tabix-indexed copy of the file")
    ap.add_argument("--baseline", help="a folder holding an older matcher/ to time as well")
    args = ap.parse_args()
    path = OUT / "wgs.vcf.gz"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_big_vcf.py"), "--records",
                        str(args.records), "--out", str(path)], check=True)
    if args.indexed:
        indexed = OUT / "wgs_indexed.vcf.gz"
        if not Path(f"{indexed}.tbi").exists():
            import pysam
            shutil.copy(path, indexed)
            pysam.tabix_index(str(indexed), preset="vcf", force=True)
        path = indexed
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB bgzipped), KB "
          f"{'curated + CIViC' if args.imported == '1' else 'curated only'}")
    # The KB cache (matcher/kb/cache.py) as a user or server has it after the first load: the
    # first load after a KB or code change parses the files and writes the cache (~2 s).
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c",
                    "from matcher.kb.loader import load_kb; load_kb()"],
                   env=dict(os.environ, MATCHER_KB_IMPORTED=args.imported), check=True)
    ratios, cpu_ratios, peaks = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        for i in range(args.repeat):
            z, z_cpu = cpu(zcat_wc, path)
            (secs, peak), m_cpu = cpu(end_to_end, path, args.imported, str(out))
            ratios.append(secs / z)
            cpu_ratios.append(m_cpu / z_cpu)
            peaks.append(peak)
            size = out.stat().st_size
            print(f"run {i + 1}: zcat | wc -l {z:5.2f} s (CPU {z_cpu:4.2f} s)   matcher match "
                  f"--format json {secs:5.2f} s (CPU {m_cpu:4.2f} s)   ratio {secs / z:.2f} "
                  f"(CPU {m_cpu / z_cpu:.2f})   peak {peak:.0f} MB   JSON {size / 1024:.0f} KiB")
            if args.baseline:
                old = Path(tmp) / "baseline.json"
                (b_secs, b_peak), b_cpu = cpu(end_to_end, path, args.imported, str(old),
                                              args.baseline)
                print(f"       baseline {args.baseline}: {b_secs:5.2f} s (CPU {b_cpu:4.2f} s)   "
                      f"ratio {b_secs / z:.2f} (CPU {b_cpu / z_cpu:.2f})   peak {b_peak:.0f} MB   "
                      f"JSON {old.stat().st_size / 1024:.0f} KiB")
        doc = json.loads(out.read_text())
    result = doc["results"][0]  # `matcher match --format json`: {"results": [...]}
    labels = [a["alteration"]["label"] for a in result["alterations"]]
    missed = [h for h in HIDDEN if not any(h in label for label in labels)]
    notes = [w for w in result["warnings"] if w.startswith(("Whole-genome", "small-variant"))
             or "counted, not listed" in w or "skipped without being parsed" in w]
    print(f"alterations listed: {len(labels)}; hidden calls missed: {missed or 'none'}")
    for w in notes:
        print(f"  warning: {w}")
    med = statistics.median(ratios)
    print(f"ratio median {med:.2f} (min {min(ratios):.2f}, max {max(ratios):.2f}); CPU-time "
          f"ratio median {statistics.median(cpu_ratios):.2f} (min {min(cpu_ratios):.2f}, max "
          f"{max(cpu_ratios):.2f}); peak RSS max {max(peaks):.0f} MB")
    ok = not missed and med <= 1.0 and max(peaks) < 200
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
