"""Engine: every KNOWLEDGE.md row on its own tumor type and on another one; statuses; trials."""

from __future__ import annotations

import pytest

from matcher.errors import ReportValidationError, UnknownTumorTypeError


def variant(gene, change, **kw):
    return {"gene": gene, "protein_change": change, **kw}


def option(result, *drugs):
    """The therapy option for exactly these drugs, or None."""
    want = set(drugs)
    return next((o for o in result.therapy_options if set(o.therapy) == want), None)


def level(result, *drugs):
    o = option(result, *drugs)
    return o.level if o else None


def status(result, label_start):
    return next(o for o in result.alterations if o.alteration.label.startswith(label_start))


V600E = {"variants": [variant("BRAF", "p.Val600Glu")]}
V600K = {"variants": [variant("BRAF", "V600K")]}
EML4_ALK = {"fusions": [{"fusion": "EML4::ALK"}]}
TSC2_STOP = {"variants": [variant("TSC2", "p.Gln1178Ter")]}
TSC1_FS = {"variants": [variant("TSC1", "p.Leu300fs")]}
CCDC6_RET = {"fusions": [{"five_prime_gene": "CCDC6", "three_prime_gene": "RET"}]}
PIK3CA = {"variants": [variant("PIK3CA", "E545K")]}
G12C = {"variants": [variant("KRAS", "G12C")]}
HRAS = {"variants": [variant("HRAS", "Q61R")]}

# (case, report, drugs, on-label tumor, level there, other tumor, level there)
ROWS = [
    ("BRAF V600E D+T ATC approval", V600E, ("dabrafenib", "trametinib"), "THAP", "1", "AML", "3B"),
    ("BRAF V600E D+T tumor-agnostic", V600E, ("dabrafenib", "trametinib"), "LUAD", "1",
     "AML", "3B"),
    ("BRAF V600E D+T agnostic covers rare solid", V600E, ("dabrafenib", "trametinib"),
     "GB", "1", "CLLSLL", "3B"),
    ("BRAF V600E vemurafenib ATC basket", V600E, ("vemurafenib",), "THAP", "3A", "LUAD", "3B"),
    ("BRAF V600E vemurafenib PTC", V600E, ("vemurafenib",), "THPA", "3A", "BLCA", "3B"),
    ("BRAF V600E vemurafenib melanoma", V600E, ("vemurafenib",), "SKCM", "1", "BLCA", "3B"),
    ("BRAF V600K melanoma only", V600K, ("dabrafenib", "trametinib"), "MEL", "1", "THAP", "3B"),
    ("BRAF V600K encorafenib", V600K, ("encorafenib", "binimetinib"), "SKCM", "1", "THAP", "3B"),
    ("ALK crizotinib ATC case", EML4_ALK, ("crizotinib",), "THAP", "3A", "BRCA", "3B"),
    ("ALK crizotinib NSCLC", EML4_ALK, ("crizotinib",), "LUAD", "1", "BRCA", "3B"),
    ("ALK alectinib NSCLC", EML4_ALK, ("alectinib",), "NSCLC", "1", "THAP", "3B"),
    ("ALK lorlatinib NSCLC", EML4_ALK, ("lorlatinib",), "LUAD", "1", "THAP", "3B"),
    ("ALK ceritinib NSCLC", EML4_ALK, ("ceritinib",), "LUAD", "1", "THAP", "3B"),
    ("ALK brigatinib NSCLC", EML4_ALK, ("brigatinib",), "LUAD", "1", "THAP", "3B"),
    ("TSC2 LoF everolimus ATC", TSC2_STOP, ("everolimus",), "THAP", "3A", "BRCA", "3B"),
    ("TSC1 LoF everolimus ATC", TSC1_FS, ("everolimus",), "THAP", "3A", "BRCA", "3B"),
    ("TSC1 LoF everolimus bladder", TSC1_FS, ("everolimus",), "BLCA", "3A", "PRAD", "3B"),
    ("RET selpercatinib thyroid", CCDC6_RET, ("selpercatinib",), "THAP", "1", "AML", "3B"),
    ("RET selpercatinib agnostic", CCDC6_RET, ("selpercatinib",), "LUAD", "1", "AML", "3B"),
    ("RET pralsetinib thyroid", CCDC6_RET, ("pralsetinib",), "THPA", "1", "AML", "3B"),
    ("PIK3CA alpelisib breast", PIK3CA, ("alpelisib", "fulvestrant"), "BRCA", "1", "THAP", "3B"),
    ("PIK3CA capivasertib breast", PIK3CA, ("capivasertib", "fulvestrant"), "BRCA", "1",
     "THAP", "3B"),
    ("PIK3CA inavolisib breast", PIK3CA, ("inavolisib", "palbociclib", "fulvestrant"), "BRCA",
     "1", "THAP", "3B"),
    ("KRAS G12C sotorasib", G12C, ("sotorasib",), "LUAD", "1", "THAP", "3B"),
    ("KRAS G12C adagrasib", G12C, ("adagrasib",), "NSCLC", "1", "COADREAD", "3B"),
    ("HRAS tipifarnib HNSC", HRAS, ("tipifarnib",), "HNSC", "3A", "THAP", "3B"),
    ("TMB pembrolizumab", {"biomarkers": {"tmb": 12}}, ("pembrolizumab",), "THAP", "1",
     "AML", "3B"),
    ("MSI-H pembrolizumab", {"biomarkers": {"msi": "MSI-H"}}, ("pembrolizumab",), "UCEC", "1",
     "CLLSLL", "3B"),
    ("dMMR dostarlimab", {"biomarkers": {"mmr": "deficient"}}, ("dostarlimab",), "COADREAD",
     "1", "AML", "3B"),
    ("PD-L1 checkpoint THAP preclinical", {"biomarkers": {"pdl1_tps": 40}},
     ("immune checkpoint inhibitor",), "THAP", "4", "LUAD", "4"),
]


