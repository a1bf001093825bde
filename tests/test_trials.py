"""Trial status refresh against a local ClinicalTrials.gov API v2 stand-in on 127.0.0.1.

The stand-in answers in the API's response shape (``protocolSection.identificationModule``,
``statusModule``, ``designModule.phases``). Trial ids NCT999999xx are synthetic (not assigned by
ClinicalTrials.gov) and their statuses are made up for the test: no test touches the network.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from matcher.kb import trials
from matcher.kb.trials import TrialStatus, load_status_cache, overlay, refresh


def study(nct: str, status: str = "RECRUITING", phases=("PHASE2",), title="Synthetic study",
          updated="2024-05-02") -> dict:
    return {"protocolSection": {
        "identificationModule": {"nctId": nct, "briefTitle": title,
                                 "officialTitle": title + " (official)"},
        "statusModule": {"statusVerifiedDate": "2024-04", "overallStatus": status,
                         "lastUpdatePostDateStruct": {"date": updated, "type": "ACTUAL"}},
        "designModule": {"studyType": "INTERVENTIONAL", "phases": list(phases)},
    }, "hasResults": False}


class Api:
    """Routes: nct -> list of behaviours, one per request (the last one repeats)."""

    def __init__(self):
        self.routes: dict[str, list] = {}
        self.hits: list[tuple[float, str]] = []
        self.query: list[str] = []


def make_handler(api: Api):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output clean
            pass

        def do_GET(self):  # noqa: N802
            path, _, query = self.path.partition("?")
            nct = path.rsplit("/", 1)[-1]
            api.hits.append((time.monotonic(), nct))
            api.query.append(query)
            plan = api.routes.get(nct, [("status", 404, b'{"message": "not found"}')])
            step = plan.pop(0) if len(plan) > 1 else plan[0]
            kind = step[0]
            if kind == "sleep":
                time.sleep(step[1])
                step = ("json", study(nct))
                kind = "json"
            if kind == "json":
                body, code = json.dumps(step[1]).encode(), 200
            else:
                code, body = step[1], step[2]
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout test)
                pass

    return Handler


@pytest.fixture
def server():
    api = Api()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(api))
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True)
    t.start()
    api.base = f"http://127.0.0.1:{httpd.server_address[1]}/api/v2"
    yield api
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "var" / "trial_status.json"


def run(api, ids, cache, **kw):
    kw.setdefault("rate", None)
    kw.setdefault("retries", 2)
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 2)
    kw.setdefault("today", "2026-11-27")
    return refresh(ids, base_url=api.base, cache=cache, **kw)


def test_refresh_stores_status_phase_title_and_dates(server, cache):
    server.routes["NCT99999901"] = [("json", study("NCT99999901", phases=["PHASE1", "PHASE2"]))]
    rep = run(server, ["NCT99999901"], cache)
    assert rep.refreshed == ["NCT99999901"] and rep.ok
    assert rep.changed == {"NCT99999901": (None, "RECRUITING")}
    st = load_status_cache(cache)["NCT99999901"]
    assert st == TrialStatus("NCT99999901", "RECRUITING", "1/2", "Synthetic study", "2024-05-02",
                             "2026-11-27", "2024-04")
    assert "format=json" in server.query[0]
    raw = json.loads(cache.read_text())
    assert raw["format"] == 1 and list(raw["trials"]) == ["NCT99999901"]


def test_404_malformed_and_wrong_shape_are_reported_without_retry(server, cache):
    server.routes["NCT99999903"] = [("status", 200, b"{not json")]
    server.routes["NCT99999904"] = [("json", {"studies": []})]
    server.routes["NCT99999905"] = [("json", study("NCT99999906"))]
    rep = run(server, ["NCT99999902", "NCT99999903", "NCT99999904", "NCT99999905"], cache)
    assert rep.refreshed == []
    assert "404" in rep.failed["NCT99999902"]
    assert "malformed JSON" in rep.failed["NCT99999903"]
    assert "shape" in rep.failed["NCT99999904"]
    assert "NCT99999906" in rep.failed["NCT99999905"]
    assert [n for _, n in server.hits].count("NCT99999902") == 1  # no retry on 404
    assert not cache.exists()  # nothing refreshed: nothing written


def test_500_is_retried_with_backoff_then_succeeds(server, cache):
    server.routes["NCT99999907"] = [("status", 500, b"oops"), ("status", 503, b"busy"),
                                    ("json", study("NCT99999907", status="COMPLETED"))]
    sleeps = []
    rep = run(server, ["NCT99999907"], cache, backoff=0.01, sleep=sleeps.append)
    assert rep.refreshed == ["NCT99999907"]
    assert sleeps == [0.01, 0.02]  # exponential
    assert load_status_cache(cache)["NCT99999907"].status == "COMPLETED"


def test_persistent_500_keeps_the_previous_status(server, cache):
    server.routes["NCT99999908"] = [("json", study("NCT99999908", status="RECRUITING"))]
    assert run(server, ["NCT99999908"], cache, today="2026-01-01").ok
    server.routes["NCT99999908"] = [("status", 500, b"down")]
    rep = run(server, ["NCT99999908"], cache, retries=1)
    assert "HTTP 500 (after 2 attempts)" in rep.failed["NCT99999908"]
    assert "kept status RECRUITING verified 2026-01-01" in rep.failed["NCT99999908"]
    st = load_status_cache(cache)["NCT99999908"]
    assert (st.status, st.verified) == ("RECRUITING", "2026-01-01")


def test_timeout_is_retried_and_reported(server, cache):
    server.routes["NCT99999909"] = [("sleep", 1.0)]
    t0 = time.monotonic()
    rep = run(server, ["NCT99999909"], cache, timeout=0.2, retries=1)
    assert "timed out after 0.2 s (after 2 attempts)" == rep.failed["NCT99999909"]
    assert time.monotonic() - t0 < 1.5
    assert [n for _, n in server.hits].count("NCT99999909") == 2


def test_offline_keeps_previous_status(cache):
    trials.save_status_cache({"NCT99999910": TrialStatus(
        "NCT99999910", "ACTIVE_NOT_RECRUITING", "3", "t", "2024-01-01", "2026-01-02")}, cache)
    # port 9 on loopback: nothing listens, the connection is refused at once
    rep = refresh(["NCT99999910"], base_url="http://127.0.0.1:9/api/v2", cache=cache, retries=1,
                  backoff=0, rate=None, timeout=1)
    assert "connection failed" in rep.failed["NCT99999910"]
    assert load_status_cache(cache)["NCT99999910"].status == "ACTIVE_NOT_RECRUITING"


def test_rate_limit_spaces_requests(server, cache):
    for n in ("NCT99999911", "NCT99999912", "NCT99999913"):
        server.routes[n] = [("json", study(n))]
    rep = run(server, ["NCT99999911", "NCT99999912", "NCT99999913"], cache, rate=10)
    assert rep.ok
    times = [t for t, _ in server.hits]
    # 0.1 s apart as sent; seen at the server, the first request also carries the connection
    # set-up (~10 ms here, more on a loaded machine), so allow 30 ms of jitter. Unpaced requests
    # arrive a few milliseconds apart.
    assert all(b - a >= 0.07 for a, b in zip(times, times[1:], strict=False)), times


def test_bad_id_is_not_requested(server, cache):
    rep = run(server, ["NCT123"], cache)
    assert rep.failed == {"NCT123": "not an NCT id (NCT followed by 8 digits)"}
    assert server.hits == []


def test_cache_path_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("MATCHER_TRIAL_CACHE", str(tmp_path / "c.json"))
    assert trials.cache_path() == tmp_path / "c.json"
    assert load_status_cache() == {}
    (tmp_path / "c.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a trial status cache"):
        load_status_cache()


def test_phase_text():
    assert trials.phase_text(["PHASE3"]) == "3"
    assert trials.phase_text(["EARLY_PHASE1"]) == "early 1"
    assert trials.phase_text(["NA"]) == "N/A"
    assert trials.phase_text([]) is None


def test_overlay_moves_status_only():
    from matcher.kb.knowledge import Trial

    kb_trials = {"NCT99999914": Trial("NCT99999914", "Our title", "2", (), ("SOLID",), None, None)}
    st = {"NCT99999914": TrialStatus("NCT99999914", "COMPLETED", "3", "Their title", None,
                                     "2026-11-27")}
    out = overlay(kb_trials, st)
    assert (out["NCT99999914"].status, out["NCT99999914"].status_verified) == ("COMPLETED",
                                                                               "2026-11-27")
    assert (out["NCT99999914"].title, out["NCT99999914"].phase) == ("Our title", "2")
    assert kb_trials["NCT99999914"].status is None  # input untouched


def test_with_trial_status_copies_the_kb(tmp_path):
    import shutil
    from pathlib import Path

    from matcher.kb.loader import load_kb

    root = Path(__file__).resolve().parent.parent / "knowledgebase"
    kb_dir = tmp_path / "kb"
    shutil.copytree(root, kb_dir, ignore=shutil.ignore_patterns("civic"))
    kb = load_kb(kb_dir)
    nct = sorted(kb.trials)[0]
    st = {nct: TrialStatus(nct, "RECRUITING", None, None, None, "2026-11-27")}
    kb2 = trials.with_trial_status(kb, st)
    assert kb2.trials[nct].status == "RECRUITING" and kb2.version == kb.version
    assert kb.trials[nct].status is None  # the loaded KB is not changed
    assert trials.with_trial_status(kb, {}) is kb


def test_matching_after_a_status_overlay_shows_the_new_status(kb):
    """The engine keeps per-KB lookups (trials by gene): a KB copy with refreshed statuses
    must not reuse the original's, or results would show stale statuses."""
    import json

    from matcher.pipeline import run

    doc = json.dumps({"report_id": "T", "tumor_type": "THAP",
                      "variants": [{"gene": "BRAF", "protein_change": "V600E"}]}).encode()
    before = run(doc, kb=kb)[0]  # builds the engine's lookups on `kb`
    nct = "NCT02034110"
    assert next(t for t in before.trials if t.nct_id == nct).status is None
    kb2 = trials.with_trial_status(kb, {nct: TrialStatus(nct, "COMPLETED", None, None, None,
                                                         "2026-11-27")})
    after = run(doc, kb=kb2)[0]
    got = next(t for t in after.trials if t.nct_id == nct)
    assert (got.status, got.status_verified) == ("COMPLETED", "2026-11-27")
    assert next(t for t in run(doc, kb=kb)[0].trials if t.nct_id == nct).status is None


