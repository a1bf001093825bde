"""Every rule of level derivation pinned on hand-built evidence (issue 18): evidence type x
direction x source x where the patient's tumor type lies relative to the evidence's scope
(DESIGN.md "Evidence levels", docs/kb-schema.md). Both sides of each rule are in the table."""

from __future__ import annotations

import pytest

from matcher.engine import AMP_TIER, derive_level
from tests.rules_kb import ev, kb_of, levels, oncotree, run, tumor, variant

# (evidence type, direction, source, scope, exclude, tumor) -> (level, label status)
ROWS = [
    # ---- sensitivity in the tumor type: label -> 1, guideline -> 2, trials and cases -> 3A
    ("fda", "sensitivity", "curated", ("LUAD",), (), "LUAD", "1", "on-label"),
    ("fda", "sensitivity", "approvals", ("LUAD",), (), "LUAD", "1", "on-label"),
    ("guideline", "sensitivity", "curated", ("LUAD",), (), "LUAD", "2", "on-label"),
    ("guideline", "sensitivity", "approvals", ("LUAD",), (), "LUAD", "2", "on-label"),
    ("clinical", "sensitivity", "curated", ("LUAD",), (), "LUAD", "3A", "on-label"),
    ("case", "sensitivity", "curated", ("LUAD",), (), "LUAD", "3A", "on-label"),
    ("preclinical", "sensitivity", "curated", ("LUAD",), (), "LUAD", "4", "on-label"),
    # a scope covers its OncoTree descendants, not its ancestors
    ("fda", "sensitivity", "curated", ("NSCLC",), (), "LUAD", "1", "on-label"),
    ("fda", "sensitivity", "curated", ("LUNG",), (), "LUAD", "1", "on-label"),
    ("fda", "sensitivity", "curated", ("LUAD",), (), "NSCLC", "3B", "off-label"),
    # ---- another tumor type: 3B whatever the evidence, preclinical stays 4
    ("fda", "sensitivity", "curated", ("LUAD",), (), "BRCA", "3B", "off-label"),
    ("guideline", "sensitivity", "curated", ("LUAD",), (), "BRCA", "3B", "off-label"),
    ("clinical", "sensitivity", "curated", ("LUAD",), (), "BRCA", "3B", "off-label"),
    ("case", "sensitivity", "curated", ("LUAD",), (), "BRCA", "3B", "off-label"),
    ("preclinical", "sensitivity", "curated", ("LUAD",), (), "BRCA", "4", "off-label"),
    # ---- exclusions are honoured, also under a tumor-agnostic scope
    ("fda", "sensitivity", "curated", ("NSCLC",), ("LUAD",), "LUAD", "3B", "off-label"),
    ("fda", "sensitivity", "curated", ("NSCLC",), ("LUAD",), "LUSC", "1", "on-label"),
    ("fda", "sensitivity", "curated", ("SOLID",), ("COADREAD",), "COADREAD", "3B", "off-label"),
    ("fda", "sensitivity", "curated", ("SOLID",), ("COADREAD",), "THAP", "1", "tumor-agnostic"),
    # ---- tumor-agnostic: SOLID covers solid tumors only
    ("fda", "sensitivity", "curated", ("SOLID",), (), "THAP", "1", "tumor-agnostic"),
    ("guideline", "sensitivity", "curated", ("SOLID",), (), "THAP", "2", "tumor-agnostic"),
    # a non-approval item scoped to all solid tumors is other-tumor evidence, as for TISSUE
    ("clinical", "sensitivity", "curated", ("SOLID",), (), "THAP", "3B", "tumor-agnostic"),
    ("fda", "sensitivity", "curated", ("SOLID",), (), "AML", "3B", "off-label"),
    # a named tumor type beside SOLID makes the patient's own type on-label
    ("fda", "sensitivity", "curated", ("SOLID", "LUAD"), (), "LUAD", "1", "on-label"),
    ("fda", "sensitivity", "curated", ("SOLID", "NSCLC"), (), "LUAD", "1", "on-label"),
    ("fda", "sensitivity", "curated", ("SOLID", "LUAD"), (), "THAP", "1", "tumor-agnostic"),
    # OncoTree's root ("Cancer" in CIViC): a label or guideline for every cancer counts, trial
    # evidence about cancer in general is no evidence in this tumor type
    ("fda", "sensitivity", "curated", ("TISSUE",), (), "AML", "1", "tumor-agnostic"),
    ("guideline", "sensitivity", "curated", ("TISSUE",), (), "THAP", "2", "tumor-agnostic"),
    ("clinical", "sensitivity", "curated", ("TISSUE",), (), "THAP", "3B", "tumor-agnostic"),
    ("case", "sensitivity", "curated", ("TISSUE",), (), "THAP", "3B", "tumor-agnostic"),
    ("preclinical", "sensitivity", "curated", ("TISSUE",), (), "THAP", "4", "tumor-agnostic"),
    # ---- imported (CIViC) label and guideline items never create level 1 or 2
    ("fda", "sensitivity", "civic", ("LUAD",), (), "LUAD", "3A", "on-label"),
    ("guideline", "sensitivity", "civic", ("LUAD",), (), "LUAD", "3A", "on-label"),
    ("fda", "sensitivity", "civic", ("SOLID",), (), "THAP", "3A", "tumor-agnostic"),
    ("fda", "sensitivity", "civic", ("LUAD",), (), "BRCA", "3B", "off-label"),
    ("clinical", "sensitivity", "civic", ("LUAD",), (), "LUAD", "3A", "on-label"),
    ("preclinical", "sensitivity", "civic", ("LUAD",), (), "LUAD", "4", "on-label"),
    # ---- resistance: R1 is label or guideline level in the tumor type, R2 everything else
    ("fda", "resistance", "curated", ("LUAD",), (), "LUAD", "R1", "on-label"),
    ("guideline", "resistance", "curated", ("LUAD",), (), "LUAD", "R1", "on-label"),
    ("guideline", "resistance", "approvals", ("LUAD",), (), "LUAD", "R1", "on-label"),
    ("clinical", "resistance", "curated", ("LUAD",), (), "LUAD", "R2", "on-label"),
    ("case", "resistance", "curated", ("LUAD",), (), "LUAD", "R2", "on-label"),
    ("preclinical", "resistance", "curated", ("LUAD",), (), "LUAD", "R2", "on-label"),
    ("fda", "resistance", "curated", ("LUAD",), (), "BRCA", "R2", "off-label"),
    ("guideline", "resistance", "curated", ("LUAD",), (), "BRCA", "R2", "off-label"),
    ("fda", "resistance", "curated", ("SOLID",), (), "THAP", "R1", "tumor-agnostic"),
    ("fda", "resistance", "curated", ("SOLID",), (), "AML", "R2", "off-label"),
    ("fda", "resistance", "curated", ("TISSUE",), (), "THAP", "R1", "tumor-agnostic"),
    ("clinical", "resistance", "curated", ("SOLID",), (), "THAP", "R2", "tumor-agnostic"),
    ("clinical", "resistance", "curated", ("TISSUE",), (), "THAP", "R2", "tumor-agnostic"),
    ("fda", "resistance", "curated", ("NSCLC",), ("LUAD",), "LUAD", "R2", "off-label"),
]


