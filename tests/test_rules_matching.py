"""Criterion matching rules not pinned in test_rules_criteria.py (issue 18), and the engine's
steps around them: combination (`all_of`) evidence through `match()`, origin, fusions,
oncogenicity gates, label-layer resistance, reviewed-benign calls, the match limit and each
alteration's status. Hand-built evidence and alterations throughout."""

from __future__ import annotations

import pytest

from matcher.engine import (
    SMALL_VARIANT_EXCLUDED,
    TooManyMatches,
    _any_of_match,
    criterion_match,
    match,
)
from matcher.kb.criteria import parse_criterion
from matcher.model import Oncogenicity
from tests.rules_kb import (
    copy_number,
    crit,
    ev,
    fusion,
    kb_of,
    levels,
    run,
    signature,
    tumor,
    variant,
)

VUS = Oncogenicity("vus", "test", "default")
V600E = {"type": "variant", "changes": ["V600E"]}
H1047R = {"type": "variant", "changes": ["H1047R"]}


# ----------------------------------------------------------------------------- all_of
def combo_kb(**kw):
    return kb_of(ev("COMBO", "BRAF", alteration={"type": "all_of", "items": [
        {"gene": "BRAF", "alteration": V600E}, {"gene": "PIK3CA", "alteration": H1047R}]},
        therapy=("drug-a", "drug-b"), **kw))


BRAF = variant("BRAF", "V600E", aid="A1")
PIK3CA = variant("PIK3CA", "H1047R", aid="A2")


def test_combination_evidence_needs_every_alteration():
    kb = combo_kb()
    assert levels(run(kb, [BRAF])) == {}
    assert levels(run(kb, [PIK3CA])) == {}
    assert levels(run(kb, [BRAF, variant("PIK3CA", "E545K", aid="A2")])) == {}
    result = run(kb, [BRAF, PIK3CA])
    assert levels(result) == {"drug-a + drug-b": "3A"}
    (opt,) = result.therapy_options
    assert opt.alteration_ids == ("A1", "A2")
    assert {x.match_type for x in opt.matches} == {"combination"}
    assert [o.status for o in result.alterations] == ["matched", "matched"]


def test_combination_evidence_takes_one_alteration_per_part():
    result = run(combo_kb(), [BRAF, variant("BRAF", "V600E", aid="A3"), PIK3CA])
    (opt,) = result.therapy_options
    assert opt.alteration_ids == ("A1", "A2")


def test_combination_evidence_of_filtered_or_unknown_calls_does_not_match():
    from dataclasses import replace

    kb = combo_kb()
    assert levels(run(kb, [BRAF, replace(PIK3CA, filter_reason="low VAF")])) == {}
    assert levels(run(kb, [BRAF, replace(PIK3CA, not_assessable="unreadable")])) == {}
    assert levels(run(kb, [BRAF, replace(PIK3CA, gene_known=False)])) == {}


# ----------------------------------------------------------------------------- origin
@pytest.mark.parametrize("crit_origin,alt_origin,met", [
    ("germline", "germline", True), ("germline", "unknown", True),
    ("germline", "somatic", False), ("somatic", "germline", False),
    ("somatic", "somatic", True), (None, "germline", True), (None, "somatic", True),
])
def test_an_origin_criterion_refuses_a_call_of_the_other_origin(crit_origin, alt_origin, met):
    raw = {"type": "variant", "changes": ["V600E"]}
    if crit_origin:
        raw["origin"] = crit_origin
    assert (criterion_match(crit(raw), "BRAF", variant(origin=alt_origin)) == "exact") is met


# ----------------------------------------------------------------------------- kinds
def test_a_variant_criterion_needs_a_variant_of_the_gene():
    c = crit(V600E)
    assert criterion_match(c, "BRAF", variant()) == "exact"
    assert criterion_match(c, "KRAS", variant()) is None
    assert criterion_match(c, "BRAF", variant("BRAF", "V600K")) is None
    assert criterion_match(c, "BRAF", variant("BRAF", None, "missense")) is None
    assert criterion_match(c, "BRAF", copy_number("BRAF", "amplification")) is None
    assert criterion_match(crit({"type": "any"}), "BRAF", copy_number("BRAF", "gain")) is None


