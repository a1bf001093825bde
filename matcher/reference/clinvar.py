"""ClinVar classifications of the KB's genes, from ``knowledgebase/reference/clinvar.tsv.gz``.

Only reviewed rows are shipped (>= 1 review star for pathogenic / benign, criteria provided for
ClinVar's somatic oncogenicity): see knowledgebase/reference/README.md. Lookups by genomic
allele (either build), by gene + protein change and by gene + cDNA change; the index is built on
the first lookup, not when the KB loads.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

from matcher.errors import KnowledgeBaseError, Problem
from matcher.reference.hotspots import canonical_chrom, trim_allele

CLINVAR_FILE = "clinvar.tsv.gz"
_COLUMNS = ("variation_id", "gene", "protein", "hgvs_c", "transcript",
            "chrom_grch37", "pos_grch37", "ref_grch37", "alt_grch37",
            "chrom_grch38", "pos_grch38", "ref_grch38", "alt_grch38",
            "clnsig", "stars", "oncogenicity", "oncogenicity_stars", "release")
# ClinVar germline classes and somatic oncogenicity classes (short forms), in our terms.
CLNSIG_CLASS = {"P": "oncogenic", "LP": "likely_oncogenic", "P/LP": "likely_oncogenic",
                "B": "benign", "LB": "likely_benign", "B/LB": "likely_benign"}
CLNSIG_WORDS = {"P": "pathogenic", "LP": "likely pathogenic", "P/LP": "pathogenic/likely "
                "pathogenic", "B": "benign", "LB": "likely benign", "B/LB": "benign/likely benign"}
ONC_CLASS = {"O": "oncogenic", "LO": "likely_oncogenic", "B": "benign", "LB": "likely_benign"}


@dataclass(frozen=True)
class ClinVarCall:
    """One reviewed ClinVar classification, already in our classes, with the words to cite it."""

    classification: str  # oncogenic / likely_oncogenic / likely_benign / benign
    reason: str  # 'ClinVar benign, 3 stars (variation 41818, release 2026-02-26)'
    variation_id: str
    stars: int


def _call(row: dict[str, str]) -> ClinVarCall:
    """ClinVar's somatic oncogenicity when reviewed, else its germline classification."""
    vid, release = row["variation_id"], row["release"]
    if row["oncogenicity"]:
        stars = int(row["oncogenicity_stars"])
        cls = ONC_CLASS[row["oncogenicity"]]
        words = f"ClinVar oncogenicity {cls.replace('_', ' ')}"
    else:
        stars = int(row["stars"])
        cls = CLNSIG_CLASS[row["clnsig"]]
        words = f"ClinVar {CLNSIG_WORDS[row['clnsig']]}"
    return ClinVarCall(cls, f"{words}, {stars} star{'s' if stars != 1 else ''} "
                            f"(variation {vid}, release {release})", vid, stars)


def _accession(transcript: str | None) -> str:
    return (transcript or "").split(":")[0].split(".")[0].upper()


def _agree(calls: list[ClinVarCall]) -> ClinVarCall | None:
    """The best-reviewed call when every call points the same way (all pathogenic or all
    benign); None when reviewed records disagree (then ClinVar decides nothing)."""
    sides = {c.classification in ("oncogenic", "likely_oncogenic") for c in calls}
    if len(sides) != 1:
        return None
    return max(calls, key=lambda c: (c.stars, c.classification in ("oncogenic", "benign")))


class ClinVarIndex:
    """Reviewed ClinVar classifications keyed by allele, protein change and cDNA change."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._alleles: dict[tuple, list[ClinVarCall]] | None = None
        self._proteins: dict[tuple[str, str], list[ClinVarCall]] = {}
        self._cdna: dict[tuple[str, str], list[tuple[str, ClinVarCall]]] = {}
        self.genes: frozenset[str] = frozenset()

    def _load(self) -> dict[tuple, list[ClinVarCall]]:
        if self._alleles is not None:
            return self._alleles
        alleles: dict[tuple, list[ClinVarCall]] = {}
        genes = set()
        try:
            with gzip.open(self.path, "rt", encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh, delimiter="\t")
                if tuple(reader.fieldnames or ()) != _COLUMNS:
                    raise KnowledgeBaseError(
                        f"{self.path}: unexpected header",
                        [Problem("unexpected header", line=1, source=str(self.path),
                                 expected="\t".join(_COLUMNS))])
                for n, row in enumerate(reader, start=2):
                    try:
                        call = _call(row)
                    except (KeyError, ValueError) as exc:
                        raise KnowledgeBaseError(
                            f"{self.path}: malformed line {n}",
                            [Problem(f"malformed row: {exc}", line=n,
                                     source=str(self.path))]) from exc
                    gene = row["gene"]
                    genes.add(gene)
                    for build, sfx in (("GRCh37", "grch37"), ("GRCh38", "grch38")):
                        if row[f"pos_{sfx}"]:
                            key = (build, canonical_chrom(row[f"chrom_{sfx}"]),
                                   *trim_allele(int(row[f"pos_{sfx}"]), row[f"ref_{sfx}"].upper(),
                                          row[f"alt_{sfx}"].upper()))
                            alleles.setdefault(key, []).append(call)
                    if row["protein"]:
                        self._proteins.setdefault((gene, row["protein"]), []).append(call)
                    if row["hgvs_c"]:
                        self._cdna.setdefault((gene, row["hgvs_c"]), []).append(
                            (_accession(row["transcript"]), call))
        except OSError as exc:
            raise KnowledgeBaseError(f"cannot read reference file {self.path}: {exc}") from exc
        self.genes = frozenset(genes)
        self._alleles = alleles
        return alleles

    def by_allele(self, build: str, chrom: str, pos: int, ref: str, alt: str
                  ) -> ClinVarCall | None:
        """The reviewed classification of a genomic allele (trimmed like the hotspot index)."""
        alleles = self._load()
        ref, alt = str(ref).strip().upper(), str(alt).strip().upper()
        if not ref or not alt or ref == alt:
            return None
        found = alleles.get((build, canonical_chrom(chrom), *trim_allele(int(pos), ref, alt)))
        return _agree(found) if found else None

    def by_protein(self, gene: str, change: str) -> ClinVarCall | None:
        """The reviewed classification of a protein change (1-letter, e.g. 'K1183R') on the
        gene's MANE Select transcript; None when its records disagree or none is reviewed."""
        self._load()
        found = self._proteins.get((gene, change))
        return _agree(found) if found else None

    def by_cdna(self, gene: str, cdna: str, transcript: str | None = None
                ) -> ClinVarCall | None:
        """The reviewed classification of a cDNA change ('c.3548A>G'): only on ClinVar's MANE
        Select transcript, or when the call names no transcript."""
        self._load()
        change = cdna.split(":")[-1].strip()
        wanted = _accession(transcript or (cdna.split(":")[0] if ":" in cdna else None))
        found = [c for acc, c in self._cdna.get((gene, change), ())
                 if not wanted or acc == wanted]
        return _agree(found) if found else None

    def protein_changes(self, gene: str | None = None) -> list[tuple[str, str, ClinVarCall]]:
        """(gene, protein change, call) of every unambiguous protein-level classification."""
        self._load()
        out = []
        for (g, change), calls in sorted(self._proteins.items()):
            if gene is None or g == gene:
                call = _agree(calls)
                if call is not None:
                    out.append((g, change, call))
        return out
