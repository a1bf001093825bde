"""RNA fusion-caller output: STAR-Fusion ``fusion_candidates.final[.abridged]``, Arriba
``fusions.tsv`` and FusionCatcher ``final-list_candidate-fusion-genes[.hg19].txt`` -> one Report
of FusionCalls (5' partner first, as all three callers write them)."""

from __future__ import annotations

import re

from matcher.model import FusionCall, Report
from matcher.readers.options import ReadOptions
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


def _require(table: Table, name: str | None, what: str, *columns: str | tuple[str, ...]
             ) -> list[int]:
    """Column indexes; a tuple names one column's accepted spellings (current one first)."""
    found = []
    names = [(c,) if isinstance(c, str) else c for c in columns]
    for spellings in names:
        i = table.index(*spellings)
        if i is None:
            col = spellings[0]
            also = f" (or {', '.join(repr(x) for x in spellings[1:])})" if spellings[1:] else ""
            raise table_error(name, what, f"column {col!r}{also} is missing", table.header_line,
                              col, ", ".join(n[0] for n in names))
        found.append(i)
    return found


# STAR-Fusion before v1.0 wrote '#fusion_name JunctionReads SpanningFrags Splice_type LeftGene
# LeftBreakpoint RightGene RightBreakpoint JunctionReads SpanningFrags' (the second pair: read
# names); the first column of each name is the count.
STAR_FUSION_COLUMNS = (("FusionName", "fusion_name", "#FusionName"),
                       ("JunctionReadCount", "JunctionReads"),
                       ("SpanningFragCount", "SpanningFrags"), ("LeftGene",), ("RightGene",))


def _name_genes(text: str) -> tuple[str | None, str | None] | None:
    """The two genes of a STAR-Fusion FusionName ('ACACA--STAC2'), or None if not of that form."""
    parts = text.split("--")
    return (_symbol(parts[0]), _symbol(parts[1])) if len(parts) == 2 else None


def read_star_fusion(data: bytes, options: ReadOptions = ReadOptions(),
                     name: str | None = None) -> list[Report]:
    """STAR-Fusion table: one fusion per FusionName (breakpoint isoforms merged; reads: the
    highest count among its rows)."""
    what = "STAR-Fusion table"
    t = read_table(data, options.max_decompressed_bytes, name, what, header_starts_with_hash=True)
    i_name, i_junc, i_span, i_left, i_right = _require(t, name, what, *STAR_FUSION_COLUMNS)
    junc, span = t.columns[i_junc], t.columns[i_span]
    merged: dict[tuple[str, str], dict] = {}
    warnings: list[str] = []
    for n, row in t.rows:
        text = cell(row, i_name)
        five, three = _symbol(cell(row, i_left)), _symbol(cell(row, i_right))
        if not text or not five or not three:
            raise table_error(name, what, "FusionName/LeftGene/RightGene is empty", n)
        named = _name_genes(text)
        if named and tuple(g.upper() for g in named if g) != (five.upper(), three.upper()):
            warnings.append(f"line {n}: FusionName {text!r} disagrees with LeftGene/RightGene "
                            f"({five}, {three}); read as {five}::{three}, the genes at the "
                            "breakpoints")
        reads = (int_cell(row, i_junc, name, what, n, junc) or 0) + (
            int_cell(row, i_span, name, what, n, span) or 0)
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


# FusionCatcher ``Fusion_description`` labels that its manual (Table 2) describes as marking a
# (very) high probability of a false positive, or a fusion seen in healthy / matched-normal /
# non-tumour samples (so not a tumour target). Such rows are listed as filtered, never dropped.
# Descriptive labels are not used: ``adjacent``, ``short_distance``, ``distance10kbp``/
# ``distance100kbp``, ``duplicates``, ``*_partially_overlapping``, ``fragments`` also fit real
# deletion / tandem-duplication drivers (e.g. FGFR3::TACC3, GOPC::ROS1).
FUSIONCATCHER_HEALTHY_DB_LABELS = frozenset({
    # found in a database of fusions seen in healthy / non-cancer samples
    "healthy", "1000genomes", "bodymap2", "gtex", "hpa", "cortex", "cacg", "conjoing",
    "non_cancer_tissues", "non_tumor_cells",
})
# Labels by which FusionCatcher says the fusion itself is in a database of fusions found in
# tumours (manual Table 2: "known fusion gene from/found in ..."; ``oncokb`` and ``mitelman`` as
# its own test output writes them). Such a fusion is not filtered by a healthy-database label
# alone: CACG and ConjoinG list FIP1L1--PDGFRA and GOPC--ROS1 (FusionCatcher's test output
# labels both ``cacg`` next to ``cosmic``, ``cgp``, ``ticdb``), and the manual qualifies those two
# labels as false positives only "in case one looks for fusion genes specific to a disease".
# ``banned`` (FusionCatcher's own false-positive list), ``matched-normal`` (the patient's normal)
# and the mapping artefacts below always filter; ``known`` (ever reported anywhere) and the
# gene-level ``oncogene``/``cancer``/``tumor`` do not count as a cancer database.
FUSIONCATCHER_CANCER_DB_LABELS = frozenset({
    "cosmic", "cgp", "ticdb", "mitelman", "oncokb", "chimerdb3kb", "chimerdb3pub",
    "chimerdb3seq", "tcga", "tcga-cancer", "tcga2", "tcga3", "18cancers", "gliomas",
    "oesophagus", "pancreases", "prostates", "cell_lines", "ccle", "ccle3",
})
FUSIONCATCHER_ARTEFACT_LABELS = FUSIONCATCHER_HEALTHY_DB_LABELS | frozenset({
    # FusionCatcher's own list of false positives; the patient's matched normal
    "banned", "matched-normal",
    # mapping / annotation artefacts
    "readthrough", "paralogs", "similar_reads", "similar_symbols", "pair_pseudo_genes",
    "distance1000bp", "ensembl_fully_overlapping", "ensembl_same_strand_overlapping",
    "refseq_fully_overlapping", "refseq_same_strand_overlapping", "ucsc_fully_overlapping",
    "ucsc_same_strand_overlapping", "mt", "rrna", "rp11", "rp", "cta", "ctb", "ctc", "ctd",
})

