"""Cohort matching of a multi-sample MAF in parallel, in memory that does not grow with samples.

``matcher cohort`` used to read the whole MAF into one Report per sample, match them all and keep
every result (a 300-sample file took 730 MB). Here the file is read twice and never held:

1. :func:`index_maf` walks the lines once and keeps, per sample, the line numbers and byte offsets
   of its rows (a few bytes a row), and the clinical sidecar's rows by sample;
2. samples are matched in chunks (:func:`match_chunk`, in a process pool forked after the KB is
   loaded): a chunk is a small MAF made of the header and the chunk's rows (and a small sidecar),
   read by the ordinary MAF reader; every line number it reports is mapped back to the file's, so
   the alterations' sources (``line N``) and any error name the real line;
3. each chunk hands back only what the outputs need (:class:`SampleOut`): the annotated cells of
   its rows, one samples.tsv row, and the biomarkers per sample. The cells go to a temporary
   SQLite table keyed by line; the annotated MAF is written at the end by walking the file again
   beside that table in line order; the summary counts are kept in a :class:`~matcher.render.
   maf.CohortSummary` (bounded by biomarkers and tumor types, not samples).
"""

from __future__ import annotations

import gzip
import re
import shutil
import sqlite3
import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from matcher.errors import InputError, MatcherError, Problem
from matcher.pipeline import warm_up
from matcher.readers.options import ReadOptions
from matcher.render.cohort import SAMPLE_HEADER, CohortSummary, sample_row
from matcher.render.maf import COLUMNS, rows_by_line

CHUNK = 32  # samples per task: big enough to amortise the task, small enough to stay flat


@dataclass
class MafIndex:
    """Where each sample's rows are in a MAF file (first-seen sample order)."""

    path: Path
    head: bytes  # the comment lines and the header line, as in the file
    header_line: int  # 1-based line number of the header
    samples: dict[str, array]  # sample -> [line, offset, line, offset, ...]
    rows: int = 0


@dataclass
class SidecarIndex:
    """The clinical sidecar's head and each sample's (line, raw line)."""

    head: bytes
    rows: dict[str, tuple[int, bytes]]


@dataclass
class SampleOut:
    """What the outputs need of one matched sample."""

    row: list[str]  # samples.tsv
    cells: list[tuple[int, str]]  # (MAF line, the added cells tab-joined)
    tumor: str
    level: str
    markers: dict[str, str]  # biomarker label -> best level (this sample)


def _plain_file(path: Path, tmp: Path) -> Path:
    """The MAF itself, or a gunzipped copy in ``tmp`` (rows are read back by offset)."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic != b"\x1f\x8b":
        return path
    out = tmp / "input.maf"
    with gzip.open(path, "rb") as src, out.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return out


def _is_comment(raw: bytes) -> bool:
    return not raw.strip() or raw.startswith(b"#")


def index_maf(path: Path) -> MafIndex:
    """One pass over the file: the head, and each sample's rows (line numbers and offsets)."""
    samples: dict[str, array] = {}
    head = b""
    header_line = 0
    col = None
    rows = 0
    with path.open("rb") as fh:
        offset = 0
        for n, raw in enumerate(fh, 1):
            start, offset = offset, offset + len(raw)
            if col is None:
                head += raw
                if _is_comment(raw.removeprefix(b"\xef\xbb\xbf")):
                    continue
                header_line = n
                names = [c.strip() for c in raw.removeprefix(b"\xef\xbb\xbf").decode(
                    "utf-8", "replace").rstrip("\r\n").split("\t")]
                if "Tumor_Sample_Barcode" not in names:
                    raise InputError(f"{path.name}: column 'Tumor_Sample_Barcode' is missing", [
                        Problem("column 'Tumor_Sample_Barcode' is missing", line=n,
                                field="Tumor_Sample_Barcode",
                                expected="a MAF header with Hugo_Symbol and "
                                         "Tumor_Sample_Barcode")])
                col = names.index("Tumor_Sample_Barcode")
                continue
            if _is_comment(raw):
                continue
            fields = raw.rstrip(b"\r\n").split(b"\t")
            sample = fields[col].decode("utf-8", "replace").strip() if col < len(fields) else ""
            samples.setdefault(sample, array("q")).extend((n, start))
            rows += 1
    if col is None:
        raise InputError(f"{path.name}: no header line", [Problem("no header line", line=1)])
    return MafIndex(path, head, header_line, samples, rows)


