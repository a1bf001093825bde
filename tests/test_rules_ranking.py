"""Ranking of therapy options and of trials (issue 18), each key pinned on both sides: names are
chosen so that alphabetical order (the last tie break) would give the opposite answer."""

from __future__ import annotations

import datetime as dt

import pytest

from matcher.engine import (
    EVIDENCE_RANK,
    LEVEL_ORDER,
    TRUNCATED_NOTE,
    _fold_supporting,
    _open_index,
    _options,
    open_trials,
    trial_criterion_hits,
)
from matcher.kb.knowledge import OpenTrial, TrialCriterion
from matcher.model import OpenTrialMatch, TrialBiomarkerHit, TrialMatch
from tests.rules_kb import crit, ev, kb_of, levels, run, signature, trial, variant
from tests.test_rules_precedence import m, res


def names(matches) -> list[str]:
    return [o.name for o in _options(matches)]


def test_the_order_constants():
    assert LEVEL_ORDER == ("1", "2", "3A", "3B", "4")
    assert EVIDENCE_RANK == {"fda": 0, "guideline": 1, "clinical": 2, "case": 3,
                             "preclinical": 4}


@pytest.mark.parametrize("better,worse", [("1", "2"), ("2", "3A"), ("3A", "3B"), ("3B", "4")])
def test_a_better_level_ranks_first(better, worse):
    ms = [m("W", therapy=("a-drug",), level=worse), m("B", therapy=("z-drug",), level=better)]
    assert names(ms) == ["z-drug", "a-drug"]


@pytest.mark.parametrize("better,worse", [("fda", "guideline"), ("guideline", "clinical"),
                                          ("clinical", "case"), ("case", "preclinical")])
def test_within_a_level_label_evidence_ranks_before_trials(better, worse):
    ms = [m("W", therapy=("a-drug",), level="3B", etype=worse, label="off-label"),
          m("B", therapy=("z-drug",), level="3B", etype=better, label="off-label")]
    assert names(ms) == ["z-drug", "a-drug"]


def test_on_label_ranks_before_tumor_agnostic_before_off_label():
    ms = [m("W", therapy=("a-drug",), level="1", etype="fda", label="tumor-agnostic"),
          m("B", therapy=("z-drug",), level="1", etype="fda", label="on-label")]
    assert names(ms) == ["z-drug", "a-drug"]
    ms = [m("W", therapy=("a-drug",), level="4", etype="preclinical", label="off-label"),
          m("B", therapy=("z-drug",), level="4", etype="preclinical", label="tumor-agnostic")]
    assert names(ms) == ["z-drug", "a-drug"]


@pytest.mark.parametrize("better,worse", [("approvals", "curated"), ("curated", "civic"),
                                          ("approvals", "civic")])
def test_curated_ranks_before_imported(better, worse):
    ms = [m("W", therapy=("a-drug",), source=worse), m("B", therapy=("z-drug",), source=better)]
    assert names(ms) == ["z-drug", "a-drug"]


def test_the_newest_approval_ranks_first_and_a_dated_one_before_an_undated_one():
    def dated(eid, drug, date):
        x = m(eid, therapy=(drug,), level="1", etype="fda", source="approvals")
        return x.__class__(**{**x.__dict__, "approval_date": date})

    assert names([dated("W", "a-drug", "2019-03-01"), dated("B", "z-drug", "2024-11-20")]) \
        == ["z-drug", "a-drug"]
    assert names([dated("W", "a-drug", None), dated("B", "z-drug", "2019-03-01")]) \
        == ["z-drug", "a-drug"]
    # the option takes the newest of its own level-1 dates
    ms = [dated("B1", "z-drug", "2010-01-01"), dated("B2", "z-drug", "2025-01-01"),
          dated("W", "a-drug", "2020-01-01")]
    assert names(ms) == ["z-drug", "a-drug"]


def test_a_more_specific_match_ranks_first():
    ms = [m("W", therapy=("a-drug",), match_type="gene"),
          m("B", therapy=("z-drug",), match_type="exact")]
    assert names(ms) == ["z-drug", "a-drug"]