def fusioncatcher_flags(description: str | None, where: str) -> tuple[list[str], str | None]:
    """The artefact labels of a FusionCatcher ``Fusion_description`` (``DESC`` in its VCF) that
    filter the fusion, and a warning when healthy-sample labels were overridden because the
    labels also place it in a cancer fusion database (``where`` starts that warning)."""
    labels = [x.strip().lower() for x in (description or "").split(",") if x.strip()]
    flags = [x for x in labels if x in FUSIONCATCHER_ARTEFACT_LABELS]
    cancer_db = [x for x in labels if x in FUSIONCATCHER_CANCER_DB_LABELS]
    if cancer_db and flags and all(x in FUSIONCATCHER_HEALTHY_DB_LABELS for x in flags):
        return [], (f"{where} is labelled {','.join(flags)} (seen in healthy samples) and "
                    f"{','.join(cancer_db)} (a known cancer fusion): assessed, not filtered")
    return flags, None


_FC_GENE1 = "Gene_1_symbol(5end_fusion_partner)"
_FC_GENE2 = "Gene_2_symbol(3end_fusion_partner)"


def read_fusioncatcher(data: bytes, options: ReadOptions = ReadOptions(),
                       name: str | None = None) -> list[Report]:
    """FusionCatcher final list: one FusionCall per gene pair, Gene_1 the 5' partner.

    FusionCatcher writes alternative junctions of one fusion as separate rows: they are merged,
    as STAR-Fusion's isoforms are (source ``lines 2, 5``, reads the highest of its rows), and the
    fusion is filtered only when every one of its rows carries an artefact label.

    Supporting reads = Spanning_pairs + Spanning_unique_reads (pairs bridging the two genes and
    reads across the junction, as STAR-Fusion's spanning + junction counts);
    Counts_of_common_mapping_reads measures homology, not support, and is not added. Rows with a
    label of FUSIONCATCHER_ARTEFACT_LABELS get a filter_reason. Fusion points carry no build
    (``12:12022903:+``): the report's genome_build is only what the caller states.
    """
    what = "FusionCatcher table"
    t = read_table(data, options.max_decompressed_bytes, name, what)
    i_g1, i_g2, i_desc, i_pairs, i_uniq = _require(
        t, name, what, _FC_GENE1, _FC_GENE2, "Fusion_description", "Spanning_pairs",
        "Spanning_unique_reads")
    if len(t.rows) > options.max_variants:
        from matcher.errors import PayloadTooLarge, Problem
        raise PayloadTooLarge(f"more than {options.max_variants} fusions",
                              [Problem(f"over the limit of {options.max_variants} calls")])
    width = len(t.columns)
    merged: dict[tuple[str, str], dict] = {}
    warnings, no_symbol = [], 0
    for n, row in t.rows:
        if len(row) != width:
            col = t.columns[len(row)] if len(row) < width else f"column {width + 1}"
            raise table_error(name, what, f"{len(row)} tab-separated columns where the header "
                              f"has {width} (at {col!r})", n, col, f"{width} columns")
        reads = (int_cell(row, i_pairs, name, what, n, "Spanning_pairs") or 0) + (
            int_cell(row, i_uniq, name, what, n, "Spanning_unique_reads") or 0)
        g1, g2 = cell(row, i_g1), cell(row, i_g2)
        five, three = _symbol(g1), _symbol(g2)
        if not five or not three:
            no_symbol += 1
            continue
        flags, note = fusioncatcher_flags(cell(row, i_desc), f"line {n}: {g1}--{g2}")
        if note:
            warnings.append(note)
        entry = merged.setdefault((five, three), {"lines": [], "reads": 0, "flags": {},
                                                  "clean": False, "text": f"{g1}--{g2}"})
        entry["lines"].append(n)
        entry["reads"] = max(entry["reads"], reads)
        entry["flags"].update(dict.fromkeys(flags))
        entry["clean"] = entry["clean"] or not flags
    fusions = [FusionCall(
        source=_lines(e["lines"]), five_prime_gene=five, three_prime_gene=three,
        order_known=True, text=e["text"], supporting_reads=e["reads"],
        filter_reason=None if e["clean"] else
        f"FusionCatcher Fusion_description={','.join(e['flags'])}")
        for (five, three), e in merged.items()]
    if no_symbol:
        warnings.append(f"{no_symbol} FusionCatcher call(s) without a gene symbol for both "
                        "partners were not turned into gene fusions")
    return [_report(options, name, "fusioncatcher", fusions, warnings)]


def _lines(numbers: list[int]) -> str:
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(map(str, numbers))
