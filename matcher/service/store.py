"""Durable storage of submissions, results and API keys (SQLAlchemy 2, SQLite or PostgreSQL).

One code path for both databases. SQLite runs in WAL mode with ``synchronous=FULL`` and write
transactions opened with ``BEGIN IMMEDIATE`` (no lock-upgrade deadlocks between processes).
Idempotency is the database's job: see :mod:`matcher.service.store_models` for the constraints, and
:meth:`Store.submit` for how a lost race is turned into the right answer (200 or 409).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from matcher.errors import Conflict
from matcher.service import result_codec
from matcher.service.alterations import INSERT_ROWS, alteration_rows
from matcher.service.store_models import api_keys, report_alterations, reports

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MAX_ATTEMPTS = 8  # lost races retried before giving up (each loser re-reads the winner)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (psycopg2 is not a dependency)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; everything stored is UTC."""
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt


@dataclass(frozen=True)
class Submission:
    """What the API hands the store for one report: identity, content fingerprint and result.

    ``alterations`` and ``result`` are JSON-ready values or the model's dataclasses (the API
    hands over the :class:`~matcher.model.MatchResult` itself); both are encoded with orjson.
    ``encoded``: the result already split for storage (the API does it with the match cache's
    memo, :func:`matcher.service.result_codec.encode_shared`); else the store splits ``result``.
    """

    lab: str
    report_id: str
    content_sha256: str
    content_size: int
    content: bytes | None
    source_format: str
    params: dict[str, Any]
    alterations: list[Any]
    result: Any
    kb_version: str
    kb_hash: str
    matcher_version: str
    request_id: str | None = None
    encoded: result_codec.Encoded | None = None


@dataclass(frozen=True)
class StoredReport:
    """One stored version of a report. ``result_json`` is the result exactly as first served
    (the compact view; ``result_detail`` turns it into the full view, see
    :mod:`matcher.service.result_codec`)."""

    id: int
    lab: str
    report_id: str
    version: int
    is_current: bool
    content_sha256: str
    content_size: int
    source_format: str
    params: dict[str, Any]
    result_json: str
    kb_version: str
    kb_hash: str
    matcher_version: str
    created_at: datetime
    superseded_at: datetime | None = None
    request_id: str | None = None
    content: bytes | None = field(default=None, repr=False)
    alterations_json: str = field(default="[]", repr=False)
    result_detail: bytes | None = field(default=None, repr=False)

    @property
    def result(self) -> dict[str, Any]:
        """The full view of the result (what the FHIR and HTML renderers and re-matching read)."""
        return result_codec.full_result(self.result_json, self.result_detail)

    def result_view(self, view: str) -> str:
        """The result as JSON text in ``view`` ('compact', the default served, or 'full')."""
        return result_codec.view_json(self.result_json, self.result_detail, view)

    @property
    def alterations(self) -> list[Any]:
        return json.loads(self.alterations_json)


@dataclass(frozen=True)
class ApiKeyRow:
    id: int
    lab: str
    prefix: str
    key_sha256: str
    created_at: datetime
    revoked_at: datetime | None
    note: str | None


_LIST_COLUMNS = [c for c in reports.c if c.name not in ("content", "alterations")]
_META_COLUMNS = [c for c in _LIST_COLUMNS
                 if c.name not in ("result", "result_detail")]  # listings: no result

# Hot-path statements, built once (bound parameters): building them per request costs more than
# running them.
_FIND_KEY = select(api_keys).where(api_keys.c.prefix == bindparam("prefix"))
_SAME_REPORT = (reports.c.lab == bindparam("lab"), reports.c.report_id == bindparam("rid"))
_GET_CURRENT = select(*_LIST_COLUMNS, reports.c.alterations).where(*_SAME_REPORT,
                                                                   reports.c.is_current)
_INSERT_REPORT = insert(reports).returning(reports.c.id)


def _report(row: Any) -> StoredReport:
    m = row._mapping
    return StoredReport(
        id=m["id"], lab=m["lab"], report_id=m["report_id"], version=m["version"],
        is_current=bool(m["is_current"]), content_sha256=m["content_sha256"],
        content_size=m["content_size"], source_format=m["source_format"],
        params=json.loads(m["params"]), result_json=m.get("result") or "null",
        kb_version=m["kb_version"],
        kb_hash=m["kb_hash"], matcher_version=m["matcher_version"],
        created_at=_aware(m["created_at"]), superseded_at=_aware(m["superseded_at"]),
        request_id=m["request_id"], content=m.get("content"),
        alterations_json=m.get("alterations") or "[]", result_detail=m.get("result_detail"),
    )


def _key(row: Any) -> ApiKeyRow:
    m = row._mapping
    return ApiKeyRow(id=m["id"], lab=m["lab"], prefix=m["prefix"], key_sha256=m["key_sha256"],
                     created_at=_aware(m["created_at"]), revoked_at=_aware(m["revoked_at"]),
                     note=m["note"])


class _LostRace(Exception):
    """Another transaction changed the report between our read and our write: read again."""


class _Pending:
    """One submission waiting for a group commit: its outcome, or its error, or None (retry
    alone)."""

    __slots__ = ("encoded", "error", "finished", "outcome", "replaces", "sub", "supersede")

    def __init__(self, sub: Submission, encoded: result_codec.Encoded, supersede: bool,
                 replaces: int | None):
        self.sub, self.encoded, self.supersede, self.replaces = sub, encoded, supersede, replaces
        self.outcome: tuple[StoredReport, bool] | None = None
        self.error: BaseException | None = None
        self.finished = False


class _GroupCommit:
    """Submissions that arrive while another commit is under way share the next transaction.

    No thread of its own: the first waiting submitter takes every submission queued so far,
    writes each inside a savepoint (a conflict undoes that one only) and commits them with one
    ``COMMIT`` (one fsync). Each submitter returns only after the transaction holding its row
    has committed, so a 201 still means durably stored. While one batch commits, the next
    gathers; with one submission at a time it is the plain single-transaction path.
    """

    def __init__(self, store: Store):
        self.store = store
        self.cond = threading.Condition()
        self.queue: list[_Pending] = []
        self.busy = False
        self.commits = 0  # transactions committed, and submissions they held (tests, bench)
        self.submissions = 0

    def submit(self, sub: Submission, encoded: result_codec.Encoded, supersede: bool,
               replaces: int | None = None) -> tuple[StoredReport, bool] | None:
        """The outcome once committed; None: write it alone (lost race, integrity error)."""
        mine = _Pending(sub, encoded, supersede, replaces)
        with self.cond:
            self.queue.append(mine)
            while self.busy and not mine.finished:
                self.cond.wait()
            if not mine.finished:  # nobody is committing: lead the next batch (mine is in it)
                self.busy = True
                batch, self.queue = self.queue, []
        if not mine.finished:
            try:
                self._commit(batch)
            finally:
                with self.cond:
                    self.busy = False
                    self.cond.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.outcome

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            with self.store._write() as conn:
                for p in batch:
                    savepoint = conn.begin_nested()
                    try:
                        p.outcome = self.store._submit_in(conn, p.sub, p.encoded, p.supersede,
                                                          p.replaces)
                        savepoint.commit()
                    except (_LostRace, IntegrityError):
                        savepoint.rollback()  # outcome None: the submitter writes it alone
                    except Exception as exc:  # noqa: BLE001 - that submission's own (Conflict…)
                        savepoint.rollback()
                        p.outcome, p.error = None, exc
            self.commits += 1
            self.submissions += len(batch)
        except Exception as exc:  # noqa: BLE001 - the transaction failed: none of it is stored
            for p in batch:
                p.outcome, p.error = None, p.error or exc
        finally:
            for p in batch:
                p.finished = True