def test_an_option_with_resistance_ranks_after_one_without():
    ms = [m("S1", therapy=("a-drug",)), m("S2", therapy=("z-drug",)),
          res("R", therapy=("a-drug",), alt="A2")]
    assert names(ms) == ["z-drug", "a-drug"]
    ms = [m("S1", therapy=("a-drug",)), m("S2", therapy=("z-drug",)),
          res("R", therapy=("a-drug",), alt="A2", label="off-label")]
    assert names(ms) == ["z-drug", "a-drug"]
    # everything equal: by name
    assert names([m("S1", therapy=("b-drug",)), m("S2", therapy=("a-drug",))]) == \
        ["a-drug", "b-drug"]


def test_an_option_holds_its_matches_best_first_and_its_resistance():
    ms = [m("CIVIC", therapy=("drug-a",), source="civic", alt="A2"),
          m("TRIAL", therapy=("drug-a",), level="3A"),
          m("LABEL", therapy=("drug-a",), level="1", etype="fda"),
          m("COMBO", therapy=("drug-b", "drug-a")),
          m("COMBO2", therapy=("drug-a", "drug-b"), alt="A3"),
          res("R2", therapy=("drug-a",), alt="A4", level="R2"),
          res("R1", therapy=("drug-a",), alt="A4", level="R1", etype="fda"),
          res("ELSE", therapy=("drug-a",), alt="A4", label="off-label"),
          res("OTHER", therapy=("drug-c",), alt="A4")]
    opts = {o.name: o for o in _options(ms)}
    assert set(opts) == {"drug-a", "drug-b + drug-a"}
    a = opts["drug-a"]
    assert a.level == "1"
    assert [x.evidence_id for x in a.matches] == ["LABEL", "TRIAL", "CIVIC"]
    assert a.alteration_ids == ("A1", "A2")
    assert [r.evidence_id for r in a.resistance] == ["R1", "R2"]
    assert a.resistance_elsewhere == ("ELSE",)
    combo = opts["drug-b + drug-a"]  # one option per drug set, whatever the order
    assert [x.evidence_id for x in combo.matches] == ["COMBO", "COMBO2"]
    assert [r.evidence_id for r in combo.resistance] == ["R1", "R2"]  # resistance to a part
    assert all(o.direction == "sensitivity" for o in opts.values() for o in o.matches)


def test_curated_before_imported_end_to_end():
    kb = kb_of(ev("CIVIC-1", therapy=("a-drug",), source="civic"),
               ev("CUR-1", therapy=("z-drug",), source="curated"))
    result = run(kb, [variant()], "LUAD")
    assert [o.name for o in result.therapy_options] == ["z-drug", "a-drug"]
    assert levels(result) == {"z-drug": "3A", "a-drug": "3A"}


# ----------------------------------------------------------------------------- supporting
def test_trial_evidence_for_part_of_a_level_1_regimen_becomes_its_support():
    label = m("LABEL", therapy=("drug-a", "drug-b"), level="1", etype="fda")
    part = m("PART", therapy=("drug-a",), level="3A")
    folded = _fold_supporting(_options([label, part]))
    assert [(o.name, [x.evidence_id for x in o.matches]) for o in folded] == [
        ("drug-a + drug-b", ["LABEL", "PART"])]


@pytest.mark.parametrize("part", [
    m("PART", therapy=("drug-a",), level="3B", label="off-label"),   # another tumor type
    m("PART", therapy=("drug-a",), level="4", etype="preclinical"),
    m("PART", therapy=("drug-a",), level="3A", source="approvals"),  # label evidence of its own
    m("PART", therapy=("drug-c",), level="3A"),                      # not part of the regimen
    m("PART", therapy=("drug-a",), level="3A", alt="A2"),            # another alteration
])
def test_other_options_stay_lines_of_their_own(part):
    label = m("LABEL", therapy=("drug-a", "drug-b"), level="1", etype="fda")
    folded = _fold_supporting(_options([label, part]))
    assert len(folded) == 2
    assert [x.evidence_id for x in folded[0].matches] == ["LABEL"]


