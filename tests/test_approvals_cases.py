"""The dangerous cases of issue 10 and the label rules, on the shipped KB (curated + CIViC +
approval layer), through the whole pipeline."""

from __future__ import annotations

import json
import re

import pytest

from matcher.pipeline import run
from matcher.readers import ReadOptions
from matcher.render.fhir import to_fhir
from matcher.render.html import render_html
from matcher.render.json import render_json
from matcher.render.text import render_text


@pytest.fixture(scope="module")
def match(full_kb):
    def _match(tumor: str, variants=(), fusions=(), copy_number=(), biomarkers=None):
        doc = {"report_id": "CASE", "tumor_type": tumor, "variants": list(variants),
               "fusions": list(fusions), "copy_number": list(copy_number)}
        if biomarkers:
            doc["biomarkers"] = biomarkers
        return run(json.dumps(doc).encode(), kb=full_kb, options=ReadOptions())[0]
    return _match


def v(gene: str, change: str, **kw) -> dict:
    return {"gene": gene, "protein_change": change, **kw}


def levels(result) -> dict[str, str]:
    return {o.name: o.level for o in result.therapy_options}


def r1(result) -> set[str]:
    return {" + ".join(m.therapy) for m in result.resistance if m.level == "R1"}


def test_cml_t315i_never_ranks_dasatinib_or_nilotinib(match):
    r = match("CML", [v("ABL1", "T315I")], [{"fusion": "BCR::ABL1"}])
    got = levels(r)
    for drug in ("imatinib", "dasatinib", "nilotinib", "bosutinib"):
        assert got.get(drug) is None, (drug, got.get(drug))
        assert drug in r1(r)
    assert got["ponatinib"] == "1" and got["asciminib"] == "1"
    assert r.therapy_options[0].name in ("ponatinib", "asciminib")
    fusion = next(o for o in r.alterations if o.alteration.kind == "fusion")
    assert "ABL1 T315I in this report confers resistance" in fusion.reason
    assert "APPROVAL-ADD-0002" in fusion.reason  # the dasatinib evidence is named


def test_cml_bcr_abl1_alone_gives_every_labelled_kinase_inhibitor_level_1(match):
    got = levels(match("CML", fusions=[{"fusion": "BCR::ABL1"}]))
    for drug in ("imatinib", "dasatinib", "nilotinib", "bosutinib", "asciminib"):
        assert got[drug] == "1", drug


def test_egfr_exon_20_insertion_offers_no_first_or_second_generation_tki(match):
    r = match("LUAD", [v("EGFR", "D770_N771insSVD")])
    got = levels(r)
    for drug in ("gefitinib", "erlotinib", "afatinib"):
        assert drug not in got, (drug, got.get(drug))
        assert drug in r1(r)
    assert got["amivantamab"] == "1"
    assert "set aside" in r.alterations[0].reason


def test_egfr_t790m_next_to_l858r_sets_aside_first_generation_tkis(match):
    r = match("LUAD", [v("EGFR", "L858R"), v("EGFR", "T790M")])
    got = levels(r)
    assert got["osimertinib"] == "1"
    for drug in ("erlotinib", "gefitinib", "afatinib"):
        assert drug not in got
    assert "EGFR T790M in this report" in r.alterations[0].reason


def test_egfr_l858r_osimertinib_first_and_amivantamab_lazertinib_at_level_1(match):
    r = match("LUAD", [v("EGFR", "L858R")])
    got = levels(r)
    assert got["amivantamab + lazertinib"] == "1" and got["osimertinib"] == "1"
    names = [o.name for o in r.therapy_options]
    assert names.index("osimertinib") < names.index("erlotinib")  # newer label first


def test_egfr_exon_19_deletion_by_exon_level_call(match):
    # a PCR assay's "EGFR exon 19 deletion": gene + exon + consequence
    r = match("LUAD", [{"gene": "EGFR", "exon": 19, "consequence": "inframe_deletion"}])
    assert levels(r)["osimertinib"] == "1"


def test_braf_v600k_melanoma_vemurafenib_alone_is_not_level_1(match):
    got = levels(match("MEL", [v("BRAF", "V600K")]))
    assert got.get("vemurafenib") != "1"
    assert got["cobimetinib + vemurafenib"] == "1"
    assert got["dabrafenib + trametinib"] == "1"
    assert levels(match("MEL", [v("BRAF", "V600E")]))["vemurafenib"] == "1"


def test_braf_v600e_colorectal_encorafenib_cetuximab_level_1_vemurafenib_alone_not(match):
    r = match("COADREAD", [v("BRAF", "V600E")])
    got = levels(r)
    assert got["cetuximab + encorafenib"] == "1"
    assert got.get("vemurafenib") != "1"
    assert "dabrafenib + trametinib" in r1(r)


def test_ras_mutation_in_colorectal_cancer_sets_aside_anti_egfr_regimens(match):
    r = match("COADREAD", [v("BRAF", "V600E"), v("KRAS", "G12D")])
    got = levels(r)
    assert not any("cetuximab" in name or "panitumumab" in name for name in got)
    assert {"cetuximab", "panitumumab"} <= r1(r)


def test_kras_g12c_colorectal_label_regimen_with_cetuximab_stands(match):
    got = levels(match("COADREAD", [v("KRAS", "G12C")]))
    assert got["adagrasib + cetuximab"] == "1" and got["sotorasib + panitumumab"] == "1"


def test_tumor_agnostic_msi_h_stands_beside_a_nsclc_limitation(match):
    r = match("LUAD", [v("EGFR", "L858R")], biomarkers={"msi": "MSI-H"})
    assert levels(r)["pembrolizumab"] == "1"


