"""Property-based test of the API against its own OpenAPI document (issue 16): schemathesis
generates requests for every operation, valid (positive) and invalid (negative), and every
answer must be no 5xx, of a documented content type, and conform to the documented schema.

A bounded number of examples per operation, derandomised (the same cases on every run), so it
is fast and stable in CI; raise MATCHER_PROPERTY_EXAMPLES locally to search harder.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from matcher.service.app import create_app
from matcher.service.auth import create_key
from tests.service_helpers import ROOT, sample_bytes

EXAMPLES = int(os.environ.get("MATCHER_PROPERTY_EXAMPLES", "25"))
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api(tmp_path_factory, kb):
    path = tmp_path_factory.mktemp("property") / "matcher.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "LOG_LEVEL": "ERROR"}, kb=kb)
    store = app.extensions["matcher"].store
    store.migrate()
    auth = {"Authorization": "Bearer " + create_key(store, "lab-a").key}
    # one stored report, so that GETs of DEMO-RPT-0001 reach the 200 paths too
    app.test_client().post("/v1/reports", data=sample_bytes(), headers=auth,
                           content_type="application/json")
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    yield schema, auth
    store.engine.dispose()


def _operations():
    """(method, path, mode): every operation with valid input, and with invalid input where it
    takes any (parameters or a body)."""
    doc = json.loads((ROOT / "docs" / "openapi.json").read_text())
    out = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            out.append((method.upper(), path, GenerationMode.POSITIVE))
            if op.get("parameters") or op.get("requestBody") or ops.get("parameters"):
                out.append((method.upper(), path, GenerationMode.NEGATIVE))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("method,path,mode", _operations())
def test_no_operation_answers_5xx_or_off_schema(api, method, path, mode):
    schema, auth = api
    operation = schema[path][method]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call(headers=auth)
        case.validate_response(response, checks=CHECKS)

    check()