def _create_private(path: Path) -> None:
    """Create a new SQLite database file readable by its owner only (0600; its folder 0700 when
    made here): it holds patient data. SQLite gives its -wal and -shm files the database file's
    mode. An existing file keeps its mode (an operator may have chosen it)."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)  # whatever the umask


class Store:
    """The report store. Thread-safe; create one per process (after fork, call :meth:`dispose`)."""

    def __init__(self, url: str, *, store_content: bool = True, echo: bool = False,
                 group_commit: bool = True):
        self.url = normalise_url(url)
        self.store_content = store_content
        self.engine = self._make_engine(self.url, echo)
        # SQLite only: one writer at a time per database, so submissions arriving together in
        # one process share one transaction and one fsync (PostgreSQL commits concurrently).
        self.group = _GroupCommit(self) if group_commit and self.dialect == "sqlite" else None

    # ------------------------------------------------------------------ engine and migrations
    @staticmethod
    def _make_engine(url: str, echo: bool) -> Engine:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5,
                                 max_overflow=5, pool_timeout=10)
        if parsed.database and parsed.database != ":memory:" and \
                not parsed.database.startswith("file:"):
            _create_private(Path(parsed.database))
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # a 201 survives power loss, not only crashes
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("matcher_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic (safe to call from several processes)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.connect() as conn:
            conn.execution_options(matcher_write=True)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            if conn.in_transaction():
                conn.commit()

    @staticmethod
    def head_revision() -> str:
        """The newest migration this code knows."""
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        return ScriptDirectory.from_config(cfg).get_current_head()

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (None: not migrated)."""
        from alembic.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def ping(self) -> bool:
        """True when the database answers and the schema exists."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(func.count()).select_from(api_keys).limit(1)).scalar()
            return True
        except OperationalError:
            return False
        except Exception:  # noqa: BLE001 - any driver error means "not ready"
            return False

    def dispose(self) -> None:
        """Drop pooled connections (call in a forked child before first use)."""
        self.engine.dispose(close=False)

    def close(self) -> None:
        """Close the pooled connections (a command that is done with the store; Python 3.13
        warns about a SQLite connection left to the garbage collector). The store stays usable:
        the next query connects again."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(matcher_write=True)
            with conn.begin():
                yield conn

    # ------------------------------------------------------------------ API keys
    def add_key(self, lab: str, prefix: str, key_sha256: str, note: str | None = None) -> ApiKeyRow:
        """Insert a key (raises IntegrityError on a prefix collision)."""
        now = utcnow()
        with self._write() as conn:
            new_id = conn.execute(insert(api_keys).values(
                lab=lab, prefix=prefix, key_sha256=key_sha256, created_at=now, note=note,
            ).returning(api_keys.c.id)).scalar_one()
        return ApiKeyRow(new_id, lab, prefix, key_sha256, now, None, note)

    def find_key(self, prefix: str) -> ApiKeyRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(_FIND_KEY, {"prefix": prefix}).first()
        return _key(row) if row else None

    def list_keys(self, lab: str | None = None) -> list[ApiKeyRow]:
        q = select(api_keys).order_by(api_keys.c.lab, api_keys.c.created_at)
        if lab:
            q = q.where(api_keys.c.lab == lab)
        with self.engine.connect() as conn:
            return [_key(r) for r in conn.execute(q)]

    def count_keys(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(api_keys)).scalar_one()

    def revoke_key(self, prefix: str) -> bool:
        """Revoke by prefix; False when no such active key."""
        with self._write() as conn:
            res = conn.execute(update(api_keys).where(
                api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None),
            ).values(revoked_at=utcnow()))
        return res.rowcount == 1

    # ------------------------------------------------------------------ reports
    def get(self, lab: str, report_id: str, version: int | None = None, *,
            with_content: bool = False) -> StoredReport | None:
        """The current version (or ``version``) of a lab's report; None if absent or not theirs."""
        if version is None and not with_content:
            q = _GET_CURRENT
        else:
            cols = list(reports.c) if with_content else _LIST_COLUMNS + [reports.c.alterations]
            q = select(*cols).where(*_SAME_REPORT)
            q = q.where(reports.c.version == version) if version else q.where(reports.c.is_current)
        with self.engine.connect() as conn:
            row = conn.execute(q, {"lab": lab, "rid": report_id}).first()
        return _report(row) if row else None

    def versions(self, lab: str, report_id: str) -> list[int]:
        q = (select(reports.c.version)
             .where(reports.c.lab == lab, reports.c.report_id == report_id)
             .order_by(reports.c.version))
        with self.engine.connect() as conn:
            return list(conn.execute(q).scalars())

    def submit(self, sub: Submission, *, supersede: bool = False,
               replaces: int | None = None) -> tuple[StoredReport, bool]:
        """Store ``sub`` unless an identical current version exists; return (report, created).

        Same lab + report id + content hash as the current version: that version, ``created``
        False. Different content: :class:`Conflict` unless ``supersede``, which stores a new
        current version and keeps the earlier ones, or ``replaces`` names the current version
        (an amendment the caller has checked against that version: any other version current by
        then is a conflict). The row is committed (on SQLite with ``synchronous=FULL``: fsynced)
        before this returns, also under group commit.
        """
        # outside the write lock
        encoded = sub.encoded if sub.encoded is not None else result_codec.encode(sub.result)
        if self.group is not None:
            outcome = self.group.submit(sub, encoded, supersede, replaces)
            if outcome is not None:
                return outcome
        for _ in range(_MAX_ATTEMPTS):
            try:
                with self._write() as conn:
                    return self._submit_in(conn, sub, encoded, supersede, replaces)
            except (_LostRace, IntegrityError):
                continue  # someone else won: their row is committed now, decide again
        raise Conflict(f"report {sub.report_id!r} is being changed concurrently; retry",
                       report_id=sub.report_id)

    def _submit_in(self, conn: Connection, sub: Submission, encoded: result_codec.Encoded,
                   supersede: bool, replaces: int | None = None) -> tuple[StoredReport, bool]:
        """The writes of one submission inside the caller's write transaction."""
        now = utcnow()
        current = conn.execute(_GET_CURRENT, {"lab": sub.lab, "rid": sub.report_id}).first()
        version = 1
        if current is not None:
            existing = _report(current)
            if existing.content_sha256 == sub.content_sha256:
                return existing, False
            if not supersede and existing.version != replaces:
                raise Conflict(
                    f"report {sub.report_id!r} already exists with different content; "
                    "resubmit with supersede=true to store an amended version",
                    report_id=sub.report_id, version=existing.version)
            res = conn.execute(update(reports).where(
                reports.c.id == existing.id, reports.c.is_current,
            ).values(is_current=False, superseded_at=now))
            if res.rowcount != 1:
                raise _LostRace()
            conn.execute(update(report_alterations)
                         .where(report_alterations.c.report_pk == existing.id)
                         .values(is_current=False))
            version = existing.version + 1
        result_json = encoded.result_json
        values = dict(
            lab=sub.lab, report_id=sub.report_id, version=version, is_current=True,
            content_sha256=sub.content_sha256, content_size=sub.content_size,
            content=sub.content if self.store_content else None,
            source_format=sub.source_format, params=json.dumps(sub.params, sort_keys=True),
            alterations=orjson.dumps(sub.alterations).decode(),
            result=result_json, result_detail=encoded.detail, kb_version=sub.kb_version,
            kb_hash=sub.kb_hash,
            matcher_version=sub.matcher_version, request_id=sub.request_id, created_at=now,
        )
        new_id = conn.execute(_INSERT_REPORT, values).scalar_one()
        rows = alteration_rows(encoded.full, report_pk=new_id, lab=sub.lab,
                               report_id=sub.report_id, version=version, is_current=True,
                               created_at=now)
        if rows:  # the report's alterations, queryable (same transaction: all or nothing)
            conn.execute(INSERT_ROWS, rows)
        stored = StoredReport(
            id=new_id, lab=sub.lab, report_id=sub.report_id, version=version, is_current=True,
            content_sha256=sub.content_sha256, content_size=sub.content_size,
            source_format=sub.source_format, params=dict(sub.params), result_json=result_json,
            kb_version=sub.kb_version, kb_hash=sub.kb_hash, matcher_version=sub.matcher_version,
            created_at=now, request_id=sub.request_id, content=values["content"],
            alterations_json=values["alterations"], result_detail=encoded.detail,
        )
        return stored, True

    def list(self, lab: str, *, report_id: str | None = None,
             since: datetime | None = None, until: datetime | None = None,
             limit: int = 50, offset: int = 0) -> tuple[list[StoredReport], int]:
        """A lab's current reports, newest first, and the total matching the filters."""
        conds = [reports.c.lab == lab, reports.c.is_current]
        if report_id:
            conds.append(reports.c.report_id == report_id)
        if since:
            conds.append(reports.c.created_at >= since)
        if until:
            conds.append(reports.c.created_at < until)
        q = (select(*_META_COLUMNS).where(*conds)
             .order_by(reports.c.created_at.desc(), reports.c.id.desc())
             .limit(limit).offset(offset))
        with self.engine.connect() as conn:
            items = [_report(r) for r in conn.execute(q)]
            total = conn.execute(select(func.count()).select_from(reports).where(*conds)
                                 ).scalar_one()
        return items, total
