"""Cited trials say what is known, or 'not yet checked' with the command that checks; `matcher
trials refresh` shows progress, stops on the first network failure (exit 1), and refreshes the
trials of one report. Against the local ClinicalTrials.gov stand-in of tests/test_trials.py;
the NCT999999xx ids and their statuses are synthetic: no test touches the network.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from matcher.cli import cli
from matcher.kb.knowledge import Trial
from matcher.kb.trials import TrialStatus, load_status_cache, overlay, refresh
from matcher.model import TrialMatch
from matcher.render.html import render_html
from matcher.render.text import render_text
from tests import render_fixtures as fx
from tests.test_render_html import Page
from tests.test_trials import server, study  # noqa: F401 - the stand-in fixture

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "vcf_samples" / "atc_braf_v600e.json"
PLACEHOLDER = re.compile(r"cited by CIViC evidence|Pivotal trial of an FDA biomarker approval")


def _refresh(server, cache, *args, runner=None):  # noqa: F811
    runner = runner or CliRunner()
    return runner.invoke(cli, ["trials", "refresh", *args, "--cache", str(cache), "--base-url",
                               server.base, "--rate", "0", "--retries", "0", "--timeout", "2"])


# ----------------------------------------------------------------------------- refresh
def test_progress_one_line_per_trial(server, tmp_path):  # noqa: F811
    for n in ("NCT99999931", "NCT99999932"):
        server.routes[n] = [("json", study(n, status="COMPLETED"))]
    r = _refresh(server, tmp_path / "c.json", "NCT99999931", "NCT99999932")
    assert r.exit_code == 0, r.output
    assert "[1/2] NCT99999931: COMPLETED" in r.stderr and "[2/2] NCT99999932: COMPLETED" in \
        r.stderr
    assert "refreshed 2 of 2" in r.stdout


def test_first_network_failure_stops_the_run_with_exit_1(server, tmp_path):  # noqa: F811
    cache = tmp_path / "c.json"
    server.routes["NCT99999933"] = [("json", study("NCT99999933"))]
    server.routes["NCT99999934"] = [("status", 503, b"{}")]
    server.routes["NCT99999935"] = [("json", study("NCT99999935"))]
    r = _refresh(server, cache, "NCT99999933", "NCT99999934", "NCT99999935")
    assert r.exit_code == 1
    assert [n for _, n in server.hits] == ["NCT99999933", "NCT99999934"]  # 35 never asked
    assert ("error: not refreshed NCT99999934, stopped there: cannot reach ClinicalTrials.gov "
            f"at {server.base} (HTTP 503 (after 1 attempts))") in r.stderr
    assert "the 1 refreshed before it are saved, 1 not tried" in r.stderr
    assert set(load_status_cache(cache)) == {"NCT99999933"}


def test_offline_stops_at_the_first_trial(tmp_path):
    rep = refresh(["NCT99999936", "NCT99999937", "NCT99999938"],
                  base_url="http://127.0.0.1:9/api/v2", cache=tmp_path / "c.json", retries=0,
                  rate=None, timeout=1, backoff=0)
    assert rep.stopped_at == "NCT99999936" and "connection failed" in rep.stopped
    assert rep.not_tried == ["NCT99999937", "NCT99999938"] and not rep.refreshed


def test_an_unknown_trial_does_not_stop_the_run(server, tmp_path):  # noqa: F811
    server.routes["NCT99999940"] = [("json", study("NCT99999940"))]
    r = _refresh(server, tmp_path / "c.json", "NCT99999939", "NCT99999940")  # 39: 404
    assert r.exit_code == 1
    assert [n for _, n in server.hits] == ["NCT99999939", "NCT99999940"]
    assert "not refreshed NCT99999939: not found on ClinicalTrials.gov (404)" in r.stderr
    assert "stopped" not in r.stderr and "refreshed 1 of 2" in r.stdout


def _expected_ids(result_doc: dict) -> set[str]:
    return {t["nct_id"] for d in result_doc["results"] for k in ("trials", "open_trials")
            for t in d[k]}


def test_report_refreshes_only_that_reports_trials(server, tmp_path, capsys):  # noqa: F811
    from matcher.cli import main

    assert main(["match", str(SAMPLE), "--format", "json", "-o", str(tmp_path / "r.json")]) == 0
    capsys.readouterr()
    wanted = _expected_ids(json.loads((tmp_path / "r.json").read_text()))
    assert len(wanted) >= 10
    for report in (tmp_path / "r.json", SAMPLE):  # a saved result, or the lab file itself
        server.hits.clear()
        r = _refresh(server, tmp_path / "c.json", "--report", str(report))
        assert r.exit_code == 1  # the stand-in knows none of them: a 404 each, not a stop
        assert {n for _, n in server.hits} == wanted, report.name
        assert f"refreshed 0 of {len(wanted)}" in r.stdout


def test_report_without_trials_refreshes_nothing(server, tmp_path):  # noqa: F811
    doc = tmp_path / "empty.json"
    doc.write_text(json.dumps({"results": [{"report_id": "X", "therapy_options": [],
                                            "trials": [], "open_trials": []}]}))
    r = _refresh(server, tmp_path / "c.json", "--report", str(doc))
    assert r.exit_code == 0 and "names no trial" in r.output and not server.hits


def test_refresh_records_the_sponsor(server, tmp_path):  # noqa: F811
    doc = study("NCT99999941")
    doc["protocolSection"]["sponsorCollaboratorsModule"] = {
        "leadSponsor": {"name": "Synthetic Sponsor", "class": "OTHER"}}
    server.routes["NCT99999941"] = [("json", doc)]
    assert _refresh(server, tmp_path / "c.json", "NCT99999941").exit_code == 0
    assert load_status_cache(tmp_path / "c.json")["NCT99999941"].sponsor == "Synthetic Sponsor"


# ----------------------------------------------------------------------------- what is shown
def test_overlay_fills_what_the_kb_lacks_and_keeps_what_it_has() -> None:
    st = TrialStatus("NCT99999942", "RECRUITING", "2", "Fetched title", "2026-01-02",
                     "2026-11-30", sponsor="Synthetic Sponsor")
    bare = Trial("NCT99999942", "", None, (), (), None, None)
    curated = Trial("NCT99999942", "Reviewed title", "3", (), (), None, None)
    got = overlay({"NCT99999942": bare}, {"NCT99999942": st})["NCT99999942"]
    assert (got.title, got.phase, got.sponsor, got.status, got.status_verified) == (
        "Fetched title", "2", "Synthetic Sponsor", "RECRUITING", "2026-11-30")
    kept = overlay({"NCT99999942": curated}, {"NCT99999942": st})["NCT99999942"]
    assert (kept.title, kept.phase) == ("Reviewed title", "3")


def test_no_shipped_trial_has_a_made_up_title(full_kb) -> None:
    assert not [t.nct_id for t in full_kb.trials.values() if PLACEHOLDER.search(t.title)]
    untitled = [t for t in full_kb.trials.values() if not t.title]
    assert len(untitled) > 100  # imported: CIViC and the approval tables name no title


UNKNOWN = TrialMatch(nct_id="NCT99999943", title=None, phase=None, status=None,
                     status_verified=None, reason="biomarker", alteration_ids=("a1",))
KNOWN = dataclasses.replace(UNKNOWN, nct_id="NCT99999944", title="A synthetic basket study",
                            phase="2", status="RECRUITING", status_verified="2026-11-30",
                            sponsor="Synthetic Sponsor")


def _flat(text: str) -> str:
    """Without whitespace: text wraps lines, the page's parser spaces inline elements."""
    return "".join(text.split())


