"""GET /v1/reports/{id} as FHIR, and re-matched under the current KB (?kb=current)."""

from __future__ import annotations

import shutil
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle

from matcher.kb.loader import load_kb
from tests.service_helpers import sample_bytes

pytest_plugins = ("tests.conftest_service",)

ROOT = Path(__file__).resolve().parent.parent


def submit(client, auth, name="atc_braf_v600e.json"):
    resp = client.post("/v1/reports", data=sample_bytes(name), headers=auth,
                       content_type="application/json")
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["report_id"]


def test_fhir_by_query_and_by_accept_header(client, auth):
    rid = submit(client, auth)
    for resp in (client.get(f"/v1/reports/{rid}?format=fhir", headers=auth),
                 client.get(f"/v1/reports/{rid}",
                            headers={**auth, "Accept": "application/fhir+json"})):
        assert resp.status_code == 200 and resp.mimetype == "application/fhir+json"
        bundle = Bundle.model_validate(resp.get_json())
        kinds = [e.resource.get_resource_type() for e in bundle.entry]
        assert "DiagnosticReport" in kinds and kinds.count("Observation") >= 3
    plain = client.get(f"/v1/reports/{rid}", headers=auth)
    assert plain.mimetype == "application/json" and "result" in plain.get_json()


def test_fhir_of_another_labs_report_is_404(client, auth, new_key):
    rid = submit(client, auth)
    other = new_key("lab-b")
    assert client.get(f"/v1/reports/{rid}?format=fhir", headers=other).status_code == 404


def test_bad_format_is_a_field_error(client, auth):
    rid = submit(client, auth)
    resp = client.get(f"/v1/reports/{rid}?format=pdf", headers=auth)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert "format" in resp.get_data(as_text=True)


def test_kb_current_shows_a_relevelled_option_without_touching_the_stored_result(
        make_app, kb, tmp_path, new_key):
    old_app = make_app()
    auth = {"Authorization": new_key("lab-a")["Authorization"]}
    rid = submit(old_app.test_client(), auth)
    stored = old_app.test_client().get(f"/v1/reports/{rid}", headers=auth).get_json()

    # KB version N+1: the ATC vemurafenib evidence is demoted from clinical to preclinical.
    kb_copy = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledgebase", kb_copy)
    braf = kb_copy / "genes" / "BRAF.yaml"
    text = braf.read_text()
    head, rest = text.split("id: BRAF-V600E-VEMURAFENIB-THAP", 1)
    braf.write_text(head + "id: BRAF-V600E-VEMURAFENIB-THAP"
                    + rest.replace("evidence_type: clinical", "evidence_type: preclinical", 1))
    shipped = load_kb(ROOT / "knowledgebase", imported=False).version
    following = shipped.rsplit(".", 1)[0] + f".{int(shipped.rsplit('.', 1)[1]) + 1}"
    (kb_copy / "kb.yaml").write_text((kb_copy / "kb.yaml").read_text()
                                     .replace(shipped, following))
    new_kb = load_kb(kb_copy, imported=False)
    new_app = make_app()
    new_app.extensions["matcher"].kb = new_kb

    resp = new_app.test_client().get(f"/v1/reports/{rid}?kb=current", headers=auth)
    doc = resp.get_json()
    assert resp.status_code == 200
    assert doc["result"] == stored["result"], "the stored result is served unchanged"
    assert doc["current_kb"]["kb_version"] == following != stored["result"]["kb_version"]
    vem = next(o for o in doc["current_kb"]["result"]["therapy_options"]
               if o["name"] == "vemurafenib")
    assert vem["level"] != "3A"
    assert "vemurafenib" in str(doc["current_kb"]["diff"])
