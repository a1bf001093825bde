#!/usr/bin/env python3
"""Robustness sweep: random lab JSON reports and random raw VCFs through the whole pipeline.

    .venv/bin/python bench/fuzz_reports.py [--seed N] [--reports 400] [--vcfs 60]

Lab JSON reports: 10 hotspot changes, 5 random protein/cDNA changes in KB genes, 2 random
fusions, 2 copy-number calls and signatures, random tumor types. VCFs: 40 calls each, hotspot
alleles or random SNVs/insertions inside gene spans (GRCh38), sorted. Every report must be
matched and encoded, or refused with a MatcherError (exit 2 in the CLI); anything else is a
crash. Run by hand; exits 1 on any crash and prints the first ones.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

AA = "ACDEFGHIKLMNPQRSTVWY"
CONTIGS = [str(c) for c in range(1, 23)] + ["X", "Y"]


def random_change(rng: random.Random) -> dict:
    kind = rng.random()
    if kind < 0.3:
        return {"protein_change": f"{rng.choice(AA)}{rng.randint(1, 2000)}{rng.choice(AA)}"}
    if kind < 0.5:
        return {"protein_change": f"{rng.choice(AA)}{rng.randint(1, 2000)}*"}
    if kind < 0.7:
        return {"protein_change": f"{rng.choice(AA)}{rng.randint(1, 2000)}fs"}
    if kind < 0.8:
        return {"protein_change": f"p.Glu{rng.randint(700, 800)}_Ala{rng.randint(801, 820)}del"}
    return {"cdna_change": f"c.{rng.randint(1, 3000)}+{rng.randint(1, 3)}G>A"}


def lab_reports(rng: random.Random, n: int, kb, pool, tumors):
    genes = sorted(kb.genes)
    for i in range(n):
        variants = [{"gene": g, "protein_change": p} for g, p in rng.sample(pool, 10)]
        variants += [{"gene": rng.choice(genes), **random_change(rng)} for _ in range(5)]
        doc = {"report_id": f"FUZZ-{i}", "tumor_type": rng.choice(tumors),
               "variants": variants,
               "fusions": [{"five_prime_gene": rng.choice(genes + ["EML4", "CCDC6", "ETV6"]),
                            "three_prime_gene": rng.choice(genes)} for _ in range(2)],
               "copy_number": [{"gene": rng.choice(genes), "state": rng.choice(
                   ["amplification", "gain", "loss", "deep_deletion"])} for _ in range(2)],
               "biomarkers": {"tmb": rng.choice([1, 9.9, 10, 25]),
                              "msi": rng.choice(["MSI-H", "MSS"])}}
        yield json.dumps(doc).encode(), None


def vcfs(rng: random.Random, n: int, kb):
    spans, hotspots = [], []
    with gzip.open(ROOT / "knowledgebase" / "reference" / "gene_spans.tsv.gz", "rt") as fh:
        head = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            row = dict(zip(head, line.rstrip("\n").split("\t")))
            if row["build"] == "GRCh38":
                spans.append(row)
    with gzip.open(ROOT / "knowledgebase" / "reference" / "hotspots.tsv.gz", "rt") as fh:
        fh.readline()
        for line in fh:
            r = line.rstrip("\n").split("\t")
            if r[0] == "GRCh38":
                hotspots.append((r[1], int(r[2]), r[3], r[4]))
    in_kb = [s for s in spans if s["gene"] in kb.genes]
    header = ("##fileformat=VCFv4.2\n##reference=GRCh38\n"
              + "".join(f"##contig=<ID=chr{c}>\n" for c in CONTIGS)
              + '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
              '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
              '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n")
    order = {f"chr{c}": i for i, c in enumerate(CONTIGS)}
    for _ in range(n):
        records = set()
        for _ in range(40):
            if rng.random() < 0.4:
                chrom, pos, ref, alt = rng.choice(hotspots)
            else:
                g = rng.choice(in_kb if rng.random() < 0.7 else spans)
                chrom, pos = g["chrom"], rng.randint(int(g["start"]), int(g["end"]))
                ref = rng.choice("ACGT")
                alt = rng.choice([b for b in "ACGT" if b != ref])
                if rng.random() < 0.2:
                    alt += "".join(rng.choice("ACGT") for _ in range(rng.randint(1, 6)))
            chrom = chrom if chrom.startswith("chr") else f"chr{chrom}"
            records.add((chrom, pos, ref, alt))
        body = header + "".join(
            f"{c}\t{p}\t.\t{r}\t{a}\t.\tPASS\t.\tGT:AD:DP\t0/1:30,10:40\n"
            for c, p, r, a in sorted(records, key=lambda x: (order.get(x[0], 99), x[1])))
        yield body.encode(), "fuzz.vcf"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reports", type=int, default=400)
    ap.add_argument("--vcfs", type=int, default=60)
    a = ap.parse_args()
    if not (0 <= a.reports <= 100_000 and 0 <= a.vcfs <= 10_000):
        raise SystemExit("--reports up to 100000, --vcfs up to 10000")
    from bench_api import TUMOR_TYPES, hotspot_pool

    from matcher.errors import MatcherError
    from matcher.kb.loader import load_kb
    from matcher.pipeline import run
    from matcher.readers import ReadOptions

    kb = load_kb()
    rng = random.Random(a.seed)
    tumors = TUMOR_TYPES + ("NSCLC", "THPA", "GIST", "IHCH")
    crashes, refused, done = 0, {}, 0
    inputs = [*lab_reports(rng, a.reports, kb, hotspot_pool(), tumors), *vcfs(rng, a.vcfs, kb)]
    for data, name in inputs:
        options = ReadOptions(tumor_type=rng.choice(tumors)) if name else ReadOptions()
        try:
            for result in run(data, kb=kb, filename=name, options=options):
                result.to_json()
            done += 1
        except MatcherError as exc:
            refused[type(exc).__name__] = refused.get(type(exc).__name__, 0) + 1
        except Exception:  # noqa: BLE001 - a crash is what this sweep looks for
            crashes += 1
            if crashes <= 3:
                traceback.print_exc()
                print(data[:400])
    print(f"seed {a.seed}: {len(inputs)} inputs, {done} matched, refused {refused}, "
          f"crashes {crashes}")
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