def test_cli_refresh_and_show(server, cache):
    from matcher.cli import cli

    server.routes["NCT99999915"] = [("json", study("NCT99999915", status="COMPLETED"))]
    r = CliRunner().invoke(cli, ["trials", "refresh", "NCT99999915", "NCT99999916",
                                 "--cache", str(cache), "--base-url", server.base, "--rate",
                                 "0", "--retries", "0"])
    assert r.exit_code == 1, r.output
    assert "refreshed 1 of 2" in r.output and "NCT99999915: unverified -> COMPLETED" in r.output
    r = CliRunner().invoke(cli, ["trials", "show", "--cache", str(cache)])
    assert r.exit_code == 0 and "NCT99999915: COMPLETED (phase 2" in r.output
    r = CliRunner().invoke(cli, ["trials", "show", "--cache", str(cache), "--json"])
    assert json.loads(r.output)["NCT99999915"]["status"] == "COMPLETED"


def test_cli_refresh_defaults_to_every_kb_trial(server, cache, tmp_path):
    import shutil
    from pathlib import Path

    from matcher.cli import cli
    from matcher.kb.loader import load_kb

    kb_dir = tmp_path / "kb"
    shutil.copytree(Path(__file__).resolve().parent.parent / "knowledgebase", kb_dir,
                    ignore=shutil.ignore_patterns("civic"))
    wanted = set(load_kb(kb_dir).trials)
    r = CliRunner().invoke(cli, ["trials", "refresh", "--kb", str(kb_dir), "--cache", str(cache),
                                 "--base-url", server.base, "--rate", "0", "--retries", "0"])
    assert r.exit_code == 1  # the stand-in knows none of them: 404 each, reported
    assert {n for _, n in server.hits} == wanted
    assert f"refreshed 0 of {len(wanted)}" in r.output
