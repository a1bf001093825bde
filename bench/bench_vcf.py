#!/usr/bin/env python3
"""Time reading a whole-genome VCF restricted to the KB genes, against `zcat FILE | wc -l`.

Usage: python bench/bench_vcf.py [--records 5000000] [--repeat 3]

Makes bench/out/wgs.vcf.gz (and an indexed copy) with bench/make_big_vcf.py if missing, then
runs each reader in a fresh process (so peak RSS is its own) and prints wall time and peak memory.
Goals (issue 3): unindexed within 1.5x of zcat | wc -l; indexed under 1 s; peak RSS under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CHILD = r"""
import json, resource, sys, time
from matcher.reference.hotspots import GeneSpans
import matcher.readers.vcf_stream as stream
from matcher.readers.vcf import read_vcf
path, genes, mode = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
stream.BLOCK_SKIP = mode == "skip"
start = time.perf_counter()
spans = GeneSpans.load()
regions = spans.regions("GRCh38", genes, pad=1000)
report = read_vcf(path=path, regions=regions, gene_spans=spans)[0]
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "variants": len(report.variants),
                  "fusions": [f.text for f in report.fusions],
                  "hidden": sorted(f"{v.chrom}:{v.pos}{v.ref}>{v.alt}" for v in report.variants
                                   if v.depth == 218),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def kb_genes() -> list[str]:
    """Genes with a curated KB file."""
    return sorted(p.stem for p in (ROOT / "knowledgebase" / "genes").glob("*.yaml"))


def zcat_wc(path: Path) -> float:
    """Seconds for `zcat FILE | wc -l`."""
    start = time.perf_counter()
    subprocess.run(f"zcat {path} | wc -l", shell=True, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def child(path: Path, genes: list[str], mode: str) -> dict:
    """Run the reader in a fresh interpreter and return its JSON line."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), ",".join(genes), mode],
                         check=True,
                         capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def end_to_end(path: Path, imported: str, out: str = os.devnull,
               source: str | None = None) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of the whole `matcher match FILE -f json -o OUT` command
    (with the ``matcher`` package of ``source`` first on PYTHONPATH if given)."""
    env = dict(os.environ, MATCHER_KB_IMPORTED=imported)
    if source:
        env["PYTHONPATH"] = source
    start = time.perf_counter()
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "matcher"), "match", str(path),
                             "-f", "json", "-o", str(out)], env=env,
                            stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"matcher match failed on {path}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> int:
    """Print the figures; exit 1 if a goal is missed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    plain, indexed = OUT / "wgs.vcf.gz", OUT / "wgs_indexed.vcf.gz"
    if not plain.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_big_vcf.py"), "--records",
                        str(args.records), "--out", str(plain)], check=True)
    if not Path(f"{indexed}.tbi").exists():
        import pysam
        shutil.copy(plain, indexed)
        pysam.tabix_index(str(indexed), preset="vcf", force=True)
    genes = kb_genes()
    print(f"file: {plain} ({plain.stat().st_size / 1e6:.1f} MB bgzipped); "
          f"regions: {len(genes)} KB genes ±1 kb")
    best: dict = {"zcat": 1e9, "scan": None, "skip": None, "index": None}
    for _ in range(args.repeat):
        best["zcat"] = min(best["zcat"], zcat_wc(plain))
        for key, path in (("scan", plain), ("skip", plain), ("index", indexed)):
            got = child(path, genes, key)
            if best[key] is None or got["seconds"] < best[key]["seconds"]:
                best[key] = got
    z = best["zcat"]
    print(f"zcat | wc -l                      {z:6.2f} s")
    for key, label in (("scan", "unindexed, stream scan"), ("skip", "unindexed, BGZF block skip"),
                       ("index", "tabix index")):
        r = best[key]
        print(f"reader, {label:<26} {r['seconds']:6.2f} s  ({r['seconds'] / z:.2f}x zcat)  "
              f"peak {r['peak_mb']:.0f} MB  {r['variants']} calls, fusions {r['fusions']}")
    s, k, i = best["scan"], best["skip"], best["index"]
    print(f"hidden calls found: {s['hidden']}")
    for kb_label, imported in (("curated KB", "0"), ("curated + CIViC KB", "1")):
        for label, path in (("unindexed", plain), ("indexed", indexed)):
            secs, mb = min(end_to_end(path, imported) for _ in range(args.repeat))
            print(f"matcher match -f json, {kb_label}, {label}: {secs:6.2f} s "
                  f"({secs / z:.2f}x zcat)  peak {mb:.0f} MB")
    ok = s["seconds"] <= 1.5 * z and k["seconds"] <= 1.5 * z and i["seconds"] < 1.0
    ok = ok and max(s["peak_mb"], k["peak_mb"], i["peak_mb"]) < 200
    ok = ok and s["variants"] == k["variants"] == i["variants"] and len(s["hidden"]) == 4
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
