"""Gene-level copy-number tables -> one Report of CopyNumberCalls per sample.

Three layouts, told apart by the header (:func:`layout`):

* **wide** (cBioPortal ``data_CNA.txt``, GISTIC 2.0 ``all_thresholded.by_genes.txt``):
  ``Hugo_Symbol`` (or GISTIC's ``Gene Symbol``), optional ``Entrez_Gene_Id``/``Locus ID``/
  ``Gene ID`` and ``Cytoband``, then one column per sample;
* **long** (one row per gene and sample): a sample column (``Tumor_Sample_Barcode``,
  ``Sample_Id``, ``sampleId``), ``Hugo_Symbol`` and a value column (``Copy_Number_Alteration``,
  ``CNA``, ``GISTIC``, ``Value``, ``alteration``): the OncoKB annotator's "individual" layout
  and cBioPortal's per-sample exports.

Levels are cBioPortal's discrete values or the OncoKB annotator's words: ``2``/Amplification
-> amplification and ``-2``/Deletion -> deep_deletion, the states the KB's copy-number criteria
name; ``1``/Gain and ``-1``/Loss (low-level gain, single-copy loss) are listed as not assessable,
since no evidence is about them; ``0`` (diploid) and empty/``NA`` cells are no call. Anything
else is refused with its line and column: continuous (log2) copy number and expression
matrices share the wide header but not the values.
"""

from __future__ import annotations

from matcher.errors import PayloadTooLarge, Problem
from matcher.model import CopyNumberCall, Report
from matcher.readers.headers import (
    GENE_COLUMNS,
    ID_COLUMNS,
    SAMPLE_COLUMNS,
    VALUE_COLUMNS,
    layout,
    level,
)
from matcher.readers.options import ReadOptions
from matcher.readers.samples import Samples
from matcher.readers.tables import Table, cell, read_table, table_error

WHAT = "copy-number table"
NOT_ASSESSED = {
    "gain": "low-level gain ({value}): not assessed; only amplification (2) and deep deletion "
            "(-2) are matched",
    "loss": "single-copy loss ({value}): not assessed; only amplification (2) and deep "
            "deletion (-2) are matched",
}


def read_cna(data: bytes, options: ReadOptions = ReadOptions(), name: str | None = None
             ) -> list[Report]:
    """One Report per sample with its amplifications and deep deletions (gains and losses
    listed as not assessable)."""
    t = read_table(data, options.max_decompressed_bytes, name, WHAT)
    kind = layout(t.columns, [r for _, r in t.rows[:50]])
    if kind is None:
        raise table_error(name, WHAT, "the header is not a copy-number table's", t.header_line,
                          None, "Hugo_Symbol then one column per sample (cBioPortal "
                          "data_CNA.txt), or Tumor_Sample_Barcode, Hugo_Symbol and "
                          "Copy_Number_Alteration (OncoKB annotator)")
    i_sample = t.index(*SAMPLE_COLUMNS)
    samples = Samples(options, name, WHAT,
                      t.columns[i_sample] if kind == "long" and i_sample is not None else "sample")
    if kind == "wide":
        columns = _sample_columns(t, options.sample)
        for i in columns:  # every sample has a report, even one without a call
            samples.get(t.columns[i], t.header_line)
        cells = _wide(t, name, columns)
    else:
        cells = _long(t)
    seen: dict[tuple[str, str], dict[str, list[tuple[str, str]]]] = {}
    empty: dict[str, int] = {}
    levels: dict[str, tuple[bool, str | None]] = {}  # a big matrix repeats a few values
    count = 0
    for n, sample, gene, raw, column, source in cells:
        calls = samples.get(sample, n)
        if calls is None:
            continue
        value = raw.strip()
        if not value or value.upper() in ("NA", "NAN", "N/A"):
            empty[sample] = empty.get(sample, 0) + 1
            continue
        ok, state = levels.get(value) or levels.setdefault(value, level(value))
        if not ok:
            raise table_error(name, WHAT, f"{column} {value[:40]!r} is not a discrete "
                              "copy-number level (continuous copy number and expression values "
                              "are not read)", n, column,
                              "-2, -1, 0, 1, 2 or Amplification, Gain, Loss, Deletion")
        if state is None:
            continue
        if not gene:
            raise table_error(name, WHAT, "the gene symbol is empty", n, "Hugo_Symbol")
        count += 1
        if count > options.max_variants:
            raise PayloadTooLarge(f"more than {options.max_variants} copy-number calls",
                                  [Problem(f"over the limit of {options.max_variants} calls")])
        seen.setdefault((sample, gene), {}).setdefault(state, []).append((source, value))
    for (sample, gene), states in seen.items():
        samples.by_sample[sample].copy_numbers.extend(_calls(gene, states))
    for sample, k in empty.items():
        samples.by_sample[sample].warnings.append(
            f"{k} gene cell(s) of this sample are empty or NA (not profiled): no call read "
            "from them")
    return samples.reports("cna")


