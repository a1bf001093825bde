"""Is a small variant oncogenic? The classification every variant gets before evidence is matched
(docs/oncogenicity.md).

Sources, first that decides wins:

1. ClinVar, reviewed (>= 1 star): somatic oncogenicity or germline pathogenic / benign, the
   better reviewed;
2. named by KB or CIViC evidence: the exact protein change, or a codon the evidence names;
3. a cancer hotspot (cancerhotspots.org residue or allele, or an in-frame indel hotspot range);
4. a label class: a KB exon criterion restricted to a consequence (EGFR exon 19 deletion, ERBB2
   exon 20 insertion, CALR exon 9 frameshift), FLT3 ITD, exon-skipping splice variants;
5. a truncating or canonical splice variant in a tumor suppressor;
6. otherwise a variant of unknown significance.

Gene-, exon-, region- and class-level evidence needs an oncogenic variant
(:func:`meets_broad_evidence`); exact-allele and codon evidence applies as written, except that
evidence imported from CIViC does not apply to a variant ClinVar calls benign with review
(:func:`reviewed_benign`).
"""

from __future__ import annotations

from dataclasses import replace

from matcher.model import (
    LOSS_OF_FUNCTION,
    ONCOGENIC,
    ONCOGENICITY_WORDS,
    Alteration,
    Oncogenicity,
)

_BENIGN = frozenset({"benign", "likely_benign"})
_INFRAME = frozenset({"inframe_deletion", "inframe_insertion", "inframe_delins"})
# Sources that speak for the class of change itself: a truncating change they call oncogenic
# in an oncogene is still activating (CALR exon 9 frameshift); ClinVar (germline disease) and
# the generic rules do not (a RET truncation is pathogenic for Hirschsprung disease, not
# activating).
_CLASS_SOURCES = frozenset({"kb", "hotspot"})


def meets_broad_evidence(alt: Alteration) -> bool:
    """Can this alteration meet gene-, exon-, region- or consequence-level evidence?

    Only an oncogenic or likely oncogenic variant, and in an oncogene only an activating one (a
    truncating change counts only where the KB or a hotspot names it).
    """
    o = alt.oncogenicity
    if o is None or o.classification not in ONCOGENIC:
        return False
    cons = alt.variant.consequence if alt.variant else None
    return not (o.gene_role == "oncogene" and cons in LOSS_OF_FUNCTION
                and o.source not in _CLASS_SOURCES)


def reviewed_benign(alt: Alteration) -> bool:
    """ClinVar calls it benign or likely benign with review: then evidence imported from CIViC
    does not apply to it even where it names the allele (a case report naming a known
    polymorphism, such as BRCA2 K3326*); curated KB evidence still does."""
    o = alt.oncogenicity
    return o is not None and o.source == "clinvar" and o.classification in _BENIGN


def classification_note(alt: Alteration) -> str | None:
    """The classification in words, for an alteration that matched nothing."""
    o = alt.oncogenicity
    if o is None:
        return None
    words = ONCOGENICITY_WORDS[o.classification]
    if o.classification in ONCOGENIC:
        return f"Oncogenicity: {words}; {o.reason}."
    if reviewed_benign(alt):
        return (f"Oncogenicity: {words}; {o.reason}. Neither gene- and class-level evidence nor "
                "evidence imported from CIViC applies to it.")
    return (f"Oncogenicity: {words}; {o.reason}. Gene- and class-level evidence does not "
            "apply.")


def classified(alterations: list[Alteration], kb) -> list[Alteration]:
    """The alterations, each small variant with its classification (kept if already set)."""
    return [a if a.oncogenicity is not None or a.kind != "variant"
            else replace(a, oncogenicity=classify(a, kb)) for a in alterations]


def gene_role(kb, gene: str | None) -> tuple[str, str] | None:
    """(role, source) of a gene: the curated gene file's role, else IntOGen / CancerMine
    (knowledgebase/reference/gene_roles.tsv), else tumor suppressor when the KB itself has
    loss-of-function evidence for it; None when nothing says."""
    entry = kb.genes.get(gene or "")
    if entry is not None and entry.file.startswith("genes/"):
        return entry.role, "knowledge base gene file"
    found = kb.gene_roles.role(gene)
    if found is not None:
        return found
    if gene in _index(kb).lof_genes:
        return "tumor_suppressor", "knowledge base loss-of-function evidence"
    return None


