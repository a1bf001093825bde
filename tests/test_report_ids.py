"""One report-id grammar for every way an id arrives (issue 16, finding 2).

The table below is the grammar's contract: each row is tried through lab JSON here, and through
the query, the form, a VCF sample name and GET in the API tests of this module.
"""

from __future__ import annotations

import json

import pytest

from matcher.errors import InputError
from matcher.readers import read_file
from matcher.untrusted import REPORT_ID_MAX, report_id_problem
from tests.service_helpers import sample_bytes

VALID = ["DEMO-RPT-0001", "RPT 2026/11/1", "ACC-7", "acc-7", "R1:2.3_4", "a" * REPORT_ID_MAX,
         "LAB/2026/ACC-9"]
INVALID = [
    "ACC-9/../ACC-7",  # a dot segment: URL normalisers resolve it into another report's URL
    "ACC-9/./x", ".", "..", "../ACC-7", "ACC-7/..",
    "//x", "/x", "x/", "a//b",  # empty segments: stored, but never fetchable
    "ACC-٧", "ＡＣＣ-7", "ACC-7²",  # lookalikes: other scripts' digits, full-width letters
    "a" * (REPORT_ID_MAX + 1), "", " ACC-7", "ACC-7 ", "ACC 7 /x",
    "ACC-7/summary", "summary",  # '/v1/reports/ACC-7/summary' is ACC-7's page
    "R1\x1b]0;pwned\x07", "ACC\t7", "ACC\n7", "ACC?7", "ACC#7", "ACC%2F7", "ACC\\7",
]


@pytest.mark.parametrize("rid", VALID)
def test_valid_ids(rid):
    assert report_id_problem(rid) is None


@pytest.mark.parametrize("rid", INVALID)
def test_invalid_ids_are_named(rid):
    problem = report_id_problem(rid, field="query.report_id")
    assert problem is not None and problem.field == "query.report_id"
    assert len(problem.message) < 80  # a long id is cut, not echoed


def _labjson(rid: str) -> bytes:
    doc = json.loads(sample_bytes())
    doc["report_id"] = rid
    return json.dumps(doc).encode()


@pytest.mark.parametrize("rid", INVALID)
def test_lab_json_refuses_every_invalid_id(rid):
    with pytest.raises(InputError) as err:
        read_file(_labjson(rid), fmt="labjson")
    assert [p.field for p in err.value.problems] == ["report_id"]


@pytest.mark.parametrize("rid", VALID)
def test_lab_json_keeps_every_valid_id(rid):
    assert read_file(_labjson(rid), fmt="labjson")[0].report_id == rid
