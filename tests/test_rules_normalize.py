"""The normaliser's rules pinned on hand-built calls (issue 18): the hotspot flag (by residue and
class, by genomic coordinates), the consequence class (protein change first, then the annotator's
term, then the cDNA change), strict lab JSON versus pipeline files, labels, genes, fusions,
copy numbers and signatures. Reference lookups use the shipped reference data."""

from __future__ import annotations

import pytest

from matcher.errors import ReportValidationError
from matcher.model import Biomarkers, CopyNumberCall, FusionCall, Report, VariantCall
from matcher.normalize import normalize_report
from tests.rules_kb import shipped_kb


@pytest.fixture
def kb():
    return shipped_kb()


def norm(kb, *variants, fmt="vcf", fusions=(), copy_numbers=(), biomarkers=None):
    report = Report(report_id="N-1", variants=tuple(variants), fusions=tuple(fusions),
                    copy_numbers=tuple(copy_numbers), biomarkers=biomarkers or Biomarkers(),
                    source_format=fmt)
    return normalize_report(report, kb)


def one(kb, call, fmt="vcf"):
    out = norm(kb, call, fmt=fmt)
    assert len(out.alterations) == 1
    return out.alterations[0], out.warnings


def call(gene="BRAF", protein=None, **kw):
    return VariantCall(source="variants[0]", gene=gene, protein_change=protein, **kw)


V600E_37 = {"chrom": "7", "pos": 140453136, "ref": "A", "alt": "T", "build": "GRCh37"}
V600E_38 = {"chrom": "7", "pos": 140753336, "ref": "A", "alt": "T", "build": "GRCh38"}


# ----------------------------------------------------------------------------- hotspot flag
@pytest.mark.parametrize("change,consequence,hotspot", [
    ("V600E", "missense", True),
    ("V600", "codon", True),
    ("K601E", "missense", True),
    ("T599I", "missense", False),
    ("V600_K601delinsE", "inframe_delins", False),  # by residue: substitutions only
    ("V600fs", "frameshift", False),
    ("V600*", "nonsense", False),
])
def test_hotspot_by_residue_is_for_substitutions_and_codon_calls(kb, change, consequence,
                                                                  hotspot):
    alt, _ = one(kb, call(protein=change), "labjson")
    assert alt.variant.consequence == consequence
    assert alt.variant.hotspot is hotspot


@pytest.mark.parametrize("coords", [V600E_37, V600E_38])
def test_hotspot_by_coordinates_identifies_a_call_without_a_protein_change(kb, coords):
    alt, warnings = one(kb, call(gene=None, **coords))
    assert alt.gene == "BRAF" and alt.gene_known
    assert alt.variant.protein.canonical == "V600E"
    assert alt.variant.consequence == "missense"
    assert alt.variant.hotspot is True
    assert alt.not_assessable is None
    assert alt.label == "BRAF V600E"
    assert f"identified from genomic coordinates ({coords['build']} hotspot)" in alt.notes
    assert warnings == []


def test_hotspot_coordinates_under_another_gene_name_warn(kb):
    alt, warnings = one(kb, call(gene="KRAS", protein="V600E", **V600E_37))
    assert alt.variant.hotspot is True
    assert warnings == ["variants[0]: coordinates are the BRAF hotspot V600E, but the gene was "
                        "given as KRAS"]


def test_an_unreadable_change_at_hotspot_coordinates_is_read_from_them(kb):
    alt, warnings = one(kb, call(protein="p.V600EE", **V600E_37))
    assert alt.not_assessable is None
    assert alt.variant.protein.canonical == "V600E"
    assert len(warnings) == 1 and "the call was identified from its genomic coordinates" \
        in warnings[0]


def test_coordinates_off_the_hotspot_are_no_hotspot(kb):
    alt, _ = one(kb, call(protein="V600E", chrom="7", pos=140453137, ref="C", alt="G",
                          build="GRCh37"))
    assert alt.variant.hotspot is True  # by residue: the protein change names one
    alt, _ = one(kb, call(protein="T599I", chrom="7", pos=140453140, ref="G", alt="A",
                          build="GRCh37"))
    assert alt.variant.hotspot is False


def test_a_raw_call_inside_a_kb_gene_is_not_assessable(kb):
    alt, _ = one(kb, call(gene=None, chrom="7", pos=140453100, ref="A", alt="G",
                          build="GRCh37"))
    assert alt.gene == "BRAF"
    assert alt.not_assessable == ("raw call inside BRAF: consequence unknown; annotate with VEP "
                                  "or snpEff to assess")
    assert alt.label == "BRAF 7:140453100 A>G"


