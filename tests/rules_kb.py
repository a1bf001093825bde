"""Small hand-built knowledge bases and alterations for the engine's rule tests (issue 18).

A rule is pinned on a few evidence items written for the test (matcher/kb/knowledge.py model),
with the real OncoTree for tumor scopes: the tests do not depend on what the shipped KB happens
to contain, and a rule that no shipped entry exercises is still checked.
"""

from __future__ import annotations

from functools import cache

from matcher.engine import match
from matcher.kb.criteria import parse_criterion
from matcher.kb.knowledge import Evidence, GeneEntry, KnowledgeBase, Trial
from matcher.model import (
    Alteration,
    Citation,
    CopyNumberDetail,
    FusionDetail,
    Oncogenicity,
    ProteinChange,
    SignatureDetail,
    VariantDetail,
)
from matcher.paths import default_reference_dir
from matcher.reference.tumors import OncoTree

CITE = (Citation("review", "test", "hand-built test entry"),)
# Broad criteria need an oncogenic call (docs/oncogenicity.md); classification is given here so
# that no reference lookup decides what a rule test is about.
ONCOGENIC = Oncogenicity("likely_oncogenic", "test", "test")


@cache
def shipped_kb() -> KnowledgeBase:
    """The shipped curated KB, loaded once per process (the normaliser's reference lookups).

    Not the conftest ``kb`` fixture: mutation testing forks a process per mutant from one that
    ran the tests once, and a per-process copy is loaded only once there. Only for tests that do
    not run the engine on it (the engine memoises matches on the KB object)."""
    from matcher.kb.loader import load_kb

    return load_kb(imported=False)


@cache
def oncotree() -> OncoTree:
    return OncoTree.load(default_reference_dir())


def tumor(code: str | None):
    return oncotree().get(code) if code else None


def crit(raw: dict):
    problems: list[str] = []
    c = parse_criterion(raw, "test", problems)
    assert not problems, problems
    return c


def ev(eid: str, gene: str | None = "BRAF", *, alteration: dict | None = None,
       therapy: tuple[str, ...] = ("drug-a",), direction: str = "sensitivity",
       evidence_type: str = "clinical", scope: tuple[str, ...] = ("LUAD",),
       exclude: tuple[str, ...] = (), source: str = "curated", trials: tuple[str, ...] = (),
       approval_date: str | None = None) -> Evidence:
    """One evidence item; by default BRAF V600E, clinical, sensitivity, lung adenocarcinoma."""
    raw = alteration or {"type": "variant", "changes": ["V600E"]}
    return Evidence(id=eid, gene=gene, criterion=crit(raw), therapy=tuple(therapy),
                    direction=direction, evidence_type=evidence_type, scope=tuple(scope),
                    exclude=tuple(exclude), statement=f"test statement {eid}", citations=CITE,
                    trials=tuple(trials), source=source, approval_date=approval_date)


def trial(nct: str, *, biomarkers=(), tumor_types=("LUAD",), phase: str | None = "2") -> Trial:
    return Trial(nct_id=nct, title=f"trial {nct}", phase=phase,
                 biomarkers=tuple((g, crit(c)) for g, c in biomarkers),
                 tumor_types=tuple(tumor_types), status="Recruiting",
                 status_verified="2026-01-01")


def kb_of(*evidence: Evidence, trials=(), open_trials=(),
          no_therapy: dict[str, str] | None = None, annotations=()) -> KnowledgeBase:
    """A knowledge base holding exactly these evidence items (signature items: gene None);
    ``no_therapy``: genes with no evidence and the reason the KB gives for it;
    ``annotations``: prognostic or diagnostic notes (knowledge.Annotation)."""
    genes: dict[str, list[Evidence]] = {g: [] for g in no_therapy or {}}
    for a in annotations:
        genes.setdefault(a.gene, [])
    signatures = []
    for e in evidence:
        if e.gene is None:
            signatures.append(e)
        else:
            genes.setdefault(e.gene, []).append(e)
    return KnowledgeBase(
        path=default_reference_dir().parent, version="rules-test", released="", title="",
        hash="0" * 64,
        genes={g: GeneEntry(g, "oncogene", "", (no_therapy or {}).get(g), tuple(es),
                            tuple(a for a in annotations if a.gene == g), f"genes/{g}.yaml")
               for g, es in genes.items()},
        signatures=tuple(signatures), therapies={}, trials={t.nct_id: t for t in trials},
        hgnc=None, oncotree=oncotree(), open_trials={t.nct_id: t for t in open_trials})


def variant(gene: str = "BRAF", canonical: str | None = "V600E", consequence: str = "missense",
            *, aid: str = "A1", position: int | None = None, hotspot: bool = False,
            exon: int | None = None, origin: str = "unknown",
            oncogenicity: Oncogenicity | None = ONCOGENIC) -> Alteration:
    protein = None
    if canonical is not None:
        digits = "".join(ch for ch in canonical if ch.isdigit())
        protein = ProteinChange(canonical=canonical, hgvs="p." + canonical,
                                consequence=consequence,
                                position=position or (int(digits) if digits else None))
    return Alteration(id=aid, kind="variant", gene=gene, label=f"{gene} {canonical}",
                      original=f"{gene} {canonical}", source="test", origin=origin,
                      variant=VariantDetail(protein=protein, consequence=consequence, exon=exon,
                                            hotspot=hotspot),
                      oncogenicity=oncogenicity)


def fusion(five: str, three: str, *, aid: str = "F1", order_known: bool = True) -> Alteration:
    return Alteration(id=aid, kind="fusion", gene=three, label=f"{five}::{three}",
                      original=f"{five}::{three}", source="test",
                      fusion=FusionDetail(five_prime=five, three_prime=three,
                                          order_known=order_known))


def copy_number(gene: str, state: str, *, aid: str = "C1") -> Alteration:
    return Alteration(id=aid, kind="copy_number", gene=gene, label=f"{gene} {state}",
                      original=f"{gene} {state}", source="test",
                      copy_number=CopyNumberDetail(state=state))


def signature(name: str, value, *, aid: str = "S1") -> Alteration:
    return Alteration(id=aid, kind="signature", gene="CD274" if name.startswith("PDL1") else None,
                      label=f"{name} {value}", original=f"{name} {value}", source="test",
                      signature=SignatureDetail(name=name, value=value))


def run(kb: KnowledgeBase, alterations, tumor_code: str | None = "LUAD"):
    """The engine's result for these alterations in this tumor type."""
    return match(list(alterations), kb, tumor(tumor_code), report_id="RULES-1")


def levels(result) -> dict[str, str]:
    """{option name: level} of a result's therapy options."""
    return {o.name: o.level for o in result.therapy_options}


def match_levels(result) -> dict[tuple[str, str], str]:
    """{(evidence id, alteration id): level} of every match, sensitivity and resistance."""
    out = {(m.evidence_id, m.alteration_id): m.level
           for o in result.therapy_options for m in o.matches}
    out.update({(m.evidence_id, m.alteration_id): m.level for m in result.resistance})
    return out
