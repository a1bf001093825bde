"""The result schemas of the OpenAPI document (matcher/service/api/result_schemas.py) hold for
real results: both views of every sample in vcf_samples/ and of the 20-variant panel load
through them without an error, unknown field or missing required field."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.render.json import result_document
from matcher.service.api.result_schemas import CompactResultSchema, FullResultSchema

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "vcf_samples"
FILES = sorted(p.name for p in SAMPLES.iterdir()
               if p.suffix == ".json" or p.name.endswith((".vcf", ".vcf.gz", ".maf")))
PANEL = ROOT / "bench" / "panel_20.json"
SCHEMAS = {"compact": CompactResultSchema(), "full": FullResultSchema()}


def _check(result) -> None:
    for view, schema in SCHEMAS.items():
        doc = result_document(result, view)
        assert schema.validate(doc) == {}, view
        for other, wrong in SCHEMAS.items():  # the view tells them apart (oneOf)
            if other != view:
                assert wrong.validate(doc), (view, other)


@pytest.mark.parametrize("name", FILES + ["panel"])
def test_both_views_follow_the_published_schema(full_kb, name: str) -> None:
    from matcher.pipeline import run

    data = PANEL.read_bytes() if name == "panel" else (SAMPLES / name).read_bytes()
    for result in run(data, kb=full_kb, filename=None if name == "panel" else name):
        _check(result)


def test_the_schema_catches_a_missing_field_and_a_wrong_type(full_kb) -> None:
    from matcher.pipeline import run

    result = run(PANEL.read_bytes(), kb=full_kb)[0]
    doc = result_document(result)
    del doc["therapy_options"][0]["level"]
    doc["alterations"][0]["evidence_count"] = "many"
    errors = CompactResultSchema().validate(doc)
    assert errors["therapy_options"][0] == {"level": ["Missing data for required field."]}
    assert "evidence_count" in errors["alterations"][0]