def test_a_call_outside_every_gene_is_not_assessable(kb):
    alt, _ = one(kb, call(gene=None, chrom="7", pos=1000, ref="A", alt="G", build="GRCh37"))
    assert alt.gene is None
    assert alt.not_assessable == "no gene: the position is outside every known gene span"
    assert alt.label == "intergenic 7:1000 A>G"


def test_coordinates_need_a_build(kb):
    alt, _ = one(kb, call(protein="V600E", chrom="7", pos=140453136, ref="A", alt="T"))
    assert alt.not_assessable == "genomic coordinates without a genome build"
    with pytest.raises(ReportValidationError) as info:
        one(kb, call(protein="V600E", chrom="7", pos=140453136, ref="A", alt="T"), "labjson")
    assert info.value.problems[0].field == "genome_build"


# ----------------------------------------------------------------------------- consequence
def test_the_protein_change_decides_the_consequence(kb):
    alt, _ = one(kb, call(protein="V600E", consequence="frameshift_variant"))
    assert alt.variant.consequence == "missense"


@pytest.mark.parametrize("so,cls", [("frameshift_variant", "frameshift"),
                                    ("stop_gained", "nonsense"),
                                    ("splice_acceptor_variant&intron_variant", "splice"),
                                    ("synonymous_variant", "synonymous")])
def test_without_a_protein_change_the_annotators_term_decides(kb, so, cls):
    alt, _ = one(kb, call(gene="TSC2", consequence=so))
    assert alt.variant.consequence == cls
    assert alt.label == "TSC2 (change not given)"


@pytest.mark.parametrize("cdna,cls,derived", [
    ("c.100_101del", "frameshift", True), ("c.100_102del", "inframe_deletion", True),
    ("c.100_101insAAA", "inframe_insertion", True), ("c.100+1G>A", "splice", False),
    ("c.1799T>A", None, False)])
def test_a_cdna_only_call_is_classed_from_the_cdna_change(kb, cdna, cls, derived):
    alt, _ = one(kb, call(gene="TSC2", cdna_change=cdna))
    assert alt.variant.consequence == cls
    assert alt.label == f"TSC2 {cdna}"
    note = f"{(cls or '').replace('_', ' ')} derived from the cDNA change's length (no " \
           "protein change given)"
    assert (note in alt.notes) is derived


def test_the_annotators_term_wins_over_the_cdna_length(kb):
    alt, _ = one(kb, call(gene="TSC2", cdna_change="c.100_102del",
                          consequence="frameshift_variant"))
    assert alt.variant.consequence == "frameshift"


def test_an_unreadable_protein_change(kb):
    alt, _ = one(kb, call(protein="p.L858RR", gene="EGFR", consequence="missense_variant",
                          protein_field="HGVSp_Short"))
    assert alt.not_assessable.startswith("variants[0], HGVSp_Short: cannot read protein change "
                                         "'p.L858RR'")
    assert alt.label == "EGFR p.L858RR"
    with pytest.raises(ReportValidationError) as info:
        one(kb, call(protein="p.L858RR", gene="EGFR"), "labjson")
    assert info.value.problems[0].field == "variants[0].protein_change"
    assert info.value.problems[0].message.startswith("cannot read protein change 'p.L858RR'")


def test_a_cdna_change_written_as_hgvsp_falls_back_to_the_term_in_pipeline_files(kb):
    alt, _ = one(kb, call(protein="c.1799T>A", gene="BRAF", consequence="synonymous_variant"))
    assert alt.not_assessable is None
    assert alt.variant.consequence == "synonymous"
    alt, _ = one(kb, call(protein="c.1799T>A", gene="BRAF"))
    assert alt.not_assessable is not None  # no term to fall back on


def test_itd_without_hgvs_is_read_for_itd_genes_only(kb):
    alt, _ = one(kb, call(gene="FLT3", protein="ITD"))
    assert alt.not_assessable is None and alt.variant.protein.canonical == "ITD"
    alt, _ = one(kb, call(gene="BRAF", protein="ITD"))
    assert "'ITD' without HGVS is read for" in alt.not_assessable


