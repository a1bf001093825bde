"""Fusion roles by gene, not only kinases (issue 10 item 5).

Non-kinase drivers (PML::RARA, KMT2A rearrangements, NUTM1 …) are matched by the driver gene
whichever side the partner is named on; the orientation rule applies to the genes that act as
the 3' partner only (kinases but FGFR/EGFR, and NRG1); every reason names the driver gene.
Tested from the tables: the CIViC variant list the driver table is made from, and every fusion
criterion of the KB."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pytest

from matcher.engine import criterion_match
from matcher.model import FusionCall, Report
from matcher.normalize import normalize_report
from matcher.pipeline import run
from matcher.reference.fusion_names import (
    FUSION_DRIVERS_FILE,
    KINASE_GENES,
    ORIENTED_GENES,
    FusionDrivers,
    driver_gene,
)
from matcher.reference.genes import default_reference_dir

ROOT = Path(__file__).resolve().parent.parent
CIVIC_VARIANTS = next((ROOT / "knowledgebase" / "civic" / "source").glob("*VariantSummaries.tsv"))


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_fusion_drivers", ROOT / "scripts" / "make_fusion_drivers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def drivers() -> FusionDrivers:
    return FusionDrivers.load(default_reference_dir())


def _civic_pairs(kb) -> list[tuple[str, str, str]]:
    """(filed-under gene, 5', 3') of every two-partner fusion variant in the shipped CIViC."""
    out = []
    with CIVIC_VARIANTS.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            pair = row["variant"].split(" ")[0].split("::")
            if len(pair) == 2 and all(pair):
                names = [kb.hgnc.resolve(x).symbol for x in (row["gene"], *pair)]
                if names[0] in names[1:]:
                    out.append(tuple(names))
    return out


def test_driver_table_is_what_the_script_makes_of_the_shipped_civic(kb):
    script = _script()
    with CIVIC_VARIANTS.open(encoding="utf-8", newline="") as fh:
        rows = script.drivers(csv.DictReader(fh, delimiter="\t"), kb.resolve_gene)
    shipped = (default_reference_dir() / FUSION_DRIVERS_FILE).read_text().splitlines()
    assert shipped[0].split("\t") == list(script.HEADER)
    assert [line.split("\t") for line in shipped[1:]] == [[str(v) for v in r] for r in rows]


def test_every_civic_fusion_is_known_by_the_gene_civic_files_it_under(kb, drivers):
    """For every CIViC fusion A::B filed under X, the driver is X (or a gene the same pair is
    also filed under, EWSR1::FLI1), unless a kinase partner names it (ETV6::NTRK3: NTRK3)."""
    pairs = _civic_pairs(kb)
    assert len(pairs) > 100
    filed: dict[tuple[str, str], set[str]] = {}
    for gene, five, three in pairs:
        filed.setdefault((five, three), set()).add(gene)
    for (five, three), genes in filed.items():
        got = driver_gene(five, three, drivers=drivers)
        kinase = {g for g in (five, three) if g in KINASE_GENES}
        assert got in genes or got in kinase, (five, three, got, genes)


def test_the_reciprocal_names_the_same_driver(kb, drivers):
    for _gene, five, three in _civic_pairs(kb):
        if five in KINASE_GENES or three in KINASE_GENES:
            continue
        assert driver_gene(three, five, drivers=drivers) == driver_gene(five, three,
                                                                        drivers=drivers)


def _fusion(kb, five, three):
    report = Report(report_id="F", source_format="star-fusion",
                    fusions=(FusionCall(source="line 2", five_prime_gene=five,
                                        three_prime_gene=three, order_known=True,
                                        text=f"{five}::{three}"),))
    (alt,) = normalize_report(report, kb).alterations
    return alt


def test_every_kb_fusion_criterion_meets_its_fusion_on_the_side_its_gene_acts(full_kb):
    """Each fusion criterion with a named partner, for every KB gene: met by partner::gene;
    met by gene::partner too unless the gene acts only as a 3' partner (ORIENTED_GENES)."""
    seen = 0
    for e in full_kb.all_evidence():
        for gene, crit in (e.criterion.items or ((e.gene, e.criterion),)):
            if crit.type != "fusion" or not crit.partner or not gene:
                continue
            seen += 1
            assert criterion_match(crit, gene, _fusion(full_kb, crit.partner, gene)), e.id
            reverse = criterion_match(crit, gene, _fusion(full_kb, gene, crit.partner))
            assert bool(reverse) == (gene not in ORIENTED_GENES), (e.id, gene, crit.partner)
    assert seen > 50


