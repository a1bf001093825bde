"""Hostile input through the API test client (issue 16): bad numbers and text are a 4xx naming
the field (finding 4), every way a report id arrives follows one grammar (finding 2), limits
name their setting (finding 3), logs and the OpenAPI document are bounded and true (finding 6).
"""

from __future__ import annotations

import io
import json
import logging
import os
import stat

import pytest

from matcher.service import logging as mlog
from tests.service_helpers import SAMPLES, sample_bytes
from tests.test_report_ids import INVALID, VALID

pytest_plugins = ("tests.conftest_service",)

VCF = (SAMPLES / "atc_braf_v600e.grch37.vcf").read_bytes()


def _doc(**changes) -> dict:
    doc = json.loads(sample_bytes())
    doc.update(changes)
    return doc


def _post(client, auth, body: bytes | str, content_type="application/json", **query):
    return client.post("/v1/reports", data=body, headers=auth, content_type=content_type,
                       query_string=query)


def _fields(r) -> list[str]:
    assert 400 <= r.status_code < 500, (r.status_code, r.data[:300])
    assert r.mimetype == "application/problem+json"
    return [e.get("field") for e in r.json.get("errors", [])]


# ------------------------------------------------------------------------- finding 4: numbers
def _with(doc: dict, path: str, value) -> str:
    target = doc
    keys = path.replace("]", "").replace("[", ".").split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    target[keys[-1]] = value
    return json.dumps(doc)


# (field, hostile value) for every number and string field a lab JSON report carries
LABJSON_ROWS = [
    ("variants[2].pos", 2**64), ("variants[2].pos", -(2**64)), ("variants[0].depth", 2**64),
    ("variants[0].exon", 2**63), ("specimen.tumor_content", 2**70),
    ("biomarkers.tmb", 2**64), ("lab", "\ud800 lab"), ("report_id", "R\udc00"),
    ("tumor_type", "\udfff"), ("patient.id", "\ud800"), ("specimen.type", "x\udbff"),
    ("variants[0].protein_change", "p.V600\ud800"), ("variants[0].gene", "\ud800"),
]


@pytest.mark.parametrize("field,value", LABJSON_ROWS, ids=[f"{f}={v!r}"[:40]
                                                            for f, v in LABJSON_ROWS])
def test_lab_json_number_out_of_range_or_surrogate_is_422_naming_the_field(client, auth, field,
                                                                          value):
    r = _post(client, auth, _with(_doc(), field, value))
    assert r.status_code == 422 and field in _fields(r)


def test_a_json_integer_of_5000_digits_is_422_naming_the_field(client, auth):
    text = _with(_doc(), "variants[2].pos", 12345).replace("12345", "9" * 5000)
    r = _post(client, auth, text)
    assert r.status_code == 422 and _fields(r) == ["variants[2].pos"]
    assert len(r.data) < 2000


@pytest.mark.parametrize("pos", ["140453136²", "١٤٠٤٥٣١٣٦", str(2**64), "9" * 5000])
def test_vcf_pos_that_is_no_number_is_400_naming_pos(client, auth, pos):
    lines = VCF.decode().splitlines()
    i = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    cols = lines[i].split("\t")
    cols[1] = pos
    lines[i] = "\t".join(cols)
    r = _post(client, auth, ("\n".join(lines) + "\n").encode(), "text/plain", report_id="V1")
    assert r.status_code == 400 and _fields(r) == ["POS"]


@pytest.mark.parametrize("query,field", [
    ({"since": "9999-12-31T23:59:59-14:00"}, "query.since"),
    ({"until": "0001-01-01T00:00:00+14:00"}, "query.until"),
    ({"since": "２０２６-01-01"}, "query.since"),
    ({"page": "١٢"}, "query.page"), ({"page": "²"}, "query.page"),
    ({"page": str(2**64)}, "query.page"), ({"page": "9" * 5000}, "query.page"),
    ({"page_size": "1_0"}, "query.page_size"), ({"page_size": str(2**64)}, "query.page_size"),
])
def test_list_parameters_out_of_range_or_unicode_are_422_naming_the_field(client, auth, query,
                                                                          field):
    r = client.get("/v1/reports", headers=auth, query_string=query)
    assert r.status_code == 422 and _fields(r) == [field]


