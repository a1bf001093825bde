"""Which exon of a gene's MANE Select transcript holds a protein residue; which changes make an
exon skipped.

Exon-level evidence ("EGFR exon 19 deletion", "ERBB2 exon 20 insertion", "KIT exon 11") needs the
exon of a call. Annotated VCFs give it; a lab report, a MAF without ``Exon_Number`` or any
protein-only call (``EGFR p.E746_A750del``) does not. ``protein_exons.tsv.gz`` (written by
``scripts/make_reference.py``; see ``knowledgebase/reference/README.md``) lists, for each gene
whose MANE Select transcript Ensembl 75 has with a complete CDS, the codons each coding exon
holds: ``gene, transcript, exon, first_codon, last_codon`` (and the columns read for exon
skipping, below). Exons are numbered along the
transcript as Ensembl numbers them (UTR-only exons counted); the last coding exon's range ends
with the stop codon.

The rule of :meth:`ProteinExons.exon_of`: a residue belongs to every exon that holds at least one
base of its codon, so a codon split across a junction belongs to both exons. A residue range gets
the one exon that holds every residue of it:

* a single residue in one exon -> that exon; a single split residue -> None (ambiguous: which
  exon the base change hits is not known from the protein);
* a range (deletion, the two flanking residues of an insertion, delins) whose residues all lie
  in one exon -> that exon, also when an end residue is split with the neighbouring exon: the
  other residues pin the exon (only that exon holds all of them). The change may then reach a
  base or two into the neighbouring exon; it is still a change of this exon;
* a range that needs two exons, an unknown gene, or a residue beyond the protein -> None.

The same rows give each coding exon's coding cDNA positions (``first_c``, ``last_c``: c.1 = A of
the start codon) and its genomic span (``chrom, strand, grch37_start, grch37_end`` from Ensembl
75; ``grch38_start, grch38_end`` lifted with the UCSC chain, empty when the exon and its splice
sites do not lift as one block). :meth:`ProteinExons.skip_sites` turns them into the
:class:`SkipSites` of one exon, and :func:`skipping_rule` says whether a small variant makes
that exon skipped, for ``{type: exon_skipping, exons: [N]}`` evidence (CIViC "MET Exon 14
Skipping Mutation"). The rule is conservative: a variant meets exon N when ANY of

1. ``annotation``: its annotation says an exon is lost (SO ``exon_loss_variant``, class
   ``exon_loss``) and the call is at exon N: the annotated exon is N, or its c. change has a
   position anchored in exon N (``c.3028+5`` is anchored at c.3028), or its genomic span
   overlaps exon N or its canonical splice sites (±2 bp);
2. a canonical splice site of exon N in cDNA: a substitution, deletion, delins or inversion
   covering ``c.<first>-2``, ``c.<first>-1`` (acceptor) or ``c.<last>+1``, ``c.<last>+2``
   (donor); an insertion between the two bases of one of these sites; a change covering the last
   exonic base ``c.<last>`` when its consequence class is ``splice`` (the annotation calls it a
   splice-site variant, as CIViC does for MET c.3028G>A: the annotation decides, not the
   position); or a protein splice name ``X<codon>_splice`` at exon N's first codon (acceptor) or
   last codon (donor), only when that codon lies wholly in exon N: a codon split across the
   junction is also the neighbouring exon's, so the name cannot tell which exon's splice site is
   hit (MET exon 14: codons 963 and 1010 are both split; ``X1010_splice`` alone is ambiguous);
3. ``genomic``: its consequence class is ``splice`` and its genomic span (``pos`` to ``pos +
   len(ref) - 1``, on its build) overlaps an exon N boundary ±2 bp (the two intron bases of the
   splice site and the two exon bases beside it).

cDNA positions, protein positions and the annotated exon count only when the call is written on
the gene's MANE Select transcript (RefSeq or Ensembl, any version) or on no transcript: another
transcript may number them otherwise. The splice sites that a coding cDNA change cannot name are
left out: no acceptor for the first coding exon (its 5' end is UTR), no donor for the last one.
Not met (examples): ``c.3028+5G>A`` (outside the canonical sites) unless annotated
``exon_loss_variant``; an exon 13 splice site (``c.2887+1G>A``); a missense change in exon 14.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

from matcher.errors import KnowledgeBaseError, Problem

PROTEIN_EXONS_FILE = "protein_exons.tsv.gz"
COLUMNS = ("gene", "transcript", "exon", "first_codon", "last_codon", "first_c", "last_c",
           "chrom", "strand", "grch37_start", "grch37_end", "grch38_start", "grch38_end")
BUILDS = ("GRCh37", "GRCh38")
SPLICE_FLANK = 2  # canonical splice site: the 2 intron bases beside an exon end


@dataclass(frozen=True)
class ExonRow:
    """One coding exon of a gene's MANE Select transcript (a row of protein_exons.tsv.gz)."""

    gene: str
    transcript: str
    exon: int
    first_codon: int
    last_codon: int
    first_c: int
    last_c: int
    chrom: str
    strand: str
    spans: tuple[tuple[str, int, int], ...]  # (build, start, end), 1-based inclusive