@pytest.mark.parametrize("written", ["C228T", "c.-124C>T", "p.C228T"])
def test_tert_promoter_calls(kb, written):
    if written.startswith("c."):
        alt, _ = one(kb, call(gene="TERT", cdna_change=written))
    else:
        alt, _ = one(kb, call(gene="TERT", protein=written))
    assert alt.label == "TERT promoter C228T"
    assert alt.variant.consequence == "other"
    assert alt.not_assessable is None


# ----------------------------------------------------------------------------- labels, genes
def test_exon_level_calls_germline_notes_and_ids(kb):
    out = norm(kb, VariantCall(source="variants[0]", gene="EGFR", exon=19,
                               consequence="inframe_deletion"),
               VariantCall(source="variants[1]", gene="BRCA2", protein_change="Q3066*",
                           origin="germline"), fmt="labjson")
    exon, germline = out.alterations
    assert exon.label == "EGFR exon 19 inframe deletion"
    assert exon.variant.exon == 19
    assert germline.origin == "germline"
    assert "germline: inherited; consider genetic counselling" in germline.notes
    assert [a.id for a in out.alterations] == ["A1", "A2"]
    assert exon.original == "EGFR" and germline.original == "BRCA2 Q3066*"


def test_the_exon_is_derived_from_the_protein_on_mane_select_only(kb):
    alt, _ = one(kb, call(gene="EGFR", protein="E746_A750del"), "labjson")
    assert alt.variant.exon == 19
    assert any(n.startswith("exon 19 derived from the protein position") for n in alt.notes)
    other, _ = one(kb, call(gene="EGFR", protein="E746_A750del", transcript="NM_001346897.2"))
    assert other.variant.exon is None


def test_gene_symbols(kb):
    alt, warnings = one(kb, call(gene="MLL", protein="R123H"))
    assert alt.gene == "KMT2A" and alt.gene_known
    assert warnings == ["variants[0].gene: 'MLL' is a previous symbol; read as KMT2A"]
    alt, warnings = one(kb, call(gene="FOOBAR1", protein="R123H"))
    assert alt.gene == "FOOBAR1" and not alt.gene_known
    assert warnings == ["variants[0].gene: gene symbol 'FOOBAR1' is not known to HGNC; kept as "
                        "written and not matched"]
    alt, warnings = one(kb, call(gene="ERBB2", protein="S310F"))
    assert warnings == []
    alt, warnings = one(kb, call(gene="LAM", protein="Q1178*"))
    assert alt.gene is None and not alt.gene_known
    assert warnings[0].startswith("variants[0].gene: 'LAM' is an alias or previous symbol of "
                                  "several genes")
    with pytest.raises(ReportValidationError) as info:
        one(kb, call(gene="LAM", protein="Q1178*"), "labjson")
    assert info.value.problems[0].field == "variants[0].gene"


# ----------------------------------------------------------------------------- other kinds
@pytest.mark.parametrize("fc,label,five,three", [
    (FusionCall("fusions[0]", text="EML4::ALK"), "EML4::ALK", "EML4", "ALK"),
    (FusionCall("fusions[0]", "EML4", "ALK"), "EML4::ALK", "EML4", "ALK"),
    (FusionCall("fusions[0]", "ALK", "EML4", order_known=False),
     "EML4–ALK fusion (partner order unknown)", "EML4", "ALK"),
    (FusionCall("fusions[0]", None, "ALK"), "ALK rearrangement", None, "ALK"),
    (FusionCall("fusions[0]", "ALK", None), "ALK rearrangement", None, "ALK"),
])
def test_fusions(kb, fc, label, five, three):
    (alt,) = norm(kb, fusions=[fc]).alterations
    assert alt.kind == "fusion"
    assert (alt.label, alt.fusion.five_prime, alt.fusion.three_prime) == (label, five, three)
    assert alt.gene == "ALK"


def test_an_unreadable_fusion(kb):
    (alt,) = norm(kb, fusions=[FusionCall("fusions[0]", text="not a fusion at all")]
                  ).alterations
    assert alt.not_assessable.startswith("cannot read fusion 'not a fusion at all'")
    with pytest.raises(ReportValidationError) as info:
        norm(kb, fusions=[FusionCall("fusions[0]", text="not a fusion at all")], fmt="labjson")
    assert info.value.problems[0].field == "fusions[0].fusion"


def test_copy_numbers(kb):
    (alt,) = norm(kb, copy_numbers=[CopyNumberCall("copy_numbers[0]", "HER2", "deep_deletion",
                                                   copies=0.5)]).alterations
    assert (alt.kind, alt.gene, alt.label, alt.original) == (
        "copy_number", "ERBB2", "ERBB2 deep deletion", "HER2 deep_deletion (0.5 copies)")
    assert alt.copy_number.state == "deep_deletion"


