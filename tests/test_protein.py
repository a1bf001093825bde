"""matcher.reference.protein: the protein-change grammar (table-driven), SO terms and cDNA
splice sites."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from matcher.errors import InputError
from matcher.model import CONSEQUENCES, ProteinChange
from matcher.reference.protein import (
    InvalidChange,
    classify_cdna,
    consequence_from_so,
    parse_protein_change,
)

CASES_FILE = Path(__file__).parent / "data" / "protein_cases.tsv"


def _load_cases() -> list[dict[str, str]]:
    with CASES_FILE.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    for row in rows:
        row["input"] = row["input"].encode("ascii").decode("unicode_escape")
    return rows


CASES = _load_cases()
VALID = [c for c in CASES if c["canonical"] != "INVALID"]
INVALID = [c for c in CASES if c["canonical"] == "INVALID"]


def test_table_is_large_and_well_formed():
    assert len(CASES) >= 100
    assert len(INVALID) >= 20
    assert len({c["input"] for c in CASES}) == len(CASES), "duplicate inputs in the table"
    for case in VALID:
        assert case["consequence"] in CONSEQUENCES, case


@pytest.mark.parametrize("case", VALID, ids=[repr(c["input"]) for c in VALID])
def test_valid_case(case):
    change = parse_protein_change(case["input"])
    assert change.canonical == case["canonical"]
    assert change.hgvs == case["hgvs"]
    assert change.consequence == case["consequence"]
    assert change.position == (int(case["position"]) if case["position"] else None)


@pytest.mark.parametrize("case", INVALID, ids=[repr(c["input"]) for c in INVALID])
def test_invalid_case(case):
    with pytest.raises(InvalidChange) as info:
        parse_protein_change(case["input"])
    error = info.value
    assert case["hgvs"] in error.reason
    # The message names the text and what was expected.
    assert repr(case["input"]) in error.message
    assert "expected" in error.message and "V600E" in error.message
    assert error.problems and error.problems[0].expected


@pytest.mark.parametrize("case", VALID, ids=[repr(c["input"]) for c in VALID])
def test_canonical_and_hgvs_read_back_to_the_same_change(case):
    change = parse_protein_change(case["input"])
    assert parse_protein_change(change.canonical) == change
    if change.hgvs != "p.?":  # splice changes have no positional HGVS to read back
        assert parse_protein_change(change.hgvs) == change


@pytest.mark.parametrize("spellings", [
    ("p.Val600Glu", "p.V600E", "V600E"),
    ("p.Gln1178Ter", "p.Q1178*", "Q1178X"),
    ("L747fs", "p.Leu747ProfsTer13", "L747Pfs*13"),
    ("E746_A750del", "p.Glu746_Ala750del", "E746_A750delELREA"),
    ("*757Qext*?", "X757Q", "p.Ter757GlnextTer?"),
    ("X963_splice", "963_splice", "p.X963_splice"),
])
def test_spellings_of_one_change_are_equal(spellings):
    changes = {parse_protein_change(s) for s in spellings}
    assert len(changes) == 1


def test_fields_of_a_substitution():
    assert parse_protein_change("p.Val600Glu") == ProteinChange(
        "V600E", "p.Val600Glu", "missense", ref_aa="V", position=600, alt_aa="E")
    assert parse_protein_change("Q1178X").alt_aa == "*"
    assert parse_protein_change("V600=").alt_aa == "V"


def test_fields_of_ranges():
    deletion = parse_protein_change("p.Glu746_Ala750del")
    assert (deletion.ref_aa, deletion.position, deletion.end_position, deletion.alt_aa) == (
        "E", 746, 750, None)
    insertion = parse_protein_change("A767_V769insASV")
    assert (insertion.position, insertion.end_position) == (767, 769)
    assert parse_protein_change("V600del").end_position is None


def test_fields_of_special_forms():
    stop_loss = parse_protein_change("X757Q")
    assert (stop_loss.ref_aa, stop_loss.alt_aa) == ("*", "Q")
    splice = parse_protein_change("p.X963_splice")
    assert (splice.ref_aa, splice.position) == (None, 963)  # X is a placeholder, not a stop
    assert parse_protein_change("E963_splice") == splice
    assert parse_protein_change("p.0").position is None


def test_invalid_change_is_an_input_error_and_a_value_error():
    with pytest.raises(InputError):
        parse_protein_change("BRAF")
    with pytest.raises(ValueError):
        parse_protein_change("BRAF")
    assert InvalidChange("x", "y").status == 400


def test_non_string_is_refused():
    with pytest.raises(InvalidChange):
        parse_protein_change(None)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- SO terms
@pytest.mark.parametrize("terms, expected", [
    ("missense_variant", "missense"),
    ("stop_gained", "nonsense"),
    ("frameshift_variant", "frameshift"),
    ("splice_acceptor_variant", "splice"),
    ("splice_donor_variant", "splice"),
    ("splice_region_variant&intron_variant", "other"),
    ("splice_region_variant", "other"),
    ("splice_acceptor_variant&intron_variant", "splice"),
    ("inframe_deletion", "inframe_deletion"),
    ("inframe_insertion", "inframe_insertion"),
    ("disruptive_inframe_deletion", "inframe_deletion"),
    ("conservative_inframe_insertion", "inframe_insertion"),
    ("start_lost", "start_lost"),
    ("stop_lost", "stop_lost"),
    ("synonymous_variant", "synonymous"),
    ("stop_retained_variant", "synonymous"),
    ("5_prime_UTR_variant", "other"),
    ("upstream_gene_variant", "other"),
    ("intron_variant", "other"),
    ("protein_altering_variant", "inframe_delins"),
    ("inframe_deletion&inframe_insertion", "inframe_delins"),
    # most severe wins, in any order, '&' (VEP, snpEff) or ',' (MAF Consequence)
    ("missense_variant&splice_region_variant", "missense"),
    ("splice_region_variant&missense_variant", "missense"),
    ("stop_gained&splice_region_variant", "nonsense"),
    ("splice_region_variant&synonymous_variant", "synonymous"),
    ("intron_variant&non_coding_transcript_variant", "other"),
    ("frameshift_variant&stop_lost", "frameshift"),
    ("splice_donor_variant&frameshift_variant", "splice"),
    ("missense_variant,splice_region_variant", "missense"),
    ("3_prime_UTR_variant&NMD_transcript_variant", "other"),
    (" Missense_Variant ", "missense"),
    # snpEff's older names and MAF Variant_Classification
    ("NON_SYNONYMOUS_CODING", "missense"),
    ("FRAME_SHIFT", "frameshift"),
    ("Nonsense_Mutation", "nonsense"),
    ("Frame_Shift_Del", "frameshift"),
    ("Splice_Site", "splice"),
    ("Splice_Region", "other"),
    ("Translation_Start_Site", "start_lost"),
    ("Nonstop_Mutation", "stop_lost"),
    ("Silent", "synonymous"),
    ("In_Frame_Ins", "inframe_insertion"),
    # unknown terms are ignored; none known -> None
    ("made_up_term&missense_variant", "missense"),
    ("made_up_term", None),
    ("", None),
    (None, None),
])
def test_consequence_from_so(terms, expected):
    assert consequence_from_so(terms) == expected


def test_every_so_class_is_a_model_consequence():
    from matcher.reference.protein import _TERMS
    assert set(_TERMS.values()) <= set(CONSEQUENCES)


# ----------------------------------------------------------------------------- cDNA
@pytest.mark.parametrize("text, expected", [
    ("c.1234+1G>A", "splice"),
    ("c.1234+2T>C", "splice"),
    ("c.1235-1G>A", "splice"),
    ("c.1235-2A>G", "splice"),
    ("NM_000548.5:c.1235-2A>G", "splice"),
    ("NM_000548.5(TSC2):c.1234+1G>A", "splice"),
    ("ENST00000219476.3:c.1234+1g>a", "splice"),
    ("c.1234+1del", "splice"),
    ("c.1234+1_1234+2del", "splice"),
    ("c.1234+2dup", "splice"),
    ("c.1234_1234+5del", "splice"),  # from the last exon base into the intron
    ("c.1233-10_1240del", "splice"),  # from the intron across the acceptor into the exon
    ("c.1230_1300-5del", "splice"),  # removes the donor of the exon it starts in
    ("c.1234+5_1240del", "splice"),  # from the intron across the next acceptor
    ("c.1234+5_1300-5del", "splice"),  # removes whole exons
    ("c.1234+1delinsAT", "splice"),
    ("c.1234+3A>G", None),  # splice region, not a canonical site
    ("c.1235-3C>T", None),
    ("c.1234+5_1234+10del", None),
    ("c.1235-10_1235-3del", None),
    ("c.1234+5_1235-5del", None),  # inside one intron
    ("c.1799T>A", None),
    ("c.2573T>G", None),
    ("c.76_78del", None),
    ("c.2235_2249del", None),
    ("c.-124C>T", None),  # TERT promoter C228T
    ("c.-15+1G>A", None),  # 5' UTR intron: no coding splice site
    ("c.*12-2A>G", None),
    ("c.?", None),
    ("c.(1234+1_1235-1)del", None),  # uncertain positions: cannot tell
    ("c.[1234+1G>A;1300C>T]", None),
    ("ENST00000412962.1:n.1000+1A>G", None),  # non-coding transcript
])
def test_classify_cdna(text, expected):
    assert classify_cdna(text) == expected


@pytest.mark.parametrize("text", [
    "", "BRAF", "1234+1G>A", "p.V600E", "g.140453136A>T", "c.", "c.abc", "c.1234+1",
    "c.1234+1G", "NM_000548.5:V600E", "c.1240_1234del",
])
def test_classify_cdna_refuses_what_is_not_cdna(text):
    with pytest.raises(InvalidChange) as info:
        classify_cdna(text)
    assert "cDNA" in info.value.message and repr(text) in info.value.message


def test_parsing_is_memoised_but_errors_are_raised_every_time():
    from matcher.reference.protein import parse_protein_change

    assert parse_protein_change("p.Val600Glu") is parse_protein_change("p.Val600Glu")
    for _ in range(2):
        with pytest.raises(InputError):
            parse_protein_change("p.Val600Xyz")
    with pytest.raises(InputError):
        parse_protein_change(["V600E"])  # not hashable, not a string: a clear error
