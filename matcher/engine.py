"""The matching engine: normalised alterations x knowledge base x tumor type -> MatchResult.

Pure functions: no Flask, no I/O. Levels are derived here per (alteration, therapy, tumor type),
never stored (docs/kb-schema.md, DESIGN.md "Evidence levels").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from matcher import __version__
from matcher.kb.criteria import SPECIFICITY, Criterion
from matcher.kb.knowledge import (
    Evidence,
    KnowledgeBase,
    OpenTrial,
    Trial,
    TrialCriterion,
    status_max_age_days,
)
from matcher.kb.oncogenicity import (
    classification_note,
    classified,
    meets_broad_evidence,
    reviewed_benign,
)
from matcher.model import (
    NO_TUMOR_TYPE_WARNING,
    Alteration,
    AlterationOutcome,
    Match,
    MatchResult,
    OpenTrialMatch,
    TherapyOption,
    TrialBiomarkerHit,
    TrialMatch,
    TumorType,
    prebuilt,
)
from matcher.reference.exons import skipping_rule
from matcher.reference.fusion_names import ORIENTED_GENES

LEVEL_ORDER = ("1", "2", "3A", "3B", "4")
AMP_TIER = {"1": "Tier I, level A", "2": "Tier I, level A", "3A": "Tier I, level B",
            "3B": "Tier II, level C", "4": "Tier II, level D", "R1": "Tier I", "R2": "Tier II"}
EVIDENCE_RANK = {"fda": 0, "guideline": 1, "clinical": 2, "case": 3, "preclinical": 4}
# exon_loss (SO exon_loss_variant) was 'other' before exon_skipping criteria read it: kept out
# of `any` as before (exon_skipping evidence is what reads it).
SMALL_VARIANT_EXCLUDED = frozenset({"synonymous", "other", "exon_loss"})
# Criteria met by any variant of a class, not a named allele: only oncogenic variants meet them.
_NEEDS_ONCOGENIC = frozenset({"region", "consequence", "any"})
# Scopes that name no tumor type: all solid tumors, or OncoTree's root (CIViC's "Cancer").
PAN_CANCER = frozenset({"SOLID", "TISSUE"})


def derive_level(ev: Evidence, tumor: TumorType | None, oncotree) -> tuple[str, str]:
    """(level, label_status) of one evidence item for this patient's tumor type."""
    in_scope = bool(tumor) and oncotree.in_scope(tumor.code, list(ev.scope), list(ev.exclude))
    if not in_scope:
        label_status = "off-label"
    elif set(ev.scope) & PAN_CANCER and not any(
            c not in PAN_CANCER and oncotree.is_within(tumor.code, c) for c in ev.scope):
        label_status = "tumor-agnostic"
    else:
        label_status = "on-label"
    strong = ev.evidence_type in ("fda", "guideline")
    if label_status == "tumor-agnostic" and not strong:
        # Evidence scoped to all solid tumors or to "Cancer" in general (OncoTree's root) that is
        # not an approval or guideline (a case report, a basket cohort) is no evidence *in this
        # tumor type*: other-tumor evidence (3B, R2). Tumor-agnostic approvals keep level 1.
        in_scope = False
    if ev.direction == "resistance":
        return ("R1" if in_scope and strong else "R2"), label_status
    if ev.evidence_type == "preclinical":
        return "4", label_status
    if not in_scope:
        return "3B", label_status
    if strong and ev.source == "civic":
        # Level 1 follows the label, level 2 the guideline rows: CIViC never creates either
        # (its agreeing items become supporting citations, see _fold_supporting).
        return "3A", label_status
    return {"fda": "1", "guideline": "2"}.get(ev.evidence_type, "3A"), label_status


# ----------------------------------------------------------------------------- criteria
def criterion_match(crit: Criterion, gene: str | None, alt: Alteration) -> str | None:
    """How ``alt`` meets ``crit`` for the KB gene ``gene`` (a match_type), or None.

    ``any_of``: the match_type of the part ``alt`` meets (the most specific one if it meets
    several). ``all_of`` needs several alterations: see :func:`_evidence_matches`.
    """
    t = crit.type
    if crit.origin and alt.origin not in ("unknown", crit.origin):
        return None
    if t == "any_of":
        return _any_of_match(crit, alt)[0]
    if t == "signature":
        return "signature" if _signature_match(crit, alt) else None
    if t == "fusion":
        return _fusion_match(crit, gene, alt)
    if alt.gene != gene:
        return None
    if t == "copy_number":
        cn = alt.copy_number
        return "copy_number" if cn and cn.state in crit.states else None
    v = alt.variant
    if alt.kind != "variant" or v is None:
        return None
    p = v.protein
    cons = v.consequence
    if t == "variant":
        return "exact" if p and p.canonical in crit.changes else None
    if t == "hotspot":
        if p and p.canonical in crit.changes:
            return "exact"
        if v.hotspot and cons in ("missense", "codon", "inframe_deletion", "inframe_insertion",
                                  "inframe_delins"):
            return "hotspot"
        return None
    if t == "codon":
        allowed = crit.consequences or {"missense", "codon"}
        return "codon" if p and p.position in crit.codons and cons in allowed else None
    if t == "exon":
        if not meets_broad_evidence(alt):
            return None
        ok = v.exon in crit.exons and (not crit.consequences or cons in crit.consequences)
        return "exon" if ok else None
    if t == "exon_skipping":
        # The rule (annotation, canonical splice site in cDNA or protein, splice-class call at
        # an exon boundary ±2 bp) is reference.exons.skipping_rule's; reads consequence, exon,
        # protein, cdna, transcript and chrom/pos/ref/build (all in _features).
        ok = any(skipping_rule(sites, v) for sites in crit.sites)
        return "exon_skipping" if ok else None
    if t in _NEEDS_ONCOGENIC and not meets_broad_evidence(alt):
        return None  # a VUS or benign call never meets class-level evidence (oncogenicity.py)
    if t == "region":
        ok = (p is not None and p.position is not None and crit.start <= p.position <= crit.end
              and (not crit.consequences or cons in crit.consequences))
        return "region" if ok else None
    if t == "consequence":
        return "consequence" if cons in crit.consequences else None
    if t == "any":
        return "gene" if cons is not None and cons not in SMALL_VARIANT_EXCLUDED else None
    return None