def test_copy_number_needs_the_gene_and_a_listed_state():
    c = crit({"type": "copy_number", "states": ["amplification", "gain"]})
    assert criterion_match(c, "ERBB2", copy_number("ERBB2", "gain")) == "copy_number"
    assert criterion_match(c, "MET", copy_number("ERBB2", "amplification")) is None
    assert criterion_match(c, "ERBB2", variant("ERBB2", "S310F")) is None


def test_a_signature_criterion_needs_a_signature_of_that_name():
    c = crit({"type": "signature", "signature": "TMB", "min": 10})
    assert criterion_match(c, None, signature("TMB", 12)) == "signature"
    assert criterion_match(c, None, signature("PDL1_TPS", 12)) is None
    assert criterion_match(c, "BRAF", variant()) is None


def test_a_categorical_signature_ignores_thresholds():
    c = crit({"type": "signature", "signature": "HRD", "values": ["positive"]})
    assert criterion_match(c, None, signature("HRD", "positive")) == "signature"
    assert criterion_match(c, None, signature("HRD", "negative")) is None


# ----------------------------------------------------------------------------- fusions
@pytest.mark.parametrize("alt,gene,expected", [
    (fusion("EML4", "ALK"), "ALK", "fusion_any"),
    (fusion("EML4", "ALK"), "EML4", "fusion_any"),       # any gene of the pair is looked at
    (fusion("EML4", "ALK"), "ROS1", None),
    (fusion("ALK", "EML4"), "ALK", None),                # kinase named 5': not its product
    (fusion("ALK", "EML4", order_known=False), "ALK", "fusion_any"),  # order unknown: matched
    (fusion("FGFR3", "TACC3"), "FGFR3", "fusion_any"),   # FGFR acts from either side
    (fusion("PML", "RARA"), "PML", "fusion_any"),        # non-kinase drivers: either side
])
def test_fusion_any_partner(alt, gene, expected):
    assert criterion_match(crit({"type": "fusion"}), gene, alt) == expected


def test_a_fusion_criterion_with_a_partner_needs_that_partner():
    c = crit({"type": "fusion", "partner": "EML4"})
    assert criterion_match(c, "ALK", fusion("EML4", "ALK")) == "fusion_partner"
    assert criterion_match(c, "ALK", fusion("KIF5B", "ALK")) is None
    assert criterion_match(c, "ALK", variant("ALK", "F1174L")) is None
    assert criterion_match(crit({"type": "fusion"}), "ALK", variant("ALK", "F1174L")) is None


def test_a_5prime_kinase_fusion_says_why_nothing_matched():
    kb = kb_of(ev("ALK", "ALK", alteration={"type": "fusion"}))
    result = run(kb, [fusion("ALK", "EML4")])
    assert levels(result) == {}
    assert "ALK is the 5′ partner: the kinase domain is not expected" in \
        result.alterations[0].reason
    assert levels(run(kb, [fusion("EML4", "ALK")])) == {"drug-a": "3A"}


# ----------------------------------------------------------------------------- oncogenic gates
@pytest.mark.parametrize("raw,call", [
    ({"type": "any"}, variant("BRAF", "G469A")),
    ({"type": "consequence", "classes": ["missense"]}, variant("BRAF", "G469A")),
    ({"type": "region", "start": 400, "end": 500}, variant("BRAF", "G469A")),
    ({"type": "exon", "exons": [11]}, variant("BRAF", "G469A", exon=11)),
])
def test_broad_criteria_need_an_oncogenic_call(raw, call):
    from dataclasses import replace

    c = crit(raw)
    assert criterion_match(c, "BRAF", call) is not None
    assert criterion_match(c, "BRAF", replace(call, oncogenicity=VUS)) is None
    assert criterion_match(c, "BRAF", replace(call, oncogenicity=None)) is None


def test_named_alleles_apply_to_a_vus_as_written():
    from dataclasses import replace

    vus = replace(variant("BRAF", "V600E"), oncogenicity=VUS)
    assert criterion_match(crit(V600E), "BRAF", vus) == "exact"
    assert criterion_match(crit({"type": "codon", "codons": [600]}), "BRAF", vus) == "codon"
    assert criterion_match(crit({"type": "hotspot", "changes": ["V600E"]}), "BRAF", vus) == \
        "exact"


