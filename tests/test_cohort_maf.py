"""The annotated MAF (OncoKB-annotator style columns) and the cohort summary of `matcher cohort`.

Derived from the shipped multi-sample MAF and its clinical sidecar, row by row: every added cell
is checked against the match result of the row's own alteration.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from matcher.pipeline import match_report, read_reports
from matcher.readers import ReadOptions
from matcher.render.maf import COLUMNS, LEVELS, annotate_maf, cohort_summary, highest_level

ROOT = Path(__file__).resolve().parents[1]
MAF = ROOT / "vcf_samples" / "multi_sample.grch37.maf"
CLINICAL = ROOT / "vcf_samples" / "multi_sample.clinical.tsv"


@pytest.fixture(scope="module")
def cohort(kb):
    data = MAF.read_bytes()
    options = ReadOptions(clinical_sidecar=CLINICAL.read_bytes())
    reports = read_reports(data, fmt="maf", options=options, kb=kb)
    results = [match_report(r, kb) for r in reports]
    return data, options, reports, results


def test_annotated_maf_round_trips_through_the_maf_reader(cohort, kb):
    data, options, reports, results = cohort
    annotated = "\n".join(annotate_maf(data, results)).encode() + b"\n"
    again = read_reports(annotated, fmt="maf", options=options, kb=kb)
    assert again == reports
    assert len(annotated.decode().splitlines()) == len(data.decode().splitlines())


def test_every_row_carries_its_own_alterations_levels(cohort):
    data, _, _, results = cohort
    lines = list(annotate_maf(data, results))
    header = next(line for line in lines if not line.startswith("#")).split("\t")
    assert header[-len(COLUMNS):] == list(COLUMNS)
    col = {name: header.index(name) for name in COLUMNS}
    checked = 0
    for result in results:
        for outcome in result.alterations:
            n = int(outcome.alteration.source.split()[1])
            cells = lines[n - 1].split("\t")
            aid = outcome.alteration.id
            sens = {o.name: min((m.level for m in o.matches if m.alteration_id == aid),
                                key=LEVELS.index)
                    for o in result.therapy_options
                    if any(m.alteration_id == aid for m in o.matches)}
            res: dict[str, str] = {}
            for m in result.resistance:
                if m.alteration_id == aid:
                    name = " + ".join(m.therapy)
                    res[name] = min(res.get(name, m.level), m.level, key=LEVELS.index)
            for level in LEVELS:
                shown = [t for t in cells[col[f"LEVEL_{level}"]].split(",") if t]
                want = {t for t, lv in [*sens.items(), *res.items()] if lv == level}
                assert sorted(shown) == sorted(want), (n, level)
            best_sens = min(sens.values(), key=LEVELS.index, default="")
            best_res = min(res.values(), key=LEVELS.index, default="")
            assert cells[col["HIGHEST_SENSITIVE_LEVEL"]] == best_sens
            assert cells[col["HIGHEST_RESISTANCE_LEVEL"]] == best_res
            assert cells[col["HIGHEST_LEVEL"]] == (best_sens or best_res)
            assert cells[col["MATCHER_STATUS"]] == outcome.status
            assert cells[0] == outcome.alteration.gene  # Hugo_Symbol: the row is the call's
            checked += 1
    assert checked == sum(len(r.alterations) for r in results) >= 3
    assert any(line.split("\t")[col["HIGHEST_LEVEL"]] == "1" for line in lines[2:])


def test_cohort_summary_counts_every_sample(cohort):
    _, _, reports, results = cohort
    tables = cohort_summary(results)
    samples = tables["samples"][1:]
    assert [row[0] for row in samples] == [r.sample for r in reports]
    for row, result in zip(samples, results, strict=True):
        assert row[1] == result.tumor_type.code and row[2] == highest_level(result)
    assert sum(int(n) for _, _, n in tables["levels"][1:]) == len(results)
    for label, tumor, n, level in tables["biomarkers"][1:]:
        carriers = [r for r in results if r.tumor_type.code == tumor and any(
            o.alteration.label == label for o in r.alterations)]
        assert int(n) == len(carriers) >= 1 and level in LEVELS


def test_cli_cohort_parallel_equals_serial(tmp_path):
    from matcher.cli import cli

    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        r = CliRunner().invoke(cli, ["cohort", str(MAF), "--clinical", str(CLINICAL),
                                     "-j", jobs, "-o", str(out)])
        assert r.exit_code == 0, r.output
        assert "3 sample(s) matched" in r.output
        outs.append({p.name: p.read_text() for p in sorted(out.iterdir())})
    assert set(outs[0]) == {"annotated.maf", "samples.tsv", "levels.tsv", "biomarkers.tsv"}
    assert outs[0] == outs[1]
    r = CliRunner().invoke(cli, ["cohort", str(MAF)])
    assert r.exit_code == 2  # --output is required
