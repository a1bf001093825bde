"""Copy-number and structural-variant tables through POST /v1/reports, and the refusal of a
table of no known format (400, like any malformed file, naming its columns)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ("tests.conftest_service",)

DATA = Path(__file__).parent / "data" / "cna-sv"


def test_a_cna_table_is_read_as_copy_number_not_as_a_maf(client, auth):
    body = (DATA / "oncokb_individual_cna.txt").read_bytes()
    r = client.post("/v1/reports?tumor_type=LUAD&sample=DEMO-C1", data=body, headers=auth,
                    content_type="text/plain")
    assert r.status_code == 201, r.json
    result = client.get(f"/v1/reports/{r.json['report_id']}", headers=auth).json["result"]
    kinds = {a["alteration"]["kind"] for a in result["alterations"]}
    assert kinds == {"copy_number"}
    status = {a["alteration"]["label"]: a["status"] for a in result["alterations"]}
    assert status["MET amplification"] == "matched"
    assert status["CDK4 loss"] == "not_assessable"


def test_a_table_of_no_known_format_is_400_naming_its_columns(client, auth):
    body = b"ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS1\t1\t3208470\t245880329\t9\t0.1\n"
    r = client.post("/v1/reports?tumor_type=LUAD&filename=data_cna_hg19.seg", data=body,
                    headers=auth, content_type="text/plain")
    assert r.status_code == 400 and r.mimetype == "application/problem+json"  # malformed file
    assert "'seg.mean'" in r.json["detail"] and "none of the formats read" in r.json["detail"]


def test_a_bcf_body_is_read(client, auth, tmp_path):
    pysam = pytest.importorskip("pysam")
    vcf = DATA.parents[2] / "vcf_samples" / "mutect2_tumor_normal.grch37.vcf"
    bcf = tmp_path / "t.bcf"
    with pysam.VariantFile(str(vcf)) as src, \
            pysam.VariantFile(str(bcf), "wb", header=src.header) as dst:
        for record in src:
            dst.write(record)
    r = client.post("/v1/reports?tumor_type=BRCA&filename=t.bcf", data=bcf.read_bytes(),
                    headers=auth, content_type="application/octet-stream")
    assert r.status_code == 201, r.json
    result = client.get(f"/v1/reports/{r.json['report_id']}", headers=auth).json["result"]
    assert result["source_format"] == "bcf"
    assert "PIK3CA H1047R" in {a["alteration"]["label"] for a in result["alterations"]}
