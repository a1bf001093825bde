"""Two `matcher serve` processes on one PostgreSQL, the same submissions fired at both at once.

Exactly one stored report per (lab, report_id); for each report id exactly one 201, every other
identical submission a 200 with the very same stored result, every conflicting one a 409.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from matcher.service.auth import create_key
from matcher.service.store import Store
from matcher.service.store_models import reports
from tests.service_helpers import sample_bytes, start_server

pytest_plugins = ("tests.conftest_service",)
pytestmark = pytest.mark.postgres


def test_two_servers_one_database_same_submissions(pg_url, tmp_path, servers):
    store = Store(pg_url)
    store.migrate()
    keys = {lab: create_key(store, lab).key for lab in ("lab-a", "lab-b")}
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
    servers.append(start_server(tmp_path / "one", pg_url, demo_key=False))
    servers.append(start_server(tmp_path / "two", pg_url, demo_key=False))

    base = json.loads(sample_bytes())
    jobs = []  # (lab, report_id, body, variant)
    for lab in keys:
        for n in range(6):
            doc = dict(base, report_id=f"SAME-{n}")
            body = json.dumps(doc).encode()
            jobs += [(lab, doc["report_id"], body, "x")] * 6
        for n in range(4):
            x = json.dumps(dict(base, report_id=f"RACE-{n}")).encode()
            y = json.dumps(dict(base, report_id=f"RACE-{n}", tumor_type="COAD")).encode()
            jobs += [(lab, f"RACE-{n}", x, "x")] * 3 + [(lab, f"RACE-{n}", y, "y")] * 3
    random.Random(7).shuffle(jobs)


    def fire(i_job):
        i, (lab, rid, body, variant) = i_job
        srv = servers[i % 2]
        r = requests.post(srv.url + "/v1/reports", data=body, timeout=60, headers={
            "Authorization": f"Bearer {keys[lab]}", "Content-Type": "application/json"})
        return lab, rid, variant, r.status_code, (r.json() if r.content else None)

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(fire, enumerate(jobs)))

    by_report = defaultdict(list)
    for lab, rid, variant, status, doc in answers:
        by_report[(lab, rid)].append((variant, status, doc))
    assert len(by_report) == 2 * 10
    for (lab, rid), got in by_report.items():
        statuses = [s for _, s, _ in got]
        assert statuses.count(201) == 1, (lab, rid, statuses)
        winner_variant, _, winner = next(g for g in got if g[1] == 201)
        assert winner["lab"] == lab and winner["version"] == 1
        for variant, status, doc in got:
            if variant == winner_variant:
                assert status in (200, 201), (lab, rid, status, doc)
                assert doc["result"] == winner["result"] and doc["version"] == 1
                assert doc["content_sha256"] == winner["content_sha256"]
            else:
                assert status == 409, (lab, rid, status, doc)

    with store.engine.connect() as conn:
        rows = conn.execute(select(reports.c.lab, reports.c.report_id, func.count())
                            .group_by(reports.c.lab, reports.c.report_id)).all()
    assert len(rows) == 20 and all(count == 1 for _, _, count in rows)
    store.engine.dispose()
