#!/usr/bin/env python3
"""Build knowledgebase/reference/coding_exons.tsv.gz: what of a whole genome the KB can assess.

Usage::

    python scripts/make_coding_exons.py [--source /work/shared/data] [--out knowledgebase/reference]

For every gene the knowledge base names (gene files, imported entries, criterion parts, fusion
partners, trial biomarkers; ``matcher.kb.scope``), both builds:

* ``coding_exon`` rows: the exon blocks of each of the gene's MANE transcripts (MANE Select and
  MANE Plus Clinical) clipped to ``[cdsStart, cdsEnd)``, from the derived MANE v1.4 models in
  ``transcripts/MANE.v1.4.models.GRCh3{7,8}.tsv.gz``. Identical blocks of several transcripts are
  listed once with the transcripts joined by commas. Unpadded: the reader adds the splice pad.
* ``promoter`` rows: for a gene with a non-coding hotspot in ``hotspots.tsv.gz`` (kind
  ``HOTSPOTNC``: the TERT promoter), the stretch from the MANE transcription start to the
  farthest such hotspot. Unpadded.
* ``hotspot`` rows: the position of each hotspot allele of the gene (``hotspots.tsv.gz``) that
  lies outside its coding exons: splice hotspots and long deletions that start in an intron.
* ``no_model`` rows (empty coordinates): the gene has no MANE model in that build; the reader
  falls back to its whole span (``gene_spans.tsv.gz``), so no gene is silently lost.

Coordinates are 1-based inclusive, chromosome names without ``chr`` (as every table here).
Byte-reproducible (sorted rows, gzip mtime 0).
"""

from __future__ import annotations

import argparse
import csv
import gzip
from pathlib import Path

HEADER = ("gene", "build", "kind", "chrom", "start", "end", "transcripts")
MODELS = {"GRCh37": "MANE.v1.4.models.GRCh37.tsv.gz", "GRCh38": "MANE.v1.4.models.GRCh38.tsv.gz"}


def _bare(chrom: str) -> str:
    return chrom[3:] if chrom.startswith("chr") else chrom


def read_models(path: Path, genes: set[str]) -> dict[str, list[dict]]:
    """MANE model rows of ``genes``, by gene."""
    out: dict[str, list[dict]] = {}
    with gzip.open(path, "rt") as fh:
        cols = fh.readline().lstrip("#").rstrip("\n").split("\t")
        for line in fh:
            row = dict(zip(cols, line.rstrip("\n").split("\t")))
            if row["gene"] in genes:
                out.setdefault(row["gene"], []).append(row)
    return out


def coding_blocks(row: dict) -> list[tuple[int, int]]:
    """The exon blocks of a genePred row clipped to the CDS, 1-based inclusive."""
    cds_start, cds_end = int(row["cdsStart"]), int(row["cdsEnd"])
    starts = [int(x) for x in row["exonStarts"].rstrip(",").split(",")]
    ends = [int(x) for x in row["exonEnds"].rstrip(",").split(",")]
    out = []
    for s, e in zip(starts, ends):
        s, e = max(s, cds_start), min(e, cds_end)
        if s < e:
            out.append((s + 1, e))
    return out


def read_hotspots(reference: Path, genes: set[str]) -> dict[tuple[str, str], list[dict]]:
    """(gene, build) -> its rows in the shipped hotspot table."""
    out: dict[tuple[str, str], list[dict]] = {}
    with gzip.open(reference / "hotspots.tsv.gz", "rt") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["gene"] in genes:
                out.setdefault((row["gene"], row["build"]), []).append(row)
    return out


def build_rows(source: Path, reference: Path, genes: set[str]) -> list[tuple]:
    """Every row of the table, sorted."""
    hotspots = read_hotspots(reference, genes)
    rows: set[tuple] = set()
    for build, name in MODELS.items():
        models = read_models(source / "transcripts" / name, genes)
        for gene in sorted(genes):
            blocks: dict[tuple[str, int, int], list[str]] = {}
            tss = []
            for row in models.get(gene, []):
                chrom = _bare(row["chrom"])
                if "_" in chrom:  # alternate-locus placements are not primary-assembly records
                    continue
                for s, e in coding_blocks(row):
                    blocks.setdefault((chrom, s, e), []).append(row["name"])
                if row["mane_status"] == "MANE Select":
                    tss.append((chrom, int(row["txEnd"]) if row["strand"] == "-"
                                else int(row["txStart"]) + 1))
            if not blocks:
                rows.add((gene, build, "no_model", "", "", "", ""))
                continue
            for (chrom, s, e), names in blocks.items():
                rows.add((gene, build, "coding_exon", chrom, s, e, ",".join(sorted(names))))
            exons = sorted((c, s, e) for c, s, e in blocks)
            for row in hotspots.get((gene, build), []):
                pos = int(row["pos"])
                if row["kind"] != "HOTSPOTNC" and not any(
                        c == row["chrom"] and s <= pos <= e for c, s, e in exons):
                    rows.add((gene, build, "hotspot", row["chrom"], pos, pos, ""))
            hot = [int(r["pos"]) for r in hotspots.get((gene, build), [])
                   if r["kind"] == "HOTSPOTNC"]
            if hot and tss:
                chrom, start = tss[0]
                rows.add((gene, build, "promoter", chrom, min(hot + [start]),
                          max(hot + [start]), ""))
    return sorted(rows, key=lambda r: (r[0], r[1], r[2], str(r[3]), r[4] or 0))


def main() -> None:
    """Read the MANE models and the KB, write the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--out", type=Path, default=Path("knowledgebase/reference"))
    args = ap.parse_args()
    from matcher.kb.loader import load_kb
    from matcher.kb.scope import criterion_types_by_gene
    genes = set(criterion_types_by_gene(load_kb()))
    rows = build_rows(args.source, args.out, genes)
    from make_reference import write_text  # this folder: the byte-reproducible gzip writer
    out = args.out / "coding_exons.tsv.gz"
    write_text(out, "\t".join(HEADER) + "\n" + "".join("\t".join(map(str, r)) + "\n"
                                                     for r in rows))
    print(f"{len(genes)} genes, {len(rows)} rows, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
