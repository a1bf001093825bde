"""Each rule of criterion matching pinned on hand-built criteria and alterations, both sides of
every boundary (issue 18): the tests fail when a comparison flips, a condition is dropped or a
boundary moves, whatever the shipped KB happens to contain."""

from __future__ import annotations

import pytest

from matcher.engine import _evidence_matches, criterion_match
from matcher.kb.criteria import parse_criterion
from matcher.model import (
    Alteration,
    CopyNumberDetail,
    Oncogenicity,
    ProteinChange,
    SignatureDetail,
    VariantDetail,
)


def crit(raw: dict):
    problems: list[str] = []
    c = parse_criterion(raw, "test", problems)
    assert not problems, problems
    return c


# Broad criteria (exon, region, consequence, any) need an oncogenic variant (issue 11): the rules
# here are pinned on a variant classified likely oncogenic; test_oncogenicity.py has the VUS side.
ONCOGENIC_CALL = Oncogenicity("likely_oncogenic", "test", "test")


def variant(gene: str, canonical: str | None, consequence: str, *, position: int | None = None,
            hotspot: bool = False, exon: int | None = None,
            oncogenicity: Oncogenicity | None = ONCOGENIC_CALL) -> Alteration:
    protein = None
    if canonical is not None:
        protein = ProteinChange(canonical=canonical, hgvs="p." + canonical,
                                consequence=consequence, position=position)
    return Alteration(id="A1", kind="variant", gene=gene, label=f"{gene} {canonical}",
                      original=f"{gene} {canonical}", source="test",
                      variant=VariantDetail(protein=protein, consequence=consequence,
                                            exon=exon, hotspot=hotspot),
                      oncogenicity=oncogenicity)


def signature(name: str, value) -> Alteration:
    return Alteration(id="S1", kind="signature", gene=None, label=name, original=name,
                      source="test", signature=SignatureDetail(name=name, value=value))


# ------------------------------------------------------------------------------ hotspot
@pytest.mark.parametrize("consequence", ["missense", "codon", "inframe_deletion",
                                         "inframe_insertion", "inframe_delins"])
def test_a_hotspot_criterion_is_met_by_an_activating_hotspot_call(consequence):
    alt = variant("KRAS", "G12X", consequence, position=12, hotspot=True)
    assert criterion_match(crit({"type": "hotspot"}), "KRAS", alt) == "hotspot"


@pytest.mark.parametrize("consequence", ["nonsense", "frameshift", "splice", "synonymous"])
def test_a_hotspot_criterion_is_not_met_by_a_truncating_or_splice_hotspot_call(consequence):
    alt = variant("KRAS", "G12X", consequence, position=12, hotspot=True)
    assert criterion_match(crit({"type": "hotspot"}), "KRAS", alt) is None


def test_a_hotspot_criterion_needs_the_hotspot_flag_or_a_named_change():
    c = crit({"type": "hotspot", "changes": ["G12C"]})
    assert criterion_match(c, "KRAS", variant("KRAS", "G13V", "missense", position=13)) is None
    assert criterion_match(c, "KRAS", variant("KRAS", "G12C", "missense", position=12)) == "exact"
    assert criterion_match(c, "NRAS", variant("KRAS", "G12C", "missense", position=12)) is None


# ------------------------------------------------------------------------------ codon
def test_a_codon_criterion_accepts_a_codon_only_call_and_missense_at_the_codon():
    c = crit({"type": "codon", "codons": [600]})
    assert criterion_match(c, "BRAF", variant("BRAF", "V600", "codon", position=600)) == "codon"
    assert criterion_match(c, "BRAF", variant("BRAF", "V600K", "missense", position=600)) \
        == "codon"
    assert criterion_match(c, "BRAF", variant("BRAF", "T599I", "missense", position=599)) is None
    assert criterion_match(c, "BRAF", variant("BRAF", "V600fs", "frameshift", position=600)) \
        is None  # not a missense/codon call unless the criterion names the class