def test_the_consequence_criterion():
    c = crit({"type": "consequence", "classes": ["loss_of_function"]})
    for cons in ("nonsense", "frameshift", "splice", "start_lost"):
        assert criterion_match(c, "TSC2", variant("TSC2", "Q1178*", cons)) == "consequence"
    for cons in ("missense", "inframe_deletion", "synonymous", "stop_lost"):
        assert criterion_match(c, "TSC2", variant("TSC2", "Q1178*", cons)) is None


def test_any_mutation_takes_every_class_but_silent_ones():
    assert SMALL_VARIANT_EXCLUDED == {"synonymous", "other", "exon_loss"}
    c = crit({"type": "any"})
    for cons in ("missense", "nonsense", "frameshift", "inframe_deletion", "inframe_insertion",
                 "inframe_delins", "splice", "start_lost", "stop_lost", "codon"):
        assert criterion_match(c, "BRAF", variant("BRAF", "V600E", cons)) == "gene", cons
    no_class = variant("BRAF", "V600E", None)
    assert criterion_match(c, "BRAF", no_class) is None


def test_a_region_with_classes_and_a_call_without_a_position():
    c = crit({"type": "region", "start": 10, "end": 20, "consequences": ["missense"]})
    assert criterion_match(c, "KIT", variant("KIT", "A15V", "missense")) == "region"
    assert criterion_match(c, "KIT", variant("KIT", "A15fs", "frameshift")) is None
    assert criterion_match(c, "KIT", variant("KIT", None, "missense")) is None


def test_an_exon_criterion_without_classes_takes_any_class():
    c = crit({"type": "exon", "exons": [11, 13]})
    assert criterion_match(c, "KIT", variant("KIT", "W557_K558del", "inframe_deletion",
                                             exon=11)) == "exon"
    assert criterion_match(c, "KIT", variant("KIT", "K642E", "missense", exon=13)) == "exon"
    assert criterion_match(c, "KIT", variant("KIT", "D816V", "missense", exon=17)) is None
    assert criterion_match(c, "KIT", variant("KIT", "D816V", "missense", exon=None)) is None


def test_a_hotspot_criterion_with_changes_is_also_met_by_other_hotspots():
    c = crit({"type": "hotspot", "changes": ["G12C"]})
    assert criterion_match(c, "KRAS", variant("KRAS", "G13D", hotspot=True)) == "hotspot"
    assert criterion_match(c, "KRAS", variant("KRAS", "G13D", hotspot=False)) is None


# ----------------------------------------------------------------------------- any_of
def test_any_of_reports_the_gene_of_the_part_met():
    c = crit({"type": "any_of", "items": [
        {"gene": "BRCA1", "alteration": {"type": "any"}},
        {"gene": "BRCA2", "alteration": {"type": "any"}}]})
    assert _any_of_match(c, variant("BRCA2", "Q123*", "nonsense")) == ("gene", "BRCA2")
    assert _any_of_match(c, variant("ATM", "Q123*", "nonsense")) == (None, None)
    kb = kb_of(ev("HRR", "BRCA1", alteration={"type": "any_of", "items": [
        {"gene": "BRCA1", "alteration": {"type": "any"}},
        {"gene": "BRCA2", "alteration": {"type": "any"}}]}))
    result = run(kb, [variant("BRCA2", "Q123*", "nonsense")])
    assert result.therapy_options[0].matches[0].gene == "BRCA2"


def test_any_of_keeps_the_first_of_equally_specific_parts():
    c = crit({"type": "any_of", "items": [
        {"gene": "EGFR", "alteration": {"type": "variant", "changes": ["L858R"]}},
        {"gene": "EGFR", "alteration": {"type": "codon", "codons": [858]}},
        {"gene": "EGFR", "alteration": {"type": "variant", "changes": ["L858R"]}}]})
    assert _any_of_match(c, variant("EGFR", "L858R")) == ("exact", "EGFR")


