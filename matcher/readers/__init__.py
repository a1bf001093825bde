"""Readers: bytes of a lab file -> list of :class:`matcher.model.Report` (unnormalised).

Every reader takes the raw bytes (or a path, for large indexed VCFs) and a :class:`ReadOptions`,
and returns one ``Report`` per sample. Input problems raise :class:`matcher.errors.InputError`
subclasses naming the line or field; recoverable quirks go into ``Report.warnings``; calls that are
read but must not be matched (failed FILTER, under thresholds) carry a ``filter_reason``.

Shared pieces have their own modules so the readers never import each other in a circle:
:mod:`.options` (``ReadOptions``, ``FORMATS``), :mod:`.vcf_records` (what every VCF reader uses),
:mod:`.tables`, :mod:`.headers`, :mod:`.samples` and :mod:`.detect`.

May import: the base modules and ``reference``. Imported by: ``pipeline``, ``service`` and
``commands``. Never imports ``kb``, ``service``, Flask or SQLAlchemy (tests/test_layout.py).
"""

from __future__ import annotations

from matcher.readers.options import FORMATS, ReadOptions

__all__ = ["FORMATS", "ReadOptions", "read_file"]


def read_file(data: bytes | None = None, *, path: str | None = None,
              filename: str | None = None, fmt: str | None = None,
              options: ReadOptions = ReadOptions(),
              regions=None) -> list:
    """Detect the format (``fmt`` overrides) and read a lab file into ``Report`` objects.

    ``regions`` (0-based half-open ``(chrom, start, end)``, or a function of the VCF's genome
    build returning them) restricts a VCF to those regions; from a ``path``, a bgzipped VCF is
    then read by index or by skipping blocks, never decompressed whole into memory.
    """
    from dataclasses import replace

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
    if fmt == "bcf":
        from matcher.readers.bcf import bcf_as_vcf
        from matcher.readers.vcf import read_vcf
        text = bcf_as_vcf(data, path if data is None else None, options, name)
        reports = read_vcf(text, options=options, regions=regions, name=name)
        note = ("read from BCF through htslib: line numbers are those of its VCF text "
                "(bcftools view)")
        return [replace(r, source_format="bcf", warnings=(note, *r.warnings)) for r in reports]
    if data is None:
        data = _slurp(path, options.max_decompressed_bytes)
    if fmt == "labjson":
        from matcher.readers.labjson import read_labjson
        return read_labjson(detect.maybe_gunzip(data, options.max_decompressed_bytes), options)
    if fmt == "maf":
        from matcher.readers.maf import read_maf
        return read_maf(data, options, name)
    if fmt == "cna":
        from matcher.readers.cna import read_cna
        return read_cna(data, options, name)
    if fmt == "sv":
        from matcher.readers.sv_tables import read_sv_table
        return read_sv_table(data, options, name)
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