@dataclass(frozen=True)
class SkipSites:
    """Where a change makes exon ``exon`` of ``gene`` skipped (module doc; hashable, carried by
    an exon_skipping :class:`~matcher.kb.criteria.Criterion`)."""

    gene: str
    exon: int
    transcripts: frozenset[str]  # accessions c./p. positions and exons are read on (MANE Select)
    first_c: int
    last_c: int
    acceptor: bool  # the exon's acceptor has a coding c. name (not the first coding exon)
    donor: bool  # the exon's donor has a coding c. name (not the last coding exon)
    first_codon: int | None  # a splice name at this codon is this exon's acceptor (not split)
    last_codon: int | None  # ... at this codon its donor (not split with the next exon)
    chrom: str
    strand: str
    spans: tuple[tuple[str, int, int], ...]  # (build, start, end) of the exon

    def c_sites(self) -> tuple[tuple[int, int], ...]:
        """The canonical splice positions, ``(anchor, offset)`` as :class:`CdnaChange` gives."""
        sites: tuple[tuple[int, int], ...] = ()
        if self.acceptor:
            sites += ((self.first_c, -2), (self.first_c, -1))
        if self.donor:
            sites += ((self.last_c, 1), (self.last_c, 2))
        return sites

    def windows(self, build: str) -> tuple[tuple[int, int], ...]:
        """Genomic (start, end) of each boundary ±2 bp with a splice site, on ``build``."""
        span = self.span(build)
        if span is None:
            return ()
        start, end = span
        # The acceptor is at the exon's 5' end on its strand, the donor at its 3' end.
        low_used, high_used = ((self.acceptor, self.donor) if self.strand == "+"
                               else (self.donor, self.acceptor))
        out = []
        if low_used:  # boundary between start - 1 and start
            out.append((start - SPLICE_FLANK, start + SPLICE_FLANK - 1))
        if high_used:  # boundary between end and end + 1
            out.append((end - SPLICE_FLANK + 1, end + SPLICE_FLANK))
        return tuple(out)

    def span(self, build: str) -> tuple[int, int] | None:
        """Genomic (start, end) of the exon on ``build``, or None."""
        return next(((s, e) for b, s, e in self.spans if b == build), None)


