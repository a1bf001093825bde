"""FHIR R4 Genomics Bundle: validates with fhir.resources, references resolve, IG codes present."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from fhir.resources.R4B import __fhir_version__ as R4B_VERSION
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from matcher.model import Alteration, AlterationOutcome, SignatureDetail
from matcher.render.fhir import to_fhir
from tests import render_fixtures as fx

LOINC = "http://loinc.org"


def validate(bundle: dict) -> Bundle:
    """Parse with the R4B models (fhir.resources' default package is R5)."""
    return Bundle.model_validate(copy.deepcopy(bundle))


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def component(obs: dict, code: str) -> list[dict]:
    return [c for c in obs.get("component", [])
            if any(cd.get("code") == code for cd in c["code"].get("coding", []))]


def loinc_code(obs: dict) -> str | None:
    codings = obs["code"].get("coding", [])
    return codings[0]["code"] if codings else None


def test_models_are_fhir_4() -> None:
    assert R4B_VERSION.startswith("4.")


@pytest.mark.parametrize("name", [*fx.ALL, "hostile"])
def test_every_bundle_validates(name: str) -> None:
    result = fx.hostile() if name == "hostile" else fx.ALL[name]
    bundle = to_fhir(result)
    parsed = validate(bundle)
    assert parsed.type == "collection"
    json.dumps(bundle)  # JSON-ready


def test_validation_is_real() -> None:
    bundle = to_fhir(fx.ATC_BRAF)
    obs = resources(bundle, "Observation")[0]
    del obs["status"]  # Observation.status is 1..1
    with pytest.raises(ValidationError):
        validate(bundle)


def test_report_references_every_observation() -> None:
    bundle = to_fhir(fx.ATC_BRAF)
    (report,) = resources(bundle, "DiagnosticReport")
    urls = {e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"}
    assert {r["reference"] for r in report["result"]} == urls
    assert len(urls) == 4 + 2  # four alterations, two therapy options
    assert report["code"]["coding"][0] == {"system": LOINC, "code": "51969-4",
                                           "display": "Genetic analysis report"}
    assert report["category"][0]["coding"][0]["code"] == "GE"
    assert report["identifier"] == [{"value": "RPT-ATC-0001"}]
    assert report["issued"] == "2026-11-27T03:00:00Z"
    assert "Anaplastic Thyroid Cancer (THAP)" in report["conclusion"]
    assert "Decision support for a qualified clinician" in report["conclusion"]
    assert "Tumor content 20%" in report["conclusion"]


def test_patient_is_the_subject_of_the_report_and_every_observation() -> None:
    bundle = to_fhir(fx.ATC_BRAF)
    (patient,) = resources(bundle, "Patient")
    assert patient["identifier"] == [{"value": "PT-4471",
                                      "assigner": {"display": "Example Molecular Lab"}}]
    url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is patient)
    subjects = [r["subject"] for r in bundle_resources(bundle)
                if r["resourceType"] in ("DiagnosticReport", "Observation")]
    assert len(subjects) == 1 + 4 + 2
    assert all(s == {"reference": url, "identifier": {
        "value": "PT-4471", "assigner": {"display": "Example Molecular Lab"}}} for s in subjects)
    assert to_fhir(fx.ATC_BRAF) == bundle  # stable ids


def test_no_patient_no_subject() -> None:
    bundle = to_fhir(fx.EMPTY)
    assert not resources(bundle, "Patient")
    assert not any("subject" in r for r in bundle_resources(bundle))


def bundle_resources(bundle: dict) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]]


