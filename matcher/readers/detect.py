"""Format detection from content, and gzip/bgzip decompression with a size limit.

Lab files arrive as bytes with an untrustworthy name: the format is decided by what the bytes
say (a ``##fileformat=VCF`` line, a MAF ``Hugo_Symbol`` header, a STAR-Fusion, Arriba or
FusionCatcher header, JSON), the file name only breaks ties, and the caller may override both.
"""

from __future__ import annotations

import re
import zlib

from matcher.errors import FileFormatError, PayloadTooLarge, Problem
from matcher.readers.headers import MUTATION_COLUMNS, is_sv_header, layout

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20

_BINARY_MAGICS = {
    b"BAM\x01": "BAM", b"CRAM": "CRAM", b"BCF\x02": "BCF", b"PK\x03\x04": "ZIP",
    b"BZh": "bzip2", b"\xfd7zXZ": "xz", b"%PDF": "PDF", b"\x89PNG": "PNG",
    b"\x1f\x9d": "compress (.Z)", b"\x1f\xa0": "compress (.Z)",
}


def is_gzip(data: bytes) -> bool:
    """True if the bytes start with the gzip magic number (gzip and bgzip alike)."""
    return data[:2] == GZIP_MAGIC


def gunzip(data: bytes, limit: int, *, name: str = "input") -> bytes:
    """Decompress every gzip member (bgzip = many members), refusing more than ``limit`` bytes."""
    out: list[bytes] = []
    total = 0
    view = memoryview(data)
    offset = 0
    while offset < len(data):
        if view[offset:offset + 2] != GZIP_MAGIC:
            if bytes(view[offset:]).strip(b"\x00"):  # NUL padding is harmless; the rest is junk
                raise _format_error(name, "trailing bytes after the last gzip member")
            break
        d = zlib.decompressobj(wbits=31)
        pos = offset
        try:
            while not d.eof and pos < len(data):
                chunk = view[pos:pos + _CHUNK]
                pos += len(chunk)
                while True:
                    piece = d.decompress(chunk, _CHUNK)
                    total += len(piece)
                    if total > limit:
                        raise PayloadTooLarge(
                            f"{name}: decompressed size over the limit of {limit} bytes",
                            [Problem(f"decompresses to more than {limit} bytes",
                                     expected="a smaller file (or raise max_decompressed_bytes)")])
                    out.append(piece)
                    chunk = d.unconsumed_tail
                    if d.eof or (not chunk and len(piece) < _CHUNK):
                        break
        except zlib.error as exc:
            raise _format_error(name, f"corrupt gzip data ({exc})") from None
        if not d.eof:
            raise _format_error(name, "gzip stream is truncated (the file was cut short)")
        offset = pos - len(d.unused_data)
    return b"".join(out)


def maybe_gunzip(data: bytes, limit: int, *, name: str = "input") -> bytes:
    """gunzip if gzipped, else check the plain size against ``limit``."""
    if is_gzip(data):
        return gunzip(data, limit, name=name)
    if len(data) > limit:
        raise PayloadTooLarge(f"{name}: over the size limit of {limit} bytes",
                              [Problem(f"larger than {limit} bytes")])
    return data


def refuse_binary(data: bytes, name: str | None = None) -> None:
    """Raise FileFormatError for known non-text, non-gzip formats (BAM, BCF, bzip2, zip, …)."""
    for magic, what in _BINARY_MAGICS.items():
        if data.startswith(magic):
            raise _format_error(name, f"this is {what} data, not a text lab file (only gzip/bgzip "
                                      "compression is read)", line=None)


def head_text(data: bytes, limit: int = 1 << 16) -> str:
    """The first ``limit`` decompressed bytes as text (for sniffing; never raises on bad gzip)."""
    if is_gzip(data):
        try:
            d = zlib.decompressobj(wbits=31)
            data = d.decompress(data[: 1 << 20], limit)
        except zlib.error:
            return ""
    return data[:limit].decode("utf-8", errors="replace")


