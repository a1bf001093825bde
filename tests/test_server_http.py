"""A real `matcher serve` (gunicorn) on a loopback port, driven over HTTP by matcher.client."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from matcher.client import MatcherAPIError, MatcherClient
from tests.service_helpers import (
    ROOT,
    SAMPLES,
    assert_timely_408,
    sample_bytes,
    start_server,
    upload_head,
)

pytest_plugins = ("tests.conftest_service",)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("serve")
    srv = start_server(workdir, f"sqlite:///{workdir / 'var' / 'matcher.sqlite3'}",
                       env={"MATCHER_UPLOAD_TIMEOUT": "1", "MATCHER_MAX_CONTENT_LENGTH": "300000",
                            "MATCHER_LOG_LEVEL": "INFO"})
    yield srv
    srv.kill()


def cli(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matcher.cli", *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def test_first_start_prints_a_demo_key_and_curl(server):
    out = (server.workdir / f"serve-{server.url.rsplit(':', 1)[1]}.out").read_text()
    assert server.key and server.key in out
    assert f"curl -sS -X POST {server.url}/v1/reports" in out
    assert "atc_braf_v600e.json" in out
    assert (server.workdir / "var" / "matcher.sqlite3").exists()


def test_the_printed_curl_command_works(server):
    out = (server.workdir / f"serve-{server.url.rsplit(':', 1)[1]}.out").read_text()
    lines = out[out.index("curl "):].split("\n\n")[0]
    cmd = lines.replace("\\\n", " ")
    r = subprocess.run(["sh", "-c", cmd + " -o /dev/null -w '%{http_code}'"],
                       capture_output=True, text=True, timeout=30, cwd=ROOT)
    # The first submission of the demo report in this server's fresh database: created.
    assert r.stdout == "201", r


def test_client_submit_fetch_list_summary(server):
    with MatcherClient(server.url, server.key) as client:
        path = SAMPLES / "nsclc_kras_g12c.json"
        first = client.submit(path)
        again = client.submit(path)
        assert first.created and not again.created
        assert again.record["result"] == first.record["result"]
        rid = first.report_id
        assert first.location == f"/v1/reports/{rid}"
        assert client.fetch(rid)["result"] == first.record["result"]
        assert rid in [r["report_id"] for r in client.iter_reports()]
        assert client.list(report_id=rid)["total"] == 1
        assert "<html" in client.summary(rid).lower()
        with pytest.raises(MatcherAPIError) as err:
            client.fetch("NO-SUCH-REPORT")
        assert err.value.status == 404


def test_client_reports_problems_with_field_paths(server):
    doc = json.loads(sample_bytes())
    doc["genome_build"] = "hg12"
    with MatcherClient(server.url, server.key) as client:
        with pytest.raises(MatcherAPIError) as err:
            client.submit(json.dumps(doc).encode())
    assert err.value.status == 422 and "genome_build" in str(err.value)


def test_no_key_is_401_and_open_endpoints_are_open(server):
    assert requests.get(server.url + "/v1/reports", timeout=5).status_code == 401
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
        assert requests.get(server.url + path, timeout=5).status_code == 200


def test_slow_upload_gets_408(server):
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), 10) as s:
        s.sendall(upload_head(server) + b"{\"report_id\":")
        started = time.monotonic()
        s.settimeout(15)
        reply = s.recv(65536)
        waited = time.monotonic() - started
    assert_timely_408(reply, waited)


def test_oversized_body_gets_413(server):
    body = b"{" + b" " * 400_000 + b"}"
    r = requests.post(server.url + "/v1/reports", data=body, timeout=10, headers={
        "Authorization": f"Bearer {server.key}", "Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.headers["Content-Type"] == "application/problem+json"


def test_submit_command(server, tmp_path):
    r = cli("submit", str(SAMPLES / "crc_braf_v600e.json"), "--url", server.url,
            "--key", server.key)
    assert r.returncode == 0, r.stderr
    assert "stored" in r.stdout and "level" in r.stdout
    bad = tmp_path / "bad.json"
    bad.write_text('{"report_id": "BAD-1", "variants": "none"}')
    r = cli("submit", str(bad), "--url", server.url, "--key", server.key)
    assert r.returncode == 2 and "HTTP 4" in r.stderr
    r = cli("submit", str(bad), "--url", server.url, "--key", "mk_" + "x" * 43)
    assert r.returncode == 2 and "HTTP 401" in r.stderr


def test_submit_says_first_that_no_tumor_type_was_given_and_amends(server):
    vcf = str(SAMPLES / "atc_braf_v600e.grch37.vcf")
    r = cli("submit", vcf, "--url", server.url, "--key", server.key, "--report-id", "SUB-NT-1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("warning: No tumor type given"), r.stdout
    r = cli("submit", vcf, "--url", server.url, "--key", server.key, "--report-id", "SUB-NT-1",
            "--tumor-type", "THAP")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == (
        f"SUB-NT-1 v2: stored, amending v1 (tumor_type: not given -> THAP) -> {server.url}"
        "/v1/reports/SUB-NT-1"), r.stdout
    assert "level 1   dabrafenib + trametinib" in r.stdout


def test_submit_sends_a_maf_with_its_clinical_sidecar(server):
    r = cli("submit", str(SAMPLES / "multi_sample.grch37.maf"), "--url", server.url, "--key",
            server.key, "--sample", "DEMO-M2", "--clinical",
            str(SAMPLES / "multi_sample.clinical.tsv"), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["result"]["tumor_type"]["code"] == "IDC"


def test_keys_commands_against_the_running_server(server):
    env = {"MATCHER_DATABASE_URL": f"sqlite:///{server.workdir / 'var' / 'matcher.sqlite3'}"}
    created = cli("keys", "create", "--lab", "lab-cli", env=env)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("mk_")
    headers = {"Authorization": f"Bearer {key}"}
    assert requests.get(server.url + "/v1/reports", headers=headers, timeout=5).json()[
        "total"] == 0
    listed = cli("keys", "list", env=env)
    assert key[3:11] in listed.stdout and key not in listed.stdout
    assert cli("keys", "revoke", key[3:11], env=env).returncode == 0
    assert requests.get(server.url + "/v1/reports", headers=headers,
                        timeout=5).status_code == 401
    assert cli("keys", "revoke", "nosuchpx", env=env).returncode == 2
    assert cli("keys", "create", "--lab", "bad lab", env=env).returncode == 2


def test_config_command_lists_every_setting():
    from matcher.service.config import SETTINGS

    r = cli("config", env={"MATCHER_WORKERS": "5",
                           "MATCHER_DATABASE_URL": "postgresql://u:secret@h/db"})
    assert r.returncode == 0
    for s in SETTINGS:
        assert s.env in r.stdout
    assert "MATCHER_WORKERS=5" in r.stdout
    assert "secret" not in r.stdout and "postgresql://u:***@h/db" in r.stdout
    bad = cli("config", env={"MATCHER_WORKERS": "many"})
    assert bad.returncode == 2 and "MATCHER_WORKERS" in bad.stderr


def test_db_upgrade_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    r = cli("db", "upgrade", "--database-url", url)
    head = max(p.name[:4] for p in (ROOT / "matcher" / "service" / "migrations" / "versions")
               .glob("[0-9][0-9][0-9][0-9]_*.py"))  # the newest migration's revision
    assert r.returncode == 0 and head in r.stdout
    assert cli("db", "current", "--database-url", url).stdout.strip() == head


def test_server_logs_are_json_lines_without_patient_data(server):
    """Runs after the submissions above: the server's stderr is JSON, free of patient data."""
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]
    submits = [d for d in lines if d.get("event") == "submit"]
    assert submits and all(d["lab"] == "demo" and d["report_id"] for d in submits)
    assert any(d.get("logger") == "gunicorn.error" for d in lines)
    text = server.log.read_text()
    for sample in SAMPLES.glob("*.json"):
        doc = json.loads(sample.read_text())
        for secret in [(doc.get("patient") or {}).get("id"), (doc.get("specimen") or {}).get("id")]:
            if secret:
                assert secret not in text, (sample.name, secret)


