"""The result's views through the API and the store: compact by default, ?view=full, results
stored before schema 2 (docs/result-schema.md)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select, update

from matcher.render.compact import compact_view, full_view
from matcher.service.store_models import reports
from tests.service_helpers import sample_bytes

pytest_plugins = ("tests.conftest_service",)

PANEL = Path(__file__).resolve().parent.parent / "bench" / "panel_20.json"


@pytest.fixture
def kb(full_kb):  # the product's default KB (curated + CIViC): the panel's 561 KiB case
    return full_kb


def post(client, body: bytes, headers, **query):
    return client.post("/v1/reports", data=body, headers=headers,
                       content_type="application/json", query_string=query)


def row(app, report_id: str):
    with app.extensions["matcher"].store.engine.connect() as conn:
        return conn.execute(select(reports.c.result, reports.c.result_detail)
                            .where(reports.c.report_id == report_id)).one()


def test_panel_is_stored_and_served_compact_and_full_on_request(app, client, auth):
    r = post(client, PANEL.read_bytes(), auth)
    assert r.status_code == 201, r.json
    compact = r.json["result"]
    assert compact["view"] == "compact" and compact["schema_version"] == "2.0"
    assert len(orjson.dumps(compact)) <= 64 * 1024

    full = client.get("/v1/reports/BENCH-PANEL-20?view=full", headers=auth).json["result"]
    assert full["view"] == "full"
    assert compact_view(full) == compact  # the full view is the one the compact was made of
    again = post(client, PANEL.read_bytes(), auth, view="full")  # same content: 200, stored
    assert again.status_code == 200 and again.json["result"] == full
    assert client.get("/v1/reports/BENCH-PANEL-20", headers=auth).json["result"] == compact

    stored, detail = row(app, "BENCH-PANEL-20")
    assert json.loads(stored) == compact  # the store keeps the compact view, served as is
    full_size = len(orjson.dumps(full))
    assert len(stored) + len(detail) < full_size / 3


def test_the_full_view_serves_every_renderer(app, client, auth):
    rid = post(client, sample_bytes(), auth).json["report_id"]
    full = client.get(f"/v1/reports/{rid}?view=full", headers=auth).json["result"]
    bundle = client.get(f"/v1/reports/{rid}?format=fhir", headers=auth).json
    observations = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert len(observations) == (len(full["alterations"]) + len(full["therapy_options"])
                                 + len(full["resistance"]))
    page = client.get(f"/v1/reports/{rid}/summary", headers=auth)
    assert page.status_code == 200
    for option in full["therapy_options"]:
        if option["level"] in ("1", "2", "3A"):
            assert option["name"] in page.get_data(as_text=True)


def test_a_result_stored_before_schema_2_is_served_in_both_views(app, client, auth):
    rid = post(client, sample_bytes(), auth).json["report_id"]
    full = client.get(f"/v1/reports/{rid}?view=full", headers=auth).json["result"]
    compact = client.get(f"/v1/reports/{rid}", headers=auth).json["result"]
    legacy = {k: v for k, v in full.items() if k not in ("schema_version", "view")}
    with app.extensions["matcher"].store.engine.begin() as conn:  # as a schema-1 row holds it
        conn.execute(update(reports).where(reports.c.report_id == rid).values(
            result=json.dumps(legacy), result_detail=None))
    assert client.get(f"/v1/reports/{rid}", headers=auth).json["result"] == compact
    assert client.get(f"/v1/reports/{rid}?view=full", headers=auth).json["result"] == \
        full_view(legacy) == full
    assert client.get(f"/v1/reports/{rid}?format=fhir", headers=auth).status_code == 200
    assert client.get(f"/v1/reports/{rid}/summary", headers=auth).status_code == 200


def test_an_unknown_view_is_422_naming_the_parameter(client, auth):
    for r in (client.get("/v1/reports/X?view=short", headers=auth),
              post(client, sample_bytes(), auth, view="short")):
        assert r.status_code == 422
        assert any("view" in (p.get("field") or "") for p in r.json["errors"]), r.json


def test_rematch_under_the_current_kb_follows_the_view(client, auth):
    rid = post(client, sample_bytes(), auth).json["report_id"]
    cur = client.get(f"/v1/reports/{rid}?kb=current", headers=auth).json["current_kb"]
    assert cur["result"]["view"] == "compact" and cur["diff"] is not None
    cur = client.get(f"/v1/reports/{rid}?kb=current&view=full", headers=auth).json["current_kb"]
    assert cur["result"]["view"] == "full" and "matches" in cur["result"]["therapy_options"][0]