def _any_of_match(crit: Criterion, alt: Alteration) -> tuple[str | None, str | None]:
    """(match_type, part gene) of the most specific part of an any_of that ``alt`` meets."""
    best: tuple[str | None, str | None] = (None, None)
    for gene, sub in crit.items:
        m = criterion_match(sub, gene, alt)
        if m and (best[0] is None or _SPECIFICITY_POS[m] < _SPECIFICITY_POS[best[0]]):
            best = (m, gene)
    return best


def _fusion_match(crit: Criterion, gene: str | None, alt: Alteration) -> str | None:
    f = alt.fusion
    if alt.kind != "fusion" or f is None or gene not in (f.five_prime, f.three_prime):
        return None
    if _kinase_upstream(f, gene):
        return None
    partner = f.partner_of(gene)
    if crit.partner:
        return "fusion_partner" if partner == crit.partner else None
    return "fusion_any"


def _kinase_upstream(f, gene: str | None) -> bool:
    """The gene is the stated 5' partner and acts only as a 3' one (a kinase but FGFR/EGFR, or
    NRG1: ``ORIENTED_GENES``): its kinase (or EGF-like) domain is not expected in the product.
    Other drivers (PML::RARA, KMT2A, NUTM1 …) are matched whichever side they are named on."""
    return bool(f.order_known and gene and f.five_prime == gene and f.three_prime
                and gene in ORIENTED_GENES)


def _signature_match(crit: Criterion, alt: Alteration) -> bool:
    s = alt.signature
    if alt.kind != "signature" or s is None or s.name != crit.signature:
        return False
    if crit.values:
        return s.value in crit.values
    if crit.min is not None:
        return float(s.value) >= crit.min
    return float(s.value) > crit.above


def _evidence_matches(ev: Evidence, alts: list[Alteration]) -> list[tuple[Alteration, str]]:
    """Alterations (with match_type) meeting one evidence item; all_of needs every part,
    any_of one part per alteration (each such alteration is a match of its own)."""
    crit = ev.criterion
    if crit.type == "all_of":
        found: list[tuple[Alteration, str]] = []
        for gene, sub in crit.items:
            hits = [(a, "combination") for a in alts if criterion_match(sub, gene, a)]
            if not hits:
                return []
            found += hits[:1]
        return found
    return [(a, m) for a in alts if (m := criterion_match(crit, ev.gene, a))]


# ----------------------------------------------------------------------------- index
_MEMO_LIMIT = 50_000  # entries per memo; past it the memo starts again (bounded memory)


class _Index:
    """Per-KB lookups for the engine, built on first use and shared by every request.

    The KB is read-only, so what an alteration matches depends only on the alteration's
    matchable features (:func:`_features`), and an evidence item's level only on the tumor type:
    both are memoised. Panels report the same hotspots over and over; a new alteration costs
    one pass over its own gene's evidence.
    """

    def __init__(self, kb: KnowledgeBase):
        evidence = kb.all_evidence()
        self.order = {e.id: i for i, e in enumerate(evidence)}  # KB order, for stable output
        single: dict[str | None, list[Evidence]] = {}
        combos: dict[str | None, list[Evidence]] = {}
        for e in evidence:
            # all_of under each of its parts' genes; any_of too, in `single`: it is met by one
            # alteration, of any of those genes (found once: see _single_hits).
            for g in e.criterion.genes(e.gene):
                (combos if e.criterion.type == "all_of" else single).setdefault(g, []).append(e)
        self.single = {g: tuple(v) for g, v in single.items()}
        self.combos = {g: tuple(v) for g, v in combos.items()}
        self.static = {e.id: _static_fields(e) for e in evidence}  # what a Match copies
        trials_by_gene: dict[str | None, dict[str, Trial]] = {}
        for t in kb.trials.values():
            for gene, crit in t.biomarkers:
                for key in _biomarker_keys(gene, crit):
                    trials_by_gene.setdefault(key, {})[t.nct_id] = t
        self.trials_by_gene = trials_by_gene
        self.hits: dict[tuple, tuple[tuple[Evidence, str], ...]] = {}
        self.levels: dict[tuple[str, str | None], tuple[str, str]] = {}
        self.tumor_trials: dict[str, tuple[Trial, ...]] = {}