def test_signatures(kb):
    b = Biomarkers(tmb=10, msi="MSI-H", mmr="deficient", pdl1_tps=0, pdl1_cps=1.5,
                   hrd="positive", cytogenetics=("del(5q)",))
    alts = norm(kb, biomarkers=b).alterations
    assert [(a.gene, a.label, a.source, a.signature.name, a.signature.value, a.signature.unit)
            for a in alts] == [
        (None, "TMB 10 mut/Mb", "biomarkers.tmb", "TMB", 10, "mut/Mb"),
        (None, "MSI-H", "biomarkers.msi", "MSI", "MSI-H", None),
        (None, "MMR deficient", "biomarkers.mmr", "MMR", "deficient", None),
        ("CD274", "PD-L1 TPS 0%", "biomarkers.pdl1_tps", "PDL1_TPS", 0, "%"),
        ("CD274", "PD-L1 CPS 1.5", "biomarkers.pdl1_cps", "PDL1_CPS", 1.5, None),
        (None, "HRD positive", "biomarkers.hrd", "HRD", "positive", None),
        (None, "del(5q)", "biomarkers.cytogenetics[0]", "CYTOGENETICS", "del(5q)", None)]
    assert all(a.kind == "signature" for a in alts)


# ----------------------------------------------------------------------------- found by mutmut
# EGFR exon 19 on its MANE Select transcript (NM_005228.5): c.2185-c.2283, codons 729-761.
@pytest.mark.parametrize("cdna,exon", [
    ("c.2185_2187del", 19),   # the exon's first codon
    ("c.2281_2283del", 19),   # its last codon
    ("c.2235_2249del", 19),   # the common E746_A750 deletion
    ("c.2283_2285del", None),  # codons 761-762: across the exon 19/20 junction
    ("c.2182_2184del", 18),
    ("c.2184_2186del", None),  # codons 728-729
])
def test_the_exon_of_a_cdna_only_indel(kb, cdna, exon):
    alt, _ = one(kb, call(gene="EGFR", cdna_change=cdna))
    assert alt.variant.consequence == "inframe_deletion"
    assert alt.variant.exon == exon
    note = (f"exon {exon} derived from the protein position on the MANE Select transcript "
            "NM_005228.5 (the call gave no exon)")
    assert (note in alt.notes) is (exon is not None)


def test_no_exon_from_a_splice_or_intronic_cdna_change_or_another_transcript(kb):
    alt, _ = one(kb, call(gene="EGFR", cdna_change="c.2184+1G>A"))
    assert alt.variant.consequence == "splice" and alt.variant.exon is None
    alt, _ = one(kb, call(gene="EGFR", cdna_change="c.2184+3_2184+5del"))
    assert alt.variant.exon is None
    alt, _ = one(kb, call(gene="EGFR", cdna_change="c.2235_2249del",
                          transcript="NM_001346897.2"))
    assert alt.variant.exon is None
    alt, _ = one(kb, call(gene="EGFR", cdna_change="c.2235_2249del", transcript="NM_005228.5"))
    assert alt.variant.exon == 19
    alt, _ = one(kb, call(gene="EGFR", cdna_change="c.2235_2249del", exon=20))
    assert alt.variant.exon == 20  # the annotation's exon is kept


