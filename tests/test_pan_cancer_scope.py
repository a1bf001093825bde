"""Pan-cancer scope (all solid tumors, or OncoTree's root): only approvals and guidelines count
in the patient's own tumor type; any other item (a CIViC case report, a basket cohort) is
other-tumor evidence, 3B (DESIGN.md, "Evidence levels"; issue 12).
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from matcher.engine import PAN_CANCER, derive_level
from matcher.pipeline import run

TUMORS = ("THAP", "LUAD", "COADREAD")  # solid tumors of three organs
# (evidence type, direction) -> level for a pan-cancer item in a solid tumor it does not exclude
EXPECTED = {("fda", "sensitivity"): "1", ("guideline", "sensitivity"): "2",
            ("clinical", "sensitivity"): "3B", ("case", "sensitivity"): "3B",
            ("preclinical", "sensitivity"): "4",
            ("fda", "resistance"): "R1", ("guideline", "resistance"): "R1",
            ("clinical", "resistance"): "R2", ("case", "resistance"): "R2",
            ("preclinical", "resistance"): "R2"}


@pytest.fixture(scope="module")
def base(full_kb):
    """A curated, on-label THAP item to vary (its own level is 3A: clinical, in THAP)."""
    ev = next(e for e in full_kb.all_evidence() if e.id == "BRAF-V600E-VEMURAFENIB-THAP")
    assert derive_level(ev, full_kb.oncotree.resolve("THAP"), full_kb.oncotree) == \
        ("3A", "on-label")
    return ev


@pytest.mark.parametrize("scope", sorted(PAN_CANCER))
@pytest.mark.parametrize("kind", sorted(EXPECTED), ids="-".join)
def test_hand_built_pan_cancer_items(full_kb, base, scope: str, kind: tuple[str, str]) -> None:
    evidence_type, direction = kind
    ev = dataclasses.replace(base, scope=(scope,), evidence_type=evidence_type,
                             direction=direction)
    for code in TUMORS:
        tumor = full_kb.oncotree.resolve(code)
        assert derive_level(ev, tumor, full_kb.oncotree) == (EXPECTED[kind], "tumor-agnostic")
        # The same item scoped to the patient's own tumor type is same-tumor evidence.
        own = dataclasses.replace(ev, scope=(code,))
        level = derive_level(own, tumor, full_kb.oncotree)[0]
        assert level == {"3B": "3A"}.get(EXPECTED[kind], EXPECTED[kind])


def test_every_shipped_pan_cancer_item_levels_by_its_type(full_kb) -> None:
    """Every evidence item of the shipped KB scoped to SOLID or TISSUE, in thyroid cancer: an
    approval-table or curated FDA item keeps its level; a CIViC item never rises above 3A and a
    non-approval one is 3B/4/R2."""
    thap = full_kb.oncotree.resolve("THAP")
    items = [e for e in full_kb.all_evidence() if set(e.scope) & PAN_CANCER]
    assert len(items) > 100 and any(e.evidence_type == "case" and e.scope == ("SOLID",)
                                    for e in items)
    for ev in items:
        if not full_kb.oncotree.in_scope("THAP", list(ev.scope), list(ev.exclude)):
            continue
        level, status = derive_level(ev, thap, full_kb.oncotree)
        assert status == "tumor-agnostic", ev.id
        expected = EXPECTED[(ev.evidence_type, ev.direction)]
        if ev.source == "civic" and expected in ("1", "2"):
            expected = "3A"  # CIViC never creates a level 1 or 2
        assert level == expected, (ev.id, ev.evidence_type, ev.source, level)


def _thyroid(full_kb, **calls):
    doc = {"report_id": "PAN-1", "tumor_type": "THAP", **calls}
    return run(json.dumps(doc).encode(), kb=full_kb)[0]


def test_ntrk1_amplification_larotrectinib_in_thyroid_is_other_tumor_evidence(full_kb) -> None:
    result = _thyroid(full_kb, copy_number=[{"gene": "NTRK1", "state": "amplification"}])
    (option,) = [o for o in result.therapy_options if o.therapy == ("larotrectinib",)]
    assert option.level == "3B"
    case = [m for m in option.matches if m.scope == ("SOLID",) and m.evidence_type == "case"]
    assert case and all(m.level == "3B" for m in case)
    assert not any(o.level in ("1", "2", "3A") for o in result.therapy_options)


def test_ntrk1_fusion_keeps_its_tumor_agnostic_approval_in_thyroid(full_kb) -> None:
    result = _thyroid(full_kb, fusions=[{"fusion": "TPM3::NTRK1"}])
    levels = {o.name: o.level for o in result.therapy_options}
    assert levels["larotrectinib"] == "1" and levels["entrectinib"] == "1"
