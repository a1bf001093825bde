#!/usr/bin/env python3
"""Where a submission's time goes: POST the 20-variant bench report through the Flask test client
and time each stage (read, normalise, match, store, …) with wrappers around the pipeline and store.

    .venv/bin/python bench/bench_stages.py [--curated-only] [--settle-heap] [-n 300] [--clock cpu]

Also reports the time spent in the garbage collector per submission; ``--settle-heap`` first
does what ``matcher serve`` does in its master before forking (freeze the loaded KB, raise the
young-generation threshold: ``matcher.commands.service.settle_heap``).

In process, on a fresh SQLite database in a temporary directory. Run by hand; figures go in
bench/README.md and the closing notes, never in tests.
"""

from __future__ import annotations

import argparse
import collections
import functools
import gc
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


clock = time.perf_counter

ORDER = ["key lookup", "idempotency check", "read + validate", "normalise", "match",
         "encode result (orjson, API)", "store (all of it: the next four and the insert)",
         "  orjson in the store (encode, decode)", "  alteration rows", "  commit (fsync)",
         "response body", "return freed memory (malloc_trim)"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curated-only", action="store_true", help="Leave out the CIViC import.")
    ap.add_argument("--settle-heap", action="store_true",
                    help="Freeze the loaded KB out of the collector, as `matcher serve` does.")
    ap.add_argument("-n", type=int, default=300, help="Timed submissions (default 300).")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall: time.perf_counter (fsync waits included); cpu: process CPU time "
                         "(steadier on a loaded machine; a commit's fsync wait is left out).")
    a = ap.parse_args()
    global clock
    clock = time.process_time if a.clock == "cpu" else time.perf_counter
    if not 0 < a.n <= 100_000:
        raise SystemExit("-n from 1 to 100000")
    tmp = tempfile.mkdtemp(prefix="matcher-stages-")
    os.environ["MATCHER_DATABASE_URL"] = f"sqlite:///{tmp}/stages.sqlite3"
    os.environ["MATCHER_LOG_LEVEL"] = "WARNING"
    if a.curated_only:
        os.environ["MATCHER_KB_IMPORTED"] = "0"

    import orjson
    from bench_api import report_template
    from sqlalchemy.engine import Connection

    import matcher.match_cache as match_cache
    import matcher.pipeline as pipeline
    import matcher.service.api.reports as reports
    import matcher.service.app as service_app
    import matcher.service.store as store
    from matcher.service.app import create_app
    from matcher.service.auth import create_key

    spent: collections.Counter = collections.Counter()

    class _TimedJson:
        """orjson, as seen by one module, with dumps and loads timed under one label."""

        Fragment = orjson.Fragment

        def __init__(self, spent: collections.Counter, label: str):
            self.spent, self.label = spent, label

        def _call(self, fn, *args, **kw):  # noqa: ANN001, ANN202
            t = clock()
            try:
                return fn(*args, **kw)
            finally:
                self.spent[self.label] += clock() - t

        def dumps(self, *args, **kw):  # noqa: ANN202
            return self._call(orjson.dumps, *args, **kw)

        def loads(self, *args, **kw):  # noqa: ANN202
            return self._call(orjson.loads, *args, **kw)

    def timed(owner, name: str, label: str) -> None:
        fn = getattr(owner, name)

        @functools.wraps(fn)
        def wrapper(*args, **kw):
            t = clock()
            try:
                return fn(*args, **kw)
            finally:
                spent[label] += clock() - t

        setattr(owner, name, wrapper)

    timed(pipeline, "read_reports", "read + validate")
    timed(pipeline, "normalize_report", "normalise")
    timed(pipeline, "match", "match")  # without a cache
    timed(match_cache.MatchCache, "match", "match")  # the service's: its cache first
    timed(match_cache.MatchCache, "encode", "encode result (orjson, API)")
    timed(store.Store, "submit", "store (all of it: the next four and the insert)")
    timed(store, "alteration_rows", "  alteration rows")
    timed(Connection, "_commit_impl", "  commit (fsync)")
    reports.orjson = _TimedJson(spent, "encode result (orjson, API)")
    store.orjson = _TimedJson(spent, "  orjson in the store (encode, decode)")
    timed(store.Store, "get", "idempotency check")
    timed(store.Store, "find_key", "key lookup")
    timed(reports, "_record", "response body")
    timed(service_app, "trim_heap", "return freed memory (malloc_trim)")

    app = create_app()
    if a.settle_heap:
        from matcher.commands.service import settle_heap
        settle_heap()
    st = store.Store(os.environ["MATCHER_DATABASE_URL"])
    st.migrate()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_key(st, 'bench').key}",
               "Content-Type": "application/json"}
    doc = report_template()

    def submit() -> None:
        doc["report_id"] = f"STAGES-{uuid.uuid4().hex}"
        r = client.post("/v1/reports", data=json.dumps(doc), headers=headers)
        if r.status_code != 201:
            raise SystemExit(f"submission answered {r.status_code}: {r.data[:200]!r}")

    for _ in range(30):  # warm-up: memos, caches, connection pool
        submit()
    collector = [0.0, 0.0]  # seconds spent, start of the current collection

    def on_gc(phase: str, _info: dict) -> None:
        if phase == "start":
            collector[1] = clock()
        else:
            collector[0] += clock() - collector[1]

    gc.callbacks.append(on_gc)
    spent.clear()
    t = clock()
    for _ in range(a.n):
        submit()
    total = (clock() - t) / a.n * 1000
    gc.callbacks.remove(on_gc)
    kb = "curated" if a.curated_only else "curated + CIViC"
    print(f"{kb}: {total:.2f} ms per submission ({a.clock} clock, Flask test client, {a.n} "
          f"submissions, load average {os.getloadavg()[0]:.1f})")
    for label, secs in sorted(spent.items(), key=lambda kv: ORDER.index(kv[0])
                              if kv[0] in ORDER else len(ORDER)):
        print(f"  {label:<42}{secs / a.n * 1000:8.3f} ms")
    rest = total - sum(v for k, v in spent.items() if not k.startswith(" ")) / a.n * 1000
    print(f"  {'rest (Flask, smorest, auth, test client)':<42}{rest:8.3f} ms")
    print(f"  {'of all that, in the garbage collector':<42}{collector[0] / a.n * 1000:8.3f} ms"
          + (" (heap settled as in matcher serve)" if a.settle_heap else ""))


if __name__ == "__main__":
    main()
