"""No tumor type (issue 12): said first in every rendering, and added later as an amendment.

A VCF never carries a tumor type. The warning leads the text, the HTML page and `matcher submit`
(checked for every sample file of vcf_samples/). Resubmitting the same content with a tumor type
added is a new version of the same report, stored without ``supersede``, and the answer says
what changed; any other change is still a 409, which now names what differs.
"""

from __future__ import annotations

import json
import re

import pytest

from matcher.model import NO_TUMOR_TYPE_WARNING
from matcher.pipeline import run
from matcher.render.html import render_html
from matcher.render.text import render_text
from tests.service_helpers import SAMPLES, sample_bytes

pytest_plugins = ("tests.conftest_service",)

SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir()
                      if p.suffix in (".json", ".vcf", ".gz", ".maf", ".tsv", ".txt")
                      and "clinical" not in p.name)
VCF = (SAMPLES / "atc_braf_v600e.grch37.vcf").read_bytes()
COMBO = "dabrafenib + trametinib"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[p.name for p in SAMPLE_FILES])
def test_no_tumor_type_is_the_first_thing_in_text_and_html(kb, path):
    for result in run(path.read_bytes(), kb=kb, filename=path.name):
        text = render_text(result)
        page = render_html(result)
        body = page[page.index('<div class="page">'):]
        first = re.search(r"<(p|h1|header|dl)\b[^>]*>(.*?)</\1>", body, re.S)
        if result.tumor_type is None:
            assert text.startswith(f"! {NO_TUMOR_TYPE_WARNING[:60]}"), text[:200]
            assert first.group(1) == "p" and NO_TUMOR_TYPE_WARNING in first.group(2), body[:400]
        else:
            assert not text.startswith("!") and "No tumor type" not in text
            assert first.group(1) == "header", body[:400]