@pytest.mark.parametrize("case,report,drugs,tumor,lvl,other,other_lvl", ROWS,
                         ids=[r[0] for r in ROWS])
def test_knowledge_rows_on_and_off_label(match_doc, case, report, drugs, tumor, lvl, other,
                                         other_lvl):
    on = match_doc({**report, "tumor_type": tumor})
    assert level(on, *drugs) == lvl, case
    off = match_doc({**report, "tumor_type": other})
    assert level(off, *drugs) == other_lvl, case
    best = option(on, *drugs).matches[0]
    assert best.citations, "every match is cited"
    assert best.amp_tier


@pytest.mark.parametrize("ntrk", ["NTRK1", "NTRK2", "NTRK3"])
@pytest.mark.parametrize("drug", ["larotrectinib", "entrectinib", "repotrectinib"])
def test_ntrk_fusions_tumor_agnostic(match_doc, ntrk, drug):
    doc = {"fusions": [{"five_prime_gene": "ETV6", "three_prime_gene": ntrk}]}
    r = match_doc({**doc, "tumor_type": "THAP"})
    o = option(r, drug)
    assert o.level == "1" and o.matches[0].label_status == "tumor-agnostic"
    assert level(match_doc({**doc, "tumor_type": "AML"}), drug) == "3B"


def test_everolimus_in_tsc_sega_is_level_1(match_doc):
    r = match_doc({**TSC2_STOP, "tumor_type": "ENCG"})
    assert level(r, "everolimus") == "1"


def test_colorectal_exclusion_of_tumor_agnostic_braf(match_doc):
    # Colorectal cancer is carved out of the tumor-agnostic approval, and the label states the
    # limitation: dabrafenib + trametinib is R1 there, not an option (not even at 3B).
    r = match_doc({**V600E, "tumor_type": "COADREAD"})
    assert option(r, "dabrafenib", "trametinib") is None
    r1 = [m for m in r.resistance if m.therapy == ("dabrafenib", "trametinib")]
    assert r1 and all(m.level == "R1" for m in r1)
    assert any("colorectal" in m.statement.lower() for m in r1)
    assert "APPROVAL-FDA-0035" in r.alterations[0].reason  # what was set aside is named