def test_nothing_folds_without_a_level_1_option():
    two = m("G", therapy=("drug-a", "drug-b"), level="2", etype="guideline")
    part = m("PART", therapy=("drug-a",), level="3A")
    assert len(_fold_supporting(_options([two, part]))) == 2


# ----------------------------------------------------------------------------- signatures
@pytest.mark.parametrize("tmb,level", [(9.99, None), (10, "1"), (10.01, "1")])
def test_tmb_of_exactly_10_meets_the_label(tmb, level):
    kb = kb_of(ev("TMB", None, alteration={"type": "signature", "signature": "TMB", "min": 10},
                  evidence_type="fda", scope=("SOLID",), therapy=("drug-io",)))
    assert levels(run(kb, [signature("TMB", tmb)], "THAP")).get("drug-io") == level


@pytest.mark.parametrize("tps,level", [(0, None), (0.5, "3A"), (1, "3A")])
def test_pdl1_above_0_excludes_0(tps, level):
    kb = kb_of(ev("PDL1", None, alteration={"type": "signature", "signature": "PDL1_TPS",
                                            "above": 0}, therapy=("drug-io",)))
    assert levels(run(kb, [signature("PDL1_TPS", tps)], "LUAD")).get("drug-io") == level


# ----------------------------------------------------------------------------- KB trials
BRAF_V600E = ("BRAF", {"type": "variant", "changes": ["V600E"]})


def test_biomarker_trials_come_before_tumor_type_trials():
    kb = kb_of(ev("E1"), trials=[
        trial("NCT00000001", tumor_types=("LUAD",)),                  # tumor type only
        trial("NCT00000009", biomarkers=[BRAF_V600E]),
        trial("NCT00000005", biomarkers=[BRAF_V600E]),
        trial("NCT00000003", biomarkers=[BRAF_V600E], tumor_types=("BRCA",)),  # not this tumor
        trial("NCT00000004", tumor_types=("BRCA",)),
        trial("NCT00000007", biomarkers=[("BRAF", {"type": "variant", "changes": ["V600K"]})]),
    ])
    result = run(kb, [variant()], "LUAD")
    assert [(t.nct_id, t.reason) for t in result.trials] == [
        ("NCT00000005", "biomarker"), ("NCT00000009", "biomarker"),
        ("NCT00000001", "tumor_type")]
    assert result.trials[0].alteration_ids == ("A1",)
    assert result.trials[2].alteration_ids == ()
    # without a tumor type: biomarker trials only, whatever their tumor types
    bare = run(kb, [variant()], None)
    assert [t.nct_id for t in bare.trials] == ["NCT00000003", "NCT00000005", "NCT00000009"]


def test_trials_cited_by_sensitivity_evidence_are_biomarker_trials():
    kb = kb_of(ev("E1", trials=("NCT00000002",)),
               ev("R1", alteration={"type": "variant", "changes": ["V600E"]},
                  direction="resistance", therapy=("drug-r",), trials=("NCT00000008",)),
               trials=[trial("NCT00000002", tumor_types=()), trial("NCT00000008",
                                                                   tumor_types=())])
    result = run(kb, [variant()], "LUAD")
    assert [(t.nct_id, t.reason, t.alteration_ids) for t in result.trials] == [
        ("NCT00000002", "biomarker", ("A1",))]


# ----------------------------------------------------------------------------- open trials
def open_trial(nct: str, *, phase="2", role="biomarker", requires=(), excludes=(),
               tumor_types=("LUAD",), status="RECRUITING") -> OpenTrial:
    def tcs(items):
        return tuple(TrialCriterion(g, crit(c), "quote") for g, c in items)

    return OpenTrial(nct_id=nct, title=f"trial {nct}", phase=phase, status=status,
                     status_date="2026-11-01", role=role, reason=None, requires=tcs(requires),
                     excludes=tcs(excludes), therapy_criteria=(), tumor_types=tumor_types,
                     drugs=(), sponsor=None, conditions="", eligibility_truncated=False,
                     source="test")


BRAF_ANY = ("BRAF", {"type": "any"})
KRAS_ANY = ("KRAS", {"type": "any"})
TODAY = dt.date(2026, 12, 3)