# ----------------------------------------------------------------------------- engine steps
def test_label_layer_resistance_speaks_only_for_its_own_tumor_types():
    kb = kb_of(ev("LIMIT", direction="resistance", evidence_type="fda", source="approvals",
                  scope=("COADREAD",)),
               ev("CUR", direction="resistance", source="curated", scope=("COADREAD",),
                  therapy=("drug-b",)),
               ev("SENS", direction="sensitivity", source="approvals", evidence_type="fda",
                  scope=("COADREAD",), therapy=("drug-c",)))
    here = run(kb, [variant()], "COADREAD")
    assert [(r.evidence_id, r.level) for r in here.resistance] == [("LIMIT", "R1"),
                                                                    ("CUR", "R2")]
    elsewhere = run(kb, [variant()], "LUAD")
    assert [(r.evidence_id, r.level) for r in elsewhere.resistance] == [("CUR", "R2")]
    assert levels(elsewhere) == {"drug-c": "3B"}


def test_reviewed_benign_calls_take_curated_evidence_only():
    from dataclasses import replace

    kb = kb_of(ev("CIVIC", source="civic", therapy=("drug-a",)),
               ev("CUR", source="curated", therapy=("drug-b",)))
    benign = Oncogenicity("likely_benign", "ClinVar", "clinvar")
    assert levels(run(kb, [replace(variant(), oncogenicity=benign)])) == {"drug-b": "3A"}
    unreviewed = Oncogenicity("likely_benign", "rule", "rule")
    assert levels(run(kb, [replace(variant(), oncogenicity=unreviewed)])) == \
        {"drug-a": "3A", "drug-b": "3A"}
    pathogenic = Oncogenicity("oncogenic", "ClinVar", "clinvar")
    assert levels(run(kb, [replace(variant(), oncogenicity=pathogenic)])) == \
        {"drug-a": "3A", "drug-b": "3A"}


def test_the_match_limit_allows_exactly_the_limit():
    kb = kb_of(ev("E1", therapy=("drug-a",)), ev("E2", therapy=("drug-b",)))
    args = ([variant()], kb, tumor("LUAD"))
    assert len(match(*args, report_id="X", max_matches=2).therapy_options) == 2
    with pytest.raises(TooManyMatches) as info:
        match(*args, report_id="X", max_matches=1)
    assert info.value.found == 2


def test_each_alteration_gets_a_status_and_a_reason():
    from dataclasses import replace

    kb = kb_of(ev("SENS", therapy=("drug-a",)),
               ev("RES", "KRAS", alteration={"type": "variant", "changes": ["G12C"]},
                  direction="resistance", therapy=("drug-r",)))
    result = run(kb, [variant(aid="A1"),
                      replace(variant(aid="A2"), filter_reason="VAF 0.01 below 0.05"),
                      replace(variant(aid="A3"), not_assessable="cannot read"),
                      variant("KRAS", "G12C", aid="A4"),
                      variant("TP53", "R175H", aid="A5"),
                      variant("BRAF", "V600=", "synonymous", aid="A6"),
                      variant("BRAF", "G469A", aid="A7")], "LUAD")
    got = {o.alteration.id: (o.status, o.reason) for o in result.alterations}
    assert got["A1"] == ("matched", None)
    assert result.alterations[0].match_ids == ("SENS",)
    assert got["A2"] == ("filtered", "VAF 0.01 below 0.05")
    assert got["A3"] == ("not_assessable", "cannot read")
    assert got["A4"] == ("matched", "resistance marker: see resistance evidence")
    assert got["A5"] == ("no_evidence", "Oncogenicity: likely oncogenic; test. "
                         "No targeted-therapy evidence for TP53 in the knowledge base.")
    assert got["A6"][0] == "no_evidence"
    assert got["A6"][1].endswith("Synonymous change: no effect on the protein expected.")
    assert got["A7"][0] == "no_evidence"
    assert got["A7"][1].endswith("BRAF G469A is not an alteration the knowledge base links to "
                                 "a therapy (variant of unknown therapeutic significance).")
    assert levels(result) == {"drug-a": "3A"}  # the filtered and unassessable copies add none
    assert result.therapy_options[0].alteration_ids == ("A1",)