@pytest.mark.parametrize("etype,direction,source,scope,exclude,code,level,label", ROWS,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}-{'+'.join(r[3])}-x{'+'.join(r[4])}-{r[5]}"
                              for r in ROWS])
def test_derive_level(etype, direction, source, scope, exclude, code, level, label):
    e = ev("E1", evidence_type=etype, direction=direction, source=source, scope=scope,
           exclude=exclude)
    assert derive_level(e, tumor(code), oncotree()) == (level, label)


@pytest.mark.parametrize("etype,direction,level", [
    ("fda", "sensitivity", "3B"), ("guideline", "sensitivity", "3B"),
    ("clinical", "sensitivity", "3B"), ("preclinical", "sensitivity", "4"),
    ("fda", "resistance", "R2"), ("guideline", "resistance", "R2"),
])
@pytest.mark.parametrize("scope", [("LUAD",), ("SOLID",), ("TISSUE",)])
def test_without_a_tumor_type_nothing_is_above_3b(etype, direction, level, scope):
    e = ev("E1", evidence_type=etype, direction=direction, scope=scope)
    assert derive_level(e, None, oncotree()) == (level, "off-label")


def test_the_engine_gives_each_match_the_derived_level_and_its_tier():
    """Level 1 and level 2 items for the same variant, through match(): the derived level and
    its AMP tier reach the therapy option."""
    kb = kb_of(ev("L1", evidence_type="fda", therapy=("drug-a",)),
               ev("L2", evidence_type="guideline", therapy=("drug-b",)),
               ev("L3", evidence_type="clinical", therapy=("drug-c",)),
               ev("L4", evidence_type="preclinical", therapy=("drug-d",)))
    result = run(kb, [variant()], "LUAD")
    assert levels(result) == {"drug-a": "1", "drug-b": "2", "drug-c": "3A", "drug-d": "4"}
    assert [o.amp_tier for o in result.therapy_options] == [
        AMP_TIER["1"], AMP_TIER["2"], AMP_TIER["3A"], AMP_TIER["4"]]
    assert AMP_TIER == {"1": "Tier I, level A", "2": "Tier I, level A",
                        "3A": "Tier I, level B", "3B": "Tier II, level C",
                        "4": "Tier II, level D", "R1": "Tier I", "R2": "Tier II"}
    elsewhere = run(kb, [variant()], "BRCA")
    assert levels(elsewhere) == {"drug-a": "3B", "drug-b": "3B", "drug-c": "3B", "drug-d": "4"}
    none = run(kb, [variant()], None)
    assert levels(none) == levels(elsewhere)
    assert any("No tumor type given" in w for w in none.warnings)
    assert not any("No tumor type given" in w for w in result.warnings)


def test_the_level_memo_is_per_tumor_type():
    """The engine memoises levels by (evidence, tumor type): the second tumor type must not be
    answered from the first one's entry."""
    kb = kb_of(ev("L1", evidence_type="fda"))
    assert levels(run(kb, [variant()], "LUAD")) == {"drug-a": "1"}
    assert levels(run(kb, [variant()], "BRCA")) == {"drug-a": "3B"}
    assert levels(run(kb, [variant()], "LUAD")) == {"drug-a": "1"}