def listed(kb, alts, code="LUAD"):
    from tests.rules_kb import tumor

    by_gene: dict = {}
    for a in alts:
        by_gene.setdefault(a.gene, []).append(a)
    return [(t.nct_id, t.reason) for t in open_trials(kb, tumor(code), by_gene, today=TODAY,
                                                       max_age_days=90)]


def test_open_trials_biomarker_first_then_phase_then_specificity():
    kb = kb_of(ev("E1"), open_trials=[
        open_trial("NCT00000001", phase="3", role="tumor_type"),
        open_trial("NCT00000002", phase="1", requires=[BRAF_V600E]),
        open_trial("NCT00000003", phase="3", requires=[BRAF_ANY]),
        open_trial("NCT00000004", phase="2", requires=[BRAF_ANY]),
        open_trial("NCT00000005", phase="2", requires=[BRAF_V600E]),
        open_trial("NCT00000006", phase="2/3", requires=[BRAF_ANY]),
        open_trial("NCT00000007", phase="1/2", requires=[BRAF_ANY]),
        open_trial("NCT00000008", phase="early 1", requires=[BRAF_ANY]),
        open_trial("NCT00000009", phase="N/A", requires=[BRAF_ANY]),
        open_trial("NCT00000010", phase=None, requires=[BRAF_ANY]),
        open_trial("NCT00000011", phase="2", requires=[KRAS_ANY]),               # no hit
        open_trial("NCT00000012", phase="2", requires=[BRAF_ANY], tumor_types=("BRCA",)),
        open_trial("NCT00000013", phase="2", requires=[BRAF_ANY], status="COMPLETED"),
        open_trial("NCT00000014", phase="2", requires=[BRAF_ANY], excludes=[BRAF_V600E]),
        open_trial("NCT00000015", phase="2", requires=[BRAF_ANY], excludes=[KRAS_ANY]),
        open_trial("NCT00000016", phase="1", role="stratification"),
        open_trial("NCT00000017", phase="1", role="tumor_type", excludes=[BRAF_V600E]),
    ])
    assert listed(kb, [variant(hotspot=True)]) == [
        ("NCT00000003", "biomarker"),  # phase 3
        ("NCT00000006", "biomarker"),  # phase 2/3
        ("NCT00000005", "biomarker"),  # phase 2, exact match
        ("NCT00000004", "biomarker"),  # phase 2, gene match
        ("NCT00000015", "biomarker"),
        ("NCT00000007", "biomarker"),  # 1/2
        ("NCT00000002", "biomarker"),  # 1
        ("NCT00000008", "biomarker"),  # early 1
        ("NCT00000009", "biomarker"),  # N/A
        ("NCT00000010", "biomarker"),  # no phase
        ("NCT00000001", "tumor_type"),
        ("NCT00000016", "tumor_type"),
    ]
    # without a tumor type: biomarker trials whatever their tumor types, no tumor-type trials
    no_tumor = listed(kb, [variant(hotspot=True)], None)
    assert ("NCT00000012", "biomarker") in no_tumor
    assert all(reason == "biomarker" for _, reason in no_tumor)

# ----------------------------------------------------------------------------- trial fields
# What a trial entry carries besides its place (found by mutation testing).

PIK3CA = ("PIK3CA", {"type": "variant", "changes": ["H1047R"]})


def tc(gene, raw, quote="quote"):
    return TrialCriterion(gene, crit(raw), quote)


def full_open_trial(nct="NCT00000001", *, requires=(BRAF_V600E,), role="biomarker",
                    excludes=(), status_date="2026-11-01", truncated=False,
                    therapy_criteria=(), phase="2") -> OpenTrial:
    return OpenTrial(nct_id=nct, title=f"title {nct}", phase=phase, status="RECRUITING",
                     status_date=status_date, role=role, reason=None,
                     requires=tuple(tc(g, c, f"quote {g}") for g, c in requires),
                     excludes=tuple(tc(g, c) for g, c in excludes),
                     therapy_criteria=tuple(therapy_criteria), tumor_types=("LUAD", "NSCLC"),
                     drugs=("drug-a", "drug-b"), sponsor="sponsor", conditions="NSCLC",
                     eligibility_truncated=truncated, source="ctgov test")