def _biomarker_keys(gene: str | None, crit: Criterion) -> tuple[str | None, ...]:
    """The ``by_gene`` keys whose alterations a trial biomarker could concern."""
    return (None,) if crit.type == "signature" else crit.genes(gene)


def _static_fields(ev: Evidence) -> dict:
    return {"any_of": ev.criterion.type == "any_of",
            "therapy": ev.therapy, "direction": ev.direction, "evidence_type": ev.evidence_type,
            "criterion": ev.criterion.describe(ev.gene), "scope": ev.scope,
            "excluded": ev.exclude, "statement": ev.statement, "citations": ev.citations,
            "trials": ev.trials, "source": ev.source, "approval_year": ev.approval_year,
            "approval_date": ev.approval_date}


def _index(kb: KnowledgeBase) -> _Index:
    idx = kb.__dict__.get("_engine_index")
    if idx is None:
        idx = kb.__dict__["_engine_index"] = _Index(kb)
    return idx


def _keys(a: Alteration) -> tuple[str | None, ...]:
    """The KB genes whose evidence could concern ``a`` (None: signature evidence)."""
    if a.kind == "signature":
        return (None,)
    if a.fusion:
        return tuple(dict.fromkeys((a.gene, a.fusion.five_prime, a.fusion.three_prime)))
    return (a.gene,)


def _features(a: Alteration) -> tuple:
    """Everything :func:`criterion_match` reads of an alteration (its memo key).

    exon_skipping (:func:`matcher.reference.exons.skipping_rule`) also reads the cDNA change, the
    transcript, the genomic allele and build, and the protein change's consequence (a splice
    name); two calls that differ only there must not share an entry.
    """
    v, f, cn, sig = a.variant, a.fusion, a.copy_number, a.signature
    p = v.protein if v else None
    return (a.kind, a.gene, a.origin,  # origin: criteria may require a germline call
            meets_broad_evidence(a), reviewed_benign(a),
            (v.consequence, v.hotspot, v.exon, v.cdna, v.transcript, v.chrom, v.pos, v.ref,
             v.alt, v.build) if v else None,
            (p.canonical, p.position, p.consequence) if p else None,
            (f.five_prime, f.three_prime, f.order_known) if f else None,
            cn.state if cn else None,
            (sig.name, sig.value) if sig else None)


def _single_hits(idx: _Index, a: Alteration) -> tuple[tuple[Evidence, str], ...]:
    """(evidence, match_type) of every evidence item ``a`` meets on its own (not all_of)."""
    key = _features(a)
    hits = idx.hits.get(key)
    if hits is None:
        keys = _keys(a)
        if len(keys) == 1:
            candidates = idx.single.get(keys[0], ())
        else:  # a fusion: an any_of naming both partners is listed under each; ask it once
            candidates = {ev.id: ev for g in keys for ev in idx.single.get(g, ())}.values()
        benign = reviewed_benign(a)  # imported evidence does not outrank reviewed ClinVar
        hits = tuple((ev, m) for ev in candidates
                     if (m := criterion_match(ev.criterion, ev.gene, a))
                     and not (benign and ev.source == "civic"))
        if len(idx.hits) >= _MEMO_LIMIT:
            idx.hits.clear()
        idx.hits[key] = hits
    return hits


def _level(idx: _Index, ev: Evidence, tumor: TumorType | None, oncotree) -> tuple[str, str]:
    key = (ev.id, tumor.code if tumor else None)
    found = idx.levels.get(key)
    if found is None:
        found = derive_level(ev, tumor, oncotree)
        if len(idx.levels) >= _MEMO_LIMIT:
            idx.levels.clear()
        idx.levels[key] = found
    return found


# ----------------------------------------------------------------------------- engine
class TooManyMatches(Exception):
    """More single-alteration evidence matches than ``match(max_matches=)`` allows."""

    def __init__(self, found: int):
        super().__init__(f"{found} evidence matches")
        self.found = found