def detect_format(data: bytes, filename: str | None = None) -> str:
    """Return one of ``matcher.readers.FORMATS`` from the content (the file name breaks ties)."""
    if data.startswith(b"BCF\x02") or head_text(data, 16).startswith("BCF\x02"):
        return "bcf"  # BCF 2, bgzipped as bcftools writes it, or uncompressed (-Ou)
    refuse_binary(data, filename)
    if not data.strip():
        raise _format_error(filename, "the file is empty", line=None)
    text = head_text(data)
    if "\x00" in text or _mostly_binary(text):
        raise _format_error(filename, "binary content that is not gzip", line=None)
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        return "labjson"
    lines = stripped.splitlines()
    first = lines[0] if lines else ""
    if first.startswith("##fileformat=VCF") or first.startswith("#CHROM\tPOS"):
        return "vcf"
    for k, line in enumerate(lines[:200]):
        cols = line.lstrip("#").split("\t")
        if line.startswith(("#FusionName", "#fusion_name")) or (
                {"FusionName", "fusion_name"} & set(cols) and "LeftBreakpoint" in cols):
            return "star-fusion"
        if cols[:2] == ["gene1", "gene2"] and "breakpoint1" in cols:
            return "arriba"
        if cols[:2] == ["Gene_1_symbol(5end_fusion_partner)",
                        "Gene_2_symbol(3end_fusion_partner)"] and "Fusion_description" in cols:
            return "fusioncatcher"
        if not line.startswith("#") and line.strip():
            found = _gene_table(cols, lines[k + 1:k + 51])
            if found:
                return found
    name = (filename or "").lower()
    for suffix, fmt in ((".json", "labjson"), (".vcf", "vcf"), (".vcf.gz", "vcf"),
                        (".maf", "maf"), (".maf.gz", "maf")):
        if name.endswith(suffix):
            return fmt
    header = next((ln for ln in lines if ln.strip() and not ln.startswith("##")), "")
    raise _format_error(filename, f"cannot tell the file format from its content: "
                        f"{_looks_like(header)}", line=1, expected=ACCEPTED)


ACCEPTED = ("lab JSON, VCF (##fileformat=VCF…), MAF (Hugo_Symbol, Tumor_Sample_Barcode and "
            "mutation columns), a copy-number table (cBioPortal data_CNA.txt: Hugo_Symbol then "
            "one column per sample; or Tumor_Sample_Barcode, Hugo_Symbol, "
            "Copy_Number_Alteration), a structural-variant table (cBioPortal data_sv.txt: "
            "Sample_Id, Site1_Hugo_Symbol, Site2_Hugo_Symbol; OncoKB annotator: "
            "Tumor_Sample_Barcode with GeneA/GeneB or Fusion), STAR-Fusion (#FusionName "
            "header), Arriba (#gene1 header) or FusionCatcher "
            "(Gene_1_symbol(5end_fusion_partner) header)")
_MAF_COLUMNS = frozenset(c.lower() for c in (*MUTATION_COLUMNS, "Chromosome", "Variant_Type",
                                                 "NCBI_Build"))


def _gene_table(cols: list[str], following: list[str]) -> str | None:
    """'sv', 'cna' or 'maf' for the header of a gene table (None: none of them).

    Structural-variant and copy-number headers are tried first: an OncoKB-style CNA table has
    MAF's Hugo_Symbol and Tumor_Sample_Barcode columns but none of its mutation columns."""
    if is_sv_header(cols):
        return "sv"
    lower = {c.strip().lower() for c in cols}
    rows = [ln.split("\t") for ln in following if ln.strip() and not ln.startswith("#")]
    if not lower & _MAF_COLUMNS and layout(cols, rows):
        return "cna"
    if "hugo_symbol" in lower:
        return "maf"
    return None


def _looks_like(header: str) -> str:
    """What a header line looked like, for the refusal: its columns, or its start."""
    for sep, what in (("\t", "tab-separated"), (",", "comma-separated")):
        cols = [c.strip() for c in header.lstrip("#").split(sep)]
        if len(cols) > 1:
            shown = ", ".join(repr(c[:40]) for c in cols[:12])
            more = f" and {len(cols) - 12} more" if len(cols) > 12 else ""
            hint = "" if sep == "\t" else " (lab tables are read tab-separated)"
            return (f"a {what} table with columns {shown}{more}{hint}, which is none of the "
                    "formats read")
    return f"its first line starts {header[:60]!r}, which is none of the formats read"


_NOT_TEXT = re.compile("[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f]")


def _mostly_binary(text: str) -> bool:
    """More than 1 in 20 of the first 4,096 characters are undecodable or control characters
    other than tab, CR and LF (counted with one regex pass, not per character in Python)."""
    sample = text[:4096]
    if not sample:
        return False
    return len(_NOT_TEXT.findall(sample)) > len(sample) // 20


def _format_error(name: str | None, message: str, *, line: int | None = 1,
                  expected: str | None = None) -> FileFormatError:
    where = f"{name}: " if name else ""
    return FileFormatError(f"{where}{message}",
                           [Problem(message, line=line, expected=expected, source=name)])
