"""VCF 4.1–4.4 -> one :class:`Report` for the tumor sample (small variants + SV fusions).

Lines are validated in Python so every problem names its line; htslib (pysam) does the heavy
I/O for large files: index queries (:mod:`matcher.readers.vcf_stream`). Calls that fail FILTER
or fall under the VAF/depth thresholds are kept with a ``filter_reason``; nothing is dropped
silently.
"""

from __future__ import annotations

from pathlib import Path

from matcher.errors import PayloadTooLarge, Problem
from matcher.model import Report
from matcher.readers.detect import maybe_gunzip, refuse_binary
from matcher.readers.options import ReadOptions
from matcher.readers.vcf_header import infer_build, parse_header
from matcher.readers.vcf_records import RegionFilter, Regions, VcfReader, _fail


def read_vcf(data: bytes | None = None, *, path: str | Path | None = None,
             options: ReadOptions = ReadOptions(), regions: Regions = None,
             gene_spans=None, name: str | None = None) -> list[Report]:
    """Read a VCF (bytes or a path, plain or bgzipped); with ``regions``, only records in them.

    ``regions`` is a list of 0-based half-open ``(chrom, start, end)``, or a function of the
    genome build (as read from the header, or None) returning such a list or None (= all).
    """
    if data is None and path is None:
        raise ValueError("read_vcf needs data or path")
    name = name or (Path(path).name if path is not None else None)
    if callable(regions) and data is None:
        from matcher.readers.vcf_stream import peek_header
        regions = regions(infer_build(peek_header(Path(path), options, name),
                                      options.genome_build, name))
    if data is None and regions is not None:
        from matcher.readers.vcf_stream import read_vcf_path
        return read_vcf_path(Path(path), options, regions, gene_spans, name)
    if data is None:
        data = _read_limited(Path(path), options.max_decompressed_bytes, name)
    refuse_binary(data, name)
    text = maybe_gunzip(data, options.max_decompressed_bytes, name=name or "VCF")
    refuse_binary(text, name)
    if not text.strip():
        raise _fail(name, [Problem("the file is empty", line=1, expected="a VCF file")])
    lines = _decode(text, name).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    n_header = next((i for i, ln in enumerate(lines) if not ln.startswith("#")), len(lines))
    header = parse_header([ln.rstrip("\r") for ln in lines[:n_header]], name)
    if header.n_lines != n_header:
        raise _fail(name, [Problem("a '#' line follows the #CHROM line", line=header.n_lines + 1,
                                   expected="data lines after the #CHROM line")])
    reader = VcfReader(header, options, name, gene_spans)
    if callable(regions):
        regions = regions(reader.build)
    reader.restrict(regions)
    if text and not text.endswith(b"\n"):
        reader.warnings.append(f"line {len(lines)}: the last line has no newline (truncated?)")
    wanted = RegionFilter(regions) if regions is not None else None
    for i in range(n_header, len(lines)):
        line = lines[i]
        if wanted is not None and not wanted.line_in(line):
            continue
        reader.add_line(line, i + 1)
    return [reader.report()]


def _read_limited(path: Path, limit: int, name: str | None) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise _fail(name, [Problem(f"cannot read the file: {exc.strerror}")]) from None
    if len(data) > limit:
        raise PayloadTooLarge(f"{name}: over {limit} bytes",
                              [Problem(f"larger than {limit} bytes")])
    return data


def _decode(data: bytes, name: str | None) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _fail(name, [Problem("bytes that are not UTF-8 text", line=line,
                                   expected="a text VCF (plain or bgzipped)")]) from None
