"""RNA fusion-caller output: STAR-Fusion ``fusion_candidates.final[.abridged]`` and Arriba
``fusions.tsv`` -> one Report of FusionCalls (5' partner first, as both callers write them)."""

from __future__ import annotations

import re

from matcher.model import FusionCall, Report
from matcher.readers import ReadOptions
from matcher.readers.tables import Table, cell, int_cell, read_table, table_error

_GENE = re.compile(r"^([^^(,]+)")


def _symbol(value: str | None) -> str | None:
    """'ACACA^ENSG00000132142.15' -> 'ACACA'; Arriba intergenic 'A(123),B(45)' -> None."""
    if not value or "," in value or value == ".":
        return None
    m = _GENE.match(value.strip())
    return m.group(1).strip() if m else None


def _report(options: ReadOptions, name: str | None, fmt: str, fusions: list[FusionCall],
            warnings: list[str]) -> Report:
    stem = (name or fmt).split(".")[0]
    return Report(report_id=options.report_id or stem, tumor_type=options.tumor_type,
                  genome_build=options.genome_build, lab=options.lab, fusions=tuple(fusions),
                  source_format=fmt, sample=options.sample, warnings=tuple(warnings))


def _require(table: Table, name: str | None, what: str, *columns: str) -> list[int]:
    found = []
    for col in columns:
        i = table.index(col)
        if i is None:
            raise table_error(name, what, f"column {col!r} is missing", table.header_line, col,
                              ", ".join(columns))
        found.append(i)
    return found


def read_star_fusion(data: bytes, options: ReadOptions = ReadOptions(),
                     name: str | None = None) -> list[Report]:
    """STAR-Fusion table: one fusion per FusionName (breakpoint isoforms merged, reads summed)."""
    what = "STAR-Fusion table"
    t = read_table(data, options.max_decompressed_bytes, name, what, header_starts_with_hash=True)
    i_name, i_junc, i_span, i_left, i_right = _require(
        t, name, what, "FusionName", "JunctionReadCount", "SpanningFragCount", "LeftGene",
        "RightGene")
    merged: dict[tuple[str, str], dict] = {}
    warnings: list[str] = []
    for n, row in t.rows:
        text = cell(row, i_name)
        five, three = _symbol(cell(row, i_left)), _symbol(cell(row, i_right))
        if not text or not five or not three:
            raise table_error(name, what, "FusionName/LeftGene/RightGene is empty", n)
        reads = (int_cell(row, i_junc, name, what, n, "JunctionReadCount") or 0) + (
            int_cell(row, i_span, name, what, n, "SpanningFragCount") or 0)
        entry = merged.setdefault((five, three), {"lines": [], "reads": 0, "text": text})
        entry["lines"].append(n)
        entry["reads"] = max(entry["reads"], reads)
    if len(merged) > options.max_variants:
        from matcher.errors import PayloadTooLarge, Problem
        raise PayloadTooLarge(f"more than {options.max_variants} fusions",
                              [Problem(f"over the limit of {options.max_variants} calls")])
    fusions = [FusionCall(source=_lines(e["lines"]), five_prime_gene=five,
                          three_prime_gene=three, order_known=True, text=e["text"],
                          supporting_reads=e["reads"])
               for (five, three), e in merged.items()]
    return [_report(options, name, "star-fusion", fusions, warnings)]


def read_arriba(data: bytes, options: ReadOptions = ReadOptions(),
                name: str | None = None) -> list[Report]:
    """Arriba fusions.tsv: gene1 is the 5' partner; low confidence -> filter_reason."""
    what = "Arriba table"
    t = read_table(data, options.max_decompressed_bytes, name, what, header_starts_with_hash=True)
    i_g1, i_g2, i_conf = _require(t, name, what, "gene1", "gene2", "confidence")
    i_s1, i_s2, i_disc = t.index("split_reads1"), t.index("split_reads2"), \
        t.index("discordant_mates")
    fusions, warnings, intergenic = [], [], 0
    for n, row in t.rows:
        g1, g2 = cell(row, i_g1), cell(row, i_g2)
        five, three = _symbol(g1), _symbol(g2)
        if not five or not three:
            intergenic += 1
            continue
        reads = sum(int_cell(row, i, name, what, n, col) or 0 for i, col in (
            (i_s1, "split_reads1"), (i_s2, "split_reads2"), (i_disc, "discordant_mates")))
        confidence = (cell(row, i_conf) or "").lower()
        if confidence not in ("low", "medium", "high"):
            raise table_error(name, what, f"confidence {confidence!r} is invalid", n,
                              "confidence", "low, medium or high")
        fusions.append(FusionCall(
            source=f"line {n}", five_prime_gene=five, three_prime_gene=three, order_known=True,
            text=f"{g1}--{g2}", supporting_reads=reads,
            filter_reason="Arriba confidence=low" if confidence == "low" else None))
    if intergenic:
        warnings.append(f"{intergenic} Arriba call(s) with an intergenic breakpoint were not "
                        "turned into gene fusions")
    return [_report(options, name, "arriba", fusions, warnings)]


def _lines(numbers: list[int]) -> str:
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(map(str, numbers))