def _match(kb, tumor, fusion):
    doc = {"report_id": "F", "tumor_type": tumor, "fusions": [{"fusion": fusion}]}
    return run(json.dumps(doc).encode(), kb=kb)[0]


@pytest.mark.parametrize("fusion", ["PML::RARA", "RARA::PML", "PML-RARA", "PML/RARA fusion"])
def test_pml_rara_in_apl_meets_its_civic_evidence(full_kb, fusion):
    """APL (OncoTree APLPMLRARA) with PML::RARA however written: the labelled arsenic trioxide
    (+ tretinoin) at level 1 with the CIViC tretinoin evidence behind it, never "no matched
    therapy" by a kinase rule."""
    result = _match(full_kb, "APLPMLRARA", fusion)
    (outcome,) = result.alterations
    assert outcome.status == "matched" and outcome.alteration.gene in ("PML", "RARA")
    levels = {o.name: o.level for o in result.therapy_options}
    assert levels.get("arsenic trioxide + tretinoin") == "1", levels
    civic = {e.id for e in full_kb.genes["PML"].evidence if e.criterion.partner == "RARA"}
    matched = {m.evidence_id for o in result.therapy_options for m in o.matches}
    assert civic and civic <= matched
    assert "kinase" not in (outcome.reason or "")


@pytest.mark.parametrize("fusion", ["KMT2A::MLLT3", "MLLT3::KMT2A", "KMT2A::AFF1",
                                    "KMT2A rearrangement"])
def test_kmt2a_fusions_are_named_by_kmt2a(full_kb, fusion):
    """The driver is KMT2A whichever partner is named: the alteration is KMT2A's and it meets
    the KMT2A approval (revumenib, any partner) at level 1 in AML."""
    result = _match(full_kb, "AML", fusion)
    (outcome,) = result.alterations
    assert outcome.alteration.gene == "KMT2A"
    assert outcome.status == "matched"
    levels = {o.name: o.level for o in result.therapy_options}
    assert levels.get("revumenib") == "1", levels
    for option in result.therapy_options:
        assert {m.gene for m in option.matches} == {"KMT2A"}, option.name



def test_nutm1_fusion_is_matched_by_nutm1(full_kb):
    result = _match(full_kb, "NUTCL", "BRD4::NUTM1")
    (outcome,) = result.alterations
    assert outcome.alteration.gene == "NUTM1" and outcome.status == "matched"


@pytest.mark.parametrize("fusion, gene, domain", [("ALK::EML4", "ALK", "kinase"),
                                                  ("NRG1::CD74", "NRG1", "EGF-like")])
def test_orientation_rule_still_holds_for_three_prime_acting_genes(full_kb, fusion, gene,
                                                                   domain):
    result = _match(full_kb, "NSCLC", fusion)
    (outcome,) = result.alterations
    assert outcome.status == "no_evidence" and not result.therapy_options
    assert outcome.reason.startswith(f"{gene} is the 5′ partner: the {domain} domain")


def test_an_unknown_pair_falls_back_to_the_three_prime_partner(drivers):
    assert driver_gene("ZBTB16", "RARA", drivers=drivers) == "RARA"
    assert driver_gene("FOO1", None, drivers=drivers) == "FOO1"
    assert driver_gene("EML4", "ALK", drivers=drivers) == "ALK"
    assert driver_gene("FGFR3", "TACC3", drivers=drivers) == "FGFR3"