def test_a_codon_criterion_with_classes_takes_only_those():
    c = crit({"type": "codon", "codons": [600], "consequences": ["frameshift"]})
    assert criterion_match(c, "BRAF", variant("BRAF", "V600fs", "frameshift", position=600)) \
        == "codon"
    assert criterion_match(c, "BRAF", variant("BRAF", "V600E", "missense", position=600)) is None


# ------------------------------------------------------------------------------ region
@pytest.mark.parametrize("position,met", [(9, False), (10, True), (15, True), (20, True),
                                          (21, False)])
def test_a_region_includes_both_ends(position, met):
    c = crit({"type": "region", "start": 10, "end": 20})
    alt = variant("KIT", f"X{position}Y", "missense", position=position)
    assert (criterion_match(c, "KIT", alt) == "region") is met


# ------------------------------------------------------------------------------ exon
def test_an_exon_criterion_needs_the_exon_and_the_class():
    c = crit({"type": "exon", "exons": [19], "consequences": ["inframe_deletion"]})
    assert criterion_match(c, "EGFR", variant("EGFR", "E746_A750del", "inframe_deletion",
                                              position=746, exon=19)) == "exon"
    assert criterion_match(c, "EGFR", variant("EGFR", "E746_A750del", "inframe_deletion",
                                              position=746, exon=20)) is None
    assert criterion_match(c, "EGFR", variant("EGFR", "L747P", "missense", position=747,
                                              exon=19)) is None


# ------------------------------------------------------------------------------ any
@pytest.mark.parametrize("consequence", ["synonymous", "other", "exon_loss"])
def test_any_mutation_is_not_met_by_a_silent_or_unclassified_call(consequence):
    alt = variant("BRAF", "V600=", consequence, position=600, hotspot=True)
    assert criterion_match(crit({"type": "any"}), "BRAF", alt) is None


def test_any_mutation_names_the_gene():
    alt = variant("BRAF", "V600E", "missense", position=600, hotspot=True)
    assert criterion_match(crit({"type": "any"}), "BRAF", alt) == "gene"
    assert criterion_match(crit({"type": "any"}), "KRAS", alt) is None


# ------------------------------------------------------------------------------ copy number
def test_copy_number_states():
    c = crit({"type": "copy_number", "states": ["amplification"]})
    amp = Alteration(id="C1", kind="copy_number", gene="ERBB2", label="ERBB2 amplification",
                     original="ERBB2 amp", source="test",
                     copy_number=CopyNumberDetail(state="amplification"))
    loss = Alteration(id="C2", kind="copy_number", gene="ERBB2", label="ERBB2 deletion",
                      original="ERBB2 del", source="test",
                      copy_number=CopyNumberDetail(state="deletion"))
    assert criterion_match(c, "ERBB2", amp) == "copy_number"
    assert criterion_match(c, "ERBB2", loss) is None


# ------------------------------------------------------------------------------ signatures
@pytest.mark.parametrize("value,met", [(9.99, False), (10, True), (10.01, True)])
def test_a_minimum_is_inclusive(value, met):
    """TMB-H is 'at least 10 mutations/Mb' (the FDA cut-off): exactly 10 meets it."""
    c = crit({"type": "signature", "signature": "TMB", "min": 10})
    assert (criterion_match(c, None, signature("TMB", value)) == "signature") is met


@pytest.mark.parametrize("value,met", [(0, False), (0.5, True), (1, True)])
def test_above_is_exclusive(value, met):
    """PD-L1 'above 0': a TPS of 0 is no expression."""
    c = crit({"type": "signature", "signature": "PDL1_TPS", "above": 0})
    assert (criterion_match(c, None, signature("PDL1_TPS", value)) == "signature") is met


def test_a_categorical_signature_needs_a_listed_value():
    c = crit({"type": "signature", "signature": "MSI", "values": ["MSI-H"]})
    assert criterion_match(c, None, signature("MSI", "MSI-H")) == "signature"
    assert criterion_match(c, None, signature("MSI", "MSS")) is None
    assert criterion_match(c, None, signature("TMB", "MSI-H")) is None