class ProteinExons:
    """Coding exons of MANE Select transcripts in protein coordinates, by gene."""

    def __init__(self, rows: list[tuple]):
        """rows: the file's columns (:data:`COLUMNS`), numbers as int, empty GRCh38 as None."""
        self._exons: dict[str, list[tuple[int, int, int]]] = {}
        self._transcript: dict[str, str] = {}
        self._rows: dict[str, dict[int, ExonRow]] = {}
        for (gene, transcript, exon, first, last, first_c, last_c, chrom, strand,
             s37, e37, s38, e38) in rows:
            self._exons.setdefault(gene, []).append((exon, first, last))
            self._transcript[gene] = transcript
            spans = tuple((b, s, e) for b, s, e in (("GRCh37", s37, e37), ("GRCh38", s38, e38))
                          if s is not None)
            self._rows.setdefault(gene, {})[exon] = ExonRow(
                gene, transcript, exon, first, last, first_c, last_c, chrom, strand, spans)
        for exons in self._exons.values():
            exons.sort(key=lambda e: e[1])

    @classmethod
    def load(cls, reference_dir: Path | None = None) -> ProteinExons:
        """Read ``protein_exons.tsv.gz``; a missing or malformed file is a KnowledgeBaseError."""
        if reference_dir is None:
            from matcher.paths import default_reference_dir
            reference_dir = default_reference_dir()
        path = Path(reference_dir) / PROTEIN_EXONS_FILE
        rows = []
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                header = tuple(fh.readline().rstrip("\n").split("\t"))
                if header != COLUMNS:
                    raise KnowledgeBaseError(
                        f"{path}: unexpected header",
                        [Problem("unexpected header", line=1, source=str(path),
                                 expected="\t".join(COLUMNS))])
                for n, line in enumerate(fh, start=2):
                    f = line.rstrip("\n").split("\t")
                    try:
                        rows.append(_row(f))
                    except ValueError as exc:
                        raise KnowledgeBaseError(
                            f"{path}: malformed line {n}",
                            [Problem(f"malformed row: {exc}", line=n, source=str(path))]
                        ) from None
        except OSError as exc:
            raise KnowledgeBaseError(f"cannot read reference file {path}: {exc}") from None
        return cls(rows)

    def __contains__(self, gene: str) -> bool:
        return gene in self._exons

    def __len__(self) -> int:
        return len(self._exons)

    def transcript(self, gene: str) -> str | None:
        """The (Ensembl 75, versioned) transcript the gene's exons were taken from, or None."""
        return self._transcript.get(gene)

    def exons(self, gene: str) -> tuple[tuple[int, int, int], ...]:
        """(exon, first_codon, last_codon) of the gene's coding exons, 5' to 3'."""
        return tuple(self._exons.get(gene, ()))

    def exon_of(self, gene: str, first_residue: int,
                last_residue: int | None = None) -> int | None:
        """The exon holding every residue of ``first_residue``..``last_residue`` (one residue when
        ``last_residue`` is None), or None: unknown gene, a range over two exons, a lone residue
        split across a junction, or a residue beyond the protein (see the module doc)."""
        last = first_residue if last_residue is None else last_residue
        if first_residue < 1 or last < first_residue:
            return None
        holding = [exon for exon, first, end in self._exons.get(gene, ())
                   if first <= first_residue and last <= end]
        return holding[0] if len(holding) == 1 else None

    def row(self, gene: str, exon: int) -> ExonRow | None:
        """Exon ``exon`` of the gene's MANE Select transcript, if it holds coding bases."""
        return self._rows.get(gene, {}).get(exon)

    def skip_sites(self, gene: str, exon: int, transcripts: frozenset[str]) -> SkipSites:
        """The :class:`SkipSites` of one exon; ``transcripts``: the gene's MANE Select
        accessions (unversioned). Raise ValueError (the reason) when the table cannot say."""
        rows = self._rows.get(gene)
        if not rows:
            raise ValueError(f"{gene} is not in {PROTEIN_EXONS_FILE} (no MANE Select transcript "
                             "with a complete CDS in Ensembl 75)")
        r = rows.get(exon)
        if r is None:
            raise ValueError(f"exon {exon} is not a coding exon of {gene}'s MANE Select "
                             f"transcript (coding exons {min(rows)}-{max(rows)})")
        if not transcripts:
            raise ValueError(f"no MANE Select transcript for {gene}")
        prev, nxt = rows.get(exon - 1), rows.get(exon + 1)
        acceptor, donor = r.first_c > 1, exon != max(rows)
        if not (acceptor or donor):
            raise ValueError(f"exon {exon} of {gene} has no splice site in coding notation "
                             "(the only coding exon)")
        return SkipSites(
            gene=gene, exon=exon, transcripts=frozenset(transcripts),
            first_c=r.first_c, last_c=r.last_c, acceptor=acceptor, donor=donor,
            first_codon=(r.first_codon if acceptor and not (prev and prev.last_codon
                                                            == r.first_codon) else None),
            last_codon=(r.last_codon if donor and not (nxt and nxt.first_codon
                                                       == r.last_codon) else None),
            chrom=r.chrom, strand=r.strand, spans=r.spans)


def _row(f: list[str]) -> tuple:
    """One line's fields, checked and converted (ValueError says what is wrong)."""
    if len(f) != len(COLUMNS):
        raise ValueError(f"{len(f)} fields, expected {len(COLUMNS)}")
    exon, first, last, first_c, last_c = (int(x) for x in f[2:7])
    if not 1 <= first <= last or exon < 1 or not 1 <= first_c <= last_c:
        raise ValueError("exon, codons and c. positions must be positive, first <= last")
    if f[8] not in ("+", "-") or not f[7]:
        raise ValueError("expected a chromosome and a strand (+ or -)")
    s37, e37 = int(f[9]), int(f[10])
    s38, e38 = (int(f[11]), int(f[12])) if f[11] or f[12] else (None, None)
    for s, e in ((s37, e37), (s38, e38)):
        if s is not None and not 1 <= s <= e:
            raise ValueError("genomic start must be positive and <= end")
    return (f[0], f[1], exon, first, last, first_c, last_c, f[7], f[8], s37, e37, s38, e38)


