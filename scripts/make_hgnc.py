#!/usr/bin/env python3
"""Build knowledgebase/reference/hgnc_genes.tsv.gz, the slim HGNC table Matcher ships.

Source: the HGNC complete set (HUGO Gene Nomenclature Committee, www.genenames.org; freely
reusable) of 2024-10-18, as copied to ``../shared/data/hgnc/``, brought up to HGNC 2025-10-07 with
the symbol changes listed in ``hgnc_symbol_changes.2024-10-18_to_2025-10-07.tsv`` (``--changes``;
HGNC id, old and new approved symbol): the new symbol becomes the approved one and the old one a
previous symbol, as HGNC records a rename. Only approved rows are kept, and only the columns
``matcher.reference.genes`` reads:

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
SHARED = ROOT.parent / "shared" / "data" / "hgnc"
DEFAULT_SOURCE = SHARED / "hgnc_complete_set.2024-10-18.txt.gz"
DEFAULT_CHANGES = SHARED / "hgnc_symbol_changes.2024-10-18_to_2025-10-07.tsv"
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


def apply_changes(rows: list[tuple[str, ...]], lines: Iterable[str]) -> int:
    """Apply HGNC symbol changes (columns ``hgnc_id``, ``symbol_<old date>``, ``symbol_<new
    date>``) in place: the new symbol is approved, the old one leads the previous symbols and
    leaves the aliases. Returns the number of rows changed; refuses a change that would give two
    genes one approved symbol or that names a gene whose symbol is not the old one."""
    reader = csv.reader(lines, delimiter="\t")
    header = next(reader)
    if header[0] != "hgnc_id" or len(header) < 3:
        raise ValueError(f"symbol changes: unexpected header {header[:3]}")
    by_id = {row[0]: i for i, row in enumerate(rows)}
    approved = {row[1] for row in rows}
    changed = 0
    for fields in reader:
        if not fields or not fields[0]:
            continue
        hgnc_id, old, new = fields[0], fields[1].strip(), fields[2].strip()
        i = by_id.get(hgnc_id)
        if i is None:
            raise ValueError(f"symbol change for {hgnc_id} ({old} -> {new}): no such approved gene")
        row = list(rows[i])
        if row[1] != old:
            raise ValueError(f"symbol change for {hgnc_id}: symbol is {row[1]}, not {old}")
        if new in approved:
            raise ValueError(f"symbol change for {hgnc_id}: {new} is already approved")
        prev = [p for p in row[3].split("|") if p and p != new]
        alias = [a for a in row[2].split("|") if a and a not in (new, old)]
        row[1], row[2], row[3] = new, "|".join(alias), "|".join([old, *prev])
        approved.discard(old)
        approved.add(new)
        rows[i] = tuple(row)
        changed += 1
    return changed


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
    parser.add_argument("--changes", type=Path, default=DEFAULT_CHANGES,
                        help="HGNC symbol changes since the source (TSV: hgnc_id, old, new); "
                             "'' for none")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="where to write the slim table (.tsv.gz)")
    args = parser.parse_args(argv)
    opener = gzip.open if args.source.suffix == ".gz" else open
    with opener(args.source, "rt", encoding="utf-8", newline="") as handle:
        rows = slim_rows(handle)
    changed = 0
    if args.changes and str(args.changes):
        with args.changes.open(encoding="utf-8", newline="") as handle:
            changed = apply_changes(rows, handle)
    data = render(rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"{args.output}: {len(rows)} approved genes ({changed} renamed "
          f"by {args.changes.name if changed else 'no change list'}), {len(data)} bytes",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