def index_sidecar(data: bytes) -> SidecarIndex:
    """The sidecar's head (comment and header lines) and its rows by SAMPLE_ID."""
    lines = data.splitlines(keepends=True)
    i = 0
    while i < len(lines) and _is_comment(lines[i].removeprefix(b"\xef\xbb\xbf")):
        i += 1
    if i == len(lines):
        return SidecarIndex(data, {})
    names = [c.strip() for c in lines[i].removeprefix(b"\xef\xbb\xbf").decode(
        "utf-8", "replace").lstrip("#").rstrip("\r\n").split("\t")]
    col = names.index("SAMPLE_ID") if "SAMPLE_ID" in names else None
    rows: dict[str, tuple[int, bytes]] = {}
    if col is not None:
        for n in range(i + 1, len(lines)):
            raw = lines[n]
            if _is_comment(raw):
                continue
            fields = raw.rstrip(b"\r\n").split(b"\t")
            sample = fields[col].decode("utf-8", "replace").strip() if col < len(fields) else ""
            if sample:
                rows[sample] = (n + 1, raw if raw.endswith(b"\n") else raw + b"\n")
    head = b"".join(lines[:i + 1])
    return SidecarIndex(head if head.endswith(b"\n") else head + b"\n", rows)


# ----------------------------------------------------------------------------- one chunk
_MAF_LINE = re.compile(r"(?<!sidecar )\bline (\d+)")
_SIDECAR_LINE = re.compile(r"(clinical sidecar line )(\d+)")


def _mapper(pattern: re.Pattern, lines: dict[int, int]):  # noqa: ANN202
    def sub(text: str | None) -> str | None:
        if not text:
            return text
        return pattern.sub(lambda m: m.group(0)[:-len(m.group(m.lastindex))]
                           + str(lines.get(int(m.group(m.lastindex)), m.group(m.lastindex))),
                           text)
    return sub


class _Chunk:
    """A small MAF (and sidecar) of some samples, with the map back to the file's lines."""

    def __init__(self, index: MafIndex, sidecar: SidecarIndex | None, samples: list[str]):
        picked = sorted((line, off) for s in samples
                        for line, off in zip(index.samples[s][::2], index.samples[s][1::2],
                                             strict=True))
        body = [index.head if index.head.endswith(b"\n") else index.head + b"\n"]
        self.maf_lines: dict[int, int] = {}
        with index.path.open("rb") as fh:
            for k, (line, off) in enumerate(picked):
                fh.seek(off)
                raw = fh.readline()
                body.append(raw if raw.endswith(b"\n") else raw + b"\n")
                self.maf_lines[index.header_line + 1 + k] = line
        self.maf = b"".join(body)
        self.sidecar = None
        self.sidecar_lines: dict[int, int] = {}
        if sidecar is not None:
            first = sidecar.head.count(b"\n") + 1
            rows = []
            for s in samples:
                if s in sidecar.rows:
                    line, raw = sidecar.rows[s]
                    self.sidecar_lines[first + len(rows)] = line
                    rows.append(raw)
            self.sidecar = sidecar.head + b"".join(rows)

    def remap_report(self, report):  # noqa: ANN001, ANN201
        maf, side = _mapper(_MAF_LINE, self.maf_lines), _mapper(_SIDECAR_LINE,
                                                               self.sidecar_lines)
        return replace(
            report, tumor_type_source=side(report.tumor_type_source),
            warnings=tuple(side(maf(w)) for w in report.warnings),
            variants=tuple(replace(v, source=maf(v.source)) for v in report.variants))

    def remap_error(self, exc: MatcherError) -> MatcherError:
        maf, side = _mapper(_MAF_LINE, self.maf_lines), _mapper(_SIDECAR_LINE,
                                                               self.sidecar_lines)
        exc.message = side(maf(exc.message))
        exc.args = (exc.message, *exc.args[1:])
        exc.problems = [replace(p, message=side(maf(p.message)),
                                line=self.maf_lines.get(p.line, p.line) if p.line else p.line)
                        for p in exc.problems]
        return exc


_STATE: dict = {}  # what forked pool processes inherit: the KB, the indexes, the options


