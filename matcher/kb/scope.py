"""Which genes the KB's criteria name, and with which criterion types.

Used to decide how much of a whole-genome file must be read for a gene: coding exons suffice
for small-variant criteria, but a fusion breakpoint or a copy-number segment usually lies in an
intron or around the gene, so genes with such criteria are read over their whole span.
"""

from __future__ import annotations

from matcher.kb.criteria import Criterion

# Criterion types whose records (SV breakends, CNV segments) fall outside coding exons.
WHOLE_SPAN_TYPES = ("fusion", "copy_number")


def criterion_types_by_gene(kb) -> dict[str, frozenset[str]]:
    """Gene -> the criterion types naming it, over evidence, annotations and trial biomarkers.

    A fusion criterion's partner counts as naming the partner with type ``fusion``; the parts of
    ``all_of``/``any_of`` count under their own genes. Signatures (no gene) are left out.
    """
    found: dict[str, set[str]] = {}

    def walk(gene: str | None, crit: Criterion) -> None:
        if crit.items:
            for part_gene, part in crit.items:
                walk(part_gene, part)
            return
        if gene:
            found.setdefault(gene, set()).add(crit.type)
        if crit.partner:
            found.setdefault(crit.partner, set()).add(crit.type)

    for ev in kb.all_evidence():
        walk(ev.gene, ev.criterion)
    for entry in kb.genes.values():
        found.setdefault(entry.symbol, set())
        for ann in entry.annotations:
            walk(ann.gene, ann.criterion)
    for trial in kb.trials.values():
        for gene, crit in trial.biomarkers:
            walk(gene, crit)
    return {g: frozenset(t) for g, t in found.items()}


def whole_span_genes(kb) -> dict[str, str]:
    """KB genes to read over their whole span -> the reason, e.g. 'fusion criteria'."""
    out = {}
    for gene, types in criterion_types_by_gene(kb).items():
        reasons = [t.replace("_", "-") for t in WHOLE_SPAN_TYPES if t in types]
        if gene in kb.genes and reasons:
            out[gene] = " and ".join(reasons) + " criteria"
    return out