# ------------------------------------------------------------------------------ composites
class _Ev:
    """The two fields of an Evidence item that matching reads."""

    def __init__(self, gene, criterion):
        self.gene = gene
        self.criterion = criterion


def test_all_of_needs_every_part():
    c = crit({"type": "all_of", "items": [
        {"gene": "BRAF", "alteration": {"type": "variant", "changes": ["V600E"]}},
        {"gene": "PIK3CA", "alteration": {"type": "variant", "changes": ["H1047R"]}}]})
    braf = variant("BRAF", "V600E", "missense", position=600, hotspot=True)
    pik3ca = variant("PIK3CA", "H1047R", "missense", position=1047, hotspot=True)
    ev = _Ev(None, c)
    assert _evidence_matches(ev, [braf]) == []
    assert _evidence_matches(ev, [pik3ca]) == []
    both = _evidence_matches(ev, [braf, pik3ca])
    assert [(a.gene, m) for a, m in both] == [("BRAF", "combination"), ("PIK3CA", "combination")]


def test_any_of_takes_the_most_specific_part():
    c = crit({"type": "any_of", "items": [
        {"gene": "EGFR", "alteration": {"type": "exon", "exons": [19]}},
        {"gene": "EGFR", "alteration": {"type": "variant", "changes": ["L858R"]}}]})
    l858r = variant("EGFR", "L858R", "missense", position=858, exon=21)
    del19 = variant("EGFR", "E746_A750del", "inframe_deletion", position=746, exon=19)
    other = variant("EGFR", "G719S", "missense", position=719, exon=18)
    assert criterion_match(c, "EGFR", l858r) == "exact"
    assert criterion_match(c, "EGFR", del19) == "exon"
    assert criterion_match(c, "EGFR", other) is None


# ------------------------------------------------------------------------------ end to end
@pytest.mark.parametrize("tmb,level_one", [(9.9, False), (10, True), (10.1, True)])
def test_tmb_at_the_label_cut_off_gets_the_tumor_agnostic_option(match_doc, tmb, level_one):
    result = match_doc({"tumor_type": "THAP", "biomarkers": {"tmb": tmb}})
    levels = {o.name: o.level for o in result.therapy_options}
    assert (levels.get("pembrolizumab") == "1") is level_one, levels


# ------------------------------------------------------------------------------ parsing
def problems_of(raw) -> list[str]:
    problems: list[str] = []
    parse_criterion(raw, "e.alteration", problems)
    return problems


@pytest.mark.parametrize("start,end,ok", [(10, 20, True), (10, 10, True), (11, 10, False),
                                          (0, 10, False), (1, 1, True), ("1", 10, False),
                                          (1, None, False)])
def test_a_region_needs_positive_integer_start_not_after_end(start, end, ok):
    raw = {"type": "region", "start": start, "end": end}
    assert problems_of(raw) == ([] if ok else ["e.alteration: region needs integer start <= end"])


NO_CHANGE = "e.alteration.changes: a variant criterion needs at least one change"
NO_CODON = "e.alteration.codons: at least one codon is required"


