"""The one pipeline both the API and the CLI call: bytes -> readers -> normalize -> engine.

::

    results = run(Path("report.json").read_bytes(), kb=load_kb(), filename="report.json")
"""

from __future__ import annotations

from matcher.engine import match
from matcher.errors import Problem, UnknownTumorTypeError
from matcher.knowledge import KnowledgeBase
from matcher.model import MatchResult, Report, TumorType
from matcher.normalize import normalize_report
from matcher.readers import ReadOptions


def read_reports(data: bytes | None = None, *, path: str | None = None,
                 filename: str | None = None, fmt: str | None = None,
                 options: ReadOptions = ReadOptions()) -> list[Report]:
    """Read a lab file of any supported format into one Report per sample."""
    from matcher import readers

    if hasattr(readers, "read_file"):
        return readers.read_file(data, path=path, filename=filename, fmt=fmt, options=options)
    from matcher.readers.labjson import read_labjson

    if data is None and path is not None:
        with open(path, "rb") as fh:
            data = fh.read()
    return read_labjson(data or b"", options)


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
                                                      fmt=fmt, options=options)]
