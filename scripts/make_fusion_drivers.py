#!/usr/bin/env python3
"""Build knowledgebase/reference/fusion_drivers.tsv: the genes a fusion is filed under in CIViC.

CIViC files each fusion variant under the gene that drives it (``PML::RARA`` under PML,
``KMT2A::MLLT3`` under KMT2A, ``BRD4::NUTM1`` under NUTM1, ``BCR::ABL1`` under ABL1), which is
the gene a clinician names ("a KMT2A rearrangement"). Matcher uses the table to name the driver of
a fusion whose partners are not a kinase and its partner (``matcher.fusion_names``).

Source: CIViC ``VariantSummaries.tsv`` (civicdb.org, CC0 1.0), the release shipped in
``knowledgebase/civic/source/``. Variants named ``A::B`` (two partners) or ``Fusion`` (any partner)
count; ``Rearrangement`` and point changes do not. Symbols are read through the shipped HGNC
table (``BCR::ABL`` is ABL1's). Columns:

    gene  side  partners  civic_variants

``side`` is where the gene stands in its CIViC fusions: ``5'``, ``3'``, ``both`` or ``any`` (only
``Fusion`` variants); ``partners`` the partner genes, ``|``-separated, sorted. Deterministic.

Usage::

    python scripts/make_fusion_drivers.py [--civic knowledgebase/civic/source] [--output PATH]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ("gene", "side", "partners", "civic_variants")


def _resolver():
    from matcher.reference.genes import GeneIndex

    genes = GeneIndex.load(ROOT / "knowledgebase" / "reference")

    def current(symbol: str) -> str:
        try:
            return genes.resolve(symbol).symbol
        except ValueError:  # ambiguous: kept as written
            return symbol.upper()

    return current


def drivers(variant_rows, current) -> list[tuple[str, str, str, int]]:
    """Rows of the table from CIViC variant rows (dicts with ``gene`` and ``variant``)."""
    sides: dict[str, set[str]] = {}
    partners: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for row in variant_rows:
        gene, name = current(row["gene"].strip()), row["variant"].strip()
        pair = name.split(" ")[0].split("::")
        if name.lower() == "fusion":
            sides.setdefault(gene, set()).add("any")
        elif len(pair) == 2 and all(pair):
            five, three = current(pair[0]), current(pair[1])
            if gene not in (five, three):
                continue
            sides.setdefault(gene, set()).add("5'" if gene == five else "3'")
            partners.setdefault(gene, set()).add(three if gene == five else five)
        else:
            continue
        counts[gene] = counts.get(gene, 0) + 1
    out = []
    for gene in sorted(sides):
        named = sides[gene] - {"any"}
        side = "both" if len(named) == 2 else next(iter(named)) if named else "any"
        out.append((gene, side, "|".join(sorted(partners.get(gene, ()))), counts[gene]))
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the table; print its size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--civic", type=Path, default=ROOT / "knowledgebase" / "civic" / "source")
    parser.add_argument("--output", type=Path,
                        default=ROOT / "knowledgebase" / "reference" / "fusion_drivers.tsv")
    args = parser.parse_args(argv)
    (path,) = sorted(args.civic.glob("*VariantSummaries.tsv"))
    with path.open(encoding="utf-8", newline="") as fh:
        rows = drivers(csv.DictReader(fh, delimiter="\t"), _resolver())
    text = "\t".join(HEADER) + "\n" + "".join(
        "\t".join(str(v) for v in row) + "\n" for row in rows)
    args.output.write_text(text, encoding="utf-8")
    print(f"{args.output}: {len(rows)} genes from {path.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
