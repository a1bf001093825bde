"""Resistance precedence (issue 18): `_supersede` (specific resistance of an alteration sets aside
its own broader sensitivity evidence) and `_set_aside_by_resistance` (resistance across the
alterations of one report), each condition pinned on both sides with hand-built matches, then the
same rules end to end through `match()` on a hand-built KB."""

from __future__ import annotations

import pytest

from matcher.engine import (
    _BROADER,
    _SPECIFIC,
    _resistance_sets_aside,
    _set_aside_by_resistance,
    _supersede,
)
from matcher.kb.criteria import SPECIFICITY
from matcher.model import Match
from tests.rules_kb import ev, kb_of, levels, run, variant


def m(eid: str, *, alt: str = "A1", therapy=("drug-a",), direction: str = "sensitivity",
      etype: str = "clinical", level: str = "3A", match_type: str = "exact",
      label: str = "on-label", source: str = "curated") -> Match:
    return Match(evidence_id=eid, alteration_id=alt, gene="EGFR", therapy=tuple(therapy),
                 direction=direction, evidence_type=etype, level=level, amp_tier="",
                 match_type=match_type, label_status=label, criterion="", scope=(),
                 excluded=(), statement="", citations=(), trials=(), source=source)


def res(eid: str = "R", **kw) -> Match:
    kw.setdefault("level", "R2")
    return m(eid, direction="resistance", **kw)


def outweighed(matches) -> set[str]:
    live, out = _supersede(matches)
    gone = {s.evidence_id for pairs in out.values() for s, _ in pairs}
    assert gone == {x.evidence_id for x in matches} - {x.evidence_id for x in live}
    return gone


# ----------------------------------------------------------------------------- _supersede
def test_the_match_type_sets_are_what_the_rule_says():
    assert _SPECIFIC == {"exact", "codon"}
    assert _BROADER == {"exon", "region", "hotspot", "consequence", "gene"}


@pytest.mark.parametrize("sens_type", SPECIFICITY)
def test_specific_resistance_outweighs_only_broader_sensitivity(sens_type):
    s = m("S", match_type=sens_type)
    assert outweighed([s, res(match_type="exact", etype="clinical")]) == (
        {"S"} if sens_type in _BROADER else set())


@pytest.mark.parametrize("res_type", SPECIFICITY)
def test_only_an_exact_or_codon_resistance_outweighs(res_type):
    s = m("S", match_type="gene")
    assert outweighed([s, res(match_type=res_type)]) == (
        {"S"} if res_type in _SPECIFIC else set())


@pytest.mark.parametrize("etype,outweighs", [("fda", True), ("guideline", True),
                                             ("clinical", True), ("case", True),
                                             ("preclinical", False)])
def test_preclinical_resistance_does_not_outweigh(etype, outweighs):
    r = res(etype=etype, level="R1" if etype in ("fda", "guideline") else "R2")
    assert outweighed([m("S", match_type="exon"), r]) == ({"S"} if outweighs else set())


@pytest.mark.parametrize("label,level,outweighs", [
    ("on-label", "R2", True),
    ("on-label", "R1", True),
    ("tumor-agnostic", "R1", True),   # a tumor-agnostic label limitation (R1) reaches it
    ("tumor-agnostic", "R2", False),  # pan-cancer clinical resistance does not
    ("off-label", "R2", False),       # resistance in another tumor type does not
])
def test_resistance_outweighs_in_this_tumor_type_or_as_a_pan_cancer_r1(label, level, outweighs):
    r = res(label=label, level=level, etype="fda" if level == "R1" else "clinical")
    assert outweighed([m("S", match_type="consequence"), r]) == ({"S"} if outweighs else set())


def test_supersede_needs_the_same_alteration_and_the_same_drug_set():
    assert outweighed([m("S", match_type="gene", alt="A1"), res(alt="A2")]) == set()
    assert outweighed([m("S", match_type="gene", therapy=("drug-b",)), res()]) == set()
    assert outweighed([m("S", match_type="gene", therapy=("drug-a", "drug-b")),
                       res(therapy=("drug-a",))]) == set()
    assert outweighed([m("S", match_type="gene", therapy=("drug-b", "drug-a")),
                       res(therapy=("drug-a", "drug-b"))]) == {"S"}  # order does not matter


