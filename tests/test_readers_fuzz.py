"""Fuzz the readers (issue 16): random bytes and mutated real lab files (vcf_samples/, the
fusion callers' outputs, VCFs with annotations) through reading and normalisation raise nothing
but the documented errors (matcher.errors: InputError and its subclasses, PayloadTooLarge).

Seeded: the same mutations on every run. MATCHER_FUZZ_ROUNDS raises the count locally.
"""

from __future__ import annotations

import gzip
import os
import random

import pytest

from matcher.errors import InputError
from matcher.normalize import normalize_report
from matcher.readers import FORMATS, ReadOptions, read_file
from tests.service_helpers import ROOT, SAMPLES

ROUNDS = int(os.environ.get("MATCHER_FUZZ_ROUNDS", "40"))
FILES = sorted(p for p in SAMPLES.iterdir()
               if p.suffix in (".json", ".vcf", ".gz", ".maf", ".tsv", ".txt")
               and not p.name.endswith(".clinical.tsv")) + sorted(
    (ROOT / "tests" / "data" / "fusion-callers").iterdir()) + sorted(
    (ROOT / "tests" / "data" / "vcf").glob("*.vcf"))

# What hostile input puts in a field: other scripts' digits, huge and negative numbers, invalid
# UTF-8, a lone surrogate (escaped in JSON), separators, control characters.
TOKENS = [b"\xd9\xa1\xd9\xa2", b"\xc2\xb2", b"\xef\xbc\x91", b"9" * 5000, b"18446744073709551616",
          b"-1", b"1e400", b"nan", b"\xff\xfe", b"\\ud800", b"\t", b"\n", b"\r\n", b",", b";",
          b":", b"|", b"/", b"..", b"=", b"\"", b"{", b"[", b"]", b"\x00", b"\x1b[2J", b"",
          b"<DEL>", b"]7:1]", b"chr7", b"p.V600E", b"c.1799+5000000T>A", b"EML4::ALK"]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four edits: a token in place of a field, bytes flipped, a line cut, doubled,
    dropped or repeated many times, the file truncated."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        pos = rng.randrange(len(out) + 1)
        if kind == 0:  # replace a field (up to the next separator) by a token
            end = pos
            while end < len(out) and out[end:end + 1] not in (b"\t", b",", b"\n", b";", b":"):
                end += 1
            out[pos:end] = rng.choice(TOKENS)
        elif kind == 1 and out:
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(out))
                out[i] = rng.randrange(256)
        elif kind == 2:
            out = out[:pos]
        elif kind in (3, 4):  # a line doubled or repeated
            lines = bytes(out).split(b"\n")
            i = rng.randrange(len(lines))
            lines[i:i] = [lines[i]] * (1 if kind == 3 else rng.randint(2, 300))
            out = bytearray(b"\n".join(lines))
        else:
            out[pos:pos] = rng.choice(TOKENS)
    return bytes(out)


def _read(data: bytes, name: str, fmt: str | None, kb) -> None:
    options = ReadOptions(max_variants=5000, max_samples=50, max_decompressed_bytes=8 << 20)
    try:
        for report in read_file(data, filename=name, fmt=fmt, options=options):
            normalize_report(report, kb)
    except InputError:
        pass  # documented: the caller's input is wrong, with its problems listed


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_mutated_real_files_raise_only_documented_errors(path, kb):
    original = path.read_bytes()
    rng = random.Random(path.name)
    plain = gzip.decompress(original) if path.suffix == ".gz" else original
    for _ in range(ROUNDS):
        data = mutate(plain, rng)
        if path.suffix == ".gz" and rng.random() < 0.5:
            data = gzip.compress(data)
        _read(data, path.name, None, kb)  # sniffed
        _read(data, path.name, rng.choice(FORMATS), kb)  # and read as a format it may not be


def test_random_bytes_raise_only_documented_errors(kb):
    rng = random.Random(16)
    for _ in range(ROUNDS * 5):
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 2000)))
        if rng.random() < 0.3:
            data = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + data
        _read(data, "random.bin", None, kb)
        _read(data, "random.bin", rng.choice(FORMATS), kb)
