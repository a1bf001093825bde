"""Unindexed but sorted bgzipped VCFs: find the BGZF blocks that can hold region records.

BGZF is a series of gzip members of at most 64 KiB each, whose compressed size is in the header.
Walking those headers costs one small read per block; inflating only the first few hundred bytes
of each block gives the first complete record in it, so every block gets a (contig, position) key
without decompressing the file. Blocks whose key range overlaps a region (plus one block either
side, for records that straddle a boundary) are inflated in full; inside them the lines of each
region are found by bisection on byte offsets, and only those are parsed.

This needs the header's ``##contig`` order and a coordinate-sorted file. The keys of all blocks
are checked to be in order; if they are not, or the file is not BGZF, or a record names a contig
the header lacks, :func:`read_bgzf_regions` returns None and the caller scans the whole stream.
"""

from __future__ import annotations

import bisect
import os
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

from matcher.errors import Problem
from matcher.model import Report
from matcher.readers.options import ReadOptions
from matcher.readers.vcf_header import parse_header
from matcher.readers.vcf_records import Region, RegionFilter, VcfReader, _fail, bare_chrom
from matcher.untrusted import ascii_int

_PEEK = 1024  # bytes inflated per block to find its first complete record
_MAX_POS_DIGITS = 18  # longer POS fields are left to the record reader, which refuses them
_MAX_BLOCK = 65536
_INF = (1 << 30, 0)


class _File:
    """Positional reads (no mmap: resident memory stays flat whatever the file size)."""

    def __init__(self, fd: int):
        self.fd = fd
        self.size = os.fstat(fd).st_size

    def read(self, off: int, n: int) -> bytes:
        return os.pread(self.fd, n, off)


def _blocks(f: _File) -> list[tuple[int, int, int]] | None:
    """(offset, total size, header size) of every BGZF block, or None if this is not BGZF."""
    out, off, n = [], 0, f.size
    while off < n:
        head = f.read(off, 64)
        if len(head) < 18 or head[:4] != b"\x1f\x8b\x08\x04":
            return None
        xlen = struct.unpack_from("<H", head, 10)[0]
        if 12 + xlen > len(head):
            head = f.read(off, 12 + xlen)
        pos, end, bsize = 12, 12 + xlen, None
        while pos + 4 <= end:
            slen = struct.unpack_from("<H", head, pos + 2)[0]
            if head[pos] == 66 and head[pos + 1] == 67 and slen == 2:
                bsize = struct.unpack_from("<H", head, pos + 4)[0]
            pos += 4 + slen
        if bsize is None or off + bsize + 1 > n:
            return None
        out.append((off, bsize + 1, 12 + xlen))
        off += bsize + 1
    return out


def _inflate(f: _File, block: tuple[int, int, int], limit: int = _MAX_BLOCK) -> bytes:
    off, size, head = block
    body_size = size - head - 8
    if limit < _MAX_BLOCK:  # a peek: a few KiB of deflate data give the first records
        out = zlib.decompressobj(-15).decompress(f.read(off + head, min(body_size, 4 * limit)),
                                                 limit)
        if len(out) >= limit or body_size <= 4 * limit:
            return out
    return zlib.decompressobj(-15).decompress(f.read(off + head, body_size), limit)


def read_bgzf_regions(path: Path, options: ReadOptions, regions: Sequence[Region], gene_spans,
                      name: str | None) -> Report | None:
    """Read the records in ``regions`` by skipping BGZF blocks; None if that is not safe."""
    with open(path, "rb") as fh:
        try:
            return _read(_File(fh.fileno()), options, regions, gene_spans, name)
        except zlib.error as exc:
            raise _fail(name, [Problem(f"corrupt BGZF block ({exc})")]) from None


