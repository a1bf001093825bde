#!/usr/bin/env python3
"""Write a whole-genome-scale bgzipped VCF (GRCh38) with a few actionable calls hidden in it.

Usage: python bench/make_big_vcf.py [--records 5000000] [--out bench/out/wgs.vcf.gz] [--index]

Background records are random SNVs spread over chr1-22, X, Y in proportion to chromosome length,
sorted; the hidden calls are real hotspot alleles (from knowledgebase/reference/hotspots.tsv.gz):
BRAF V600E, PIK3CA H1047R, TP53 R248Q, KRAS G12D, and an EML4-ALK BND pair inside the genes.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import pysam

GRCH38 = {"chr1": 248956422, "chr2": 242193529, "chr3": 198295559, "chr4": 190214555,
          "chr5": 181538259, "chr6": 170805979, "chr7": 159345973, "chr8": 145138636,
          "chr9": 138394717, "chr10": 133797422, "chr11": 135086622, "chr12": 133275309,
          "chr13": 114364328, "chr14": 107043718, "chr15": 101991189, "chr16": 90338345,
          "chr17": 83257441, "chr18": 80373285, "chr19": 58617616, "chr20": 64444167,
          "chr21": 46709983, "chr22": 50818468, "chrX": 156040895, "chrY": 57227415}
HIDDEN = {  # chrom -> [(pos, ref, alt, info)]
    "chr7": [(140753336, "A", "T", "DP=388")],                                     # BRAF V600E
    "chr3": [(179234297, "A", "G", "DP=301")],                                     # PIK3CA H1047R
    "chr17": [(7674220, "C", "T", "DP=250")],                                      # TP53 R248Q
    "chr12": [(25245350, "C", "T", "DP=198")],                                     # KRAS G12D
    "chr2": [(29223800, "N", "N]chr2:42296600]", "SVTYPE=BND;MATEID=bnd_b"),       # ALK side
             (42296600, "N", "N]chr2:29223800]", "SVTYPE=BND;MATEID=bnd_a")],      # EML4 side
}
HEADER = """##fileformat=VCFv4.2
##reference=GRCh38
##FILTER=<ID=PASS,Description="All filters passed">
##INFO=<ID=DP,Number=1,Type=Integer,Description="Total depth">
##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">
##INFO=<ID=MATEID,Number=.,Type=String,Description="ID of mate breakend">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">
"""


def write(out: Path, records: int, seed: int = 7) -> Path:
    """Write the plain VCF next to ``out`` and bgzip it to ``out``."""
    rng = random.Random(seed)
    total = sum(GRCH38.values())
    plain = out.with_suffix("")  # wgs.vcf
    bases = "ACGT"
    with open(plain, "w") as fh:
        fh.write(HEADER)
        fh.writelines(f"##contig=<ID={c},length={n}>\n" for c, n in GRCH38.items())
        fh.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n")
        for chrom, length in GRCH38.items():
            n = max(1, round(records * length / total))
            step = length // n
            hidden = sorted(HIDDEN.get(chrom, []))
            lines = []
            pos = 10_000
            for _ in range(n):
                pos += rng.randint(1, 2 * step - 1) if step > 1 else 1
                if pos >= length:
                    break
                while hidden and hidden[0][0] <= pos:
                    h = hidden.pop(0)
                    lines.append(f"{chrom}\t{h[0]}\t.\t{h[1]}\t{h[2]}\t60\tPASS\t{h[3]}\t"
                                 "GT:AD:DP\t0/1:120,98:218\n")
                ref = bases[rng.randrange(4)]
                alt = bases[(bases.index(ref) + 1 + rng.randrange(3)) % 4]
                r, a = rng.randint(10, 60), rng.randint(3, 40)
                lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\tDP={r + a}\t"
                             f"GT:AD:DP\t0/1:{r},{a}:{r + a}\n")
            for h in hidden:
                lines.append(f"{chrom}\t{h[0]}\t.\t{h[1]}\t{h[2]}\t60\tPASS\t{h[3]}\t"
                             "GT:AD:DP\t0/1:120,98:218\n")
            fh.writelines(lines)
    pysam.tabix_compress(str(plain), str(out), force=True)
    plain.unlink()
    return out


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=5_000_000)
    ap.add_argument("--out", type=Path, default=Path("bench/out/wgs.vcf.gz"))
    ap.add_argument("--index", action="store_true", help="also write a .tbi index")
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write(args.out, args.records)
    if args.index:
        pysam.tabix_index(str(args.out), preset="vcf", force=True)
    print(args.out)


if __name__ == "__main__":
    main()
