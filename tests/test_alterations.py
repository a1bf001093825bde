"""Queryable stored alterations (issue 14): rows written with every stored report, the query
(gene, alteration, OncoTree descendants), lab isolation, versions, backfill, API and CLI.

Every sample report shipped in vcf_samples/ is stored for two labs; the expectations are derived
from each stored result, alteration by alteration, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from matcher.service.alterations import (
    alteration_rows,
    backfill,
    build_query,
    find_alterations,
    trial_reports,
)
from matcher.service.store import Store
from matcher.service.store_models import report_alterations
from tests.service_helpers import sample_bytes

pytest_plugins = ("tests.conftest_service",)
SAMPLES = sorted((Path(__file__).resolve().parents[1] / "vcf_samples").glob("*.json"))


def _store_samples(client, headers, labs=("lab-a", "lab-b")):
    """Submit every sample report for each lab; {lab: {report_id: result}}."""
    out = {}
    for lab in labs:
        out[lab] = {}
        for path in SAMPLES:
            doc = json.loads(path.read_text())
            doc["report_id"] = f"{lab}-{path.stem}"
            r = client.post("/v1/reports", data=json.dumps(doc), headers=headers[lab],
                            content_type="application/json", query_string={"view": "full"})
            assert r.status_code == 201, r.json
            out[lab][doc["report_id"]] = r.json["result"]  # the full view: rows are made of it
    return out


@pytest.fixture
def labs(new_key):
    return {lab: new_key(lab) for lab in ("lab-a", "lab-b")}


def _expected(result):
    """(gene, change, tumor type) of each unfiltered alteration of a result, from its JSON."""
    rows = alteration_rows(result, report_pk=0, lab="x", report_id="x", version=1,
                           is_current=True, created_at=None)
    return [(r["gene"], r["change"], r["tumor_type"], r["label"]) for r in rows
            if r["filter_reason"] is None]


def test_every_stored_alteration_is_found_in_its_lab_only(app, client, labs, kb):
    stored = _store_samples(client, labs)
    store = app.extensions["matcher"].store
    checked = 0
    for lab, results in stored.items():
        other = "lab-b" if lab == "lab-a" else "lab-a"
        for report_id, result in results.items():
            assert len(result["alterations"]) > 0
            for gene, change, tumor, label in _expected(result):
                assert change and label
                ancestor = kb.oncotree.parent(tumor) or tumor
                for tumor_q in (tumor, ancestor):
                    q = build_query(kb, lab, gene=gene, alteration=change, tumor_type=tumor_q)
                    items, total = find_alterations(store, q, limit=500)
                    assert total == len(items)
                    assert report_id in {i["report_id"] for i in items}, (gene, change, tumor_q)
                    assert all(i["report_id"].startswith(lab + "-") for i in items)
                    assert all(kb.oncotree.is_within(i["tumor_type"], tumor_q) for i in items)
                # the same question over HTTP: the same answer, and never the other lab's
                r = client.get("/v1/alterations", headers=labs[lab], query_string={
                    "gene": gene, "alteration": f"{gene} {change}", "tumor_type": ancestor,
                    "page_size": 500})
                assert r.status_code == 200, r.json
                ids = {i["report_id"] for i in r.json["items"]}
                assert report_id in ids, (gene, change, ancestor)
                assert not any(i.startswith(other) for i in ids)
                checked += 1
    assert checked >= 2 * len(SAMPLES)
    with store.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(report_alterations)).scalar_one()
    assert n == sum(len(r["alterations"]) for res in stored.values() for r in res.values())


def test_query_spellings_tumor_scope_and_paging(app, client, auth, kb):
    body = json.loads(sample_bytes())  # the demo report: BRAF V600E in THAP
    assert body["tumor_type"] == "THAP"
    for n in range(3):
        r = client.post("/v1/reports", data=json.dumps(dict(body, report_id=f"P-{n}")),
                        headers=auth, content_type="application/json")
        assert r.status_code == 201
    coad = dict(body, report_id="P-COAD", tumor_type="COAD")
    client.post("/v1/reports", data=json.dumps(coad), headers=auth,
                content_type="application/json")

    def ids(**query):
        r = client.get("/v1/alterations", headers=auth, query_string=query)
        assert r.status_code == 200, r.json
        return sorted({i["report_id"] for i in r.json["items"]})

    thap = ["P-0", "P-1", "P-2"]
    assert ids(gene="BRAF", alteration="V600E", tumor_type="THAP") == thap
    assert ids(gene="braf", alteration="p.Val600Glu", tumor_type="THAP") == thap
    assert ids(gene="BRAF", alteration="BRAF V600E", tumor_type="THYROID") == thap
    assert ids(gene="BRAF", alteration="V600E", tumor_type="Anaplastic Thyroid Cancer") == thap
    assert ids(gene="BRAF", alteration="V600E") == thap + ["P-COAD"]
    assert ids(gene="BRAF", alteration="V600K") == []
    assert ids(gene="BRAF", alteration="V600E", tumor_type="BOWEL") == ["P-COAD"]
    assert ids(gene="BRAF", alteration="V600E", tumor_type="MEL") == []

    r = client.get("/v1/alterations", headers=auth,
                   query_string={"gene": "BRAF", "alteration": "V600E", "page_size": 2})
    doc = r.json
    assert doc["total"] == 4 and len(doc["items"]) == 2 and doc["links"]["prev"] is None
    nxt = client.get(doc["links"]["next"], headers=auth).json
    assert len(nxt["items"]) == 2 and nxt["links"]["next"] is None
    seen = [i["report_id"] for i in doc["items"] + nxt["items"]]
    assert sorted(seen) == sorted(thap + ["P-COAD"])
    item = doc["items"][0]
    assert item["gene"] == "BRAF" and item["change"] == "V600E" and item["current"]
    rec = client.get(item["links"]["self"], headers=auth)
    assert rec.status_code == 200 and rec.json["report_id"] == item["report_id"]


def test_bad_query_parameters_name_the_field(client, auth):
    r = client.get("/v1/alterations?tumor_type=NOT-A-TUMOR", headers=auth)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "query.tumor_type"
    r = client.get("/v1/alterations?kind=spaceship", headers=auth)
    assert r.status_code == 422 and "kind" in r.json["errors"][0]["field"]
    r = client.get("/v1/alterations?page_size=100000", headers=auth)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "query.page_size"
    assert client.get("/v1/alterations").status_code == 401


def test_superseded_versions_leave_the_default_answer(client, auth):
    body = json.loads(sample_bytes())
    client.post("/v1/reports", data=json.dumps(body), headers=auth,
                content_type="application/json")
    amended = dict(body, variants=[dict(body["variants"][0], protein_change="V600K")]
                   + body["variants"][1:])
    r = client.post("/v1/reports?supersede=true", data=json.dumps(amended), headers=auth,
                    content_type="application/json")
    assert r.status_code == 201 and r.json["version"] == 2

    def found(alteration, **extra):
        r = client.get("/v1/alterations", headers=auth,
                       query_string={"gene": "BRAF", "alteration": alteration, **extra})
        return [(i["version"], i["current"]) for i in r.json["items"]]

    assert found("V600E") == []
    assert found("V600E", all_versions="true") == [(1, False)]
    assert found("V600K") == [(2, True)]


def test_backfill_refills_exactly_what_storing_wrote(app, client, labs):
    _store_samples(client, labs, labs=("lab-a",))
    store = app.extensions["matcher"].store
    cols = [c for c in report_alterations.c if c.name != "id"]

    def snapshot():
        with store.engine.connect() as conn:
            return sorted(tuple(r) for r in conn.execute(select(*cols)))

    before = snapshot()
    assert before
    with store.engine.begin() as conn:
        conn.execute(delete(report_alterations))
    assert snapshot() == []
    assert backfill(store, batch=3) == len(SAMPLES)
    after = snapshot()
    assert [r[:-1] for r in after] == [r[:-1] for r in before]  # created_at: naive on SQLite
    assert backfill(store) == 0  # nothing left to fill


def test_cli_find_and_backfill(app, client, labs, db_url):
    from matcher.cli import cli

    _store_samples(client, labs)
    runner = CliRunner()
    r = runner.invoke(cli, ["find", "--database-url", db_url, "--lab", "lab-a", "--gene", "BRAF",
                            "--alteration", "V600E", "--tumor-type", "THYROID", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["total"] >= 1 and all(i["report_id"].startswith("lab-a-") for i in doc["items"])
    assert all(i["gene"] == "BRAF" and i["change"] == "V600E" for i in doc["items"])
    text = runner.invoke(cli, ["find", "--database-url", db_url, "--lab", "lab-a",
                               "--gene", "BRAF", "--alteration", "V600E"])
    assert text.exit_code == 0 and "BRAF V600E" in text.output
    bad = runner.invoke(cli, ["find", "--database-url", db_url, "--lab", "lab-a",
                              "--tumor-type", "NOT-A-TUMOR"])
    assert bad.exit_code != 0 and "NOT-A-TUMOR" in str(bad.exception or bad.output)
    trial = runner.invoke(cli, ["find", "--database-url", db_url, "--lab", "lab-b",
                                "--trial", "NCT02034110", "--json"])
    assert trial.exit_code == 0, trial.output
    items = json.loads(trial.output)["items"]
    assert items and all(i["report_id"].startswith("lab-b-") for i in items)
    unknown = runner.invoke(cli, ["find", "--database-url", db_url, "--lab", "lab-b",
                                  "--trial", "NCT00000000"])
    assert unknown.exit_code != 0
    r = runner.invoke(cli, ["db", "backfill-alterations", "--database-url", db_url])
    assert r.exit_code == 0 and "of 0 stored report" in r.output


def test_cli_find_exit_codes(tmp_path):
    from matcher.cli import main

    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    assert main(["find", "--database-url", url, "--lab", "x", "--gene", "BRAF"]) == 2
    assert main(["find", "--database-url", url, "--lab", "x"]) == 2  # nothing to search for
    assert main(["find", "--database-url", url, "--lab", "x", "--tumor-type", "NOPE"]) == 2
    store = Store(url)
    store.migrate()
    store.engine.dispose()
    assert main(["find", "--database-url", url, "--lab", "x", "--trial", "NCT00000000"]) == 2


def _cited_trials(result):
    """Trials the engine listed because matched evidence cites them (not via biomarkers)."""
    return {nct for opt in result["therapy_options"] for m in opt["matches"]
            for nct in m["trials"]}


def test_trial_reports_agree_with_the_engine_for_every_sample_and_trial(app, client, labs, kb):
    """For every KB trial with biomarkers and every stored sample report: the report is listed
    for the trial only if the engine listed the trial as a biomarker match, and always when the
    engine did so through the trial's own biomarkers (not only through cited evidence)."""
    stored = _store_samples(client, labs)
    store = app.extensions["matcher"].store
    trials = [t for t in kb.trials.values() if t.biomarkers]
    assert trials
    listed_any = 0
    for lab, results in stored.items():
        for trial in trials:
            found = {r["report_id"]: r for r in trial_reports(store, kb, lab, trial.nct_id)}
            for report_id, result in results.items():
                engine = {t["nct_id"] for t in result["trials"] if t["reason"] == "biomarker"}
                if report_id in found:
                    assert trial.nct_id in engine, (report_id, trial.nct_id)
                    assert found[report_id]["alterations"]
                    listed_any += 1
                elif trial.nct_id in engine:
                    assert trial.nct_id in _cited_trials(result), (report_id, trial.nct_id)
            assert all(r.startswith(lab + "-") for r in found)
    assert listed_any >= 4
    r = client.get("/v1/trials/NCT02034110/reports", headers=labs["lab-a"])
    assert r.status_code == 200, r.json
    assert r.json["total"] >= 1 and all(i["report_id"].startswith("lab-a-")
                                        for i in r.json["items"])
    assert client.get("/v1/trials/NCT00000000/reports",
                      headers=labs["lab-a"]).status_code == 404