def match(alterations: list[Alteration], kb: KnowledgeBase, tumor: TumorType | None, *,
          report_id: str, warnings: list[str] | None = None, max_matches: int | None = None,
          **context) -> MatchResult:
    """Match normalised alterations against the KB for one patient's tumor type.

    ``max_matches``: raise :class:`TooManyMatches` as soon as the single-alteration matches
    exceed it, before the costlier steps (a bound on the work of one report)."""
    warnings = list(warnings or [])
    alterations = classified(alterations, kb)  # hand-built alterations: classify here
    if tumor is None:
        warnings.append(NO_TUMOR_TYPE_WARNING)
    usable = [a for a in alterations
              if not a.filter_reason and not a.not_assessable and a.gene_known]
    idx = _index(kb)
    by_gene: dict[str | None, list[Alteration]] = {}  # alterations each KB gene could concern
    for a in usable:
        for k in _keys(a):
            by_gene.setdefault(k, []).append(a)
    found: list[tuple[int, int, Evidence, Alteration, str]] = []
    for pos, a in enumerate(usable):
        for ev, match_type in _single_hits(idx, a):
            found.append((idx.order[ev.id], pos, ev, a, match_type))
    found = _within_label_resistance(idx, found, tumor, kb.oncotree)
    if max_matches is not None and len(found) > max_matches:
        raise TooManyMatches(len(found))
    combos = {ev.id: ev for g in by_gene for ev in idx.combos.get(g, ())}
    for ev in combos.values():
        if all(g in by_gene for g, _ in ev.criterion.items):
            for n, (a, match_type) in enumerate(_evidence_matches(ev, usable)):
                found.append((idx.order[ev.id], n, ev, a, match_type))
    found.sort(key=lambda x: x[:2])  # KB order, then report order: the same on every run
    matches: list[Match] = []
    for _, _, ev, alt, match_type in found:
        level, label_status = _level(idx, ev, tumor, kb.oncotree)
        matches.append(_to_match(idx, ev, alt, match_type, level, label_status))

    live, outweighed = _supersede(matches)
    live, set_aside = _set_aside_by_resistance(live)
    options = _fold_supporting(_options(live))
    resistance = tuple(sorted((m for m in matches if m.direction == "resistance"),
                              key=lambda m: (m.level, m.evidence_id)))
    by_alt: dict[str, list[Match]] = {}
    for m in matches:
        by_alt.setdefault(m.alteration_id, []).append(m)
    outcomes = tuple(_outcome(a, by_alt.get(a.id, []), kb, tumor, outweighed.get(a.id, ()))
                     for a in alterations)
    if set_aside:
        outcomes = _with_set_aside_notes(outcomes, set_aside)
    trials = _trials(kb, idx, tumor, by_gene, live)
    context.setdefault("open_trials", open_trials(kb, tumor, by_gene))
    return MatchResult(
        report_id=report_id, tumor_type=tumor, alterations=outcomes,
        therapy_options=options, resistance=resistance, trials=trials,
        warnings=tuple(warnings), kb_version=kb.version, kb_hash=kb.hash,
        matcher_version=__version__,
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **context)


def _to_match(idx: _Index, ev: Evidence, alt: Alteration, match_type: str, level: str,
              label_status: str) -> Match:
    st = idx.static[ev.id]
    gene = ev.gene or alt.gene or ""
    if st["any_of"]:  # the gene of the part this alteration meets, not the file's
        gene = _any_of_match(ev.criterion, alt)[1] or gene
    return prebuilt(Match, {  # every field of Match, in declared order
        "evidence_id": ev.id, "alteration_id": alt.id, "gene": gene,
        "therapy": st["therapy"], "direction": st["direction"],
        "evidence_type": st["evidence_type"], "level": level, "amp_tier": AMP_TIER[level],
        "match_type": match_type, "label_status": label_status, "criterion": st["criterion"],
        "scope": st["scope"], "excluded": st["excluded"], "statement": st["statement"],
        "citations": st["citations"], "trials": st["trials"], "source": st["source"],
        "approval_year": st["approval_year"], "approval_date": st["approval_date"]})


LABEL_RANK = {"on-label": 0, "tumor-agnostic": 1, "off-label": 2}
_LEVEL_POS = {lv: i for i, lv in enumerate(LEVEL_ORDER)}
_SPECIFICITY_POS = {t: i for i, t in enumerate(SPECIFICITY)}


SOURCE_APPROVALS = "approvals"  # the label/guideline layer (knowledgebase/approvals/)
SOURCE_RANK = {SOURCE_APPROVALS: 0, "curated": 1}  # others (civic) after


def _match_key(m: Match) -> tuple:
    # Within a level: label and guideline evidence before trial evidence, the approval layer
    # (label link and date) before curated and imported statements, the newest approval first,
    # then the most specific match, on-label before tumor-agnostic.
    return (_LEVEL_POS[m.level], EVIDENCE_RANK[m.evidence_type], LABEL_RANK[m.label_status],
            SOURCE_RANK.get(m.source, 2), _date_key(m.approval_date),
            _SPECIFICITY_POS[m.match_type], m.evidence_id)


def _date_key(date: str | None) -> int:
    """Newest first; no date last."""
    return -int(date.replace("-", "")) if date else 0


def _option_key(ms: list[Match], keys: dict) -> tuple:
    """Rank of an option by its best match; among approvals, the newest label of that level."""
    best = keys[id(ms[0])]
    newest = min((_date_key(m.approval_date) for m in ms if m.level == ms[0].level
                  and m.approval_date), default=0)
    return (best[0], best[1], best[2], newest, best[3], best[5])


def _options(matches: list[Match]) -> tuple[TherapyOption, ...]:
    """Group sensitivity matches by therapy (a combination is one option), best level first."""
    groups: dict[tuple[str, ...], list[Match]] = {}
    resistance_by_drug: dict[str, list[Match]] = {}
    for m in matches:
        if m.direction == "sensitivity":
            groups.setdefault(m.therapy, []).append(m)
        else:
            # Indexed by its first drug (or "" for none): found once from any option holding it.
            resistance_by_drug.setdefault(m.therapy[0] if m.therapy else "", []).append(m)
    merged: dict[frozenset, list[Match]] = {}  # one option per drug set, whatever the order
    for therapy, ms in groups.items():
        merged.setdefault(frozenset(therapy), []).extend(ms)
    keys = {id(m): _match_key(m) for m in matches if m.direction == "sensitivity"}
    options = []
    for drugs, ms in merged.items():
        ms.sort(key=lambda m: keys[id(m)])
        best = ms[0]
        res = [r for d in (*drugs, "") for r in resistance_by_drug.get(d, ())
               if drugs.issuperset(r.therapy)] if resistance_by_drug else []
        if len(res) > 1:
            res.sort(key=lambda r: (r.level, r.evidence_id))
        options.append((_option_key(ms, keys), prebuilt(TherapyOption, {
            "therapy": best.therapy, "name": " + ".join(best.therapy), "level": best.level,
            "amp_tier": best.amp_tier,
            "alteration_ids": tuple(dict.fromkeys(m.alteration_id for m in ms)),
            "matches": tuple(ms),
            "resistance": tuple(r for r in res if r.label_status != "off-label"),
            "resistance_elsewhere": tuple(dict.fromkeys(
                r.evidence_id for r in res if r.label_status == "off-label"))})))
    options.sort(key=lambda x: (x[0], bool(x[1].resistance), bool(x[1].resistance_elsewhere),
                                x[1].name))
    return tuple(o for _, o in options)


