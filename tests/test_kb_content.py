"""Structural and content tests of the curated knowledge base (knowledgebase/*.yaml).

They need no loader: they read the YAML directly and hold it to docs/kb-schema.md and to the
clinical content listed in KNOWLEDGE.md (transcribed below as REQUIRED_EVIDENCE). Citations are
held to an allow-list built from KNOWLEDGE.md and the CIViC rows the KB uses
(tests/data/allowed_citations.txt, tests/data/civic_evidence_used.tsv), so an invented PMID or
NCT id fails. The sample lab reports in vcf_samples/ are checked for shape and for fake patient ids.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "knowledgebase"
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT / "vcf_samples"
ONCOTREE = KB / "reference" / "oncotree.tsv"

REVIEWED = dt.date(2026, 11, 27)
RELEASED_12_0 = dt.date(2026, 12, 2)  # KB 2026.12.0: the approval layer (issue 10)
RELEASED = dt.date(2026, 12, 3)  # KB 2026.12.1: open trials read further, registry facts
DIRECTIONS = {"sensitivity", "resistance"}
EVIDENCE_TYPES = {"fda", "guideline", "clinical", "case", "preclinical"}
ROLES = {"oncogene", "tumor_suppressor", "both"}
ANNOTATION_KINDS = {"prognostic", "diagnostic", "note"}
CITATION_KINDS = {"pmid", "label", "guideline", "review", "civic"}
# Brand names KNOWLEDGE.md gives, with their drug; no other brand may appear.
BRANDS = {
    "Tafinlar": "dabrafenib",
    "Mekinist": "trametinib",
    "Afinitor": "everolimus",
    "Retevmo": "selpercatinib",
    "Augtyro": "repotrectinib",
    "Keytruda": "pembrolizumab",
    "Jemperli": "dostarlimab",
    "Krazati": "adagrasib",
}
ALTERATION_TYPES = {
    "variant", "codon", "exon", "region", "consequence", "hotspot", "any", "fusion",
    "copy_number", "signature",
}
ID_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]*[A-Z0-9]$")
NCT_RE = re.compile(r"NCT\d{8}")


# ----------------------------------------------------------------------------- loading helpers
def _load(path: Path):
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


GENE_FILES = sorted((KB / "genes").glob("*.yaml"))
ALL_YAML = [KB / "kb.yaml", KB / "signatures.yaml", KB / "therapies.yaml", KB / "trials.yaml",
            *GENE_FILES]


def _evidence_items() -> list[tuple[str, str | None, dict]]:
    """(file name, gene or None for signatures, item) for every evidence item."""
    items = []
    for path in GENE_FILES:
        doc = _load(path)
        for item in doc.get("evidence") or []:
            items.append((path.name, doc["gene"], item))
    for item in _load(KB / "signatures.yaml").get("evidence") or []:
        items.append(("signatures.yaml", None, item))
    return items


def _annotations() -> list[tuple[str, str, dict]]:
    out = []
    for path in GENE_FILES:
        doc = _load(path)
        for ann in doc.get("annotations") or []:
            out.append((path.name, doc["gene"], ann))
    return out


EVIDENCE = _evidence_items()
ANNOTATIONS = _annotations()
THERAPIES = _load(KB / "therapies.yaml")["therapies"]
TRIALS = _load(KB / "trials.yaml")["trials"]


def _allowed() -> dict[str, set[str]]:
    allowed: dict[str, set[str]] = {"pmid": set(), "nct": set()}
    for line in (DATA / "allowed_citations.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            kind, ident = line.split()
            allowed[kind].add(ident)
    return allowed


def _civic_rows() -> dict[str, dict]:
    with (DATA / "civic_evidence_used.tsv").open(encoding="utf-8") as fh:
        return {"EID" + r["evidence_id"]: r for r in csv.DictReader(fh, delimiter="\t")}


def _oncotree_codes() -> set[str]:
    with ONCOTREE.open(encoding="utf-8") as fh:
        return {r["code"] for r in csv.DictReader(fh, delimiter="\t")}


def _oncotree_names() -> set[str]:
    with ONCOTREE.open(encoding="utf-8") as fh:
        return {r["name"] for r in csv.DictReader(fh, delimiter="\t")}


def _eid(item: dict) -> str:
    return item["id"]


# ----------------------------------------------------------------------------- files and ids
@pytest.mark.parametrize("path", ALL_YAML, ids=lambda p: p.relative_to(KB).as_posix())
def test_yaml_parses_to_a_mapping(path):
    assert isinstance(_load(path), dict)


def test_kb_version_and_release():
    doc = _load(KB / "kb.yaml")
    assert doc["version"] == "2026.12.1"
    assert doc["released"] == RELEASED
    assert doc["title"]


@pytest.mark.parametrize("path", GENE_FILES, ids=lambda p: p.stem)
def test_gene_file_shape(path):
    doc = _load(path)
    assert doc["gene"] == path.stem
    assert doc["role"] in ROLES
    assert isinstance(doc["summary"], str) and doc["summary"].strip()
    assert "no_therapy_reason" in doc
    assert isinstance(doc.get("annotations", []), list)
    assert isinstance(doc.get("evidence", []), list)


def test_evidence_and_annotation_ids_are_unique_and_stable_form():
    ids = [item["id"] for _, _, item in EVIDENCE] + [a["id"] for _, _, a in ANNOTATIONS]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates
    bad = [i for i in ids if not ID_RE.match(i)]
    assert not bad


@pytest.mark.parametrize("where,gene,item", EVIDENCE, ids=[_eid(e[2]) for e in EVIDENCE])
def test_evidence_item_fields(where, gene, item):
    assert item["direction"] in DIRECTIONS
    assert item["evidence_type"] in EVIDENCE_TYPES
    assert item["alteration"]["type"] in ALTERATION_TYPES
    if gene is None:
        assert item["alteration"]["type"] == "signature"
    else:
        assert item["alteration"]["type"] != "signature"
    assert isinstance(item["therapy"], list) and item["therapy"]
    assert item["scope"] and isinstance(item["scope"], list)
    assert isinstance(item.get("exclude", []), list)
    assert item["last_reviewed"] in (REVIEWED, RELEASED_12_0, RELEASED)
    assert isinstance(item["statement"], str) and len(item["statement"].split()) >= 5
    assert item["citations"], "at least one citation"
    if "approval_year" in item:
        assert item["evidence_type"] == "fda"
    # the id names gene/signature, therapy and scope; SEGA has no OncoTree code of its own (its
    # items are scoped to the parent ENCG) and keeps the name of what the label covers
    suffix = "SEGA" if item["scope"] == ["ENCG"] else item["scope"][0].upper()
    assert item["id"].endswith("-" + suffix)


@pytest.mark.parametrize("where,gene,item", EVIDENCE, ids=[_eid(e[2]) for e in EVIDENCE])
def test_citations_have_one_known_key(where, gene, item):
    for cit in item["citations"]:
        assert len(cit) == 1 and next(iter(cit)) in CITATION_KINDS, cit
        if "pmid" in cit:
            assert isinstance(cit["pmid"], str) and cit["pmid"].isdigit()
        if "civic" in cit:
            assert re.fullmatch(r"EID\d+", cit["civic"])
        if "review" in cit:
            assert re.fullmatch(r"seed, refs? \d+([-,] ?\d+)*", cit["review"]), cit


# ----------------------------------------------------------------------------- cross-references
def test_every_therapy_in_evidence_is_in_therapies_yaml():
    used = {drug for _, _, item in EVIDENCE for drug in item["therapy"]}
    assert sorted(used - set(THERAPIES)) == []


def test_every_therapy_in_therapies_yaml_is_used():
    used = {drug for _, _, item in EVIDENCE for drug in item["therapy"]}
    assert sorted(set(THERAPIES) - used) == []


def test_therapy_entries_have_class_and_only_known_brands():
    for name, entry in THERAPIES.items():
        assert entry["class"], name
        for syn in entry.get("synonyms", []):
            if syn in BRANDS:
                assert BRANDS[syn] == name
            else:
                assert syn == "checkpoint inhibitor", f"{name}: unexpected synonym {syn!r}"


def test_every_trial_in_evidence_is_in_trials_yaml():
    known = {t["nct_id"] for t in TRIALS}
    used = {n for _, _, item in EVIDENCE for n in item.get("trials", [])}
    assert sorted(used - known) == []


def test_trial_entries_shape():
    ids = [t["nct_id"] for t in TRIALS]
    assert len(ids) == len(set(ids))
    gene_names = {p.stem for p in GENE_FILES}
    for t in TRIALS:
        assert NCT_RE.fullmatch(t["nct_id"])
        assert t["title"].strip()
        assert t["phase"] in (None, "1", "1/2", "2", "3")
        assert t["status"] is None and t["status_verified"] is None, "statuses are not verified"
        assert t["tumor_types"]
        assert t["source"]
        for bm in t["biomarkers"]:
            assert bm["gene"] in gene_names
            assert bm["alteration"]["type"] in ALTERATION_TYPES


def test_every_knowledge_md_nct_id_is_a_trial():
    assert _allowed()["nct"] <= {t["nct_id"] for t in TRIALS}


@pytest.mark.parametrize("nct_id", ["NCT01236547", "NCT02657369", "NCT02152137"])
def test_review_atc_trials_without_biomarker(nct_id):
    trial = next(t for t in TRIALS if t["nct_id"] == nct_id)
    assert trial["tumor_types"] == ["THAP"]
    assert trial["biomarkers"] == []


def test_oncotree_codes_exist():
    codes = _oncotree_codes()
    used = set()
    for _, _, item in EVIDENCE:
        used |= set(item["scope"]) | set(item.get("exclude", []))
    for _, _, ann in ANNOTATIONS:
        used |= set(ann["scope"])
    for t in TRIALS:
        used |= set(t["tumor_types"])
    assert sorted(used - codes - {"SOLID"}) == []


# ----------------------------------------------------------------------------- citations
def _all_kb_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in ALL_YAML)


def test_every_pmid_is_allowed():
    allowed = _allowed()["pmid"]
    cited = {c["pmid"] for _, _, item in EVIDENCE for c in item["citations"] if "pmid" in c}
    cited |= {c["pmid"] for _, _, a in ANNOTATIONS for c in a["citations"] if "pmid" in c}
    assert cited and sorted(cited - allowed) == []
    # also catch a PMID written anywhere else (comments, statements)
    loose = set(re.findall(r"pmid:\s*\"?(\d+)", _all_kb_text()))
    assert sorted(loose - allowed) == []


def test_every_nct_id_anywhere_in_the_kb_is_allowed():
    assert sorted(set(NCT_RE.findall(_all_kb_text())) - _allowed()["nct"]) == []


def test_civic_citations_exist_and_agree_with_their_pmid_and_gene():
    rows = _civic_rows()
    for _, gene, item in EVIDENCE + ANNOTATIONS:
        pmids = {c["pmid"] for c in item["citations"] if "pmid" in c}
        for cit in item["citations"]:
            if "civic" not in cit:
                continue
            row = rows[cit["civic"]]
            assert row["citation_id"] in pmids, f"{item['id']}: cite the PMID of {cit['civic']}"
            assert row["molecular_profile"].split()[0] == gene, item["id"]
            for nct in filter(None, row["nct_ids"].split(",")):
                assert nct in item.get("trials", []), f"{item['id']}: trial {nct}"


def test_statements_do_not_copy_civic_text():
    """No run of 7 words from a CIViC statement appears in our own statements."""

    def shingles(text: str, n: int = 7) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9]+", text.lower())
        return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}

    civic = set()
    for row in _civic_rows().values():
        civic |= shingles(row["evidence_statement"])
    texts = [i["statement"] for _, _, i in EVIDENCE + ANNOTATIONS]
    texts += [_load(p)["summary"] for p in GENE_FILES]
    texts += [_load(p)["no_therapy_reason"] or "" for p in GENE_FILES]
    for text in texts:
        assert not shingles(text) & civic, text


LABEL_RE = re.compile(
    r"^(?:(?P<branded>[A-Z][a-z]+ \([a-z]+\)(?: and [A-Z][a-z]+ \([a-z]+\))*)"
    r"|(?P<generic>[a-z]+)) US prescribing information$"
)


def test_label_citations_use_only_given_brands():
    for _, _, item in EVIDENCE:
        for cit in item["citations"]:
            if "label" not in cit:
                continue
            m = LABEL_RE.match(cit["label"])
            assert m, cit["label"]
            if m["generic"]:
                assert m["generic"] in THERAPIES
                assert not any(BRANDS[b] == m["generic"] for b in BRANDS), (
                    f"{cit['label']}: use the brand name KNOWLEDGE.md gives"
                )
            else:
                for brand, drug in re.findall(r"([A-Z][a-z]+) \(([a-z]+)\)", m["branded"]):
                    assert BRANDS.get(brand) == drug, cit["label"]


# ----------------------------------------------------------------------------- KNOWLEDGE.md rows
# (gene or signature, alteration criterion, therapy, scope, exclude, type, direction, year)
V600 = {"type": "variant", "changes": ["V600E"]}
V600EK = {"type": "variant", "changes": ["V600E", "V600K"]}
LOF = {"type": "consequence", "classes": ["loss_of_function"]}
FUSION = {"type": "fusion"}
PIK3CA_ACT = {"type": "hotspot", "changes": ["E542K", "E545K", "H1047R"]}
G12C = {"type": "variant", "changes": ["G12C"]}
REQUIRED_EVIDENCE = [
    ("BRAF", V600, ("dabrafenib", "trametinib"), ["THAP"], [], "fda", "sensitivity", 2018),
    ("BRAF", V600, ("dabrafenib", "trametinib"), ["SOLID"], ["COADREAD"], "fda", "sensitivity",
     2022),
    ("BRAF", V600, ("vemurafenib",), ["THAP"], [], "clinical", "sensitivity", None),
    ("BRAF", V600, ("vemurafenib",), ["THPA"], [], "clinical", "sensitivity", None),
    ("BRAF", V600EK, ("dabrafenib", "trametinib"), ["MEL"], [], "fda", "sensitivity", None),
    # KNOWLEDGE.md says V600E/V600K; the vemurafenib monotherapy label (approval table
    # FDA-0042) is V600E only: narrowed in KB 2026.12.0 (issue 10)
    ("BRAF", V600, ("vemurafenib",), ["MEL"], [], "fda", "sensitivity", None),
    ("BRAF", V600EK, ("encorafenib", "binimetinib"), ["MEL"], [], "fda", "sensitivity", None),
    ("ALK", FUSION, ("crizotinib",), ["THAP"], [], "case", "sensitivity", None),
    ("ALK", FUSION, ("crizotinib",), ["NSCLC"], [], "fda", "sensitivity", None),
    ("ALK", FUSION, ("ceritinib",), ["NSCLC"], [], "fda", "sensitivity", None),
    ("ALK", FUSION, ("alectinib",), ["NSCLC"], [], "fda", "sensitivity", None),
    ("ALK", FUSION, ("brigatinib",), ["NSCLC"], [], "fda", "sensitivity", None),
    ("ALK", FUSION, ("lorlatinib",), ["NSCLC"], [], "fda", "sensitivity", None),
    ("TSC2", LOF, ("everolimus",), ["THAP"], [], "case", "sensitivity", None),
    ("MTOR", {"type": "variant", "changes": ["F2108L"]}, ("everolimus",), ["THAP"], [], "case",
     "resistance", None),
    ("TSC1", LOF, ("everolimus",), ["THAP"], [], "case", "sensitivity", None),
    ("TSC1", LOF, ("everolimus",), ["BLCA"], [], "clinical", "sensitivity", None),
    # SEGA: no OncoTree node; ENCG (Encapsulated Glioma) is the closest parent (see TSC2.yaml)
    ("TSC1", LOF, ("everolimus",), ["ENCG"], [], "fda", "sensitivity", None),
    ("TSC2", LOF, ("everolimus",), ["ENCG"], [], "fda", "sensitivity", None),
    ("RET", FUSION, ("selpercatinib",), ["THYROID"], [], "fda", "sensitivity", 2020),
    ("RET", FUSION, ("selpercatinib",), ["SOLID"], [], "fda", "sensitivity", 2022),
    ("RET", FUSION, ("pralsetinib",), ["THYROID"], [], "fda", "sensitivity", 2020),
    *[
        (gene, FUSION, (drug,), ["SOLID"], [], "fda", "sensitivity", year)
        for gene in ("NTRK1", "NTRK2", "NTRK3")
        for drug, year in (("larotrectinib", 2018), ("entrectinib", 2019), ("repotrectinib", 2024))
    ],
    ("PIK3CA", PIK3CA_ACT, ("alpelisib", "fulvestrant"), ["BRCA"], [], "fda", "sensitivity", 2019),
    ("PIK3CA", PIK3CA_ACT, ("capivasertib", "fulvestrant"), ["BRCA"], [], "fda", "sensitivity",
     2023),
    ("PIK3CA", PIK3CA_ACT, ("inavolisib", "palbociclib", "fulvestrant"), ["BRCA"], [], "fda",
     "sensitivity", 2024),
    ("KRAS", G12C, ("sotorasib",), ["NSCLC"], [], "fda", "sensitivity", 2021),
    ("KRAS", G12C, ("adagrasib",), ["NSCLC"], [], "fda", "sensitivity", 2022),
    ("HRAS", {"type": "hotspot", "changes": []}, ("tipifarnib",), ["HNSC"], [], "clinical",
     "sensitivity", None),
    ("TMB", {"type": "signature", "signature": "TMB", "min": 10}, ("pembrolizumab",), ["SOLID"],
     [], "fda", "sensitivity", 2020),
    ("MSI", {"type": "signature", "signature": "MSI", "values": ["MSI-H"]}, ("pembrolizumab",),
     ["SOLID"], [], "fda", "sensitivity", 2017),
    ("MMR", {"type": "signature", "signature": "MMR", "values": ["deficient"]},
     ("pembrolizumab",), ["SOLID"], [], "fda", "sensitivity", 2017),
    ("MMR", {"type": "signature", "signature": "MMR", "values": ["deficient"]}, ("dostarlimab",),
     ["SOLID"], [], "fda", "sensitivity", 2021),
    ("PDL1_TPS", {"type": "signature", "signature": "PDL1_TPS", "above": 0},
     ("immune checkpoint inhibitor",), ["THAP"], [], "preclinical", "sensitivity", None),
    ("PDL1_CPS", {"type": "signature", "signature": "PDL1_CPS", "above": 0},
     ("immune checkpoint inhibitor",), ["THAP"], [], "preclinical", "sensitivity", None),
]


def _owner(gene, item) -> str:
    return gene if gene is not None else item["alteration"]["signature"]


@pytest.mark.parametrize(
    "gene,alteration,therapy,scope,exclude,etype,direction,year",
    REQUIRED_EVIDENCE,
    ids=[f"{r[0]}-{'+'.join(r[2])}-{'/'.join(r[3])}" for r in REQUIRED_EVIDENCE],
)
def test_knowledge_md_row_is_in_the_kb(gene, alteration, therapy, scope, exclude, etype,
                                      direction, year):
    found = [
        item for _, g, item in EVIDENCE
        if _owner(g, item) == gene and tuple(item["therapy"]) == therapy
        and item["scope"] == scope and item["alteration"] == alteration
        and item["evidence_type"] == etype and item["direction"] == direction
    ]
    assert len(found) == 1, f"expected one item, found {[i['id'] for i in found]}"
    item = found[0]
    assert item.get("exclude", []) == exclude
    assert item.get("approval_year") == year


def test_no_unlisted_evidence_items():
    """Every evidence item answers to a KNOWLEDGE.md row (new items need a new row here)."""
    required = {
        (r[0], r[2], tuple(r[3]), r[5], r[6]) for r in REQUIRED_EVIDENCE
    }
    extra = [
        item["id"] for _, g, item in EVIDENCE
        if (_owner(g, item), tuple(item["therapy"]), tuple(item["scope"]),
            item["evidence_type"], item["direction"]) not in required
    ]
    assert extra == []


def test_braf_non_v600_is_never_matched_to_v600_inhibitors():
    for _, gene, item in EVIDENCE:
        if gene == "BRAF":
            assert item["alteration"]["type"] == "variant"
            assert set(item["alteration"]["changes"]) <= {"V600E", "V600K"}


def test_tsc2_statement_names_q1178_stop():
    item = next(i for _, _, i in EVIDENCE if i["id"] == "TSC2-LOF-EVEROLIMUS-THAP")
    assert "Q1178*" in item["statement"]
    assert {"pmid": "25295501"} in item["citations"]


def test_pdl1_evidence_is_marked_investigational():
    for _, _, item in EVIDENCE:
        if item["alteration"].get("signature", "").startswith("PDL1"):
            assert "investigational" in item["statement"].lower()


# ----------------------------------------------------------------------------- no-therapy genes
@pytest.mark.parametrize("gene", ["TP53", "TERT", "NRAS", "HRAS", "KRAS"])
def test_genes_without_targeted_therapy_say_so(gene):
    doc = _load(KB / "genes" / f"{gene}.yaml")
    reason = (doc["no_therapy_reason"] or "").lower()
    assert "no" in reason and "therapy" in reason


def test_tp53_is_a_tumor_suppressor_without_evidence():
    doc = _load(KB / "genes" / "TP53.yaml")
    assert doc["role"] == "tumor_suppressor"
    assert doc["evidence"] == []
    assert "not a reason to delay treatment" in doc["no_therapy_reason"].lower()
    assert any("review" in c for a in doc["annotations"] for c in a["citations"])


@pytest.mark.parametrize("gene", ["NRAS", "HRAS", "KRAS"])
def test_ras_reasons_mention_thyroid_and_trials(gene):
    reason = _load(KB / "genes" / f"{gene}.yaml")["no_therapy_reason"].lower()
    assert "thyroid" in reason and "trials may apply" in reason


def test_tert_promoter_is_prognostic_in_thyroid():
    doc = _load(KB / "genes" / "TERT.yaml")
    assert doc["evidence"] == []
    (ann,) = doc["annotations"]
    assert ann["kind"] == "prognostic"
    assert ann["scope"] == ["THYROID"]
    assert ann["alteration"] == {"type": "variant", "changes": ["C228T", "C250T"]}
    pmids = {c["pmid"] for c in ann["citations"] if "pmid" in c}
    assert pmids == {"23766237", "25024077"}


def test_annotations_shape():
    for _, _, ann in ANNOTATIONS:
        assert ann["kind"] in ANNOTATION_KINDS
        assert ann["statement"].strip() and ann["citations"]


# ----------------------------------------------------------------------------- sample reports
SAMPLE_FILES = sorted(SAMPLES.glob("*.json"))
TOP_KEYS = {"report_id", "tumor_type", "genome_build", "lab", "patient", "specimen", "variants",
            "fusions", "copy_number", "biomarkers"}
VARIANT_KEYS = {"gene", "protein_change", "cdna_change", "transcript", "chrom", "pos", "ref",
                "alt", "vaf", "depth", "origin"}
FUSION_KEYS = {"five_prime_gene", "three_prime_gene", "fusion", "five_prime_exon",
               "three_prime_exon", "supporting_reads"}
CNV_KEYS = {"gene", "state", "copies"}
BIOMARKER_KEYS = {"tmb", "msi", "mmr", "pdl1_tps", "pdl1_cps"}


def test_there_are_at_least_eight_samples_all_documented():
    assert len(SAMPLE_FILES) >= 8
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for path in SAMPLE_FILES:
        assert f"`{path.name}`" in readme


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_sample_report_shape(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert set(doc) <= TOP_KEYS and doc["report_id"]
    assert doc["patient"]["id"].startswith("DEMO-"), "sample patients must be obviously fake"
    assert doc["tumor_type"] in _oncotree_codes() | _oncotree_names()
    has_coords = False
    for var in doc.get("variants", []):
        assert set(var) <= VARIANT_KEYS
        coords = {"chrom", "pos", "ref", "alt"} <= set(var)
        has_coords |= coords
        assert coords or ("gene" in var and ("protein_change" in var or "cdna_change" in var))
        assert 0 < var["vaf"] <= 1 and var["depth"] > 0
        assert var["origin"] in ("somatic", "germline")
    if has_coords:
        assert doc["genome_build"] in ("GRCh37", "GRCh38")
    for fus in doc.get("fusions", []):
        assert set(fus) <= FUSION_KEYS
        assert "fusion" in fus or {"five_prime_gene", "three_prime_gene"} <= set(fus)
    for cnv in doc.get("copy_number", []):
        assert set(cnv) <= CNV_KEYS
        assert cnv["state"] in ("amplification", "gain", "loss", "deep_deletion")
    bio = doc.get("biomarkers", {})
    assert set(bio) <= BIOMARKER_KEYS
    assert bio.get("msi") in (None, "MSI-H", "MSI-L", "MSS")
    assert bio.get("mmr") in (None, "deficient", "proficient")


def test_grch38_coordinate_sample_is_braf_v600e():
    doc = json.loads((SAMPLES / "atc_braf_v600e_grch38_coords.json").read_text(encoding="utf-8"))
    (var,) = doc["variants"]
    assert doc["genome_build"] == "GRCh38"
    assert (var["chrom"], var["pos"], var["ref"], var["alt"]) == ("chr7", 140753336, "A", "T")
