"""Which parts of a genome a VCF reader needs: the KB genes' spans in the file's own build."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

Region = tuple[str, int, int]


def gene_regions(genes: Iterable[str], *, pad: int = 2000, reference_dir: Path | None = None,
                 gene_spans=None) -> Callable[[str | None], list[Region] | None]:
    """A ``regions`` argument for :func:`matcher.readers.vcf.read_vcf` / ``read_file``.

    Returns a function of the VCF's genome build giving the spans of ``genes`` (± ``pad`` bases,
    enough for promoter hotspots such as TERT C228T) in that build, or None (= read every record)
    when the build is unknown, so nothing is silently skipped.
    """
    wanted = sorted(set(genes))

    def regions(build: str | None) -> list[Region] | None:
        if build is None:
            return None
        spans = gene_spans
        if spans is None:
            from matcher.reference.hotspots import load_gene_spans
            from matcher.reference.tumors import default_reference_dir
            spans = load_gene_spans(str(reference_dir or default_reference_dir()))
        return spans.regions(build, wanted, pad=pad)

    return regions


# Pads (bases) of what a whole-genome-scale file is read for; see docs/lab-files.md (Large VCFs).
# A call is read at its POS, so the splice pad is also the longest intronic deletion that still
# reaches a canonical splice site (±2 bp of the exon end); 50 covers the splice-region (3-8 bp)
# and polypyrimidine-tract (3-17 bp) windows annotators use, with room for such deletions.
SPLICE_PAD = 50
PROMOTER_PAD = 1000  # around the stretch from the TSS to the farthest non-coding hotspot
SPAN_PAD = 2000  # whole gene spans, as before (gene_regions)


@dataclass(frozen=True)
class ReadPlan:
    """What of a whole-genome-scale VCF is read in one build, and why."""

    build: str
    regions: list[Region]  # the reader reads records here (0-based half-open)
    small: list[Region]  # small-variant calls are kept here; the others read are counted
    exon_genes: tuple[str, ...]  # read over their coding exons ± SPLICE_PAD
    promoter_genes: tuple[str, ...]  # and their promoter (non-coding hotspots) ± PROMOTER_PAD
    whole: dict[str, str] = field(default_factory=dict)  # gene -> why its whole span is read
    lost: tuple[str, ...] = ()  # genes with neither a coding-exon model nor a span: not read
    # Parts of ``regions`` outside ``small`` (whole gene spans' introns and flanks): only
    # structural-variant records are parsed there; the others are skipped before parsing and
    # counted (VCF readers turn no record into a copy-number call).
    sv_only: list[Region] = field(default_factory=list)

    def describe(self) -> str:
        """One sentence for the result's warnings: what was read and what was not."""
        by_reason: dict[str, list[str]] = {}
        for gene, why in sorted(self.whole.items()):
            by_reason.setdefault(why, []).append(gene)
        parts = [f"the coding exons (±{SPLICE_PAD} bp for splice sites) and known hotspot "
                 f"positions of {len(self.exon_genes)} knowledge-base genes"]
        if self.promoter_genes:
            parts.append(f"the {', '.join(self.promoter_genes)} promoter (from the "
                         f"transcription start to its non-coding hotspots, ±{PROMOTER_PAD} bp)")
        if by_reason:
            whys = [f"{len(genes)} with {why}" + (f" ({', '.join(genes)})" if len(genes) <= 3
                                                   else "") for why, genes in by_reason.items()]
            parts.append(f"the whole span (±{SPAN_PAD} bp) of {len(self.whole)} genes "
                         "(structural-variant records only, outside the coding exons): "
                         + ", ".join(whys))
        lost = (f" No region is known in this build for {', '.join(self.lost)}: not read."
                if self.lost else "")
        return ("Whole-genome-scale file: only " + "; ".join(parts) + " were read. Records "
                "elsewhere were not read (and are not counted): no criterion of the knowledge "
                "base can use them." + lost)