def test_variant_observation_has_gene_hgvs_coordinates_and_build() -> None:
    bundle = to_fhir(fx.ATC_BRAF)
    variants = [o for o in resources(bundle, "Observation") if loinc_code(o) == "69548-6"]
    braf = next(o for o in variants if o["code"]["text"] == "BRAF V600E")
    assert braf["valueCodeableConcept"]["coding"][0]["code"] == "LA9633-4"  # Present
    assert component(braf, "48018-6")[0]["valueCodeableConcept"]["text"] == "BRAF"
    c_hgvs = component(braf, "48004-6")[0]["valueCodeableConcept"]["coding"][0]
    assert c_hgvs == {"system": "http://varnomen.hgvs.org", "code": "NM_004333.4:c.1799T>A",
                      "display": "NM_004333.4:c.1799T>A"}
    p_hgvs = component(braf, "48005-3")[0]["valueCodeableConcept"]["coding"][0]
    assert p_hgvs["code"] == "p.Val600Glu"
    assert component(braf, "81254-5")[0]["valueRange"] == {"low": {"value": 140453136},
                                                          "high": {"value": 140453136}}
    assert component(braf, "62374-4")[0]["valueCodeableConcept"]["coding"][0]["code"] \
        == "LA14029-5"  # GRCh37
    assert component(braf, "69547-8")[0]["valueString"] == "A"
    assert component(braf, "69551-0")[0]["valueString"] == "T"
    assert component(braf, "48002-0")[0]["valueCodeableConcept"]["coding"][0]["code"] \
        == "LA6684-0"  # somatic
    assert component(braf, "81258-6")[0]["valueQuantity"]["value"] == 0.31


def test_filtered_and_unassessable_calls_have_no_value_but_a_reason() -> None:
    bundle = to_fhir(fx.ATC_BRAF)
    by_label = {o["code"].get("text"): o for o in resources(bundle, "Observation")}
    pik3ca = by_label["PIK3CA E545K"]
    assert "valueCodeableConcept" not in pik3ca
    assert "VAF 1.2% below the 5% reporting threshold" in pik3ca["dataAbsentReason"]["text"]
    assert "not known to HGNC" in by_label["FOO1 c.100A>G"]["dataAbsentReason"]["text"]
    tp53 = by_label["TP53 R248Q"]
    assert tp53["valueCodeableConcept"]["coding"][0]["code"] == "LA9633-4"
    assert any("not a reason to delay treatment" in n["text"] for n in tp53["note"])


def test_therapeutic_implication_per_option() -> None:
    bundle = to_fhir(fx.ATC_BRAF)
    implications = [o for o in resources(bundle, "Observation")
                    if o["code"]["coding"][0]["code"] == "therapeutic-implication"]
    assert len(implications) == 2
    dt = implications[0]
    assert [c["valueCodeableConcept"]["text"] for c in component(dt, "51963-7")] \
        == ["dabrafenib", "trametinib"]
    level = component(dt, "93044-6")[0]["valueCodeableConcept"]["text"]
    assert level.startswith("Matcher level 1 (Tier I, level A)")
    effect = dt["component"][3]["valueCodeableConcept"]["coding"][0]
    assert effect["code"] == "LA9661-5"  # Presumed responsive
    tumor = component(dt, "81259-4")[0]["valueCodeableConcept"]
    assert tumor["coding"][0]["code"] == "THAP" and tumor["text"] == "Anaplastic Thyroid Cancer"
    urls = [x["valueRelatedArtifact"].get("url") for x in dt["extension"]]
    assert "https://pubmed.ncbi.nlm.nih.gov/29072975/" in urls
    braf_url = next(e["fullUrl"] for e in bundle["entry"]
                    if e["resource"]["code"].get("text") == "BRAF V600E")
    assert dt["derivedFrom"] == [{"reference": braf_url}]


def test_resistance_becomes_a_presumed_resistant_implication() -> None:
    bundle = to_fhir(fx.TSC2_MTOR)
    validate(bundle)
    resistant = [o for o in resources(bundle, "Observation")
                 if any(c["valueCodeableConcept"].get("coding", [{}])[0].get("code") == "LA9660-7"
                        for c in o.get("component", []) if "valueCodeableConcept" in c)]
    assert len(resistant) == 1
    assert "Matcher level R2" in component(resistant[0], "93044-6")[0]["valueCodeableConcept"][
        "text"]


def test_unsafe_urls_never_reach_the_bundle() -> None:
    text = json.dumps(to_fhir(fx.hostile()))
    assert "javascript:" not in text.lower().replace("warning: javascript:alert(1)", "")
    assert "data:text/html" not in text


def test_same_result_same_bundle() -> None:
    assert to_fhir(fx.ATC_BRAF) == to_fhir(fx.ATC_BRAF)