def test_sensitivity_never_outweighs_anything():
    """Only resistance matches outweigh: an exact sensitivity match beside a broader one of
    the same drug leaves both."""
    assert outweighed([m("S1", match_type="gene"), m("S2", match_type="exact")]) == set()


def test_supersede_pairs_each_outweighed_match_with_the_resistance():
    s, r = m("S", match_type="exon"), res("R")
    live, out = _supersede([s, r])
    assert live == [r]
    assert out == {"A1": [(s, r)]}
    assert _supersede([s]) == ([s], {})


# ----------------------------------------------------------------------------- across alterations
def aside(matches) -> set[str]:
    live, out = _set_aside_by_resistance(matches)
    gone = {s.evidence_id for pairs in out.values() for s, _ in pairs}
    assert gone == {x.evidence_id for x in matches} - {x.evidence_id for x in live}
    return gone


@pytest.mark.parametrize("etype,label,match_type,strong", [
    ("clinical", "on-label", "exact", True),
    ("clinical", "on-label", "codon", True),
    ("clinical", "on-label", "gene", False),
    ("clinical", "on-label", "exon", False),
    ("case", "on-label", "exact", False),
    ("preclinical", "on-label", "exact", False),
    ("clinical", "tumor-agnostic", "exact", False),
    ("clinical", "off-label", "exact", False),
])
def test_clinical_resistance_of_another_alteration_sets_aside_lower_levels(etype, label,
                                                                          match_type, strong):
    r = res(alt="A2", etype=etype, label=label, match_type=match_type, level="R2")
    assert aside([m("S", alt="A1", level="3A"), r]) == ({"S"} if strong else set())


@pytest.mark.parametrize("sens_level,set_aside", [("1", False), ("2", False), ("3A", True),
                                                  ("3B", True), ("4", True)])
def test_r2_across_alterations_spares_level_1_and_2(sens_level, set_aside):
    r = res(alt="A2", match_type="exact")
    assert _resistance_sets_aside(r, m("S", alt="A1", level=sens_level)) is set_aside


def test_r2_never_sets_aside_its_own_alteration():
    """On the same alteration `_supersede` decides (broader sensitivity only)."""
    assert _resistance_sets_aside(res(alt="A1", match_type="exact"),
                                  m("S", alt="A1", level="3A", match_type="gene")) is False


def test_resistance_must_name_drugs_of_the_option():
    s = m("S", alt="A1", therapy=("drug-a", "drug-b"), level="3A")
    assert _resistance_sets_aside(res(alt="A2", therapy=("drug-a",)), s) is True
    assert _resistance_sets_aside(res(alt="A2", therapy=("drug-a", "drug-b")), s) is True
    assert _resistance_sets_aside(res(alt="A2", therapy=("drug-c",)), s) is False
    assert _resistance_sets_aside(res(alt="A2", therapy=("drug-a", "drug-c")), s) is False
    assert _resistance_sets_aside(res(alt="A2", therapy=()), s) is False


@pytest.mark.parametrize("sens_level,sens_label,res_label,set_aside", [
    ("1", "tumor-agnostic", "on-label", False),   # the NSCLC limitation vs MSI-H pembrolizumab
    ("2", "tumor-agnostic", "on-label", False),
    ("1", "tumor-agnostic", "tumor-agnostic", True),  # a tumor-agnostic limitation reaches it
    ("1", "on-label", "on-label", True),
    ("3A", "tumor-agnostic", "on-label", True),
    ("3A", "on-label", "on-label", True),
])
def test_r1_of_another_alteration(sens_level, sens_label, res_label, set_aside):
    r = res(alt="A2", level="R1", etype="fda", label=res_label)
    s = m("S", alt="A1", level=sens_level, label=sens_label)
    assert _resistance_sets_aside(r, s) is set_aside