def _post(client, auth, data, content_type="application/octet-stream", **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(f"/v1/reports?{query}", data=data, headers=auth,
                       content_type=content_type)


def _levels(record: dict) -> dict[str, str]:
    return {o["name"]: o["level"] for o in record["result"]["therapy_options"]}


def test_adding_a_tumor_type_to_a_vcf_is_an_amendment(client, auth):
    first = _post(client, auth, VCF, report_id="AMEND-VCF-1")
    assert first.status_code == 201 and first.json["result"]["tumor_type"] is None
    assert _levels(first.json)[COMBO] == "3B"

    amended = _post(client, auth, VCF, report_id="AMEND-VCF-1", tumor_type="THAP")
    assert amended.status_code == 201, amended.json
    rec = amended.json
    assert rec["version"] == 2 and rec["versions"] == [1, 2]
    assert rec["amendment"]["replaces_version"] == 1
    assert rec["amendment"]["changes"] == [{"field": "tumor_type", "before": None,
                                            "after": "THAP"}]
    assert rec["result"]["tumor_type"]["code"] == "THAP" and _levels(rec)[COMBO] == "1"
    # a retry of the amendment is the stored version; the first version is kept
    again = _post(client, auth, VCF, report_id="AMEND-VCF-1", tumor_type="THAP")
    assert again.status_code == 200 and again.json["version"] == 2
    assert "amendment" not in again.json
    old = client.get("/v1/reports/AMEND-VCF-1?version=1", headers=auth).json
    assert old["result"]["tumor_type"] is None and not old["current"]
    # changing the tumor type now is a conflict that says what differs
    changed = _post(client, auth, VCF, report_id="AMEND-VCF-1", tumor_type="MEL")
    assert changed.status_code == 409 and changed.json["version"] == 2
    [problem] = changed.json["errors"]
    assert problem["field"] == "tumor_type" and "'THAP'" in problem["message"] \
        and "'MEL'" in problem["message"]


def test_adding_a_tumor_type_in_a_multipart_form(client, auth):
    form = {"file": (__import__("io").BytesIO(VCF), "t.vcf"), "report_id": "AMEND-FORM-1"}
    assert client.post("/v1/reports", data=dict(form), headers=auth).status_code == 201
    form = {"file": (__import__("io").BytesIO(VCF), "t.vcf"), "report_id": "AMEND-FORM-1",
            "tumor_type": "THAP"}
    r = client.post("/v1/reports", data=form, headers=auth)
    assert r.status_code == 201 and r.json["amendment"]["replaces_version"] == 1


def _lab_json(**changes) -> bytes:
    doc = {k: v for k, v in json.loads(sample_bytes()).items() if k != "tumor_type"}
    doc.update(changes)
    return json.dumps(doc).encode()


def test_adding_the_tumor_type_field_to_a_lab_json_report(client, auth):
    untyped = _lab_json(report_id="AMEND-JSON-1")
    assert _post(client, auth, untyped, "application/json").status_code == 201
    typed = _lab_json(report_id="AMEND-JSON-1", tumor_type="Anaplastic Thyroid Cancer")
    r = _post(client, auth, typed, "application/json")
    assert r.status_code == 201, r.json
    assert r.json["amendment"]["changes"][0]["after"] == "THAP"


def test_a_tumor_type_with_other_changes_is_still_a_conflict(client, auth):
    assert _post(client, auth, _lab_json(report_id="AMEND-JSON-2"),
                 "application/json").status_code == 201
    doc = json.loads(_lab_json(report_id="AMEND-JSON-2", tumor_type="THAP"))
    doc["variants"][0]["vaf"] = 0.05
    r = _post(client, auth, json.dumps(doc).encode(), "application/json")
    assert r.status_code == 409
    assert [p["field"] for p in r.json["errors"]] == ["body"]
    # a report that had a tumor type: changing it needs supersede
    assert _post(client, auth, sample_bytes(), "application/json").status_code == 201
    other = json.loads(sample_bytes())
    other["tumor_type"] = "MEL"
    assert _post(client, auth, json.dumps(other).encode(),
                 "application/json").status_code == 409


def test_without_stored_content_a_lab_json_amendment_cannot_be_told(make_app, new_key):
    """The document must be compared with the stored one; a VCF's parameter needs no content."""
    app = make_app(STORE_CONTENT=False)
    client, auth = app.test_client(), new_key("lab-a")
    assert _post(client, auth, _lab_json(report_id="NC-1"), "application/json"
                 ).status_code == 201
    assert _post(client, auth, _lab_json(report_id="NC-1", tumor_type="THAP"),
                 "application/json").status_code == 409
    assert _post(client, auth, VCF, report_id="NC-2").status_code == 201
    assert _post(client, auth, VCF, report_id="NC-2", tumor_type="THAP").status_code == 201


def test_the_submit_command_finds_the_warning_without_the_server_stack():
    """`matcher submit` runs on a client-only install: what it prints first imports no more."""
    from tests.test_layout import _without_server_stack

    out = _without_server_stack("from matcher.model import lead_warnings\n"
                                "print(lead_warnings(None, ['x'])[0])\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == NO_TUMOR_TYPE_WARNING


def test_a_second_file_of_the_same_sample_is_told_to_name_its_report(client, auth):
    """A lab file's report id defaults to its tumor sample's name, which the sample's other files
    share: the 409 must say so and name report_id, not only offer supersede (which would replace
    the structural-variant findings with the small variants)."""
    sv = (SAMPLES / "manta_eml4_alk.grch37.vcf").read_bytes()
    snv = VCF.replace(b"ATC-DEMO-01-T", b"DEMO-04-T")  # the same tumor's small-variant VCF
    first = _post(client, auth, sv, format="vcf")
    assert first.status_code == 201 and first.json["report_id"] == "DEMO-04-T"
    r = _post(client, auth, snv, format="vcf")
    assert r.status_code == 409
    assert "report_id" in [p["field"] for p in r.json["errors"]]
    assert "give this file its own report_id" in r.json["detail"]
    # named, it is stored beside the first; given explicitly, the usual conflict
    assert _post(client, auth, snv, format="vcf", report_id="DEMO-04-T-SNV").status_code == 201
    named = _post(client, auth, snv, format="vcf", report_id="DEMO-04-T")
    assert named.status_code == 409
    assert "report_id" not in [p["field"] for p in named.json["errors"]]
    assert "supersede=true to store an amended version" in named.json["detail"]
