"""Reader rules pinned at their boundaries (issue 18): the lab JSON VAF/depth thresholds and which
`lab` wins, the VCF's tumor/normal column check and genotype allele indexes."""

from __future__ import annotations

import json

import pytest

from matcher.errors import FileFormatError
from matcher.readers import ReadOptions
from matcher.readers.labjson import read_labjson
from matcher.readers.vcf import read_vcf


def labjson(doc: dict, **opts):
    return read_labjson(json.dumps({"report_id": "R-1", "tumor_type": "THAP", **doc}).encode(),
                        ReadOptions(**opts))[0]


@pytest.mark.parametrize("vaf,filtered", [(0.049, True), (0.05, False), (0.051, False)])
def test_a_vaf_at_the_minimum_is_kept(vaf, filtered):
    r = labjson({"variants": [{"gene": "BRAF", "protein_change": "V600E", "vaf": vaf}]},
                min_vaf=0.05)
    assert (r.variants[0].filter_reason is not None) is filtered


@pytest.mark.parametrize("depth,filtered", [(19, True), (20, False), (21, False)])
def test_a_depth_at_the_minimum_is_kept(depth, filtered):
    r = labjson({"variants": [{"gene": "BRAF", "protein_change": "V600E", "depth": depth}]},
                min_depth=20)
    assert (r.variants[0].filter_reason is not None) is filtered


def test_the_report_names_its_lab_and_the_caller_fills_in_a_missing_one():
    assert labjson({"lab": "Lab in the file"}, lab="lab-key").lab == "Lab in the file"
    assert labjson({}, lab="lab-key").lab == "lab-key"


HEADER = ("##fileformat=VCFv4.2\n"
          "##contig=<ID=7,length=159138663>\n"
          '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\tNORMAL\n")


def vcf(gt_tumor: str, alts: str = "T", **opts):
    body = HEADER + f"7\t140453136\t.\tA\t{alts}\t.\tPASS\t.\tGT\t{gt_tumor}\t0/0\n"
    return read_vcf(body.encode(), options=ReadOptions(genome_build="GRCh37", **opts),
                    name="t.vcf")[0]


def test_the_tumor_and_the_normal_cannot_be_the_same_column():
    with pytest.raises(FileFormatError) as info:
        vcf("0/1", sample="TUMOR", normal_sample="TUMOR")
    assert info.value.problems[0].field == "normal_sample"
    assert vcf("0/1", sample="TUMOR", normal_sample="NORMAL").variants  # distinct: read


@pytest.mark.parametrize("gt,alts,valid", [("0/1", "T", True), ("1/1", "T", True),
                                           ("0/2", "T", False), ("0/2", "T,C", True),
                                           ("0/3", "T,C", False)])
def test_a_genotype_names_only_alleles_the_record_has(gt, alts, valid):
    if valid:
        assert vcf(gt, alts).variants
    else:
        with pytest.raises(FileFormatError) as info:
            vcf(gt, alts)
        assert info.value.problems[0].field == "GT"
