"""Knowledge base, tumor types, health, OpenAPI/docs, problem+json errors, limits and logs."""

from __future__ import annotations

import gzip
import io
import json
import logging
from pathlib import Path

import pytest

from matcher.service import logging as mlog
from tests.service_helpers import sample_bytes

pytest_plugins = ("tests.conftest_service",)
OPENAPI = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def test_knowledgebase_version_hash_counts(client, auth, app):
    r = client.get("/v1/knowledgebase", headers=auth)
    kb = app.extensions["matcher"].kb
    assert r.status_code == 200
    assert r.json["version"] == kb.version and r.json["hash"] == kb.hash
    assert r.json["counts"]["genes"] == len(kb.genes) > 0


def test_gene_entry_resolves_aliases_and_404s_unknown(client, auth):
    r = client.get("/v1/knowledgebase/genes/BRAF", headers=auth)
    assert r.status_code == 200 and r.json["gene"] == "BRAF"
    assert any(e["therapy"] == ["dabrafenib", "trametinib"] for e in r.json["entry"]["evidence"])
    # NTRK1's HGNC alias TRKA resolves to the NTRK1 entry of the curated KB
    alias = client.get("/v1/knowledgebase/genes/TRKA", headers=auth)
    assert alias.status_code == 200 and alias.json["gene"] == "NTRK1"
    r = client.get("/v1/knowledgebase/genes/NOTAGENE1", headers=auth)
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert "NOTAGENE1" in r.json["detail"]


def test_tumor_type_search(client, auth):
    r = client.get("/v1/tumor-types?q=anaplastic thyroid", headers=auth)
    assert r.status_code == 200
    assert "THAP" in [t["code"] for t in r.json["items"]]
    r = client.get("/v1/tumor-types", headers=auth)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "query.q"


def test_health_and_readiness(client, make_app):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "ready"


def test_readiness_fails_cleanly_without_a_migrated_database(kb, tmp_path):
    from matcher.service.app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}, kb=kb)
    with app.extensions["matcher"].store:
        r = app.test_client().get("/readyz")
        assert r.status_code == 503 and r.mimetype == "application/problem+json"
        assert r.json["errors"][0]["field"] == "database"
        assert app.test_client().get("/healthz").status_code == 200


def test_committed_openapi_document_matches_the_app(client):
    served = client.get("/openapi.json").json
    committed = json.loads(OPENAPI.read_text())
    assert served == committed, (
        "docs/openapi.json is stale: regenerate with "
        "`python -m matcher.service.openapi > docs/openapi.json`")
    assert {"/v1/reports", "/v1/reports/{report_id}", "/v1/reports/{report_id}/summary",
            "/v1/knowledgebase", "/v1/knowledgebase/genes/{symbol}", "/v1/tumor-types",
            "/healthz", "/readyz"} <= set(served["paths"])