def _read(f: _File, options: ReadOptions, regions: Sequence[Region], gene_spans,
          name: str | None) -> Report | None:
    blocks = _blocks(f)
    if not blocks:
        return None
    # Header: inflate blocks until the first data line.
    text, first_data = b"", None
    for i, block in enumerate(blocks):
        text += _inflate(f, block)
        cut = text.find(b"\n#CHROM")
        if cut >= 0 and text.find(b"\n", cut + 1) >= 0:
            end = text.find(b"\n", cut + 1) + 1
            header_text, first_data = text[:end], i
            break
        if len(text) > options.max_decompressed_bytes:
            return None
    if first_data is None:
        return None
    header = parse_header(header_text.decode("utf-8", "replace").rstrip("\n").split("\n"), name)
    rank = {bare_chrom(c): r for r, c in enumerate(header.contigs)}
    if not rank:
        return None
    wanted = RegionFilter(regions)
    # Merged spans in contig order: disjoint, so their ends are sorted too (one bisect a block).
    spans = sorted((rank[c], s, e) for c, ss in wanted.merged().items() if c in rank
                   for s, e in ss)
    span_ends = [(r, e) for r, _, e in spans]
    keys: list[tuple[int, int] | None] = []
    for i, block in enumerate(blocks):
        keys.append(None if i < first_data else _first_key(f, block, rank))
        if keys[-1] == (-1, -1):
            return None  # a contig the header does not declare: cannot order blocks
    known = [k for k in keys if k is not None]
    if any(a > b for a, b in zip(known, known[1:])):
        return None  # not coordinate-sorted
    lower: list[tuple[int, int]] = []
    last = (-1, 0)
    for k in keys:
        last = k or last
        lower.append(last)
    upper: list[tuple[int, int]] = [_INF] * len(keys)
    nxt = _INF
    for i in range(len(keys) - 1, -1, -1):
        upper[i] = nxt
        nxt = keys[i] or nxt
    wanted_blocks = set()
    for i in range(first_data, len(blocks)):
        lo, hi = lower[i], upper[i]
        j = bisect.bisect_left(span_ends, lo)  # the first span ending at or after lo
        if j < len(spans) and (spans[j][0], spans[j][1] + 1) <= hi:
            wanted_blocks.update((i - 1, i, i + 1))
    reader = VcfReader(header, options, name, gene_spans)
    reader.restrict(regions)
    for a, b in _runs(sorted(x for x in wanted_blocks if first_data <= x < len(blocks))):
        chunk = b"".join(_inflate(f, blocks[i]) for i in range(a, b + 1))
        if a > first_data:
            chunk = chunk[chunk.find(b"\n") + 1:]
        if b < len(blocks) - 1 and not chunk.endswith(b"\n"):
            chunk = chunk[:chunk.rfind(b"\n") + 1]
        lines = b"".join(chunk[x:y] for x, y in _slices(chunk, spans, span_ends, rank))
        for raw in lines.split(b"\n"):
            if not raw or raw.startswith(b"#"):
                continue
            # Test CHROM/POS on the bytes: most lines of an inflated block are outside.
            t1 = raw.find(b"\t")
            t2 = raw.find(b"\t", t1 + 1) if t1 >= 0 else -1
            if 0 < t2 - t1 - 1 <= _MAX_POS_DIGITS and raw[t1 + 1:t2].isdigit() \
                    and not wanted.contains(raw[:t1], int(raw[t1 + 1:t2])):
                continue
            line = raw.decode("utf-8", "replace")
            parts = line.split("\t", 2)
            pos = ascii_int(parts[1]) if len(parts) > 2 else None
            if pos is not None and not wanted.contains(parts[0], pos):
                continue
            where = f"{parts[0]}:{parts[1]}" if len(parts) > 1 else parts[0]
            reader.add_line(line, 0, source=f"record {where}")
    return reader.report()


def _first_key(f: _File, block, rank: dict[str, int]) -> tuple[int, int] | None:
    """(contig rank, pos) of the first record starting in the block; (-1, -1): cannot order it.

    None if no record starts in the peeked bytes (or the block is empty).
    """
    head = _inflate(f, block, _PEEK)
    nl = head.find(b"\n")
    while nl >= 0:
        line_end = head.find(b"\t", nl + 1)
        tab2 = head.find(b"\t", line_end + 1) if line_end >= 0 else -1
        if tab2 < 0:
            return None
        chrom, pos = head[nl + 1:line_end], head[line_end + 1:tab2]
        if chrom.startswith(b"#"):
            nl = head.find(b"\n", nl + 1)
            continue
        if not pos.isdigit():
            return (-1, -1)  # malformed: the stream scan reports it with its line number
        r = rank.get(bare_chrom(chrom.decode("utf-8", "replace")))
        return (-1, -1) if r is None else (r, int(pos))
    return None


class _Malformed(Exception):
    """A line whose CHROM/POS cannot be ordered: scan the whole run line by line."""


def _line_key(chunk: bytes, start: int, rank: dict[str, int]) -> tuple[int, int]:
    """(contig rank, pos) of the line starting at ``start``; header lines sort first."""
    if chunk.startswith(b"#", start):
        return (-1, -1)
    t1 = chunk.find(b"\t", start)
    nl = chunk.find(b"\n", start)
    t2 = chunk.find(b"\t", t1 + 1) if t1 >= 0 else -1
    if t2 < 0 or 0 <= nl < t2 or t2 - t1 - 1 > _MAX_POS_DIGITS or not chunk[t1 + 1:t2].isdigit():
        raise _Malformed  # (bytes.isdigit is ASCII only; the length bound keeps int() cheap)
    r = rank.get(bare_chrom(chunk[start:t1].decode("utf-8", "replace")))
    if r is None:
        raise _Malformed
    return (r, int(chunk[t1 + 1:t2]))


def _seek(chunk: bytes, target: tuple[int, int], rank: dict[str, int]) -> int:
    """Offset of the first line of the sorted ``chunk`` whose key is >= ``target``."""
    lo, hi = 0, len(chunk)  # lines before lo are < target; lines from hi on are >= target
    while lo < hi:
        start = chunk.rfind(b"\n", 0, (lo + hi) // 2) + 1  # the line holding the midpoint
        if _line_key(chunk, start, rank) < target:
            nxt = chunk.find(b"\n", start)
            lo = len(chunk) if nxt < 0 else nxt + 1
        else:
            hi = start
    return lo


def _slices(chunk: bytes, spans: list[tuple[int, int, int]], span_ends: list[tuple[int, int]],
            rank: dict[str, int]) -> list[tuple[int, int]]:
    """Byte ranges of the lines of an inflated run that can fall in a span, found by bisection
    (a run holds ~1,000 lines per block, few of them in a region); the whole run if a probed
    line cannot be ordered, so the record reader reports it."""
    try:
        first = _line_key(chunk, 0, rank)
        last = _line_key(chunk, chunk.rfind(b"\n", 0, len(chunk) - 1) + 1, rank)
        out = []
        j = bisect.bisect_left(span_ends, first)
        while j < len(spans) and (spans[j][0], spans[j][1] + 1) <= last:
            r, s, e = spans[j]  # 0-based half-open: 1-based positions s+1..e
            a, b = _seek(chunk, (r, s + 1), rank), _seek(chunk, (r, e + 1), rank)
            if a < b:
                out.append((a, b))
            j += 1
        return out
    except _Malformed:
        return [(0, len(chunk))]


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in indexes:
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs
