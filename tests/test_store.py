"""The report store on SQLite and PostgreSQL: migrations, idempotency, versions, races."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from matcher.errors import Conflict
from matcher.service.store import Store, Submission, normalise_url, utcnow
from matcher.service.store_models import reports

pytest_plugins = ("tests.conftest_service",)


def sub(report_id="R1", sha="a" * 64, lab="lab-a", result=None) -> Submission:
    return Submission(
        lab=lab, report_id=report_id, content_sha256=sha, content_size=3, content=b"abc",
        source_format="labjson", params={"format": "labjson"},
        alterations=[{"gene": "BRAF"}], result=result or {"report_id": report_id, "sha": sha},
        kb_version="1", kb_hash="h", matcher_version="0.1.0")


def test_migrations_are_idempotent_and_reach_head(db_url):
    s = Store(db_url)
    assert s.schema_revision() is None and not s.ping()
    s.migrate()
    s.migrate()
    assert s.schema_revision() == Store.head_revision() and s.ping()
    s.engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/var/m.sqlite3")  # creates the var/ folder
    s.migrate()
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    s.engine.dispose()


def test_submit_is_idempotent_conflicts_and_supersedes(store):
    first, created = store.submit(sub())
    assert created and first.version == 1
    again, created = store.submit(sub())
    assert not created and again.id == first.id and again.result_json == first.result_json
    with pytest.raises(Conflict) as err:
        store.submit(sub(sha="b" * 64))
    assert err.value.status == 409
    second, created = store.submit(sub(sha="b" * 64), supersede=True)
    assert created and second.version == 2
    assert store.versions("lab-a", "R1") == [1, 2]
    old = store.get("lab-a", "R1", 1)
    assert not old.is_current and old.superseded_at is not None
    assert old.result == {"report_id": "R1", "sha": "a" * 64}
    assert store.get("lab-a", "R1").version == 2
    # Back to the first content is a third version, not a rewrite of history.
    third, created = store.submit(sub(sha="a" * 64), supersede=True)
    assert created and third.version == 3


def test_reports_belong_to_their_lab(store):
    store.submit(sub(lab="lab-b"))
    assert store.get("lab-a", "R1") is None
    assert store.list("lab-a") == ([], 0)
    mine, created = store.submit(sub(lab="lab-a", sha="c" * 64))
    assert created and mine.version == 1
    assert store.get("lab-b", "R1").content_sha256 == "a" * 64


def test_database_refuses_two_current_versions(store):
    store.submit(sub())
    row = dict(lab="lab-a", report_id="R1", version=2, is_current=True, content_sha256="x",
               content_size=1, source_format="labjson", params="{}", alterations="[]",
               result="{}", kb_version="1", kb_hash="h", matcher_version="0", created_at=utcnow())
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(reports).values(**row))
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(reports).values(**{**row, "version": 1, "is_current": False}))


def test_list_newest_first_with_filters_and_paging(store):
    for n in range(4):
        store.submit(sub(report_id=f"R{n}"))
    items, total = store.list("lab-a", limit=3)
    assert total == 4 and [r.report_id for r in items] == ["R3", "R2", "R1"]
    items, _ = store.list("lab-a", limit=3, offset=3)
    assert [r.report_id for r in items] == ["R0"]
    assert store.list("lab-a", report_id="R2")[1] == 1
    now = utcnow()
    assert store.list("lab-a", since=now + timedelta(seconds=5))[1] == 0
    assert store.list("lab-a", until=now + timedelta(seconds=5))[1] == 4


def test_content_kept_or_dropped_by_setting(db_url):
    s = Store(db_url, store_content=False)
    s.migrate()
    s.submit(sub())
    assert s.get("lab-a", "R1", with_content=True).content is None
    s.engine.dispose()


def test_concurrent_identical_and_conflicting_submissions(store):
    """16 threads race on one report id: one row, one 'created', the rest agree or conflict."""
    outcomes: list[tuple[str, object]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(16)

    def worker(i: int) -> None:
        barrier.wait()
        sha = "a" * 64 if i % 2 == 0 else "b" * 64
        try:
            rep, created = store.submit(sub(sha=sha))
            out = ("created" if created else "existing", rep.content_sha256, sha)
        except Conflict:
            out = ("conflict", None, sha)
        with lock:
            outcomes.append(out)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcomes) == 16
    created = [o for o in outcomes if o[0] == "created"]
    assert len(created) == 1
    winner = created[0][2]
    for kind, stored_sha, sent in outcomes:
        if sent == winner:
            assert kind in ("created", "existing") and stored_sha == winner
        else:
            assert kind == "conflict"
    assert store.versions("lab-a", "R1") == [1]


def test_concurrent_supersedes_make_a_gapless_version_chain(store):
    store.submit(sub())
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        barrier.wait()
        try:
            store.submit(sub(sha=f"{i:064d}"), supersede=True)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert store.versions("lab-a", "R1") == list(range(1, 10))
    assert store.list("lab-a")[1] == 1


def test_plain_postgres_urls_use_psycopg3():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x") == "sqlite:///x"


def test_concurrent_migrations_from_two_processes(db_url):
    """Two servers starting at once on an empty database both end up at head."""
    import os
    import subprocess
    import sys

    from tests.service_helpers import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT), "MATCHER_DATABASE_URL": db_url}
    procs = [subprocess.Popen([sys.executable, "-m", "matcher.cli", "db", "upgrade"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    s = Store(db_url)
    assert s.schema_revision() == Store.head_revision() and s.ping()
    s.engine.dispose()


def test_migrations_build_exactly_the_declared_tables(store):
    """The Alembic migrations and store_models.py agree (columns, indexes, constraints)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from matcher.service.store_models import metadata

    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
