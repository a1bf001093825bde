"""Access control: API keys per lab, 401 without a valid key, and lab isolation (404, not 403)."""

from __future__ import annotations

import json

from matcher.service.auth import create_key, revoke
from tests.service_helpers import sample_bytes

pytest_plugins = ("tests.conftest_service",)


def submit(client, headers, body=None, **query):
    return client.post("/v1/reports", data=body or sample_bytes(), headers=headers,
                       content_type="application/json", query_string=query)


def test_protected_endpoints_need_a_key(client):
    for method, path in [("get", "/v1/reports"), ("post", "/v1/reports"),
                         ("get", "/v1/reports/X"), ("get", "/v1/reports/X/summary"),
                         ("get", "/v1/knowledgebase"), ("get", "/v1/knowledgebase/genes/BRAF"),
                         ("get", "/v1/tumor-types?q=thyroid")]:
        r = getattr(client, method)(path)
        assert r.status_code == 401, (method, path)
        assert r.mimetype == "application/problem+json"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_keys_are_401(client, auth):
    good = auth["Authorization"].split()[1]
    for header in ["Bearer", "Basic abc", "Bearer mk_short", f"Bearer {good[:-1]}x",
                   f"Token {good}", "Bearer " + "mk_" + "A" * 43]:
        r = client.get("/v1/reports", headers={"Authorization": header})
        assert r.status_code == 401, header
    assert client.get("/v1/reports", headers=auth).status_code == 200


def test_open_endpoints_need_no_key(client):
    for path in ["/healthz", "/readyz", "/openapi.json", "/docs", "/docs/docs.js"]:
        assert client.get(path).status_code == 200, path


def test_revoked_key_stops_working_at_once(app, client):
    store = app.extensions["matcher"].store
    new = create_key(store, "lab-r")
    headers = {"Authorization": f"Bearer {new.key}"}
    assert client.get("/v1/reports", headers=headers).status_code == 200
    assert revoke(store, new.row.prefix)
    assert client.get("/v1/reports", headers=headers).status_code == 401
    assert not revoke(store, new.row.prefix)  # already revoked


def test_lab_a_cannot_read_list_or_overwrite_lab_b_reports(client, new_key, app):
    lab_a, lab_b = new_key("lab-a"), new_key("lab-b")
    created = submit(client, lab_b)
    assert created.status_code == 201
    location = created.headers["Location"]

    # read: not found, never forbidden (no hint that the id exists)
    assert client.get(location, headers=lab_a).status_code == 404
    assert client.get(location + "/summary", headers=lab_a).status_code == 404
    assert client.get(location + "?version=1", headers=lab_a).status_code == 404
    # list
    assert client.get("/v1/reports", headers=lab_a).json["total"] == 0
    assert client.get("/v1/reports?report_id=DEMO-RPT-0001", headers=lab_a).json["items"] == []
    # overwrite: lab A's submission with the same report id is lab A's own report
    doc = json.loads(sample_bytes())
    doc["tumor_type"] = "COAD"
    mine = submit(client, lab_a, json.dumps(doc).encode(), supersede="true")
    assert mine.status_code == 201 and mine.json["lab"] == "lab-a" and mine.json["version"] == 1
    theirs = client.get(location, headers=lab_b).json
    assert theirs["version"] == 1 and theirs["lab"] == "lab-b"
    assert theirs["result"]["tumor_type"]["code"] == "THAP"
    assert theirs["result"] == created.json["result"]
    assert client.get(location, headers=lab_a).json["result"]["tumor_type"]["code"] == "COAD"
    assert client.get("/v1/reports", headers=lab_b).json["total"] == 1


def test_keys_are_stored_as_hashes_only(app):
    store = app.extensions["matcher"].store
    new = create_key(store, "lab-h")
    rows = store.list_keys("lab-h")
    assert len(rows) == 1
    assert new.key not in repr(rows)
    assert rows[0].prefix == new.key[3:11] and len(rows[0].key_sha256) == 64
