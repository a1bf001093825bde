"""ClinVar classifications of the KB's genes, from ``knowledgebase/reference/clinvar.tsv.gz``.

Only reviewed rows are shipped (>= 1 review star for pathogenic / benign, criteria provided for
ClinVar's somatic oncogenicity): see knowledgebase/reference/README.md. Lookups by genomic
allele (either build), by gene + protein change and by gene + cDNA change; the index is built on
the first lookup, not when the KB loads, and is compact (see ClinVarIndex).
"""

from __future__ import annotations

import gzip
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

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
_ROWS = 1 << 20  # packs a key and its line number into one sortable int (rows < 2**20)
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


_BUILDS = (("GRCh37", 5), ("GRCh38", 9))  # a build and the column of its chromosome


class ClinVarIndex:
    """Reviewed ClinVar classifications keyed by allele, protein change and cDNA change.

    Compact (issue 13): the first lookup keeps the table's lines as text and, per build, a sorted
    array of (chromosome, trimmed position) with the line each came from; an allele lookup
    bisects it and splits only the lines at that position. Protein and cDNA lookups index one
    gene's lines on its first lookup. About a fifth of the time and memory of indexing every row
    by every key, with the same answers (tests/test_clinvar_index.py checks every row)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lines: list[str] | None = None
        self._genes: dict[str, list[int]] = {}  # gene -> its line numbers (0 = first row)
        self._chroms: dict[str, int] = {}  # canonical chromosome -> code in the keys
        # build -> sorted ((chromosome code << 32 | trimmed position) * _ROWS + line number)
        self._keys: dict[str, array] = {}
        self._by_gene: dict[str, tuple[dict, dict]] = {}  # gene -> ({protein: rows}, {cdna: rows})

    def preload(self) -> None:
        """Read the table and build its allele index now (before the KB is cached)."""
        self._load()

    def _load(self) -> list[str]:
        """Read the table once: check every row, keep its text, index the alleles' positions."""
        if self._lines is not None:
            return self._lines
        try:
            text = gzip.decompress(self.path.read_bytes()).decode("utf-8")
        except (OSError, ValueError, EOFError, gzip.BadGzipFile) as exc:
            raise KnowledgeBaseError(f"cannot read reference file {self.path}: {exc}") from exc
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not lines or tuple(lines[0].rstrip("\r").split("\t")) != _COLUMNS:
            raise KnowledgeBaseError(
                f"{self.path}: unexpected header",
                [Problem("unexpected header", line=1, source=str(self.path),
                         expected="\t".join(_COLUMNS))])
        del lines[0]
        width = len(_COLUMNS)
        genes: dict[str, list[int]] = {}
        chrom_codes: dict[str, int] = {}  # as written -> code (canonical names share a code)
        codes = self._chroms
        keyed: dict[str, list[int]] = {b: [] for b, _ in _BUILDS}
        for i, line in enumerate(lines):
            f = line.split("\t")
            if len(f) != width or not (f[13] in CLNSIG_CLASS or f[15] in ONC_CLASS):
                raise KnowledgeBaseError(
                    f"{self.path}: malformed line {i + 2}",
                    [Problem("malformed row", line=i + 2, source=str(self.path),
                             expected=f"{width} fields with a clnsig or oncogenicity")])
            genes.setdefault(f[1], []).append(i)
            for build, c in _BUILDS:
                if not f[c + 1]:
                    continue
                try:
                    pos = int(f[c + 1])
                except ValueError as exc:
                    raise KnowledgeBaseError(
                        f"cannot read reference file {self.path}: {exc}") from exc
                ref, alt = f[c + 2], f[c + 3]
                if len(ref) > 1 and len(alt) > 1:
                    pos = trim_allele(pos, ref.upper(), alt.upper())[0]
                code = chrom_codes.get(f[c])
                if code is None:
                    code = chrom_codes[f[c]] = codes.setdefault(canonical_chrom(f[c]), len(codes))
                keyed[build].append((code << 32 | pos) * _ROWS + i)
        if len(lines) >= _ROWS:
            raise KnowledgeBaseError(f"{self.path}: more than {_ROWS - 1} rows")
        for build, packed in keyed.items():
            packed.sort()
            try:
                self._keys[build] = array("q", packed)
            except OverflowError as exc:
                raise KnowledgeBaseError(f"{self.path}: {exc} (too many contigs)") from exc
        self._genes = genes
        self._lines = lines
        return lines

    def _fields(self, i: int) -> list[str]:
        return self._lines[i].split("\t")

    def _calls(self, found) -> ClinVarCall | None:
        if not found:
            return None
        return _agree([_call(dict(zip(_COLUMNS, self._fields(i), strict=True)))
                       for i in found])

    def _gene(self, gene: str) -> tuple[dict, dict]:
        """The gene's rows by protein change and by cDNA change (indexed on first lookup)."""
        self._load()
        got = self._by_gene.get(gene)
        if got is None:
            proteins: dict[str, list[int]] = {}
            cdna: dict[str, list[int]] = {}
            for i in self._genes.get(gene, ()):
                f = self._fields(i)
                if f[2]:
                    proteins.setdefault(f[2], []).append(i)
                if f[3]:
                    cdna.setdefault(f[3], []).append(i)
            got = self._by_gene[gene] = (proteins, cdna)
        return got

    def by_allele(self, build: str, chrom: str, pos: int, ref: str, alt: str
                  ) -> ClinVarCall | None:
        """The reviewed classification of a genomic allele (trimmed like the hotspot index)."""
        self._load()
        ref, alt = str(ref).strip().upper(), str(alt).strip().upper()
        if not ref or not alt or ref == alt:
            return None
        try:
            build = canonical_build(build)
        except InputError:
            return None
        code = self._chroms.get(canonical_chrom(chrom))
        if code is None or build not in self._keys:
            return None
        want = _allele_key(build, chrom, int(pos), ref, alt)
        tpos = int(want.split(":")[2])
        keys = self._keys[build]
        key = (code << 32 | tpos) * _ROWS
        c = _BUILDS[0][1] if build == _BUILDS[0][0] else _BUILDS[1][1]
        found = []
        for j in range(bisect_left(keys, key), bisect_left(keys, key + _ROWS)):
            i = keys[j] % _ROWS
            f = self._fields(i)
            if _allele_key(build, f[c], int(f[c + 1]), f[c + 2], f[c + 3]) == want:
                found.append(i)
        return self._calls(found)

    def by_protein(self, gene: str, change: str) -> ClinVarCall | None:
        """The reviewed classification of a protein change (1-letter, e.g. 'K1183R') on the
        gene's MANE Select transcript; None when its records disagree or none is reviewed."""
        return self._calls(self._gene(gene)[0].get(change))

    def by_cdna(self, gene: str, cdna: str, transcript: str | None = None
                ) -> ClinVarCall | None:
        """The reviewed classification of a cDNA change ('c.3548A>G'): only on ClinVar's MANE
        Select transcript, or when the call names no transcript."""
        change = cdna.split(":")[-1].strip()
        wanted = _accession(transcript or (cdna.split(":")[0] if ":" in cdna else None))
        return self._calls([i for i in self._gene(gene)[1].get(change, ())
                            if not wanted or _accession(self._fields(i)[4]) == wanted])
