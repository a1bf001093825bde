"""The VCF/MAF/fusion samples in vcf_samples/ hold to the highlights their README promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.kb.loader import load_kb
from matcher.pipeline import run
from matcher.readers import ReadOptions, read_file

SAMPLES = Path(__file__).parent.parent / "vcf_samples"


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def results(kb, name: str, **opts):
    return run(path=str(SAMPLES / name), kb=kb, options=ReadOptions(**opts))


def outcome(result) -> dict[str, tuple[str, str | None]]:
    return {a.alteration.label: (a.status, a.alteration.origin) for a in result.alterations}


def levels(result) -> dict[str, str]:
    return {o.name: o.level for o in result.therapy_options}


def tsc2_lof_everolimus(result) -> bool:
    """Everolimus is offered through the TSC2 loss-of-function (consequence) evidence."""
    return any(m.evidence_id.startswith("TSC2-LOF-EVEROLIMUS") and m.match_type == "consequence"
               for o in result.therapy_options if o.name == "everolimus" for m in o.matches)


@pytest.mark.parametrize("name, build", [("atc_braf_v600e.grch37.vcf", "GRCh37"),
                                         ("atc_braf_v600e.grch38.vcf.gz", "GRCh38")])
def test_atc_braf_raw_vcf_same_result_in_both_builds(kb, name, build):
    (res,) = results(kb, name, tumor_type="THAP")
    assert res.genome_build == build
    assert levels(res)["dabrafenib + trametinib"] == "1"
    assert outcome(res)["BRAF V600E"][0] == "matched"
    assert outcome(res)["PIK3CA E545K"][0] == "filtered"  # FILTER=weak_evidence


def test_grch37_and_grch38_files_give_identical_options(kb):
    a = results(kb, "atc_braf_v600e.grch37.vcf", tumor_type="THAP")[0]
    b = results(kb, "atc_braf_v600e.grch38.vcf.gz", tumor_type="THAP")[0]
    assert levels(a) == levels(b) and outcome(a) == outcome(b)


def test_indexed_grch38_sample_read_by_region(kb):
    from matcher.reference.hotspots import GeneSpans
    regions = GeneSpans.load().regions("GRCh38", ["BRAF"])
    (report,) = read_file(path=str(SAMPLES / "atc_braf_v600e.grch38.vcf.gz"), regions=regions)
    assert [(v.chrom, v.pos, v.source) for v in report.variants] == [
        ("chr7", 140753336, "record chr7:140753336")]


@pytest.mark.parametrize("name", ["vep_pik3ca_tsc2.grch37.vcf", "snpeff_pik3ca_tsc2.grch37.vcf"])
def test_annotated_vcfs_pik3ca_and_tsc2(kb, name):
    (res,) = results(kb, name, tumor_type="BRCA")
    assert outcome(res)["PIK3CA H1047R"][0] == "matched"
    assert outcome(res)["TSC2 Q1178*"][0] == "matched"
    assert levels(res)["alpelisib + fulvestrant"] == "1"
    assert tsc2_lof_everolimus(res)


def test_mutect2_pair_somatic_germline_and_multiallelic(kb):
    (res,) = results(kb, "mutect2_tumor_normal.grch37.vcf", tumor_type="BRCA")
    assert res.sample == "DEMO-02-T"  # the second column, named by ##tumor_sample
    got = outcome(res)
    assert got["PIK3CA H1047R"] == ("matched", "somatic")
    assert got["TP53 R248Q"][0] == got["TP53 R248L"][0] == "filtered"
    germline = [a for a in res.alterations if a.alteration.origin == "germline"]
    assert [a.alteration.variant.pos for a in germline] == [7579472]  # TP53 P72R in the normal


def test_manta_eml4_alk(kb):
    (res,) = results(kb, "manta_eml4_alk.grch37.vcf", tumor_type="THAP")
    (fusion,) = [a.alteration for a in res.alterations]
    assert (fusion.fusion.five_prime, fusion.fusion.three_prime) == ("EML4", "ALK")
    assert levels(res)["crizotinib"] == "3A"


def test_star_fusion_ccdc6_ret(kb):
    (res,) = results(kb, "star_fusion_ccdc6_ret.fusion_candidates.final.abridged.tsv",
                     tumor_type="THPA")
    assert levels(res)["selpercatinib"] == "1" and levels(res)["pralsetinib"] == "1"


def test_multi_sample_maf_with_sidecar(kb):
    sidecar = (SAMPLES / "multi_sample.clinical.tsv").read_bytes()
    res = results(kb, "multi_sample.grch37.maf", clinical_sidecar=sidecar)
    assert [(r.report_id, r.tumor_type.code) for r in res] == [
        ("DEMO-M1", "THAP"), ("DEMO-M2", "IDC"), ("DEMO-M3", "PECOMA")]
    assert levels(res[0])["dabrafenib + trametinib"] == "1"
    assert levels(res[1])["alpelisib + fulvestrant"] == "1"
    assert tsc2_lof_everolimus(res[2])


def test_braf_v600e_as_a_dinucleotide_mnv_matches(kb):
    data = (SAMPLES / "atc_braf_v600e.grch37.vcf").read_bytes().replace(
        b"7\t140453136\t.\tA\tT", b"7\t140453135\t.\tCA\tTT")
    (res,) = run(data, kb=kb, options=ReadOptions(tumor_type="THAP"))
    assert outcome(res)["BRAF V600E"][0] == "matched"
    assert levels(res)["dabrafenib + trametinib"] == "1"