def test_pdgfra_d842v_gist_avapritinib_not_imatinib(match):
    r = match("GIST", [v("PDGFRA", "D842V")])
    got = levels(r)
    assert got["avapritinib"] == "1"
    assert "imatinib" not in got and "imatinib" in r1(r)


def test_kit_d816v_systemic_mastocytosis_imatinib_r1(match):
    assert "imatinib" in r1(match("ASM", [v("KIT", "D816V")]))


def test_germline_only_label_is_not_met_by_a_somatic_call(match):
    somatic = levels(match("BRCA", [v("BRCA2", "E1308*", origin="somatic")]))
    germline = levels(match("BRCA", [v("BRCA2", "E1308*", origin="germline")]))
    assert somatic.get("olaparib") != "1" and somatic.get("talazoparib") != "1"
    assert germline["olaparib"] == "1" and germline["talazoparib"] == "1"


def test_parp_inhibitors_for_brca_and_hrr_genes(match):
    assert levels(match("HGSOC", [v("BRCA1", "Q1756fs")]))["olaparib"] == "1"
    assert levels(match("PRAD", [v("ATM", "R3008*")]))["olaparib"] == "1"
    assert levels(match("PRAD", copy_number=[{"gene": "BRCA2", "state": "deep_deletion"}])
                  )["talazoparib + enzalutamide"] == "1"


def test_pml_rara_in_apl(match):
    got = levels(match("APLPMLRARA", fusions=[{"fusion": "PML::RARA"}]))
    assert got["arsenic trioxide"] == "1"


def test_civic_never_gives_level_1_or_2(match):
    for case in (match("LUAD", [v("EGFR", "L858R")]),
                 match("CML", fusions=[{"fusion": "BCR::ABL1"}]),
                 match("AML", [v("FLT3", "ITD")]), match("MEL", [v("BRAF", "V600K")])):
        for o in case.therapy_options:
            for m in o.matches:
                if m.source == "civic":
                    assert m.level not in ("1", "2"), m.evidence_id


def test_civic_items_inside_a_level_1_regimen_are_its_supporting_citations(match):
    r = match("AML", [v("FLT3", "ITD")])
    names = levels(r)
    assert "midostaurin" not in names
    regimen = next(o for o in r.therapy_options
                   if o.name == "midostaurin + cytarabine + daunorubicin")
    assert regimen.level == "1" and any(m.source == "civic" for m in regimen.matches)


@pytest.mark.parametrize("fmt", ["text", "html", "json", "fhir"])
def test_level_1_options_show_approval_date_and_label_link(match, fmt):
    r = match("LUAD", [v("EGFR", "L858R")])
    osimertinib = next(o for o in r.therapy_options if o.name == "osimertinib")
    dated = [m for m in osimertinib.matches if m.approval_date]
    newest = max(m.approval_date for m in dated)
    url = next(c.url for m in dated if m.approval_date == newest for c in m.citations
               if c.kind == "label")
    out = {"text": render_text, "html": render_html, "json": render_json,
           "fhir": lambda x: json.dumps(to_fhir(x))}[fmt](r)
    if fmt == "text":  # 80 columns: a long URL wraps
        out = re.sub(r"\s+", "", out)
    assert newest in out and url in out


def test_ntrk_fusion_with_acquired_resistance_mutation(match):
    # The tumor-agnostic larotrectinib/entrectinib labels exclude fusions with a known acquired
    # resistance mutation: a tumor-agnostic limitation reaches the tumor-agnostic approval.
    r = match("LUAD", [v("NTRK1", "G595R")], [{"fusion": "TPM3::NTRK1"}])
    got = levels(r)
    assert "larotrectinib" not in got and "entrectinib" not in got
    assert {"larotrectinib", "entrectinib"} <= r1(r)
    assert got["repotrectinib"] == "1"
    assert levels(match("LUAD", fusions=[{"fusion": "TPM3::NTRK1"}]))["larotrectinib"] == "1"


@pytest.mark.parametrize("cdna, expected", [
    ("c.2235_2249del", "inframe_deletion"), ("NM_005228.5:c.2236_2250del", "inframe_deletion"),
    ("c.5266dupC", "frameshift"), ("c.2300_2308dup", "inframe_insertion"),
    ("c.2310_2311insGGT", "inframe_insertion"), ("c.100_101insA", "frameshift"),
    ("c.100_101ins12", "inframe_insertion"), ("c.100_102delinsA", "frameshift"),
    ("c.100_102delinsAAT", "inframe_delins"), ("c.68_69del", "frameshift"),
    ("c.1799T>A", None), ("c.3028+1del", None), ("c.2888-3_2888-1del", None),
    ("c.1_3del", None), ("c.100_101ins", None), ("c.*12del", None), ("p.V600E", None)])
def test_cdna_indel_class_from_length(cdna, expected):
    from matcher.reference.protein import cdna_indel_class
    assert cdna_indel_class(cdna) == expected


def test_cdna_only_calls_meet_label_classes(match):
    # "Protein-, cDNA- and exon-level calls all meet them" (issue 10, item 3)
    egfr = match("LUAD", [{"gene": "EGFR", "cdna_change": "c.2235_2249del"}])
    assert levels(egfr)["osimertinib"] == "1"
    assert egfr.alterations[0].alteration.variant.exon == 19
    brca = match("HGSOC", [{"gene": "BRCA1", "cdna_change": "c.5266dupC"}])
    assert levels(brca)["olaparib"] == "1"
    # a substitution written in cDNA alone says nothing about the protein: not matched
    sub = match("LUAD", [{"gene": "EGFR", "cdna_change": "c.2573T>G"}])
    assert not sub.therapy_options
