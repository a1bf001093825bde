"""The one pipeline both the API and the CLI call: bytes -> readers -> normalize -> engine.

::

    results = run(Path("report.json").read_bytes(), kb=load_kb(), filename="report.json")
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, replace

from matcher.engine import TooManyMatches, match
from matcher.errors import (
    MAX_LISTED,
    PayloadTooLarge,
    Problem,
    ReportValidationError,
    UnknownTumorTypeError,
)
from matcher.kb.knowledge import KnowledgeBase
from matcher.match_cache import MatchCache
from matcher.model import MatchResult, Report, TumorType
from matcher.normalize import normalize_report
from matcher.readers.options import ReadOptions


@dataclass(frozen=True)
class Limits:
    """Work one report may cause beyond its size (the service's ``MATCHER_MAX_*`` settings).

    ``None`` means unbounded (the CLI's default: a file on one's own machine).
    ``max_identical``: the same alteration (kind and label, e.g. 'EML4::ALK fusion') more often
    than this is refused (422): a real report repeats a call at most a few times.
    ``max_matches``: evidence matches in the result (each ~1 KB of JSON; the sample reports have
    under 100); more is refused (413) before the result is rendered.
    ``deadline``: a ``time.monotonic()`` by which matching must be done (413 when passed),
    checked between the stages (normalise, match, count).
    """

    max_identical: int | None = None
    max_matches: int | None = None
    deadline: float | None = None


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
        try:
            reports = read_file(data, regions=regions, **kw)
        except PayloadTooLarge:
            if regions is not None or kb is None:
                raise
            regions = _kb_regions(kb)
            reports = read_file(data, regions=regions, **kw)
    except ReportValidationError as exc:
        partial = getattr(exc, "partial_report", None)
        if kb is None or partial is None:
            raise
        raise _all_problems(exc, exc.problems + later_problems(partial, kb)) from None
    reports = [replace(r, warnings=bounded(r.warnings)) for r in reports]
    if kb is not None:  # refused here, where the file's name is known (match_report: no-op)
        reports = [with_genome_build(r, kb, filename) for r in reports]
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


def resolve_tumor(kb: KnowledgeBase, text: str | None,
                  report: Report | None = None) -> TumorType | None:
    """OncoTree lookup of the report's tumor type; unknown -> error listing the closest codes
    (and, for a report of a multi-sample file, the sample and the line that gave the type)."""
    if text is None or not str(text).strip():
        return None
    try:
        return kb.oncotree.resolve(str(text).strip())
    except UnknownTumorTypeError as exc:
        if not any(p.field for p in exc.problems):
            exc.problems = [Problem(p.message, field="tumor_type", expected=p.expected)
                            for p in exc.problems] or [Problem(exc.message, field="tumor_type")]
        if report is not None and report.sample:
            where = report.tumor_type_source or "tumor_type"
            exc.problems = [Problem(f"sample {report.sample}: {p.message}", field=p.field,
                                    line=p.line, expected=p.expected, source=where)
                            for p in exc.problems]
            exc.message = f"sample {report.sample} ({where}): {exc.message}"
            exc.context.setdefault("sample", report.sample)
        raise


def retired_code_note(kb: KnowledgeBase, text: str | None, tumor: TumorType | None) -> str | None:
    """The warning for a tumor type given by a code OncoTree has retired, else None."""
    replaced = kb.oncotree.retired(str(text or "")) if tumor is not None else ()
    if not replaced or kb.oncotree.exists(str(text).strip()):
        return None
    code, kind = replaced[0]
    how = {"revoked": "revoked", "previous": "renamed", "precursor": "merged or split"}[kind]
    return (f"OncoTree code {str(text).strip()!r} is retired ({how}); read as {code} "
            f"({tumor.name}) as OncoTree's history says: check this is the patient's tumor type.")


BUILDS = ("GRCh37", "GRCh38")


def with_genome_build(report: Report, kb: KnowledgeBase, filename: str | None = None
                      ) -> Report:
    """The report with its genome build told, for calls given by coordinates without one.

    The reader takes the build from the file (``##contig`` lengths, ``##reference``,
    ``NCBI_Build``) or the caller. Failing those, the calls' alleles tell it when some are
    cancer hotspots in one build and none is in the other (TERT C228T is ``5:1295228 G>A`` in
    GRCh37): the build is inferred, with a warning. Otherwise every such call would be "not
    assessable", a result that reads like a negative one: refused instead (422 / exit 2),
    asking for ``genome_build``; the problem names ``filename`` (when known) and the sample.
    """
    pending = [v for v in report.variants if v.chrom and not v.build]
    if report.genome_build or not pending:
        return report
    hits: dict[str, list] = {b: [] for b in BUILDS}
    for v in pending:
        if v.pos and v.ref and v.alt:
            for build in BUILDS:
                found = kb.hotspots.lookup(build, v.chrom, v.pos, v.ref, v.alt)
                if found is not None:
                    hits[build].append((v, found))
    told = [b for b in BUILDS if hits[b]]
    if len(told) != 1:
        why = ("its calls are hotspot alleles in both builds" if told else
               "no ##contig length or ##reference names it and no call is a known hotspot "
               "allele")
        message = (f"the genome build of the {len(pending)} call(s) given by coordinates is not "
                   f"stated and cannot be told ({why}); state it: genome_build (API) or "
                   "--genome-build (CLI)")
        raise ReportValidationError(message, [Problem(
            f"genome build not stated, and {why}", field="genome_build",
            expected="GRCh37 or GRCh38", source=_where(filename, report))])
    build = told[0]
    v, hot = hits[build][0]
    what = f"{hot.gene} {hot.protein}" if hot.protein else f"a {hot.gene} hotspot"
    note = (f"Genome build not stated: {build} inferred from {len(hits[build])} call(s) that are "
            f"{build} cancer hotspot alleles and none in the other build (e.g. {what} at "
            f"{v.chrom}:{v.pos} {v.ref}>{v.alt}); state genome_build to be sure.")
    variants = tuple(replace(c, build=build) if c.chrom and not c.build else c
                     for c in report.variants)
    warnings = tuple(w for w in report.warnings if not w.startswith("genome build unknown"))
    return replace(report, genome_build=build, variants=variants, warnings=(note, *warnings))


def _where(filename: str | None, report: Report) -> str | None:
    """``file.vcf, sample TUMOR`` (what a problem of one report of a file names)."""
    sample = report.sample or report.report_id
    if not filename:
        return sample
    return f"{filename}, sample {sample}" if report.sample else filename


def later_problems(report: Report, kb: KnowledgeBase, *,
                   tumor: bool = True) -> list[Problem]:
    """The problems the steps after reading find in ``report`` (its tumor type, unless
    ``tumor`` is False; then every call normalised): a lab JSON report that failed one step is
    checked by the others too, so that one answer lists every problem (issue 12)."""
    problems: list[Problem] = []
    if tumor:
        try:
            resolve_tumor(kb, report.tumor_type, report)
        except UnknownTumorTypeError as exc:
            problems += exc.problems
    try:
        normalize_report(report, kb)
    except ReportValidationError as exc:
        problems += exc.problems
    return problems


def _all_problems(first: ReportValidationError | UnknownTumorTypeError,
                  problems: list[Problem]) -> ReportValidationError | UnknownTumorTypeError:
    """``first`` itself when the other steps found nothing more, else one error with all."""
    if len(problems) == len(first.problems):
        return first
    return ReportValidationError(f"report failed validation ({len(problems)} problem(s))",
                                 problems, **first.context)


def match_report(report: Report, kb: KnowledgeBase, limits: Limits = Limits(),
                 cache: MatchCache | None = None) -> MatchResult:
    """Normalise one report and match it against the KB for its tumor type, within ``limits``;
    with a :class:`~matcher.match_cache.MatchCache`, the same alterations, KB and tumor type
    are matched once (the service keeps one per app)."""
    try:
        tumor = resolve_tumor(kb, report.tumor_type, report)
    except UnknownTumorTypeError as exc:
        if report.source_format != "labjson":  # a pipeline file's calls raise no problems
            raise
        raise _all_problems(exc, exc.problems + later_problems(report, kb, tumor=False)) \
            from None
    report = with_genome_build(report, kb)
    norm = normalize_report(report, kb)
    note = retired_code_note(kb, report.tumor_type, tumor)
    if note:
        where = f"{report.tumor_type_source}: " if report.tumor_type_source else ""
        norm.warnings.insert(0, where + note)
    if limits.max_identical is not None:
        _check_identical(norm.alterations, limits.max_identical)
    _check_deadline(limits, "normalising the calls")
    try:
        result = (cache.match if cache is not None else match)(
            norm.alterations, kb, tumor, report_id=report.report_id,
            warnings=bounded(norm.warnings), source_format=report.source_format,
            sample=report.sample, genome_build=report.genome_build, lab=report.lab,
            specimen=report.specimen, patient_id=report.patient_id,
            max_matches=_engine_cap(limits.max_matches))
    except TooManyMatches as exc:
        raise _too_many_matches(f"at least {exc.found}", limits.max_matches) from None
    _check_deadline(limits, "matching")
    if limits.max_matches is not None:
        n = count_matches(result)
        if n > limits.max_matches:
            raise _too_many_matches(str(n), limits.max_matches)
    return result


def _too_many_matches(n: str, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the result would hold {n} evidence matches; the limit is {limit} "
        "(MATCHER_MAX_MATCHES)", [Problem(
            f"{n} evidence matches", field="body",
            expected=f"at most {limit} (MATCHER_MAX_MATCHES): submit fewer calls per report")],
        limit="MATCHER_MAX_MATCHES")


# The engine counts raw evidence matches before approvals fold supporting items into a labelled
# option and resistance sets sensitivity aside, so its count can exceed what the result carries.
# It stops at this multiple of the limit (a cheap guard before building a huge result); the
# result itself is then held to the limit exactly.
_ENGINE_CAP_FACTOR = 4


def _engine_cap(limit: int | None) -> int | None:
    return None if limit is None else limit * _ENGINE_CAP_FACTOR


def count_matches(result: MatchResult) -> int:
    """Evidence matches a result carries (what its size grows with)."""
    return sum(len(o.matches) + len(o.resistance) for o in result.therapy_options) + len(
        result.resistance)


def _check_identical(alterations, limit: int) -> None:
    counts = Counter((a.kind, a.label) for a in alterations)
    over = [(key, n) for key, n in counts.items() if n > limit]
    if not over:
        return
    first = {}
    for a in alterations:
        first.setdefault((a.kind, a.label), a.source)
    raise ReportValidationError(
        f"the report repeats a call more than {limit} times (MATCHER_MAX_IDENTICAL_CALLS)",
        [Problem(f"{label!r} appears {n} times", field=first[(kind, label)],
                 expected=f"at most {limit} identical calls (MATCHER_MAX_IDENTICAL_CALLS)")
         for (kind, label), n in over[:MAX_LISTED]], limit="MATCHER_MAX_IDENTICAL_CALLS")


def _check_deadline(limits: Limits, stage: str) -> None:
    if limits.deadline is not None and time.monotonic() > limits.deadline:
        raise PayloadTooLarge(
            f"the report took too long to assess ({stage} passed the time budget, "
            "MATCHER_MATCH_TIMEOUT)", [Problem(
                "over the time budget", field="body",
                expected="a smaller report (MATCHER_MATCH_TIMEOUT)")],
            limit="MATCHER_MATCH_TIMEOUT")


def bounded(warnings) -> tuple[str, ...]:  # noqa: ANN001
    """At most MAX_LISTED warnings, the rest counted in one last warning."""
    if len(warnings) <= MAX_LISTED:
        return tuple(warnings)
    more = f"... and {len(warnings) - MAX_LISTED} more warning(s) not listed"
    return (*warnings[:MAX_LISTED], more)


def run(data: bytes | None = None, *, kb: KnowledgeBase, path: str | None = None,
        filename: str | None = None, fmt: str | None = None,
        options: ReadOptions = ReadOptions(), limits: Limits = Limits()) -> list[MatchResult]:
    """Read any lab file and match every report in it."""
    return [match_report(r, kb, limits) for r in read_reports(
        data, path=path, filename=filename, fmt=fmt, options=options, kb=kb)]


def warm_up(kb: KnowledgeBase) -> None:
    """Load what the KB loads lazily (ClinVar table, engine and oncogenicity indexes) by
    matching one small report: before forking worker processes, so that each does not."""
    from matcher.errors import MatcherError

    try:
        run(b'{"report_id": "warm-up", "tumor_type": "MEL", '
            b'"variants": [{"gene": "BRAF", "protein_change": "V600E"}]}', kb=kb, fmt="labjson")
    except MatcherError:  # a KB without BRAF or MEL: the workers load what they need
        pass
