"""End to end: each sample in vcf_samples/ yields the highlights its README promises.

The expectations below restate the table in vcf_samples/README.md (therapy -> best level,
resistance, trials that must and must not appear, therapies that must never reach level 1).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.kb.loader import load_kb
from matcher.pipeline import run

SAMPLES = Path(__file__).resolve().parent.parent / "vcf_samples"
ATC_TRIALS = {"NCT01236547", "NCT02657369", "NCT02152137"}

# file: (therapy name -> level, trials required, trials forbidden, extra checks)
EXPECTED = {
    "atc_braf_v600e.json": dict(
        levels={"dabrafenib + trametinib": "1", "vemurafenib": "3A",
                "encorafenib + binimetinib": "3B", "immune checkpoint inhibitor": "4"},
        trials={"NCT02034110", "NCT01524978", "NCT02091141"} | ATC_TRIALS,
        no_trials={"NCT01286753"}),
    "atc_braf_v600e_grch38_coords.json": dict(
        levels={"dabrafenib + trametinib": "1"}, trials={"NCT02034110"}),
    "atc_eml4_alk.json": dict(
        levels={"crizotinib": "3A", "ceritinib": "3B", "alectinib": "3B", "brigatinib": "3B",
                "lorlatinib": "3B"},
        trials={"NCT02289144"} | ATC_TRIALS, no_trials={"NCT00585195"}),
    "atc_tsc2_mtor.json": dict(
        levels={"everolimus": "3A"}, trials=ATC_TRIALS,
        resistance={"everolimus": {"MTOR-F2108L-EVEROLIMUS-RESISTANCE-THAP"}}),
    "ptc_ccdc6_ret.json": dict(
        levels={"selpercatinib": "1", "pralsetinib": "1"},
        trials={"NCT03157128", "NCT03037385"}),
    "crc_braf_v600e.json": dict(
        levels={"cetuximab + encorafenib": "1", "vemurafenib": "3B",
                "encorafenib + binimetinib": "3B"},
        trials={"NCT02034110"}, absent={"dabrafenib + trametinib"}),
    "nsclc_kras_g12c.json": dict(
        levels={"sotorasib": "1", "adagrasib": "1"}, trials={"NCT03600883"},
        absent={"pembrolizumab"}),
    "atc_ras_tp53_no_target.json": dict(levels={}, trials=ATC_TRIALS, no_options=True),
    "atc_ntrk_tmb.json": dict(
        levels={"larotrectinib": "1", "entrectinib": "1", "repotrectinib": "1",
                "pembrolizumab": "1"},
        trials={"NCT02576431", "NCT02122913", "NCT02637687", "NCT02568267", "NCT02097810",
                "NCT02650401"} | ATC_TRIALS),
    "brca_pik3ca.json": dict(
        levels={"alpelisib + fulvestrant": "1", "capivasertib + fulvestrant": "1",
                "inavolisib + palbociclib + fulvestrant": "1"},
        trials={"NCT02437318"}),
    "atc_braf_v600k.json": dict(
        levels={"dabrafenib + trametinib": "3B", "vemurafenib": "3B",
                "encorafenib + binimetinib": "3B"},
        trials={"NCT01524978", "NCT02091141"} | ATC_TRIALS, no_trials={"NCT02034110"}),
    "atc_hras_pdl1.json": dict(
        levels={"tipifarnib": "3B", "immune checkpoint inhibitor": "4"},
        trials=ATC_TRIALS, no_trials={"NCT02383927", "NCT01524978"},
        absent={"vemurafenib", "dabrafenib + trametinib", "encorafenib + binimetinib"}),
    "blca_tsc1_fs.json": dict(levels={"everolimus": "3A"}, trials={"NCT00805129"}),
    "ucec_msi_h_dmmr.json": dict(levels={"pembrolizumab": "1", "dostarlimab": "1"}, trials=set()),
}


@pytest.fixture(scope="module")
def kb():
    # The expectations in vcf_samples/README.md are those of the curated KB (KNOWLEDGE.md);
    # the CIViC import adds further, mostly lower-level, options on top.
    return load_kb(imported=False)


def test_every_sample_has_expectations():
    assert {p.name for p in SAMPLES.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_highlights(kb, name):
    exp = EXPECTED[name]
    (result,) = run(path=str(SAMPLES / name), kb=kb, filename=name)
    options = {o.name: o for o in result.therapy_options}
    for therapy, level in exp["levels"].items():
        assert therapy in options, f"{name}: {therapy} missing"
        assert options[therapy].level == level, f"{name}: {therapy}"
    for therapy in exp.get("absent", set()):
        assert therapy not in options
    if exp.get("no_options"):
        assert result.therapy_options == ()
    for therapy, ids in exp.get("resistance", {}).items():
        assert {m.evidence_id for m in options[therapy].resistance} == ids
    trials = {t.nct_id for t in result.trials}
    assert exp["trials"] <= trials, f"{name}: missing {exp['trials'] - trials}"
    assert not (exp.get("no_trials", set()) & trials)


def test_colorectal_braf_v600e_follows_the_label(kb):
    # Level 1 only for the labelled colorectal regimens (encorafenib with cetuximab, with or
    # without chemotherapy); the tumor-agnostic dabrafenib + trametinib label excludes
    # colorectal cancer and says so: R1, not an option.
    (result,) = run(path=str(SAMPLES / "crc_braf_v600e.json"), kb=kb)
    top = [o for o in result.therapy_options if o.level == "1"]
    assert top and all({"cetuximab", "encorafenib"} <= set(o.therapy) for o in top)
    assert any(m.level == "R1" and m.therapy == ("dabrafenib", "trametinib")
               for m in result.resistance)


def test_genes_without_therapy_carry_their_reason(kb):
    (result,) = run(path=str(SAMPLES / "atc_ras_tp53_no_target.json"), kb=kb)
    reasons = {o.alteration.gene: o.reason or "" for o in result.alterations
               if o.alteration.gene}
    assert "thyroid" in reasons["NRAS"].lower()
    assert "not a reason to delay treatment" in reasons["TP53"].lower()
