"""All problems of a lab JSON submission in one answer (issue 12).

Field-type errors used to come first and unreadable protein changes (and an unknown tumor type)
only on the next submission. Now the parts of a report that pass the schema are checked by the
later steps too, and one 422 / one exit 2 lists everything. The unreadable changes are every
INVALID row of tests/data/protein_cases.tsv.
"""

from __future__ import annotations

import json

import pytest

from matcher.cli import main
from matcher.errors import MAX_LISTED, ReportValidationError
from matcher.pipeline import read_reports, run
from tests.test_protein import INVALID

pytest_plugins = ("tests.conftest_service",)


def _report(changes: list[str], **extra) -> dict:
    """One BRAF call per change, each also with a VAF that is not a number."""
    return {"report_id": "ALL-PROBLEMS-1", "tumor_type": "THAP", **extra,
            "variants": [{"gene": "BRAF", "protein_change": c, "vaf": "high"} for c in changes]}


def _fields(problems) -> list[str | None]:  # noqa: ANN001
    return [p.field if hasattr(p, "field") else p.get("field") for p in problems]


def test_every_unreadable_change_of_the_table_comes_with_the_type_errors(kb):
    changes = [row["input"] for row in INVALID]
    doc = _report(changes, tumor_type="NOT-A-TUMOR-TYPE")
    with pytest.raises(ReportValidationError) as info:
        read_reports(json.dumps(doc).encode(), fmt="labjson", kb=kb)
    fields = _fields(info.value.problems)
    assert "tumor_type" in fields
    for i, change in enumerate(changes):
        assert f"variants[{i}].vaf" in fields, change
        # the empty change is refused by the schema, the others by the protein reader: each once
        assert fields.count(f"variants[{i}].protein_change") == 1, change
    assert len(fields) == 2 * len(changes) + 1


def test_schema_valid_report_lists_tumor_type_and_protein_changes_together(kb):
    doc = {"report_id": "ALL-PROBLEMS-2", "tumor_type": "NOT-A-TUMOR-TYPE",
           "variants": [{"gene": "EGFR", "protein_change": "p.L858RR"},
                        {"gene": "BRAF", "protein_change": "V600E"}]}
    with pytest.raises(ReportValidationError) as info:
        run(json.dumps(doc).encode(), kb=kb, fmt="labjson")
    assert _fields(info.value.problems) == ["tumor_type", "variants[0].protein_change"]


def test_a_report_with_one_kind_of_problem_keeps_its_error(kb):
    """Nothing more found by the later steps: the reader's own error, unchanged."""
    from matcher.errors import UnknownTumorTypeError

    with pytest.raises(UnknownTumorTypeError):
        run(json.dumps({"report_id": "X-1", "tumor_type": "NOT-A-TUMOR-TYPE",
                        "variants": [{"gene": "BRAF", "protein_change": "V600E"}]}).encode(),
            kb=kb, fmt="labjson")
    with pytest.raises(ReportValidationError) as info:
        read_reports(json.dumps(_report(["V600E"])).encode(), fmt="labjson", kb=kb)
    assert _fields(info.value.problems) == ["variants[0].vaf"]


def test_api_answers_one_422_with_every_problem(client, auth):
    changes = [row["input"] for row in INVALID][:(MAX_LISTED - 1) // 2]
    doc = _report(changes, tumor_type="NOT-A-TUMOR-TYPE",
                  fusions=[{"five_prime_gene": "EML4", "three_prime_gene": 7}])
    r = client.post("/v1/reports", json=doc, headers=auth)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    fields = _fields(r.json["errors"])
    assert "tumor_type" in fields and "fusions[0].three_prime_gene" in fields
    for i in range(len(changes)):
        assert {f"variants[{i}].vaf", f"variants[{i}].protein_change"} <= set(fields)
    # nothing stored: the corrected report is a first submission, not an amendment
    fixed = {"report_id": doc["report_id"], "tumor_type": "THAP",
             "variants": [{"gene": "BRAF", "protein_change": "V600E", "vaf": 0.3}]}
    assert client.post("/v1/reports", json=fixed, headers=auth).status_code == 201


def test_cli_exits_2_listing_every_problem(tmp_path, capsys):
    doc = _report(["p.L858RR", "V600E", "G12CC"], tumor_type="NOT-A-TUMOR-TYPE")
    path = tmp_path / "report.json"
    path.write_text(json.dumps(doc))
    assert main(["match", str(path)]) == 2
    err = capsys.readouterr().err
    for field in ("tumor_type", "variants[0].vaf", "variants[1].vaf", "variants[2].vaf",
                  "variants[0].protein_change", "variants[2].protein_change"):
        assert field + ":" in err, (field, err)
    assert "variants[1].protein_change" not in err
