"""SIGKILL the server while submissions are under way; after a restart every 201 is intact."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
from contextlib import closing

import requests

from matcher.client import MatcherClient
from tests.service_helpers import sample_bytes, start_server

pytest_plugins = ("tests.conftest_service",)


def test_every_acknowledged_report_survives_sigkill(tmp_path, servers, db_url):
    url = db_url  # SQLite file under tmp_path, or the test PostgreSQL database
    first = start_server(tmp_path, url, workers=2)
    servers.append(first)
    key = first.key
    base = json.loads(sample_bytes())
    acked: dict[str, dict] = {}  # report id -> record of its 201
    unknown: list[bytes] = []  # sent, no answer (the kill came first)
    lock = threading.Lock()
    stop = threading.Event()

    def submitter(t: int) -> None:
        session = requests.Session()
        for n in range(10_000):  # bounded; the kill ends it far sooner
            if stop.is_set():
                return
            body = json.dumps(dict(base, report_id=f"CRASH-{t}-{n}")).encode()
            try:
                r = session.post(first.url + "/v1/reports", data=body, timeout=10, headers={
                    "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            except requests.RequestException:
                with lock:
                    unknown.append(body)
                if stop.is_set():
                    return
                continue
            if r.status_code == 201:
                with lock:
                    acked[r.json()["report_id"]] = r.json()

    threads = [threading.Thread(target=submitter, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.kill(signal.SIGKILL)  # master and workers, mid-request
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acked) >= 10
    print(f"acknowledged {len(acked)}, in flight at the kill {len(unknown)}")

    if url.startswith("sqlite"):  # the database file is consistent after the crash
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    second = start_server(tmp_path, url, workers=2)
    servers.append(second)
    assert second.key is None  # keys exist: no new demo key on restart
    with MatcherClient(second.url, key) as client:
        for rid, record in acked.items():
            stored = client.fetch(rid)
            assert stored["result"] == record["result"], rid
            assert stored["content_sha256"] == record["content_sha256"]
            assert stored["version"] == 1
        # Whatever was in flight can simply be sent again: stored once, never a conflict.
        for body in unknown:
            res = client.submit(body)
            assert res.status in (200, 201)
            assert res.record["version"] == 1
        total = client.list(page_size=1)["total"]
    assert total >= len(acked)
