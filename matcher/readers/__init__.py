"""Readers: bytes of a lab file -> list of :class:`matcher.model.Report` (unnormalised).

Every reader takes the raw bytes (or a path, for large indexed VCFs) and a :class:`ReadOptions`,
and returns one ``Report`` per sample. Input problems raise :class:`matcher.errors.InputError`
subclasses naming the line or field; recoverable quirks go into ``Report.warnings``; calls that are
read but must not be matched (failed FILTER, under thresholds) carry a ``filter_reason``.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = ("labjson", "vcf", "maf", "star-fusion", "arriba", "fusioncatcher")


@dataclass(frozen=True)
class ReadOptions:
    """What the caller tells a reader beyond the file itself (CLI flags, API form fields)."""

    report_id: str | None = None  # default: derived from the sample / file name
    tumor_type: str | None = None  # overrides the file's own
    sample: str | None = None  # which sample of a multi-sample file is the tumor
    normal_sample: str | None = None
    genome_build: str | None = None  # stated build; must agree with the file's contigs
    min_vaf: float = 0.0  # calls below are listed as filtered
    min_depth: int = 0
    max_variants: int = 100_000  # more records than this in a report: PayloadTooLarge
    max_decompressed_bytes: int = 2 * 1024**3  # gzip-bomb guard
    lab: str | None = None
    clinical_sidecar: bytes | None = None  # MAF: SAMPLE_ID -> ONCOTREE_CODE table
    # A VCF larger than this (bytes as given, compressed or not) is read only in the KB genes'
    # regions, with a warning saying so; smaller files are read whole.
    region_threshold_bytes: int = 20 * 1024**2


def read_file(data: bytes | None = None, *, path: str | None = None,
              filename: str | None = None, fmt: str | None = None,
              options: ReadOptions = ReadOptions(),
              regions=None) -> list:
    """Detect the format (``fmt`` overrides) and read a lab file into ``Report`` objects.

    ``regions`` (0-based half-open ``(chrom, start, end)``, or a function of the VCF's genome
    build returning them) restricts a VCF to those regions; from a ``path``, a bgzipped VCF is
    then read by index or by skipping blocks, never decompressed whole into memory.
    """
    from matcher.errors import FileFormatError, Problem
    from matcher.readers import detect

    if data is None and path is None:
        raise ValueError("read_file needs data or path")
    name = filename or (path.rsplit("/", 1)[-1] if path else None)
    if fmt is not None and fmt not in FORMATS:
        raise FileFormatError(f"unknown format {fmt!r}",
                              [Problem(f"unknown format {fmt!r}", field="format",
                                       expected=", ".join(FORMATS))])
    if fmt is None:
        head = data if data is not None else _head(path)
        fmt = detect.detect_format(head, name)
    if fmt == "vcf":
        from matcher.readers.vcf import read_vcf
        return read_vcf(data, path=path if data is None else None, options=options,
                        regions=regions, name=name)
    if data is None:
        data = _slurp(path, options.max_decompressed_bytes)
    if fmt == "labjson":
        from matcher.readers.labjson import read_labjson
        return read_labjson(detect.maybe_gunzip(data, options.max_decompressed_bytes), options)
    if fmt == "maf":
        from matcher.readers.maf import read_maf
        return read_maf(data, options, name)
    from matcher.readers.fusion_tables import read_arriba, read_fusioncatcher, read_star_fusion
    reader = {"star-fusion": read_star_fusion, "arriba": read_arriba,
              "fusioncatcher": read_fusioncatcher}[fmt]
    return reader(data, options, name)


def _head(path: str, size: int = 1 << 20) -> bytes:
    from matcher.errors import FileFormatError, Problem
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise FileFormatError(f"cannot read {path}: {exc.strerror}",
                              [Problem(f"cannot read the file: {exc.strerror}")]) from None


def _slurp(path: str, limit: int) -> bytes:
    from matcher.errors import PayloadTooLarge, Problem
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"{path}: over {limit} bytes",
                              [Problem(f"larger than {limit} bytes")])
    return data
