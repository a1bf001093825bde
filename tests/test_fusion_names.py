"""matcher.reference.fusion_names: fusion spellings, orientation and the kinase partner."""

from __future__ import annotations

import pytest

from matcher.errors import InputError
from matcher.reference.fusion_names import (
    FIVE_PRIME_KINASES,
    KINASE_GENES,
    InvalidFusion,
    ParsedFusion,
    kinase_partner,
    orient,
    parse_fusion,
)
from matcher.reference.genes import GeneIndex


@pytest.fixture(scope="module")
def is_symbol():
    return GeneIndex.load().is_known


# ----------------------------------------------------------------------------- KNOWLEDGE.md facts
def test_hgvs_style_states_the_order():
    parsed = parse_fusion("EML4::ALK")
    assert parsed == ParsedFusion("EML4", "ALK", True, "EML4::ALK", notation="::")
    assert orient(parsed) == parsed


def test_star_fusion_style_states_the_order():
    parsed = parse_fusion("EML4--ALK")
    assert (parsed.five_prime, parsed.three_prime, parsed.order_known) == ("EML4", "ALK", True)
    assert orient(parsed) == parsed


def test_single_hyphen_is_read_five_to_three_by_convention():
    parsed = parse_fusion("EML4-ALK")
    assert (parsed.five_prime, parsed.three_prime, parsed.order_known) == ("EML4", "ALK", True)
    assert orient(parsed) == parsed


def test_kinase_first_name_is_reoriented_and_order_marked_unknown():
    parsed = parse_fusion("ALK-EML4")
    assert (parsed.five_prime, parsed.three_prime) == ("ALK", "EML4")  # as written
    oriented = orient(parsed)
    assert (oriented.five_prime, oriented.three_prime, oriented.order_known) == (
        "EML4", "ALK", False)
    assert oriented.text == "ALK-EML4"
    assert kinase_partner(oriented.five_prime, oriented.three_prime) == "ALK"


@pytest.mark.parametrize("text", ["EML4::ALK", "EML4-ALK", "EML4--ALK", "ALK-EML4"])
def test_alk_is_the_kinase_partner_of_every_spelling(text):
    parsed = orient(parse_fusion(text))
    assert kinase_partner(parsed.five_prime, parsed.three_prime,
                          order_known=parsed.order_known) == "ALK"
    assert {parsed.five_prime, parsed.three_prime} == {"EML4", "ALK"}


@pytest.mark.parametrize("text, kinase", [
    ("CCDC6-RET", "RET"), ("KIF5B::RET", "RET"), ("RET-CCDC6", "RET"),
    ("ETV6::NTRK3", "NTRK3"), ("TPM3-NTRK1", "NTRK1"), ("NTRK1-TPM3", "NTRK1"),
    ("AGBL4--NTRK2", "NTRK2"), ("CD74-ROS1", "ROS1"), ("STRN::ALK", "ALK"),
    ("AGK-BRAF", "BRAF"), ("BCR::ABL1", "ABL1"), ("FGFR3-TACC3", "FGFR3"),
    ("FGFR2::BICC1", "FGFR2"), ("BCR::FGFR1", "FGFR1"),
])
def test_kinase_partners(text, kinase):
    parsed = orient(parse_fusion(text))
    assert kinase_partner(parsed.five_prime, parsed.three_prime,
                          order_known=parsed.order_known) == kinase


# ----------------------------------------------------------------------------- orientation rules
def test_stated_order_is_never_changed():
    parsed = parse_fusion("ALK::EML4")
    assert orient(parsed) == parsed
    # ALK as the stated 5' partner (a reciprocal product) is not the actionable kinase ...
    assert kinase_partner("ALK", "EML4") is None
    # ... unless the order is not known.
    assert kinase_partner("ALK", "EML4", order_known=False) == "ALK"


def test_five_prime_fgfr_is_not_swapped():
    parsed = parse_fusion("FGFR3-TACC3")
    assert orient(parsed) == parsed
    assert FIVE_PRIME_KINASES <= KINASE_GENES


def test_two_kinases_are_left_alone():
    parsed = parse_fusion("ALK-RET")
    assert orient(parsed) == parsed


def test_orient_swaps_exons_too():
    oriented = orient(parse_fusion("ALK(20)-EML4(13)"))
    assert (oriented.five_prime, oriented.five_prime_exon) == ("EML4", 13)
    assert (oriented.three_prime, oriented.three_prime_exon) == ("ALK", 20)


def test_orient_accepts_another_kinase_set():
    parsed = parse_fusion("NRG1-CD74")
    assert orient(parsed) == parsed
    assert orient(parsed, {"NRG1"}).three_prime == "NRG1"


def test_orient_with_unknown_order_from_a_structured_report():
    parsed = ParsedFusion("RET", "NCOA4", False, "RET/NCOA4")
    assert orient(parsed).three_prime == "RET"
    assert orient(ParsedFusion("RET", "NCOA4", True, "")) == ParsedFusion(
        "RET", "NCOA4", True, "")


def test_kinase_partner_is_case_insensitive_and_returns_as_given():
    assert kinase_partner("eml4", "alk") == "alk"
    assert kinase_partner(None, "ALK") == "ALK"
    assert kinase_partner("EWSR1", "FLI1") is None
    assert kinase_partner(None, None) is None


def test_kinase_set_covers_the_documented_partners():
    assert {"ALK", "RET", "NTRK1", "NTRK2", "NTRK3", "ROS1", "FGFR1", "FGFR2", "FGFR3",
            "BRAF"} <= KINASE_GENES


