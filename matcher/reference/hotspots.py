"""Cancer hotspots and gene spans, from the files in ``knowledgebase/reference/``.

* :class:`HotspotIndex`: is a genomic allele a cancerhotspots.org / 3D hotspot, and which
  protein change is it? Is a protein residue a hotspot residue?
* :class:`GeneSpans`: which genes overlap a position; a gene's span; VCF region lists.

Coordinates: ``pos`` and ``start``/``end`` in the files are 1-based inclusive; every region this
module returns is 0-based half-open ``(chrom, start0, end)`` like pysam. Chromosome names are
returned bare (``7``, ``X``, ``MT``); queries may use ``chr7``, ``chrM`` and so on.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matcher.errors import InputError, KnowledgeBaseError, Problem

HOTSPOTS_FILE = "hotspots.tsv.gz"
INDELS_FILE = "hotspot_indels.tsv"
SPLICE_FILE = "hotspot_splice.tsv"
SPANS_FILE = "gene_spans.tsv.gz"
_HOTSPOT_COLUMNS = ("build", "chrom", "pos", "ref", "alt", "gene", "hgvsp", "hgvsc", "kind",
                    "source")

_BUILD_ALIASES = {"grch37": "GRCh37", "hg19": "GRCh37", "b37": "GRCh37", "37": "GRCh37",
                  "grch38": "GRCh38", "hg38": "GRCh38", "b38": "GRCh38", "38": "GRCh38"}
_RESIDUE = re.compile(r"^[A-Z*](\d+)[A-Z*?]$")  # V600E, E131*, M1?
_BASES = re.compile(r"^[ACGTN]+$")

Region = tuple[str, int, int]


def canonical_build(build: str) -> str:
    """'hg19', 'grch37', 'GRCh37' -> 'GRCh37' (same for 38); anything else raises InputError."""
    found = _BUILD_ALIASES.get(str(build).strip().lower())
    if found is None:
        raise InputError(f"unknown genome build {build!r}",
                         [Problem(f"unknown genome build {build!r}", field="genome_build",
                                  expected="GRCh37 or GRCh38")])
    return found


_REFSEQ_CHROM = re.compile(r"NC_0000(\d\d)(?:\.\d+)?")


def canonical_chrom(chrom: str) -> str:
    """'chr7' -> '7', 'chrx' -> 'X', 'chrM'/'M' -> 'MT'; RefSeq accessions of the human
    chromosomes (NCBI's GRCh37/GRCh38 FASTA names, e.g. 'NC_000007.14') -> '7', NC_000023 -> 'X',
    NC_000024 -> 'Y', NC_012920 (the mitochondrion) -> 'MT'. The accession's version is not
    read: the build comes from the contig lengths or the caller, as for any other name."""
    c = str(chrom).strip()
    if c[:3].lower() == "chr":
        c = c[3:]
    c = c.upper()
    refseq = _REFSEQ_CHROM.fullmatch(c)
    if refseq and 1 <= int(refseq.group(1)) <= 24:
        n = int(refseq.group(1))
        return {23: "X", 24: "Y"}.get(n, str(n))
    if c.split(".")[0] == "NC_012920":
        return "MT"
    return "MT" if c == "M" else c


def contig_name(chrom: str, contigs: Iterable[str]) -> str | None:
    """The name a VCF (its header ``contigs``) uses for ``chrom``: '7' -> 'chr7', 'MT' -> 'chrM'."""
    wanted = canonical_chrom(chrom)
    for contig in contigs:
        if canonical_chrom(contig) == wanted:
            return contig
    return None


def _chrom_order(chrom: str) -> tuple[int, str]:
    if chrom.isdigit():
        return (int(chrom), "")
    return ({"X": 23, "Y": 24, "MT": 25}.get(chrom, 99), chrom)


def trim_allele(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Drop bases shared at the end, then at the start, keeping one base on each side."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref, alt


def _position(pos: int | str) -> int:
    try:
        value = int(pos)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise InputError(f"invalid position {pos!r}",
                         [Problem(f"invalid position {pos!r}", field="pos",
                                  expected="a 1-based integer position")])
    return value


def merge_regions(regions: Iterable[Region]) -> list[Region]:
    """Sort 0-based half-open regions and merge those that overlap or touch."""
    out: list[list] = []
    for chrom, start, end in sorted(regions, key=lambda r: (_chrom_order(r[0]), r[1], r[2])):
        if out and out[-1][0] == chrom and start <= out[-1][2]:
            out[-1][2] = max(out[-1][2], end)
        else:
            out.append([chrom, start, end])
    return [(c, s, e) for c, s, e in out]


def _read_tsv(path: Path) -> Iterable[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as fh:
            yield from csv.DictReader(fh, delimiter="\t")
    except OSError as exc:
        raise KnowledgeBaseError(f"cannot read reference file {path}: {exc}") from exc


def _bad_row(path: Path, n: int, exc: Exception) -> KnowledgeBaseError:
    return KnowledgeBaseError(f"{path}: malformed row {n}",
                              [Problem(str(exc), line=n + 1, source=str(path))])


@dataclass(frozen=True)
class Hotspot:
    """A hotspot allele: gene, 1-letter protein change (or promoter name), cDNA change, kind.

    ``kind`` is HOTSPOT (cancerhotspots.org single residue), HOTSPOT3D (3D cluster) or
    HOTSPOTNC (non-coding: TERT promoter C228T/C250T). ``protein`` is None for the two
    PLEKHS1 non-coding rows; ``hgvsc`` is only known for non-coding rows. The remaining fields
    give the allele as listed, which may differ from the query (see HotspotIndex.lookup);
    ``source`` is 'vcf' (listed by the build's hotspot VCF) or 'lifted' (a GRCh37 allele the
    GRCh38 VCF lacks, lifted over; see knowledgebase/reference/README.md).
    """

    gene: str
    protein: str | None
    hgvsc: str | None
    kind: str
    build: str = ""
    chrom: str = ""
    pos: int = 0
    ref: str = ""
    alt: str = ""
    source: str = "vcf"

    @property
    def residue(self) -> int | None:
        """Protein position of a substitution (600 for V600E), else None (TERT C228T too)."""
        m = None if self.kind == "HOTSPOTNC" else _RESIDUE.match(self.protein or "")
        return int(m.group(1)) if m else None


class HotspotIndex:
    """Hotspot alleles of both builds, residue and indel-range indexes."""

    def __init__(self, rows: Iterable[tuple],
                 indels: Iterable[tuple[str, int, int]] = (),
                 splice: Iterable[tuple[str, str, str]] = ()):
        """rows: (build, chrom, pos, ref, alt, gene, protein, hgvsc, kind, source) tuples."""
        # Keyed by the trimmed allele, so 'CA>CT' finds the listed SNV 'A>T' one base on.
        self._alleles: dict[str, dict[tuple[str, int, str, str], tuple]] = defaultdict(dict)
        self._residues: set[tuple[str, int]] = set()
        self._single_residues: set[tuple[str, int]] = set()  # cancerhotspots.org, not 3D
        self._proteins: set[tuple[str, str]] = set()
        for row in rows:
            build, chrom, pos, ref, alt, gene, protein, _hgvsc, kind, source = row
            key = (chrom, *trim_allele(pos, ref, alt))
            known = self._alleles[build].get(key)
            if known is None or (known[9] != "vcf" and source == "vcf"):
                self._alleles[build][key] = row
            if kind != "HOTSPOTNC" and (m := _RESIDUE.match(protein)):
                self._residues.add((gene, int(m.group(1))))
                if kind == "HOTSPOT":
                    self._single_residues.add((gene, int(m.group(1))))
            if protein:
                self._proteins.add((gene, protein))
        self._indels: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for gene, start, end in indels:
            self._indels[gene].append((start, end))
        self._splice = {(b, g, c) for b, g, c in splice}

    @classmethod
    def load(cls, reference_dir: Path | None = None) -> HotspotIndex:
        """Read hotspots.tsv.gz, hotspot_indels.tsv and hotspot_splice.tsv."""
        if reference_dir is None:
            from matcher.reference.tumors import default_reference_dir
            reference_dir = default_reference_dir()
        ref_dir = Path(reference_dir)
        rows = []
        path = ref_dir / HOTSPOTS_FILE
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                header = fh.readline().rstrip("\n").split("\t")
                if tuple(header) != _HOTSPOT_COLUMNS:
                    raise KnowledgeBaseError(
                        f"{path}: unexpected header",
                        [Problem("unexpected header", line=1, source=str(path),
                                 expected="\t".join(_HOTSPOT_COLUMNS))])
                for n, line in enumerate(fh, start=2):
                    f = line.rstrip("\n").split("\t")
                    try:
                        if len(f) != len(_HOTSPOT_COLUMNS):
                            raise ValueError(f"{len(f)} fields")
                        f[2] = int(f[2])
                        rows.append(tuple(f))
                    except ValueError as exc:
                        raise KnowledgeBaseError(
                            f"{path}: malformed line {n}",
                            [Problem(f"malformed row: {exc}", line=n, source=str(path),
                                     expected=f"{len(_HOTSPOT_COLUMNS)} tab-separated fields, "
                                              "integer pos")]) from exc
        except OSError as exc:
            raise KnowledgeBaseError(f"cannot read reference file {path}: {exc}") from exc
        indels = []
        path = ref_dir / INDELS_FILE
        for n, row in enumerate(_read_tsv(path), start=1):
            try:
                indels.append((row["gene"], int(row["aa_start"]), int(row["aa_end"])))
            except (KeyError, TypeError, ValueError) as exc:
                raise _bad_row(path, n, exc) from exc
        splice = [(r["build"], r["gene"], r["c_pos"]) for r in _read_tsv(ref_dir / SPLICE_FILE)]
        return cls(rows, indels, splice)

    @staticmethod
    def _hotspot(row: tuple) -> Hotspot:
        build, chrom, pos, ref, alt, gene, protein, hgvsc, kind, source = row
        return Hotspot(gene, protein or None, hgvsc or None, kind, build, chrom, pos, ref, alt,
                       source)

    def __len__(self) -> int:
        return sum(len(a) for a in self._alleles.values())

    def lookup(self, build: str, chrom: str, pos: int, ref: str, alt: str) -> Hotspot | None:
        """The hotspot this allele produces, or None.

        Chromosome names with or without 'chr' and alleles in any case are accepted. A call is
        compared after trimming bases shared by REF and ALT, so an MNV such as
        ``7:140453135 CA>CT`` is found as the listed SNV ``7:140453136 A>T`` (BRAF V600E);
        di-nucleotide hotspots (``CA>TT``) are listed as such. Indels must be left-aligned,
        as the hotspot VCFs are.
        """
        ref, alt = str(ref).strip().upper(), str(alt).strip().upper()
        if not (_BASES.match(ref) and _BASES.match(alt)) or ref == alt:
            return None  # symbolic or malformed alleles are never hotspots
        key = (canonical_chrom(chrom), *trim_allele(_position(pos), ref, alt))
        row = self._alleles.get(canonical_build(build), {}).get(key)
        return None if row is None else self._hotspot(row)

    def is_hotspot_residue(self, gene: str, position: int) -> bool:
        """True if any substitution hotspot (either build) lies at this protein residue."""
        return (gene, int(position)) in self._residues

    def is_hotspot_allele(self, gene: str, protein: str) -> bool:
        """True if this protein change (1-letter, 'V600E') is a listed hotspot allele."""
        return (gene, protein) in self._proteins

    def is_single_residue_hotspot(self, gene: str, position: int) -> bool:
        """True if a cancerhotspots.org single-residue hotspot (not only a 3D cluster) lies at
        this residue."""
        return (gene, int(position)) in self._single_residues

    def in_indel_hotspot(self, gene: str, position: int, end: int | None = None) -> bool:
        """True if residue ``position`` (or the range to ``end``) overlaps an indel hotspot."""
        last = position if end is None else end
        return any(s <= last and position <= e for s, e in self._indels.get(gene, ()))

    def is_splice_hotspot(self, build: str, gene: str, c_pos: str) -> bool:
        """True if ``c_pos`` (cDNA position such as 'c.2732') is a listed splice hotspot."""
        return (canonical_build(build), gene, c_pos) in self._splice

    def hotspots(self, build: str, gene: str | None = None) -> list[Hotspot]:
        """Every hotspot allele of a build (optionally of one gene), in genome order."""
        found = [r for r in self._alleles.get(canonical_build(build), {}).values()
                 if gene is None or r[5] == gene]
        found.sort(key=lambda r: (_chrom_order(r[1]), r[2], r[3], r[4]))
        return [self._hotspot(r) for r in found]

    def regions(self, build: str, genes: Iterable[str] | None = None,
                pad: int = 0) -> list[Region]:
        """Merged 0-based half-open regions covering every hotspot allele (± ``pad`` bases)."""
        wanted = None if genes is None else set(genes)
        return merge_regions(
            (r[1], max(0, r[2] - 1 - pad), r[2] - 1 + len(r[3]) + pad)
            for r in self._alleles.get(canonical_build(build), {}).values()
            if wanted is None or r[5] in wanted)


class GeneSpans:
    """Gene spans per build with fast position lookups (bisect over sorted starts)."""

    def __init__(self, spans: Iterable[tuple[str, str, str, int, int, str]]):
        self._span: dict[tuple[str, str], tuple[str, int, int]] = {}
        self._strand: dict[tuple[str, str], str] = {}
        rows: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
        for gene, build, chrom, start, end, strand in spans:
            self._span[(gene, build)] = (chrom, start, end)
            self._strand[(gene, build)] = strand
            rows[(build, chrom)].append((start, end, gene))
        # Per (build, chrom): starts, ends, genes sorted by start, and the running maximum of
        # ends, which lets genes_at stop scanning left once no earlier gene can reach pos.
        self._index: dict[tuple[str, str], tuple[list[int], list[int], list[str], list[int]]] = {}
        for key, items in rows.items():
            items.sort()
            running, top = [], 0
            for _, end, _ in items:
                top = max(top, end)
                running.append(top)
            self._index[key] = ([s for s, _, _ in items], [e for _, e, _ in items],
                                [g for _, _, g in items], running)

    @classmethod
    def load(cls, reference_dir: Path | None = None) -> GeneSpans:
        """Read gene_spans.tsv.gz."""
        if reference_dir is None:
            from matcher.reference.tumors import default_reference_dir
            reference_dir = default_reference_dir()
        path = Path(reference_dir) / SPANS_FILE
        spans = []
        for n, row in enumerate(_read_tsv(path), start=1):
            try:
                spans.append((row["gene"], row["build"], row["chrom"], int(row["start"]),
                              int(row["end"]), row["strand"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise _bad_row(path, n, exc) from exc
        return cls(spans)

    def __len__(self) -> int:
        return len(self._span)

    def genes(self, build: str) -> list[str]:
        """Every gene with a span in this build, sorted."""
        b = canonical_build(build)
        return sorted(g for g, gb in self._span if gb == b)

    def genes_at(self, build: str, chrom: str, pos: int) -> list[str]:
        """Genes whose span contains 1-based ``pos``, sorted by name."""
        index = self._index.get((canonical_build(build), canonical_chrom(chrom)))
        if index is None:
            return []
        starts, ends, genes, running = index
        pos = _position(pos)
        found = []
        i = bisect.bisect_right(starts, pos) - 1
        while i >= 0 and running[i] >= pos:
            if ends[i] >= pos:
                found.append(genes[i])
            i -= 1
        return sorted(found)

    def span(self, gene: str, build: str) -> tuple[str, int, int] | None:
        """(chrom, start, end), 1-based inclusive, or None if the gene has no span here."""
        return self._span.get((gene, canonical_build(build)))

    def strand(self, gene: str, build: str) -> str | None:
        """'+' or '-', or None if the gene has no span in this build."""
        return self._strand.get((gene, canonical_build(build)))

    def regions(self, build: str, genes: Iterable[str], pad: int = 0) -> list[Region]:
        """Merged 0-based half-open regions of the genes' spans (± ``pad``); unknowns skipped."""
        b = canonical_build(build)
        found = (self._span.get((g, b)) for g in genes)
        return merge_regions((c, max(0, s - 1 - pad), e + pad) for c, s, e in
                             (x for x in found if x is not None))


_GIVEN: dict[str, GeneSpans] = {}  # reference folder -> spans already loaded (see below)


def share_gene_spans(reference_dir: str, spans: GeneSpans) -> None:
    """Offer spans already in memory (the KB cache's copy) to :func:`load_gene_spans`."""
    _GIVEN[reference_dir] = spans


@lru_cache(maxsize=2)
def load_gene_spans(reference_dir: str):
    """Gene spans of one reference folder, loaded once per process (immutable data)."""
    given = _GIVEN.pop(reference_dir, None)
    return given if given is not None else GeneSpans.load(Path(reference_dir))


# TERT promoter hotspots are named after their GRCh37 positions (chr5:1,295,228 and 1,295,250,
# C>T on the TERT strand); on the TERT transcript they are c.-124C>T and c.-146C>T.
TERT_PROMOTER = {"C228T": "C228T", "C250T": "C250T", "-124C>T": "C228T", "-146C>T": "C250T",
                 "C.-124C>T": "C228T", "C.-146C>T": "C250T", "124C>T": "C228T",
                 "146C>T": "C250T"}