def test_signatures() -> None:
    tmb = Alteration(id="s1", kind="signature", gene=None, label="TMB 12 mut/Mb",
                     original="TMB 12", source="biomarkers.tmb",
                     signature=SignatureDetail(name="TMB", value=12.0, unit="mut/Mb"))
    msi = Alteration(id="s2", kind="signature", gene=None, label="MSI-H", original="MSI-H",
                     source="biomarkers.msi", signature=SignatureDetail(name="MSI", value="MSI-H"))
    pdl1 = Alteration(id="s3", kind="signature", gene=None, label="PD-L1 TPS 60%",
                      original="60", source="biomarkers.pdl1_tps",
                      signature=SignatureDetail(name="PDL1_TPS", value=60.0, unit="%"))
    result = dataclasses.replace(fx.EMPTY, alterations=tuple(
        AlterationOutcome(a, "no_evidence", "test") for a in (tmb, msi, pdl1)))
    bundle = to_fhir(result)
    validate(bundle)
    obs = resources(bundle, "Observation")
    assert loinc_code(obs[0]) == "94076-7" and obs[0]["valueQuantity"]["value"] == 12.0
    assert loinc_code(obs[1]) == "81695-9" and obs[1]["valueCodeableConcept"]["text"] == "MSI-H"
    assert obs[2]["code"] == {"text": "PD-L1 TPS 60%"} and obs[2]["valueQuantity"]["value"] == 60


def test_fusion_and_copy_number() -> None:
    from matcher.model import CopyNumberDetail, FusionDetail

    fusion = Alteration(id="f1", kind="fusion", gene="ALK", label="EML4::ALK",
                        original="EML4-ALK", source="fusions[0]",
                        fusion=FusionDetail(five_prime="EML4", three_prime="ALK",
                                            order_known=True, kinase_gene="ALK"))
    amp = Alteration(id="c1", kind="copy_number", gene="MET", label="MET amplification",
                     original="MET amp", source="copy_numbers[0]",
                     copy_number=CopyNumberDetail(state="amplification", copies=12.0))
    result = dataclasses.replace(fx.EMPTY, alterations=(
        AlterationOutcome(fusion, "no_evidence", "test"),
        AlterationOutcome(amp, "no_evidence", "test")))
    bundle = to_fhir(result)
    validate(bundle)
    fus, cnv = resources(bundle, "Observation")
    assert [c["valueCodeableConcept"]["text"] for c in component(fus, "48018-6")] \
        == ["EML4", "ALK"]
    assert component(cnv, "82155-3")[0]["valueQuantity"] == {"value": 12.0}
    assert component(cnv, "48018-6")[0]["valueCodeableConcept"]["text"] == "MET"


def test_many_calls_sharing_a_reason_are_counted_not_listed_one_by_one() -> None:
    """A raw exome VCF: thousands of calls without therapy in one gene would be thousands of
    Observations (151 MB for a 30,000-call file); past the grouping limit they are counted in
    the conclusion, calls with a reason of their own keep their Observation, and the bundle
    still validates."""
    def many(n: int):
        why = "No targeted-therapy evidence for RNF223 in the knowledge base."
        return tuple(AlterationOutcome(
            Alteration(id=f"N{i}", kind="variant", gene="RNF223",
                       label=f"RNF223 1:{1006000 + i} A>G", original=f"1:{1006000 + i} A>G",
                       source=f"line {i}"), "no_evidence", why) for i in range(n))

    base = to_fhir(fx.ATC_BRAF)
    result = dataclasses.replace(fx.ATC_BRAF, alterations=fx.ATC_BRAF.alterations + many(500))
    bundle = to_fhir(result)
    validate(bundle)
    assert len(resources(bundle, "Observation")) == len(resources(base, "Observation"))
    (report,) = resources(bundle, "DiagnosticReport")
    assert "500 calls in RNF223" in report["conclusion"]
    assert "the JSON result lists every call" in report["conclusion"]
    few = dataclasses.replace(fx.ATC_BRAF, alterations=fx.ATC_BRAF.alterations + many(3))
    assert len(resources(to_fhir(few), "Observation")) == len(resources(base, "Observation")) + 3
