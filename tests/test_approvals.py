"""Levels that follow the label, tested from the approval fact tables themselves (every row).

Each active row of ``knowledgebase/approvals/source/`` (and the curator rows of
``approvals/additions.tsv``) becomes lab JSON reports: a canonical call of its biomarker class
(below, written as a lab would) in each tumor type of its label. An FDA row must give its
regimen at level 1, a guideline row at level 1 or 2, a limitation or guideline resistance row an
R1 for its drugs; in a tumor type outside the label the regimen must not be level 1. Rows the
import keeps out are listed with their reason in ``approvals/SKIPPED.tsv`` (and withdrawn or
outdated ones in ``HISTORY.tsv``); every other row must pass: coverage is printed and anything
under 100 % fails. Run with ``-s`` to see the coverage lines.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from pathlib import Path

import pytest

from matcher.pipeline import run
from matcher.readers import ReadOptions

APPROVALS = Path(__file__).resolve().parent.parent / "knowledgebase" / "approvals"
SOURCE = APPROVALS / "source"

# A fusion as labs name it, per gene (the 5' partner first), for "any fusion" rows.
FUSIONS = {"ALK": "EML4::ALK", "ROS1": "CD74::ROS1", "RET": "KIF5B::RET",
           "NTRK1": "TPM3::NTRK1", "NTRK2": "QKI::NTRK2", "NTRK3": "ETV6::NTRK3",
           "NRG1": "CD74::NRG1", "FGFR2": "FGFR2::BICC1", "BRAF": "KIAA1549::BRAF"}
# A canonical allele per label class: (gene, class words) -> protein changes.
CLASS_ALLELES = {
    ("AKT1", "activating"): ["E17K"],
    ("EGFR", "sensitizing"): ["L858R", "E746_A750del"],
    ("EGFR", "activating"): ["L858R"],
    ("EGFR", "resistant"): ["T790M", "D770_N771insSVD"],
    ("EGFR", "other than exon 19"): ["T790M"],
    ("NTRK1", "acquired resistance"): ["G595R"],
    ("NTRK3", "acquired resistance"): ["G623R"],
    ("ERBB2", "activating"): ["S310F", "A775_G776insYVMA"],
    ("ESR1", "activating"): ["Y537S", "D538G"],
    ("FLT3", "internal tandem"): ["ITD"],
    ("KRAS", "any kras"): ["G12D"],
    ("KRAS", "activating"): ["G12D", "G13D"],
    ("NRAS", "activating"): ["Q61K"],
    ("NPM1", "frameshift"): ["W288Cfs*12"],
    ("PDGFRA", "exon 18"): ["D842V"],
    ("PIK3CA", "activating"): ["H1047R", "E545K"],
    ("RET", "activating"): ["M918T"],
    ("KIT", "any (oncogenic)"): ["W557_K558del"],
    ("PDGFRA", "any (oncogenic)"): ["V561D"],
    ("ERBB2", "any (oncogenic)"): ["S310F"],
    ("IDH1", "any (oncogenic)"): ["R132H"],
    ("IDH2", "any (oncogenic)"): ["R172K"],
    ("NRAS", "any (oncogenic)"): ["Q61K"],
    ("FLT3", "missense"): ["D835Y"],
    ("TP53", "missense"): ["R248Q"],
}
# A canonical allele per exon, for "exon N mutation" classes.
EXON_ALLELES = {"KIT": {9: "A502_Y503dup", 11: "W557_K558del", 13: "K642E", 17: "D816V"},
                "KRAS": {2: "G12D", 3: "Q61H", 4: "A146T"}}
OUTSIDE = ("BRCA", "LUAD", "COADREAD", "MEL", "PRAD", "AML", "CML", "GB", "BLCA", "THPA",
           "PAAD", "HGSOC", "CLLSLL")
SOLID_EXAMPLES = ("LUAD", "PAAD", "BRCA", "THPA")


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def kept(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(rows to test, rows kept out with a documented reason)."""
    documented = {r["id"] for r in read(APPROVALS / "SKIPPED.tsv")}
    documented |= {r["id"] for r in read(APPROVALS / "HISTORY.tsv")}
    test = [r for r in rows if r.get("status", "active") == "active"
            and r["id"] not in documented]
    out = [r for r in rows if r not in test]
    assert all(r["id"] in documented for r in out), "a row left out without a reason"
    return test, out


FDA_ROWS = read(SOURCE / "fda_approvals.tsv") + [
    r for r in read(APPROVALS / "additions.tsv") if r["kind"] == "approval"]
LIMITATION_ROWS = read(SOURCE / "fda_limitations.tsv")
GUIDELINE_ROWS = read(SOURCE / "guideline_recommendations.tsv") + [
    r for r in read(APPROVALS / "additions.tsv") if r["kind"] == "guideline"]