def match_chunk(samples: list[str]) -> list[SampleOut]:
    """Read and match some samples of the indexed MAF (in a pool process or in-process)."""
    from matcher.pipeline import match_report, read_reports

    kb, index, sidecar, options = (_STATE[k] for k in ("kb", "index", "sidecar", "options"))
    chunk = _Chunk(index, sidecar, samples)
    opts = replace(options, clinical_sidecar=chunk.sidecar, max_samples=None)
    out = []
    try:
        reports = read_reports(chunk.maf, filename=index.path.name, fmt="maf", options=opts,
                               kb=kb)
        for report in reports:
            result = match_report(chunk.remap_report(report), kb)
            row, tumor, level, markers = sample_row(result)
            cells = [(line, "\t".join(r.cells()))
                     for line, r in rows_by_line([result]).items()]
            out.append(SampleOut(row, cells, tumor, level, markers))
    except MatcherError as exc:
        raise chunk.remap_error(exc) from None
    return out


# ----------------------------------------------------------------------------- whole cohort
@dataclass
class CohortRun:
    """Counts of a finished cohort run."""

    samples: int
    rows: int
    summary: CohortSummary


def _chunks(index: MafIndex, size: int) -> Iterator[list[str]]:
    names = list(index.samples)
    for i in range(0, len(names), size):
        yield names[i:i + size]


def run_cohort(maf: Path, out: Path, kb, *, clinical: bytes | None = None,  # noqa: ANN001
               options: ReadOptions = ReadOptions(), jobs: int = 1, chunk: int = CHUNK,
               progress=None) -> CohortRun:
    """Match every sample of ``maf``; write ``annotated.maf`` and ``samples.tsv`` to ``out``
    and return the summary (the caller writes its tables). ``progress(n)``: samples done."""
    import multiprocessing as mp

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="matcher-cohort-") as tmp:
        path = _plain_file(Path(maf), Path(tmp))
        index = index_maf(path)
        sidecar = index_sidecar(clinical) if clinical else None
        _STATE.update(kb=kb, index=index, sidecar=sidecar, options=options)
        cells_db = sqlite3.connect(Path(tmp) / "cells.sqlite3")
        cells_db.execute("CREATE TABLE cells (line INTEGER PRIMARY KEY, cells TEXT)")
        summary = CohortSummary()
        done = 0
        try:
            with (out / "samples.tsv").open("w", encoding="utf-8") as samples_tsv:
                samples_tsv.write("\t".join(SAMPLE_HEADER) + "\n")
                tasks = _chunks(index, chunk)
                pool = None
                if jobs > 1 and len(index.samples) > chunk:
                    warm_up(kb)
                    import gc

                    gc.freeze()  # the KB's pages stay shared with the forked processes
                    pool = mp.get_context("fork").Pool(jobs)
                    results = pool.imap(match_chunk, tasks)
                else:
                    results = map(match_chunk, tasks)
                try:
                    for outs in results:
                        for s in outs:
                            samples_tsv.write("\t".join(s.row) + "\n")
                            summary.add(s.tumor, s.level, s.markers)
                            cells_db.executemany("INSERT INTO cells VALUES (?, ?)", s.cells)
                        done += len(outs)
                        if progress:
                            progress(done)
                finally:
                    if pool is not None:
                        pool.terminate()
                        pool.join()
            cells_db.commit()
            _write_annotated(path, index, cells_db, out / "annotated.maf")
        finally:
            cells_db.close()
            _STATE.clear()
    return CohortRun(done, index.rows, summary)


def _write_annotated(path: Path, index: MafIndex, db: sqlite3.Connection, dest: Path) -> None:
    """The MAF again, line for line, with the added columns (from ``db``, in line order)."""
    empty = "\t".join([""] * len(COLUMNS))
    cells = db.execute("SELECT line, cells FROM cells ORDER BY line")
    pending = next(cells, None)
    with path.open("rb") as src, dest.open("w", encoding="utf-8", newline="") as dst:
        for n, raw in enumerate(src, 1):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if n == 1:
                line = line.removeprefix("\ufeff")
            if n < index.header_line or (n > index.header_line and _is_comment(raw)):
                dst.write(line + "\n")
                continue
            if n == index.header_line:
                dst.write(line + "\t" + "\t".join(COLUMNS) + "\n")
                continue
            while pending is not None and pending[0] < n:
                pending = next(cells, None)
            if pending is not None and pending[0] == n:
                dst.write(line + "\t" + pending[1] + "\n")
            else:
                dst.write(line + "\t" + empty + "\n")