def test_a_signature_without_evidence_says_what_would_be_needed():
    kb = kb_of(ev("TMB", None, alteration={"type": "signature", "signature": "TMB", "min": 10},
                  scope=("SOLID",)),
               ev("TMB20", None, alteration={"type": "signature", "signature": "TMB", "min": 20},
                  scope=("SOLID",)),
               ev("TMBR", None, alteration={"type": "signature", "signature": "TMB", "min": 50},
                  scope=("SOLID",), direction="resistance"))
    result = run(kb, [signature("TMB", 4)], "THAP")
    assert result.alterations[0].status == "no_evidence"
    assert result.alterations[0].reason == \
        "TMB 4 does not meet the criterion of any KB evidence (TMB >= 10; TMB >= 20)."


# ----------------------------------------------------------------------------- why not
def test_why_nothing_matched():
    from dataclasses import replace

    from tests.rules_kb import fusion, signature

    kb = kb_of(ev("NRG1", "NRG1", alteration={"type": "fusion"}),
               ev("TMB", None, alteration={"type": "signature", "signature": "TMB", "min": 10}),
               no_therapy={"TP53": "TP53: no targeted therapy (test reason)."})
    alts = [replace(variant("FOO1", "R12H", aid="A1"), gene_known=False),
            fusion("NRG1", "CD74", aid="A2"),
            fusion("ETV6", "NTRK3", aid="A3"),
            signature("MSI", "MSI-H", aid="A4"),
            variant("TP53", "R175H", aid="A5")]
    reasons = {o.alteration.id: o.reason for o in run(kb, alts, "LUAD").alterations}
    assert reasons["A1"].endswith(
        "Gene symbol not recognised by HGNC: not matched (check the symbol).")
    assert reasons["A2"] == ("NRG1 is the 5′ partner: the EGF-like domain is not expected in "
                             "this fusion product; no matched therapy.")
    assert reasons["A3"] == "No targeted-therapy evidence for NTRK3 in the knowledge base."
    assert reasons["A4"] == "No targeted-therapy evidence for this signature in the knowledge base."
    assert reasons["A5"].endswith("TP53: no targeted therapy (test reason).")
    assert {o.alteration.id: o.status for o in run(kb, alts, "LUAD").alterations} == {
        a.id: "no_evidence" for a in alts}


def test_single_criteria_through_evidence_matches():
    from matcher.engine import _evidence_matches

    e = ev("E1", alteration={"type": "codon", "codons": [600]})
    alts = [variant(aid="A1"), variant("BRAF", "V600K", aid="A2"), variant("BRAF", "T599I",
                                                                           aid="A3"),
            variant("KRAS", "V600E", aid="A4")]
    assert [(a.id, m) for a, m in _evidence_matches(e, alts)] == [("A1", "codon"),
                                                                  ("A2", "codon")]


def test_too_many_matches_says_how_many():
    from matcher.engine import TooManyMatches

    assert str(TooManyMatches(7)) == "7 evidence matches"


def test_any_of_keeps_the_first_part_gene_when_two_genes_meet_it_equally():
    c = crit({"type": "any_of", "items": [{"gene": "ALK", "alteration": {"type": "fusion"}},
                                          {"gene": "EML4", "alteration": {"type": "fusion"}}]})
    assert _any_of_match(c, fusion("EML4", "ALK")) == ("fusion_any", "ALK")
    c = crit({"type": "any_of", "items": [{"gene": "EML4", "alteration": {"type": "fusion"}},
                                          {"gene": "ALK", "alteration": {"type": "fusion"}}]})
    assert _any_of_match(c, fusion("EML4", "ALK")) == ("fusion_any", "EML4")