def test_atc_braf_quick_check(match_doc):
    r = match_doc({**V600E, "tumor_type": "THAP",
                   "variants": [variant("BRAF", "V600E"), variant("TP53", "R248Q")]})
    top = r.therapy_options[0]
    assert top.name == "dabrafenib + trametinib" and top.level == "1"
    assert top.matches[0].label_status == "on-label"
    assert top.matches[0].match_type == "exact"
    assert "NCT02034110" in [t.nct_id for t in r.trials if t.reason == "biomarker"]
    tp53 = status(r, "TP53")
    assert tp53.status == "no_evidence" and "No targeted therapy" in tp53.reason
    levels = [o.level for o in r.therapy_options]
    order = ["1", "2", "3A", "3B", "4"]
    assert levels == sorted(levels, key=order.index), "options ranked by level"


def test_v600k_never_level_1_in_atc(match_doc):
    r = match_doc({**V600K, "tumor_type": "THAP"})
    assert all(o.level != "1" for o in r.therapy_options)
    assert level(r, "dabrafenib", "trametinib") == "3B"


@pytest.mark.parametrize("change", ["K601E", "G469A", "D594G"])
def test_braf_non_v600_is_not_matched_to_v600_inhibitors(match_doc, change):
    r = match_doc({"variants": [variant("BRAF", change)], "tumor_type": "THAP"})
    assert not r.therapy_options
    out = status(r, "BRAF")
    assert out.status == "no_evidence" and out.reason


def test_mtor_resistance_shown_beside_everolimus(match_doc):
    r = match_doc({"variants": [variant("TSC2", "Q1178*"), variant("MTOR", "F2108L")],
                   "tumor_type": "THAP"})
    ev = option(r, "everolimus")
    assert ev.level == "3A"
    assert [m.level for m in ev.resistance] == ["R2"]
    assert r.resistance[0].gene == "MTOR" and r.resistance[0].direction == "resistance"
    assert status(r, "MTOR").status == "matched"


def test_alk_rearrangement_without_partner_matches_crizotinib(match_doc):
    r = match_doc({"fusions": [{"three_prime_gene": "ALK"}], "tumor_type": "THAP"})
    o = option(r, "crizotinib")
    assert o.level == "3A" and o.matches[0].match_type == "fusion_any"


@pytest.mark.parametrize("text", ["EML4::ALK", "EML4-ALK", "EML4--ALK", "ALK-EML4"])
def test_fusion_spellings_match_alike(match_doc, text):
    r = match_doc({"fusions": [{"fusion": text}], "tumor_type": "THAP"})
    assert level(r, "crizotinib") == "3A"
    f = r.alterations[0].alteration.fusion
    assert (f.five_prime, f.three_prime, f.kinase_gene) == ("EML4", "ALK", "ALK")
    assert f.order_known is (text != "ALK-EML4")


def test_kinase_as_5prime_partner_is_not_matched(match_doc):
    r = match_doc({"fusions": [{"five_prime_gene": "ALK", "three_prime_gene": "EML4"}],
                   "tumor_type": "THAP"})
    assert not r.therapy_options
    assert "5′ partner" in r.alterations[0].reason


@pytest.mark.parametrize("build,chrom,pos,ref,alt", [
    ("GRCh37", "7", 140453136, "A", "T"),
    ("GRCh38", "chr7", 140753336, "A", "T"),
    ("GRCh37", "7", 140453135, "CA", "TT"),
    ("GRCh37", "chr7", 140453136, "a", "t"),
])
def test_coordinates_in_either_build_give_braf_v600e(match_doc, build, chrom, pos, ref, alt):
    r = match_doc({"genome_build": build, "tumor_type": "THAP",
                   "variants": [{"chrom": chrom, "pos": pos, "ref": ref, "alt": alt}]})
    assert r.alterations[0].alteration.label == "BRAF V600E"
    assert level(r, "dabrafenib", "trametinib") == "1"


@pytest.mark.parametrize("alias,gene", [("TSC4", "TSC2"), ("KRAS2", "KRAS"), ("HRAS1", "HRAS"),
                                        ("BRAF1", "BRAF"), ("braf", "BRAF")])
def test_gene_aliases_resolve(match_doc, alias, gene):
    r = match_doc({"variants": [variant(alias, "V600E")], "tumor_type": "THAP"})
    assert r.alterations[0].alteration.gene == gene