def test_fusion_details(kb):
    (alt,) = norm(kb, fusions=[FusionCall("fusions[0]", text="EML4(13)::ALK(20)",
                                          supporting_reads=12)]).alterations
    f = alt.fusion
    assert (f.five_prime, f.three_prime, f.order_known, f.kinase_gene, f.five_prime_exon,
            f.three_prime_exon, f.supporting_reads) == ("EML4", "ALK", True, "ALK", 13, 20, 12)
    assert (alt.id, alt.label, alt.original, alt.source, alt.gene_known) == (
        "A1", "EML4::ALK", "EML4(13)::ALK(20)", "fusions[0]", True)
    (alt,) = norm(kb, fusions=[FusionCall("fusions[0]", text="EML4(13)::ALK(20)",
                                          five_prime_exon=6, three_prime_exon=19)]).alterations
    assert (alt.fusion.five_prime_exon, alt.fusion.three_prime_exon) == (6, 19)  # given: kept
    (alt,) = norm(kb, fusions=[FusionCall("fusions[0]", "KIF5B", "RET", text="EML4::ALK")]
                  ).alterations
    assert (alt.fusion.five_prime, alt.fusion.three_prime) == ("KIF5B", "RET")  # genes win
    assert alt.original == "EML4::ALK"
    (alt,) = norm(kb, fusions=[FusionCall("fusions[0]", "PML", "RARA")]).alterations
    assert alt.fusion.kinase_gene is None and alt.gene == "PML"
    assert alt.original == "PML::RARA"
    (alt,) = norm(kb, fusions=[FusionCall("fusions[0]", "FOOBAR1", "ALK")]).alterations
    assert alt.gene_known is False and alt.fusion.five_prime == "FOOBAR1"
    (alt,) = norm(kb, fusions=[FusionCall("fusions[0]", "EML4", "FOOBAR1")]).alterations
    assert alt.gene_known is False
    (alt,) = norm(kb, fusions=[FusionCall("fusions[0]", None, "ALK", order_known=False)]
                  ).alterations
    assert (alt.label, alt.fusion.kinase_gene, alt.gene_known) == ("ALK rearrangement", "ALK",
                                                                   True)
    (alt,) = norm(kb, fusions=[FusionCall("fusions[0]", "ALK", "EML4", order_known=False)]
                  ).alterations
    assert (alt.fusion.five_prime, alt.fusion.three_prime, alt.fusion.order_known) == (
        "EML4", "ALK", False)
    (alt,) = norm(kb, fusions=[FusionCall("fusions[0]", "EML4", "ALK",
                                          filter_reason="2 reads")]).alterations
    assert alt.filter_reason == "2 reads"


def test_an_unreadable_fusion_in_a_pipeline_file_is_kept_and_listed(kb):
    (alt,) = norm(kb, fusions=[FusionCall("line 3", text="not a fusion at all")]).alterations
    assert (alt.id, alt.kind, alt.gene, alt.label, alt.original, alt.source) == (
        "A1", "fusion", None, "not a fusion at all", "not a fusion at all", "line 3")


@pytest.mark.parametrize("kwargs,field,expected", [
    ({"gene": "EGFR", "protein_change": "p.L858RR"}, "variants[0].protein_change",
     "HGVS protein notation such as p.Val600Glu or V600E"),
    ({"gene": "EGFR", "cdna_change": "c.2573Z>G"}, "variants[0].cdna_change",
     "HGVS cDNA notation such as c.1799T>A"),
    ({"gene": "BRAF", "protein_change": "V600E", "chrom": "7", "pos": 140453136, "ref": "A",
      "alt": "T"}, "genome_build", "GRCh37 or GRCh38"),
])
def test_a_lab_json_problem_names_the_field_and_what_was_expected(kb, kwargs, field, expected):
    with pytest.raises(ReportValidationError) as info:
        norm(kb, VariantCall(source="variants[0]", **kwargs), fmt="labjson")
    (p,) = info.value.problems
    assert (p.field, p.expected) == (field, expected)


def test_every_problem_of_a_lab_json_report_at_once(kb):
    with pytest.raises(ReportValidationError) as info:
        norm(kb, VariantCall(source="variants[0]", gene="LAM", protein_change="Q1178*"),
             VariantCall(source="variants[1]", gene="EGFR", protein_change="p.L858RR"),
             fusions=[FusionCall("fusions[0]", text="not a fusion at all")], fmt="labjson")
    problems = info.value.problems
    assert [p.field for p in problems] == ["variants[0].gene", "variants[1].protein_change",
                                           "fusions[0].fusion"]
    assert problems[0].expected == "one of TSC1, TSC2"
    assert problems[2].expected == "a fusion such as EML4::ALK"
    assert str(info.value).startswith("report failed validation (3 problem(s))")


def test_tert_promoter_protein():
    from matcher.normalize import _tert

    p = _tert("C228T")
    assert (p.canonical, p.hgvs, p.consequence, p.position) == ("C228T", "C228T", "other", None)