def calls(row: dict) -> list[dict]:
    """Lab JSON fragments, one report each: a canonical call of the row's biomarker class."""
    gene, kind, text = row["gene"], row["biomarker_kind"], row["biomarker"]
    low = text.lower()
    germline = row.get("origin") == "germline"
    if kind == "signature":
        if low.startswith("msi-h"):
            return [{"biomarkers": {"msi": "MSI-H"}}]
        if low.startswith("dmmr"):
            return [{"biomarkers": {"mmr": "deficient"}}]
        if low.startswith("tmb"):
            return [{"biomarkers": {"tmb": 12.5}}]
    if kind in ("fusion", "rearrangement"):
        named = re.search(r"[A-Z0-9]+::[A-Z0-9]+", text)
        if named and kind == "fusion":
            return [{"fusions": [{"fusion": named.group(0)}]}]
        if kind == "rearrangement" and gene not in FUSIONS:
            return [{"fusions": [{"five_prime_gene": gene}]}]  # break-apart FISH: no partner
        return [{"fusions": [{"fusion": FUSIONS[gene]}]}]
    if kind == "amplification":
        return [{"copy_number": [{"gene": gene, "state": "amplification"}]}]
    if kind == "exon_deletion":
        return [variant(gene, "E746_A750del"), variant(gene, "L747_P753delinsS")]
    if kind == "exon_insertion":
        return [variant(gene, "D770_N771insSVD"), variant(gene, "A767_V769dup")]
    if kind == "exon_skipping":
        return [{"variants": [{"gene": gene, "cdna_change": "c.3028+1G>A"}]},
                {"variants": [{"gene": gene, "cdna_change": "c.2888-2A>G"}]}]
    if kind == "protein_change":
        # 'K27M (histone numbering; HGVS p.K28M)': the label's name and the HGVS one, each a call
        named = re.sub(r"\s*\(.*?\)", "", text).split("|")
        hgvs = re.findall(r"HGVS p\.([A-Z]\d+[A-Z*])", text)
        return [variant(gene, c.strip()) for c in [*named, *hgvs]]
    if kind == "codon":
        return [variant(gene, "V600E"), variant(gene, "V600K")]
    if kind in ("loss_of_function", "germline_pathogenic") or "nonsense" in low:
        origin = "germline" if germline else "somatic"
        found = [variant(gene, "R100*", origin), variant(gene, "K50fs", origin)]
        if ("deleterious" in low or "homozygous deletion" in low) and not germline:
            found.append({"copy_number": [{"gene": gene, "state": "deep_deletion"}]})
        return found
    exons = [int(x) for x in re.findall(r"exon (\d+) mutation", low)]
    if exons and gene in EXON_ALLELES:
        return [variant(gene, EXON_ALLELES[gene][x]) for x in exons]
    for (g, words), alleles in CLASS_ALLELES.items():
        if g == gene and words in low:
            return [variant(gene, a) for a in alleles]
    raise AssertionError(f"{row['id']}: no canonical call for {gene} {kind} {text!r}")


def variant(gene: str, change: str, origin: str = "somatic") -> dict:
    return {"variants": [{"gene": gene, "protein_change": change, "origin": origin}]}


def regimens(row: dict) -> list[frozenset[str]]:
    parts = [[d.strip() for d in p.split("/")] for p in row["regimen"].split(" + ")]
    return [frozenset(c) for c in itertools.product(*parts)]


def tumors(row: dict) -> list[str]:
    if row.get("tumor_agnostic") == "yes":
        excluded = set(row.get("excluded_oncotree_codes", "").split(";"))
        return [next(c for c in SOLID_EXAMPLES if c not in excluded)]
    return [c for c in row["oncotree_codes"].split(";") if c]


@pytest.fixture(scope="module")
def match(full_kb):
    cache: dict[str, object] = {}

    def _match(fragment: dict, tumor: str):
        doc = {"report_id": "APPROVAL-CASE", "tumor_type": tumor, **fragment}
        key = json.dumps(doc, sort_keys=True)
        if key not in cache:
            cache[key] = run(key.encode(), kb=full_kb, options=ReadOptions())[0]
        return cache[key]

    return _match


def report(name: str, total: int, tested: list[dict], failures: list[str]) -> None:
    passed = len(tested) - len({f.split(":")[0] for f in failures})
    print(f"\n{name}: {passed}/{len(tested)} kept rows pass "
          f"({100 * passed / max(1, len(tested)):.1f} %); {total - len(tested)} of {total} rows "
          "kept out with a documented reason (SKIPPED.tsv, HISTORY.tsv)")
    assert not failures, "\n".join(failures[:40])


