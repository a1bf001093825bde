"""Re-interpretation as a job (issue 14): change records, batches claimed by workers, resumable,
idempotent per (report version, KB hash), per-lab API; on SQLite and PostgreSQL.

The KB edit is real content moved in time: KB "before" is the shipped curated KB with the two FDA
approvals of dabrafenib + trametinib for BRAF V600E (anaplastic thyroid cancer, and the
tumor-agnostic one) turned into clinical evidence; KB "after" is the shipped KB. Re-matching a
THAP report stored under "before" against "after" must raise the option to level 1; the other
way round must lower it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from matcher.service import rematch_jobs as rj
from matcher.service.store import Store, Submission
from matcher.service.store_models import reinterpretations, rematch_batches
from tests.kb_edits import curated_copy, edit_entries

pytest_plugins = ("tests.conftest_service",)
ROOT = Path(__file__).resolve().parents[1]
APPROVALS = ("BRAF-V600E-DABRAFENIB-TRAMETINIB-THAP", "BRAF-V600E-DABRAFENIB-TRAMETINIB-SOLID")
THAP = {"report_id": "J-1", "tumor_type": "THAP",
        "variants": [{"gene": "BRAF", "protein_change": "V600E"}]}
COMBO = "dabrafenib + trametinib"


# ----------------------------------------------------------------------------- pure
def _res(options=(), resistance=()):
    return {"therapy_options": [{"name": n, "therapy": n.split(" + "), "level": lv}
                                for n, lv in options],
            "resistance": [{"therapy": n.split(" + "), "level": lv} for n, lv in resistance]}


def test_change_list_names_every_kind_of_change():
    old = _res([("a", "3A"), ("b", "1"), ("c", "2"), ("d", "4")], [("x", "R2")])
    new = _res([("a", "1"), ("b", "3B"), ("c", "2"), ("e", "1")], [("x", "R1"), ("y", "R2")])
    changes = rj.change_list(old, new)
    assert changes == [
        {"type": "new_option", "therapy": "e", "old_level": None, "new_level": "1"},
        {"type": "raised", "therapy": "a", "old_level": "3A", "new_level": "1"},
        {"type": "lowered", "therapy": "b", "old_level": "1", "new_level": "3B"},
        {"type": "lost", "therapy": "d", "old_level": "4", "new_level": None},
        {"type": "new_resistance", "therapy": "x", "old_level": "R2", "new_level": "R1"},
        {"type": "new_resistance", "therapy": "y", "old_level": None, "new_level": "R2"},
    ]
    assert rj.gained_level1(changes) and rj.lost_level1(changes)
    assert rj.change_list(new, new) == []
    only_resistance = rj.change_list(_res(), _res([], [("x", "R1")]))
    assert not rj.gained_level1(only_resistance) and not rj.lost_level1(only_resistance)
    assert rj.summary_line(changes).startswith("+e (1); -d (4); a 3A->1; b 1->3B")


# ----------------------------------------------------------------------------- KBs
@pytest.fixture(scope="module")
def kbs(tmp_path_factory):
    from matcher.kb.loader import load_kb

    base = tmp_path_factory.mktemp("kbs")
    after = curated_copy(base / "after")
    before = curated_copy(base / "before")

    def withdraw(block):
        assert "evidence_type: fda" in block
        return re.sub(r"\n *approval_year: \d+", "",
                      block.replace("evidence_type: fda", "evidence_type: clinical"))

    edit_entries(before, "BRAF", dict.fromkeys(APPROVALS, withdraw), "before-")
    for kb_dir in (before, after):  # the curated approvals alone decide the level here: the
        shutil.rmtree(kb_dir / "approvals", ignore_errors=True)  # approval layer would too
    return load_kb(before), load_kb(after)


def _level(result, name=COMBO):
    return {o["name"]: o["level"] for o in result["therapy_options"]}.get(name)


def _submit(store, kb, report, lab="lab-a"):
    from matcher.pipeline import run

    data = json.dumps(report).encode()
    res = run(data, kb=kb)[0]
    return store.submit(Submission(
        lab=lab, report_id=report["report_id"], content_sha256=hashlib.sha256(data).hexdigest(),
        content_size=len(data), content=data, source_format="labjson",
        params={"format": "labjson"}, alterations=[o.alteration for o in res.alterations],
        result=res, kb_version=kb.version, kb_hash=kb.hash, matcher_version="test"))[0]


def _records(store):
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(reinterpretations).order_by(reinterpretations.c.id))]


def test_new_approval_raises_to_level1_and_withdrawal_lowers(store, kbs):
    before, after = kbs
    stored = _submit(store, before, THAP)
    assert _level(stored.result) not in (None, "1")  # the premise: not level 1 before
    _submit(store, after, dict(THAP, report_id="J-2"))

    job = rj.ensure_job(store, after)
    assert rj.work(store, after, job) == 2
    by_id = {r["report_id"]: r for r in _records(store)}
    raised = json.loads(by_id["J-1"]["changes"])
    assert {"type": "raised", "therapy": COMBO, "old_level": _level(stored.result),
            "new_level": "1"} in raised
    assert by_id["J-1"]["gained_level1"] and not by_id["J-1"]["lost_level1"]
    assert by_id["J-1"]["old_kb_version"] == before.version
    assert by_id["J-1"]["kb_version"] == after.version
    assert _level(json.loads(by_id["J-1"]["result"])) == "1"
    assert not by_id["J-2"]["changed"] and by_id["J-2"]["result"] is None
    assert store.get("lab-a", "J-1").result_json == stored.result_json  # never overwritten

    back = rj.ensure_job(store, before)
    rj.work(store, before, back)
    lowered = [r for r in _records(store) if r["kb_hash"] == before.hash]
    by_id = {r["report_id"]: r for r in lowered}
    assert by_id["J-2"]["lost_level1"] and not by_id["J-2"]["gained_level1"]
    assert any(c["type"] == "lowered" and c["therapy"] == COMBO and c["old_level"] == "1"
               for c in json.loads(by_id["J-2"]["changes"]))
    assert not by_id["J-1"]["changed"]


def test_jobs_are_idempotent_resumable_and_extend(store, kbs):
    before, after = kbs
    for n in range(7):
        _submit(store, before, dict(THAP, report_id=f"R-{n}"), lab=("lab-a", "lab-b")[n % 2])
    job = rj.ensure_job(store, after, batch_size=3)
    assert job.total == 7
    p = rj.progress(store, job.id)
    assert (p.batches, p.batches_done, p.reports, p.reports_done) == (3, 0, 7, 0)

    # a worker that stops after its first batch (as if killed between batches)
    class Stop(Exception):
        pass

    def stop_after_one(batch_id, n):
        raise Stop

    with pytest.raises(Stop):
        rj.work(store, after, job, on_batch=stop_after_one)
    assert rj.progress(store, job.id).batches_done == 1
    again = rj.ensure_job(store, after, batch_size=3)  # joining: the same job, nothing added
    assert again.id == job.id and again.total == 7
    assert rj.work(store, after, again) == 4
    assert rj.progress(store, job.id).finished and len(_records(store)) == 7
    assert rj.work(store, after, again) == 0  # idempotent

    _submit(store, before, dict(THAP, report_id="R-new"))
    extended = rj.ensure_job(store, after, batch_size=3)
    assert extended.id == job.id and extended.total == 8
    assert rj.work(store, after, extended) == 1
    # a narrower scope (one lab) over the same KB: every report already has its record
    lab_job = rj.ensure_job(store, after, lab="lab-b")
    assert lab_job.id != job.id and lab_job.total == 0
    recs = _records(store)
    assert len(recs) == len({(r["report_pk"], r["kb_hash"]) for r in recs}) == 8


def test_report_without_content_is_rematched_from_its_stored_alterations(store, kbs):
    before, after = kbs
    store.store_content = False
    _submit(store, before, THAP)
    store.store_content = True
    rj.work(store, after, rj.ensure_job(store, after))
    [rec] = _records(store)
    assert rec["error"] is None and rec["gained_level1"]
    assert _level(json.loads(rec["result"])) == "1"


def test_reread_needs_the_stored_upload(store, kbs):
    from matcher.service.rematcher import Rematcher

    before, after = kbs
    store.store_content = False
    _submit(store, before, THAP)
    _submit(store, before, dict(THAP, report_id="J-2"), lab="lab-b")
    store.store_content = True
    job = rj.ensure_job(store, after)
    rj.work(store, after, job, rematcher=Rematcher(after, reread=True))
    recs = _records(store)
    assert len(recs) == 2
    assert all("content not stored" in r["error"] and not r["changed"] for r in recs)


def test_api_is_per_lab_and_filters(app, client, new_key, kbs):
    before, after = kbs
    store = app.extensions["matcher"].store
    keys = {lab: new_key(lab) for lab in ("lab-a", "lab-b")}
    _submit(store, before, THAP, lab="lab-a")
    _submit(store, before, dict(THAP, report_id="B-1"), lab="lab-b")
    _submit(store, before, dict(THAP, report_id="B-2", tumor_type="COAD"), lab="lab-b")
    rj.work(store, after, rj.ensure_job(store, after))

    def get(lab, **query):
        r = client.get("/v1/reinterpretations", headers=keys[lab], query_string=query)
        assert r.status_code == 200, r.json
        return r.json

    a = get("lab-a")
    assert [i["report_id"] for i in a["items"]] == ["J-1"] and a["total"] == 1
    assert all(i["lab"] == "lab-a" for i in a["items"])
    b = get("lab-b")
    assert sorted(i["report_id"] for i in b["items"]) == ["B-1", "B-2"]
    gained = get("lab-b", change="gained_level1", old_kb=before.version)
    # colorectal cancer is excluded from the tumor-agnostic label: B-2 gains no level 1
    assert [i["report_id"] for i in gained["items"]] == ["B-1"]
    assert get("lab-b", change="gained_level1", old_kb="no-such-kb")["total"] == 0
    assert get("lab-b", kb=after.hash, report_id="B-2")["total"] == 1
    item = gained["items"][0]
    assert item["kb_version"] == after.version and item["links"]["self"].endswith("?version=1")
    assert any(c["type"] == "raised" and c["new_level"] == "1" for c in item["changes"])
    r = client.get("/v1/reinterpretations?change=everything", headers=keys["lab-a"])
    assert r.status_code == 422 and "change" in r.json["errors"][0]["field"]
    assert client.get("/v1/reinterpretations").status_code == 401


def test_cli_rematch_json_and_sqlite_single_worker(store, kbs, db_url):
    from matcher.cli import cli

    before, after = kbs
    _submit(store, before, THAP)
    r = CliRunner().invoke(cli, ["rematch", "--database-url", db_url, "--kb", str(after.path),
                                 "--workers", "2", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["checked"] == 1 and doc["changed"] == 1 and doc["worked"] == 1
    [rep] = doc["reports"]
    assert {"type": "raised", "therapy": COMBO, "old_level": rep["changes"][0]["old_level"],
            "new_level": "1"} in rep["changes"]
    if store.dialect == "sqlite":
        assert "SQLite: one worker" in r.stderr
    again = json.loads(CliRunner().invoke(cli, [
        "rematch", "--database-url", db_url, "--kb", str(after.path), "--json"]).stdout)
    assert again["worked"] == 0 and again["changed"] == 1  # nothing re-done, still listed


# ----------------------------------------------------------------------------- PostgreSQL
def _fill(url, kb, n):
    store = Store(url)
    store.migrate()
    for i in range(n):
        tumor = ("THAP", "COAD", "MEL", "NSCLC")[i % 4]
        _submit(store, kb, dict(THAP, report_id=f"P-{i:04d}", tumor_type=tumor),
                lab=("lab-a", "lab-b")[i % 2])
    return store


def _rematch_proc(url, kb, *extra):
    env = dict(os.environ, MATCHER_DATABASE_URL=url)
    return subprocess.Popen(
        [sys.executable, "-m", "matcher.cli", "rematch", "--kb", str(kb.path), "--json",
         "--no-progress", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        cwd=ROOT, start_new_session=True)


@pytest.mark.postgres
def test_two_worker_processes_share_the_job_and_never_repeat(pg_url, kbs):
    before, after = kbs
    n = 160
    store = _fill(pg_url, before, n)
    procs = [_rematch_proc(pg_url, after, "--batch-size", "4") for _ in range(2)]
    done = [p.communicate(timeout=300) for p in procs]
    outs = []
    for p, (out, err) in zip(procs, done, strict=True):
        assert p.returncode == 0 and out, (p.returncode, out, err.decode())
        outs.append(json.loads(out))
    # each process counts what it re-matched itself: a report done twice would show here
    assert sum(o["worked"] for o in outs) == n
    assert all(o["checked"] == n for o in outs)
    recs = _records(store)
    assert len(recs) == n and len({r["report_pk"] for r in recs}) == n
    with store.engine.connect() as conn:
        workers = conn.execute(select(rematch_batches.c.worker).distinct()).scalars().all()
        jobs = conn.execute(select(func.count(func.distinct(rematch_batches.c.job_id)))
                            ).scalar_one()
    assert jobs == 1  # both processes joined one job
    assert len(workers) == 2, workers  # and both did work
    store.engine.dispose()


@pytest.mark.postgres
def test_a_killed_worker_loses_its_batch_to_the_next(pg_url, kbs):
    before, after = kbs
    n = 160
    store = _fill(pg_url, before, n)
    victim = _rematch_proc(pg_url, after, "--batch-size", "4")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until it has committed some batches
        with store.engine.connect() as conn:
            done = conn.execute(select(func.count()).select_from(reinterpretations)).scalar_one()
        if done >= 8:
            break
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.communicate()
    with store.engine.connect() as conn:
        kept = conn.execute(select(func.count()).select_from(reinterpretations)).scalar_one()
    assert 8 <= kept < n, "the worker must be killed mid-run"
    survivor = _rematch_proc(pg_url, after, "--batch-size", "4")
    out, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err.decode()
    doc = json.loads(out)
    assert doc["worked"] == n - kept  # the killed worker's committed batches are not redone
    recs = _records(store)
    assert len(recs) == n and len({r["report_pk"] for r in recs}) == n
    assert rj.progress(store, recs[0]["job_id"]).finished
    store.engine.dispose()


def test_amended_fhir_report_replaces_the_original(app, client, new_key, kbs):
    from matcher.render.fhir import EXT_REPLACES, report_reference
    from matcher.service.api.results import result_from_dict
    from tests.test_render_fhir import validate

    before, after = kbs
    store = app.extensions["matcher"].store
    keys = {lab: new_key(lab) for lab in ("lab-a", "lab-b")}
    stored = _submit(store, before, THAP, lab="lab-a")
    _submit(store, after, dict(THAP, report_id="SAME"), lab="lab-a")
    rj.work(store, after, rj.ensure_job(store, after))

    rec = client.get("/v1/reinterpretations/J-1", headers=keys["lab-a"])
    assert rec.status_code == 200, rec.json
    assert rec.json["gained_level1"] and _level(rec.json["result"]) == "1"
    r = client.get("/v1/reinterpretations/J-1?format=fhir", headers=keys["lab-a"])
    assert r.status_code == 200 and r.mimetype == "application/fhir+json"
    bundle = r.json
    validate(bundle)
    [report] = [e["resource"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == "DiagnosticReport"]
    assert report["status"] == "amended"
    [ext] = report["extension"]
    original = result_from_dict(stored.result)
    assert ext["url"] == EXT_REPLACES
    assert ext["valueReference"]["reference"] == report_reference(original)
    assert report_reference(original) not in {e["fullUrl"] for e in bundle["entry"]}
    assert after.version in report["conclusion"] and before.version in report["conclusion"]
    # the original report's own Bundle has that DiagnosticReport
    from matcher.render.fhir import to_fhir

    assert to_fhir(original)["entry"][0]["fullUrl"] == report_reference(original)
    # nothing changed: no amended report; another lab: not found
    assert client.get("/v1/reinterpretations/SAME?format=fhir",
                      headers=keys["lab-a"]).status_code == 404
    assert client.get("/v1/reinterpretations/SAME", headers=keys["lab-a"]).json["result"] is None
    assert client.get("/v1/reinterpretations/J-1", headers=keys["lab-b"]).status_code == 404
    assert client.get("/v1/reinterpretations/J-1?kb=other",
                      headers=keys["lab-a"]).status_code == 404


def test_a_failing_report_is_recorded_and_the_job_goes_on(store, kbs, monkeypatch):
    before, after = kbs
    for n in range(3):
        _submit(store, before, dict(THAP, report_id=f"F-{n}"))
    real = rj.rematch_one

    def flaky(rematcher, rep, old, want_result):
        if rep.report_id == "F-1":
            raise RuntimeError("boom")
        return real(rematcher, rep, old, want_result)

    monkeypatch.setattr(rj, "rematch_one", flaky)
    job = rj.ensure_job(store, after, batch_size=10)
    assert rj.work(store, after, job) == 3 and rj.progress(store, job.id).finished
    by_id = {r["report_id"]: r for r in _records(store)}
    assert by_id["F-1"]["error"] == "internal error: RuntimeError: boom"
    assert by_id["F-0"]["error"] is None and by_id["F-0"]["gained_level1"]


def test_cli_refuses_a_store_behind_the_code(tmp_path):
    from matcher.cli import main

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = Store(url)
    old.migrate("0001")
    old.engine.dispose()
    assert main(["rematch", "--database-url", url]) == 2
    assert main(["find", "--database-url", url, "--lab", "x", "--gene", "BRAF"]) == 2
