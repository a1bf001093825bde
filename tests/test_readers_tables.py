"""STAR-Fusion, Arriba and MAF readers on real caller output and cBioPortal-style files."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.errors import FileFormatError, PayloadTooLarge
from matcher.readers import ReadOptions
from matcher.readers.fusion_tables import read_arriba, read_star_fusion
from matcher.readers.maf import read_maf

DATA = Path(__file__).parent / "data" / "fusion-callers"
SAMPLES = Path(__file__).parent.parent / "vcf_samples"


def test_real_star_fusion_output_merges_breakpoint_isoforms():
    r = read_star_fusion((DATA / "star-fusion.fusion_candidates.final.abridged").read_bytes(),
                         name="star-fusion.fusion_candidates.final.abridged")[0]
    by_text = {f.text: f for f in r.fusions}
    assert len(r.fusions) == 18  # 24 rows, 6 of them further isoforms of a listed fusion
    vapb = by_text["VAPB--IKZF3"]
    assert (vapb.five_prime_gene, vapb.three_prime_gene, vapb.source, vapb.supporting_reads) == (
        "VAPB", "IKZF3", "lines 4, 6, 7", 51)
    assert r.source_format == "star-fusion" and all(f.order_known for f in r.fusions)


def test_real_arriba_output():
    r = read_arriba((DATA / "arriba.fusions.tsv").read_bytes())[0]
    (f,) = r.fusions
    assert (f.five_prime_gene, f.three_prime_gene, f.supporting_reads, f.filter_reason) == (
        "BCR", "ABL1", 11, None)


def test_arriba_low_confidence_and_intergenic():
    text = (DATA / "arriba.fusions.tsv").read_text().splitlines()
    cols = text[1].split("\t")
    low = list(cols)
    low[14] = "low"
    inter = list(cols)
    inter[0] = "LINC01(1234),GENEB(56)"
    data = "\n".join([text[0], "\t".join(low), "\t".join(inter)]).encode()
    r = read_arriba(data)[0]
    assert [f.filter_reason for f in r.fusions] == ["Arriba confidence=low"]
    assert "intergenic" in r.warnings[0]


def test_fusion_table_errors_name_line_and_column():
    with pytest.raises(FileFormatError, match="column 'RightGene' is missing"):
        read_star_fusion(b"#FusionName\tJunctionReadCount\tSpanningFragCount\tLeftGene\n")
    bad = (b"#FusionName\tJunctionReadCount\tSpanningFragCount\tLeftGene\tRightGene\n"
           b"A--B\tmany\t1\tA^x\tB^y\n")
    with pytest.raises(FileFormatError) as err:
        read_star_fusion(bad)
    assert err.value.problems[0].line == 2 and "JunctionReadCount" in str(err.value)


MAF_HEAD = ("Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele1\t"
            "Tumor_Seq_Allele2\tTumor_Sample_Barcode\tHGVSp_Short\tVariant_Classification\t"
            "NCBI_Build\tt_alt_count\tt_depth\tMutation_Status")


def test_maf_one_report_per_sample_with_sidecar():
    sidecar = (SAMPLES / "multi_sample.clinical.tsv").read_bytes()
    reports = read_maf((SAMPLES / "multi_sample.grch37.maf").read_bytes(),
                       ReadOptions(clinical_sidecar=sidecar))
    assert [(r.report_id, r.tumor_type, r.genome_build, len(r.variants)) for r in reports] == [
        ("DEMO-M1", "THAP", "GRCh37", 2), ("DEMO-M2", "IDC", "GRCh37", 1),
        ("DEMO-M3", "PECOMA", "GRCh37", 1)]
    assert reports[0].patient_id == "DEMO-P1"
    tsc2 = reports[2].variants[0]
    assert (tsc2.gene, tsc2.protein_change, tsc2.consequence, tsc2.source) == (
        "TSC2", "p.Q1178*", "stop_gained", "line 6")
    assert tsc2.vaf == pytest.approx(67 / 176)


def test_maf_classification_status_thresholds_and_sample_choice():
    rows = ["KRAS\t12\t25398284\tC\tC\tT\tS1\tp.G12D\tMissense_Mutation\t37\t3\t100\tSomatic",
            "BRCA2\t13\t32914438\tT\tT\t-\tS1\tp.S1982fs\tFrame_Shift_Del\t37\t40\t90\tGermline",
            "TP53\t17\t7577538\tC\tC\tT\tS2\tp.R248Q\tMissense_Mutation\t37\t20\t60\t"]
    data = "\n".join([MAF_HEAD, *rows]).encode()
    s1 = read_maf(data, ReadOptions(min_vaf=0.05))[0]
    assert [(v.consequence, v.origin, v.filter_reason) for v in s1.variants] == [
        ("missense_variant", "somatic", "VAF 0.03 below the minimum 0.05"),
        ("frameshift_variant", "germline", None)]
    (only,) = read_maf(data, ReadOptions(sample="S2", report_id="R9"))
    assert (only.report_id, only.sample, only.variants[0].gene) == ("R9", "S2", "TP53")
    with pytest.raises(FileFormatError, match="not in the MAF"):
        read_maf(data, ReadOptions(sample="S3"))


def test_maf_errors():
    with pytest.raises(FileFormatError, match="Tumor_Sample_Barcode"):
        read_maf(b"Hugo_Symbol\tChromosome\nBRAF\t7\n")
    bad = "\n".join([MAF_HEAD, "BRAF\t7\tabc\tA\tA\tT\tS1\tp.V600E\tMissense_Mutation\t37\t1\t2\t"])
    with pytest.raises(FileFormatError) as err:
        read_maf(bad.encode())
    assert err.value.problems[0].line == 2 and err.value.problems[0].field == "Start_Position"
    build = "\n".join([MAF_HEAD,
                       "BRAF\t7\t1\tA\tA\tT\tS1\tp.V600E\tMissense_Mutation\thg18\t1\t2\t"])
    with pytest.raises(FileFormatError, match="NCBI_Build"):
        read_maf(build.encode())
    many = "\n".join([MAF_HEAD] + ["BRAF\t7\t1\tA\tA\tT\tS1\t\t\t37\t1\t2\t"] * 3)
    with pytest.raises(PayloadTooLarge):
        read_maf(many.encode(), ReadOptions(max_variants=2))
