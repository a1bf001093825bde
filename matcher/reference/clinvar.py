"""ClinVar classifications of the KB's genes, from ``knowledgebase/reference/clinvar.tsv.gz``.

Only reviewed rows are shipped (>= 1 review star for pathogenic / benign, criteria provided for
ClinVar's somatic oncogenicity): see knowledgebase/reference/README.md. Lookups by genomic
allele (either build), by gene + protein change and by gene + cDNA change; the index is built on
the first lookup, not when the KB loads.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from sys import intern

from matcher.errors import InputError, KnowledgeBaseError, Problem
from matcher.reference.hotspots import canonical_build, canonical_chrom, trim_allele

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
    """The row's best-reviewed classification: ClinVar's somatic oncogenicity or its germline
    classification, whichever has more review stars (oncogenicity on a tie)."""
    vid, release = row["variation_id"], row["release"]
    options = []
    if row["oncogenicity"]:
        options.append((int(row["oncogenicity_stars"]), 1, ONC_CLASS[row["oncogenicity"]],
                        f"ClinVar oncogenicity {ONC_CLASS[row['oncogenicity']].replace('_', ' ')}"))
    if row["clnsig"]:
        options.append((int(row["stars"]), 0, CLNSIG_CLASS[row["clnsig"]],
                        f"ClinVar {CLNSIG_WORDS[row['clnsig']]}"))
    stars, _, cls, words = max(options)
    return ClinVarCall(cls, f"{words}, {stars} star{'s' if stars != 1 else ''} "
                            f"(variation {vid}, release {release})", vid, stars)


# Columns kept per row (indexes into _COLUMNS) and their names.
_KEPT = (0, 4, 13, 14, 15, 16, 17)
_KEPT_NAMES = tuple(_COLUMNS[k] for k in _KEPT)


def _allele_key(build: str, chrom: str, pos: int, ref: str, alt: str) -> str:
    """One string per trimmed allele (cheaper to hold than a tuple)."""
    pos, ref, alt = trim_allele(pos, ref.upper(), alt.upper())
    return f"{build}:{canonical_chrom(chrom)}:{pos}:{ref}:{alt}"


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
        self._alleles: dict[str, list[int]] | None = None
        self._proteins: dict[tuple[str, str], list[int]] = {}
        self._cdna: dict[tuple[str, str], list[int]] = {}
        self._rows: list[tuple[str, ...]] = []

    def _load(self) -> dict[str, list[int]]:
        """Index every row by key (row numbers only: a ClinVarCall is made on lookup)."""
        if self._alleles is not None:
            return self._alleles
        alleles: dict[str, list[int]] = {}
        rows = self._rows
        width = len(_COLUMNS)
        try:
            with gzip.open(self.path, "rt", encoding="utf-8", newline="") as fh:
                header = fh.readline().rstrip("\n").split("\t")
                if tuple(header) != _COLUMNS:
                    raise KnowledgeBaseError(
                        f"{self.path}: unexpected header",
                        [Problem("unexpected header", line=1, source=str(self.path),
                                 expected="\t".join(_COLUMNS))])
                for n, line in enumerate(fh, start=2):
                    f = line.rstrip("\n").split("\t")
                    if len(f) != width or not (f[13] in CLNSIG_CLASS or f[15] in ONC_CLASS):
                        raise KnowledgeBaseError(
                            f"{self.path}: malformed line {n}",
                            [Problem("malformed row", line=n, source=str(self.path),
                                     expected=f"{width} fields with a clnsig or oncogenicity")])
                    i = len(rows)
                    # Only the fields a call is made of, repeated values shared (memory: the
                    # table is held for the life of the KB).
                    rows.append((f[0], *(intern(f[k]) for k in _KEPT[1:])))
                    gene = f[1]
                    for build, c in (("GRCh37", 5), ("GRCh38", 9)):
                        if f[c + 1]:
                            key = _allele_key(build, f[c], int(f[c + 1]), f[c + 2], f[c + 3])
                            alleles.setdefault(key, []).append(i)
                    if f[2]:
                        self._proteins.setdefault((gene, f[2]), []).append(i)
                    if f[3]:
                        self._cdna.setdefault((gene, f[3]), []).append(i)
        except (OSError, ValueError) as exc:
            raise KnowledgeBaseError(f"cannot read reference file {self.path}: {exc}") from exc
        self._alleles = alleles
        return alleles

    def _calls(self, found: list[int] | None) -> ClinVarCall | None:
        if not found:
            return None
        return _agree([_call(dict(zip(_KEPT_NAMES, self._rows[i], strict=True)))
                       for i in found])

    def by_allele(self, build: str, chrom: str, pos: int, ref: str, alt: str
                  ) -> ClinVarCall | None:
        """The reviewed classification of a genomic allele (trimmed like the hotspot index)."""
        alleles = self._load()
        ref, alt = str(ref).strip().upper(), str(alt).strip().upper()
        if not ref or not alt or ref == alt:
            return None
        try:
            build = canonical_build(build)
        except InputError:
            return None
        return self._calls(alleles.get(_allele_key(build, chrom, int(pos), ref, alt)))

    def by_protein(self, gene: str, change: str) -> ClinVarCall | None:
        """The reviewed classification of a protein change (1-letter, e.g. 'K1183R') on the
        gene's MANE Select transcript; None when its records disagree or none is reviewed."""
        self._load()
        return self._calls(self._proteins.get((gene, change)))

    def by_cdna(self, gene: str, cdna: str, transcript: str | None = None
                ) -> ClinVarCall | None:
        """The reviewed classification of a cDNA change ('c.3548A>G'): only on ClinVar's MANE
        Select transcript, or when the call names no transcript."""
        self._load()
        change = cdna.split(":")[-1].strip()
        wanted = _accession(transcript or (cdna.split(":")[0] if ":" in cdna else None))
        return self._calls([i for i in self._cdna.get((gene, change), ())
                            if not wanted or _accession(self._rows[i][1]) == wanted])