# A variant-specific resistance match in the patient's tumor type outweighs sensitivity evidence
# for the same therapy that meets the same alteration only by a broader criterion ("EGFR
# mutation", "KIT exon 17", a consequence class): EGFR T790M is not listed as sensitive to
# erlotinib because CIViC has erlotinib evidence for EGFR mutations in general.
_SPECIFIC = frozenset({"exact", "codon"})
_BROADER = frozenset({"exon", "region", "hotspot", "consequence", "gene"})


def _supersede(matches: list[Match]) -> tuple[list[Match], dict[str, list[tuple[Match, Match]]]]:
    """(matches that stand, {alteration id: [(outweighed sensitivity, resistance)]}).

    A sensitivity match is outweighed when it meets its alteration only through a broader
    criterion (_BROADER) and a resistance match to the same drug set meets the same alteration
    through its exact change or codon (_SPECIFIC), with clinical (not preclinical) evidence
    scoped to this tumor type (on-label; pan-cancer only when FDA/guideline, R1). Outweighed
    matches leave the therapy options and trials; each alteration's outcome names them.
    """
    specific: dict[tuple[str, frozenset], Match] = {}
    for r in matches:
        if r.direction == "resistance" and r.match_type in _SPECIFIC \
                and r.evidence_type != "preclinical" \
                and (r.label_status == "on-label" or r.level == "R1"):
            specific.setdefault((r.alteration_id, frozenset(r.therapy)), r)
    if not specific:
        return matches, {}
    live: list[Match] = []
    outweighed: dict[str, list[tuple[Match, Match]]] = {}
    for m in matches:
        r = (specific.get((m.alteration_id, frozenset(m.therapy)))
             if m.direction == "sensitivity" and m.match_type in _BROADER else None)
        if r is None:
            live.append(m)
        else:
            outweighed.setdefault(m.alteration_id, []).append((m, r))
    return live, outweighed


# ----------------------------------------------------------------------------- label layer
def _within_label_resistance(idx: _Index, found: list, tumor: TumorType | None,
                             oncotree) -> list:
    """Label limitations and guideline resistance rows speak for their own tumor types (the
    cetuximab limitation is about colorectal cancer, the lenalidomide row about MDS): outside
    them they are not listed as resistance elsewhere. ``found``: (order, position, evidence,
    alteration, match_type) tuples, filtered before the match limit is checked."""
    return [f for f in found if not (f[2].source == SOURCE_APPROVALS
                                     and f[2].direction == "resistance"
                                     and _level(idx, f[2], tumor, oncotree)[1] == "off-label")]


def _set_aside_by_resistance(matches: list[Match]
                             ) -> tuple[list[Match], dict[str, list[tuple[Match, Match]]]]:
    """(matches that stand, {alteration id: [(set-aside sensitivity, resistance)]}).

    Resistance across the alterations of one report (docs/levels.md): a resistance match at R1
    (FDA label limitation or guideline, in this tumor type) to drugs of an option sets that
    option's sensitivity aside, whichever alteration of the report it came from (ABL1 T315I next
    to BCR::ABL1, KRAS in colorectal cancer for cetuximab), except

    * a level 1/2 match of a tumor-agnostic approval set against a tumor-type limitation of
      another alteration (the NSCLC indication's limitation does not reach MSI-H pembrolizumab);
    * on the same alteration, a level 1/2 match at least as specific as the resistance (KRAS
      G12C for adagrasib + cetuximab stands against "RAS-mutant: not cetuximab"), and a
      lower-level match for another drug set that is as specific (BRAF V600E in colorectal
      cancer: cetuximab alone is R1, a cetuximab combination trial is not set aside).

    Clinical resistance (R2) of an exact allele or codon in this tumor type sets aside the
    sensitivity of *other* alterations below level 2 (EGFR C797S for osimertinib trial evidence);
    on the same alteration :func:`_supersede` already decided.
    """
    strong = [r for r in matches if r.direction == "resistance"
              and (r.level == "R1" or (r.label_status == "on-label"
                                       and r.evidence_type == "clinical"
                                       and r.match_type in _SPECIFIC))]
    if not strong:
        return matches, {}
    live: list[Match] = []
    aside: dict[str, list[tuple[Match, Match]]] = {}
    for m in matches:
        r = None
        if m.direction == "sensitivity":
            r = next((r for r in strong if _resistance_sets_aside(r, m)), None)
        if r is None:
            live.append(m)
        else:
            aside.setdefault(m.alteration_id, []).append((m, r))
    return live, aside


