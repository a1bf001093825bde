"""`any_of` criteria (CIViC OR profiles): parsing, KB validation, engine matching, end to end.

An any_of evidence item applies when ANY of its {gene, alteration} parts matches; each matching
alteration is a match of its own (match_type and gene of the part it meets), listed once.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from matcher.errors import KnowledgeBaseError
from matcher.kb.criteria import parse_criterion
from matcher.kb.knowledge import Trial
from matcher.kb.loader import _canonical_change, load_kb
from matcher.pipeline import run
from matcher.readers import ReadOptions

ROOT = Path(__file__).resolve().parent.parent
L858R_OR_EX19 = {"type": "any_of", "items": [
    {"gene": "EGFR", "alteration": {"type": "variant", "changes": ["L858R"]}},
    {"gene": "EGFR", "alteration": {"type": "exon", "exons": [19],
                                    "consequences": ["inframe_deletion"]}}]}
OSIMERTINIB_OR = "CIVIC-EID11219"  # CIViC: EGFR L858R OR EGFR Exon 19 Deletion, osimertinib


def parse(raw, gene="EGFR"):
    problems: list[str] = []
    crit = parse_criterion(raw, "x.alteration", problems, _canonical_change, gene)
    return crit, problems


def item(gene, alteration):
    return {"gene": gene, "alteration": alteration}


# ----------------------------------------------------------------------------- parsing
def test_any_of_parses_like_all_of_and_describes_itself():
    crit, problems = parse(L858R_OR_EX19)
    assert problems == []
    assert crit.type == "any_of"
    assert [(g, c.type) for g, c in crit.items] == [("EGFR", "variant"), ("EGFR", "exon")]
    assert crit.items[0][1].changes == frozenset({"L858R"})
    assert crit.describe("EGFR") == "EGFR L858R or EGFR exon 19 (inframe_deletion)"
    assert crit.genes("EGFR") == ("EGFR",)
    cross, _ = parse({"type": "any_of", "items": [
        item("BRCA1", {"type": "any"}), item("BRCA2", {"type": "any"})]}, "BRCA1")
    assert cross.genes("BRCA1") == ("BRCA1", "BRCA2")
    assert cross.describe("BRCA1") == "BRCA1 any mutation or BRCA2 any mutation"
    # parts' changes are stored canonical, as for a single criterion
    three, _ = parse({"type": "any_of", "items": [
        item("EGFR", {"type": "variant", "changes": ["p.Leu858Arg"]}),
        item("EGFR", {"type": "variant", "changes": ["T790M"]})]})
    assert three.items[0][1].changes == frozenset({"L858R"})


@pytest.mark.parametrize("raw,message", [
    ({"type": "any_of", "items": [item("EGFR", {"type": "any"})]},
     "x.alteration.items: expected a list of at least two {gene, alteration}"),
    ({"type": "any_of"}, "x.alteration.items: expected a list of at least two {gene, alteration}"),
    ({"type": "any_of", "items": [item("EGFR", {"type": "any"}), {"alteration": {"type": "any"}}]},
     "x.alteration.items[1]: expected {gene: SYMBOL, alteration: {...}}"),
    ({"type": "any_of", "items": [item("EGFR", {"type": "any"}),
                                  item("EGFR", {"type": "exon", "exons": []})]},
     "x.alteration.items[1].alteration.exons: at least one exon is required"),
    ({"type": "any_of", "items": [item("EGFR", {"type": "variant", "changes": ["L858Z"]}),
                                  item("EGFR", {"type": "any"})]},
     "x.alteration.items[0].alteration.changes: 'L858Z' is not a protein change"),
    ({"type": "any_of", "items": [item("EGFR", {"type": "any"}), item("KRAS", L858R_OR_EX19)]},
     "x.alteration.items[1].alteration.type: any_of cannot be nested in any_of"),
    ({"type": "any_of", "items": [item("EGFR", {"type": "any"}), item("KRAS", {
        "type": "all_of", "items": [item("KRAS", {"type": "any"}),
                                    item("NRAS", {"type": "any"})]})]},
     "x.alteration.items[1].alteration.type: all_of cannot be nested in any_of"),
    ({"type": "all_of", "items": [item("EGFR", {"type": "any"}), item("KRAS", L858R_OR_EX19)]},
     "x.alteration.items[1].alteration.type: any_of cannot be nested in all_of"),
    ({"type": "any_of", "items": [item("EGFR", {"type": "any"}), item("EGFR", {
        "type": "signature", "signature": "TMB", "min": 10})]},
     "x.alteration.items[1].alteration.type: signature criteria cannot be part of any_of"),
    ({"type": "any_of", "items": [{**item("EGFR", {"type": "any"}), "note": "x"},
                                  item("KRAS", {"type": "any"})]},
     "x.alteration.items[0]: unexpected key(s) note"),
    ({"type": "any_of", "items": [item("EGFR", {"type": "any"}), item("KRAS", {"type": "any"})],
      "partner": "EML4"}, "x.alteration: unexpected key(s) partner for type any_of"),
])
def test_any_of_problems_name_the_field(raw, message):
    _crit, problems = parse(raw)
    assert any(p.startswith(message) for p in problems), problems


# ----------------------------------------------------------------------------- KB validation
@pytest.fixture(scope="module")
def kb_copy(tmp_path_factory):
    """A copy of the curated KB (no CIViC import) to add gene files to."""
    kb_dir = tmp_path_factory.mktemp("kb") / "knowledgebase"
    shutil.copytree(ROOT / "knowledgebase", kb_dir, ignore=shutil.ignore_patterns("civic"))
    return kb_dir


EVIDENCE = """\
  - id: {id}
    alteration: {alteration}
    therapy: [dabrafenib]
    direction: sensitivity
    evidence_type: clinical
    scope: [LUAD]
    statement: Synthetic test entry.
    citations: [{{review: test}}]
    trials: []
    last_reviewed: 2026-01-01
