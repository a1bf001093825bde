"""Benchmark: `matcher cohort` on a synthetic multi-sample MAF (samples/s, peak memory).

Writes a MAF of ``--samples`` samples (two to four hotspot alleles each from twenty, rows sorted
by sample as cBioPortal writes them, ``--shuffle`` to interleave them) and a clinical sidecar
(ten tumor types), then runs ``matcher cohort -j JOBS`` on it in a fresh process and samples the
resident memory of that process and of its pool processes from /proc every 0.2 s::

    .venv/bin/python bench/bench_cohort.py --samples 50000 --jobs 2

Prints samples per second (wall, with the KB load), the CPU seconds of the whole process tree,
the peak resident memory of the main process and of the largest pool process, the peak of their
sum (which counts the KB pages the forked processes share once per process) and the peak of
their summed proportional set sizes (shared pages counted once: the memory the run takes).

Goal (issue 14): peak memory under 300 MB at 50,000 samples (before: the 300-sample JSON took
730 MB).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_alterations import ALLELES, TUMORS  # noqa: E402

HEADER = ("Hugo_Symbol", "NCBI_Build", "Variant_Classification", "Tumor_Sample_Barcode",
          "HGVSp_Short", "t_depth", "t_alt_count")


def write_cohort(folder: Path, samples: int, shuffle: bool, seed: int = 14) -> tuple[Path, Path]:
    rng = random.Random(seed)
    maf, clinical = folder / "cohort.maf", folder / "cohort.clinical.tsv"
    rows = []
    with clinical.open("w") as side:
        side.write("#Sample Identifier\tOncotree Code\nSAMPLE_ID\tONCOTREE_CODE\n")
        for i in range(samples):
            sample = f"S{i:06d}"
            side.write(f"{sample}\t{rng.choice(TUMORS)}\n")
            for gene, change in rng.sample(ALLELES, rng.randint(2, 4)):
                rows.append("\t".join((gene, "GRCh37", "Missense_Mutation", sample,
                                       f"p.{change}", "200", str(rng.randint(20, 120)))))
    if shuffle:
        rng.shuffle(rows)
    with maf.open("w") as out:
        out.write("#version 2.4\n" + "\t".join(HEADER) + "\n")
        out.writelines(r + "\n" for r in rows)
    return maf, clinical


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def _proc_mb(pid: int, file: str, key: str) -> float:
    """A ``key: N kB`` line of /proc/PID/FILE in MB (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/{file}") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _rss_mb(pid: int) -> float:
    return _proc_mb(pid, "status", "VmRSS:")


def _pss_mb(pid: int) -> float:
    """Proportional set size: shared pages (the KB the forked processes share) counted once
    across the processes that share them."""
    return _proc_mb(pid, "smaps_rollup", "Pss:")


def run(maf: Path, clinical: Path, out: Path, jobs: int, chunk: int) -> dict:
    cmd = [sys.executable, "-m", "matcher.cli", "cohort", str(maf), "--clinical", str(clinical),
           "-j", str(jobs), "--chunk", str(chunk), "-o", str(out), "--no-progress"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    main_peak = worker_peak = sum_peak = pss_peak = 0.0
    while proc.poll() is None:
        main = _rss_mb(proc.pid)
        kids = _children(proc.pid)
        workers = [_rss_mb(c) for c in kids]
        main_peak = max(main_peak, main)
        worker_peak = max([worker_peak, *workers])
        sum_peak = max(sum_peak, main + sum(workers))
        pss_peak = max(pss_peak, sum(_pss_mb(p) for p in (proc.pid, *kids)))
        time.sleep(0.2)
    wall = time.perf_counter() - t
    stdout, stderr = proc.communicate()
    if proc.returncode:
        sys.exit(stderr.decode())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "main_mb": main_peak, "worker_mb": worker_peak,
            "sum_mb": sum_peak, "pss_mb": pss_peak, "maxrss_mb": after.ru_maxrss / 1024,
            "out": stdout.decode().splitlines()[0]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=50_000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[2])
    ap.add_argument("--chunk", type=int, default=32)
    ap.add_argument("--shuffle", action="store_true", help="interleave the samples' rows")
    ap.add_argument("--keep", help="folder to write the MAF and outputs to (default: temporary)")
    args = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory()
    folder = Path(args.keep or tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    maf, clinical = write_cohort(folder, args.samples, args.shuffle)
    print(f"{args.samples:,} samples, {maf.stat().st_size / 1e6:.1f} MB MAF; cores: "
          f"{os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    for jobs in args.jobs:
        r = run(maf, clinical, folder / f"out-j{jobs}", jobs, args.chunk)
        print(f"  -j {jobs}: {r['out']}")
        print(f"    {r['wall_s']:.0f} s wall ({args.samples / r['wall_s']:.0f} samples/s, KB "
              f"load included), {r['cpu_s']:.0f} s CPU ({args.samples / r['cpu_s']:.0f} samples "
              f"per CPU-second); peak RSS: main {r['main_mb']:.0f} MB, largest pool process "
              f"{r['worker_mb']:.0f} MB, sum {r['sum_mb']:.0f} MB, sum of PSS {r['pss_mb']:.0f} MB "
              f"(getrusage max "
              f"{r['maxrss_mb']:.0f} MB); load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