def _resistance_sets_aside(r: Match, m: Match) -> bool:
    drugs = frozenset(r.therapy)
    if not drugs or not drugs <= frozenset(m.therapy):
        return False
    labelled = m.level in ("1", "2")
    if r.level != "R1":
        return r.alteration_id != m.alteration_id and not labelled
    if r.alteration_id != m.alteration_id:
        # a tumor type's limitation does not reach a tumor-agnostic approval; a tumor-agnostic
        # limitation (NTRK resistance mutations) does
        return not (labelled and m.label_status == "tumor-agnostic"
                    and r.label_status == "on-label")
    more_specific = _SPECIFICITY_POS[r.match_type] < _SPECIFICITY_POS[m.match_type]
    if labelled:
        return more_specific
    return more_specific or drugs == frozenset(m.therapy)


def _with_set_aside_notes(outcomes: tuple[AlterationOutcome, ...],
                          set_aside: dict[str, list[tuple[Match, Match]]]
                          ) -> tuple[AlterationOutcome, ...]:
    """Each alteration whose sensitivity was set aside says for which drug, by which
    alteration and which evidence."""
    labels = {o.alteration.id: o.alteration.label for o in outcomes}
    out = []
    for o in outcomes:
        pairs = set_aside.get(o.alteration.id)
        if pairs:
            by_therapy: dict[tuple[str, ...], list[tuple[Match, Match]]] = {}
            for m, r in pairs:
                by_therapy.setdefault(m.therapy, []).append((m, r))
            notes = []
            for therapy, group in by_therapy.items():
                sens = ", ".join(dict.fromkeys(m.evidence_id for m, _ in group))
                res = ", ".join(dict.fromkeys(f"{r.evidence_id}, level {r.level}"
                                              for _, r in group))
                who = dict.fromkeys(labels.get(r.alteration_id, r.alteration_id)
                                    for _, r in group)
                notes.append(f"Sensitivity to {' + '.join(therapy)} ({sens}) is set aside: "
                             f"{', '.join(who)} in this report confers resistance to it "
                             f"({res}).")
            o = replace(o, reason=_join(o.reason, notes))
        out.append(o)
    return tuple(out)


def _fold_supporting(options: tuple[TherapyOption, ...]) -> tuple[TherapyOption, ...]:
    """3A options whose drugs are part of a level-1 regimen for the same alterations, with no
    label evidence of their own (a CIViC trial of lapatinib beside the approved lapatinib +
    capecitabine), become supporting evidence of that level-1 option, not a line of their own."""
    top = [o for o in options if o.level == "1"]
    if not top:
        return options
    folded: dict[int, list[Match]] = {}
    kept = []
    for o in options:
        target = None
        # only clinical evidence in this tumor type (3A); other tumor types and preclinical
        # work stay lines of their own
        if o.level == "3A" and not any(m.source == SOURCE_APPROVALS for m in o.matches):
            drugs = frozenset(o.therapy)
            target = next((i for i, t in enumerate(top) if drugs < frozenset(t.therapy)
                           and set(o.alteration_ids) <= set(t.alteration_ids)), None)
        if target is None:
            kept.append(o)
        else:
            folded.setdefault(target, []).extend(o.matches)
    if not folded:
        return options
    out = []
    for o in kept:
        i = next((i for i, t in enumerate(top) if t is o), None)
        if i is not None and i in folded:
            o = replace(o, matches=o.matches + tuple(folded[i]))
        out.append(o)
    return tuple(out)


def _outweighed_note(alt: Alteration, pairs) -> str | None:
    """Which broader sensitivity evidence was set aside for this alteration, and why."""
    by_therapy: dict[tuple[str, ...], list[tuple[Match, Match]]] = {}
    for m, r in pairs:
        by_therapy.setdefault(m.therapy, []).append((m, r))
    parts = []
    for therapy, group in by_therapy.items():
        sens = ", ".join(dict.fromkeys(m.evidence_id for m, _ in group))
        res = ", ".join(dict.fromkeys(r.evidence_id for _, r in group))
        parts.append(f"Broader sensitivity evidence for {' + '.join(therapy)} ({sens}) is set "
                     f"aside: {alt.label} itself is reported to confer resistance to it in this "
                     f"tumor type ({res}).")
    return " ".join(parts) or None


def _outcome(alt: Alteration, mine: list[Match], kb: KnowledgeBase,
             tumor: TumorType | None, outweighed=()) -> AlterationOutcome:
    """Status and reason of one alteration, given the matches it has (``outweighed``: its
    sensitivity matches set aside by :func:`_supersede`, with the resistance that did it)."""
    if alt.filter_reason:
        return AlterationOutcome(alt, "filtered", alt.filter_reason)
    if alt.not_assessable:
        return AlterationOutcome(alt, "not_assessable", alt.not_assessable)
    notes = _annotations(alt, kb, tumor)
    if mine:
        ids = tuple(dict.fromkeys(m.evidence_id for m in mine))
        set_aside = {id(m) for m, _ in outweighed}
        reason = None
        if all(m.direction == "resistance" for m in mine if id(m) not in set_aside):
            reason = "resistance marker: see resistance evidence"
        return AlterationOutcome(alt, "matched",
                                 _join(reason, _outweighed_note(alt, outweighed), notes), ids)
    return AlterationOutcome(alt, "no_evidence",
                             _join(classification_note(alt), _why_not(alt, kb), notes))