def test_alias_fusion_partner_resolves(match_doc):
    r = match_doc({"fusions": [{"five_prime_gene": "ETV6", "three_prime_gene": "TRKC"}],
                   "tumor_type": "THAP"})
    assert level(r, "larotrectinib") == "1"
    r = match_doc({"fusions": [{"five_prime_gene": "EML4", "three_prime_gene": "CD246"}],
                   "tumor_type": "THAP"})
    assert level(r, "crizotinib") == "3A"


def test_ambiguous_alias_is_an_error_naming_candidates(match_doc):
    with pytest.raises(ReportValidationError) as info:
        match_doc({"variants": [variant("LAM", "Q1178*")], "tumor_type": "THAP"})
    p = info.value.problems[0]
    assert p.field == "variants[0].gene" and "TSC1" in p.message and "TSC2" in p.message


@pytest.mark.parametrize("a,b", [("p.Val600Glu", "V600E"), ("p.V600E", "V600E"),
                                 ("p.Gln1178Ter", "Q1178*"), ("Q1178X", "Q1178*")])
def test_protein_notations_are_one_alteration(match_doc, a, b):
    gene = "BRAF" if "600" in a else "TSC2"
    ra = match_doc({"variants": [variant(gene, a)], "tumor_type": "THAP"})
    rb = match_doc({"variants": [variant(gene, b)], "tumor_type": "THAP"})
    assert ra.alterations[0].alteration.label == rb.alterations[0].alteration.label
    assert [o.name for o in ra.therapy_options] == [o.name for o in rb.therapy_options]


def test_unparseable_change_is_an_input_error_naming_the_field(match_doc):
    with pytest.raises(ReportValidationError) as info:
        match_doc({"variants": [variant("BRAF", "V600E"), variant("TP53", "R248ZZ")]})
    assert info.value.problems[0].field == "variants[1].protein_change"


def test_no_tumor_type_warns_and_caps_at_3b(match_doc):
    r = match_doc(V600E)
    assert r.tumor_type is None
    assert any("No tumor type" in w for w in r.warnings)
    assert all(o.level in ("3B", "4") for o in r.therapy_options)


def test_unknown_tumor_type_suggests_closest_codes(match_doc):
    with pytest.raises(UnknownTumorTypeError) as info:
        match_doc({**V600E, "tumor_type": "THA"})
    assert "THAP" in str(info.value)


def test_tumor_type_by_name_case_insensitive(match_doc):
    r = match_doc({**V600E, "tumor_type": "anaplastic thyroid cancer"})
    assert r.tumor_type.code == "THAP"


def test_statuses_filtered_unknown_gene_and_no_kb_entry(match_doc):
    r = match_doc({"tumor_type": "THAP", "variants": [
        variant("BRAF", "V600E", vaf=0.01), variant("NOTAGENE1", "V600E"),
        variant("EGFR", "L858R"), variant("NRAS", "Q61R")]}, min_vaf=0.05)
    braf, unknown, egfr, nras = (o for o in r.alterations)
    assert braf.status == "filtered" and "VAF" in braf.reason
    assert not any(braf.alteration.id in o.alteration_ids for o in r.therapy_options), \
        "a filtered call is never matched"
    assert unknown.status == "no_evidence" and "HGNC" in unknown.reason
    assert any("NOTAGENE1" in w for w in r.warnings)
    # EGFR L858R outside lung cancer: only evidence from other tumor types (3B at best)
    assert egfr.status == "matched"
    assert all(o.level in ("3B", "4") for o in r.therapy_options)
    assert nras.status == "no_evidence" and "thyroid" in nras.reason.lower()


def test_tert_promoter_prognostic_note(match_doc):
    r = match_doc({"tumor_type": "THAP", "genome_build": "GRCh37",
                   "variants": [{"chrom": "5", "pos": 1295228, "ref": "G", "alt": "A"}]})
    out = r.alterations[0]
    assert out.alteration.label == "TERT promoter C228T"
    assert out.status == "no_evidence" and "23766237" in out.reason