def classify(alt: Alteration, kb) -> Oncogenicity | None:
    """The classification of one small variant (None for other kinds, filtered calls, calls
    that cannot be assessed and unknown genes)."""
    v = alt.variant
    if alt.kind != "variant" or v is None or alt.filter_reason or alt.not_assessable \
            or not alt.gene_known or not alt.gene:
        return None
    gene = alt.gene
    found = gene_role(kb, gene)
    role, role_source = found if found else (None, None)

    def out(cls: str, reason: str, source: str) -> Oncogenicity:
        return Oncogenicity(cls, reason, source, role)

    p = v.protein
    cons = v.consequence
    cv = None
    if v.chrom and v.pos and v.ref and v.alt and v.build:
        cv = kb.clinvar.by_allele(v.build, v.chrom, v.pos, v.ref, v.alt)
    if cv is None and p is not None:
        cv = kb.clinvar.by_protein(gene, p.canonical)
    if cv is None and p is None and v.cdna:
        cv = kb.clinvar.by_cdna(gene, v.cdna, v.transcript)
    if cv is not None:
        return out(cv.classification, cv.reason, "clinvar")

    idx = _index(kb)
    if p is not None:
        ev = idx.named.get((gene, p.canonical))
        if ev:
            return out("likely_oncogenic", f"named by KB evidence ({ev})", "kb")
        ev = idx.codons.get((gene, p.position)) if p.position else None
        if ev and cons in ev[1]:
            return out("likely_oncogenic", f"codon {p.position} named by KB evidence ({ev[0]})",
                       "kb")
        if p.canonical == "ITD":
            return out("likely_oncogenic", f"label class: {gene} internal tandem duplication",
                       "kb")
    # A listed hotspot allele (single-residue or 3D), or any missense at a single-residue
    # hotspot; a residue only in a 3D cluster is not enough for an unlisted amino acid (the
    # normaliser's hotspot flag counts both kinds of residue).
    if v.hotspot and (p is None or kb.hotspots.is_hotspot_allele(gene, p.canonical)
                      or (p.position and kb.hotspots.is_single_residue_hotspot(gene,
                                                                               p.position))):
        return out("likely_oncogenic", "cancer hotspot (cancerhotspots.org)", "hotspot")
    if p is not None and p.position and cons in _INFRAME \
            and kb.hotspots.in_indel_hotspot(gene, p.position, p.end_position):
        return out("likely_oncogenic", "in-frame indel in a cancer hotspot region "
                                       "(cancerhotspots.org)", "hotspot")
    label = _label_class(idx, gene, v, exon_only=p is None and not v.chrom)
    if label:
        return out("likely_oncogenic", label, "kb")
    if cons in LOSS_OF_FUNCTION and role in ("tumor_suppressor", "both"):
        kind = "canonical splice" if cons == "splice" else "truncating"
        return out("likely_oncogenic", f"{kind} variant in a tumor suppressor "
                                       f"({gene} role: {role_source})", "rule")
    return out("vus", _vus_reason(gene, cons, role, role_source), "default")


def _label_class(idx, gene: str, v, exon_only: bool) -> str | None:
    """A class the KB names as such: an exon criterion restricted to a consequence (EGFR exon
    19 in-frame deletion), an exon-skipping site; for an exon-level call without a protein
    change (a PCR assay's 'KIT exon 11 mutation'), any exon the KB's evidence names."""
    from matcher.reference.exons import skipping_rule

    for exons, consequences, ev in idx.exons.get(gene, ()):
        if v.exon in exons and ((consequences and v.consequence in consequences)
                                or (exon_only and (not consequences or v.consequence is None))):
            what = "/".join(sorted(consequences)).replace("_", " ") or "alteration"
            return (f"label class: {gene} exon {v.exon} {what} (named by KB evidence {ev})")
    for sites, ev in idx.skipping.get(gene, ()):
        if skipping_rule(sites, v):
            return f"label class: {gene} exon {sites.exon} skipping (named by KB evidence {ev})"
    return None


def _vus_reason(gene: str, cons: str | None, role: str | None, role_source: str | None) -> str:
    what = (cons or "change").replace("_", " ")
    if cons == "synonymous":
        return "synonymous change; no reviewed ClinVar classification"
    where = {"oncogene": "an oncogene", "tumor_suppressor": "a tumor suppressor",
             "both": "a gene acting as oncogene and tumor suppressor"}.get(role or "",
                                                                          "a gene of unclear role")
    if cons in LOSS_OF_FUNCTION and role == "oncogene":
        return (f"{what} in an oncogene ({gene} role: {role_source}): not expected to activate "
                "it; not a known hotspot")
    return (f"not a known hotspot, not named by KB evidence, no reviewed ClinVar "
            f"classification; {what} of unknown significance in {where}"
            + (f" ({gene} role: {role_source})" if role_source else ""))


# ----------------------------------------------------------------------------- KB index
class _Index:
    """What the KB's evidence names, per gene (built once per KB)."""

    def __init__(self, kb):
        self.named: dict[tuple[str, str], str] = {}
        self.codons: dict[tuple[str, int], tuple[str, frozenset[str]]] = {}
        self.exons: dict[str, list[tuple[frozenset[int], frozenset[str], str]]] = {}
        self.skipping: dict[str, list] = {}
        self.lof_genes: set[str] = set()
        for e in kb.all_evidence():
            crit = e.criterion
            parts = crit.items if crit.type in ("all_of", "any_of") else ((e.gene, crit),)
            for gene, c in parts:
                if not gene:
                    continue
                if c.type in ("variant", "hotspot"):
                    for ch in c.changes:
                        self.named.setdefault((gene, ch), e.id)
                elif c.type == "codon":
                    for codon in c.codons:
                        self.codons.setdefault(
                            (gene, codon), (e.id, c.consequences or frozenset({"missense",
                                                                              "codon"})))
                elif c.type == "exon":
                    self.exons.setdefault(gene, []).append((c.exons, c.consequences, e.id))
                elif c.type == "exon_skipping":
                    self.skipping.setdefault(gene, []).extend((s, e.id) for s in c.sites)
                elif c.type == "consequence" and c.consequences & LOSS_OF_FUNCTION:
                    self.lof_genes.add(gene)
        # Restricted exon criteria first: their label says which class.
        for items in self.exons.values():
            items.sort(key=lambda x: not x[1])


def _index(kb) -> _Index:
    idx = kb.__dict__.get("_oncogenicity_index")
    if idx is None:
        idx = kb.__dict__["_oncogenicity_index"] = _Index(kb)
    return idx