def _join(*parts) -> str | None:
    flat = [p for part in parts for p in ([part] if isinstance(part, str) else (part or ())) if p]
    return " ".join(flat) or None


def _annotations(alt: Alteration, kb: KnowledgeBase, tumor: TumorType | None) -> list[str]:
    entry = kb.genes.get(alt.gene or "")
    out = []
    for a in entry.annotations if entry else ():
        if criterion_match(a.criterion, a.gene, alt):
            scoped = not a.scope or (tumor and kb.oncotree.in_scope(tumor.code, list(a.scope), []))
            where = "" if scoped else f" (evidence in {', '.join(a.scope)})"
            cites = ", ".join(c.text or c.id for c in a.citations)
            out.append(f"{a.kind.capitalize()}: {a.statement}{where} [{cites}]")
    return out


def _why_not(alt: Alteration, kb: KnowledgeBase) -> str:
    if not alt.gene_known:
        return "Gene symbol not recognised by HGNC: not matched (check the symbol)."
    entry = kb.genes.get(alt.gene or "")
    if alt.kind == "fusion" and alt.fusion and alt.fusion.five_prime in kb.genes \
            and _kinase_upstream(alt.fusion, alt.fusion.five_prime):
        what = "EGF-like" if alt.fusion.five_prime == "NRG1" else "kinase"
        return (f"{alt.fusion.five_prime} is the 5′ partner: the {what} domain is not expected "
                "in this fusion product; no matched therapy.")
    if alt.kind == "signature" and alt.signature:
        needed = sorted({e.criterion.describe() for e in kb.signatures
                         if e.criterion.signature == alt.signature.name
                         and e.direction == "sensitivity"})
        if needed:
            return (f"{alt.label} does not meet the criterion of any KB evidence "
                    f"({'; '.join(needed)}).")
    if entry is None:
        what = "this signature" if alt.kind == "signature" else alt.gene or "this gene"
        return f"No targeted-therapy evidence for {what} in the knowledge base."
    if entry.no_therapy_reason:
        return entry.no_therapy_reason
    if alt.kind == "variant" and alt.variant and alt.variant.consequence in ("synonymous",):
        return "Synonymous change: no effect on the protein expected."
    return (f"{alt.label} is not an alteration the knowledge base links to a therapy "
            "(variant of unknown therapeutic significance).")


def _trials(kb: KnowledgeBase, idx: _Index, tumor: TumorType | None,
            by_gene: dict[str | None, list[Alteration]],
            matches: list[Match]) -> tuple[TrialMatch, ...]:
    """Biomarker-matched trials open to this tumor type first, then tumor-type trials."""
    def tumor_ok(trial) -> bool:
        if not trial.tumor_types or tumor is None:
            return True
        return kb.oncotree.in_scope(tumor.code, list(trial.tumor_types), [])

    out: dict[str, TrialMatch] = {}
    cited: dict[str, list[str]] = {}
    for m in matches:
        if m.direction == "sensitivity":
            for nct in m.trials:
                cited.setdefault(nct, []).append(m.alteration_id)
    candidates = {nct: kb.trials[nct] for nct in cited if nct in kb.trials}
    for g in by_gene:
        candidates.update(idx.trials_by_gene.get(g, {}))
    for trial in candidates.values():
        hits = [a.id for gene, crit in trial.biomarkers
                for key in _biomarker_keys(gene, crit) for a in by_gene.get(key, ())
                if criterion_match(crit, gene, a)]
        hits += cited.get(trial.nct_id, [])
        if hits and tumor_ok(trial):
            out[trial.nct_id] = _trial(trial, "biomarker", tuple(dict.fromkeys(hits)))
    if tumor is not None:
        open_to_tumor = idx.tumor_trials.get(tumor.code)
        if open_to_tumor is None:
            open_to_tumor = idx.tumor_trials[tumor.code] = tuple(
                t for t in kb.trials.values()
                if not t.biomarkers and t.tumor_types and tumor_ok(t))
        for trial in open_to_tumor:
            if trial.nct_id not in out:
                out[trial.nct_id] = _trial(trial, "tumor_type", ())
    return tuple(sorted(out.values(), key=lambda t: (t.reason != "biomarker", t.nct_id)))


def _trial(trial, reason: str, alt_ids: tuple[str, ...]) -> TrialMatch:
    return TrialMatch(nct_id=trial.nct_id, title=trial.title or None, phase=trial.phase,
                      status=trial.status, status_verified=trial.status_verified,
                      reason=reason, alteration_ids=alt_ids, url=trial.url,
                      sponsor=trial.sponsor, registry_fields=trial.registry_fields,
                      registry_source=trial.registry_source)


# ----------------------------------------------------------------------------- open trials
# ClinicalTrials.gov trials with structured eligibility (knowledgebase/ctgov/, docs/trials.md).
_PHASE_ORDER = {"3": 0, "2/3": 1, "2": 2, "1/2": 3, "1": 4, "early 1": 5, "N/A": 6}


