"""The API answers as docs/openapi.json says (issue 12, "the contract LIMS code against").

Every operation of the committed document is called on a running app (Flask's test client):
each success and each documented error status. Each real response is validated with
openapi-core against the committed document (a problem body against a copy of it whose Problem
schema is closed, so an undocumented extension member fails); each request that should succeed
is validated too (the lab JSON against the published LabReport schema, the form against
SubmitForm). Whatever schema the match result has in the document is what its responses are
held to. A last test checks that the cases cover every documented status of every operation.
"""

from __future__ import annotations

import copy
import io
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.testing import MockRequest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from matcher.service.app import create_app
from matcher.service.auth import create_key
from tests.service_helpers import ROOT, SAMPLES, sample_bytes

DOC_PATH = ROOT / "docs" / "openapi.json"
DOC = json.loads(DOC_PATH.read_text())
JSON_TYPES = {t: json.loads for t in ("application/problem+json", "application/fhir+json")}
OPERATIONS = {op["operationId"]: (method, path) for path, ops in DOC["paths"].items()
              for method, op in ops.items() if method != "parameters"}


def _closed_problem(doc: dict) -> dict:
    """The document with its Problem schema closed: every member a problem carries must be one
    it documents (the published schema stays open, as RFC 9457 asks of clients)."""
    doc = copy.deepcopy(doc)
    doc["components"]["schemas"]["Problem"]["additionalProperties"] = False
    return doc


SPEC = OpenAPI.from_dict(_closed_problem(DOC),
                         config=Config(extra_media_type_deserializers=JSON_TYPES))


@dataclass
class Apps:
    main: object
    small: object  # tight size limits: the 413 answers
    unmigrated: object  # no tables: /readyz is 503
    auth: dict[str, str]
    small_auth: dict[str, str]
    ambiguous_gene: str
    trial: str


def _app(path: Path, kb, **overrides):  # noqa: ANN001, ANN202
    return create_app({"DATABASE_URL": f"sqlite:///{path}", "LOG_LEVEL": "ERROR", **overrides},
                      kb=kb)


def _ambiguous_symbol(kb) -> str:  # noqa: ANN001
    from matcher.errors import AmbiguousGeneError

    for symbol in sorted(kb.hgnc._alias):  # an HGNC alias of several genes
        try:
            kb.hgnc.resolve(symbol)
        except AmbiguousGeneError:
            return symbol
    raise AssertionError("HGNC table without an ambiguous alias")


@pytest.fixture(scope="module")
def apps(tmp_path_factory, kb):
    from matcher.service import rematch_jobs as rj

    tmp = tmp_path_factory.mktemp("contract")
    main = _app(tmp / "main.sqlite3", kb)
    small = _app(tmp / "small.sqlite3", kb, MAX_CONTENT_LENGTH=20_000, MAX_RESULT_BYTES=2_000)
    unmigrated = _app(tmp / "empty.sqlite3", kb)
    for app in (main, small):
        app.extensions["matcher"].store.migrate()
    store = main.extensions["matcher"].store
    auth = {"Authorization": "Bearer " + create_key(store, "lab-a").key}
    small_auth = {"Authorization": "Bearer " + create_key(
        small.extensions["matcher"].store, "lab-a").key}
    # one stored report with a re-interpretation record, for the GETs of stored things
    stored = main.test_client().post("/v1/reports", data=sample_bytes(), headers=auth,
                                     content_type="application/json")
    assert stored.status_code == 201, stored.json
    untyped = main.test_client().post("/v1/reports?report_id=AMEND-1", data=VCF, headers=auth,
                                      content_type="application/octet-stream")
    assert untyped.status_code == 201, untyped.json  # amended by a case below
    rj.work(store, kb, rj.ensure_job(store, kb))
    # a KB trial the stored report meets (so the listing has an item), else any
    cited = [t["nct_id"] for t in stored.json["result"].get("trials", [])
             if isinstance(t, dict) and t.get("nct_id") in kb.trials]
    trial = cited[0] if cited else sorted(kb.trials)[0]
    yield Apps(main, small, unmigrated, auth, small_auth, _ambiguous_symbol(kb), trial)
    for app in (main, small, unmigrated):
        app.extensions["matcher"].store.engine.dispose()