def _sample_columns(t: Table, only: str | None) -> list[int]:
    """Indexes of the sample columns of a gene-by-sample table (``only``: that sample's)."""
    ids = {c.lower() for c in ID_COLUMNS}
    return [i for i, c in enumerate(t.columns)
            if i and c and c.lower() not in ids and (only is None or c == only)]


def _wide(t: Table, name: str | None, columns: list[int]):
    """(line, sample, gene, value, column, source) for each sample cell of a gene-by-sample
    table but the diploid ('0') ones."""
    nameless = [i for i, c in enumerate(t.columns) if not c]
    width = len(t.columns)
    for n, row in t.rows:
        extra = [i + 1 for i in nameless if i < len(row) and row[i].strip()] + [
            i + 1 for i in range(width, len(row)) if row[i].strip()]
        if extra:
            raise table_error(name, WHAT, f"a value in column {extra[0]}, which has no sample "
                              "name in the header", n, f"column {extra[0]}",
                              f"{len([c for c in t.columns if c])} named columns")
        gene = cell(row, 0)
        for i in columns:
            value = row[i] if i < len(row) else ""
            if value != "0":
                yield (n, t.columns[i], gene, value, t.columns[i], f"line {n}, column {i + 1}")


def _long(t: Table):
    """(line, sample, gene, value, column, source) for each row of a per-sample table."""
    i_sample, i_gene, i_value = (t.index(*SAMPLE_COLUMNS), t.index(*GENE_COLUMNS),
                                 t.index(*VALUE_COLUMNS))
    column = t.columns[i_value]
    for n, row in t.rows:
        yield (n, cell(row, i_sample), cell(row, i_gene),
               row[i_value] if i_value < len(row) else "", column, f"line {n}")


def _calls(gene: str, states: dict[str, list[tuple[str, str]]]) -> list[CopyNumberCall]:
    """One call per state of a gene in a sample (duplicate rows merged); a gene written with
    conflicting states in one sample is not assessable, each call naming the others."""
    conflict = "; ".join(f"{where[0][0]}: {where[0][1]}" for where in states.values()) \
        if len(states) > 1 else None
    out = []
    for state, where in states.items():
        if conflict:
            reason = (f"{gene} has conflicting copy-number levels in this sample ({conflict}): "
                      "not assessed")
        elif where[0][1] == "-1.5":
            reason = ("copy-number level -1.5 (between single-copy loss and deep deletion; not "
                      "a cBioPortal level): not assessed")
        else:
            reason = NOT_ASSESSED[state].format(value=where[0][1]) \
                if state in NOT_ASSESSED else None
        out.append(CopyNumberCall(source="; ".join(dict.fromkeys(w[0] for w in where)),
                                  gene=gene, state=state, not_assessable=reason))
    return out