@pytest.mark.parametrize("fc,label,five,three,known,kinase,order", [
    (FusionCall("fusions[0]", "ALK", "EML4"), "ALK::EML4", "ALK", "EML4", True, None, True),
    (FusionCall("fusions[0]", None, "ALK", text="EML4::ALK"), "ALK rearrangement", None, "ALK",
     True, "ALK", True),  # a gene given: the text is not read again
    (FusionCall("fusions[0]", "ALK", None), "ALK rearrangement", None, "ALK", True, "ALK",
     True),
    (FusionCall("fusions[0]", "FOOBAR1", "ALK"), "FOOBAR1::ALK", "FOOBAR1", "ALK", False, "ALK",
     True),
])
def test_fusion_orientation_kinase_and_known_genes(kb, fc, label, five, three, known, kinase,
                                                   order):
    out = norm(kb, fusions=[fc])
    (alt,) = out.alterations
    f = alt.fusion
    assert (alt.label, f.five_prime, f.three_prime, alt.gene_known, f.kinase_gene,
            f.order_known, alt.gene) == (label, five, three, known, kinase, order, "ALK")
    if not known:
        assert out.warnings == ["fusions[0].five_prime_gene: gene symbol 'FOOBAR1' is not "
                                "known to HGNC; kept as written and not matched"]


def test_messages_of_unreadable_and_ambiguous_input(kb):
    (alt,) = norm(kb, fusions=[FusionCall("line 3", text="not a fusion at all")]).alterations
    assert alt.not_assessable == "cannot read fusion 'not a fusion at all': not a fusion name"
    _, warnings = one(kb, call(gene="LAM", protein="Q1178*"))
    assert warnings == ["variants[0].gene: 'LAM' is an alias or previous symbol of several "
                        "genes (TSC1, TSC2); not guessed"]


def test_a_promoter_name_is_read_as_tert_only_for_tert(kb):
    alt, _ = one(kb, call(gene="BRAF", protein="C228T"))
    assert (alt.label, alt.variant.consequence) == ("BRAF C228T", "missense")


def test_call_details_are_kept(kb):
    alt, _ = one(kb, call(protein="V600E", vaf=0.31, depth=212, transcript="NM_004333.6",
                          **V600E_37))
    v = alt.variant
    assert (v.chrom, v.pos, v.ref, v.alt, v.build, v.vaf, v.depth, v.transcript) == (
        "7", 140453136, "A", "T", "GRCh37", 0.31, 212, "NM_004333.6")
    (cn,) = norm(kb, copy_numbers=[CopyNumberCall("copy_numbers[0]", "ERBB2", "amplification")]
                 ).alterations
    assert (cn.source, cn.original, cn.copy_number.copies) == (
        "copy_numbers[0]", "ERBB2 amplification", None)
    (cn,) = norm(kb, copy_numbers=[CopyNumberCall("copy_numbers[0]", "ERBB2", "amplification",
                                                  copies=12)]).alterations
    assert (cn.original, cn.copy_number.copies) == ("ERBB2 amplification (12 copies)", 12)


def test_tert_promoter_by_coordinates(kb):
    alt, warnings = one(kb, call(gene="TERT", chrom="5", pos=1295228, ref="G", alt="A",
                                 build="GRCh37"))
    assert (alt.label, alt.original, alt.variant.consequence, alt.variant.hotspot) == (
        "TERT promoter C228T", "TERT (5:1295228 G>A)", "other", True)
    assert alt.variant.protein.canonical == "C228T"
    assert alt.notes == ("identified from genomic coordinates (GRCh37 hotspot)",)
    assert warnings == []


@pytest.mark.parametrize("kwargs,label,why", [
    ({"protein": "ITD"}, "BRAF ITD",
     "variants[0]: cannot read protein change 'ITD': 'ITD' without HGVS is read for FLT3 only"),
    ({"cdna_change": "c.12Z>A"}, "BRAF c.12Z>A",
     "cannot read cDNA change 'c.12Z>A': positions or change not understood"),
    ({"protein": "p.V600EE"}, "BRAF p.V600EE",
     "variants[0]: cannot read protein change 'p.V600EE': not a recognised protein change"),
])
def test_why_a_call_is_not_assessable(kb, kwargs, label, why):
    alt, _ = one(kb, call(gene="BRAF", **kwargs))
    assert (alt.label, alt.not_assessable) == (label, why)


def test_what_a_variant_alteration_carries(kb):
    alt, _ = one(kb, call(protein="V600E", filter_reason="LowQual", cdna_change="c.1799T>A",
                          **V600E_37))
    assert (alt.id, alt.kind, alt.source, alt.original, alt.filter_reason, alt.variant.cdna) == (
        "A1", "variant", "variants[0]", "BRAF V600E (7:140453136 A>T)", "LowQual",
        "c.1799T>A")
    alt, _ = one(kb, call(gene="EGFR", exon=19))
    assert (alt.label, alt.original) == ("EGFR exon 19 alteration", "EGFR")