@pytest.mark.parametrize("raw,problem", [
    ("V600E", "e.alteration: expected a mapping with a 'type'"),
    ({"changes": ["V600E"]}, "e.alteration: expected a mapping with a 'type'"),
    ({"type": "allele"}, "e.alteration.type: unknown criterion type 'allele' (expected one of "
     "variant, codon, exon, exon_skipping, region, consequence, hotspot, any, fusion, "
     "copy_number, signature, all_of, any_of)"),
    ({"type": "variant", "changes": []},
     "e.alteration.changes: a variant criterion needs at least one change"),
    ({"type": "variant", "changes": "V600E"}, ["e.alteration.changes: expected a list of strings",
                                               NO_CHANGE]),
    ({"type": "variant", "changes": [""]}, ["e.alteration.changes: expected a list of strings",
                                            NO_CHANGE]),
    ({"type": "variant", "changes": ["V600E"], "codons": [600]},
     "e.alteration: unexpected key(s) codons for type variant"),
    ({"type": "codon", "codons": []}, "e.alteration.codons: at least one codon is required"),
    ({"type": "codon", "codons": [0]},
     ["e.alteration.codons: expected a list of positive integers", NO_CODON]),
    ({"type": "codon", "codons": ["600"]},
     ["e.alteration.codons: expected a list of positive integers", NO_CODON]),
    ({"type": "exon", "exons": []}, "e.alteration.exons: at least one exon is required"),
    ({"type": "consequence", "classes": []},
     "e.alteration.classes: at least one class is required"),
    ({"type": "consequence", "classes": ["truncating"]},
     "e.alteration.classes: unknown value(s) truncating (expected codon, exon_loss, frameshift, "
     "inframe_deletion, inframe_delins, inframe_insertion, loss_of_function, missense, "
     "nonsense, other, splice, start_lost, stop_lost, synonymous)"),
    ({"type": "fusion", "partner": 5}, "e.alteration.partner: expected a gene symbol"),
    ({"type": "copy_number", "states": ["amp"]},
     "e.alteration.states: unknown value(s) amp (expected amplification, deep_deletion, gain, "
     "loss)"),
    ({"type": "any", "origin": "inherited"},
     "e.alteration.origin: expected one of germline, somatic"),
    ({"type": "signature", "signature": "TMB"},
     "e.alteration: TMB needs exactly one of 'min' or 'above'"),
    ({"type": "signature", "signature": "TMB", "min": 10, "above": 5},
     "e.alteration: TMB needs exactly one of 'min' or 'above'"),
    ({"type": "signature", "signature": "TMB", "min": "10"},
     ["e.alteration.min: expected a number",
      "e.alteration: TMB needs exactly one of 'min' or 'above'"]),
    ({"type": "signature", "signature": "TMB", "min": 10, "origin": "germline"},
     "e.alteration: unexpected key(s) origin for type signature"),
    ({"type": "signature", "signature": "LOH", "min": 10},
     "e.alteration.signature: expected one of TMB, MSI, MMR, PDL1_TPS, PDL1_CPS, HRD, "
     "CYTOGENETICS"),
    ({"type": "signature", "signature": "MSI"}, "e.alteration.values: required for MSI"),
    ({"type": "signature", "signature": "MMR", "values": ["MSI-H"]},
     "e.alteration.values: unknown value(s) MSI-H (expected deficient, proficient)"),
    ({"type": "signature", "signature": "CYTOGENETICS", "values": ["5q-"]},
     "e.alteration.values: expected arm deletions such as del(5q)"),
    ({"type": "signature", "signature": "CYTOGENETICS"},
     "e.alteration.values: expected arm deletions such as del(5q)"),
    ({"type": "all_of", "items": [{"gene": "BRAF", "alteration": {"type": "any"}},
                                  {"gene": "MSI", "alteration": {
                                      "type": "signature", "signature": "MSI",
                                      "values": ["MSI-H"]}}], "origin": "germline"},
     "e.alteration: unexpected key(s) origin for type all_of"),
    ({"type": "any_of", "items": [{"gene": "BRAF", "alteration": {"type": "any"}},
                                  {"gene": "X", "alteration": {
                                      "type": "signature", "signature": "MSI",
                                      "values": ["MSI-H"]}}]},
     "e.alteration.items[1].alteration.type: signature criteria cannot be part of any_of"),
    ({"type": "all_of", "items": [{"gene": "BRAF", "alteration": {"type": "any"}},
                                  {"gene": "", "alteration": {"type": "any"}}]},
     "e.alteration.items[1]: expected {gene: SYMBOL, alteration: {...}}"),
    ({"type": "all_of", "items": [{"gene": "BRAF", "alteration": {"type": "any"}},
                                  {"gene": 5, "alteration": {"type": "any"}}]},
     "e.alteration.items[1]: expected {gene: SYMBOL, alteration: {...}}"),
    ({"type": "all_of", "items": [{"gene": "BRAF", "alteration": {"type": "any"}}]},
     "e.alteration.items: expected a list of at least two {gene, alteration}"),
    ({"type": "exon_skipping", "exons": []}, "e.alteration.exons: at least one exon is required"),
    ({"type": "copy_number", "states": ["amp", "del"]},
     "e.alteration.states: unknown value(s) amp, del (expected amplification, deep_deletion, "
     "gain, loss)"),
])
def test_each_parsing_rule_names_the_field(raw, problem):
    assert problems_of(raw) == ([problem] if isinstance(problem, str) else problem)


