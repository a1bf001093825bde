"""STAR-Fusion spellings met in the field (issue 12): a header ending in empty fields, the column
names of STAR-Fusion before v1.0, and a FusionName that disagrees with LeftGene/RightGene.

Every case is the real STAR-Fusion test output (``tests/data/fusion-callers/``, BSD-3) with only
the header or one name changed, read through format detection as a user's upload would be."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.errors import FileFormatError
from matcher.readers import read_file
from matcher.readers.detect import detect_format

REAL = Path(__file__).parent / "data" / "fusion-callers" / \
    "star-fusion.fusion_candidates.final.abridged"
# The pre-1.0 layout (as FuMa's STAR-Fusion reader documents it): counts under JunctionReads and
# SpanningFrags, then the same two names again for the supporting read names.
OLD_HEADER = ("#fusion_name\tJunctionReads\tSpanningFrags\tSplice_type\tLeftGene\tLeftBreakpoint"
              "\tRightGene\tRightBreakpoint\tJunctionReads\tSpanningFrags")


def _lines() -> list[str]:
    return REAL.read_text().splitlines()


def _read(text: str):
    data = text.encode()
    assert detect_format(data, "upload.txt") == "star-fusion"
    (report,) = read_file(data, filename="upload.txt")
    return report


def _pairs(report) -> list[tuple[str, str, int]]:
    return [(f.five_prime_gene, f.three_prime_gene, f.supporting_reads) for f in report.fusions]


@pytest.fixture(scope="module")
def expected():
    report = _read(REAL.read_text())
    assert len(report.fusions) >= 5 and not report.warnings
    return _pairs(report)


@pytest.mark.parametrize("tail", ["\t", "\t\t", "\t \t"])
def test_header_with_trailing_empty_fields_is_the_header(expected, tail):
    lines = _lines()
    report = _read("\n".join([lines[0] + tail, *lines[1:]]) + "\n")
    assert _pairs(report) == expected


def test_rows_with_an_empty_last_column_still_have_their_header(expected):
    lines = _lines()
    rows = ["\t".join(line.split("\t")[:-1] + [""]) for line in lines[1:]]
    assert _pairs(_read("\n".join([lines[0], *rows]) + "\n")) == expected


def test_old_column_names_are_read(expected):
    """#fusion_name / JunctionReads / SpanningFrags (and the read-name columns after them)."""
    lines = _lines()
    header = lines[0].split("\t")
    assert header[:9] == ["#FusionName", "JunctionReadCount", "SpanningFragCount", "SpliceType",
                          "LeftGene", "LeftBreakpoint", "RightGene", "RightBreakpoint",
                          "LargeAnchorSupport"]
    rows = ["\t".join(line.split("\t")[:8] + ["read1,read2", "read3"]) for line in lines[1:]]
    report = _read("\n".join([OLD_HEADER, *rows]) + "\n")
    assert _pairs(report) == expected


def test_fusion_name_disagreeing_with_the_breakpoint_genes_is_a_warning(expected):
    lines = _lines()
    fields = lines[1].split("\t")
    five, three = (f.split("^")[0] for f in (fields[4], fields[6]))
    fields[0] = f"{five}--NOTCH1"
    report = _read("\n".join([lines[0], "\t".join(fields), *lines[2:]]) + "\n")
    assert _pairs(report) == expected  # read as the breakpoint genes, as before
    (warning,) = report.warnings
    assert warning.startswith("line 2: ") and f"{five}--NOTCH1" in warning
    assert f"{five}::{three}" in warning


def test_a_header_without_the_counts_names_what_is_missing():
    lines = _lines()
    header = lines[0].replace("JunctionReadCount", "Junctions")
    with pytest.raises(FileFormatError) as info:
        _read("\n".join([header, *lines[1:]]) + "\n")
    problem = info.value.problems[0]
    assert problem.line == 1 and problem.field == "JunctionReadCount"
    assert "'JunctionReads'" in problem.message