def test_germline_calls_are_labelled(match_doc):
    r = match_doc({"tumor_type": "THAP",
                   "variants": [variant("TSC2", "Q1178*", origin="germline")]})
    a = r.alterations[0].alteration
    assert a.origin == "germline" and any("germline" in n for n in a.notes)


def test_tumor_type_trials_listed_regardless_of_biomarker(match_doc):
    r = match_doc({"variants": [variant("TP53", "R248Q")], "tumor_type": "THAP"})
    tumor_trials = {t.nct_id for t in r.trials if t.reason == "tumor_type"}
    assert {"NCT01236547", "NCT02657369", "NCT02152137"} <= tumor_trials
    assert not [t for t in r.trials if t.reason == "biomarker"]
    assert match_doc({"variants": [variant("TP53", "R248Q")], "tumor_type": "LUAD"}).trials == ()


def test_biomarker_trials_respect_the_trial_tumor_types(match_doc):
    r = match_doc({**EML4_ALK, "tumor_type": "THAP"})
    ids = {t.nct_id for t in r.trials if t.reason == "biomarker"}
    assert "NCT02289144" in ids  # ALK inhibitor trial in ATC
    assert "NCT00585195" not in ids  # crizotinib NSCLC trial is not for an ATC patient


def test_result_carries_versions_and_time(match_doc, kb):
    r = match_doc(V600E)
    assert r.kb_version == kb.version and len(r.kb_hash) == 64
    assert r.matcher_version and r.generated_at.endswith("+00:00")
    d = r.to_dict()
    assert d["therapy_options"][0]["matches"][0]["citations"][0]["kind"]


def test_signature_below_threshold_says_why(match_doc):
    r = match_doc({"tumor_type": "THAP", "biomarkers": {"tmb": 9.9, "msi": "MSS"}})
    tmb, msi = r.alterations
    assert tmb.status == "no_evidence" and "TMB >= 10" in tmb.reason
    assert msi.status == "no_evidence" and "MSI-H" in msi.reason
    assert not r.therapy_options


def test_change_on_a_non_select_mane_transcript_is_not_matched_by_position(match_doc):
    r = match_doc({"tumor_type": "THAP", "variants": [
        variant("BRAF", "V640E", transcript="NM_001374258.1"),
        variant("BRAF", "V600E", transcript="NM_004333.4")]})  # older version of the Select
    plus, select = r.alterations
    assert plus.status == "not_assessable" and "NM_004333.6" in plus.reason
    assert select.status == "matched"


def test_pan_cancer_clinical_evidence_is_not_evidence_in_this_tumor_type(full_kb):
    import dataclasses
    import json

    from matcher.engine import derive_level
    from matcher.pipeline import run

    # Evidence for "Cancer" in general (OncoTree's root): clinical -> 3B, FDA -> 1.
    ev = next(e for e in full_kb.all_evidence() if e.id == "BRAF-V600E-VEMURAFENIB-THAP")
    thap = full_kb.oncotree.resolve("THAP")
    root = dataclasses.replace(ev, scope=("TISSUE",))
    assert derive_level(root, thap, full_kb.oncotree) == ("3B", "tumor-agnostic")
    fda = dataclasses.replace(root, evidence_type="fda")
    assert derive_level(fda, thap, full_kb.oncotree) == ("1", "tumor-agnostic")
    assert derive_level(ev, thap, full_kb.oncotree) == ("3A", "on-label")

    doc = {"report_id": "T", "tumor_type": "THAP", "variants": [variant("BRAF", "V600E")]}
    r = run(json.dumps(doc).encode(), kb=full_kb)[0]
    for o in r.therapy_options:
        for m in o.matches:
            if m.scope == ("TISSUE",) and m.evidence_type not in ("fda", "guideline"):
                assert m.level in ("3B", "4"), m.evidence_id
    assert r.therapy_options[0].name == "dabrafenib + trametinib"
    assert r.therapy_options[0].level == "1"


PANEL = [variant("BRAF", "V600E"), variant("KRAS", "G12D"), variant("EGFR", "L858R"),
         variant("PIK3CA", "H1047R"), variant("TP53", "R175H"), variant("TSC2", "Q1178*"),
         variant("KIT", "D816V"), variant("ALK", "F1174L")]