def test_parsed_fields():
    c = crit({"type": "consequence", "classes": ["loss_of_function", "missense"]})
    assert c.consequences == {"nonsense", "frameshift", "splice", "start_lost", "missense"}
    c = crit({"type": "signature", "signature": "TMB", "min": 10})
    assert (c.signature, c.min, c.above, c.values) == ("TMB", 10.0, None, frozenset())
    c = crit({"type": "signature", "signature": "PDL1_TPS", "above": 1})
    assert (c.min, c.above) == (None, 1.0)
    c = crit({"type": "signature", "signature": "HRD", "values": ["positive"]})
    assert c.values == {"positive"}
    c = crit({"type": "signature", "signature": "CYTOGENETICS", "values": ["del(5q)"]})
    assert c.values == {"del(5q)"}
    c = crit({"type": "fusion", "partner": "EML4"})
    assert c.partner == "EML4"
    c = crit({"type": "copy_number", "states": ["gain", "amplification"]})
    assert c.states == {"gain", "amplification"}
    c = crit({"type": "any", "origin": "germline"})
    assert c.origin == "germline"
    c = crit({"type": "region", "start": 5, "end": 9, "consequences": ["missense"]})
    assert (c.start, c.end, c.consequences) == (5, 9, {"missense"})
    c = crit({"type": "exon", "exons": [19, 20]})
    assert c.exons == {19, 20}
    c = crit({"type": "exon_skipping", "exons": [14]})
    assert c.exons == {14} and c.sites == ()  # no reference table given: nothing meets it
    c = crit({"type": "all_of", "items": [
        {"gene": "BRAF", "alteration": {"type": "variant", "changes": ["V600E"]}},
        {"gene": "KRAS", "alteration": {"type": "any"}}]})
    assert [(g, x.type) for g, x in c.items] == [("BRAF", "variant"), ("KRAS", "any")]
    assert c.genes("NRAS") == ("BRAF", "KRAS")
    assert crit({"type": "any"}).genes("NRAS") == ("NRAS",)


def test_changes_are_stored_canonical():
    from matcher.kb.loader import _canonical_change

    problems: list[str] = []
    c = parse_criterion({"type": "variant", "changes": ["p.Val600Glu", "V600K"]}, "e",
                        problems, _canonical_change)
    assert problems == [] and c.changes == {"V600E", "V600K"}
    parse_criterion({"type": "variant", "changes": ["V600Z"]}, "e", problems, _canonical_change)
    assert problems and problems[0].startswith("e.changes: 'V600Z' is not a protein change")