@dataclass(frozen=True)
class Case:
    """One request: the operation it is, the status it must get, and how to send it."""

    name: str
    operation: str
    status: int
    path: str
    method: str = "GET"
    body: bytes | None = None
    content_type: str | None = None
    app: str = "main"
    auth: bool = True
    headers: tuple[tuple[str, str], ...] = ()


def _multipart(fields: dict[str, object]) -> tuple[bytes, str]:
    """A multipart/form-data body: (bytes, file name) values are file parts."""
    data = MultiDict({k: FileStorage(io.BytesIO(v[0]), filename=v[1]) if isinstance(v, tuple)
                      else v for k, v in fields.items()})
    boundary, body = encode_multipart(data, boundary="contract-test-boundary")
    return body, f"multipart/form-data; boundary={boundary}"


def _lab_json(**changes) -> bytes:
    doc = json.loads(sample_bytes())
    doc.update(changes)
    return json.dumps(doc).encode()


VCF = (SAMPLES / "atc_braf_v600e.grch37.vcf").read_bytes()
FORM, FORM_TYPE = _multipart({"file": (VCF, "t.vcf"), "tumor_type": "THAP",
                              "report_id": "FORM-1"})
BAD_FORM, BAD_FORM_TYPE = _multipart({"tumor_type": "THAP"})
MAF_FORM, MAF_FORM_TYPE = _multipart({
    "file": ((SAMPLES / "multi_sample.grch37.maf").read_bytes(), "cohort.maf"),
    "clinical": ((SAMPLES / "multi_sample.clinical.tsv").read_bytes(), "clinical.tsv"),
    "sample": "DEMO-M1"})
RID = "DEMO-RPT-0001"

