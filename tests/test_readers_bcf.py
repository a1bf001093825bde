"""BCF: read through htslib (pysam) as the VCF text it encodes, made here from the project's
VCF samples with htslib's own writer (the one bcftools uses), compressed and uncompressed."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest

from matcher.errors import FileFormatError
from matcher.readers import ReadOptions, read_file
from matcher.readers.detect import detect_format

pysam = pytest.importorskip("pysam")
ROOT = Path(__file__).resolve().parent.parent
VCFS = [ROOT / "vcf_samples" / "mutect2_tumor_normal.grch37.vcf",
        ROOT / "vcf_samples" / "vep_pik3ca_tsc2.grch37.vcf",
        ROOT / "vcf_samples" / "snpeff_pik3ca_tsc2.grch37.vcf"]


def to_bcf(vcf: Path, out: Path, raw: bool = False) -> Path:
    """``vcf`` written as BCF by htslib, bgzipped; ``raw``: uncompressed (``bcftools -Ou``)."""
    with pysam.VariantFile(str(vcf)) as src, \
            pysam.VariantFile(str(out), "wb", header=src.header) as dst:
        for record in src:
            dst.write(record)
    if raw:
        out.write_bytes(gzip.decompress(out.read_bytes()))
    return out


def _calls(report):
    return [(v.chrom, v.pos, v.ref, v.alt, v.gene, v.protein_change, v.vaf, v.depth, v.origin,
             v.filter_reason) for v in report.variants]


@pytest.mark.parametrize("vcf", VCFS, ids=lambda p: p.name)
@pytest.mark.parametrize("raw", [False, True], ids=["bgzf", "uncompressed"])
def test_a_bcf_gives_the_calls_of_its_vcf(vcf, raw, tmp_path):
    options = ReadOptions()
    bcf = to_bcf(vcf, tmp_path / "x.bcf", raw)
    data = bcf.read_bytes()
    assert detect_format(data, "upload.bin") == "bcf"
    (from_vcf,) = read_file(vcf.read_bytes(), options=options)
    for report in (read_file(data, options=options)[0],
                   read_file(path=str(bcf), options=options)[0]):
        assert report.source_format == "bcf"
        assert _calls(report) == _calls(from_vcf) and report.variants
        assert report.genome_build == from_vcf.genome_build
        assert report.warnings[0].startswith("read from BCF through htslib")


def test_a_truncated_bcf_is_refused_not_a_traceback(tmp_path):
    data = to_bcf(VCFS[0], tmp_path / "x.bcf").read_bytes()
    with pytest.raises(FileFormatError, match="BCF"):
        read_file(data[: len(data) // 2])


def test_without_pysam_a_bcf_is_refused_saying_what_to_install(tmp_path, monkeypatch):
    data = to_bcf(VCFS[0], tmp_path / "x.bcf").read_bytes()
    monkeypatch.setitem(sys.modules, "pysam", None)  # import pysam now raises ImportError
    with pytest.raises(FileFormatError) as err:
        read_file(data, filename="x.bcf")
    assert "pysam" in str(err.value) and "bcftools view" in err.value.problems[0].expected


def test_cli_reads_a_bcf(tmp_path, capsys):
    from matcher.cli import main

    bcf = to_bcf(VCFS[0], tmp_path / "tumor.bcf")
    assert main(["match", str(bcf), "--tumor-type", "BRCA", "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "PIK3CA H1047R" in out