@pytest.mark.parametrize("raw,gene,text", [
    ({"type": "variant", "changes": ["V600K", "V600E"]}, "BRAF", "BRAF V600E/V600K"),
    ({"type": "hotspot", "changes": ["G12C"]}, "KRAS", "KRAS G12C or another hotspot"),
    ({"type": "hotspot"}, "KRAS", "KRAS activating hotspot"),
    ({"type": "codon", "codons": [13, 12]}, "KRAS", "KRAS codon 12/13"),
    ({"type": "codon", "codons": [600], "consequences": ["missense", "codon"]}, "BRAF",
     "BRAF codon 600 (codon/missense)"),
    ({"type": "exon", "exons": [20, 19]}, "EGFR", "EGFR exon 19/20"),
    ({"type": "exon", "exons": [19], "consequences": ["inframe_deletion"]}, "EGFR",
     "EGFR exon 19 (inframe_deletion)"),
    ({"type": "exon_skipping", "exons": [14]}, "MET", "MET exon 14 skipping"),
    ({"type": "exon_skipping", "exons": [3, 2]}, "EGFR", "EGFR exon 2/3 skipping"),
    ({"type": "region", "start": 550, "end": 592}, "KIT", "KIT residues 550-592"),
    ({"type": "consequence", "classes": ["loss_of_function"]}, "TSC2", "TSC2 loss-of-function"),
    ({"type": "consequence", "classes": ["inframe_insertion", "stop_lost"]}, "ERBB2",
     "ERBB2 inframe insertion/stop lost"),
    ({"type": "any"}, "BRAF", "BRAF any mutation"),
    ({"type": "any"}, None, "any mutation"),
    ({"type": "any", "origin": "germline"}, "BRCA1", "BRCA1 any mutation (germline)"),
    ({"type": "fusion"}, "ALK", "ALK fusion (any partner)"),
    ({"type": "fusion", "partner": "EML4"}, "ALK", "EML4::ALK fusion"),
    ({"type": "copy_number", "states": ["deep_deletion", "loss"]}, "PTEN",
     "PTEN deep deletion/loss"),
    ({"type": "signature", "signature": "TMB", "min": 10}, None, "TMB >= 10"),
    ({"type": "signature", "signature": "PDL1_TPS", "above": 0.5}, None, "PDL1_TPS > 0.5"),
    ({"type": "signature", "signature": "MSI", "values": ["MSI-L", "MSI-H"]}, None,
     "MSI MSI-H/MSI-L"),
    ({"type": "all_of", "items": [
        {"gene": "BRAF", "alteration": {"type": "variant", "changes": ["V600E"]}},
        {"gene": "PIK3CA", "alteration": {"type": "any"}}]}, "BRAF",
     "BRAF V600E AND PIK3CA any mutation"),
])
def test_each_criterion_describes_itself(raw, gene, text):
    assert crit(raw).describe(gene) == text


def test_composite_parts_are_parsed_and_described_with_their_genes():
    from matcher.paths import default_reference_dir
    from matcher.reference.exons import SitesResolver

    c = crit({"type": "any_of", "items": [
        {"gene": "EGFR", "alteration": {"type": "variant", "changes": ["L858R"]}},
        {"gene": "KRAS", "alteration": {"type": "any"}}]})
    assert c.describe("EGFR") == "EGFR L858R or KRAS any mutation"
    resolver = SitesResolver(default_reference_dir())
    problems: list[str] = []
    c = parse_criterion({"type": "all_of", "items": [
        {"gene": "MET", "alteration": {"type": "exon_skipping", "exons": [14]}},
        {"gene": "EGFR", "alteration": {"type": "any"}}]}, "e", problems, None, "MET", resolver)
    assert problems == [] and len(c.items[0][1].sites) == 1
    parse_criterion({"type": "exon_skipping", "exons": [30]}, "e", problems, None, "MET",
                    resolver)
    assert len(problems) == 1 and problems[0].startswith("e.exons: MET exon 30: ")


def test_every_bad_part_is_reported():
    assert problems_of({"type": "all_of", "items": [
        {"gene": "BRAF", "alteration": {"type": "codon", "codons": []}},
        {"gene": "KRAS", "alteration": {"type": "exon", "exons": []}},
        {"gene": "NRAS", "alteration": {"type": "any"}, "note": "x", "why": "y"}]}) == [
        "e.alteration.items[0].alteration.codons: at least one codon is required",
        "e.alteration.items[1].alteration.exons: at least one exon is required",
        "e.alteration.items[2]: unexpected key(s) note, why"]
    assert problems_of({"type": "variant", "changes": ["V600E"], "codons": [1], "exons": [2]}) \
        == ["e.alteration: unexpected key(s) codons, exons for type variant"]