CASES = [
    Case("health", "getHealth", 200, "/healthz", auth=False),
    Case("ready", "getReadiness", 200, "/readyz", auth=False),
    Case("not ready", "getReadiness", 503, "/readyz", app="unmigrated", auth=False),
    # submitting
    Case("lab json, new", "submitReport", 201, "/v1/reports", "POST",
         _lab_json(report_id="NEW-1"), "application/json"),
    Case("lab json, identical", "submitReport", 200, "/v1/reports", "POST", sample_bytes(),
         "application/json"),
    Case("lab json, different content", "submitReport", 409, "/v1/reports", "POST",
         _lab_json(tumor_type="MEL"), "application/json"),
    Case("lab json, invalid", "submitReport", 422, "/v1/reports", "POST",
         _lab_json(variants=[{"gene": "BRAF", "protein_change": "V600E", "vaf": "high"}]),
         "application/json"),
    Case("multipart VCF", "submitReport", 201, "/v1/reports", "POST", FORM, FORM_TYPE),
    Case("multipart MAF with its clinical sidecar", "submitReport", 201, "/v1/reports", "POST",
         MAF_FORM, MAF_FORM_TYPE),
    Case("multipart without file", "submitReport", 422, "/v1/reports", "POST", BAD_FORM,
         BAD_FORM_TYPE),
    Case("raw VCF", "submitReport", 201, "/v1/reports?tumor_type=THAP&report_id=RAW-1"
         "&filename=t.vcf", "POST", VCF, "application/octet-stream"),
    Case("raw VCF, tumor type added", "submitReport", 201,
         "/v1/reports?tumor_type=THAP&report_id=AMEND-1", "POST", VCF,
         "application/octet-stream"),
    Case("raw text VCF", "submitReport", 201, "/v1/reports?tumor_type=THAP&report_id=TXT-1",
         "POST", VCF, "text/plain"),
    Case("body over the limit", "submitReport", 413, "/v1/reports", "POST",
         _lab_json(lab="x" * 30_000), "application/json", app="small"),
    Case("result over the limit", "submitReport", 413, "/v1/reports", "POST", sample_bytes(),
         "application/json", app="small"),
    Case("submit without key", "submitReport", 401, "/v1/reports", "POST", sample_bytes(),
         "application/json", auth=False),
    # reading
    Case("list", "listReports", 200, "/v1/reports?page_size=5"),
    Case("list, bad date", "listReports", 422, "/v1/reports?since=yesterday"),
    Case("list without key", "listReports", 401, "/v1/reports", auth=False),
    Case("get", "getReport", 200, f"/v1/reports/{RID}"),
    Case("get under the current KB", "getReport", 200, f"/v1/reports/{RID}?kb=current"),
    Case("get as FHIR", "getReport", 200, f"/v1/reports/{RID}?format=fhir"),
    Case("get as FHIR by Accept", "getReport", 200, f"/v1/reports/{RID}",
         headers=(("Accept", "application/fhir+json"),)),
    Case("get, unknown", "getReport", 404, "/v1/reports/NOPE-1"),
    Case("get, bad version", "getReport", 422, f"/v1/reports/{RID}?version=0"),
    Case("get without key", "getReport", 401, f"/v1/reports/{RID}", auth=False),
    Case("summary", "getReportSummary", 200, f"/v1/reports/{RID}/summary"),
    Case("summary, unknown", "getReportSummary", 404, "/v1/reports/NOPE-1/summary"),
    Case("summary, bad version", "getReportSummary", 422, f"/v1/reports/{RID}/summary?version=x"),
    Case("summary without key", "getReportSummary", 401, f"/v1/reports/{RID}/summary",
         auth=False),
    # knowledge base
    Case("kb", "getKnowledgeBase", 200, "/v1/knowledgebase"),
    Case("kb without key", "getKnowledgeBase", 401, "/v1/knowledgebase", auth=False),
    Case("gene", "getGeneEntry", 200, "/v1/knowledgebase/genes/BRAF"),
    Case("gene, unknown", "getGeneEntry", 404, "/v1/knowledgebase/genes/NOTAGENE1"),
    Case("gene, ambiguous", "getGeneEntry", 422, "/v1/knowledgebase/genes/{ambiguous}"),
    Case("gene without key", "getGeneEntry", 401, "/v1/knowledgebase/genes/BRAF", auth=False),
    Case("tumor types", "searchTumorTypes", 200, "/v1/tumor-types?q=thyroid"),
    Case("tumor types, no query", "searchTumorTypes", 422, "/v1/tumor-types"),
    Case("tumor types without key", "searchTumorTypes", 401, "/v1/tumor-types?q=x", auth=False),
    # cohort questions
    Case("alterations", "listAlterations", 200, "/v1/alterations?gene=BRAF"),
    Case("alterations, bad kind", "listAlterations", 422, "/v1/alterations?kind=other"),
    Case("alterations without key", "listAlterations", 401, "/v1/alterations", auth=False),
    Case("trial reports", "listTrialReports", 200, "/v1/trials/{trial}/reports"),
    Case("trial reports, unknown", "listTrialReports", 404, "/v1/trials/NCT00000000/reports"),
    Case("trial reports, bad page", "listTrialReports", 422, "/v1/trials/{trial}/reports?page=0"),
    Case("trial reports without key", "listTrialReports", 401, "/v1/trials/{trial}/reports",
         auth=False),
    Case("reinterpretations", "listReinterpretations", 200, "/v1/reinterpretations"),
    Case("reinterpretations, bad change", "listReinterpretations", 422,
         "/v1/reinterpretations?change=other"),
    Case("reinterpretations without key", "listReinterpretations", 401,
         "/v1/reinterpretations", auth=False),
    Case("reinterpretation", "getReinterpretation", 200, f"/v1/reinterpretations/{RID}"),
    Case("reinterpretation, unknown", "getReinterpretation", 404,
         "/v1/reinterpretations/NOPE-1"),
    Case("reinterpretation, bad format", "getReinterpretation", 422,
         f"/v1/reinterpretations/{RID}?format=xml"),
    Case("reinterpretation without key", "getReinterpretation", 401,
         f"/v1/reinterpretations/{RID}", auth=False),
]


def _send(apps: Apps, case: Case):  # noqa: ANN202
    app = getattr(apps, case.app)
    path = case.path.format(ambiguous=apps.ambiguous_gene, trial=apps.trial)
    headers = dict(case.headers)
    if case.auth:
        headers.update(apps.small_auth if case.app == "small" else apps.auth)
    resp = app.test_client().open(path, method=case.method, data=case.body,
                                  content_type=case.content_type, headers=headers)
    url = urlsplit(path)
    request = MockRequest("http://localhost", case.method.lower(), url.path,
                          args=dict(parse_qsl(url.query)), headers=headers, data=case.body,
                          content_type=case.content_type or "application/json")
    return request, resp


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"a key twice in one object: {sorted(keys)}"
    return dict(pairs)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_real_response_conforms_to_the_document(apps, case):
    request, resp = _send(apps, case)
    assert resp.status_code == case.status, resp.get_data(as_text=True)[:500]
    method, path = OPERATIONS[case.operation]
    assert SPEC.spec / "paths" / path / method  # the case is the operation it says
    # status, content type (documented ones only), headers and body, as the document says
    SPEC.validate_response(request, WerkzeugOpenAPIResponse(resp))
    if case.name == "raw VCF, tumor type added":
        assert resp.json["amendment"]["replaces_version"] == 1
    if 200 <= case.status < 300:  # what we sent is what the document describes
        SPEC.validate_request(request)
    if resp.mimetype.endswith("json"):  # no object names a key twice (?kb=current did)
        json.loads(resp.get_data(), object_pairs_hook=_unique_keys)
    if resp.status_code >= 400:
        assert resp.mimetype == "application/problem+json"
        assert resp.json["status"] == resp.status_code


