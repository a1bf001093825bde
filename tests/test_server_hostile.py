"""Hostile clients against a real `matcher serve` (issue 16): report-id URLs (finding 2), slow
header senders (finding 5), and small hostile inputs each answered within a time and memory
budget measured on the worker process (finding 3)."""

from __future__ import annotations

import gzip
import json
import socket
import time
from pathlib import Path

import pytest
import requests

from tests.service_helpers import ROOT, SAMPLES, sample_bytes, start_server

pytest_plugins = ("tests.conftest_service",)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("hostile")
    srv = start_server(workdir, f"sqlite:///{workdir / 'var' / 'matcher.sqlite3'}", workers=1,
                       env={"MATCHER_THREADS": "8", "MATCHER_HEADER_TIMEOUT": "2"})
    yield srv
    srv.kill()


def _auth(server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.key}"}


def _post_json(server, doc: dict | bytes, **query) -> requests.Response:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return requests.post(server.url + "/v1/reports", data=body, params=query, timeout=60,
                         headers={**_auth(server), "Content-Type": "application/json"})


def _raw_get(server, path: str) -> bytes:
    """GET with the path exactly as written (requests/urllib3 would resolve '..')."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), 10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.key}\r\n"
                  "Connection: close\r\n\r\n".encode())
        s.settimeout(10)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    return reply


# ----------------------------------------------------------------------- finding 2: Location
@pytest.mark.parametrize("rid", ["RPT 2026/11/1", "LAB/2026/ACC-9", "R1:2.3_4"])
def test_location_is_percent_encoded_and_leads_back_to_the_report(server, rid):
    doc = json.loads(sample_bytes())
    doc["report_id"] = rid
    r = _post_json(server, doc)
    assert r.status_code == 201, r.text
    location = r.headers["Location"]
    assert " " not in location and "/./" not in location and "/../" not in location
    fetched = requests.get(server.url + location, headers=_auth(server), timeout=30)
    assert fetched.status_code == 200 and fetched.json()["report_id"] == rid
    assert requests.get(server.url + r.json()["links"]["summary"], headers=_auth(server),
                        timeout=30).status_code == 200


def test_an_id_with_dot_segments_is_refused_and_never_reads_another_report(server):
    victim = json.loads(sample_bytes())
    victim["report_id"] = "ACC-7"
    assert _post_json(server, victim).status_code in (200, 201)
    for rid in ["ACC-9/../ACC-7", "ACC-9/./ACC-7", "//ACC-7", "..", "."]:
        attacker = dict(victim, report_id=rid)
        r = _post_json(server, attacker)
        assert r.status_code == 422, (rid, r.status_code)
        assert r.json()["errors"][0]["field"] == "report_id"
        assert "Location" not in r.headers
    for path in ["/v1/reports/ACC-9/../ACC-7", "/v1/reports/ACC-9/%2E%2E/ACC-7",
                 "/v1/reports//ACC-7"]:
        reply = _raw_get(server, path)
        assert reply.startswith(b"HTTP/1.1 404"), (path, reply[:100])
        assert b"DEMO-0001" not in reply


# -------------------------------------------------------------------- finding 5: slow clients
def test_slow_header_senders_do_not_block_a_normal_request(server):
    port = int(server.url.rsplit(":", 1)[1])
    slow = []
    try:
        for _ in range(6):  # more than a sync server's workers; fewer than its threads
            s = socket.create_connection(("127.0.0.1", port), 10)
            s.sendall(b"GET /v1/reports HTTP/1.1\r\nHost: x\r\n")  # ... and never finish
            slow.append(s)
        time.sleep(0.5)
        started = time.monotonic()
        r = requests.get(server.url + "/healthz", timeout=20)
        waited = time.monotonic() - started
        assert r.status_code == 200
        assert waited < 1.5, f"a normal request waited {waited:.1f} s behind slow clients"
        # MATCHER_HEADER_TIMEOUT=2: the stalled clients are disconnected, not kept forever
        slow[0].settimeout(15)
        assert slow[0].recv(1024) == b""
    finally:
        for s in slow:
            s.close()


# --------------------------------------------------------- finding 3: time and memory budget
def _worker_pid(server) -> int:
    master = server.proc.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


VCF = (SAMPLES / "atc_braf_v600e.grch37.vcf").read_text()
VCF_HEADER = "".join(line + "\n" for line in VCF.splitlines() if line.startswith("#"))


def _many_samples(n: int) -> bytes:
    cols = VCF_HEADER.splitlines()[-1]
    head = VCF_HEADER[: VCF_HEADER.rindex("#CHROM")] + cols + "".join(
        f"\tS{i}" for i in range(n)) + "\n"
    record = [line for line in VCF.splitlines() if not line.startswith("#")][0]
    return (head + record + "\t0/1:5,5:0.5:10" * n + "\n").encode()


def _bomb() -> bytes:
    """90 KB that decompress to 90 MB: under MATCHER_MAX_DECOMPRESSED_BYTES, over 100x its size
    (MATCHER_MAX_DECOMPRESSION_RATIO)."""
    return gzip.compress(b"##fileformat=VCFv4.2\n##" + b"x" * (90 * 1024 * 1024), 9)


def _distinct_alk_fusions(n: int) -> bytes:
    """n fusions of ALK with n different real partner genes: each matches ALK-fusion evidence."""
    symbols = []
    with gzip.open(ROOT / "knowledgebase" / "reference" / "hgnc_genes.tsv.gz", "rt") as fh:
        next(fh)
        for line in fh:
            symbol = line.split("\t")[1]
            if symbol.isalnum() and symbol.isupper() and symbol != "ALK":
                symbols.append(symbol)
            if len(symbols) == n:
                break
    return json.dumps({"report_id": "H-ALK", "tumor_type": "NSCLC",
                       "fusions": [{"fusion": f"{s}::ALK"} for s in symbols]}).encode()


# Small hostile inputs (each under 100 KB) and the answer each must get. The goal: no
# request under 100 KB costs more than 200 MB or 5 s.
HOSTILE = [
    ("empty lines", VCF.encode() + b"\n" * 90_000, "text/plain", {"report_id": "H-EMPTY"},
     (201,)),
    ("copies of one fusion", json.dumps({"report_id": "H-FUS", "tumor_type": "NSCLC",
                                         "fusions": [{"fusion": "EML4::ALK"}] * 4000}).encode(),
     "application/json", {}, (422,)),
    ("copies of one variant", json.dumps({
        "report_id": "H-BRAF", "tumor_type": "THAP",
        "variants": [{"gene": "BRAF", "protein_change": "p.V600E", "vaf": i / 2000}
                     for i in range(1, 1300)]}).encode(), "application/json", {}, (422,)),
    ("distinct actionable calls", _distinct_alk_fusions(3000), "application/json", {}, (413,)),
    ("many samples", _many_samples(4000), "text/plain", {"sample": "S1"}, (413,)),
    ("many problems", (VCF_HEADER + "7\tx\t.\tA\tT\t.\tPASS\t.\tGT\t0/1\n" * 1800).encode(),
     "text/plain", {"report_id": "H-PROB"}, (400,)),
    ("5000-digit integer", sample_bytes().replace(b'"tumor_content": 70',
                                                  b'"tumor_content": ' + b"7" * 5000),
     "application/json", {}, (422,)),
    ("deep nesting", b"[" * 50_000 + b"]" * 50_000, "application/json", {}, (422,)),
    ("gzip bomb", _bomb(), "application/octet-stream", {"report_id": "H-BOMB", "format": "vcf"},
     (413,)),
    ("lone surrogate", sample_bytes().replace(b'"Demo Molecular', b'"\\ud800 Demo'),
     "application/json", {}, (422,)),
]


@pytest.mark.slow
def test_small_hostile_inputs_are_answered_within_time_and_memory(server):
    pid = _worker_pid(server)
    assert _post_json(server, sample_bytes()).status_code in (200, 201)  # warm
    baseline = _kib(pid, "VmRSS")
    report = []
    for name, body, content_type, query, expected in HOSTILE:
        assert len(body) < 100 * 1024, (name, len(body))
        started = time.monotonic()
        r = requests.post(server.url + "/v1/reports", data=body, params=query, timeout=60,
                          headers={**_auth(server), "Content-Type": content_type})
        elapsed = time.monotonic() - started
        peak = (_kib(pid, "VmHWM") - baseline) / 1024
        report.append(f"{name}: {r.status_code} in {elapsed:.2f} s, peak +{peak:.0f} MB, "
                      f"answer {len(r.content)} bytes")
        assert r.status_code in expected, (name, r.status_code, r.text[:300])
        assert len(r.content) < 200_000, (name, len(r.content))
        assert elapsed < 5, report
        assert peak < 200, report
        assert _worker_pid(server) == pid, f"{name}: the worker died"
    print("\n".join(report))
    stored = requests.get(server.url + "/v1/reports/H-EMPTY", headers=_auth(server), timeout=30)
    assert len(stored.content) < 200_000
