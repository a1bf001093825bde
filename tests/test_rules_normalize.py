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