# ----------------------------------------------------------------------------- second mutmut pass
@pytest.mark.parametrize("gene,cdna,label,consequence", [
    ("TERT", "NM_198253.3:c.-124C>T", "TERT promoter C228T", "other"),  # on its transcript
    ("TERT", "c.-146C>T", "TERT promoter C250T", "other"),
    ("BRAF", "c.-124C>T", "BRAF c.-124C>T", None),  # a promoter name only for TERT
    ("TERT", "c.100_101del", "TERT c.100_101del", "frameshift"),  # TERT, not its promoter
])
def test_tert_promoter_cdna_changes(kb, gene, cdna, label, consequence):
    alt, _ = one(kb, call(gene=gene, cdna_change=cdna))
    assert (alt.label, alt.variant.consequence, alt.not_assessable) == (label, consequence, None)
    assert (alt.variant.protein is not None) is label.startswith("TERT promoter")


def test_a_protein_change_on_another_mane_transcript_is_not_assessable(kb):
    # BRAF V600E on the MANE Select NM_004333.6 is V640E on the MANE Plus Clinical transcript
    # (matcher/reference/transcripts.py): a position on the latter is not the KB's position.
    alt, _ = one(kb, call(protein="V600E", transcript="NM_001374258.1"))
    assert alt.not_assessable == (
        "protein change given on NM_001374258.1 (MANE Plus Clinical), not on the MANE Select "
        "transcript NM_004333.6 that the knowledge base uses: residue numbers differ; give the "
        "change on the MANE Select transcript")
    alt, _ = one(kb, call(protein="V600E", transcript="NM_004333.6"))
    assert alt.not_assessable is None


def test_a_splice_protein_change_gets_no_exon(kb):
    alt, _ = one(kb, call(gene="MET", protein="D1009N"))
    assert alt.variant.exon == 14
    alt, _ = one(kb, call(gene="MET", protein="X1009_splice"))
    assert (alt.variant.consequence, alt.variant.exon) == ("splice", None)


@pytest.mark.parametrize("cdna,consequence,exon", [
    ("c.2185-2_2187del", "inframe_deletion", None),  # starts in the intron
    ("c.2170_2184+2del", "inframe_deletion", None),  # ends in the intron
    ("c.2235_2249del", "splice_donor_variant", None),  # exonic, but classed splice
    ("c.2236A>T", None, None),  # a substitution of unknown class: no indel, no exon
    ("c.2237_2238del", None, 19),  # two bases of codon 746, not from its first base
    ("c.2238del", None, 19),  # the last base of codon 746
])
def test_which_cdna_only_calls_get_an_exon(kb, cdna, consequence, exon):
    alt, _ = one(kb, call(gene="EGFR", cdna_change=cdna, consequence=consequence))
    assert alt.variant.exon == exon


def test_a_raw_call_inside_a_gene_without_kb_evidence(kb):
    # OR4F5 spans 1:65419-71585 (GRCh37) in gene_spans.tsv.gz and has no KB entry
    assert "OR4F5" not in kb.genes
    alt, warnings = one(kb, call(gene=None, chrom="1", pos=69000, ref="A", alt="G",
                                 build="GRCh37"))
    assert (alt.gene, alt.gene_known, alt.not_assessable) == ("OR4F5", True, None)
    assert (alt.label, alt.original) == ("OR4F5 1:69000 A>G", "1:69000 A>G")
    assert alt.variant.consequence is None and alt.variant.protein is None
    assert warnings == []


def test_a_non_coding_hotspot(kb):
    # cancerhotspots' non-coding hotspot at PLEKHS1 10:115511590 G>C (hotspots.tsv.gz, HOTSPOTNC)
    coords = {"chrom": "10", "pos": 115511590, "ref": "G", "alt": "C", "build": "GRCh37"}
    alt, warnings = one(kb, call(gene=None, **coords))
    assert (alt.gene, alt.label, alt.variant.hotspot, alt.variant.protein) == (
        "PLEKHS1", "PLEKHS1 10:115511590 G>C", True, None)
    assert alt.notes == ("non-coding hotspot listed for PLEKHS1 (GRCh37, cancerhotspots.org): "
                         "no protein change",)
    assert warnings == []
    alt, warnings = one(kb, call(gene="TP53", **coords))
    assert alt.gene == "PLEKHS1"
    assert warnings == ["variants[0]: coordinates are the PLEKHS1 hotspot non-coding hotspot, "
                        "but the gene was given as TP53"]


