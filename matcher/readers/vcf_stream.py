"""Large VCFs restricted to regions: index queries, or a streaming scan that skips whole chunks.

* With a ``.tbi``/``.csi`` index beside a bgzipped file, htslib (``pysam.TabixFile``) fetches
  each region; only those records reach Python.
* Without one, a sorted BGZF file with ``##contig`` lines has its blocks located and skipped
  without inflating them (:mod:`matcher.readers.vcf_bgzf`; sources are ``record chr:pos``).
* Otherwise the file is inflated in 1 MiB pieces (zlib, member by member for bgzip) and a
  piece whose first and last records bracket no region is skipped after counting its newlines, so
  Python touches only pieces that overlap a region and line numbers stay exact. This relies on the
  coordinate-sorted order every caller writes (and tabix requires): order is checked at every
  piece boundary, and on any disorder the scan restarts without skipping.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from matcher.errors import FileFormatError, PayloadTooLarge, Problem
from matcher.model import Report
from matcher.readers.detect import GZIP_MAGIC, refuse_binary
from matcher.readers.options import ReadOptions
from matcher.readers.vcf_header import VcfHeader, parse_header
from matcher.readers.vcf_records import Region, RegionFilter, VcfReader, _fail, bare_chrom

BLOCK_SKIP = True  # sorted BGZF without an index: skip blocks (vcf_bgzf); False: stream scan
_PIECE = 1 << 20
_READ = 4 << 20
_FEED = 1 << 16


class _Unsorted(Exception):
    """The file is not coordinate-sorted: chunk skipping is not safe."""


def read_vcf_path(path: Path, options: ReadOptions, regions: Sequence[Region], gene_spans,
                  name: str | None) -> list[Report]:
    """Read only the records of ``path`` that fall in ``regions``."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise _fail(name, [Problem(f"cannot read the file: {exc.strerror}")]) from None
    refuse_binary(magic, name)
    index = next((p for p in (Path(f"{path}.tbi"), Path(f"{path}.csi")) if p.exists()), None)
    if magic[:2] == GZIP_MAGIC and index is not None:
        return [_read_indexed(path, index, options, regions, gene_spans, name)]
    if magic[:2] == GZIP_MAGIC and BLOCK_SKIP:
        from matcher.readers.vcf_bgzf import read_bgzf_regions
        report = read_bgzf_regions(path, options, regions, gene_spans, name)
        if report is not None:
            return [report]
    try:
        return [_scan(path, options, regions, gene_spans, name, skip=True)]
    except _Unsorted:
        return [_scan(path, options, regions, gene_spans, name, skip=False)]


def peek_header(path: Path, options: ReadOptions, name: str | None) -> VcfHeader:
    """Parse only the header of a VCF file (plain or gzipped)."""
    lines: list[str] = []
    carry = b""
    for piece in _pieces(path, options.max_decompressed_bytes, name):
        buf = carry + piece
        while True:
            nl = buf.find(b"\n")
            if nl < 0:
                break
            line, buf = buf[:nl], buf[nl + 1:]
            if not line.startswith(b"#"):
                return parse_header(lines, name)
            lines.append(line.decode("utf-8", "replace").rstrip("\r"))
            if line.startswith(b"#CHROM"):
                return parse_header(lines, name)
        carry = buf
    if carry:
        lines.append(carry.decode("utf-8", "replace"))
    if not lines:
        raise _fail(name, [Problem("the file is empty", line=1, expected="a VCF file")])
    return parse_header(lines, name)


def _read_indexed(path: Path, index: Path, options: ReadOptions, regions: Sequence[Region],
                  gene_spans, name: str | None) -> Report:
    import pysam

    try:
        tbx = pysam.TabixFile(str(path), index=str(index), encoding="utf-8")
        header = parse_header([ln.rstrip("\r") for ln in tbx.header], name)
        reader = VcfReader(header, options, name, gene_spans)
        reader.restrict(regions)
        contigs = {bare_chrom(c): c for c in tbx.contigs}
        for chrom, start, end in _merge(regions):
            contig = contigs.get(bare_chrom(chrom))
            if contig is None:
                continue
            for line in tbx.fetch(contig, start, end):
                pos = line.split("\t", 2)[1]
                reader.add_line(line, 0, source=f"record {contig}:{pos}")
        tbx.close()
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, FileFormatError):
            raise
        raise _fail(name, [Problem(f"htslib could not read the indexed VCF: {exc}",
                                   expected="a bgzipped VCF with a matching .tbi/.csi index")]
                    ) from None
    return reader.report()


def _merge(regions: Sequence[Region]) -> list[Region]:
    out: list[Region] = []
    for chrom, start, end in sorted(regions, key=lambda r: (bare_chrom(r[0]), r[1])):
        if out and bare_chrom(out[-1][0]) == bare_chrom(chrom) and start <= out[-1][2]:
            out[-1] = (out[-1][0], out[-1][1], max(out[-1][2], end))
        else:
            out.append((chrom, start, end))
    return out