def test_docs_page_uses_no_external_resources(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    for path in ["/docs", "/docs/docs.js", "/docs/docs.css"]:
        text = client.get(path).get_data(as_text=True)
        assert "http://" not in text and "https://" not in text and "//cdn" not in text


def test_unknown_path_and_wrong_method_are_problem_json(client, auth):
    r = client.get("/v2/nothing")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    r = client.delete("/v1/reports", headers=auth)
    assert r.status_code == 405 and r.mimetype == "application/problem+json"
    assert "POST" in r.headers["Allow"]


def test_unexpected_errors_are_500_problem_without_traceback(client, auth, monkeypatch):
    from matcher import pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals DEMO-0001")

    monkeypatch.setattr(pipeline, "match_report", boom)
    r = client.post("/v1/reports", data=sample_bytes(), headers=auth,
                    content_type="application/json")
    assert r.status_code == 500 and r.mimetype == "application/problem+json"
    text = r.get_data(as_text=True)
    assert "Traceback" not in text and "secret" not in text and "RuntimeError" not in text
    assert r.json["request_id"] == r.headers["X-Request-ID"]


def test_body_over_max_content_length_is_413(make_app, new_key):
    app = make_app(MAX_CONTENT_LENGTH=2000)
    from matcher.service.auth import create_key

    headers = {"Authorization": "Bearer " + create_key(app.extensions["matcher"].store,
                                                       "lab-a").key}
    client = app.test_client()
    r = client.post("/v1/reports", data=b"{" + b" " * 5000 + b"}", headers=headers,
                    content_type="application/json")
    assert r.status_code == 413 and r.mimetype == "application/problem+json"
    r = client.post("/v1/reports", data={"file": (io.BytesIO(b"x" * 5000), "a.vcf")},
                    headers=headers, content_type="multipart/form-data")
    assert r.status_code == 413


def test_gzip_bomb_is_refused_not_expanded(make_app):
    app = make_app(MAX_DECOMPRESSED_BYTES=1_000_000)
    from matcher.service.auth import create_key

    headers = {"Authorization": "Bearer " + create_key(app.extensions["matcher"].store,
                                                       "lab-a").key}
    bomb = gzip.compress(b"##fileformat=VCFv4.2\n" + b"#" * 50_000_000, compresslevel=9)
    assert len(bomb) < 200_000
    r = app.test_client().post("/v1/reports?tumor_type=THAP&filename=x.vcf.gz", data=bomb,
                               headers=headers, content_type="application/octet-stream")
    assert r.status_code == 413 and r.mimetype == "application/problem+json"
    assert "decompress" in r.json["detail"]


def test_too_many_variants_is_413(make_app):
    app = make_app(MAX_VARIANTS=10)
    from matcher.service.auth import create_key

    headers = {"Authorization": "Bearer " + create_key(app.extensions["matcher"].store,
                                                       "lab-a").key}
    doc = json.loads(sample_bytes())
    doc["variants"] = [dict(doc["variants"][1], protein_change=f"p.Arg{100 + i}Gln")
                       for i in range(11)]
    r = app.test_client().post("/v1/reports", data=json.dumps(doc), headers=headers,
                               content_type="application/json")
    assert r.status_code == 413 and r.mimetype == "application/problem+json"


def test_logs_carry_request_lab_and_report_ids_but_no_patient_data(client, auth, caplog):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(mlog.JsonFormatter())
    logger = mlog.get_logger()
    logger.addHandler(handler)
    try:
        r = client.post("/v1/reports", data=sample_bytes(), headers={
            **auth, "X-Request-ID": "req-123"}, content_type="application/json")
        client.get("/v1/reports/DEMO-RPT-0001", headers=auth)
        bad = json.loads(sample_bytes())
        bad["variants"][0]["vaf"] = "DEMO-0001-secret"
        client.post("/v1/reports?supersede=true", data=json.dumps(bad), headers=auth,
                    content_type="application/json")
    finally:
        logger.removeHandler(handler)
    assert r.headers["X-Request-ID"] == "req-123"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    submit = [d for d in lines if d.get("event") == "submit"]
    assert submit and submit[0]["request_id"] == "req-123"
    assert submit[0]["lab"] == "lab-a" and submit[0]["report_id"] == "DEMO-RPT-0001"
    text = stream.getvalue()
    doc = json.loads(sample_bytes())
    for secret in [doc["patient"]["id"], doc["specimen"]["id"], "p.Val600Glu", "c.1799T>A",
                   "DEMO-0001-secret", doc["lab"]]:
        assert secret not in text, secret


@pytest.mark.parametrize("bad_env", [{"MATCHER_MAX_VARIANTS": "many"}])
def test_bad_settings_are_named(bad_env):
    from matcher.errors import InputError
    from matcher.service.config import load_config

    with pytest.raises(InputError) as err:
        load_config(environ=bad_env)
    assert err.value.problems[0].field == "MATCHER_MAX_VARIANTS"


@pytest.mark.parametrize("doc", ["README.md", "docs/api.md"])
def test_every_setting_is_documented(doc):
    from matcher.service.config import SETTINGS

    text = (Path(__file__).resolve().parents[1] / doc).read_text()
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in text]
    assert not missing, f"document these in {doc}: {missing}"


def test_hostile_inputs_are_client_errors_never_500(client, auth):
    gets = ["/v1/reports/X?version=99999999999999", "/v1/reports?page=99999999999999999999",
            "/v1/reports?page_size=99999999999999999999", "/v1/reports?report_id=a%00",
            "/v1/reports/a%00b", "/v1/reports/a%00b/summary", "/v1/tumor-types?q=%00",
            "/v1/reports/" + "x" * 5000, "/v1/knowledgebase/genes/" + "A" * 3000]
    for path in gets:
        r = client.get(path, headers=auth)
        assert 400 <= r.status_code < 500, (path, r.status_code)
        assert r.mimetype == "application/problem+json"
    deep = b'{"report_id": "A", "variants": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    for body, query in [(b"[" * 100_000, ""), (deep, ""), (b"{}", "?report_id=a%00b")]:
        r = client.post("/v1/reports" + query, data=body, headers=auth,
                        content_type="application/json")
        assert 400 <= r.status_code < 500, (body[:20], r.status_code)
        assert r.mimetype == "application/problem+json"
