"""Write the oncogenicity reference tables of ``knowledgebase/reference/``.

* ``clinvar.tsv.gz``: the reviewed (>= 1 star) ClinVar pathogenic / benign classifications, and
  the reviewed ClinVar somatic oncogenicity classifications, of the genes the knowledge base has
  evidence for, with only the columns the matcher reads (docs/oncogenicity.md);
* ``gene_roles.tsv``: oncogene / tumor suppressor / both for the same genes (IntOGen 2020 and
  CancerMine v47, both CC0).

Inputs are the shared reference data (``clinvar/clinvar_cancer_genes.tsv.gz`` and
``genes/cancer_gene_roles.intogen2020_cancermine_v47.tsv``); the gene list is read from the KB.
Output is sorted and gzip'd with mtime 0, so re-running gives the same bytes::

    python scripts/make_oncogenicity_reference.py --source /path/to/shared/data
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_reference import tsv, write_text  # noqa: E402  (the same reproducible writer)

CLINVAR_COLUMNS = ("variation_id", "gene", "protein", "hgvs_c", "transcript",
                   "chrom_grch37", "pos_grch37", "ref_grch37", "alt_grch37",
                   "chrom_grch38", "pos_grch38", "ref_grch38", "alt_grch38",
                   "clnsig", "stars", "oncogenicity", "oncogenicity_stars", "release")
ROLE_COLUMNS = ("gene", "role", "role_source", "intogen_role")
CLNSIG_USED = frozenset({"P", "LP", "P/LP", "B", "LB", "B/LB"})
ONC_SHORT = {"Oncogenic": "O", "Likely_oncogenic": "LO", "Benign": "B", "Likely_benign": "LB"}
ONC_STARS = {"criteria_provided,_single_submitter": 1,
             "criteria_provided,_multiple_submitters,_no_conflicts": 2}


def kb_genes(kb_dir: Path) -> set[str]:
    """Every gene the KB has a gene file or evidence for (composite criteria included)."""
    from matcher.kb.loader import load_kb

    kb = load_kb(kb_dir)
    genes = set(kb.genes)
    for e in kb.all_evidence():
        genes.update(g for g in e.criterion.genes(e.gene) if g)
    return genes


def clinvar_rows(source: Path, genes: set[str]) -> list[tuple[str, ...]]:
    rows = []
    with gzip.open(source / "clinvar" / "clinvar_cancer_genes.tsv.gz", "rt",
                   encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            if r["gene"] not in genes:
                continue
            stars = int(r["stars"] or 0)
            clnsig = r["clnsig_short"] if r["clnsig_short"] in CLNSIG_USED and stars >= 1 else ""
            onc = ONC_SHORT.get(r["oncogenicity"], "")
            onc_stars = ONC_STARS.get(r["oncogenicity_review_status"], 0)
            if not onc_stars:
                onc = ""
            if not clnsig and not onc:
                continue
            rows.append((r["variation_id"], r["gene"], r["hgvs_p_short"], r["hgvs_c"],
                         r["transcript"].split("|")[0],
                         r["chrom_grch37"], r["pos_grch37"], r["ref_grch37"], r["alt_grch37"],
                         r["chrom_grch38"], r["pos_grch38"], r["ref_grch38"], r["alt_grch38"],
                         clnsig, str(stars) if clnsig else "", onc,
                         str(onc_stars) if onc else "", r["clinvar_release"]))
    rows.sort(key=lambda t: (t[1], int(t[0])))
    return rows


def role_rows(source: Path, genes: set[str]) -> list[tuple[str, ...]]:
    path = source / "genes" / "cancer_gene_roles.intogen2020_cancermine_v47.tsv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [(r["symbol"], r["role"], r["role_source"], r["intogen_role"])
                for r in csv.DictReader(fh, delimiter="\t") if r["symbol"] in genes]
    return sorted(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", required=True, type=Path, help="the shared data folder")
    ap.add_argument("--kb", type=Path, default=Path("knowledgebase"))
    args = ap.parse_args()
    genes = kb_genes(args.kb)
    out = args.kb / "reference"
    cv = clinvar_rows(args.source, genes)
    write_text(out / "clinvar.tsv.gz", tsv(CLINVAR_COLUMNS, cv))
    roles = role_rows(args.source, genes)
    write_text(out / "gene_roles.tsv", tsv(ROLE_COLUMNS, roles))
    print(f"{len(genes)} KB genes: {len(cv)} ClinVar rows, {len(roles)} gene roles")


if __name__ == "__main__":
    main()