def open_listed(kb, alts, code="LUAD", max_age_days=30):
    from tests.rules_kb import tumor

    by_gene: dict = {}
    for a in alts:
        by_gene.setdefault(a.gene, []).append(a)
    return open_trials(kb, tumor(code), by_gene, today=TODAY, max_age_days=max_age_days)


# ----------------------------------------------------------------------------- KB trials
def test_a_kb_trial_match_carries_the_trial():
    kb = kb_of(ev("E1"), trials=[trial("NCT00000003", biomarkers=[BRAF_V600E], phase="1/2"),
                                 trial("NCT00000004", phase=None)])
    assert run(kb, [variant()], "LUAD").trials == (
        TrialMatch(nct_id="NCT00000003", title="trial NCT00000003", phase="1/2",
                   status="Recruiting", status_verified="2026-01-01", reason="biomarker",
                   alteration_ids=("A1",), url="https://clinicaltrials.gov/study/NCT00000003"),
        TrialMatch(nct_id="NCT00000004", title="trial NCT00000004", phase=None,
                   status="Recruiting", status_verified="2026-01-01", reason="tumor_type",
                   alteration_ids=(), url="https://clinicaltrials.gov/study/NCT00000004"))


# ----------------------------------------------------------------------------- open trials
def test_an_open_trial_match_carries_the_trial_and_what_met_it():
    kb = kb_of(ev("E1"), open_trials=[full_open_trial()])
    (t,) = open_listed(kb, [variant()])
    assert t == OpenTrialMatch(
        nct_id="NCT00000001", title="title NCT00000001", phase="2", status="RECRUITING",
        status_date="2026-11-01", status_age_days=32, status_may_be_out_of_date=True,
        reason="biomarker",
        matched=(TrialBiomarkerHit(alteration_id="A1", alteration="BRAF V600E",
                                   criterion="BRAF V600E", match_type="exact",
                                   quote="quote BRAF"),),
        drugs=("drug-a", "drug-b"), tumor_types=("LUAD", "NSCLC"),
        url="https://clinicaltrials.gov/study/NCT00000001", source="ctgov test", notes=())


@pytest.mark.parametrize("max_age,stale", [(31, True), (32, False), (33, False)])
def test_a_status_older_than_the_age_may_be_out_of_date(max_age, stale):
    kb = kb_of(ev("E1"), open_trials=[full_open_trial()])
    (t,) = open_listed(kb, [variant()], max_age_days=max_age)
    assert t.status_age_days == 32
    assert t.status_may_be_out_of_date is stale


def test_open_trial_notes():
    kb = kb_of(ev("E1"), open_trials=[
        full_open_trial("NCT00000001", role="stratification", requires=()),
        full_open_trial("NCT00000002", truncated=True,
                   therapy_criteria=("no prior BRAF inhibitor", "no prior MEK inhibitor",
                                     "a third criterion")),
        full_open_trial("NCT00000003", therapy_criteria=("one criterion",))])
    notes = {t.nct_id: t.notes for t in open_listed(kb, [variant()])}
    assert notes == {
        "NCT00000002": (
            TRUNCATED_NOTE,
            "prior-therapy criteria naming a biomarker: no prior BRAF inhibitor | no prior MEK "
            "inhibitor"),
        "NCT00000003": ("prior-therapy criteria naming a biomarker: one criterion",),
        "NCT00000001": ("the trial records or stratifies on a biomarker; it does not require "
                        "one",)}
    (strat,) = [t for t in open_listed(kb, [variant()]) if t.nct_id == "NCT00000001"]
    assert strat.reason == "tumor_type" and strat.matched == ()


def test_the_open_trial_index_is_built_once_per_kb():
    kb = kb_of(ev("E1"), open_trials=[full_open_trial()])
    open_listed(kb, [variant()])
    idx = _open_index(kb)
    open_listed(kb, [variant()])
    assert _open_index(kb) is idx
    assert kb.__dict__["_open_trial_index"] is idx


