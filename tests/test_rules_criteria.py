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