# ----------------------------------------------------------------------------- exon skipping
class SitesResolver:
    """``resolver(gene, exon)`` -> the exon's :class:`SkipSites`, from ``protein_exons.tsv.gz``
    and the gene's MANE Select accessions (``mane_transcripts.tsv.gz``) in ``reference_dir``,
    both read on the first call; raises ValueError saying why the reference cannot give them.
    The KB loader and the CIViC importer resolve exon_skipping criteria with it."""

    def __init__(self, reference_dir: Path):
        self.reference_dir = Path(reference_dir)
        self.tables: tuple | None = None  # (ProteinExons, TranscriptIndex) once read
        self._error: str | None = None

    def __call__(self, gene: str, exon: int) -> SkipSites:
        from matcher.reference.transcripts import TranscriptIndex, accession

        if self.tables is None and self._error is None:
            try:
                self.tables = (ProteinExons.load(self.reference_dir),
                               TranscriptIndex.load(self.reference_dir))
            except KnowledgeBaseError as exc:
                self._error = exc.message
        if self.tables is None:
            raise ValueError(f"reference exon table not readable: {self._error}")
        exons, transcripts = self.tables
        select = transcripts.select(gene)
        mane = (frozenset(accession(a) for a in (select.refseq, select.ensembl) if a)
                if select else frozenset())
        return exons.skip_sites(gene, exon, mane)


def _on_mane(sites: SkipSites, *transcripts: str | None) -> bool:
    """True when every transcript given is the MANE Select one (none given: True)."""
    from matcher.reference.transcripts import accession

    return all(accession(t) in sites.transcripts for t in transcripts if t)


def skipping_rule(sites: SkipSites, v) -> str | None:
    """Which rule of the module doc makes the small variant ``v`` (a
    :class:`~matcher.model.VariantDetail` of the sites' gene) skip the exon: 'annotation',
    'splice_site' (cDNA), 'splice_name' (protein) or 'genomic'; None when none applies."""
    from matcher.reference.protein import parse_cdna

    cdna = parse_cdna(v.cdna) if v.cdna else None
    cdna_ok = cdna is not None and _on_mane(sites, cdna.transcript, v.transcript)
    cons = v.consequence
    gspan = _genomic_span(v)
    if cons == "exon_loss":
        if v.exon == sites.exon and _on_mane(sites, v.transcript):
            return "annotation"
        if cdna_ok and cdna.start[0] <= sites.last_c and cdna.end[0] >= sites.first_c:
            return "annotation"
        span = sites.span(gspan[0]) if gspan and gspan[1] == sites.chrom else None
        if span and gspan[2] <= span[1] + SPLICE_FLANK and gspan[3] >= span[0] - SPLICE_FLANK:
            return "annotation"
    if cdna_ok and _cdna_hits_site(sites, cdna, cons):
        return "splice_site"
    p = v.protein
    if (p is not None and p.consequence == "splice" and p.position is not None
            and p.position in (sites.first_codon, sites.last_codon)
            and _on_mane(sites, v.transcript)):
        return "splice_name"
    if cons == "splice" and gspan is not None and gspan[1] == sites.chrom:
        if any(gspan[2] <= hi and gspan[3] >= lo for lo, hi in sites.windows(gspan[0])):
            return "genomic"
    return None


def _cdna_hits_site(sites: SkipSites, c, cons: str | None) -> bool:
    site_list = sites.c_sites()
    if c.kind in ("substitution", "deletion", "delins", "inversion"):
        if any(c.start <= site <= c.end for site in site_list):
            return True
    elif c.kind == "insertion":
        # between the two bases of one splice site (-2/-1 or +1/+2): both flanks are sites
        pairs = [site_list[i:i + 2] for i in range(0, len(site_list), 2)]
        if any((c.start, c.end) == tuple(pair) for pair in pairs):
            return True
    # the last exonic base, when the annotation calls the change a splice-site variant
    return sites.donor and cons == "splice" and c.start <= (sites.last_c, 0) <= c.end


def _genomic_span(v) -> tuple[str, str, int, int] | None:
    """(build, chrom, start, end) of the variant's reference bases, or None."""
    if not (v.chrom and v.pos and v.build):
        return None
    from matcher.errors import InputError
    from matcher.reference.hotspots import canonical_build, canonical_chrom

    try:
        build = canonical_build(v.build)
    except InputError:
        return None
    return build, canonical_chrom(v.chrom), v.pos, v.pos + max(len(v.ref or ""), 1) - 1