@pytest.mark.parametrize("res_type,sens_type,sens_level,therapy,set_aside", [
    # a labelled match stands unless the resistance is strictly more specific
    ("exact", "gene", "1", ("drug-a",), True),
    ("exact", "exact", "1", ("drug-a",), False),
    ("codon", "exact", "1", ("drug-a",), False),
    ("exact", "codon", "2", ("drug-a",), True),
    ("gene", "exact", "2", ("drug-a",), False),
    # below level 2: also set aside when it names exactly the resistant drug set
    ("gene", "exact", "3A", ("drug-a",), True),
    ("gene", "exact", "3A", ("drug-a", "drug-b"), False),
    ("exact", "gene", "3A", ("drug-a", "drug-b"), True),
    ("exact", "exact", "3A", ("drug-a", "drug-b"), False),
])
def test_r1_of_the_same_alteration(res_type, sens_type, sens_level, therapy, set_aside):
    r = res(alt="A1", level="R1", etype="fda", match_type=res_type)
    s = m("S", alt="A1", level=sens_level, match_type=sens_type, therapy=therapy)
    assert _resistance_sets_aside(r, s) is set_aside


def test_any_r1_is_strong_whatever_its_type():
    r = res(alt="A2", level="R1", etype="guideline", match_type="gene", label="on-label")
    assert aside([m("S", alt="A1", level="3A"), r]) == {"S"}
    assert aside([m("S", alt="A1", level="3A")]) == set()


# ----------------------------------------------------------------------------- end to end
T790M = {"type": "variant", "changes": ["T790M"]}
ANY = {"type": "any"}


def egfr(change="T790M", aid="A1"):
    return variant("EGFR", change, "missense", aid=aid)


def test_t790m_style_resistance_sets_broader_sensitivity_aside_with_a_note():
    kb = kb_of(ev("SENS", "EGFR", alteration=ANY, therapy=("drug-a",)),
               ev("RES", "EGFR", alteration=T790M, therapy=("drug-a",), direction="resistance"))
    result = run(kb, [egfr()], "LUAD")
    assert levels(result) == {}
    assert [(r.evidence_id, r.level) for r in result.resistance] == [("RES", "R2")]
    reason = result.alterations[0].reason
    assert "Broader sensitivity evidence for drug-a (SENS) is set aside" in reason
    assert "resistance marker" in reason
    # another tumor type: the resistance is R2 off-label there and sets nothing aside
    other = run(kb, [egfr()], "BRCA")
    assert levels(other) == {"drug-a": "3B"}
    assert "set aside" not in (other.alterations[0].reason or "")


@pytest.mark.parametrize("res_scope,res_type,res_etype,kept", [
    (("LUAD",), "clinical", "clinical", False),
    (("LUAD",), "preclinical", "preclinical", True),   # the "not preclinical" branch
    (("SOLID",), "fda", "fda", False),                 # the tumor-agnostic R1 branch
    (("SOLID",), "clinical", "clinical", True),        # pan-cancer R2 does not reach it
])
def test_the_precedence_branches_end_to_end(res_scope, res_type, res_etype, kept):
    kb = kb_of(ev("SENS", "EGFR", alteration=ANY, therapy=("drug-a",)),
               ev("RES", "EGFR", alteration=T790M, therapy=("drug-a",), direction="resistance",
                  evidence_type=res_etype, scope=res_scope))
    result = run(kb, [egfr()], "LUAD")
    assert levels(result) == ({"drug-a": "3A"} if kept else {})
    reason = result.alterations[0].reason or ""
    # set aside by _supersede (the alteration's own broader evidence), not across alterations
    assert ("Broader sensitivity evidence" in reason) is (not kept)


def test_resistance_of_one_alteration_sets_aside_another_alterations_option():
    """ABL1 T315I beside BCR::ABL1 style: an R1 of one alteration sets aside the sensitivity
    another alteration has for the same drug, and that alteration's outcome says why."""
    kb = kb_of(ev("SENS", "EGFR", alteration={"type": "variant", "changes": ["L858R"]},
                  therapy=("drug-a",), evidence_type="fda"),
               ev("RES", "EGFR", alteration={"type": "variant", "changes": ["C797S"]},
                  therapy=("drug-a",), direction="resistance", evidence_type="guideline"))
    one = run(kb, [egfr("L858R", "A1")], "LUAD")
    assert levels(one) == {"drug-a": "1"}
    both = run(kb, [egfr("L858R", "A1"), egfr("C797S", "A2")], "LUAD")
    assert levels(both) == {}
    assert "Sensitivity to drug-a (SENS) is set aside: EGFR C797S in this report confers " \
           "resistance to it (RES, level R1)." in both.alterations[0].reason