# ------------------------------------------------------------------------------ found by mutmut
def test_codon_1_is_a_codon():
    assert crit({"type": "codon", "codons": [1]}).codons == {1}  # the start codon (Met1)


@pytest.mark.parametrize("origin", ["germline", "inherited"])
@pytest.mark.parametrize("raw", [
    {"type": "signature", "signature": "TMB", "min": 10},
    {"type": "all_of", "items": [{"gene": "BRAF", "alteration": {"type": "any"}},
                                 {"gene": "KRAS", "alteration": {"type": "any"}}]}])
def test_an_origin_where_none_may_be_given_is_refused_for_the_key_alone(raw, origin):
    problems: list[str] = []
    c = parse_criterion({**raw, "origin": origin}, "e", problems)
    assert problems == [f"e: unexpected key(s) origin for type {raw['type']}"]
    assert c.origin is None  # not read as if it were allowed


def test_composite_parts_are_stored_canonical():
    from matcher.kb.loader import _canonical_change

    problems: list[str] = []
    c = parse_criterion({"type": "any_of", "items": [
        {"gene": "BRAF", "alteration": {"type": "variant", "changes": ["p.Val600Glu"]}},
        {"gene": "KRAS", "alteration": {"type": "hotspot", "changes": ["p.Gly12Cys"]}}]},
        "e", problems, _canonical_change)
    assert problems == []
    assert [(g, x.changes) for g, x in c.items] == [("BRAF", {"V600E"}), ("KRAS", {"G12C"})]
    assert criterion_match(c, "BRAF", variant("BRAF", "V600E", "missense", position=600)) \
        == "exact"
    parse_criterion({"type": "all_of", "items": [
        {"gene": "BRAF", "alteration": {"type": "variant", "changes": ["V600Z"]}},
        {"gene": "KRAS", "alteration": {"type": "any"}}]}, "e", problems, _canonical_change)
    assert len(problems) == 2
    assert problems[0].startswith("e.items[0].alteration.changes: 'V600Z' is not a protein "
                                  "change")
    assert problems[1] == "e.items[0].alteration.changes: a variant criterion needs at least " \
        "one change"


def test_exon_skipping_sites_need_both_the_table_and_the_gene():
    from matcher.paths import default_reference_dir
    from matcher.reference.exons import SitesResolver

    raw = {"type": "exon_skipping", "exons": [14]}
    problems: list[str] = []
    assert parse_criterion(raw, "e", problems, None, "MET").sites == ()  # no table
    assert parse_criterion(raw, "e", problems, None, None,
                           SitesResolver(default_reference_dir())).sites == ()  # no gene
    assert problems == []


def test_every_kind_of_bad_part_is_reported_and_the_rest_still_read():
    nested = {"type": "any_of", "items": [{"gene": "NRAS", "alteration": {"type": "any"}},
                                          {"gene": "HRAS", "alteration": {"type": "any"}}]}
    msi = {"type": "signature", "signature": "MSI", "values": ["MSI-H"]}
    problems: list[str] = []
    c = parse_criterion({"type": "any_of", "items": [
        "BRAF",
        {"gene": "BRAF", "alteration": "V600E"},
        {"gene": "KRAS", "alteration": nested},
        {"gene": "MLH1", "alteration": msi},
        {"gene": "EGFR", "alteration": {"type": "codon", "codons": []}},
        {"gene": "PIK3CA", "alteration": {"type": "any"}}]}, "e", problems)
    assert problems == [
        "e.items[0]: expected {gene: SYMBOL, alteration: {...}}",
        "e.items[1].alteration: expected a mapping with a 'type'",
        "e.items[2].alteration.type: any_of cannot be nested in any_of (list its parts here "
        "instead)",
        "e.items[3].alteration.type: signature criteria cannot be part of any_of",
        "e.items[4].alteration.codons: at least one codon is required"]
    assert [(g, x.type) for g, x in c.items] == [("EGFR", "codon"), ("PIK3CA", "any")]
