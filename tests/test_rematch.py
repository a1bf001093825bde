"""Re-interpretation: diff of two results, and a stored report re-matched under KB N+1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from matcher.service.rematch import (
    OptionChange,
    compare_stored,
    diff_results,
    rematch_store,
    rematch_stored,
)
from tests.kb_edits import curated_copy, edit_entries

ROOT = Path(__file__).resolve().parent.parent
REPORT = {"report_id": "RM-1", "tumor_type": "THAP",
          "variants": [{"gene": "BRAF", "protein_change": "V600E"}]}
ENTRY = "BRAF-V600E-VEMURAFENIB-THAP"  # clinical in THAP: level 3A; preclinical: 3B via MEL


def result(kb_version, *options):
    return {"kb_version": kb_version,
            "therapy_options": [{"name": n, "therapy": n.split(" + "), "level": lvl}
                                for n, lvl in options]}


# ----------------------------------------------------------------------------- pure diff
def test_diff_new_removed_relevelled():
    old = result("N", ("dabrafenib + trametinib", "1"), ("vemurafenib", "3A"),
                 ("everolimus", "4"))
    new = result("N+1", ("dabrafenib + trametinib", "3A"), ("vemurafenib", "3A"),
                 ("selpercatinib", "3B"))
    d = diff_results(old, new)
    assert d.changed
    assert d.new == [OptionChange("selpercatinib", None, "3B")]
    assert d.removed == [OptionChange("everolimus", "4", None)]
    assert d.relevelled == [OptionChange("dabrafenib + trametinib", "1", "3A")]
    assert (d.old_kb, d.new_kb) == ("N", "N+1")
    assert d.summary() == "+selpercatinib (3B); -everolimus (4); dabrafenib + trametinib 1->3A"
    assert d.to_dict()["relevelled"] == [{"therapy": "dabrafenib + trametinib",
                                          "old_level": "1", "new_level": "3A"}]


def test_diff_unchanged_and_empty():
    r = result("N", ("a", "1"))
    assert not diff_results(r, r).changed
    assert diff_results(r, r).summary() == "no change"
    assert not diff_results({}, {"therapy_options": []}).changed


def test_diff_uses_best_level_when_a_name_repeats():
    old = result("N", ("a", "3B"), ("a", "2"))
    new = result("N", ("a", "2"))
    assert not diff_results(old, new).changed


def test_diff_name_from_therapy_when_no_name():
    old = {"therapy_options": [{"therapy": ["x", "y"], "level": "1"}]}
    new = {"therapy_options": [{"therapy": ["x", "y"], "level": "2"}]}
    assert diff_results(old, new).relevelled == [OptionChange("x + y", "1", "2")]


# ----------------------------------------------------------------------------- KB N -> N+1
@pytest.fixture(scope="module")
def kb_versions(tmp_path_factory):
    """KB N (a curated-only copy of the shipped KB) and N+1 (one entry's level edited)."""
    from matcher.kb.loader import load_kb

    base = tmp_path_factory.mktemp("kb")
    kb_n = curated_copy(base / "n")
    kb_n1 = curated_copy(base / "n1")

    def edit(block):
        assert "evidence_type: clinical" in block
        return block.replace("evidence_type: clinical", "evidence_type: preclinical")

    edit_entries(kb_n1, "BRAF", {ENTRY: edit}, "next-")
    return load_kb(kb_n), load_kb(kb_n1)


def _match(kb):
    from matcher.pipeline import run

    return run(json.dumps(REPORT).encode(), kb=kb)[0].to_dict()


def test_kb_edit_shows_as_relevelled(kb_versions):
    kb_n, kb_n1 = kb_versions
    assert kb_n.version != kb_n1.version and kb_n.hash != kb_n1.hash
    d = diff_results(_match(kb_n), _match(kb_n1))
    assert d.relevelled == [OptionChange("vemurafenib", "3A", "3B")]
    assert not d.new and not d.removed
    assert (d.old_kb, d.new_kb) == (kb_n.version, kb_n1.version)


# ----------------------------------------------------------------------------- store
@pytest.fixture
def store(tmp_path):
    from matcher.service.store import Store

    st = Store(f"sqlite:///{tmp_path / 'rm.sqlite3'}")
    st.migrate()
    yield st
    st.close()


def _submit(store, kb, report=REPORT, lab="lab-a", content=True):
    import hashlib

    from matcher.service.store import Submission

    data = json.dumps(report).encode()
    res = _match_data(data, kb)
    sub = Submission(lab=lab, report_id=report["report_id"],
                     content_sha256=hashlib.sha256(data).hexdigest(), content_size=len(data),
                     content=data if content else None, source_format="labjson", params={},
                     alterations=[], result=res, kb_version=kb.version, kb_hash=kb.hash,
                     matcher_version="test")
    return store.submit(sub)[0]


def _match_data(data, kb):
    from matcher.pipeline import run

    return run(data, kb=kb)[0].to_dict()


def test_stored_report_rematched_without_overwriting(store, kb_versions):
    kb_n, kb_n1 = kb_versions
    _submit(store, kb_n)
    _submit(store, kb_n, {**REPORT, "report_id": "RM-2", "tumor_type": "MEL"}, lab="lab-b")
    outcomes = rematch_store(store, kb_n1)
    by_id = {o.report_id: o for o in outcomes}
    assert set(by_id) == {"RM-1", "RM-2"}
    assert by_id["RM-1"].diff.relevelled == [OptionChange("vemurafenib", "3A", "3B")]
    assert by_id["RM-1"].old_kb == kb_n.version
    # the edited entry is THAP-only; in melanoma vemurafenib stays level 1
    assert not by_id["RM-2"].diff.changed
    stored = store.get("lab-a", "RM-1")
    assert stored.kb_version == kb_n.version  # original kept
    assert {o["name"]: o["level"] for o in stored.result["therapy_options"]}[
        "vemurafenib"] == "3A"
    assert [o.report_id for o in rematch_store(store, kb_n1, lab="lab-b")] == ["RM-2"]


def test_stored_vcf_is_read_again_with_its_parameters(store, kb_versions):
    import hashlib

    from matcher.pipeline import run
    from matcher.readers import ReadOptions
    from matcher.service.store import Submission

    kb_n, kb_n1 = kb_versions
    data = (ROOT / "vcf_samples" / "atc_braf_v600e.grch37.vcf").read_bytes()
    params = {"tumor_type": "THAP", "report_id": "VCF-1"}  # what the API stores (no format)
    res = run(data, kb=kb_n, filename="x.vcf", options=ReadOptions(**params))[0].to_dict()
    store.submit(Submission(lab="lab-a", report_id="VCF-1",
                            content_sha256=hashlib.sha256(data).hexdigest(),
                            content_size=len(data), content=data, source_format="vcf",
                            params=params, alterations=[], result=res, kb_version=kb_n.version,
                            kb_hash=kb_n.hash, matcher_version="test"))
    [o] = rematch_store(store, kb_n1)
    assert o.error is None and o.report_id == "VCF-1"
    assert o.diff.relevelled == [OptionChange("vemurafenib", "3A", "3B")]


def test_since_filters_and_missing_content_is_reported(store, kb_versions):
    from datetime import UTC, datetime, timedelta

    kb_n, kb_n1 = kb_versions
    _submit(store, kb_n, content=False)
    [o] = rematch_store(store, kb_n1)
    assert o.diff is None and "content not stored" in o.error
    assert rematch_store(store, kb_n1, since=datetime.now(UTC) + timedelta(days=1)) == []


def test_compare_stored_for_api(store, kb_versions):
    kb_n, kb_n1 = kb_versions
    rep = store.get("lab-a", _submit(store, kb_n).report_id, with_content=True)
    out = compare_stored(rep, kb_n1)
    assert out["original"]["kb_version"] == kb_n.version
    assert out["current"]["kb_version"] == kb_n1.version
    assert out["diff"]["changed"] and out["error"] is None
    assert rematch_stored(rep, kb_n)["therapy_options"] == rep.result["therapy_options"]


def test_cli_rematch(store, kb_versions, tmp_path):
    from matcher.cli import cli

    kb_n, kb_n1 = kb_versions
    _submit(store, kb_n)
    url = str(store.engine.url)
    r = CliRunner().invoke(cli, ["rematch", "--database-url", url, "--kb", str(kb_n1.path)])
    assert r.exit_code == 0, r.output
    assert "1 with changed options" in r.output
    assert "lab-a/RM-1 v1" in r.output and "vemurafenib 3A->3B" in r.output
    r = CliRunner().invoke(cli, ["rematch", "--database-url", url, "--kb", str(kb_n1.path),
                                 "--json", "--since", "2000-01-01"])
    doc = json.loads(r.output)
    assert doc["changed"] == 1 and doc["reports"][0]["diff"]["relevelled"][0]["new_level"] == "3B"
    r = CliRunner().invoke(cli, ["rematch", "--database-url", url, "--kb", str(kb_n.path)])
    assert "0 with changed options" in r.output


def test_cli_rematch_without_a_store(tmp_path):
    from matcher.cli import main

    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    assert main(["rematch", "--database-url", url, "--kb", str(ROOT / "knowledgebase")]) == 2