# ----------------------------------------------------------------------------- engine memos
def test_every_match_is_a_complete_match():
    """The engine builds Match objects without __init__ (model.prebuilt): each must hold every
    field, equal to the same Match built the ordinary way."""
    from dataclasses import fields

    from matcher.model import Match

    kb = kb_of(ev("E1", evidence_type="fda", approval_date="2024-01-02"),
               ev("TMB", None, alteration={"type": "signature", "signature": "TMB", "min": 10},
                  scope=("SOLID",), therapy=("drug-io",)),
               ev("PDL1", None, alteration={"type": "signature", "signature": "PDL1_TPS",
                                            "above": 1}, therapy=("drug-pd",)),
               ev("RES", direction="resistance", therapy=("drug-r",), exclude=("LUSC",),
                  trials=("NCT00000001",)))
    result = run(kb, [variant(), signature("TMB", 20, aid="S1"),
                      signature("PDL1_TPS", 50, aid="S2")], "LUAD")
    matches = [m for o in result.therapy_options for m in o.matches] + list(result.resistance)
    assert len(matches) == 4
    names = {f.name for f in fields(Match)}
    for m in matches:
        assert set(vars(m)) == names
        assert Match(**{n: getattr(m, n) for n in names}) == m
    by_id = {m.evidence_id: m for m in matches}
    assert (by_id["E1"].gene, by_id["TMB"].gene, by_id["PDL1"].gene) == ("BRAF", "", "CD274")
    e1 = by_id["E1"]
    assert (e1.criterion, e1.scope, e1.excluded, e1.statement, e1.approval_date) == (
        "BRAF V600E", ("LUAD",), (), "test statement E1", "2024-01-02")
    assert e1.citations[0].text == "hand-built test entry"
    r = by_id["RES"]
    assert (r.excluded, r.trials, r.source, r.direction, r.amp_tier) == (
        ("LUSC",), ("NCT00000001",), "curated", "resistance", "Tier II")


@pytest.mark.parametrize("first,second,met_second", [
    (variant("EGFR", "E746_A750del", "inframe_deletion", exon=19),
     variant("EGFR", "E746_A750del", "inframe_deletion", exon=20), False),
    (fusion("EML4", "ALK"), fusion("KIF5B", "ALK"), False),
    (copy_number("ALK", "amplification"), copy_number("ALK", "loss"), False),
    (signature("TMB", 12), signature("TMB", 5), False),
])
def test_a_memoised_match_is_never_reused_for_another_call(first, second, met_second):
    kb = kb_of(ev("EX", "EGFR", alteration={"type": "exon", "exons": [19]}),
               ev("FU", "ALK", alteration={"type": "fusion", "partner": "EML4"}),
               ev("CN", "ALK", alteration={"type": "copy_number", "states": ["amplification"]}),
               ev("TMB", None, alteration={"type": "signature", "signature": "TMB", "min": 10}))
    assert levels(run(kb, [first])) == {"drug-a": "3A"}
    assert bool(levels(run(kb, [second]))) is met_second


def test_a_fusion_meets_evidence_filed_under_either_partner():
    kb = kb_of(ev("EML4", "EML4", alteration={"type": "fusion"}, therapy=("drug-e",)),
               ev("ALK", "ALK", alteration={"type": "fusion"}, therapy=("drug-k",)))
    assert levels(run(kb, [fusion("EML4", "ALK")])) == {"drug-e": "3A", "drug-k": "3A"}


def test_the_memos_stay_bounded_and_right(monkeypatch):
    import matcher.engine as engine

    monkeypatch.setattr(engine, "_MEMO_LIMIT", 2)
    kb = kb_of(ev("E1", alteration={"type": "codon", "codons": [600]}))
    for change, met in [("V600E", True), ("V600K", True), ("T599I", False), ("V600D", True),
                        ("V600E", True), ("T599I", False)]:
        for code in ("LUAD", "BRCA", "THAP", "LUAD"):
            found = levels(run(kb, [variant("BRAF", change)], code))
            assert found == ({"drug-a": "3A" if code == "LUAD" else "3B"} if met else {})
        idx = kb.__dict__["_engine_index"]
        assert 1 <= len(idx.hits) <= 2 and 1 <= len(idx.levels) <= 2


def test_the_outweighed_note_names_every_item():
    kb = kb_of(
        ev("S1", "EGFR", alteration={"type": "any"}, therapy=("drug-a", "drug-b")),
        ev("S2", "EGFR", alteration={"type": "exon", "exons": [20]},
           therapy=("drug-a", "drug-b")),
        ev("S3", "EGFR", alteration={"type": "any"}, therapy=("drug-c",)),
        ev("R1", "EGFR", alteration={"type": "variant", "changes": ["T790M"]},
           therapy=("drug-a", "drug-b"), direction="resistance"),
        ev("R2", "EGFR", alteration={"type": "codon", "codons": [790]},
           therapy=("drug-a", "drug-b"), direction="resistance"),
        ev("R3", "EGFR", alteration={"type": "variant", "changes": ["T790M"]},
           therapy=("drug-c",), direction="resistance"))
    result = run(kb, [variant("EGFR", "T790M", exon=20)], "LUAD")
    assert levels(result) == {}
    assert result.alterations[0].reason == (
        "resistance marker: see resistance evidence "
        "Broader sensitivity evidence for drug-a + drug-b (S1, S2) is set aside: EGFR T790M "
        "itself is reported to confer resistance to it in this tumor type (R1). "
        "Broader sensitivity evidence for drug-c (S3) is set aside: EGFR T790M itself "
        "is reported to confer resistance to it in this tumor type (R3).")