def _pieces(path: Path, limit: int, name: str | None) -> Iterator[bytes]:
    """Decompressed pieces of the file (plain, gzip or bgzip), refusing more than ``limit``."""
    total = 0
    with open(path, "rb") as fh:
        first = fh.read(_READ)
        if first[:2] != GZIP_MAGIC:
            data = first
            while data:
                total += len(data)
                if total > limit:
                    raise _too_large(name, limit)
                yield data
                data = fh.read(_READ)
            return
        # Feed the inflater small slices: unconsumed_tail is copied on every call.
        fh.seek(0)
        d = zlib.decompressobj(wbits=31)
        buf = fh.read(_FEED)
        while True:
            if not buf:
                buf = fh.read(_FEED)
                if not buf:
                    tail = d.flush()
                    if tail:
                        yield tail
                    break
            try:
                out = d.decompress(buf, _PIECE)
            except zlib.error as exc:
                raise _fail(name, [Problem(f"corrupt gzip data ({exc})")]) from None
            buf = d.unconsumed_tail
            if out:
                total += len(out)
                if total > limit:
                    raise _too_large(name, limit)
                yield out
            if d.eof:
                rest = d.unused_data  # all input left after the member (tail not cleared)
                d = zlib.decompressobj(wbits=31)
                buf = rest
                if not buf:
                    buf = fh.read(_FEED)
                    if not buf:
                        return
                if buf[:2] != GZIP_MAGIC:
                    raise _fail(name, [Problem("junk after the last gzip member")])
        if not d.eof:
            raise _fail(name, [Problem("gzip stream is truncated (the file was cut short)")])


def _too_large(name: str | None, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"{name}: decompressed size over {limit} bytes",
                           [Problem(f"decompresses to more than {limit} bytes")])


def _key(line: bytes) -> tuple[bytes, int] | None:
    parts = line.split(b"\t", 2)
    if len(parts) < 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def _scan(path: Path, options: ReadOptions, regions: Sequence[Region], gene_spans,
          name: str | None, *, skip: bool) -> Report:
    wanted = RegionFilter(regions)
    spans = {c.encode(): s for c, s in wanted.by_chrom.items()}

    def spans_of(chrom: bytes) -> list[tuple[int, int]]:
        found = spans.get(chrom)
        if found is None:
            found = wanted.by_chrom.get(bare_chrom(chrom.decode("utf-8", "replace")), [])
            spans[chrom] = found
        return found

    header_lines: list[str] = []
    reader: VcfReader | None = None
    lineno = 0
    carry = b""
    last: tuple[bytes, int] | None = None
    done_chroms: set[bytes] = set()
    for piece in _pieces(path, options.max_decompressed_bytes, name):
        buf = carry + piece
        cut = buf.rfind(b"\n") + 1
        carry, buf = buf[cut:], buf[:cut]
        if not buf:
            continue
        if reader is None:
            while buf.startswith(b"#"):
                nl = buf.find(b"\n")
                header_lines.append(buf[:nl].decode("utf-8", "replace").rstrip("\r"))
                buf = buf[nl + 1:]
                lineno += 1
            if not buf:
                continue
            reader = VcfReader(parse_header(header_lines, name), options, name, gene_spans)
            reader.restrict(regions)
        first = _key(buf[:buf.find(b"\n")])
        tail = buf.rfind(b"\n", 0, len(buf) - 1) + 1
        final = _key(buf[tail:-1])
        if skip and first and final:
            if last and (first[0] == last[0] and first[1] < last[1]
                         or first[0] != last[0] and first[0] in done_chroms):
                raise _Unsorted()
            if last and first[0] != last[0]:
                done_chroms.add(last[0])
            last = final
            if first[0] == final[0] and first[1] <= final[1] and not any(
                    s < final[1] and first[1] <= e for s, e in spans_of(first[0])):
                lineno += buf.count(b"\n")
                continue
        for raw in buf.split(b"\n")[:-1]:
            lineno += 1
            key = _key(raw)
            if key is not None and not wanted.contains(key[0].decode("utf-8", "replace"), key[1]):
                continue
            reader.add_line(raw.decode("utf-8", "replace"), lineno)
    if carry:  # last line without a newline
        lineno += 1
        if reader is None:
            header_lines.append(carry.decode("utf-8", "replace"))
        elif (key := _key(carry)) is None or wanted.contains(key[0].decode("utf-8", "replace"),
                                                             key[1]):
            reader.add_line(carry.decode("utf-8", "replace"), lineno)
    if reader is None:
        if not header_lines:
            raise _fail(name, [Problem("the file is empty", line=1, expected="a VCF file")])
        reader = VcfReader(parse_header(header_lines, name), options, name, gene_spans)
        reader.restrict(regions)
    return reader.report()
