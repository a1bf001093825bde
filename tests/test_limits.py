"""Work bounded per report (issue 16, finding 3): identical calls, evidence matches, samples,
warnings and problems listed, the time budget. Each refused with the setting named."""

from __future__ import annotations

import json
import time

import pytest

from matcher import pipeline
from matcher.errors import MAX_LISTED, PayloadTooLarge, ReportValidationError
from matcher.pipeline import Limits, count_matches
from matcher.readers import ReadOptions, read_file
from tests.service_helpers import SAMPLES, sample_bytes

VCF = (SAMPLES / "atc_braf_v600e.grch37.vcf").read_text()


def _report(**calls) -> bytes:
    return json.dumps({"report_id": "L1", "tumor_type": "NSCLC", **calls}).encode()


@pytest.mark.parametrize("calls", [
    {"fusions": [{"fusion": "EML4::ALK"}] * 12},
    {"variants": [{"gene": "BRAF", "protein_change": "p.V600E"}] * 12},
    # different text, one alteration: still identical once normalised
    {"variants": [{"gene": "BRAF", "protein_change": "p.V600E", "vaf": i / 100}
                  for i in range(1, 13)]},
    {"copy_number": [{"gene": "ERBB2", "state": "amplification"}] * 12},
])
def test_more_identical_calls_than_the_limit_are_refused_naming_the_setting(kb, calls):
    with pytest.raises(ReportValidationError) as err:
        pipeline.run(_report(**calls), kb=kb, limits=Limits(max_identical=10))
    assert err.value.status == 422
    assert err.value.context["limit"] == "MATCHER_MAX_IDENTICAL_CALLS"
    assert "12 times" in err.value.problems[0].message
    assert err.value.problems[0].field.endswith("[0]")  # the first of the repeated calls


def test_identical_calls_within_the_limit_are_matched(kb):
    data = _report(fusions=[{"fusion": "EML4::ALK"}] * 10)
    (result,) = pipeline.run(data, kb=kb, limits=Limits(max_identical=10))
    assert any("alectinib" in o.name for o in result.therapy_options)


def test_evidence_matches_over_the_limit_are_refused_before_rendering(kb):
    (result,) = pipeline.run(sample_bytes(), kb=kb)
    n = count_matches(result)
    assert n > 1
    pipeline.run(sample_bytes(), kb=kb, limits=Limits(max_matches=n))  # at the limit: fine
    with pytest.raises(PayloadTooLarge) as err:
        pipeline.run(sample_bytes(), kb=kb, limits=Limits(max_matches=n - 1))
    assert err.value.status == 413 and err.value.context["limit"] == "MATCHER_MAX_MATCHES"


def test_a_passed_deadline_is_refused_naming_the_setting(kb):
    with pytest.raises(PayloadTooLarge) as err:
        pipeline.run(sample_bytes(), kb=kb, limits=Limits(deadline=time.monotonic() - 1))
    assert err.value.context["limit"] == "MATCHER_MATCH_TIMEOUT"


def test_empty_lines_become_one_warning_not_one_each(kb):
    body = VCF + "\n" * 9900
    (result,) = pipeline.run(body.encode(), kb=kb, fmt="vcf")
    empty = [w for w in result.warnings if "empty line" in w]
    assert empty == ["line 21: empty line skipped (and 9899 more line(s))"]
    assert len(json.dumps(result.to_dict())) < 2 * len(json.dumps(
        pipeline.run(VCF.encode(), kb=kb, fmt="vcf")[0].to_dict()))


def test_warnings_are_listed_up_to_the_limit_and_counted(kb):
    # each unknown contig of a data line is one warning of its own kind: here one per line
    header, _, body = VCF.partition("#CHROM")
    lines = [ln for ln in ("#CHROM" + body).splitlines()]
    many = "\n".join([header.rstrip("\n"), lines[0]] + [
        f"7\t{140453136 + i}\t.\tA\tT\t.\tPASS\tDP=10;X{i}=1\tGT:AD:AF:DP\t0/1:5,5:0.5:10"
        for i in range(200)]) + "\n"
    (report,) = pipeline.read_reports(many.encode(), fmt="vcf")
    assert len(report.warnings) == MAX_LISTED + 1
    assert report.warnings[-1].startswith("... and ") and "more warning(s)" in report.warnings[-1]


def test_more_vcf_samples_than_the_limit_are_refused():
    header, _, body = VCF.partition("#CHROM")
    cols, *records = ("#CHROM" + body).splitlines()
    wide = header + cols + "".join(f"\tS{i}" for i in range(5)) + "\n" + "\n".join(
        r + "\t0/1:5,5:0.5:10" * 5 for r in records) + "\n"
    read_file(wide.encode(), fmt="vcf", options=ReadOptions(sample="S1", max_samples=6))
    with pytest.raises(PayloadTooLarge) as err:
        read_file(wide.encode(), fmt="vcf", options=ReadOptions(sample="S1", max_samples=5))
    assert "MATCHER_MAX_SAMPLES" in err.value.problems[0].expected


def test_more_maf_samples_than_the_limit_are_refused():
    data = (SAMPLES / "multi_sample.grch37.maf").read_bytes()
    n = len(read_file(data, fmt="maf"))
    assert n >= 2
    assert len(read_file(data, fmt="maf", options=ReadOptions(max_samples=n))) == n
    with pytest.raises(PayloadTooLarge):
        read_file(data, fmt="maf", options=ReadOptions(max_samples=n - 1))


def test_the_engine_stops_at_the_match_limit_before_building_the_result(kb):
    from matcher.engine import TooManyMatches, match
    from matcher.normalize import normalize_report

    (report,) = pipeline.read_reports(sample_bytes())
    norm = normalize_report(report, kb)
    tumor = pipeline.resolve_tumor(kb, report.tumor_type)
    full = match(norm.alterations, kb, tumor, report_id="x")
    assert count_matches(full) > 0
    with pytest.raises(TooManyMatches) as err:
        match(norm.alterations, kb, tumor, report_id="x", max_matches=0)
    # The engine counts raw matches (before folding and set-asides): at least what the result
    # carries. At exactly that count it builds the whole result; one fewer, it stops.
    raw = err.value.found
    assert raw >= count_matches(full)
    again = match(norm.alterations, kb, tumor, report_id="x", max_matches=raw)
    assert count_matches(again) == count_matches(full)
    with pytest.raises(TooManyMatches):
        match(norm.alterations, kb, tumor, report_id="x", max_matches=raw - 1)