def test_the_exon_skipping_criterion():
    from dataclasses import replace

    from matcher.kb.loader import _canonical_change
    from matcher.paths import default_reference_dir
    from matcher.reference.exons import SitesResolver

    problems: list[str] = []
    met14 = parse_criterion({"type": "exon_skipping", "exons": [14]}, "e", problems,
                            _canonical_change, "MET", SitesResolver(default_reference_dir()))
    assert problems == []
    donor = replace(variant("MET", None, "splice"),
                    variant=replace(variant("MET", None, "splice").variant, cdna="c.3028+1G>A"))
    assert criterion_match(met14, "MET", donor) == "exon_skipping"
    outside = replace(donor, variant=replace(donor.variant, cdna="c.3028+5G>A"))
    assert criterion_match(met14, "MET", outside) is None
    assert criterion_match(met14, "EGFR", donor) is None
    assert criterion_match(crit({"type": "exon_skipping", "exons": [14]}), "MET", donor) is None


def test_match_classifies_an_unclassified_variant_and_warns_exactly_without_a_tumor():
    from dataclasses import replace

    kb = kb_of(ev("E1"))
    result = run(kb, [replace(variant(), oncogenicity=None)], None)
    assert result.alterations[0].alteration.oncogenicity is not None
    assert result.warnings == (
        "No tumor type given: evidence is shown as off-label, no level above 3B.",)


def test_annotations_are_shown_beside_the_alterations_they_concern():
    from matcher.kb.knowledge import Annotation
    from matcher.model import Citation

    def note(aid, scope, kind="prognostic", raw=None):
        return Annotation(id=aid, gene="BRAF", criterion=crit(raw or {
            "type": "variant", "changes": ["V600E"]}), kind=kind, scope=scope,
            statement=f"statement {aid}",
            citations=(Citation("pmid", "123", "PMID 123"), Citation("review", "R1")))

    kb = kb_of(ev("E1"), annotations=[
        note("N1", ("THAP", "THPA")), note("N2", (), kind="diagnostic"),
        note("N3", (), raw={"type": "variant", "changes": ["V600K"]})])
    here = run(kb, [variant()], "THAP").alterations[0].reason
    assert here == ("Prognostic: statement N1 [PMID 123, R1] "
                    "Diagnostic: statement N2 [PMID 123, R1]")
    elsewhere = run(kb, [variant()], "LUAD").alterations[0].reason
    assert elsewhere == ("Prognostic: statement N1 (evidence in THAP, THPA) [PMID 123, R1] "
                         "Diagnostic: statement N2 [PMID 123, R1]")
    assert run(kb, [variant()], None).alterations[0].reason == elsewhere
    other = run(kb, [variant("BRAF", "V600K")], "THAP").alterations[0]
    assert other.status == "no_evidence"
    assert other.reason.endswith("Prognostic: statement N3 [PMID 123, R1]")


def test_what_a_result_carries():
    import datetime as dt

    from matcher import __version__
    from tests.test_rules_ranking import full_open_trial

    kb = kb_of(ev("E1"), open_trials=[full_open_trial("NCT00000004", role="tumor_type",
                                                      requires=())])
    result = run(kb, [variant()], "LUAD")
    assert (result.report_id, result.tumor_type.code, result.kb_version, result.kb_hash,
            result.matcher_version) == ("RULES-1", "LUAD", "rules-test", "0" * 64, __version__)
    assert dt.datetime.fromisoformat(result.generated_at).utcoffset() == dt.timedelta(0)
    assert [t.nct_id for t in result.open_trials] == ["NCT00000004"]
    assert [t.nct_id for t in run(kb, [variant()], "BRCA").open_trials] == []
