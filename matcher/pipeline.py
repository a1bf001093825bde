"""The one pipeline both the API and the CLI call: bytes -> readers -> normalize -> engine.

::

    results = run(Path("report.json").read_bytes(), kb=load_kb(), filename="report.json")
"""

from __future__ import annotations

import os
from dataclasses import replace

from matcher.engine import match
from matcher.errors import PayloadTooLarge, Problem, UnknownTumorTypeError
from matcher.kb.knowledge import KnowledgeBase
from matcher.model import MatchResult, Report, TumorType
from matcher.normalize import normalize_report
from matcher.readers.options import ReadOptions


def read_reports(data: bytes | None = None, *, path: str | None = None,
                 filename: str | None = None, fmt: str | None = None,
                 options: ReadOptions = ReadOptions(), kb: KnowledgeBase | None = None
                 ) -> list[Report]:
    """Read a lab file of any supported format into one Report per sample.

    With a KB, a whole-genome-scale VCF (over ``options.region_threshold_bytes``, or with more
    records than ``options.max_variants``) is read only where the KB can assess something: the
    coding exons of its genes ± splice sites, non-coding hotspots (TERT promoter) and the whole
    spans of genes with fusion or copy-number criteria (:class:`~matcher.readers.regions.
    ReadPlan`). Small-variant calls read inside those spans but outside the coding exons are
    counted, not listed, and each report says what was read in its warnings.
    """
    from matcher.readers import read_file

    size = len(data) if data is not None else os.path.getsize(path) if path else 0
    regions = _kb_regions(kb) if kb and size > options.region_threshold_bytes else None
    kw = {"path": path, "filename": filename, "fmt": fmt, "options": options}
    try:
        reports = read_file(data, regions=regions, **kw)
    except PayloadTooLarge:
        if regions is not None or kb is None:
            raise
        regions = _kb_regions(kb)
        reports = read_file(data, regions=regions, **kw)
    if regions is None:
        return reports
    return [_restrict(r, regions, kb) if r.source_format == "vcf" and r.genome_build else r
            for r in reports]


_REGIONS: dict[tuple[str, str], object] = {}  # (KB hash, KB folder) -> KbRegions


def _kb_regions(kb: KnowledgeBase):
    """The KB's read regions, built once per KB content (walking its criteria takes ~10 ms)."""
    from matcher.kb.scope import whole_span_genes
    from matcher.readers.regions import KbRegions
    key = (kb.hash, str(kb.path))
    found = _REGIONS.get(key)
    if found is None:
        if len(_REGIONS) >= 4:  # a server that reloads its KB keeps a few at most
            _REGIONS.clear()
        found = _REGIONS[key] = KbRegions(kb.genes, whole_span_genes(kb),
                                          reference_dir=kb.path / "reference")
    return found


def _restrict(report: Report, kb_regions, kb: KnowledgeBase) -> Report:
    """Keep the small-variant calls the plan reads them for; count the others by gene."""
    from matcher.readers.vcf_records import RegionFilter
    plan = kb_regions.plan(report.genome_build)
    keep = RegionFilter(plan.small)
    kept, outside = [], {}
    for call in report.variants:
        if call.chrom is None or call.pos is None or keep.contains(call.chrom, call.pos):
            kept.append(call)
        else:
            genes = kb.gene_spans.genes_at(report.genome_build, call.chrom, call.pos)
            gene = next((g for g in genes if g in plan.whole), genes[0] if genes else "gene flanks")
            outside[gene] = outside.get(gene, 0) + 1
    notes = [plan.describe()]
    if outside:
        n = sum(outside.values())
        top = sorted(outside.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ", ".join(f"{g} {c}" for g, c in top[:8]) + (", …" if len(top) > 8 else "")
        notes.append(f"{n} small-variant call{'s' if n > 1 else ''} read inside whole gene spans "
                     f"but outside the coding exons and promoters ({shown}) were counted, not "
                     "listed: no criterion of the knowledge base can assess them.")
    return replace(report, variants=tuple(kept), warnings=(*report.warnings, *notes))


def resolve_tumor(kb: KnowledgeBase, text: str | None) -> TumorType | None:
    """OncoTree lookup of the report's tumor type; unknown -> error listing the closest codes."""
    if text is None or not str(text).strip():
        return None
    try:
        return kb.oncotree.resolve(str(text).strip())
    except UnknownTumorTypeError as exc:
        if not any(p.field for p in exc.problems):
            exc.problems = [Problem(p.message, field="tumor_type", expected=p.expected)
                            for p in exc.problems] or [Problem(exc.message, field="tumor_type")]
        raise


def match_report(report: Report, kb: KnowledgeBase) -> MatchResult:
    """Normalise one report and match it against the KB for its tumor type."""
    tumor = resolve_tumor(kb, report.tumor_type)
    norm = normalize_report(report, kb)
    return match(norm.alterations, kb, tumor, report_id=report.report_id,
                 warnings=norm.warnings, source_format=report.source_format,
                 sample=report.sample, genome_build=report.genome_build, lab=report.lab,
                 specimen=report.specimen)


def run(data: bytes | None = None, *, kb: KnowledgeBase, path: str | None = None,
        filename: str | None = None, fmt: str | None = None,
        options: ReadOptions = ReadOptions()) -> list[MatchResult]:
    """Read any lab file and match every report in it."""
    return [match_report(r, kb) for r in read_reports(data, path=path, filename=filename,
                                                      fmt=fmt, options=options, kb=kb)]