@pytest.mark.parametrize("version", ["١", str(2**64), "9" * 5000, "+1_0"])
def test_version_parameter_must_be_ascii_digits(client, auth, version):
    _post(client, auth, sample_bytes())
    r = client.get("/v1/reports/DEMO-RPT-0001", headers=auth, query_string={"version": version})
    assert r.status_code == 422 and _fields(r) == ["query.version"]


def test_tumor_type_limit_must_be_ascii_digits(client, auth):
    r = client.get("/v1/tumor-types", headers=auth, query_string={"q": "thyroid", "limit": "٥"})
    assert r.status_code == 422 and _fields(r) == ["query.limit"]


# ------------------------------------------------------------------------ finding 2: report ids
@pytest.mark.parametrize("rid", INVALID)
def test_every_invalid_id_is_refused_on_every_path(client, auth, rid):
    assert "report_id" in _fields(_post(client, auth, json.dumps(_doc(report_id=rid))))
    assert _fields(_post(client, auth, VCF, "text/plain", report_id=rid)) == ["query.report_id"]
    form = client.post("/v1/reports", headers=auth, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(VCF), "t.vcf"), "report_id": rid})
    assert _fields(form) == ["form.report_id"]
    listed = client.get("/v1/reports", headers=auth, query_string={"report_id": rid})
    assert _fields(listed) == ["query.report_id"]


@pytest.mark.parametrize("sample", ["..", "ACC-9/../ACC-7", "ACC-٧", "T" * 200])
def test_an_id_taken_from_a_vcf_sample_name_follows_the_grammar(client, auth, sample):
    text = VCF.decode().replace("ATC-DEMO-01-T", sample)
    r = _post(client, auth, text.encode(), "text/plain")
    assert r.status_code == 422 and _fields(r) == ["sample"]
    assert "report_id=" in r.json["errors"][0]["message"]
    ok = _post(client, auth, text.encode(), "text/plain", report_id="VCF-OK")
    assert ok.status_code == 201, ok.json


def test_case_and_digit_lookalikes_are_distinct_ids_the_same_on_every_path(client, auth):
    assert _post(client, auth, json.dumps(_doc(report_id="ACC-7"))).status_code == 201
    assert client.get("/v1/reports/acc-7", headers=auth).status_code == 404
    assert client.get("/v1/reports/ACC-%D9%A7", headers=auth).status_code == 404
    listed = client.get("/v1/reports", headers=auth, query_string={"report_id": "acc-7"})
    assert listed.json["total"] == 0
    lower = _post(client, auth, VCF, "text/plain", report_id="acc-7")
    assert lower.status_code == 201 and lower.json["report_id"] == "acc-7"
    assert client.get("/v1/reports/ACC-7", headers=auth).json["source_format"] == "labjson"


@pytest.mark.parametrize("rid", VALID)
def test_every_valid_id_round_trips_through_its_location(client, auth, rid):
    r = _post(client, auth, json.dumps(_doc(report_id=rid)))
    assert r.status_code == 201
    assert " " not in r.headers["Location"]
    fetched = client.get(r.headers["Location"], headers=auth)
    assert fetched.status_code == 200 and fetched.json["report_id"] == rid
    assert client.get(r.json["links"]["summary"], headers=auth).status_code == 200


def test_a_404_for_an_impossible_id_does_not_echo_it(client, auth):
    r = client.get("/v1/reports/" + "x" * 5000, headers=auth)
    assert r.status_code == 404 and len(r.data) < 1000 and "report_id" not in r.json


# --------------------------------------------------------------------------- finding 3: limits
def test_identical_calls_over_the_limit_are_422_naming_the_setting(make_app, new_key):
    app = make_app(MAX_IDENTICAL_CALLS=3)
    doc = _doc(fusions=[{"fusion": "EML4::ALK"}] * 4)
    r = _post(app.test_client(), new_key(), json.dumps(doc))
    assert r.status_code == 422 and r.json["limit"] == "MATCHER_MAX_IDENTICAL_CALLS"
    assert _fields(r) == ["fusions[0]"]


@pytest.mark.parametrize("setting,limit", [("MAX_MATCHES", "MATCHER_MAX_MATCHES"),
                                           ("MAX_RESULT_BYTES", "MATCHER_MAX_RESULT_BYTES"),
                                           ("MATCH_TIMEOUT", "MATCHER_MATCH_TIMEOUT")])
