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


def _in_memory(data: bytes, clinical: bytes | None, kb) -> dict[str, str]:
    """The outputs as the whole-file functions make them (the reference for the streamed run)."""
    options = ReadOptions(clinical_sidecar=clinical)
    results = [match_report(r, kb) for r in read_reports(data, fmt="maf", options=options,
                                                          kb=kb)]
    tables = cohort_summary(results)
    out = {"annotated.maf": "".join(line + "\n" for line in annotate_maf(data, results))}
    for name, rows in tables.items():
        out[f"{name}.tsv"] = "".join("\t".join(r) + "\n" for r in rows)
    return out


def _cli_cohort(tmp_path, maf: Path, *extra: str) -> dict[str, str]:
    from matcher.cli import cli

    out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
    r = CliRunner().invoke(cli, ["cohort", str(maf), "-o", str(out), *extra])
    assert r.exit_code == 0, r.output
    return {p.name: p.read_text() for p in sorted(out.iterdir())}


def _interleaved(tmp_path, copies: int = 4) -> tuple[Path, Path]:
    """The shipped MAF's rows repeated for ``copies`` renamed sets of samples, the rows of the
    samples interleaved (not grouped by sample), a comment line inside, and its sidecar."""
    lines = MAF.read_text().splitlines()
    head, rows = lines[:2], lines[2:]
    col = head[1].split("\t").index("Tumor_Sample_Barcode")
    out, side = list(head), CLINICAL.read_text().splitlines()
    side_rows = side[5:]
    for k in range(copies):
        for row in rows:
            f = row.split("\t")
            f[col] = f"{f[col]}-{k}"
            out.append("\t".join(f))
        side += [r.replace("\t", f"-{k}\t", 1) for r in side_rows]
    out.insert(5, "# a comment line between rows")
    maf, clinical = tmp_path / "interleaved.maf", tmp_path / "interleaved.clinical.tsv"
    maf.write_text("\n".join(out) + "\n")
    clinical.write_text("\n".join(side) + "\n")
    return maf, clinical


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_streamed_cohort_equals_the_whole_file_functions(tmp_path, full_kb, jobs):
    """Chunks of one sample each (so that -j 2 really forks), rows of samples interleaved:
    every output is what the whole-file functions give, the annotated MAF line for line."""
    import gzip

    maf, clinical = _interleaved(tmp_path)
    want = _in_memory(maf.read_bytes(), clinical.read_bytes(), full_kb)  # what the CLI loads
    got = _cli_cohort(tmp_path, maf, "--clinical", str(clinical), "-j", jobs, "--chunk", "1")
    assert got.pop("summary.html")
    assert got == want
    gz = tmp_path / "interleaved.maf.gz"
    gz.write_bytes(gzip.compress(maf.read_bytes()))
    again = _cli_cohort(tmp_path, gz, "--clinical", str(clinical), "-j", jobs, "--chunk", "3")
    again.pop("summary.html")
    assert again == want


def test_streamed_annotated_maf_round_trips_through_the_maf_reader(tmp_path, kb):
    maf, clinical = _interleaved(tmp_path, copies=2)
    got = _cli_cohort(tmp_path, maf, "--clinical", str(clinical), "-j", "2", "--chunk", "2")
    options = ReadOptions(clinical_sidecar=clinical.read_bytes())
    assert read_reports(got["annotated.maf"].encode(), fmt="maf", options=options, kb=kb) == \
        read_reports(maf.read_bytes(), fmt="maf", options=options, kb=kb)


def test_summary_page_has_the_counts_and_an_inline_chart(tmp_path):
    from tests.test_render_html import Page

    maf, clinical = _interleaved(tmp_path, copies=3)
    got = _cli_cohort(tmp_path, maf, "--clinical", str(clinical), "--chunk", "5")
    page = Page(got["summary.html"])
    assert not page.tags("script") and not page.tags("img")
    html = got["summary.html"]
    assert "<svg" in html and "9 sample(s) in 3 tumor type(s)" in html
    for tumor, level, n in (r.split("\t") for r in got["levels.tsv"].splitlines()[1:]):
        assert f"{tumor}: level {level}, {n} sample(s)" in html  # each bar says its count
    for label, *_ in (r.split("\t") for r in got["biomarkers.tsv"].splitlines()[1:]):
        assert f"<td>{label}</td>" in html


def test_a_bad_row_in_a_later_chunk_names_its_own_line(tmp_path, capsys):
    from matcher.cli import main
    from matcher.errors import MatcherError

    maf, clinical = _interleaved(tmp_path, copies=3)
    lines = maf.read_text().splitlines()
    bad = len(lines)  # the last row: read in the last chunk, as its line 3 or so
    col = lines[1].split("\t").index("Tumor_Sample_Barcode")
    f = lines[-1].split("\t")
    f[col] = ""
    lines[-1] = "\t".join(f)
    maf.write_text("\n".join(lines) + "\n")
    with pytest.raises(MatcherError) as exc:  # the whole-file reader names this line
        read_reports(maf.read_bytes(), fmt="maf")
    assert [p.line for p in exc.value.problems] == [bad]
    capsys.readouterr()
    assert main(["cohort", str(maf), "--clinical", str(clinical), "--chunk", "2",
                 "-o", str(tmp_path / "out")]) == 2
    assert f"line {bad}:" in capsys.readouterr().err


def test_cli_cohort_needs_an_output_folder():
    from matcher.cli import cli

    r = CliRunner().invoke(cli, ["cohort", str(MAF)])
    assert r.exit_code == 2  # --output is required
