"""CIViC import: mapping rules, an import of the fixture subset, and pins on the shipped output.

Fixture: tests/data/civic/ (CIViC, CC0 1.0, release 01-Aug-2024; see its README).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from matcher.kb import civic
from matcher.kb.civic import Skip, Variant
from matcher.kb.civic_import import import_civic, or_profile_criterion, profile_kind

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "data" / "civic"
SHIPPED = ROOT / "knowledgebase" / "civic"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def crit(gene, name, types=""):
    return civic.variant_criterion(Variant("1", gene, name, types))


# ----------------------------------------------------------------------------- profiles
@pytest.mark.parametrize("name,expected", [
    ("V600E", {"type": "variant", "changes": ["V600E"]}),
    ("E746_A750del", {"type": "variant", "changes": ["E746_A750del"]}),
    ("V600", {"type": "codon", "codons": [600]}),
    ("G12/G13", {"type": "codon", "codons": [12, 13]}),
    ("S310F/Y", {"type": "variant", "changes": ["S310F", "S310Y"]}),
    ("R200W (c.598C>T)", {"type": "variant", "changes": ["R200W"]}),
    ("Exon 19 Deletion", {"type": "exon", "exons": [19], "consequences": ["inframe_deletion"]}),
    ("Exon 20 Insertion", {"type": "exon", "exons": [20], "consequences": ["inframe_insertion"]}),
    ("Exon 11 Mutation", {"type": "exon", "exons": [11]}),
    ("Mutation", {"type": "any"}),
    ("Loss-of-function", {"type": "consequence", "classes": ["loss_of_function"]}),
    ("Truncating Mutation", {"type": "consequence", "classes": ["loss_of_function"]}),
    ("Fusion", {"type": "fusion"}),
    ("Rearrangement", {"type": "fusion"}),
    ("EML4::ALK", {"type": "fusion", "partner": "EML4"}),
    ("Amplification", {"type": "copy_number", "states": ["amplification"]}),
])
def test_variant_kinds(name, expected):
    gene = "ALK" if "ALK" in name else "EGFR"
    assert crit(gene, name) == expected


def test_fusion_partner_is_the_other_gene():
    assert crit("ABL1", "BCR::ABL1") == {"type": "fusion", "partner": "BCR"}
    assert crit("EGFR", "EGFR::SEPTIN14") == {"type": "fusion", "partner": "SEPTIN14"}


def test_loss_and_deletion_follow_the_variant_type():
    assert crit("PTEN", "Loss", "loss_of_function_variant") == {
        "type": "consequence", "classes": ["loss_of_function"]}
    assert crit("SMAD4", "Deletion", "transcript_ablation") == {
        "type": "copy_number", "states": ["deep_deletion"]}
    with pytest.raises(Skip, match="ambiguous"):
        crit("TP53", "Loss")


@pytest.mark.parametrize("name,reason", [
    ("Overexpression", "expression profile not representable"),
    ("EXPRESSION", "expression profile not representable"),
    ("Promoter Methylation", "methylation profile not representable"),
    ("Wildtype", "wild-type profile not representable"),
    ("EML4::ALK e6-e20", "fusion with exon or breakpoint detail not representable"),
    ("ITD", "variant kind not representable"),
    ("c.902-1G>T", "variant kind not representable"),
])
def test_unrepresentable_variants_are_skipped_with_reason(name, reason):
    with pytest.raises(Skip) as info:
        crit("EGFR", name)
    assert info.value.reason == reason


def test_and_profile_becomes_all_of():
    gene, c = civic.profile_criterion("EGFR L858R AND EGFR T790M", [
        Variant("1", "EGFR", "L858R"), Variant("2", "EGFR", "T790M")])
    assert gene == "EGFR"
    assert c == {"type": "all_of", "items": [
        {"gene": "EGFR", "alteration": {"type": "variant", "changes": ["L858R"]}},
        {"gene": "EGFR", "alteration": {"type": "variant", "changes": ["T790M"]}}]}
    with pytest.raises(Skip, match="OR/NOT"):
        civic.profile_criterion("EGFR L858R OR EGFR Exon 19 Deletion",
                                [Variant("1", "EGFR", "L858R")])
    with pytest.raises(Skip, match="expression"):  # one unrepresentable part skips the profile
        civic.profile_criterion("A V600E AND A Overexpression",
                                [Variant("1", "BRAF", "V600E"),
                                 Variant("2", "BRAF", "Overexpression")])


def test_or_profile_becomes_any_of():
    name = "EGFR L858R OR EGFR Exon 19 Deletion"
    assert profile_kind(name) == "or"
    gene, c = or_profile_criterion(name, [Variant("33", "EGFR", "L858R"),
                                          Variant("133", "EGFR", "Exon 19 Deletion")])
    assert gene == "EGFR"
    assert c == {"type": "any_of", "items": [
        {"gene": "EGFR", "alteration": {"type": "variant", "changes": ["L858R"]}},
        {"gene": "EGFR", "alteration": {"type": "exon", "exons": [19],
                                        "consequences": ["inframe_deletion"]}}]}
    # parts of several genes: filed under the first part's gene, each part as its own variant
    gene, c = or_profile_criterion("BRCA1 Mutation OR BRCA2 Mutation", [
        Variant("185", "BRCA1", "Mutation"), Variant("186", "BRCA2", "Mutation")])
    assert gene == "BRCA1" and [i["gene"] for i in c["items"]] == ["BRCA1", "BRCA2"]
    assert c["items"][1]["alteration"] == crit("BRCA2", "Mutation")
    # a part listed twice counts once; one distinct part is a plain criterion
    assert or_profile_criterion("BRAF V600E OR BRAF V600E", [
        Variant("12", "BRAF", "V600E"), Variant("12", "BRAF", "V600E")]) == (
        "BRAF", {"type": "variant", "changes": ["V600E"]})


def test_or_profile_with_an_unrepresentable_part_is_skipped_naming_it():
    with pytest.raises(Skip) as info:
        or_profile_criterion("MSH2 Loss OR MLH1 Loss", [
            Variant("808", "MSH2", "Loss", "loss_of_function_variant"),
            Variant("4641", "MLH1", "Loss")])
    assert info.value.reason == ("'Loss' without a variant type is ambiguous "
                                 "(copy number or expression)")
    assert info.value.detail == "MLH1 Loss"


@pytest.mark.parametrize("name,kind", [
    ("BRAF V600E", "single"), ("EGFR L858R AND EGFR T790M", "and"),
    ("EGFR S768I OR EGFR G719A OR EGFR L861Q", "or"),
    ("NOT KIT D816V", "NOT profile not supported"),
    ("BRAF Amplification AND ( BRAF V600E OR BRAF V600K )", "mixed AND/OR profile not supported"),
])
def test_profile_kinds_not_and_mixed_stay_skipped(name, kind):
    if " " in kind:
        with pytest.raises(Skip) as info:
            profile_kind(name)
        assert (info.value.reason, info.value.detail) == (kind, name)
    else:
        assert profile_kind(name) == kind


# ----------------------------------------------------------------------------- evidence fields
def row(**kw):
    base = {"evidence_type": "Predictive", "evidence_direction": "Supports",
            "significance": "Sensitivity/Response", "evidence_level": "B",
            "evidence_status": "accepted", "variant_origin": "Somatic", "is_flagged": "false",
            "evidence_statement": ""}
    return {**base, **kw}


@pytest.mark.parametrize("kw,reason", [
    ({"evidence_type": "Prognostic"}, "evidence type Prognostic (only Predictive)"),
    ({"evidence_direction": "Does Not Support"}, "direction Does Not Support"),
    ({"evidence_level": "E"}, "level E (inferential) not imported"),
    ({"significance": "Reduced Sensitivity"}, "significance Reduced Sensitivity not imported"),
    ({"variant_origin": "Common Germline"},
     "common germline variant (pharmacogenomic) not imported"),
    ({"is_flagged": "true"}, "flagged in CIViC for review"),
])
def test_rows_not_imported(kw, reason):
    with pytest.raises(Skip) as info:
        civic.accept_row(row(**kw))
    assert info.value.reason == reason
    civic.accept_row(row())  # the base row is accepted


def test_levels_to_evidence_types_level_a_conservative():
    assert [civic.evidence_type(row(evidence_level=lv)) for lv in "BCD"] == [
        "clinical", "case", "preclinical"]
    assert civic.evidence_type(row(evidence_level="A")) == "clinical"
    said = "Based on this study, the Food and Drug Administration approved erlotinib for NSCLC."
    assert civic.evidence_type(row(evidence_level="A", evidence_statement=said)) == "fda"
    test = "Patients were ALK fusion positive by an FDA-approved diagnostic test."
    assert civic.evidence_type(row(evidence_level="A", evidence_statement=test)) == "clinical"
    assert civic.evidence_type(row(evidence_level="A"), {"regulatory_approval": "true"}) == "fda"
    nccn = {"regulatory_approval": "", "nccn_guideline": "NSCLC"}
    assert civic.evidence_type(row(evidence_level="A"), nccn) == "guideline"
    # a level B item never becomes fda, whatever its text says
    assert civic.evidence_type(row(evidence_level="B", evidence_statement=said)) == "clinical"


def test_therapy_interaction_types():
    assert civic.split_therapies("Dabrafenib,Trametinib", "Combination") == [
        ["Dabrafenib", "Trametinib"]]
    assert civic.split_therapies("Erlotinib,Gefitinib", "Substitutes") == [
        ["Erlotinib"], ["Gefitinib"]]
    assert civic.split_therapies("Trastuzumab,Neratinib", "Sequential") == [
        ["Trastuzumab"], ["Neratinib"]]
    assert civic.evidence_ids("229", [["erlotinib"], ["gefitinib"]]) == [
        "CIVIC-EID229-ERLOTINIB", "CIVIC-EID229-GEFITINIB"]
    assert civic.evidence_ids("95", [["dabrafenib", "trametinib"]]) == ["CIVIC-EID95"]


# ----------------------------------------------------------------------------- fixture import
@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """A curated-only copy of the KB with the fixture subset imported into its civic/."""
    from matcher.kb.loader import load_kb

    kb_dir = tmp_path_factory.mktemp("kb") / "knowledgebase"
    shutil.copytree(ROOT / "knowledgebase", kb_dir, ignore=shutil.ignore_patterns("civic"))
    (kb_dir / "civic").mkdir()
    shutil.copyfile(SHIPPED / "disease_map.tsv", kb_dir / "civic" / "disease_map.tsv")
    res = import_civic(FIXTURE, kb_dir)
    return res, kb_dir, load_kb(kb_dir, imported=True)


def items(kb_dir, gene):
    doc = yaml.load((kb_dir / "civic" / "genes" / f"{gene}.yaml").read_text(), Loader=LOADER)
    return {e["id"]: e for e in doc["evidence"]}


def test_fixture_import_counts_and_validates(imported):
    res, _kb_dir, kb = imported
    assert res.release == "01-Aug-2024" and res.rows == 22
    skipped = {r: len(ids) for r, ids in res.skipped.items()}
    assert skipped == {"evidence type Diagnostic (only Predictive)": 1,
                       "direction Does Not Support": 1, "level E (inferential) not imported": 1,
                       "expression profile not representable": 1}
    assert res.imported_rows == 18  # EID2156, an OR profile, included
    assert kb.counts()["evidence_by_source"]["civic"] > 0


def test_egfr_l858r_in_lung_adenocarcinoma(imported):
    _res, kb_dir, kb = imported
    e = items(kb_dir, "EGFR")["CIVIC-EID879"]
    assert e["alteration"] == {"type": "variant", "changes": ["L858R"]}
    assert (e["therapy"], e["direction"], e["evidence_type"], e["scope"]) == (
        ["afatinib"], "sensitivity", "clinical", ["LUAD"])
    assert e["citations"] == [{"civic": "EID879"}, {"pmid": "23816960"}]
    assert e["trials"] == ["NCT00949650"] and e["source"] == "civic"
    assert e["statement"] == ("CIViC evidence (level B, clinical): sensitivity of EGFR L858R "
                              "to afatinib in Lung Adenocarcinoma.")
    loaded = next(x for x in kb.genes["EGFR"].evidence if x.id == "CIVIC-EID879")
    assert loaded.source == "civic" and loaded.citations[0].url.endswith("/evidence_items/879")
    assert "NCT00949650" in kb.trials  # a trial CIViC adds, listed in civic/trials.yaml


def test_kras_g12c_sotorasib(imported):
    _res, kb_dir, _kb = imported
    e = items(kb_dir, "KRAS")["CIVIC-EID9431"]
    assert e["alteration"] == {"type": "variant", "changes": ["G12C"]}
    assert e["therapy"] == ["sotorasib"] and e["scope"] == ["NSCLC"]
    assert e["evidence_type"] == "clinical"  # level A, but its text states no approval
    assert e["trials"] == ["NCT03600883"]


def test_level_a_with_approval_text_is_fda(imported):
    _res, kb_dir, _kb = imported
    egfr = items(kb_dir, "EGFR")
    # "Food and Drug Administration approved"
    assert egfr["CIVIC-EID2994"]["evidence_type"] == "fda"
    assert egfr["CIVIC-EID1592"]["evidence_type"] == "clinical"  # "approved", no agency named
    # "FDA-approved diagnostic test": a test, not a drug
    assert items(kb_dir, "ALK")["CIVIC-EID11121"]["evidence_type"] == "clinical"


def test_substitutes_combination_sequential_and_and_profiles(imported):
    _res, kb_dir, _kb = imported
    egfr = items(kb_dir, "EGFR")
    assert {"CIVIC-EID229-ERLOTINIB", "CIVIC-EID229-GEFITINIB"} <= set(egfr)
    assert egfr["CIVIC-EID273"]["alteration"] == {
        "type": "exon", "exons": [19], "consequences": ["inframe_deletion"]}
    braf = items(kb_dir, "BRAF")
    assert braf["CIVIC-EID95"]["therapy"] == ["dabrafenib", "trametinib"]  # curated drug order
    assert braf["CIVIC-EID73"]["alteration"]["type"] == "all_of"
    assert braf["CIVIC-EID88"]["alteration"] == {"type": "codon", "codons": [600]}
    assert braf["CIVIC-EID88"]["direction"] == "resistance"
    erbb2 = items(kb_dir, "ERBB2")
    assert {"CIVIC-EID1113-TRASTUZUMAB", "CIVIC-EID1113-NERATINIB"} <= set(erbb2)
    assert erbb2["CIVIC-EID1122"]["alteration"] == {"type": "copy_number",
                                                   "states": ["amplification"]}
    assert items(kb_dir, "ALK")["CIVIC-EID262"]["alteration"] == {"type": "fusion",
                                                                "partner": "EML4"}


def test_or_profile_imported_as_any_of(imported):
    _res, kb_dir, kb = imported
    e = items(kb_dir, "EGFR")["CIVIC-EID2156"]
    assert e["alteration"]["type"] == "any_of"
    assert [i["alteration"]["type"] for i in e["alteration"]["items"]] == ["variant", "exon"]
    assert (e["therapy"], e["citations"][0]) == (["gefitinib"], {"civic": "EID2156"})
    loaded = next(x for x in kb.genes["EGFR"].evidence if x.id == "CIVIC-EID2156")
    assert loaded.criterion.describe("EGFR") == "EGFR L858R or EGFR exon 19 (inframe_deletion)"


def test_unmapped_disease_kept_by_name(imported):
    _res, kb_dir, kb = imported
    e = items(kb_dir, "KIT")["CIVIC-EID1466"]
    assert e["scope"] == [] and e["disease"] == "Mucosal Melanoma"
    loaded = next(x for x in kb.genes["KIT"].evidence if x.id == "CIVIC-EID1466")
    assert loaded.scope == () and loaded.disease == "Mucosal Melanoma"


def test_curated_wins_where_both_speak(imported):
    _res, kb_dir, kb = imported
    assert "CIVIC-EID6975" in items(kb_dir, "BRAF")  # written by the importer ...
    assert "CIVIC-EID6975" in kb.dropped_civic  # ... dropped at load: curated THAP entry speaks
    # melanoma D+T: the curated tumor-agnostic (SOLID) D+T entry covers melanoma
    assert "CIVIC-EID95" in kb.dropped_civic
    # KRAS G12C sotorasib in NSCLC: imported, and dropped at load beside the curated entry
    assert "CIVIC-EID9431" in kb.dropped_civic
    ids = {e.id for e in kb.all_evidence()}
    assert "CIVIC-EID6975" not in ids and "CIVIC-EID879" in ids
    assert "CIVIC-EID1466" in ids  # no curated KIT entry: kept


def test_skipped_tsv_lists_each_skip_with_reason(imported):
    _res, kb_dir, _kb = imported
    with (kb_dir / "civic" / "SKIPPED.tsv").open() as fh:
        rows = {r["evidence_id"]: r for r in csv.DictReader(fh, delimiter="\t")}
    assert rows["EID264"]["reason"] == "expression profile not representable"
    assert rows["EID264"]["detail"] == "EXPRESSION"
    assert "EID2156" not in rows  # OR profile: imported as any_of
    assert rows["EID92"]["reason"] == "level E (inferential) not imported"


def test_reimport_is_byte_identical(imported, tmp_path):
    _res, kb_dir, _kb = imported
    before = {p.relative_to(kb_dir): p.read_bytes() for p in (kb_dir / "civic").rglob("*")
              if p.is_file()}
    import_civic(FIXTURE, kb_dir)
    after = {p.relative_to(kb_dir): p.read_bytes() for p in (kb_dir / "civic").rglob("*")
             if p.is_file()}
    assert before == after


def test_hand_override_in_disease_map_wins(tmp_path):
    kb_dir = tmp_path / "knowledgebase"
    shutil.copytree(ROOT / "knowledgebase", kb_dir, ignore=shutil.ignore_patterns("civic"))
    (kb_dir / "civic").mkdir()
    (kb_dir / "civic" / "disease_map.tsv").write_text(
        "civic_disease\tdoid\toncotree\thow\tnote\n"
        "Lung Adenocarcinoma\t3910\tNSCLC\tcurated\ttest override\n")
    import_civic(FIXTURE, kb_dir)
    assert items(kb_dir, "EGFR")["CIVIC-EID879"]["scope"] == ["NSCLC"]
    text = (kb_dir / "civic" / "disease_map.tsv").read_text()
    assert "Lung Adenocarcinoma\t3910\tNSCLC\tcurated\ttest override" in text
    assert "Melanoma\t1909\tMEL\tname\t" in text  # exact OncoTree name match
    # without the shipped overrides this CIViC name has no OncoTree twin: kept by name
    assert items(kb_dir, "KRAS")["CIVIC-EID9431"]["disease"] == "Lung Non-small Cell Carcinoma"


# ----------------------------------------------------------------------------- dedupe rule
def test_dedupe_against_curated_rule(imported):
    kb = imported[2]
    curated = [e for e in kb.genes["BRAF"].evidence if e.source == "curated"]
    thap = next(e for e in curated if e.id == "BRAF-V600E-DABRAFENIB-TRAMETINIB-THAP")
    from dataclasses import replace

    twin = replace(thap, id="CIVIC-X1", source="civic", therapy=("trametinib", "dabrafenib"))
    other_tumor = replace(twin, id="CIVIC-X2", scope=("AML",))  # outside SOLID
    other_drug = replace(twin, id="CIVIC-X3", therapy=("dabrafenib",))
    parent = replace(twin, id="CIVIC-X4", scope=("THYROID",))
    no_scope = replace(twin, id="CIVIC-X5", scope=(), disease="Some disease")
    kept, dropped = civic.dedupe_against_curated(
        curated, [twin, other_tumor, other_drug, parent, no_scope], kb.oncotree)
    assert [e.id for e in dropped] == ["CIVIC-X1", "CIVIC-X4"]
    assert [e.id for e in kept] == ["CIVIC-X2", "CIVIC-X3", "CIVIC-X5"]
    assert civic.scopes_overlap(["SOLID"], ["THAP"], kb.oncotree)
    assert not civic.scopes_overlap(["SOLID"], ["AML"], kb.oncotree)


# ----------------------------------------------------------------------------- shipped output
def test_shipped_entries_pinned():
    egfr = items(ROOT / "knowledgebase", "EGFR")
    l858r_luad = [e for e in egfr.values()
                  if e["alteration"] == {"type": "variant", "changes": ["L858R"]}
                  and e["scope"] == ["LUAD"] and e["direction"] == "sensitivity"]
    assert {"CIVIC-EID879", "CIVIC-EID883", "CIVIC-EID982"} <= {e["id"] for e in l858r_luad}
    kras = items(ROOT / "knowledgebase", "KRAS")
    assert kras["CIVIC-EID9431"]["therapy"] == ["sotorasib"]
    stats = yaml.safe_load((SHIPPED / "stats.yaml").read_text())
    assert stats["release"] == "01-Aug-2024" and stats["evidence_rows"] == 4375
    assert stats["skipped"]["expression profile not representable"]["count"] > 0
    with (SHIPPED / "SKIPPED.tsv").open() as fh:
        rows = {r["evidence_id"]: r for r in csv.DictReader(fh, delimiter="\t")}
    assert rows["EID264"]["reason"] == "expression profile not representable"


def test_shipped_or_profiles():
    egfr = items(ROOT / "knowledgebase", "EGFR")
    osi = egfr["CIVIC-EID11219"]  # EGFR L858R OR EGFR Exon 19 Deletion, level A
    assert (osi["therapy"], osi["scope"], osi["direction"]) == (
        ["osimertinib"], ["NSCLC"], "sensitivity")
    assert osi["alteration"] == {"type": "any_of", "items": [
        {"gene": "EGFR", "alteration": {"type": "variant", "changes": ["L858R"]}},
        {"gene": "EGFR", "alteration": {"type": "exon", "exons": [19],
                                        "consequences": ["inframe_deletion"]}}]}
    # parts follow the profile's name (CIViC lists the variant ids 3910, 799, 311)
    pik3ca = items(ROOT / "knowledgebase", "PIK3CA")["CIVIC-EID12045"]
    assert [i["gene"] for i in pik3ca["alteration"]["items"]] == ["PIK3CA", "RB1", "ESR1"]
    with (SHIPPED / "SKIPPED.tsv").open() as fh:
        rows = {r["evidence_id"]: r for r in csv.DictReader(fh, delimiter="\t")}
    assert "EID11219" not in rows
    assert rows["EID11158"]["reason"] == "NOT profile not supported"
    assert rows["EID6262"]["reason"] == "mixed AND/OR profile not supported"
    assert (rows["EID11677"]["molecular_profile"], rows["EID11677"]["detail"]) == (
        "MSH2 Loss OR MLH1 Loss", "MLH1 Loss")
    assert not any(r["reason"] == "OR/NOT profile not supported" for r in rows.values())


def test_cli_import_and_stats(imported, tmp_path):
    from matcher.cli import cli

    _res, kb_dir, _kb = imported
    r = CliRunner().invoke(cli, ["kb", "import-civic", str(FIXTURE), "--kb", str(kb_dir)])
    assert r.exit_code == 0, r.output
    assert "22 evidence rows, 18 imported" in r.output and "validated" in r.output
    runner = CliRunner(env={"MATCHER_KB_IMPORTED": "1"})
    r = runner.invoke(cli, ["kb", "stats", "--kb", str(kb_dir)])
    assert r.exit_code == 0, r.output
    assert "by source: " in r.output and "civic" in r.output and "curated" in r.output
    assert "expression profile not representable  (EID264)" in r.output
    r = runner.invoke(cli, ["kb", "stats", "--kb", str(kb_dir), "--json"])
    import json

    doc = json.loads(r.output)
    assert doc["civic_import"]["imported_rows"] == 18 and doc["by_gene"]["EGFR"] > 0


def test_cli_check_reports_drift(imported):
    from matcher.cli import cli

    _res, kb_dir, _kb = imported
    args = ["kb", "import-civic", str(FIXTURE), "--kb", str(kb_dir), "--check"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert "up to date" in r.output
    egfr = kb_dir / "civic" / "genes" / "EGFR.yaml"
    text = egfr.read_text()
    egfr.write_text(text.replace("level B, clinical", "level B, edited by hand", 1))
    try:
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 1 and "out of date" in r.output and "EGFR.yaml" in r.output
    finally:
        egfr.write_text(text)