# ----------------------------------------------------------------------------- set-aside notes
def test_the_set_aside_note_names_each_drug_set_resistance_and_alteration():
    """Two drug sets of one alteration set aside by R1 of two other alterations: one note per
    drug set, naming every resistance (with its level) and every alteration behind it, after the
    alteration's own reason."""
    l858r = {"type": "variant", "changes": ["L858R"]}
    kb = kb_of(
        ev("S1", "EGFR", alteration=l858r, therapy=("drug-a",), evidence_type="fda"),
        ev("S2", "EGFR", alteration=l858r, therapy=("drug-b", "drug-c"), evidence_type="fda"),
        ev("S3", "EGFR", alteration=l858r, therapy=("drug-a",), evidence_type="guideline"),
        ev("R1", "EGFR", alteration={"type": "variant", "changes": ["C797S"]},
           therapy=("drug-a",), direction="resistance", evidence_type="guideline"),
        ev("R2", "EGFR", alteration={"type": "variant", "changes": ["T790M"]},
           therapy=("drug-a",), direction="resistance", evidence_type="fda"),
        ev("R3", "EGFR", alteration={"type": "variant", "changes": ["T790M"]},
           therapy=("drug-c",), direction="resistance", evidence_type="fda"),
        ev("X", "EGFR", alteration={"type": "variant", "changes": ["C797S"]},
           therapy=("drug-x",)))
    alts = [variant("EGFR", "L858R", aid="A1"), variant("EGFR", "C797S", aid="A2"),
            variant("EGFR", "T790M", aid="A3")]
    result = run(kb, alts, "LUAD")
    assert levels(result) == {"drug-x": "3A"}
    reason = result.alterations[0].reason
    assert reason == (
        "Sensitivity to drug-a (S1, S3) is set aside: EGFR C797S in this report confers "
        "resistance to it (R1, level R1)."
        " Sensitivity to drug-b + drug-c (S2) is set aside: EGFR T790M in this report confers "
        "resistance to it (R3, level R1).")
    # the alteration's own reason is kept before the notes
    kb2 = kb_of(*kb.all_evidence(),
                ev("SQ", "EGFR", alteration={"type": "any"}, therapy=("drug-q",)),
                ev("RQ", "EGFR", alteration=l858r, therapy=("drug-q",), direction="resistance"))
    reason = run(kb2, alts, "LUAD").alterations[0].reason
    assert reason.startswith("Broader sensitivity evidence for drug-q (SQ) is set aside: EGFR "
                             "L858R itself is reported to confer resistance to it in this tumor "
                             "type (RQ). Sensitivity to drug-a (S1, S3) is set aside")


def test_the_set_aside_note_lists_every_resistance_and_alteration_of_a_drug_set():
    l858r = {"type": "variant", "changes": ["L858R"]}
    kb = kb_of(
        ev("S1", "EGFR", alteration=l858r, therapy=("drug-a",)),  # 3A
        ev("S3", "EGFR", alteration=l858r, therapy=("drug-a",), evidence_type="fda"),  # 1
        ev("RA", "EGFR", alteration={"type": "variant", "changes": ["C797S"]},
           therapy=("drug-a",), direction="resistance"),  # R2: not against level 1
        ev("RB", "EGFR", alteration={"type": "variant", "changes": ["T790M"]},
           therapy=("drug-a",), direction="resistance", evidence_type="guideline"))  # R1
    alts = [variant("EGFR", "L858R", aid="A1"), variant("EGFR", "C797S", aid="A2"),
            variant("EGFR", "T790M", aid="A3")]
    result = run(kb, alts, "LUAD")
    assert levels(result) == {}
    assert result.alterations[0].reason == (
        "Sensitivity to drug-a (S1, S3) is set aside: EGFR C797S, EGFR T790M in this report "
        "confers resistance to it (RA, level R2, RB, level R1).")
