"""Fixtures of the HTTP service tests; a test module loads them with
``pytest_plugins = ("tests.conftest_service",)``.

``db_url`` runs a test once on SQLite and once on PostgreSQL (the latter marked ``postgres`` and
skipped unless ``MATCHER_TEST_POSTGRES_URL`` is set; see ``.ci/postgres.sh``). ``servers`` collects
real ``matcher serve`` processes (tests.service_helpers.start_server) and kills them at teardown.
"""

from __future__ import annotations

import os

import pytest

from matcher.service.auth import create_key
from matcher.service.store import Store
from tests.service_helpers import Server

PG_ENV = "MATCHER_TEST_POSTGRES_URL"
TABLES = ("reinterpretations, rematch_batches, rematch_jobs, report_alterations, reports, "
          "api_keys, alembic_version")


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
    from matcher.service.app import create_app

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


@pytest.fixture
def servers():
    """Servers started by a test, killed (whole process group) at teardown."""
    started: list[Server] = []
    yield started
    for s in started:
        s.kill()