@pytest.fixture
def with_trials():
    return dataclasses.replace(fx.ATC_BRAF, trials=(UNKNOWN, KNOWN))


def test_text_says_what_is_known_or_not_yet_checked(with_trials) -> None:
    out = _flat(render_text(with_trials))
    assert "NCT99999943:notyetchecked" in out
    assert _flat("`matcher trials refresh` fetches title, phase, sponsor and status") in out
    assert _flat("NCT99999944, Phase 2 · sponsor Synthetic Sponsor: Recruiting (as of "
                 "2026-11-30) A synthetic basket study") in out


def test_page_says_what_is_known_or_not_yet_checked(with_trials) -> None:
    text = _flat(Page(render_html(with_trials)).body_text)
    assert _flat("NCT99999943 (not yet checked; for BRAF V600E)") in text
    assert _flat("NCT99999944 (Phase 2 · sponsor Synthetic Sponsor; Recruiting (as of "
                 "2026-11-30); for BRAF V600E): A synthetic basket study") in text
    assert _flat("`matcher trials refresh` fetches") in text
    # every trial known: no hint
    known_only = dataclasses.replace(with_trials, trials=(KNOWN,))
    assert "matcher trials refresh" not in Page(render_html(known_only)).body_text


def test_sample_pages_name_every_untitled_trial_not_yet_checked(full_kb) -> None:
    from matcher.pipeline import run

    result = run(SAMPLE.read_bytes(), kb=full_kb)[0]
    untitled = [t.nct_id for t in result.trials if not t.title]
    assert untitled  # the sample cites imported trials
    text, page = render_text(result), Page(render_html(result)).body_text
    for nct in untitled:
        assert f"{nct}: not yet checked" in text
        assert f"{nct}(notyetchecked" in _flat(page)
    assert not PLACEHOLDER.search(text) and not PLACEHOLDER.search(page)
