"""Invariants of the engine checked on generated knowledge bases and reports (hypothesis; issue
18). Each example is a small hand-built KB (tests/rules_kb.py) drawn from a pool of criteria,
scopes, evidence types and therapies, and a report drawn from a pool of alterations:

* a level never improves when the tumor type moves outside the evidence's scope;
* adding an alteration that no evidence concerns never removes or changes an option;
* adding an alteration that meets only resistance evidence never raises a level or adds a match.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.engine import criterion_match, derive_level
from tests.rules_kb import (
    copy_number,
    ev,
    fusion,
    kb_of,
    oncotree,
    run,
    signature,
    tumor,
    variant,
)

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

RANK = {"1": 0, "2": 1, "3A": 2, "3B": 3, "4": 4, "R1": 0, "R2": 1}
# gene -> criteria evidence may name for it (None: signature evidence)
CRITERIA = {
    "BRAF": [{"type": "variant", "changes": ["V600E"]}, {"type": "codon", "codons": [600]},
             {"type": "hotspot"}, {"type": "any"}],
    "EGFR": [{"type": "variant", "changes": ["L858R"]}, {"type": "variant", "changes": ["T790M"]},
             {"type": "exon", "exons": [20, 21]}, {"type": "any"}],
    "KRAS": [{"type": "variant", "changes": ["G12C"]}, {"type": "any"}],
    "ALK": [{"type": "fusion"}, {"type": "fusion", "partner": "EML4"}],
    "ERBB2": [{"type": "copy_number", "states": ["amplification"]}],
    None: [{"type": "signature", "signature": "TMB", "min": 10}],
}
ALTERATIONS = [
    lambda i: variant("BRAF", "V600E", aid=i, hotspot=True),
    lambda i: variant("BRAF", "V600K", aid=i, hotspot=True),
    lambda i: variant("EGFR", "L858R", aid=i, exon=21),
    lambda i: variant("EGFR", "T790M", aid=i, exon=20),
    lambda i: variant("KRAS", "G12C", aid=i, hotspot=True),
    lambda i: fusion("EML4", "ALK", aid=i),
    lambda i: copy_number("ERBB2", "amplification", aid=i),
    lambda i: signature("TMB", 12, aid=i),
]
# alterations no evidence of the pool concerns
UNRELATED = [
    lambda i: variant("TP53", "R175H", aid=i),
    lambda i: variant("BRAF", "V600E", aid=i, origin="germline"),  # see the origin note below
    lambda i: fusion("ETV6", "NTRK3", aid=i),
    lambda i: copy_number("MET", "amplification", aid=i),
    lambda i: signature("MSI", "MSI-H", aid=i),
]
SCOPES = [("LUAD",), ("NSCLC",), ("LUNG",), ("SOLID",), ("TISSUE",), ("BRCA",), ("COADREAD",),
          ("SOLID", "LUAD"), ("MEL",), ("AML",)]
EXCLUDES = [(), (), ("LUAD",), ("COADREAD",)]
TUMORS = ["LUAD", "LUSC", "NSCLC", "BRCA", "COADREAD", "THAP", "SKCM", "AML", None]
THERAPIES = [("drug-a",), ("drug-b",), ("drug-a", "drug-b"), ("drug-c",)]


@st.composite
def evidence_items(draw, direction=None, n=(1, 6), gene_crit=None):
    items = []
    for k in range(draw(st.integers(*n))):
        gene = draw(st.sampled_from(list(CRITERIA)))
        raw = draw(st.sampled_from(CRITERIA[gene]))
        if gene_crit is not None:
            gene, raw = gene_crit
        items.append(ev(
            f"E{k}", gene, alteration=raw, therapy=draw(st.sampled_from(THERAPIES)),
            direction=direction or draw(st.sampled_from(["sensitivity", "resistance"])),
            evidence_type=draw(st.sampled_from(["fda", "guideline", "clinical", "case",
                                                "preclinical"])),
            scope=draw(st.sampled_from(SCOPES)), exclude=draw(st.sampled_from(EXCLUDES)),
            source=draw(st.sampled_from(["curated", "approvals", "civic"]))))
    return items


@st.composite
def reports(draw, pool=ALTERATIONS, n=(1, 4)):
    picks = draw(st.lists(st.sampled_from(pool), min_size=n[0], max_size=n[1]))
    return [make(f"A{i + 1}") for i, make in enumerate(picks)]


def in_scope(e, code) -> bool:
    return code is not None and oncotree().in_scope(code, list(e.scope), list(e.exclude))


# ----------------------------------------------------------------------------- scope
@FAST
@given(evidence_items(n=(1, 1)), st.sampled_from(TUMORS), st.sampled_from(TUMORS))
def test_a_level_never_improves_outside_the_scope(items, inside, outside):
    (e,) = items
    if not in_scope(e, inside) or in_scope(e, outside):
        return
    lin, _ = derive_level(e, tumor(inside), oncotree())
    lout, label = derive_level(e, tumor(outside), oncotree())
    assert label == "off-label"
    assert RANK[lout] >= RANK[lin]
    assert lout in ("3B", "4", "R2")


@FAST
@given(evidence_items(), reports(), st.sampled_from(TUMORS))
def test_no_match_outside_its_scope_is_above_3b(items, alts, code):
    kb = kb_of(*items)
    by_id = {e.id: e for e in items}
    result = run(kb, alts, code)
    for o in result.therapy_options:
        for m in o.matches:
            if not in_scope(by_id[m.evidence_id], code):
                assert m.level in ("3B", "4"), (m.evidence_id, code, m.level)
    for r in result.resistance:
        if not in_scope(by_id[r.evidence_id], code):
            assert r.level == "R2"


# ----------------------------------------------------------------------------- unrelated
def summary(result):
    return [(o.name, o.level, o.alteration_ids, tuple(m.evidence_id for m in o.matches),
             tuple(r.evidence_id for r in o.resistance)) for o in result.therapy_options]


@FAST
@given(evidence_items(), reports(), st.sampled_from(UNRELATED), st.sampled_from(TUMORS))
def test_an_unrelated_alteration_never_removes_an_option(items, alts, extra, code):
    # the pool's criteria name no origin, so a germline BRAF V600E call meets them: it is
    # unrelated only when the KB has no BRAF evidence
    kb = kb_of(*items)
    added = extra(f"A{len(alts) + 1}")
    if added.gene in kb.genes:
        return
    before = run(kb, alts, code)
    after = run(kb, alts + [added], code)
    assert summary(after) == summary(before)
    assert [(r.evidence_id, r.level) for r in after.resistance] == \
        [(r.evidence_id, r.level) for r in before.resistance]


# ----------------------------------------------------------------------------- resistance
def sensitivity_levels(result) -> dict[tuple[str, str], str]:
    return {(m.evidence_id, m.alteration_id): m.level
            for o in result.therapy_options for m in o.matches}


@FAST
@given(evidence_items(direction="sensitivity"), reports(),
       evidence_items(direction="resistance", n=(1, 3),
                      gene_crit=("EGFR", {"type": "variant", "changes": ["C797S"]})),
       st.sampled_from(TUMORS))
def test_a_resistance_alteration_never_raises_a_level(sens, alts, res, code):
    c797s = variant("EGFR", "C797S", aid=f"A{len(alts) + 1}", exon=20)
    # an alteration that meets only resistance evidence: sensitivity items it would meet (EGFR
    # any mutation, exon 20) are left out of this KB
    sens = [e for e in sens if not criterion_match(e.criterion, e.gene, c797s)]
    res = [e.__class__(**{**e.__dict__, "id": f"R{i}"}) for i, e in enumerate(res)]
    kb = kb_of(*sens, *res)
    before = run(kb, alts, code)
    after = run(kb, alts + [c797s], code)
    old, new = sensitivity_levels(before), sensitivity_levels(after)
    assert set(new) <= set(old)
    assert all(new[k] == old[k] for k in new)
    for o in after.therapy_options:
        drugs = frozenset(o.therapy)
        was = [m.level for p in before.therapy_options for m in p.matches
               if frozenset(m.therapy) == drugs]
        assert was and RANK[o.level] >= min(RANK[x] for x in was)
    assert len(after.resistance) >= len(before.resistance)