def level_of(result, drugs: frozenset[str]) -> str | None:
    return next((o.level for o in result.therapy_options if frozenset(o.therapy) == drugs), None)


def test_every_fda_row_gives_its_regimen_at_level_1(match):
    tested, _ = kept(FDA_ROWS)
    failures = []
    for row in tested:
        for tumor, fragment, drugs in itertools.product(tumors(row), calls(row), regimens(row)):
            got = level_of(match(fragment, tumor), drugs)
            if got != "1":
                failures.append(f"{row['id']}: {' + '.join(sorted(drugs))} for {fragment} in "
                                f"{tumor}: level {got}")
    report("FDA approvals at level 1", len(FDA_ROWS), tested, failures)


def test_every_guideline_row_gives_its_level(match):
    tested, _ = kept(GUIDELINE_ROWS)
    failures = []
    for row in tested:
        for tumor, fragment, drugs in itertools.product(tumors(row), calls(row), regimens(row)):
            result = match(fragment, tumor)
            if row["recommendation"] == "sensitive":
                got = level_of(result, drugs)
                if got not in ("1", "2"):
                    failures.append(f"{row['id']}: {sorted(drugs)} in {tumor}: level {got}")
            elif not r1_for(result, row["id"], drugs):
                failures.append(f"{row['id']}: no R1 for {sorted(drugs)} in {tumor}")
    report("Guideline rows at level 2 (or 1) / R1", len(GUIDELINE_ROWS), tested, failures)


def r1_for(result, row_id: str, drugs: frozenset[str]) -> bool:
    return any(m.level == "R1" and m.evidence_id.startswith(f"APPROVAL-{row_id}")
               and frozenset(m.therapy) == drugs for m in result.resistance)


def test_every_limitation_row_gives_r1(match):
    tested, _ = kept(LIMITATION_ROWS)
    failures = []
    for row in tested:
        for tumor, fragment, drugs in itertools.product(tumors(row), calls(row), regimens(row)):
            if not r1_for(match(fragment, tumor), row["id"], drugs):
                failures.append(f"{row['id']}: no R1 for {sorted(drugs)} with {fragment} in "
                                f"{tumor}")
    report("Label limitations at R1", len(LIMITATION_ROWS), tested, failures)


def covers(oncotree, row: dict, tumor: str) -> bool:
    scope = ["SOLID"] if row.get("tumor_agnostic") == "yes" else \
        [c for c in row["oncotree_codes"].split(";") if c]
    exclude = [c for c in row.get("excluded_oncotree_codes", "").split(";") if c]
    return oncotree.in_scope(tumor, scope, exclude)


def test_no_fda_row_gives_level_1_outside_its_label(match, full_kb):
    tested, _ = kept(FDA_ROWS)
    active = [r for r in FDA_ROWS if r.get("status", "active") == "active"]
    curated = [e for e in full_kb.all_evidence() if e.source == "curated"
               and e.evidence_type == "fda" and e.direction == "sensitivity"]
    failures = []
    for row in tested:
        for drugs in regimens(row):
            def approved_there(code: str, drugs: frozenset[str] = drugs) -> bool:
                return any(drugs in regimens(r) and covers(full_kb.oncotree, r, code)
                           for r in active) or any(
                    frozenset(e.therapy) == drugs
                    and full_kb.oncotree.in_scope(code, list(e.scope), list(e.exclude))
                    for e in curated)
            outside = next(c for c in OUTSIDE if not approved_there(c))
            for fragment in calls(row):
                got = level_of(match(fragment, outside), drugs)
                if got == "1":
                    failures.append(f"{row['id']}: {sorted(drugs)} at level 1 in {outside}")
    report("No level 1 outside the label", len(FDA_ROWS), tested, failures)


def test_curated_fda_items_agree_with_a_label_row(full_kb):
    """A curated `fda` item gives level 1 too: its drugs, tumor types and (for exact alleles)
    changes must be those of an active FDA row (vemurafenib alone is V600E only)."""
    active = [r for r in FDA_ROWS if r.get("status", "active") == "active"]
    bad = []
    for e in full_kb.all_evidence():
        if e.source != "curated" or e.evidence_type != "fda" or e.direction != "sensitivity":
            continue
        rows = [r for r in active if frozenset(e.therapy) in regimens(r)
                and all(r["tumor_agnostic"] == "yes" if c == "SOLID"
                        else covers(full_kb.oncotree, r, c) for c in e.scope)]
        if e.criterion.type == "variant":
            rows = [r for r in rows if set(e.criterion.changes)
                    <= set(r["biomarker"].split("|"))]
        if not rows:
            bad.append(e.id)
    assert not bad, f"curated fda items with no label row: {bad}"
