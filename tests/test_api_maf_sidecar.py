"""A MAF's clinical sidecar sent to the API as the multipart part ``clinical`` (issue 12).

`matcher match --clinical` read it; the API did not, so a MAF's samples came back without a
tumor type. Every sample row of vcf_samples/multi_sample.clinical.tsv is submitted with the MAF.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.service_helpers import SAMPLES

pytest_plugins = ("tests.conftest_service",)

MAF = (SAMPLES / "multi_sample.grch37.maf").read_bytes()
CLINICAL = (SAMPLES / "multi_sample.clinical.tsv").read_bytes()
ROWS = list(csv.DictReader((line for line in CLINICAL.decode().splitlines()
                            if not line.startswith("#")), delimiter="\t"))


def _form(sample: str, clinical: bytes | None = CLINICAL, **fields) -> dict:
    form = {"file": (io.BytesIO(MAF), "cohort.maf"), "sample": sample, **fields}
    if clinical is not None:
        form["clinical"] = (io.BytesIO(clinical), "data_clinical_sample.txt")
    return form


@pytest.mark.parametrize("row", ROWS, ids=[r["SAMPLE_ID"] for r in ROWS])
def test_each_sample_gets_the_tumor_type_of_its_sidecar_row(client, auth, row):
    r = client.post("/v1/reports", data=_form(row["SAMPLE_ID"]), headers=auth)
    assert r.status_code == 201, r.json
    result = r.json["result"]
    assert result["tumor_type"]["code"] == row["ONCOTREE_CODE"]
    assert not any(w.startswith("No tumor type") for w in result["warnings"])
    again = client.post("/v1/reports", data=_form(row["SAMPLE_ID"]), headers=auth)
    assert again.status_code == 200 and again.json["version"] == 1


def test_the_sidecar_gives_level_1_and_survives_a_rematch(client, auth):
    r = client.post("/v1/reports", data=_form("DEMO-M1"), headers=auth)
    levels = {o["name"]: o["level"] for o in r.json["result"]["therapy_options"]}
    assert levels["dabrafenib + trametinib"] == "1"  # BRAF V600E in THAP
    # the sidecar is not stored; the tumor type it gave is, so a re-match keeps it
    current = client.get("/v1/reports/DEMO-M1?kb=current", headers=auth).json["current_kb"]
    assert current["error"] is None and current["result"]["tumor_type"]["code"] == "THAP"


def test_a_sidecar_added_later_is_an_amendment_and_another_one_a_conflict(client, auth):
    bare = client.post("/v1/reports", data=_form("DEMO-M1", clinical=None), headers=auth)
    assert bare.status_code == 201 and bare.json["result"]["tumor_type"] is None
    added = client.post("/v1/reports", data=_form("DEMO-M1"), headers=auth)
    assert added.status_code == 201, added.json
    assert added.json["amendment"]["changes"] == [
        {"field": "tumor_type", "before": None, "after": "THAP"}]
    other = CLINICAL.replace(b"DEMO-M1\tDEMO-P1\tTHAP", b"DEMO-M1\tDEMO-P1\tTHPA")
    r = client.post("/v1/reports", data=_form("DEMO-M1", clinical=other), headers=auth)
    assert r.status_code == 409
    assert {p["field"] for p in r.json["errors"]} == {"tumor_type", "clinical"}


def test_a_text_field_sidecar_and_a_tumor_type_that_overrides_it(client, auth):
    form = {**_form("DEMO-M2", clinical=None), "clinical": CLINICAL.decode()}  # 'clinical=<f'
    r = client.post("/v1/reports", data=form, headers=auth)
    assert r.status_code == 201 and r.json["result"]["tumor_type"]["code"] == "IDC"
    r = client.post("/v1/reports", data=_form("DEMO-M3", tumor_type="THAP"), headers=auth)
    assert r.status_code == 201 and r.json["result"]["tumor_type"]["code"] == "THAP"


def test_a_sidecar_with_another_format_or_a_bad_one_is_refused(client, auth):
    vcf = {"file": (io.BytesIO((SAMPLES / "atc_braf_v600e.grch37.vcf").read_bytes()), "t.vcf"),
           "clinical": (io.BytesIO(CLINICAL), "clinical.tsv")}
    r = client.post("/v1/reports", data=vcf, headers=auth)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "form.clinical"
    r = client.post("/v1/reports", data=_form("DEMO-M1", clinical=b"no\ttable\n"), headers=auth)
    assert 400 <= r.status_code < 500 and "SAMPLE_ID" in r.get_data(as_text=True)