class _Flaky(http.server.BaseHTTPRequestHandler):
    """503 twice, then 201: what a client sees while a server restarts behind a proxy."""

    calls = 0

    def do_POST(self):  # noqa: N802
        type(self).calls += 1
        self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).calls <= 2:
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps({"report_id": "R1", "version": 1}).encode()
        self.send_response(201)
        self.send_header("Location", "/v1/reports/R1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # silence
        pass


def test_client_retries_with_backoff():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        client = MatcherClient(f"http://127.0.0.1:{httpd.server_port}", "k", backoff=0.01)
        res = client.submit(b'{"report_id": "R1"}')
        assert res.created and _Flaky.calls == 3
        _Flaky.calls = -10
        client = MatcherClient(f"http://127.0.0.1:{httpd.server_port}", "k", backoff=0.01,
                               retries=2)
        with pytest.raises(MatcherAPIError) as err:
            client.submit(b'{"report_id": "R1"}')
        assert err.value.status == 503 and _Flaky.calls == -7
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_settle_heap_freezes_the_loaded_objects_and_raises_the_young_threshold():
    import gc

    from matcher.commands.service import GC_GEN0_THRESHOLD, settle_heap

    before = gc.get_threshold()
    try:
        kept = [object() for _ in range(10)] + [[n] for n in range(1000)]
        settle_heap()
        assert gc.get_freeze_count() >= len(kept)
        assert gc.get_threshold() == (GC_GEN0_THRESHOLD, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def _chunks(body: bytes, size: int = 8192):
    """A generator body: requests sends it with Transfer-Encoding: chunked, no Content-Length."""
    for i in range(0, len(body), size):
        yield body[i:i + size]


def _padded_report(report_id: str, total: int) -> bytes:
    """A lab JSON report of ``total`` bytes whose BRAF V600E call comes last, after padding."""
    head = (f'{{"report_id":"{report_id}","tumor_type":"THAP","genome_build":"GRCh38",'
            '"variants":[{"gene":"TP53","protein_change":"p.R248Q"},').encode()
    tail = b'{"gene":"BRAF","protein_change":"p.V600E"}]}'
    return head + b" " * (total - len(head) - len(tail)) + tail


@pytest.mark.parametrize("over", [1, 100_000])
def test_chunked_upload_over_the_limit_is_refused_not_truncated(server, over):
    limit = 300_000  # MATCHER_MAX_CONTENT_LENGTH of the fixture
    rid = f"CHUNKED-OVER-{over}"
    body = _padded_report(rid, limit + over)
    r = requests.post(server.url + "/v1/reports", data=_chunks(body), timeout=20, headers={
        "Authorization": f"Bearer {server.key}", "Content-Type": "application/json"})
    assert r.status_code == 413, r.text[:300]
    assert r.headers["Content-Type"] == "application/problem+json"
    assert "MATCHER_MAX_CONTENT_LENGTH" in r.json()["detail"]
    fetched = requests.get(f"{server.url}/v1/reports/{rid}", timeout=5,
                           headers={"Authorization": f"Bearer {server.key}"})
    assert fetched.status_code == 404  # nothing of it was stored


def test_chunked_multipart_upload_over_the_limit_is_refused(server):
    body = _padded_report("CHUNKED-MULTIPART", 350_000)
    boundary = "matcherboundary"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"r.json\"\r\nContent-Type: application/json\r\n\r\n").encode() + body + \
        f"\r\n--{boundary}--\r\n".encode()
    r = requests.post(server.url + "/v1/reports", data=_chunks(form), timeout=20, headers={
        "Authorization": f"Bearer {server.key}",
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413, r.text[:300]
    fetched = requests.get(f"{server.url}/v1/reports/CHUNKED-MULTIPART", timeout=5,
                           headers={"Authorization": f"Bearer {server.key}"})
    assert fetched.status_code == 404


def test_chunked_upload_within_the_limit_is_read_whole(server):
    rid = "CHUNKED-WITHIN"
    body = _padded_report(rid, 299_000)
    r = requests.post(server.url + "/v1/reports", data=_chunks(body, 7000), timeout=20, headers={
        "Authorization": f"Bearer {server.key}", "Content-Type": "application/json"})
    assert r.status_code == 201, r.text[:300]
    record = r.json()
    assert record["content_size"] == len(body)
    labels = {a["alteration"]["label"] for a in record["result"]["alterations"]}
    assert "BRAF V600E" in labels  # the call after the padding reached the engine