def test_work_over_a_limit_is_413_naming_the_setting_and_nothing_is_stored(
        make_app, new_key, setting, limit):
    app = make_app(**{setting: 0})
    client, auth = app.test_client(), new_key()
    r = _post(client, auth, sample_bytes())
    assert r.status_code == 413 and r.json["limit"] == limit
    assert limit in r.json["detail"]
    assert client.get("/v1/reports/DEMO-RPT-0001", headers=auth).status_code == 404


def test_more_vcf_samples_than_the_limit_is_413(make_app, new_key):
    app = make_app(MAX_SAMPLES=1)
    text = VCF.decode().replace("ATC-DEMO-01-T", "T\tN")
    text = "\n".join(line + "\t0/0:10,0:0:10" if line[:1] not in ("#", "") else line
                     for line in text.splitlines()) + "\n"
    r = _post(app.test_client(), new_key(), text.encode(), "text/plain", sample="T")
    assert r.status_code == 413 and "MATCHER_MAX_SAMPLES" in r.json["errors"][0]["expected"]


def test_a_file_of_many_problems_gets_a_small_answer(client, auth):
    header = b"".join(line + b"\n" for line in VCF.splitlines() if line.startswith(b"#"))
    body = b"\n".join(b"7\t1\t.\tA\tT\t.\tPASS\t" + b"X=1;" * 20 + b"\tGT\t0/1"
                      for _ in range(60))
    r = _post(client, auth, header + body, "text/plain", report_id="P1")
    assert 400 <= r.status_code < 500 and len(r.data) < 20_000
    doc = {"report_id": "P2", "variants": [{"gene": "NOPE"}] * 400}
    r = _post(client, auth, json.dumps(doc))
    assert r.status_code == 422 and len(r.json["errors"]) == 50
    assert r.json["errors_total"] == 400 and len(r.data) < 20_000


# ------------------------------------------------------------ finding 6: logs, OpenAPI, SQLite
def test_a_huge_report_id_never_reaches_the_log(client, auth):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(mlog.JsonFormatter())
    logger = mlog.get_logger()
    logger.addHandler(handler)
    huge = "A" * 5_000_000
    try:
        r = _post(client, auth, json.dumps(_doc(report_id=huge)))
        client.get("/v1/reports/" + "B" * 100_000, headers=auth)
        _post(client, auth, VCF, "text/plain", report_id="C" * 100_000)
    finally:
        logger.removeHandler(handler)
    assert r.status_code == 422 and len(r.data) < 5000
    lines = stream.getvalue().splitlines()
    assert lines and max(len(line) for line in lines) < 2000


def test_every_error_response_is_documented_as_problem_json(client):
    spec = client.get("/openapi.json").json
    for name, response in spec["components"]["responses"].items():
        if "content" in response:
            assert list(response["content"]) == ["application/problem+json"], name


def test_documented_success_content_types_are_what_is_served(client, auth):
    spec = client.get("/openapi.json").json
    _post(client, auth, sample_bytes())
    served = {
        ("/v1/reports/{report_id}", "application/json"):
            client.get("/v1/reports/DEMO-RPT-0001", headers=auth).mimetype,
        ("/v1/reports/{report_id}", "application/fhir+json"):
            client.get("/v1/reports/DEMO-RPT-0001?format=fhir", headers=auth).mimetype,
        ("/v1/reports/{report_id}/summary", "text/html"):
            client.get("/v1/reports/DEMO-RPT-0001/summary", headers=auth).mimetype,
    }
    for (path, documented), mimetype in served.items():
        assert documented in spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert mimetype == documented
    assert client.get("/v1/reports/NOPE", headers=auth).mimetype == "application/problem+json"


def test_a_new_sqlite_database_is_private_to_its_owner(tmp_path, kb):
    from matcher.service.app import create_app

    path = tmp_path / "var" / "matcher.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}"}, kb=kb)
    app.extensions["matcher"].store.migrate()
    assert path.exists()
    for f in [path, *path.parent.glob("matcher.sqlite3-*")]:
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    app.extensions["matcher"].store.engine.dispose()