def test_a_cdna_change_in_hgvsp_at_hotspot_coordinates_is_no_unreadable_change(kb):
    alt, warnings = one(kb, call(gene=None, protein="c.1799T>A", consequence="missense_variant",
                                 **V600E_37))
    assert (alt.gene, alt.variant.protein.canonical, alt.not_assessable) == (
        "BRAF", "V600E", None)
    assert warnings == []  # nothing unreadable to report


def test_lab_json_messages_in_full(kb):
    with pytest.raises(ReportValidationError) as info:
        norm(kb, VariantCall(source="variants[0]", gene="LAM", protein_change="Q1178*"),
             VariantCall(source="variants[1]", gene="EGFR", protein_change="p.L858RR"),
             fmt="labjson")
    assert [p.message for p in info.value.problems] == [
        "'LAM' is an alias or previous symbol of several genes (TSC1, TSC2); not guessed",
        "cannot read protein change 'p.L858RR': not a recognised protein change"]


@pytest.mark.parametrize("symbol,status,approved", [("HER2", "an alias", "ERBB2"),
                                                    ("MLL", "a previous", "KMT2A")])
def test_a_symbol_read_as_another_says_so(kb, symbol, status, approved):
    out = norm(kb, copy_numbers=[CopyNumberCall("copy_numbers[0]", symbol, "amplification")])
    assert out.alterations[0].gene == approved
    assert out.warnings == [f"copy_numbers[0].gene: '{symbol}' is {status} symbol; read as "
                            f"{approved}"]


def test_what_a_copy_number_alteration_carries(kb):
    out = norm(kb, copy_numbers=[
        CopyNumberCall("copy_numbers[0]", "ERBB2", "amplification", filter_reason="low purity"),
        CopyNumberCall("copy_numbers[1]", "FOOBAR1", "deep_deletion",
                       not_assessable="segment too short")])
    amp, unknown = out.alterations
    assert (amp.id, amp.gene_known, amp.filter_reason, amp.not_assessable) == (
        "A1", True, "low purity", None)
    assert (unknown.id, unknown.gene, unknown.gene_known, unknown.filter_reason,
            unknown.not_assessable) == ("A2", "FOOBAR1", False, None, "segment too short")
    assert out.warnings == ["copy_numbers[1].gene: gene symbol 'FOOBAR1' is not known to HGNC; "
                            "kept as written and not matched"]


def test_signature_ids_and_original(kb):
    out = norm(kb, call(protein="V600E"), biomarkers=Biomarkers(tmb=12, msi="MSI-H"))
    assert [(a.id, a.original) for a in out.alterations] == [
        ("A1", "BRAF V600E"), ("A2", "TMB 12 mut/Mb"), ("A3", "MSI-H")]


@pytest.mark.parametrize("fc,five,three,kinase,gene", [
    # a partner whose symbol has a hyphen: only HGNC says where to split
    (FusionCall("fusions[0]", text="HLA-A-ROS1"), "HLA-A", "ROS1", "ROS1", "ROS1"),
    # FGFR acts from the 5' side (fusion_names.FIVE_PRIME_KINASES)
    (FusionCall("fusions[0]", text="FGFR3::TACC3"), "FGFR3", "TACC3", "FGFR3", "FGFR3"),
    # one side and the text given, order not stated: a kinase on either side counts
    (FusionCall("fusions[0]", "ALK", None, text="ALK rearrangement", order_known=False),
     "ALK", None, "ALK", "ALK"),
])
def test_fusion_partners_and_kinase(kb, fc, five, three, kinase, gene):
    (alt,) = norm(kb, fusions=[fc]).alterations
    assert (alt.fusion.five_prime, alt.fusion.three_prime, alt.fusion.kinase_gene, alt.gene) \
        == (five, three, kinase, gene)
    assert alt.not_assessable is None


def test_a_fusion_keeps_the_readers_verdict_and_names_the_unknown_side(kb):
    out = norm(kb, fusions=[FusionCall("fusions[0]", "EML4", "FOOBAR1",
                                       not_assessable="breakpoint in an intron")])
    (alt,) = out.alterations
    assert alt.not_assessable == "breakpoint in an intron"
    assert out.warnings == ["fusions[0].three_prime_gene: gene symbol 'FOOBAR1' is not known to "
                            "HGNC; kept as written and not matched"]
