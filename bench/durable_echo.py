"""The durable-echo baseline of ``bench_api_cost.py`` (issue 13, row 3).

The floor any service that durably accepts a report must pay: parse the JSON body, insert it
into SQLite (WAL mode, ``synchronous=FULL``, ``BEGIN IMMEDIATE``, unique report id) and answer
201 only once the row is committed. Served under the gunicorn settings of ``matcher serve``
(``matcher.commands.service.gunicorn_options``: the gthread worker, workers, threads,
timeouts)::

    .venv/bin/python bench/durable_echo.py --bind 127.0.0.1:8001 --db /tmp/echo.sqlite3

Binds to 127.0.0.1 only. Run by the benchmark, not deployed.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCHEMA = ("CREATE TABLE IF NOT EXISTS reports (id INTEGER PRIMARY KEY, report_id TEXT NOT NULL "
          "UNIQUE, body BLOB NOT NULL, received_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)")


def connect(path: str) -> sqlite3.Connection:
    """A connection with the store's pragmas: WAL, synchronous=FULL, 30 s busy timeout."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def create_echo_app(db_path: str):  # noqa: ANN201 - a Flask app
    """POST /v1/reports: parse, insert, commit, 201. GET /healthz: 200."""
    from flask import Flask, jsonify, request

    with connect(db_path) as conn:
        conn.execute(SCHEMA)
    app = Flask("durable_echo")
    local = threading.local()  # one connection per worker thread, opened after the fork

    @app.post("/v1/reports")
    def submit():  # noqa: ANN202
        try:
            doc = json.loads(request.get_data())
            report_id = str(doc["report_id"])
        except (ValueError, KeyError, TypeError):
            return jsonify({"title": "not a lab JSON report"}), 422
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = connect(db_path)
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT INTO reports (report_id, body) VALUES (?, ?)",
                         (report_id, request.get_data()))
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK")
            return jsonify({"report_id": report_id, "status": "exists"}), 200
        conn.execute("COMMIT")  # fsync of the WAL before the answer (synchronous=FULL)
        return jsonify({"report_id": report_id, "status": "stored"}), 201

    @app.get("/healthz")
    def health():  # noqa: ANN202
        return {"status": "ok"}

    return app


def serve(bind: str, db_path: str, workers: int, threads: int) -> None:
    """Run the echo app under ``matcher serve``'s gunicorn options."""
    from gunicorn.app.base import BaseApplication

    from matcher.commands.service import gunicorn_options
    from matcher.service.config import load_config

    cfg = load_config({"BIND": bind, "WORKERS": workers, "THREADS": threads,
                       "LOG_LEVEL": "WARNING"})
    options = gunicorn_options(cfg)

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):  # noqa: ANN202
            return create_echo_app(db_path)

    sys.argv = sys.argv[:1]
    Server().run()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bind", required=True, help="127.0.0.1:PORT")
    ap.add_argument("--db", required=True, help="SQLite file")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=8)
    a = ap.parse_args()
    if not a.bind.startswith("127.0.0.1:"):
        raise SystemExit("the echo server binds to 127.0.0.1 only")
    serve(a.bind, a.db, a.workers, a.threads)


if __name__ == "__main__":
    main()
