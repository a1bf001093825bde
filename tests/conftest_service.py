"""Fixtures of the HTTP service tests (import the ones you use into the test module).

``backend`` runs a test once on SQLite and once on PostgreSQL (the latter only when
``MATCHER_TEST_POSTGRES_URL`` is set; see ``.ci/postgres.sh``). ``running_server`` starts a real
``matcher serve`` on a free loopback port.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from matcher.auth import create_key
from matcher.store import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "vcf_samples"
PG_ENV = "MATCHER_TEST_POSTGRES_URL"
TABLES = "reports, api_keys, alembic_version"


def pg_url_or_skip() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (run .ci/postgres.sh to get one)")
    return url


def reset_pg(url: str) -> None:
    """Drop the service's tables so each test starts from an empty, unmigrated database."""
    store = Store(url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLES} CASCADE")
    store.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """An empty database URL: a SQLite file, or the test PostgreSQL database (reset)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'matcher.sqlite3'}"
    url = pg_url_or_skip()
    reset_pg(url)
    return url


@pytest.fixture
def pg_url() -> str:
    url = pg_url_or_skip()
    reset_pg(url)
    return url


@pytest.fixture
def store(db_url):
    s = Store(db_url)
    s.migrate()
    yield s
    s.engine.dispose()


@pytest.fixture
def make_app(kb, db_url):
    """Build an app on the test database (migrated) with config overrides."""
    from matcher.app import create_app

    apps = []

    def _make(**overrides):
        app = create_app({"DATABASE_URL": db_url, **overrides}, kb=kb)
        app.extensions["matcher"].store.migrate()
        apps.append(app)
        return app

    yield _make
    for app in apps:
        app.extensions["matcher"].store.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def new_key(app):
    """new_key('lab-a') -> Authorization headers for a fresh key of that lab."""

    def _key(lab: str = "lab-a") -> dict[str, str]:
        key = create_key(app.extensions["matcher"].store, lab).key
        return {"Authorization": f"Bearer {key}"}

    return _key


@pytest.fixture
def auth(new_key) -> dict[str, str]:
    return new_key("lab-a")


def sample_bytes(name: str = "atc_braf_v600e.json") -> bytes:
    return (SAMPLES / name).read_bytes()


# ------------------------------------------------------------------------------ real servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A `matcher serve` process group on a loopback port."""

    url: str
    proc: subprocess.Popen
    workdir: Path
    key: str | None = None
    log: Path | None = None
    extra: dict = field(default_factory=dict)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def start_server(workdir: Path, db_url: str, *, workers: int = 2, env: dict | None = None,
                 wait: float = 40.0, demo_key: bool = True) -> Server:
    """Start `python -m matcher.cli serve` in its own process group; wait for /readyz."""
    port = free_port()
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "MATCHER_DATABASE_URL": db_url,
                "MATCHER_BIND": f"127.0.0.1:{port}", "MATCHER_WORKERS": str(workers),
                "MATCHER_LOG_LEVEL": "WARNING", **(env or {})}
    out = (workdir / f"serve-{port}.out").open("w")
    err = workdir / f"serve-{port}.err"
    args = [sys.executable, "-m", "matcher.cli", "serve"]
    if not demo_key:
        args.append("--no-demo-key")
    proc = subprocess.Popen(args, cwd=workdir, env=full_env, stdout=out, stderr=err.open("w"),
                            start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", proc, workdir, log=err)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"matcher serve exited {proc.returncode}: {err.read_text()[-2000:]}")
        try:
            if requests.get(server.url + "/readyz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    else:
        server.kill()
        raise RuntimeError(f"matcher serve not ready: {err.read_text()[-2000:]}")
    out.flush()
    found = re.search(r"mk_[A-Za-z0-9_-]{40,}", (workdir / f"serve-{port}.out").read_text())
    server.key = found.group(0) if found else None
    return server


@pytest.fixture
def servers():
    """Servers started by a test, killed (whole process group) at teardown."""
    started: list[Server] = []
    yield started
    for s in started:
        s.kill()