class _OpenTrialIndex:
    """Open biomarker trials by the genes of their required criteria (None: signatures), and
    open tumor-type trials; built once per KB."""

    def __init__(self, kb: KnowledgeBase):
        self.by_gene: dict[str | None, dict[str, OpenTrial]] = {}
        self.tumor_type: list[OpenTrial] = []
        for t in kb.open_trials.values():
            if not t.is_open:
                continue
            if t.role == "biomarker":
                for req in t.requires:
                    for key in _biomarker_keys(req.gene, req.criterion):
                        self.by_gene.setdefault(key, {})[t.nct_id] = t
            elif t.role in ("tumor_type", "stratification"):
                self.tumor_type.append(t)


def _open_index(kb: KnowledgeBase) -> _OpenTrialIndex:
    idx = kb.__dict__.get("_open_trial_index")
    if idx is None:
        idx = kb.__dict__["_open_trial_index"] = _OpenTrialIndex(kb)
    return idx


def trial_criterion_hits(tc: TrialCriterion, by_gene: dict[str | None, list[Alteration]]
                         ) -> list[tuple[Alteration, str]]:
    """(alteration, match_type) meeting one structured trial criterion; all_of needs every
    part met (by any alteration of the report)."""
    crit = tc.criterion
    if crit.type == "all_of":
        found = []
        for gene, sub in crit.items:
            hits = [a for key in _biomarker_keys(gene, sub) for a in by_gene.get(key, ())
                    if criterion_match(sub, gene, a)]
            if not hits:
                return []
            found.append((hits[0], "combination"))
        return found
    return [(a, m) for key in _biomarker_keys(tc.gene, crit) for a in by_gene.get(key, ())
            if (m := criterion_match(crit, tc.gene, a))]


def open_trials(kb: KnowledgeBase, tumor: TumorType | None,
                by_gene: dict[str | None, list[Alteration]], *,
                today: dt.date | None = None, max_age_days: int | None = None
                ) -> tuple[OpenTrialMatch, ...]:
    """ClinicalTrials.gov trials open to this patient: biomarker-matched first, then those open
    to the tumor type whatever the biomarker; each ranked by phase (later first), then by how
    specific the biomarker match is, then NCT id.

    A trial is listed only when its status is open (as of its date), the patient's tumor type
    is within its tumor types (OncoTree descendants; without a tumor type only biomarker
    trials are listed) and the report carries none of its excluding biomarkers.
    """
    if not kb.open_trials:
        return ()
    idx = _open_index(kb)
    today = today or dt.datetime.now(dt.UTC).date()
    if max_age_days is None:
        max_age_days = status_max_age_days()

    def tumor_ok(t: OpenTrial) -> bool:
        return tumor is None or kb.oncotree.in_scope(tumor.code, list(t.tumor_types), [])

    def excluded(t: OpenTrial) -> bool:
        return any(trial_criterion_hits(x, by_gene) for x in t.excludes)

    ranked: list[tuple[tuple, OpenTrialMatch]] = []
    seen: set[str] = set()
    candidates = {n: t for g in by_gene for n, t in idx.by_gene.get(g, {}).items()}
    for t in candidates.values():
        hits = [(tc, a, m) for tc in t.requires for a, m in trial_criterion_hits(tc, by_gene)]
        if not hits or not tumor_ok(t) or excluded(t):
            continue
        best = min(_SPECIFICITY_POS.get(m, len(SPECIFICITY)) for _, _, m in hits)
        seen.add(t.nct_id)
        ranked.append(((0, _PHASE_ORDER.get(t.phase or "", 7), best, t.nct_id),
                       _open_trial(t, "biomarker", hits, today, max_age_days)))
    if tumor is not None:
        for t in idx.tumor_type:
            if t.nct_id not in seen and t.tumor_types and tumor_ok(t) and not excluded(t):
                ranked.append(((1, _PHASE_ORDER.get(t.phase or "", 7), 0, t.nct_id),
                               _open_trial(t, "tumor_type", [], today, max_age_days)))
    ranked.sort(key=lambda x: x[0])
    return tuple(m for _, m in ranked)


TRUNCATED_NOTE = ("eligibility text truncated in source (our copy is cut at 4,000 characters): "
                  "exclusions may be missing; read the full criteria on ClinicalTrials.gov")


def _open_trial(t: OpenTrial, reason: str, hits, today: dt.date,
                max_age_days: int) -> OpenTrialMatch:
    age = (today - dt.date.fromisoformat(t.status_date)).days
    notes = []
    if t.role == "stratification":
        notes.append("the trial records or stratifies on a biomarker; it does not require one")
    if any(tc.quote_from == "title" for tc, _, _ in hits):
        notes.append("biomarker read from the trial's title: the eligibility text of our copy "
                     "does not state it")
    if t.eligibility_truncated:
        notes.append(TRUNCATED_NOTE)
    if t.therapy_criteria:
        notes.append("prior-therapy criteria naming a biomarker: " + " | ".join(
            t.therapy_criteria[:2]))
    matched = tuple(dict.fromkeys(
        TrialBiomarkerHit(alteration_id=a.id, alteration=a.label, criterion=tc.describe(),
                          match_type=m, quote=tc.quote, quote_from=tc.quote_from)
        for tc, a, m in hits))
    return OpenTrialMatch(
        nct_id=t.nct_id, title=t.title, phase=t.phase, status=t.status,
        status_date=t.status_date, status_age_days=age,
        status_may_be_out_of_date=age > max_age_days, reason=reason, matched=matched,
        drugs=t.drugs, tumor_types=t.tumor_types, url=t.url, source=t.source,
        notes=tuple(notes))