class ReadRegions(list):
    """Regions to read (a list of ``(chrom, start, end)``) with the part of them where only
    structural-variant records are parsed (``sv_only``); readers that know nothing of it read
    every record in the regions, as before."""

    def __init__(self, regions: Iterable[Region] = (), *, sv_only: Iterable[Region] = ()):
        super().__init__(regions)
        self.sv_only = list(sv_only)


def subtract_regions(regions: list[Region], cut: list[Region]) -> list[Region]:
    """The parts of merged, sorted ``regions`` not covered by merged, sorted ``cut`` (0-based
    half-open; both as :func:`matcher.reference.hotspots.merge_regions` gives them)."""
    by_chrom: dict[str, list[tuple[int, int]]] = {}
    for chrom, start, end in cut:
        by_chrom.setdefault(chrom, []).append((start, end))
    out: list[Region] = []
    for chrom, start, end in regions:
        pos = start
        for s, e in by_chrom.get(chrom, ()):
            if e <= pos or s >= end:
                continue
            if s > pos:
                out.append((chrom, pos, s))
            pos = max(pos, e)
        if pos < end:
            out.append((chrom, pos, end))
    return out


class KbRegions:
    """A ``regions`` argument for the VCF readers: the :class:`ReadPlan` of the file's build.

    Called with the genome build (or None = read everything, so nothing is silently skipped);
    :meth:`plan` gives the same plan to the caller afterwards, for counting and for the notes.
    """

    def __init__(self, genes: Iterable[str], whole: dict[str, str], *, reference_dir: Path,
                 gene_spans=None, coding=None):
        self.genes = sorted(set(genes))
        self.whole = {g: why for g, why in whole.items() if g in self.genes}
        self.reference_dir = Path(reference_dir)
        self._spans, self._coding = gene_spans, coding
        self._plans: dict[str, ReadPlan] = {}

    def __call__(self, build: str | None) -> ReadRegions | None:
        if build is None:
            return None
        plan = self.plan(build)
        return ReadRegions(plan.regions, sv_only=plan.sv_only)

    def plan(self, build: str) -> ReadPlan:
        """The read plan for ``build`` (built once)."""
        if build not in self._plans:
            self._plans[build] = self._make(build)
        return self._plans[build]

    def _make(self, build: str) -> ReadPlan:
        from matcher.reference.coding import load_coding_exons
        from matcher.reference.hotspots import load_gene_spans, merge_regions
        spans = self._spans or load_gene_spans(str(self.reference_dir))
        coding = self._coding or load_coding_exons(str(self.reference_dir))
        with_model = [g for g in self.genes if coding.has_model(g, build)]
        # A gene without a coding-exon model is read whole, small variants included.
        no_model_genes = [g for g in self.genes if g not in with_model]
        whole = dict(self.whole)
        for g in no_model_genes:
            whole[g] = "no coding-exon model" + (f" (and {whole[g]})" if g in whole else "")
        exons = coding.regions(build, with_model, pad=SPLICE_PAD, kinds=("coding_exon",))
        # Hotspot alleles read outside the exons: splice hotspots, long deletions from introns.
        hotspots = coding.regions(build, with_model, pad=0, kinds=("hotspot",))
        promoter = coding.regions(build, with_model, pad=PROMOTER_PAD, kinds=("promoter",))
        promoter_genes = tuple(g for g in with_model
                               if coding.regions(build, [g], pad=0, kinds=("promoter",)))
        no_model = spans.regions(build, no_model_genes, pad=SPAN_PAD)
        small = merge_regions(exons + hotspots + promoter + no_model)
        regions = merge_regions(small + spans.regions(build, whole, pad=SPAN_PAD))
        lost = tuple(g for g in no_model_genes if spans.span(g, build) is None)
        return ReadPlan(build, regions, small, tuple(with_model), promoter_genes, whole, lost,
                        subtract_regions(regions, small))
