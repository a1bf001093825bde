"""Group commit on SQLite (Store._GroupCommit): submissions queued while a commit is under way
share the next transaction; each keeps its own outcome (created, existing, conflict); and every
submission acknowledged before the process is killed is in the store afterwards."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from matcher.errors import Conflict
from matcher.service.store import Store, Submission

ROOT = Path(__file__).resolve().parents[1]


def sub(report_id: str, sha: str = "a" * 64, lab: str = "lab-a") -> Submission:
    return Submission(
        lab=lab, report_id=report_id, content_sha256=sha, content_size=3, content=b"abc",
        source_format="labjson", params={"format": "labjson"},
        alterations=[{"gene": "BRAF"}], result={"report_id": report_id, "sha": sha},
        kb_version="1", kb_hash="h", matcher_version="0.1.0")


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/g.sqlite3")
    s.migrate()
    yield s
    s.engine.dispose()


def _hold_first_batch(store: Store, waiting: int) -> None:
    """Make the first batch's writer wait until ``waiting`` more submissions are queued, so the
    next batch holds them all (no timing involved: it waits on the queue itself)."""
    inner = store._submit_in
    first = threading.Event()

    def held(conn, s, *args):  # noqa: ANN001, ANN002, ANN202
        if not first.is_set():
            first.set()
            deadline = time.monotonic() + 30
            while len(store.group.queue) < waiting and time.monotonic() < deadline:
                time.sleep(0.005)
        return inner(conn, s, *args)

    store._submit_in = held


def _run(store: Store, subs: list[tuple[Submission, bool]]) -> list:
    """Submit each from its own thread (the first alone, then the rest together)."""
    out: list = [None] * len(subs)

    def one(i: int) -> None:
        try:
            out[i] = store.submit(subs[i][0], supersede=subs[i][1])
        except Conflict as exc:
            out[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(subs))]
    threads[0].start()
    while not store.group.busy:
        time.sleep(0.001)
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_submissions_queued_during_a_commit_share_the_next_one(store):
    assert store.group is not None
    _hold_first_batch(store, waiting=5)
    out = _run(store, [(sub(f"G-{n}"), False) for n in range(6)])
    assert all(created for _, created in out)
    assert (store.group.commits, store.group.submissions) == (2, 6)  # 1 alone, then 5 together
    for n in range(6):
        got = store.get("lab-a", f"G-{n}")
        assert got is not None and got.version == 1
    assert [r.version for r in store.list("lab-a", limit=10)[0]] == [1] * 6


def test_each_submission_of_a_batch_keeps_its_own_outcome(store):
    store.submit(sub("OLD", sha="b" * 64))
    before = store.group.commits
    _hold_first_batch(store, waiting=4)
    out = _run(store, [
        (sub("NEW-1"), False),
        (sub("OLD", sha="c" * 64), False),  # different content, no supersede: 409, alone
        (sub("NEW-2"), False),
        (sub("NEW-2"), False),  # the same content twice in one batch: stored once
        (sub("OLD", sha="b" * 64), False),  # identical to the stored one: that one
    ])
    assert isinstance(out[1], Conflict)
    assert out[0][1] is True and out[0][0].report_id == "NEW-1"
    assert sorted(o[1] for o in (out[2], out[3])) == [False, True]
    assert out[4][1] is False and out[4][0].content_sha256 == "b" * 64
    assert store.group.commits - before == 2  # the first alone, the other four together
    assert store.get("lab-a", "OLD").content_sha256 == "b" * 64
    assert store.versions("lab-a", "NEW-2") == [1]


def test_supersede_inside_a_batch(store):
    store.submit(sub("AMEND", sha="b" * 64))
    _hold_first_batch(store, waiting=1)
    out = _run(store, [(sub("OTHER"), False), (sub("AMEND", sha="c" * 64), True)])
    assert out[1][1] is True and out[1][0].version == 2
    assert store.versions("lab-a", "AMEND") == [1, 2]
    assert store.get("lab-a", "AMEND").content_sha256 == "c" * 64


def test_without_group_commit_each_submission_commits_alone(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/single.sqlite3", group_commit=False)
    s.migrate()
    assert s.group is None
    stored, created = s.submit(sub("ALONE"))
    assert created and s.get("lab-a", "ALONE").id == stored.id
    s.engine.dispose()


CHILD = textwrap.dedent("""
    import sys, threading
    from matcher.service.store import Store, Submission
    store = Store(sys.argv[1])
    lock = threading.Lock()

    def submitter(t):
        for n in range(100_000):
            rid = f"K-{t}-{n}"
            store.submit(Submission(
                lab="lab-a", report_id=rid, content_sha256="a" * 64, content_size=3,
                content=b"abc", source_format="labjson", params={}, alterations=[],
                result={"report_id": rid}, kb_version="1", kb_hash="h", matcher_version="0"))
            with lock:  # acknowledged: only now may the caller be told
                print(rid, store.group.commits, store.group.submissions, flush=True)

    for t in range(6):
        threading.Thread(target=submitter, args=(t,), daemon=True).start()
    threading.Event().wait()
""")


def test_every_acknowledged_submission_survives_sigkill(tmp_path):
    url = f"sqlite:///{tmp_path}/kill.sqlite3"
    s = Store(url)
    s.migrate()
    s.engine.dispose()
    acked: list[str] = []
    stats = (0, 0)
    with subprocess.Popen([sys.executable, "-c", CHILD, url], stdout=subprocess.PIPE,
                          text=True, cwd=ROOT) as child:
        try:
            for line in child.stdout:
                rid, commits, submissions = line.split()
                acked.append(rid)
                stats = (int(commits), int(submissions))
                if len(acked) >= 60:
                    break
        finally:
            child.send_signal(signal.SIGKILL)
            rest = child.stdout.read()  # acknowledged before the kill, still in the pipe
            child.wait(30)
    acked += [line.split()[0] for line in rest.splitlines() if line.strip()]
    assert len(acked) >= 60 and stats[0] <= stats[1]
    after = Store(url)
    missing = [rid for rid in acked if after.get("lab-a", rid) is None]
    assert not missing
    with after.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    after.engine.dispose()