def test_the_cases_cover_every_documented_status_of_every_operation():
    documented = {(op["operationId"], int(status))
                  for ops in DOC["paths"].values() for method, op in ops.items()
                  if method != "parameters" for status in op["responses"] if status != "default"}
    exercised = {(c.operation, c.status) for c in CASES}
    assert documented <= exercised, sorted(documented - exercised)
    for op in OPERATIONS:  # a success of each, and an error of each that can fail
        statuses = {s for o, s in exercised if o == op}
        assert any(s < 300 for s in statuses), op
        method, path = OPERATIONS[op]
        if set(DOC["paths"][path][method]["responses"]) - {"200", "201", "default"}:
            assert any(s >= 400 for s in statuses), op


def test_every_operation_has_a_unique_operation_id():
    ids = [op.get("operationId") for ops in DOC["paths"].values()
           for method, op in ops.items() if method != "parameters"]
    assert None not in ids and len(ids) == len(set(ids))


def test_the_lab_json_schema_is_the_one_the_reader_validates_with(apps):
    """Every sample lab JSON report is valid under the published LabReport schema, and each
    field the reader refuses is refused by the schema too (same marshmallow classes)."""
    from matcher.readers.labjson import LabReportSchema

    schemas = DOC["components"]["schemas"]
    assert set(schemas["LabReport"]["properties"]) == set(LabReportSchema().fields)
    for sample in sorted(SAMPLES.glob("*.json")):
        request = MockRequest("http://localhost", "post", "/v1/reports", headers=apps.auth,
                              data=sample.read_bytes())
        SPEC.validate_request(request)
    bad = MockRequest("http://localhost", "post", "/v1/reports", headers=apps.auth,
                      data=_lab_json(variants=[{"gene": "BRAF", "chrom": "chr7x"}]))
    with pytest.raises(Exception, match="[Bb]ody"):
        SPEC.validate_request(bad)


def test_committed_document_is_what_the_generator_prints():
    proc = subprocess.run([sys.executable, "-m", "matcher.service.openapi"],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(proc.stdout) == DOC, (
        "docs/openapi.json is stale: `python -m matcher.service.openapi > docs/openapi.json`")


def test_document_passes_strict_openapi_validation():
    from openapi_spec_validator import OpenAPIV30SpecValidator

    errors = [e.message for e in OpenAPIV30SpecValidator(DOC).iter_errors()]
    assert errors == []


@pytest.mark.slow
def test_a_client_generator_accepts_the_document(tmp_path):
    """openapi-python-client builds a client from the document, without warnings, offline; its
    one option says what a text/plain body is here (a raw file, like octet-stream)."""
    exe = Path(sys.executable).parent / "openapi-python-client"
    if not exe.exists():
        pytest.skip("openapi-python-client is not installed (pip install '.[test]')")
    config = tmp_path / "config.yaml"
    config.write_text("content_type_overrides:\n  text/plain: application/octet-stream\n")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run([str(exe), "generate", "--path", str(DOC_PATH), "--meta", "none",
                           "--output-path", str(tmp_path / "client"), "--config", str(config)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=240)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Warning" not in out and "ruff is not in PATH" not in out, out
    modules = {p.stem for p in (tmp_path / "client" / "api").rglob("*.py")}
    snake = {"".join("_" + ch.lower() if ch.isupper() else ch for ch in op) for op in OPERATIONS}
    assert snake <= modules, sorted(snake - modules)
    compiled = subprocess.run([sys.executable, "-m", "compileall", "-q",
                               str(tmp_path / "client")], capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stdout
    shutil.rmtree(tmp_path / "client")
