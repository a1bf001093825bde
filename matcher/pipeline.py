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
    records than ``options.max_variants``) is read only in the regions of the KB's genes, and
    each report says so in a warning: calls elsewhere cannot be matched by this KB anyway.
    """
    from matcher.readers import read_file
    from matcher.readers.regions import gene_regions

    size = len(data) if data is not None else os.path.getsize(path) if path else 0
    kb_regions = gene_regions(kb.genes, reference_dir=kb.path / "reference") if kb else None
    regions = kb_regions if size > options.region_threshold_bytes else None
    kw = {"path": path, "filename": filename, "fmt": fmt, "options": options}
    try:
        reports = read_file(data, regions=regions, **kw)
    except PayloadTooLarge:
        if regions is not None or kb_regions is None:
            raise
        regions = kb_regions
        reports = read_file(data, regions=regions, **kw)
    if regions is None:
        return reports
    note = ("Whole-genome-scale file: only records within the knowledge base's genes (±2 kb) "
            "were read; calls elsewhere were not assessed.")
    return [replace(r, warnings=(*r.warnings, note)) if r.source_format == "vcf"
            and r.genome_build else r for r in reports]


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
