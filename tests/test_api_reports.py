"""POST/GET /v1/reports through the Flask test client, on SQLite and (when set up) PostgreSQL."""

from __future__ import annotations

import gzip
import io
import json

from sqlalchemy import func, select

from matcher.service.auth import create_key
from matcher.service.store_models import reports
from tests.service_helpers import SAMPLES, sample_bytes

pytest_plugins = ("tests.conftest_service",)

VCF = (
    b"##fileformat=VCFv4.2\n"
    b"##reference=GRCh38\n"
    b"##contig=<ID=chr7,length=159345973>\n"
    b'##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'Allele | '
    b"Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | "
    b"Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length"
    b" | AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO'\">\n"
    b'##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    b'##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">\n'
    b'##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n"
    b"chr7\t140753336\t.\tA\tT\t.\tPASS\tANN=T|missense_variant|MODERATE|BRAF|ENSG00000157764|"
    b"transcript|NM_004333.6|protein_coding|15/18|c.1799T>A|p.Val600Glu|1860/2480|1799/2301|"
    b"600/766||\tGT:AF:DP\t0/1:0.3:500\n"
)


def post_json(client, body: bytes, headers, **query):
    return client.post("/v1/reports", data=body, headers=headers,
                       content_type="application/json", query_string=query)


def count_rows(app, **where) -> int:
    store = app.extensions["matcher"].store
    q = select(func.count()).select_from(reports)
    for k, v in where.items():
        q = q.where(reports.c[k] == v)
    with store.engine.connect() as conn:
        return conn.execute(q).scalar_one()


def option_names(record: dict) -> list[str]:
    return [o["name"] for o in record["result"]["therapy_options"]]


def test_submit_lab_json_answers_201_with_location_and_result(client, auth, app):
    r = post_json(client, sample_bytes(), auth)
    assert r.status_code == 201, r.json
    assert r.headers["Location"] == "/v1/reports/DEMO-RPT-0001"
    rec = r.json
    assert rec["report_id"] == "DEMO-RPT-0001" and rec["version"] == 1 and rec["current"]
    assert rec["lab"] == "lab-a"
    assert rec["source_format"] == "labjson"
    assert rec["content_size"] == len(sample_bytes())
    assert rec["kb_version"] == app.extensions["matcher"].kb.version
    assert rec["result"]["therapy_options"][0]["name"] == "dabrafenib + trametinib"
    assert rec["result"]["therapy_options"][0]["level"] == "1"
    fetched = client.get(r.headers["Location"], headers=auth)
    assert fetched.status_code == 200
    assert fetched.json["result"] == rec["result"]
    assert fetched.json["versions"] == [1]