# ----------------------------------------------------------------------------- spellings
@pytest.mark.parametrize("text, five, three, notation", [
    ("EML4/ALK", "EML4", "ALK", "/"),
    ("EML4:ALK", "EML4", "ALK", ":"),
    ("EML4_ALK", "EML4", "ALK", "_"),
    (" EML4 :: ALK ", "EML4", "ALK", "::"),
    ("EML4 - ALK", "EML4", "ALK", "-"),
    ("EML4-ALK fusion", "EML4", "ALK", "-"),
    ("EML4::ALK Fusion", "EML4", "ALK", "::"),
    ("KIF5B-RET rearrangement", "KIF5B", "RET", "-"),
    ("eml4-alk", "eml4", "alk", "-"),
    ("ACACA^ENSG00000132142.15--STAC2^ENSG00000141750.6", "ACACA", "STAC2", "--"),
    ("?::ALK", None, "ALK", "::"),
    ("EML4::unknown", "EML4", None, "::"),
])
def test_spellings(text, five, three, notation):
    parsed = parse_fusion(text)
    assert (parsed.five_prime, parsed.three_prime, parsed.notation) == (five, three, notation)
    assert parsed.order_known and parsed.text == text


@pytest.mark.parametrize("text, exons", [
    ("EML4(13)::ALK(20)", (13, 20)),
    ("EML4 exon 13::ALK exon 20", (13, 20)),
    ("EML4(e13)-ALK(e20)", (13, 20)),
    ("EML4(exon 6)--ALK(exon 20)", (6, 20)),
    ("EML4 e6a::ALK", None),
    ("EML4 ex13-ALK ex20", (13, 20)),
    ("EML4::ALK(20)", (None, 20)),
])
def test_exons(text, exons):
    if exons is None:
        with pytest.raises(InvalidFusion):
            parse_fusion(text)
        return
    parsed = parse_fusion(text)
    assert (parsed.five_prime, parsed.three_prime) == ("EML4", "ALK")
    assert (parsed.five_prime_exon, parsed.three_prime_exon) == exons


@pytest.mark.parametrize("text", [
    "ALK rearrangement", "ALK fusion", "ALK Fusion", "ALK-rearranged", "ALK translocation",
    "ALK gene rearrangement", "ALK rearrangement positive", "ALK fusions",
])
def test_one_sided(text):
    parsed = parse_fusion(text)
    assert parsed == ParsedFusion(None, "ALK", False, text)
    assert orient(parsed) == parsed
    assert kinase_partner(parsed.five_prime, parsed.three_prime) == "ALK"


def test_one_sided_with_exon():
    parsed = parse_fusion("ALK exon 20 fusion")
    assert (parsed.five_prime, parsed.three_prime, parsed.three_prime_exon) == (None, "ALK", 20)


def test_bare_gene_needs_the_flag():
    with pytest.raises(InvalidFusion, match="names one gene"):
        parse_fusion("ALK")
    assert parse_fusion("ALK", allow_single=True) == ParsedFusion(None, "ALK", False, "ALK")


# ----------------------------------------------------------------------------- symbols with - or _
@pytest.mark.parametrize("text, five, three", [
    ("HLA-A-ALK", "HLA-A", "ALK"),
    ("NKX2-1-ALK", "NKX2-1", "ALK"),
    ("ALK-NKX2-1", "ALK", "NKX2-1"),
    ("NKX2-1_ALK", "NKX2-1", "ALK"),
    ("C4B_2-ALK", "C4B_2", "ALK"),
    ("EML4-ALK", "EML4", "ALK"),
    ("FOO1-ALK", "FOO1", "ALK"),  # an unknown symbol is kept for the normaliser to report
])
def test_hyphenated_symbols_with_is_symbol(is_symbol, text, five, three):
    parsed = parse_fusion(text, is_symbol=is_symbol)
    assert (parsed.five_prime, parsed.three_prime) == (five, three)


def test_a_symbol_with_a_hyphen_is_one_gene(is_symbol):
    assert parse_fusion("HLA-A fusion", is_symbol=is_symbol).three_prime == "HLA-A"
    assert parse_fusion("NKX2-1", is_symbol=is_symbol, allow_single=True).three_prime == "NKX2-1"
    with pytest.raises(InvalidFusion, match="names one gene"):
        parse_fusion("HLA-A", is_symbol=is_symbol)


def test_without_is_symbol_splits_only_when_one_reading_looks_like_genes():
    # 'NKX2' + '1-ALK' is no reading: a symbol starts with a letter.
    assert parse_fusion("NKX2-1-ALK").five_prime == "NKX2-1"
    assert parse_fusion("NKX2-1 fusion").three_prime == "NKX2-1"
    with pytest.raises(InvalidFusion, match="several ways") as info:
        parse_fusion("HLA-A-ALK")
    assert "HLA-A::ALK" in info.value.message


def test_several_known_readings_raise():
    with pytest.raises(InvalidFusion, match="several ways"):
        parse_fusion("AB-CD-EF", is_symbol=lambda s: s != "AB-CD-EF")


# ----------------------------------------------------------------------------- garbage
@pytest.mark.parametrize("text", [
    "", "   ", "fusion", "::", "EML4::", "::ALK", "--ALK", "?::?", "EML4::ALK::RET",
    "EML4 ALK", "BRAF V600E", "V600E", "NM_004304.5:c.3173-1G>A", "12::34", "EML4::ALK(exon)",
    "t(2;5)(p23;q35)", "EML4-", "-ALK", "EML4/ALK/RET", None,
])
def test_garbage_is_refused(text):
    with pytest.raises(InvalidFusion) as info:
        parse_fusion(text)
    assert isinstance(info.value, InputError) and isinstance(info.value, ValueError)
    assert repr(text) in info.value.message and "EML4::ALK" in info.value.message
