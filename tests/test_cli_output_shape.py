"""`matcher match --format json|fhir`: one shape whatever the number of samples in the file.

JSON is always ``{"results": [...]}``; FHIR is always one ``collection`` Bundle (never a JSON
array of Bundles, which no FHIR server accepts). Checked on a one-report lab JSON file and on the
shipped three-sample MAF with its clinical sidecar.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from matcher.cli import main
from matcher.model import MatchResult
from tests.test_render_fhir import validate

SAMPLES = Path(__file__).resolve().parent.parent / "vcf_samples"
SINGLE = SAMPLES / "atc_braf_v600e.json"
MAF = SAMPLES / "multi_sample.grch37.maf"
CLINICAL = SAMPLES / "multi_sample.clinical.tsv"


def _sidecar_samples() -> list[str]:
    rows = [ln.split("\t") for ln in CLINICAL.read_text().splitlines()
            if ln and not ln.startswith("#")]
    return [r[rows[0].index("SAMPLE_ID")] for r in rows[1:]]


INPUTS = {"one report": ([str(SINGLE)], 1), "three-sample MAF": (
    [str(MAF), "--clinical", str(CLINICAL)], len(_sidecar_samples()))}


def _run(capsys, args: list[str]) -> dict:
    code = main(["match", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("name", INPUTS)
def test_json_is_always_an_object_with_results(capsys, name: str) -> None:
    args, n = INPUTS[name]
    fields = [f.name for f in dataclasses.fields(MatchResult)]
    for view, shape in (("compact", ["schema_version", "view", *fields, "evidence"]),
                        ("full", ["schema_version", "view", *fields])):
        doc = _run(capsys, [*args, "--format", "json", "--view", view])
        assert list(doc) == ["results"] and len(doc["results"]) == n
        assert all(list(r) == shape and r["view"] == view for r in doc["results"])


def test_cohort_json_lists_every_sample_of_the_sidecar(capsys) -> None:
    args, _ = INPUTS["three-sample MAF"]
    doc = _run(capsys, [*args, "--format", "json"])
    assert [r["sample"] for r in doc["results"]] == _sidecar_samples()


def _references(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for v in node.values() for r in _references(v)]
    if isinstance(node, list):
        return [r for v in node for r in _references(v)]
    return []


@pytest.mark.parametrize("name", INPUTS)
def test_fhir_is_always_one_collection_bundle(capsys, name: str) -> None:
    args, n = INPUTS[name]
    bundle = _run(capsys, [*args, "--format", "fhir"])
    assert isinstance(bundle, dict) and bundle["resourceType"] == "Bundle"
    assert validate(bundle).type == "collection"
    reports = [e["resource"] for e in bundle["entry"]
               if e["resource"]["resourceType"] == "DiagnosticReport"]
    assert len(reports) == n
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))  # no two reports' resources collide
    assert set(_references(bundle)) <= set(urls)  # every reference resolves inside the Bundle


def test_cohort_bundle_keeps_each_samples_report_and_patient(capsys) -> None:
    args, _ = INPUTS["three-sample MAF"]
    bundle = _run(capsys, [*args, "--format", "fhir"])
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    rows = [ln.split("\t") for ln in CLINICAL.read_text().splitlines()
            if ln and not ln.startswith("#")]
    patient_of = {r[rows[0].index("SAMPLE_ID")]: r[rows[0].index("PATIENT_ID")] for r in rows[1:]}
    reports = [r for r in by_url.values() if r["resourceType"] == "DiagnosticReport"]
    assert sorted(r["identifier"][0]["value"] for r in reports) == sorted(patient_of)
    for report in reports:
        sample = report["identifier"][0]["value"]
        assert by_url[report["subject"]["reference"]]["identifier"][0]["value"] == \
            patient_of[sample]
        for ref in report["result"]:  # its Observations name the same patient
            assert by_url[ref["reference"]]["subject"] == report["subject"]