def test_identical_resubmission_returns_the_stored_result_not_a_duplicate(client, auth, app):
    first = post_json(client, sample_bytes(), auth)
    again = post_json(client, sample_bytes(), auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Location"] == first.headers["Location"]
    assert again.json["result"] == first.json["result"]  # incl. generated_at: the stored one
    assert count_rows(app, report_id="DEMO-RPT-0001") == 1


def test_changed_content_under_same_report_id_is_409_and_keeps_the_original(client, auth, app):
    assert post_json(client, sample_bytes(), auth).status_code == 201
    doc = json.loads(sample_bytes())
    doc["tumor_type"] = "COAD"
    r = post_json(client, json.dumps(doc).encode(), auth)
    assert r.status_code == 409
    assert r.mimetype == "application/problem+json"
    assert r.json["report_id"] == "DEMO-RPT-0001" and "supersede" in r.json["detail"]
    assert client.get("/v1/reports/DEMO-RPT-0001", headers=auth).json["result"][
        "tumor_type"]["code"] == "THAP"
    assert count_rows(app) == 1


def test_supersede_stores_a_new_version_and_keeps_the_earlier_one(client, auth):
    first = post_json(client, sample_bytes(), auth)
    doc = json.loads(sample_bytes())
    doc["variants"] = doc["variants"][1:]  # amended: BRAF call withdrawn
    amended = post_json(client, json.dumps(doc).encode(), auth, supersede="true")
    assert amended.status_code == 201
    assert amended.json["version"] == 2 and amended.json["versions"] == [1, 2]
    assert "dabrafenib + trametinib" not in option_names(amended.json)
    current = client.get("/v1/reports/DEMO-RPT-0001", headers=auth).json
    assert current["version"] == 2 and current["result"] == amended.json["result"]
    old = client.get("/v1/reports/DEMO-RPT-0001?version=1", headers=auth).json
    assert old["version"] == 1 and not old["current"] and old["superseded_at"]
    assert old["result"] == first.json["result"]
    listing = client.get("/v1/reports", headers=auth).json
    assert [(i["report_id"], i["version"]) for i in listing["items"]] == [("DEMO-RPT-0001", 2)]
    # Re-sending the amended content again is idempotent too.
    again = post_json(client, json.dumps(doc).encode(), auth, supersede="true")
    assert again.status_code == 200 and again.json["version"] == 2


def test_list_is_newest_first_paginated_and_filterable(client, auth):
    doc = json.loads(sample_bytes())
    for n in range(5):
        doc["report_id"] = f"R-{n}"
        assert post_json(client, json.dumps(doc).encode(), auth).status_code == 201
    page1 = client.get("/v1/reports?page_size=2", headers=auth).json
    assert page1["total"] == 5
    assert [i["report_id"] for i in page1["items"]] == ["R-4", "R-3"]
    page2 = client.get(page1["links"]["next"], headers=auth).json
    assert [i["report_id"] for i in page2["items"]] == ["R-2", "R-1"]
    page3 = client.get(page2["links"]["next"], headers=auth).json
    assert [i["report_id"] for i in page3["items"]] == ["R-0"]
    assert page3["links"]["next"] is None and page3["links"]["prev"]
    only = client.get("/v1/reports?report_id=R-2", headers=auth).json
    assert [i["report_id"] for i in only["items"]] == ["R-2"]
    assert client.get("/v1/reports?since=2999-01-01", headers=auth).json["total"] == 0
    assert client.get("/v1/reports?until=2000-01-01T00:00:00Z", headers=auth).json["total"] == 0
    assert client.get("/v1/reports?since=2000-01-01", headers=auth).json["total"] == 5


def test_list_rejects_bad_parameters_with_field_paths(client, auth):
    r = client.get("/v1/reports?page=0&since=yesterday", headers=auth)
    assert r.status_code == 422
    assert r.mimetype == "application/problem+json"
    fields = {e["field"] for e in r.json["errors"]}
    assert fields == {"query.page", "query.since"}
    r = client.get("/v1/reports?page_size=100000", headers=auth)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "query.page_size"


def test_summary_is_html_with_a_strict_csp(client, auth):
    post_json(client, sample_bytes(), auth)
    r = client.get("/v1/reports/DEMO-RPT-0001/summary", headers=auth)
    assert r.status_code == 200 and r.mimetype == "text/html"
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "dabrafenib" in r.get_data(as_text=True)
    assert client.get("/v1/reports/NOPE/summary", headers=auth).status_code == 404


def test_vcf_as_raw_body_with_query_parameters(client, auth):
    r = client.post("/v1/reports?tumor_type=THAP&report_id=VCF-1&filename=t.vcf", data=VCF,
                    headers=auth, content_type="text/plain")
    assert r.status_code == 201, r.json
    assert r.json["source_format"] == "vcf" and r.json["report_id"] == "VCF-1"
    assert option_names(r.json)[0] == "dabrafenib + trametinib"


def test_bgzipped_vcf_as_multipart_upload_with_form_fields(client, auth):
    data = {"file": (io.BytesIO(gzip.compress(VCF)), "tumor.vcf.gz"),
            "tumor_type": "THAP", "report_id": "VCF-GZ", "genome_build": "GRCh38"}
    r = client.post("/v1/reports", data=data, headers=auth, content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    assert r.json["report_id"] == "VCF-GZ" and r.json["source_format"] == "vcf"
    assert option_names(r.json)[0] == "dabrafenib + trametinib"


def test_multipart_without_file_or_with_bad_fields_is_422_with_paths(client, auth):
    r = client.post("/v1/reports", data={"tumor_type": "THAP"}, headers=auth,
                    content_type="multipart/form-data")
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "form.file"
    r = client.post("/v1/reports", data={"file": (io.BytesIO(VCF), "t.vcf"),
                                         "genome_build": "hg99"},
                    headers=auth, content_type="multipart/form-data")
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "form.genome_build"


def test_invalid_lab_json_lists_every_problem_with_field_paths(client, auth, app):
    doc = json.loads(sample_bytes())
    doc["variants"][0]["vaf"] = "high"
    doc["genome_build"] = "hg12"
    r = post_json(client, json.dumps(doc).encode(), auth)
    assert r.status_code == 422
    assert r.mimetype == "application/problem+json"
    fields = {e.get("field") for e in r.json["errors"]}
    assert {"variants[0].vaf", "genome_build"} <= fields
    assert count_rows(app) == 0


def test_garbage_bodies_are_client_errors_never_500(client, auth):
    for body, ctype in [(b"{not json", "application/json"), (b"\x00\x01\x02", "text/plain"),
                        (b"[]", "application/json"), (b"", "application/json"),
                        (b"\x1f\x8b\x08\x00garbage", "application/octet-stream")]:
        r = client.post("/v1/reports", data=body, headers=auth, content_type=ctype)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.json)
        assert r.mimetype == "application/problem+json"


def test_unknown_report_is_404_problem(client, auth):
    r = client.get("/v1/reports/NOPE", headers=auth)
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert client.get("/v1/reports/DEMO-RPT-0001?version=7", headers=auth).status_code == 404


def test_report_ids_with_slashes_and_spaces_round_trip_through_location(client, auth):
    doc = json.loads(sample_bytes())
    doc["report_id"] = "RPT 2026/11/1"
    r = post_json(client, json.dumps(doc).encode(), auth)
    assert r.status_code == 201
    assert r.headers["Location"] == "/v1/reports/RPT%202026/11/1"
    fetched = client.get(r.headers["Location"], headers=auth)
    assert fetched.status_code == 200 and fetched.json["report_id"] == "RPT 2026/11/1"
    summary = client.get(fetched.json["links"]["summary"], headers=auth)
    assert summary.status_code == 200 and summary.mimetype == "text/html"


def test_report_id_parameter_must_be_storable(client, auth):
    r = client.post("/v1/reports?report_id=bad%01id&tumor_type=THAP", data=VCF, headers=auth,
                    content_type="text/plain")
    assert r.status_code == 422
    assert r.mimetype == "application/problem+json"
    assert [e["field"] for e in r.json["errors"]] == ["query.report_id"]


def test_content_is_stored_only_when_configured(make_app):
    app = make_app(STORE_CONTENT=False)
    store = app.extensions["matcher"].store
    headers = {"Authorization": "Bearer " + create_key(store, "lab-x").key}
    r = post_json(app.test_client(), sample_bytes(), headers)
    assert r.status_code == 201
    rep = store.get("lab-x", "DEMO-RPT-0001", with_content=True)
    assert rep.content is None and rep.content_size == len(sample_bytes())
    assert rep.alterations and rep.alterations[0]["gene"] == "BRAF"


def test_multi_sample_file_needs_a_sample_then_stores_that_one(client, auth):
    maf = (SAMPLES / "multi_sample.grch37.maf").read_bytes()
    r = client.post("/v1/reports?tumor_type=THAP&filename=x.maf", data=maf, headers=auth,
                    content_type="text/plain")
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "sample"
    r = client.post("/v1/reports?tumor_type=THAP&filename=x.maf&sample=DEMO-M2", data=maf,
                    headers=auth, content_type="text/plain")
    assert r.status_code == 201, r.json
    assert r.json["report_id"] == "DEMO-M2" and r.json["source_format"] == "maf"