def test_results_do_not_depend_on_what_the_engine_matched_before(full_kb):
    """The engine memoises per-alteration hits and per-tumor levels on the KB: a result after
    many other reports equals the result on a freshly loaded KB, in every field and order."""
    import json

    from matcher.kb.loader import load_kb
    from matcher.pipeline import run

    def result(kb, tumor, variants):
        doc = {"report_id": "T", "tumor_type": tumor, "variants": variants}
        d = run(json.dumps(doc).encode(), kb=kb)[0].to_dict()
        d.pop("generated_at")
        return d

    for tumor in ("MEL", "THAP", "LUAD", "COADREAD"):  # warm the memos with other reports
        for n in range(len(PANEL)):
            result(full_kb, tumor, PANEL[n:] + PANEL[:n])
    fresh = load_kb()
    for tumor in ("THAP", "MEL", "COADREAD"):
        # Same changes, different features: V600E as a codon-only call, G12D twice.
        variants = PANEL + [variant("BRAF", "p.V600?"), variant("KRAS", "G12D", vaf=0.1)]
        assert result(full_kb, tumor, variants) == result(fresh, tumor, variants)


def test_option_resistance_is_listed_strongest_first_then_by_id(full_kb):
    import json

    from matcher.pipeline import run

    doc = {"report_id": "T", "tumor_type": "MEL", "variants": PANEL}
    r = run(json.dumps(doc).encode(), kb=full_kb)[0]
    with_res = [o for o in r.therapy_options if len(o.resistance) > 1]
    assert with_res, "the panel should meet resistance evidence in melanoma"
    for o in with_res:
        keys = [(m.level, m.evidence_id) for m in o.resistance]
        assert keys == sorted(keys)
    assert [(m.level, m.evidence_id) for m in r.resistance] == sorted(
        (m.level, m.evidence_id) for m in r.resistance)


def test_result_json_is_the_documented_dict_as_utf8(match_doc):
    """to_json (orjson, straight from the dataclasses) and to_dict describe the same document;
    text stays UTF-8 (the 5′ in the ALK::EML4 reason), floats and None survive."""
    import json

    r = match_doc({"tumor_type": "THAP", "fusions": [{"fusion": "ALK::EML4"}],
                   "variants": [variant("BRAF", "V600E", vaf=0.125)]})
    text = r.to_json()
    assert "5′ partner" in text and "\\u2032" not in text
    doc = json.loads(text)
    assert doc == r.to_dict()
    assert list(doc) == [f for f in r.__dataclass_fields__]
    braf = next(o for o in doc["alterations"] if o["alteration"]["gene"] == "BRAF")
    assert braf["alteration"]["variant"]["vaf"] == 0.125
    assert braf["alteration"]["fusion"] is None


def test_prebuilt_instances_equal_normally_built_ones(full_kb):
    """The engine builds Match and TherapyOption without __init__ (model.prebuilt): the
    instances must be exactly what the constructor makes, and stay frozen."""
    import dataclasses
    import json

    from matcher.model import Match, TherapyOption
    from matcher.pipeline import run

    doc = {"report_id": "T", "tumor_type": "MEL", "variants": PANEL}
    r = run(json.dumps(doc).encode(), kb=full_kb)[0]
    for o in r.therapy_options:
        rebuilt = TherapyOption(**{f.name: getattr(o, f.name) for f in dataclasses.fields(o)})
        assert rebuilt == o and hash(rebuilt) == hash(o)
        assert list(vars(o)) == [f.name for f in dataclasses.fields(TherapyOption)]
        for m in o.matches:
            again = Match(**{f.name: getattr(m, f.name) for f in dataclasses.fields(m)})
            assert again == m and hash(again) == hash(m) and vars(again) == vars(m)
            assert list(vars(m)) == list(vars(again))  # field order: what JSON shows
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.therapy_options[0].matches[0].level = "1"