COMBO = {"type": "all_of", "items": [{"gene": "BRAF", "alteration": BRAF_V600E[1]},
                                     {"gene": "PIK3CA", "alteration": PIK3CA[1]}]}


def test_a_structured_criterion_of_several_parts_needs_every_part():
    braf, braf2 = variant(aid="A1"), variant(aid="A3")
    pik = variant("PIK3CA", "H1047R", aid="A2")
    criterion = tc("BRAF", COMBO)

    def hits(*alts):
        by_gene: dict = {}
        for a in alts:
            by_gene.setdefault(a.gene, []).append(a)
        return [(a.id, m) for a, m in trial_criterion_hits(criterion, by_gene)]

    assert hits(braf) == []
    assert hits(pik) == []
    assert hits(braf, pik) == [("A1", "combination"), ("A2", "combination")]
    assert hits(braf, braf2, pik) == [("A1", "combination"), ("A2", "combination")]
    assert hits(braf, variant("PIK3CA", "E545K", aid="A2")) == []
    kb = kb_of(ev("E1"), open_trials=[full_open_trial(requires=[("BRAF", COMBO)])])
    assert open_listed(kb, [braf]) == ()
    (t,) = open_listed(kb, [braf, pik])
    assert [(h.alteration_id, h.match_type) for h in t.matched] == [
        ("A1", "combination"), ("A2", "combination")]
    assert t.matched[0].criterion == "BRAF V600E AND PIK3CA H1047R"


def test_a_structured_exclusion_of_several_parts_needs_every_part():
    kb = kb_of(ev("E1"), open_trials=[full_open_trial(excludes=[("BRAF", COMBO)])])
    assert [t.nct_id for t in open_listed(kb, [variant()])] == ["NCT00000001"]
    assert open_listed(kb, [variant(), variant("PIK3CA", "H1047R", aid="A2")]) == ()


def test_signature_biomarkers_of_trials():
    from tests.rules_kb import signature

    tmb = (None, {"type": "signature", "signature": "TMB", "min": 10})
    kb = kb_of(ev("E1"), trials=[trial("NCT00000005", biomarkers=[tmb])],
               open_trials=[full_open_trial("NCT00000006", requires=[tmb])])
    result = run(kb, [variant(), signature("TMB", 12, aid="S1")], "LUAD")
    assert [(t.nct_id, t.alteration_ids) for t in result.trials] == [("NCT00000005", ("S1",))]
    assert [t.nct_id for t in result.open_trials] == ["NCT00000006"]
    (t,) = open_listed(kb, [variant(), signature("TMB", 12, aid="S1")])
    assert [(h.alteration_id, h.match_type) for h in t.matched] == [("S1", "signature")]
    assert run(kb, [variant(), signature("TMB", 9, aid="S1")], "LUAD").trials == ()


def test_folding_leaves_the_other_options_as_they_are():
    label = m("LABEL", therapy=("drug-a", "drug-b"), level="1", etype="fda")
    other_label = m("LABEL2", therapy=("drug-x",), level="1", etype="fda")
    part = m("PART", therapy=("drug-a",), level="3A")
    other = m("OTHER", therapy=("drug-c",), level="3A")
    folded = _fold_supporting(_options([label, other_label, part, other]))
    assert [(o.name, [x.evidence_id for x in o.matches]) for o in folded] == [
        ("drug-a + drug-b", ["LABEL", "PART"]), ("drug-x", ["LABEL2"]),
        ("drug-c", ["OTHER"])]


def test_a_signature_biomarker_filed_under_a_gene_is_still_found():
    """trials.yaml gives every biomarker a gene; a signature's alterations are looked up under
    no gene, so a signature biomarker is indexed there whatever gene it is filed under."""
    pdl1 = ("CD274", {"type": "signature", "signature": "PDL1_TPS", "above": 1})
    kb = kb_of(ev("E1"), trials=[trial("NCT00000007", biomarkers=[pdl1])])
    result = run(kb, [signature("PDL1_TPS", 50, aid="S1")], "LUAD")
    assert [(t.nct_id, t.alteration_ids) for t in result.trials] == [("NCT00000007", ("S1",))]
    assert run(kb, [signature("PDL1_TPS", 0, aid="S1")], "LUAD").trials == ()


