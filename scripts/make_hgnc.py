#!/usr/bin/env python3
"""Build knowledgebase/reference/hgnc_genes.tsv.gz, the slim HGNC table Matcher ships.

Source: the HGNC complete set (HUGO Gene Nomenclature Committee, www.genenames.org; freely
reusable), January 2019 release, as copied to ``../shared/data/hgnc/``. Only approved rows are
kept, and only the columns ``matcher.reference.genes`` reads:

    hgnc_id  symbol  alias_symbol  prev_symbol  locus_group  entrez_id  ensembl_gene_id

List columns stay ``|``-separated as in the source (the source's surrounding quotes are removed).
The output is byte-reproducible: same input, same bytes (gzip header mtime 0, no file name).

Usage::

    python scripts/make_hgnc.py [--source PATH] [--output PATH]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "hgnc" / "hgnc_complete_set.2019-01.txt.gz"
DEFAULT_OUTPUT = ROOT / "knowledgebase" / "reference" / "hgnc_genes.tsv.gz"
COLUMNS = ("hgnc_id", "symbol", "alias_symbol", "prev_symbol", "locus_group", "entrez_id",
           "ensembl_gene_id")


def slim_rows(lines: Iterable[str]) -> list[tuple[str, ...]]:
    """Approved rows of an HGNC complete-set TSV, reduced to COLUMNS, in source order."""
    reader = csv.DictReader(lines, delimiter="\t")
    missing = [c for c in (*COLUMNS, "status") if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"HGNC source lacks columns: {', '.join(missing)}")
    rows = []
    for row in reader:
        if row["status"] != "Approved":
            continue
        values = tuple((row[c] or "").strip().strip('"') for c in COLUMNS)
        if any(ch in v for v in values for ch in "\t\r\n"):
            raise ValueError(f"HGNC row {values[0]}: a field contains a tab or newline")
        if not values[0] or not values[1]:
            raise ValueError(f"HGNC row without id or symbol: {values}")
        rows.append(values)
    return rows


def render(rows: Iterable[tuple[str, ...]]) -> bytes:
    """The gzip-compressed TSV (header + rows), byte-reproducible."""
    text = "\t".join(COLUMNS) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    buffer = io.BytesIO()
    # filename="" and mtime=0 keep the gzip header free of anything that changes between runs.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Read the HGNC complete set, write the slim table; print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help="HGNC complete set (.txt or .txt.gz)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="where to write the slim table (.tsv.gz)")
    args = parser.parse_args(argv)
    opener = gzip.open if args.source.suffix == ".gz" else open
    with opener(args.source, "rt", encoding="utf-8", newline="") as handle:
        rows = slim_rows(handle)
    data = render(rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"{args.output}: {len(rows)} approved genes, {len(data)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
