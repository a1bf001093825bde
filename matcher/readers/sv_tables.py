"""Structural-variant and fusion tables -> one Report of FusionCalls per sample.

* cBioPortal ``data_sv.txt``: ``Sample_Id``, ``Site1_Hugo_Symbol``, ``Site2_Hugo_Symbol``,
  ``SV_Status`` (SOMATIC/GERMLINE), ``Class``, ``Event_Info``, read counts …;
* the OncoKB annotator's structural-variant input: ``Tumor_Sample_Barcode``, ``GeneA``,
  ``GeneB`` (also ``Site1_Gene``/``Gene1`` …), ``Sv_Type``;
* the OncoKB annotator's fusion input and cBioPortal's older fusion file: a sample column and
  ``Fusion`` (``EML4-ALK``, ``TMPRSS2-ERG fusion``, ``EGFR-intragenic``).

Two different genes make a fusion. The sites of an SV table do not state the 5'/3' order
(cBioPortal's own docs call Site1 both "gene 1" and "the left site (3')"), so the partners are
read with ``order_known=False`` and oriented by the normaliser (the kinase as the 3' partner).
A rearrangement inside one gene, or with one gene only (the other breakpoint intergenic), is
listed as not assessable, never matched as a fusion. ``SV_Status=GERMLINE`` is filtered.
"""

from __future__ import annotations

from dataclasses import replace

from matcher.errors import PayloadTooLarge, Problem
from matcher.model import FusionCall, Report
from matcher.readers.headers import GENE_A, GENE_B, SV_SAMPLE_COLUMNS, TYPE_COLUMNS
from matcher.readers.options import ReadOptions
from matcher.readers.samples import Samples
from matcher.readers.tables import cell, int_cell, read_table, table_error

WHAT = "structural-variant table"
def read_sv_table(data: bytes, options: ReadOptions = ReadOptions(), name: str | None = None
                  ) -> list[Report]:
    """One Report of fusions per sample."""
    t = read_table(data, options.max_decompressed_bytes, name, WHAT)
    i_sample = t.index(*SV_SAMPLE_COLUMNS)
    i_a, i_b, i_fusion = t.index(*GENE_A), t.index(*GENE_B), t.index("Fusion")
    if i_sample is None or (i_fusion is None and i_a is None and i_b is None):
        raise table_error(name, WHAT, "the header names no sample column or no genes",
                          t.header_line, None, "Sample_Id, Site1_Hugo_Symbol, "
                          "Site2_Hugo_Symbol (cBioPortal), or Tumor_Sample_Barcode with GeneA, "
                          "GeneB or Fusion (OncoKB annotator)")
    if len(t.rows) > options.max_variants:
        raise PayloadTooLarge(f"more than {options.max_variants} structural variants",
                              [Problem(f"{len(t.rows)} rows; the limit is "
                                       f"{options.max_variants}")])
    col = {"status": t.index("SV_Status"), "type": t.index(*TYPE_COLUMNS),
           "event": t.index("Event_Info"), "gene": t.index("Hugo_Symbol"),
           "split": t.index("Tumor_Split_Read_Count"),
           "paired": t.index("Tumor_Paired_End_Read_Count"),
           "variant": t.index("Tumor_Variant_Count")}
    samples = Samples(options, name, WHAT, t.columns[i_sample])
    seen: dict[tuple[str, str], int] = {}
    for n, row in t.rows:
        sample = cell(row, i_sample)
        calls = samples.get(sample, n)
        if calls is None:
            continue
        if i_a is not None or i_b is not None:
            calls.fusions.append(_site_call(row, n, i_a, i_b, col, name))
            continue
        call = _fusion_call(row, n, i_fusion, col, name)
        key = (sample, call.text.lower())
        if key in seen:  # the older cBioPortal fusion file lists a fusion once per gene
            k = seen[key]
            first = calls.fusions[k]
            calls.fusions[k] = replace(first, source=first.source.replace("line ", "lines ")
                                       + f", {n}")
            continue
        seen[key] = len(calls.fusions)
        calls.fusions.append(call)
    return samples.reports("sv")


def _site_call(row, n: int, i_a, i_b, col: dict, name: str | None) -> FusionCall:
    """A fusion from the two sites' genes of one row (cBioPortal or OncoKB SV layout)."""
    a, b = cell(row, i_a), cell(row, i_b)
    kind, event = cell(row, col["type"]), cell(row, col["event"])
    what = ", ".join(x for x in (kind and f"class {kind}", event and f"event {event!r}") if x)
    text = "/".join(g for g in (a, b) if g) + (f" ({what})" if what else "")
    status = (cell(row, col["status"]) or "").upper()
    filt = "SV_Status=GERMLINE" if status == "GERMLINE" else None
    reads = None
    if col["split"] is not None or col["paired"] is not None:
        parts = [int_cell(row, col[k], name, WHAT, n, c) for k, c in (
            ("split", "Tumor_Split_Read_Count"), ("paired", "Tumor_Paired_End_Read_Count"))]
        reads = sum(p for p in parts if p is not None) if any(p is not None for p in parts) \
            else None
    if reads is None and col["variant"] is not None:
        reads = int_cell(row, col["variant"], name, WHAT, n, "Tumor_Variant_Count")
    source = f"line {n}"
    if a and b and a.upper() != b.upper():
        return FusionCall(source=source, five_prime_gene=a, three_prime_gene=b,
                          order_known=False, text=text, supporting_reads=reads,
                          filter_reason=filt)
    gene = a or b
    if gene is None:
        why = "neither site names a gene symbol: not assessed"
    elif a and b:
        why = (f"a rearrangement within {gene} (both sites in the gene): not a two-gene fusion; "
               "not assessed")
    else:
        why = (f"a rearrangement of {gene} whose other site names no gene (intergenic): not a "
               "two-gene fusion; not assessed")
    return FusionCall(source=source, three_prime_gene=gene, order_known=False,
                      text=text or "no gene", supporting_reads=reads, filter_reason=filt,
                      not_assessable=why)


def _fusion_call(row, n: int, i_fusion: int, col: dict, name: str | None) -> FusionCall:
    """A fusion as named in a ``Fusion`` column (OncoKB annotator, older cBioPortal file)."""
    text = cell(row, i_fusion) or ""
    gene = cell(row, col["gene"])
    if not text and not gene:
        raise table_error(name, WHAT, "the Fusion column is empty", n, "Fusion",
                          "a fusion such as EML4-ALK")
    source = f"line {n}"
    head = text.split()[0] if text.split() else ""
    if head.lower().endswith("-intragenic"):
        g = head[: -len("-intragenic")]
        return FusionCall(source=source, three_prime_gene=g, order_known=False, text=text,
                          not_assessable=f"an intragenic rearrangement of {g}: not a two-gene "
                                         "fusion; not assessed")
    if gene and text.strip().lower() in ("", "fusion"):
        text = f"{gene} fusion"  # cBioPortal's example rows: the gene and the word 'Fusion'
    return FusionCall(source=source, text=text)