def test_a_trial_with_biomarkers_of_several_genes_needs_only_one_in_the_report():
    kras = ("KRAS", {"type": "variant", "changes": ["G12C"]})
    kb = kb_of(ev("E1", trials=("NCT00000008",)),
               trials=[trial("NCT00000008", biomarkers=[kras, BRAF_V600E]),
                       trial("NCT00000009", biomarkers=[BRAF_V600E, kras])])
    result = run(kb, [variant()], "LUAD")
    assert [(t.nct_id, t.alteration_ids) for t in result.trials] == [
        ("NCT00000008", ("A1",)), ("NCT00000009", ("A1",))]


def test_two_resistances_of_an_option_are_listed_by_level():
    ms = [m("S", therapy=("drug-a",)),
          res("RZ", therapy=("drug-a",), alt="A2", level="R2"),
          res("RA", therapy=("drug-a",), alt="A3", level="R1", etype="fda")]
    (opt,) = _options(ms)
    assert [r.evidence_id for r in opt.resistance] == ["RA", "RZ"]


def test_within_an_option_the_newest_approval_comes_first():
    def dated(eid, date):
        x = m(eid, therapy=("drug-a",), level="1", etype="fda", source="approvals")
        return x.__class__(**{**x.__dict__, "approval_date": date})

    (opt,) = _options([dated("A-OLD", "2019-01-01"), dated("Z-NEW", "2024-01-01")])
    assert [x.evidence_id for x in opt.matches] == ["Z-NEW", "A-OLD"]


def test_an_options_date_is_the_newest_of_its_own_level():
    def dated(eid, drug, level, date, label="on-label"):
        x = m(eid, therapy=(drug,), level=level, etype="fda", source="approvals", label=label)
        return x.__class__(**{**x.__dict__, "approval_date": date})

    ms = [dated("X1", "a-drug", "1", None), dated("X2", "a-drug", "3B", "2025-01-01",
                                                  "off-label"),
          dated("Y1", "z-drug", "1", "2020-01-01")]
    assert names(ms) == ["z-drug", "a-drug"]


def test_tumor_type_trials_are_ranked_by_phase_too():
    kb = kb_of(ev("E1"), open_trials=[
        open_trial("NCT00000001", phase="1", role="tumor_type"),
        open_trial("NCT00000002", phase=None, role="tumor_type"),
        open_trial("NCT00000009", phase="3", role="tumor_type")])
    assert listed(kb, [variant()]) == [("NCT00000009", "tumor_type"),
                                       ("NCT00000001", "tumor_type"),
                                       ("NCT00000002", "tumor_type")]


@pytest.mark.parametrize("quote_from,notes", [
    ("title", ("biomarker read from the trial's title: the eligibility text of our copy does "
               "not state it",)),
    ("eligibility", ())])
def test_a_biomarker_read_from_the_trial_title_says_so(quote_from, notes):
    from dataclasses import replace

    t = full_open_trial()
    t = replace(t, requires=(replace(t.requires[0], quote_from=quote_from),))
    (found,) = open_listed(kb_of(ev("E1"), open_trials=[t]), [variant()])
    assert found.notes == notes
    assert [(h.quote, h.quote_from) for h in found.matched] == [("quote BRAF", quote_from)]


def test_without_a_day_given_the_status_age_counts_from_the_utc_date(monkeypatch):
    from types import SimpleNamespace

    import matcher.engine as engine
    from tests.rules_kb import tumor

    instant = dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC)

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            if tz is None:  # a machine whose zone is UTC+14: its local date is 4 December
                return (instant + dt.timedelta(hours=14)).replace(tzinfo=None)
            return instant.astimezone(tz)

    monkeypatch.setattr(engine, "dt", SimpleNamespace(datetime=Clock, date=dt.date, UTC=dt.UTC))
    kb = kb_of(ev("E1"), open_trials=[full_open_trial(status_date="2026-11-01")])
    (t,) = open_trials(kb, tumor("LUAD"), {"BRAF": [variant()]}, max_age_days=30)
    assert t.status_age_days == 32  # 1 November to 3 December (UTC)
