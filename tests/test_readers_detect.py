"""Format detection from content, overrides, gzip handling and read_file dispatch."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from matcher.errors import FileFormatError, InputError, PayloadTooLarge
from matcher.readers import ReadOptions, read_file
from matcher.readers.detect import detect_format, gunzip

SAMPLES = Path(__file__).parent.parent / "vcf_samples"
FUSIONS = Path(__file__).parent / "data" / "fusion-callers"


@pytest.mark.parametrize("path, fmt", [
    (SAMPLES / "atc_braf_v600e.grch37.vcf", "vcf"),
    (SAMPLES / "atc_braf_v600e.grch38.vcf.gz", "vcf"),
    (SAMPLES / "multi_sample.grch37.maf", "maf"),
    (SAMPLES / "star_fusion_ccdc6_ret.fusion_candidates.final.abridged.tsv", "star-fusion"),
    (FUSIONS / "arriba.fusions.tsv", "arriba"),
    (SAMPLES / "atc_braf_v600e.json", "labjson"),
])
def test_detected_from_content_whatever_the_name(path, fmt):
    data = path.read_bytes()
    assert detect_format(data, "upload.bin") == fmt
    if data[:2] != b"\x1f\x8b":
        assert detect_format(gzip.compress(data), None) == fmt


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"Dear doctor,\nplease find the results attached.\n", "cannot tell the file format"),
    (bytes(range(256)) * 8, "binary"),
    (b"PK\x03\x04rest-of-zip", "ZIP"),
])
def test_unrecognised_content(data, message):
    with pytest.raises(FileFormatError, match=message):
        detect_format(data, "x.txt")


def test_fmt_override_and_unknown_fmt():
    data = (SAMPLES / "atc_braf_v600e.grch37.vcf").read_bytes()
    with pytest.raises(InputError):
        read_file(data, fmt="maf")  # forced as MAF: no Hugo_Symbol column
    with pytest.raises(FileFormatError, match="unknown format"):
        read_file(data, fmt="bam")


def test_read_file_dispatches_every_format():
    for path, fmt, n in [(SAMPLES / "atc_braf_v600e.grch37.vcf", "vcf", 1),
                         (SAMPLES / "multi_sample.grch37.maf", "maf", 3),
                         (FUSIONS / "arriba.fusions.tsv", "arriba", 1),
                         (FUSIONS / "star-fusion.fusion_candidates.final.abridged",
                          "star-fusion", 1)]:
        reports = read_file(path.read_bytes(), filename=path.name)
        assert len(reports) == n and reports[0].source_format == fmt
        assert [r.report_id for r in read_file(path=str(path))] == [r.report_id for r in reports]


def test_labjson_goes_to_the_lead_reader():
    (report,) = read_file(gzip.compress((SAMPLES / "atc_braf_v600e.json").read_bytes()))
    assert report.source_format == "labjson"


def test_gunzip_limits():
    payload = b"x" * 100_000
    assert gunzip(gzip.compress(payload) + gzip.compress(payload), 1 << 20) == payload * 2
    with pytest.raises(PayloadTooLarge):
        gunzip(gzip.compress(payload), 50_000)
    with pytest.raises(FileFormatError, match="trailing bytes"):
        gunzip(gzip.compress(payload) + b"junk", 1 << 20)
    with pytest.raises(PayloadTooLarge):
        read_file(gzip.compress(b"##fileformat=VCFv4.2\n" + b"#" * 3_000_000),
                  options=ReadOptions(max_decompressed_bytes=1_000_000))
