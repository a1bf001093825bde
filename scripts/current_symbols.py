#!/usr/bin/env python3
"""Rewrite the ``gene`` column of the shipped reference tables in current HGNC symbols.

The tables come from sources of different ages (cancerhotspots 2017 writes ``H3F3A`` and
``HIST1H3B``, Ensembl 75 and MANE v1.0 write symbols renamed since), while the normaliser resolves
every gene a lab names to its current approved symbol (``matcher.genes``). A lookup of ``H3-3A``
in a table that says ``H3F3A`` would miss, so each table names genes as the shipped HGNC table
(``hgnc_genes.tsv.gz``, made by ``scripts/make_hgnc.py``) does:

* an approved symbol stays;
* a previous symbol of exactly one gene becomes that gene's approved symbol (``H3F3A`` → ``H3-3A``,
  ``STK19`` → ``WHR1``);
* anything else (aliases, a previous symbol of several genes, ``LOC…`` ids) stays as written.

Where a rename makes two rows share a key (a gene and build already listed under its current
symbol), the row the source wrote under the current symbol is kept. Idempotent and
byte-reproducible (gzip mtime 0); ``scripts/make_reference.py`` and ``scripts/make_transcripts.py``
run it on what they write.

Usage::

    python scripts/current_symbols.py [--reference knowledgebase/reference]
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = ROOT / "knowledgebase" / "reference"
# table -> the columns that, with the gene, identify a row (a rename must not duplicate them)
TABLES = {
    "hotspots.tsv.gz": ("build", "chrom", "pos", "ref", "alt"),
    "hotspot_indels.tsv": ("aa_start", "aa_end", "kind"),
    "hotspot_splice.tsv": ("build", "c_pos", "kind"),
    "gene_spans.tsv.gz": ("build",),
    "mane_transcripts.tsv.gz": ("status", "refseq_nuc"),
    "protein_exons.tsv.gz": ("exon",),
}


def symbol_map(reference: Path) -> dict[str, str]:
    """Previous symbol -> approved symbol, for previous symbols of exactly one gene that are not
    themselves approved (read from the shipped HGNC table)."""
    with gzip.open(reference / "hgnc_genes.tsv.gz", "rt", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        i_symbol, i_prev = header.index("symbol"), header.index("prev_symbol")
        approved, previous = set(), {}
        for line in fh:
            row = line.rstrip("\n").split("\t")
            approved.add(row[i_symbol])
            for old in filter(None, row[i_prev].split("|")):
                previous.setdefault(old, set()).add(row[i_symbol])
    return {old: next(iter(new)) for old, new in previous.items()
            if len(new) == 1 and old not in approved}


def rename_table(path: Path, key: tuple[str, ...], mapping: dict[str, str]) -> tuple[int, int]:
    """Rewrite one table in place; returns (rows renamed, duplicate rows dropped)."""
    raw = path.read_bytes()
    text = gzip.decompress(raw).decode("utf-8") if path.suffix == ".gz" else raw.decode("utf-8")
    lines = text.split("\n")
    header = lines[0].split("\t")
    i_gene = header.index("gene")
    cols = [header.index(k) for k in key]
    rows = [line.split("\t") for line in lines[1:] if line]
    current = {tuple([r[i_gene]] + [r[c] for c in cols]) for r in rows
               if mapping.get(r[i_gene]) is None}
    out, renamed, dropped = [], 0, 0
    for row in rows:
        new = mapping.get(row[i_gene])
        if new is not None:
            if tuple([new] + [row[c] for c in cols]) in current:
                dropped += 1  # the source lists this gene under its current symbol too
                continue
            row = list(row)
            row[i_gene] = new
            renamed += 1
        out.append("\t".join(row))
    data = ("\n".join([lines[0], *out]) + "\n").encode("utf-8")
    if path.suffix == ".gz":
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0,
                           compresslevel=9) as gz:
            gz.write(data)
        data = buffer.getvalue()
    if data != raw:
        path.write_bytes(data)
    return renamed, dropped


def rename_all(reference: Path, tables: dict[str, tuple[str, ...]] = TABLES) -> dict[str, tuple]:
    """Rewrite every table of ``tables`` present in ``reference``; (renamed, dropped) by table."""
    mapping = symbol_map(reference)
    return {name: rename_table(reference / name, key, mapping)
            for name, key in tables.items() if (reference / name).exists()}


def main(argv: list[str] | None = None) -> int:
    """Rewrite the shipped tables; print what changed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    args = parser.parse_args(argv)
    for name, (renamed, dropped) in rename_all(args.reference).items():
        print(f"{name}: {renamed} rows renamed, {dropped} duplicate rows dropped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
