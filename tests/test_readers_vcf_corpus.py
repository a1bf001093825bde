"""Walk the EBI vcf-validator corpus: every file is read or refused with a located InputError."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from matcher.errors import InputError
from matcher.readers import ReadOptions
from matcher.readers.vcf import read_vcf

CORPUS = Path(__file__).parent / "data" / "vcf-validator"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.parent.name != "vcf-validator")


def _options(data: bytes) -> ReadOptions:
    """Multi-sample files name no tumor: choose the first sample explicitly, as a user would."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    m = re.search(rb"^#CHROM\t[^\n]*", data, re.M)
    cols = m.group(0).rstrip(b"\r").split(b"\t") if m else []
    if len(cols) > 10:
        return ReadOptions(sample=cols[9].decode("utf-8", "replace"))
    return ReadOptions()


def _read(path: Path):
    data = path.read_bytes()
    try:
        return read_vcf(data, name=path.name, options=_options(data)), None
    except InputError as exc:
        return None, exc


def test_corpus_is_present():
    assert len(FILES) > 900
    assert (CORPUS / "LICENSE_Apache-2.0").is_file()


def test_every_valid_file_is_read():
    refused = {p.name: str(e) for p in FILES if p.parent.name == "passed"
               for _, e in [_read(p)] if e is not None}
    assert refused == {}


def test_every_invalid_file_is_refused_with_a_location_or_read_with_warnings():
    silent = []
    refused = 0
    for path in (p for p in FILES if p.parent.name == "failed"):
        reports, error = _read(path)
        if error is not None:
            refused += 1
            assert error.problems, path.name
            assert all(p.line is not None or p.field for p in error.problems), path.name
        elif not reports[0].warnings:
            silent.append(path.name)
    assert silent == []
    assert refused > 150  # the clear breaches (bad columns, REF/ALT, types, header) are refused


@pytest.mark.parametrize("name", ["compressed.vcf.tar.xz", "failed_compressed.vcf.bz2",
                                  "compressed.vcf.tar.zip"])
def test_other_compressions_are_refused_by_name(name):
    _, error = _read(CORPUS / "v4.3" / "compressed_files" / name)
    assert error is not None and "only gzip/bgzip" in str(error)


def test_bgzipped_valid_file_is_read():
    reports, error = _read(CORPUS / "v4.3" / "compressed_files" / "passed_compressed.vcf.gz")
    assert error is None and reports[0].variants