def test_raw_calls_without_protein_change_reach_the_engine_safely(kb):
    """A raw VCF call in a gene outside the KB has a variant but no protein change: the engine
    must list it (no evidence), not fail on it (a 500 from the API before this test)."""
    from pathlib import Path

    from matcher.pipeline import run
    from matcher.readers import ReadOptions

    path = Path(__file__).resolve().parent.parent / "vcf_samples" / "atc_braf_v600e.grch37.vcf"
    lines = path.read_text().splitlines()
    first = next(n for n, line in enumerate(lines) if not line.startswith("#"))
    lines.insert(first, "1\t1006347\t.\tA\tG\t.\tPASS\tDP=40\tGT:AD:AF:DP\t0/1:30,10:0.25:40")
    for _ in range(2):  # the second run goes through the engine's memo
        r = run(("\n".join(lines) + "\n").encode(), kb=kb, filename="x.vcf",
                options=ReadOptions(tumor_type="THAP"))[0]
        raw = next(o for o in r.alterations if o.alteration.gene == "RNF223")
        assert raw.alteration.variant.protein is None and raw.status == "no_evidence"
        assert r.therapy_options[0].name == "dabrafenib + trametinib"


def test_non_coding_hotspot_without_protein_change_is_listed_not_rejected(match_doc):
    """cancerhotspots.org lists PLEKHS1 non-coding hotspots with no protein change: a call
    there is named from its coordinates and listed; the report is not refused."""
    r = match_doc({"tumor_type": "BLCA", "genome_build": "GRCh38", "variants": [
        {"chrom": "chr10", "pos": 113751831, "ref": "G", "alt": "C"},
        variant("BRAF", "V600E")]})
    nc = r.alterations[0]
    assert nc.alteration.gene == "PLEKHS1" and nc.alteration.variant.protein is None
    assert nc.alteration.variant.hotspot and nc.status == "no_evidence"
    assert any("non-coding hotspot" in n for n in nc.alteration.notes)
    assert r.alterations[1].status == "matched"


def _options_by_name(r):
    return {o.name: o for o in r.therapy_options}


def test_specific_resistance_outweighs_gene_level_sensitivity_in_the_tumor_type(full_kb):
    """CIViC has erlotinib/gefitinib/afatinib evidence for 'EGFR mutation' in NSCLC, and
    T790M-specific resistance to them: T790M in lung adenocarcinoma must not be offered
    erlotinib at 3A on the general evidence; the outcome says what was set aside and why."""
    import json

    from matcher.pipeline import run

    def result(tumor, *variants):
        doc = {"report_id": "T", "tumor_type": tumor, "variants": list(variants)}
        return run(json.dumps(doc).encode(), kb=full_kb)[0]

    r = result("LUAD", variant("EGFR", "T790M"))
    opts = _options_by_name(r)
    assert "osimertinib" in opts
    for drug in ("erlotinib", "gefitinib"):
        assert drug not in opts, drug
        assert any(m.therapy == (drug,) and m.match_type == "exact" for m in r.resistance)
    for o in r.therapy_options:  # what remains for T790M is specific, or for other drugs
        for m in o.matches:
            assert m.match_type not in ("gene", "exon", "consequence") or not any(
                res.alteration_id == m.alteration_id and set(res.therapy) == set(m.therapy)
                and res.match_type == "exact" and res.label_status != "off-label"
                for res in r.resistance), (o.name, m.evidence_id)
    reason = r.alterations[0].reason
    assert "Broader sensitivity evidence for erlotinib" in reason and "CIVIC-EID" in reason
    outweighed_ids = [e for e in reason.split("(")[1].split(")")[0].split(", ")]
    assert set(outweighed_ids) <= set(r.alterations[0].match_ids)  # listed, not dropped

    # With an activating mutation beside it, the label's erlotinib approval for L858R is set
    # aside too: T790M in the same report is label-level resistance (R1) to erlotinib.
    r = result("LUAD", variant("EGFR", "L858R"), variant("EGFR", "T790M"))
    both = _options_by_name(r)
    assert "erlotinib" not in both and both["osimertinib"].level == "1"
    assert "EGFR T790M in this report confers resistance" in r.alterations[0].reason

    # Outside the resistance evidence's tumor types nothing is set aside.
    elsewhere = result("BRCA", variant("EGFR", "T790M"))
    assert "Broader sensitivity" not in (elsewhere.alterations[0].reason or "")
