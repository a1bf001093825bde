"""The five reports of issue 17 checked by hand against the ClinicalTrials.gov snapshot
(tests/data/open_trials_cases.yaml holds the expected trials and the reasons)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from matcher.pipeline import run

CASES = yaml.safe_load((Path(__file__).parent / "data" / "open_trials_cases.yaml")
                       .read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def kb():
    from matcher.kb.loader import load_kb
    return load_kb()


def listed(kb, report: dict):
    doc = {"report_id": "case", **report}
    result = run(json.dumps(doc).encode(), kb=kb)[0]
    biomarker = {t.nct_id: t for t in result.open_trials if t.reason == "biomarker"}
    tumor = {t.nct_id: t for t in result.open_trials if t.reason == "tumor_type"}
    return biomarker, tumor


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_hand_checked_trials_are_listed(kb, case):
    biomarker, tumor = listed(kb, case["report"])
    for section in ("biomarker_matched", "open_to_tumor_type", "absent", "known_gaps"):
        for nct, why in (case[section] or {}).items():
            assert nct in kb.open_trials, f"{nct} is not in the snapshot"
            assert why and why.strip(), f"{nct}: a reason is required"
    assert set(biomarker) == set(case["biomarker_matched"])
    for nct in case["open_to_tumor_type"] or {}:
        assert nct in tumor
    for nct in case["absent"] or {}:
        assert nct not in biomarker and nct not in tumor
    for nct in case["known_gaps"] or {}:
        assert nct not in biomarker
    for t in biomarker.values():
        assert t.matched
        assert t.status in ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION")
        assert t.status_date == "2026-01-05"
        assert t.url == f"https://clinicaltrials.gov/study/{t.nct_id}"