"""


def write_gene(kb_dir: Path, gene: str, evidence: list[tuple[str, str]], annotations="") -> Path:
    text = f"gene: {gene}\nrole: oncogene\nsummary: Test.\n" + annotations + "evidence:\n"
    text += "".join(EVIDENCE.format(id=i, alteration=a) for i, a in evidence)
    path = kb_dir / "genes" / f"{gene}.yaml"
    path.write_text(text)
    return path


def test_loader_accepts_any_of(kb_copy):
    path = write_gene(kb_copy, "EGFR", [("TEST-EGFR-OR", json.dumps(L858R_OR_EX19))])
    try:
        kb = load_kb(kb_copy, imported=False)
    finally:
        path.unlink()
    ev = next(e for e in kb.genes["EGFR"].evidence if e.id == "TEST-EGFR-OR")
    assert ev.criterion.type == "any_of" and ev.gene == "EGFR"
    assert ev in kb.evidence_by_gene["EGFR"]  # indexed by its parts' gene


def test_loader_names_file_entry_and_field_of_bad_any_of(kb_copy):
    any_ = {"type": "any"}
    bad = [
        ("TEST-ONE-PART", json.dumps({"type": "any_of", "items": [item("EGFR", any_)]})),
        ("TEST-NESTED", json.dumps({"type": "any_of", "items": [
            item("EGFR", any_), item("EGFR", {"type": "all_of", "items": [
                item("EGFR", any_), item("KRAS", any_)]})]})),
        ("TEST-BAD-GENE", json.dumps({"type": "any_of", "items": [
            item("EGFR", any_), item("NOTAGENE1", any_)]})),
        ("TEST-BAD-PARTNER", json.dumps({"type": "any_of", "items": [
            item("EGFR", any_), item("ALK", {"type": "fusion", "partner": "NOTAGENE2"})]})),
        ("TEST-BAD-PART", json.dumps({"type": "any_of", "items": [
            item("EGFR", any_), item("EGFR", {"type": "codon", "codons": [0]})]})),
    ]
    annotation = ("annotations:\n  - id: TEST-ANN\n    alteration: " + json.dumps(L858R_OR_EX19)
                  + "\n    kind: note\n    statement: Test.\n    citations: [{review: test}]\n")
    path = write_gene(kb_copy, "EGFR", bad, annotation)
    try:
        with pytest.raises(KnowledgeBaseError) as info:
            load_kb(kb_copy, imported=False)
    finally:
        path.unlink()
    problems = [p.message for p in info.value.problems]
    expected = [
        "genes/EGFR.yaml: TEST-ONE-PART.alteration.items: expected a list of at least two",
        "genes/EGFR.yaml: TEST-NESTED.alteration.items[1].alteration.type: all_of cannot be "
        "nested in any_of",
        "genes/EGFR.yaml: TEST-BAD-GENE: 'NOTAGENE1' is not an HGNC-approved symbol",
        "genes/EGFR.yaml: TEST-BAD-PARTNER: 'NOTAGENE2' is not an HGNC-approved symbol",
        "genes/EGFR.yaml: TEST-BAD-PART.alteration.items[1].alteration.codons: expected a list "
        "of positive integers",
        "genes/EGFR.yaml: TEST-ANN.alteration.type: any_of is for evidence",
    ]
    for want in expected:
        assert any(p.startswith(want) for p in problems), (want, problems)


# ----------------------------------------------------------------------------- engine
def crit(raw, gene):
    c, problems = parse(raw, gene)
    assert not problems, problems
    return c


def with_evidence(kb, *evidence, trials=()):
    """The curated KB plus synthetic evidence (dataclasses.replace of a real item) and trials."""
    genes = dict(kb.genes)
    for ev in evidence:
        entry = genes[ev.gene]
        genes[ev.gene] = dataclasses.replace(entry, evidence=entry.evidence + (ev,))
    new = dataclasses.replace(kb, genes=genes, trials={**kb.trials,
                                                       **{t.nct_id: t for t in trials}})
    for lazy in ("hotspots", "transcripts", "gene_spans"):  # reference data: share, not reload
        if lazy in kb.__dict__:
            new.__dict__[lazy] = kb.__dict__[lazy]
    return new


def synthetic(kb, eid, gene, raw):
    base = next(e for e in kb.all_evidence() if e.id == "BRAF-V600E-VEMURAFENIB-THAP")
    return dataclasses.replace(base, id=eid, gene=gene, criterion=crit(raw, gene),
                               scope=("LUAD",), exclude=(), trials=(), therapy=("vemurafenib",))


def matches_of(result, eid):
    return [m for o in result.therapy_options for m in o.matches if m.evidence_id == eid]


def match(kb, tumor="LUAD", **doc):
    return run(json.dumps({"report_id": "T", "tumor_type": tumor, **doc}).encode(), kb=kb)[0]


def v(gene, change):
    return {"gene": gene, "protein_change": change}


def test_cross_gene_any_of_matches_each_alteration_of_any_part_gene(kb):
    # Filed under BRAF, but the parts name NRAS and KRAS too: found from either gene.
    ev = synthetic(kb, "TEST-ANY-RAS", "BRAF", {"type": "any_of", "items": [
        item("BRAF", {"type": "variant", "changes": ["V600E"]}),
        item("NRAS", {"type": "variant", "changes": ["Q61K"]}),
        item("KRAS", {"type": "codon", "codons": [12]})]})
    test_kb = with_evidence(kb, ev)
    r = match(test_kb, variants=[v("TP53", "R175H"), v("NRAS", "Q61K"), v("KRAS", "G12D")])
    got = sorted((m.alteration_id, m.match_type, m.gene, m.level)
                 for m in matches_of(r, "TEST-ANY-RAS"))
    assert got == [("A2", "exact", "NRAS", "3A"), ("A3", "codon", "KRAS", "3A")]
    m = matches_of(r, "TEST-ANY-RAS")[0]
    assert m.criterion == "BRAF V600E or NRAS Q61K or KRAS codon 12"
    statuses = {o.alteration.gene: o.status for o in r.alterations}
    assert statuses == {"TP53": "no_evidence", "NRAS": "matched", "KRAS": "matched"}
    # not met: a KRAS change at another codon (the per-alteration memo keys on the change)
    r = match(test_kb, variants=[v("KRAS", "G13D")])
    assert matches_of(r, "TEST-ANY-RAS") == []
    # an alteration meeting no part, in a gene the KB files the item under
    r = match(test_kb, variants=[v("BRAF", "V600K")])
    assert matches_of(r, "TEST-ANY-RAS") == []


def test_alteration_meeting_several_parts_is_one_match_of_the_most_specific(kb):
    ev = synthetic(kb, "TEST-ANY-V600", "BRAF", {"type": "any_of", "items": [
        item("BRAF", {"type": "codon", "codons": [600]}),
        item("BRAF", {"type": "variant", "changes": ["V600E"]})]})
    r = match(with_evidence(kb, ev), variants=[v("BRAF", "V600E"), v("BRAF", "V600K")])
    got = sorted((m.alteration_id, m.match_type) for m in matches_of(r, "TEST-ANY-V600"))
    assert got == [("A1", "exact"), ("A2", "codon")]


def test_fusion_of_two_part_genes_is_matched_once(kb):
    # Indexed under ALK and ROS1; a ROS1::ALK call concerns both genes: one match, not two.
    ev = synthetic(kb, "TEST-ANY-FUSION", "ALK", {"type": "any_of", "items": [
        item("ROS1", {"type": "fusion"}), item("ALK", {"type": "fusion"})]})
    r = match(with_evidence(kb, ev), fusions=[{"fusion": "ROS1::ALK"}])
    found = matches_of(r, "TEST-ANY-FUSION")
    assert [(m.alteration_id, m.match_type, m.gene) for m in found] == [
        ("A1", "fusion_any", "ALK")]  # ROS1 is the 5' partner here: only the ALK part is met


def test_trial_biomarker_any_of_is_found_from_any_part_gene(kb):
    biomarker = crit({"type": "any_of", "items": [
        item("BRAF", {"type": "variant", "changes": ["V600E"]}),
        item("NRAS", {"type": "variant", "changes": ["Q61K"]})]}, "BRAF")
    trial = Trial(nct_id="NCT99999901", title="Synthetic", phase=None,
                  biomarkers=(("BRAF", biomarker),), tumor_types=("SOLID",), status=None,
                  status_verified=None)
    test_kb = with_evidence(kb, trials=(trial,))
    r = match(test_kb, variants=[v("NRAS", "Q61K")])
    t = next(t for t in r.trials if t.nct_id == "NCT99999901")
    assert (t.reason, t.alteration_ids) == ("biomarker", ("A1",))
    r = match(test_kb, variants=[v("NRAS", "Q61R")])
    assert "NCT99999901" not in {t.nct_id for t in r.trials}


# ----------------------------------------------------------------------------- shipped KB
def osimertinib_or(result):
    return [m for o in result.therapy_options if o.therapy == ("osimertinib",)
            for m in o.matches if m.evidence_id == OSIMERTINIB_OR]


def egfr_vcf(*records: str) -> bytes:
    """A VEP-annotated GRCh37 VCF (CSQ with the EXON field) of EGFR calls."""
    fields = "Allele|Consequence|SYMBOL|Feature|EXON|HGVSc|HGVSp|CANONICAL"
    return ("##fileformat=VCFv4.2\n##reference=GRCh37\n"
            f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
            f'Ensembl VEP. Format: {fields}">\n'
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + "".join(records)).encode()


# c.2235_2249del (p.E746_A750del) at the position tests/test_readers_vcf_annovar.py uses;
# transcript and protein ids are EGFR's MANE Select (knowledgebase/reference).
EX19DEL = ("7\t55242464\t.\tAGGAATTAAGAGAAGC\tA\t.\tPASS\tCSQ=-|inframe_deletion|EGFR|"
           "ENST00000275493.7|19/28|ENST00000275493.7:c.2235_2249del|"
           "ENSP00000275493.2:p.Glu746_Ala750del|YES\n")
L858R = ("7\t55259515\t.\tT\tG\t.\tPASS\tCSQ=G|missense_variant|EGFR|ENST00000275493.7|21/28|"
         "ENST00000275493.7:c.2573T>G|ENSP00000275493.2:p.Leu858Arg|YES\n")


def test_shipped_or_profile_is_any_of(full_kb):
    ev = next(e for e in full_kb.genes["EGFR"].evidence if e.id == OSIMERTINIB_OR)
    assert ev.source == "civic" and ev.therapy == ("osimertinib",)
    assert ev.criterion.describe("EGFR") == "EGFR L858R or EGFR exon 19 (inframe_deletion)"
    assert [c.text for c in ev.citations][0] == "CIViC EID11219"


def test_egfr_l858r_in_luad_gets_osimertinib_from_the_or_profile(full_kb):
    r = match(full_kb, variants=[v("EGFR", "L858R")])
    found = osimertinib_or(r)
    assert [(m.alteration_id, m.match_type, m.gene, m.level, m.label_status)
            for m in found] == [("A1", "exact", "EGFR", "3A", "on-label")]
    m = found[0]
    assert m.criterion == "EGFR L858R or EGFR exon 19 (inframe_deletion)"
    civic = next(c for c in m.citations if c.kind == "civic")
    assert (civic.id, civic.url) == ("EID11219",
                                     "https://civicdb.org/links/evidence_items/11219")
    assert any(c.kind == "pmid" for c in m.citations)
    assert OSIMERTINIB_OR in r.alterations[0].match_ids
    # the trial CIViC cites for it lists the L858R part among its biomarkers
    trial = next(t for t in r.trials if t.nct_id == "NCT02511106")
    assert trial.alteration_ids == ("A1",)


def test_exon_19_deletion_from_a_vep_vcf_gets_osimertinib(full_kb):
    r = run(egfr_vcf(EX19DEL), kb=full_kb, options=ReadOptions(tumor_type="LUAD"))[0]
    alt = r.alterations[0].alteration
    assert (alt.label, alt.variant.exon, alt.variant.consequence) == (
        "EGFR E746_A750del", 19, "inframe_deletion")
    assert [(m.alteration_id, m.match_type, m.level) for m in osimertinib_or(r)] == [
        ("A1", "exon", "3A")]


def test_both_parts_in_one_report_are_two_matches_each_listed_once(full_kb):
    r = run(egfr_vcf(EX19DEL, L858R), kb=full_kb, options=ReadOptions(tumor_type="LUAD"))[0]
    labels = {o.alteration.id: o.alteration.label for o in r.alterations}
    got = sorted((labels[m.alteration_id], m.match_type) for m in osimertinib_or(r))
    assert got == [("EGFR E746_A750del", "exon"), ("EGFR L858R", "exact")]
    option = next(o for o in r.therapy_options if o.therapy == ("osimertinib",))
    assert set(option.alteration_ids) == set(labels)
    # every any_of evidence item: at most one match per alteration
    seen = [(m.evidence_id, m.alteration_id) for o in r.therapy_options for m in o.matches]
    seen += [(m.evidence_id, m.alteration_id) for m in r.resistance]
    assert len(seen) == len(set(seen))

