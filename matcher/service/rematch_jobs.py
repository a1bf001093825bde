"""Re-interpretation as a job: stored reports re-matched against a KB by any number of workers.

A job is "every current stored report in a scope (all labs or one, optionally since a date),
re-matched against the KB with this hash". :func:`ensure_job` creates it, or joins the existing
one and adds reports stored since, as batches of report-id ranges. :func:`work` is one worker:
it claims a pending batch with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL) and keeps that
row lock while it re-matches the batch's reports; the change records and the batch's ``done``
commit in one transaction. A worker that dies (SIGKILL, lost machine) rolls back: its batch is
pending again, unlocked, and the next worker takes it; nothing it did is kept, nothing is done
twice. On SQLite the claim opens a ``BEGIN IMMEDIATE`` write transaction, so workers take turns
(one worker is the sensible number there).

Each report version gets one record per KB hash (a unique constraint): re-running a job, or two
jobs whose scopes overlap, never re-matches a report that has its record. The record compares
the stored result with the new one (:func:`change_list`): a new option (level 1 or not), a level
raised or lowered, an option lost, a new resistance.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from matcher.service import result_codec
from matcher.service.rematch import NotRematchable, _options, _rank
from matcher.service.rematcher import Rematched, Rematcher
from matcher.service.store import _aware, _report, utcnow
from matcher.service.store_models import (
    reinterpretations,
    rematch_batches,
    rematch_jobs,
    reports,
)

DEFAULT_BATCH = 50
CHANGE_TYPES = ("new_option", "raised", "lowered", "lost", "new_resistance")


# ----------------------------------------------------------------------------- change records
def _resistance(result: dict) -> dict[str, str]:
    """Therapy name -> best resistance level (R1 before R2) of a result."""
    out: dict[str, str] = {}
    for m in result.get("resistance") or []:  # matches (full view) or groups (compact view)
        name = m.get("name") or " + ".join(m.get("therapy") or [])
        level = str(m.get("level"))
        if name not in out or _rank(level) < _rank(out[name]):
            out[name] = level
    return out


def change_list(old: dict, new: dict) -> list[dict[str, Any]]:
    """What changed between a stored result and its re-match, option by option.

    ``new_option``: a therapy the old result did not offer; ``raised``/``lowered``: its best
    level moved up/down; ``lost``: no longer offered; ``new_resistance``: resistance to a therapy
    that the old result did not have at that level or better.
    """
    a, b = _options(old), _options(new)
    out = []
    for name in sorted(b.keys() - a.keys()):
        out.append({"type": "new_option", "therapy": name, "old_level": None,
                    "new_level": b[name]})
    for name in sorted(a.keys() & b.keys()):
        if a[name] != b[name]:
            kind = "raised" if _rank(b[name]) < _rank(a[name]) else "lowered"
            out.append({"type": kind, "therapy": name, "old_level": a[name],
                        "new_level": b[name]})
    for name in sorted(a.keys() - b.keys()):
        out.append({"type": "lost", "therapy": name, "old_level": a[name], "new_level": None})
    ra, rb = _resistance(old), _resistance(new)
    for name in sorted(rb):
        if name not in ra or _rank(rb[name]) < _rank(ra[name]):
            out.append({"type": "new_resistance", "therapy": name, "old_level": ra.get(name),
                        "new_level": rb[name]})
    return out


def gained_level1(changes: list[dict]) -> bool:
    return any(c["new_level"] == "1" and c["old_level"] != "1" and c["type"] != "new_resistance"
               for c in changes)


def lost_level1(changes: list[dict]) -> bool:
    return any(c["old_level"] == "1" and c["new_level"] != "1" and c["type"] != "new_resistance"
               for c in changes)


# ----------------------------------------------------------------------------- jobs
@dataclass(frozen=True)
class Job:
    id: int
    kb_hash: str
    kb_version: str
    lab: str | None
    since: datetime | None
    total: int


def _scope(lab: str | None, since: datetime | None) -> str:
    return f"lab={lab or '*'};since={since.isoformat() if since else ''}"


def _eligible(lab: str | None, since: datetime | None) -> list[Any]:
    conds = [reports.c.is_current]
    if lab is not None:
        conds.append(reports.c.lab == lab)
    if since is not None:
        conds.append(reports.c.created_at >= since)
    return conds


def _not_done(kb_hash: str) -> Any:
    return ~select(reinterpretations.c.id).where(
        reinterpretations.c.report_pk == reports.c.id,
        reinterpretations.c.kb_hash == kb_hash).exists()


def ensure_job(store, kb, *, lab: str | None = None, since: datetime | None = None,  # noqa: ANN001
               batch_size: int = DEFAULT_BATCH) -> Job:
    """The job for (KB hash, scope): created, or joined and extended with reports stored since.

    Several processes may call this at once: the unique (kb_hash, scope) lets one create the
    job; the others wait for its commit, then lock the job row and find nothing left to add.
    """
    scope = _scope(lab, since)
    for _ in range(5):
        try:
            return _ensure_job_once(store, kb, lab, since, scope, batch_size)
        except IntegrityError:
            continue  # another process created it first: join it
    raise RuntimeError(f"could not create or join the re-match job {scope}")


def _ensure_job_once(store, kb, lab, since, scope, batch_size) -> Job:  # noqa: ANN001
    with store._write() as conn:
        row = conn.execute(select(rematch_jobs).where(
            rematch_jobs.c.kb_hash == kb.hash, rematch_jobs.c.scope == scope,
        ).with_for_update()).first()
        if row is None:
            job_id = conn.execute(insert(rematch_jobs).values(
                kb_hash=kb.hash, kb_version=kb.version, scope=scope, lab=lab, since=since,
                max_report_pk=0, total=0, created_at=utcnow(),
            ).returning(rematch_jobs.c.id)).scalar_one()
            after, total = 0, 0
        else:
            job_id, after, total = row.id, row.max_report_pk, row.total
        ids = list(conn.execute(
            select(reports.c.id).where(reports.c.id > after, *_eligible(lab, since),
                                       _not_done(kb.hash)).order_by(reports.c.id)).scalars())
        batches = [ids[i:i + batch_size] for i in range(0, len(ids), batch_size)]
        if batches:
            conn.execute(insert(rematch_batches), [
                {"job_id": job_id, "first_pk": b[0], "last_pk": b[-1], "size": len(b),
                 "status": "pending"} for b in batches])
            total += len(ids)
            conn.execute(update(rematch_jobs).where(rematch_jobs.c.id == job_id)
                         .values(max_report_pk=ids[-1], total=total))
    return Job(job_id, kb.hash, kb.version, lab, since, total)


@dataclass(frozen=True)
class JobProgress:
    batches: int
    batches_done: int
    reports: int  # put in batches
    reports_done: int  # change records written by this job

    @property
    def finished(self) -> bool:
        return self.batches_done == self.batches


def progress(store, job_id: int) -> JobProgress:  # noqa: ANN001
    """Batches and reports done so far (any worker, any machine)."""
    b = rematch_batches.c
    q = select(func.count(), func.coalesce(func.sum(b.size), 0),
               func.count().filter(b.status == "done"),
               func.coalesce(func.sum(b.processed), 0)).where(b.job_id == job_id)
    with store.engine.connect() as conn:
        n, size, done, processed = conn.execute(q).one()
    return JobProgress(n, done, int(size), int(processed))


# ----------------------------------------------------------------------------- workers
def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _record(rep, rematcher, job_id: int, worker: str) -> dict[str, Any]:  # noqa: ANN001
    """The change record of one stored report under the rematcher's KB (or why it could not be
    re-run). The new result is built and kept only when something changed."""
    kb = rematcher.kb
    values = {"report_pk": rep.id, "lab": rep.lab, "report_id": rep.report_id,
              "version": rep.version, "job_id": job_id, "kb_hash": kb.hash,
              "kb_version": kb.version, "old_kb_hash": rep.kb_hash,
              "old_kb_version": rep.kb_version, "worker": worker, "created_at": utcnow(),
              "result": None, "error": None}
    changes: list[dict] = []
    try:
        old = orjson.loads(rep.result_json)

        def changed(levels: dict) -> bool:
            changes[:] = change_list(old, levels)
            return bool(changes)

        new = rematch_one(rematcher, rep, old, changed)
    except NotRematchable as exc:
        changes = []
        values["error"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - a bug must not stall the job on this batch
        changes = []
        values["error"] = f"internal error: {type(exc).__name__}: {exc}"[:2000]
    else:
        if new.result is not None and not changes:  # --reread: the result came first
            changes = change_list(old, new.levels)
        if changes:
            values["result"] = orjson.dumps(new.result).decode()
    values.update(changes=json.dumps(changes), changed=bool(changes),
                  gained_level1=gained_level1(changes), lost_level1=lost_level1(changes),
                  new_resistance=any(c["type"] == "new_resistance" for c in changes))
    return values


def rematch_one(rematcher: Rematcher, rep, old: dict, want_result) -> Rematched:  # noqa: ANN001
    """One report through ``rematcher`` (the seam the tests use to make a report fail)."""
    return rematcher.rematch(rep, old, want_result=want_result)


_BATCH_COLUMNS = [c for c in reports.c if c.name != "content"]


def _batch_rows(conn, job: Job, batch, with_content: bool) -> list:  # noqa: ANN001
    """The batch's reports still without a record for the job's KB (no content unless the job
    re-reads uploads: the stored alterations are what is matched)."""
    cols = list(reports.c) if with_content else _BATCH_COLUMNS
    return conn.execute(select(*cols).where(
        and_(reports.c.id >= batch.first_pk, reports.c.id <= batch.last_pk),
        *_eligible(job.lab, job.since), _not_done(job.kb_hash),
    ).order_by(reports.c.id)).all()


def work(store, kb, job: Job, *, worker: str | None = None, on_batch=None,  # noqa: ANN001
         rematcher: Rematcher | None = None) -> int:
    """Claim and finish batches of ``job`` until none is left; return the reports re-matched.

    ``on_batch(batch_id, n)`` is called after each committed batch (progress, tests).
    ``rematcher``: reuse one (and its cache) across calls; by default a new one for ``kb``.
    """
    worker = worker or worker_name()
    rematcher = rematcher or Rematcher(kb)
    done = 0
    b = rematch_batches.c
    claim = (select(rematch_batches).where(b.job_id == job.id, b.status == "pending")
             .order_by(b.id).limit(1).with_for_update(skip_locked=True))
    while True:
        with store._write() as conn:
            batch = conn.execute(claim).first()
            if batch is None:
                return done
            rows = _batch_rows(conn, job, batch, rematcher.reread)
            records = [_record(_report(r), rematcher, job.id, worker) for r in rows]
            if records:
                conn.execute(insert(reinterpretations), records)
            conn.execute(update(rematch_batches).where(b.id == batch.id).values(
                status="done", processed=len(records), worker=worker, done_at=utcnow()))
        done += len(records)
        if on_batch:
            on_batch(batch.id, len(records))


def work_until_done(store, kb, job: Job, *, worker: str | None = None,  # noqa: ANN001
                    poll: float = 0.5, reread: bool = False) -> int:
    """:func:`work`, then wait while other workers finish the batches they hold; a batch that
    comes free meanwhile (its worker died and rolled back) is claimed here. Returns the reports
    this worker re-matched; when it returns, every batch of the job is done."""
    import time

    done = 0
    rematcher = Rematcher(kb, reread=reread)  # one cache for the whole run
    while True:
        done += work(store, kb, job, worker=worker, rematcher=rematcher)
        if progress(store, job.id).finished:
            return done
        time.sleep(poll)


# ----------------------------------------------------------------------------- reading records
def _diff_dict(changes: list[dict], old_kb: str, new_kb: str) -> dict[str, Any]:
    """The change list in the shape of :class:`~matcher.service.rematch.ResultDiff`."""
    def pick(*types: str) -> list[dict]:
        return [{"therapy": c["therapy"], "old_level": c["old_level"],
                 "new_level": c["new_level"]} for c in changes if c["type"] in types]

    return {"changed": bool(changes), "old_kb": old_kb, "new_kb": new_kb,
            "new": pick("new_option"), "removed": pick("lost"),
            "relevelled": pick("raised", "lowered"), "new_resistance": pick("new_resistance")}


def summary_line(changes: list[dict]) -> str:
    """'+olaparib (3B); -erlotinib (3A); osimertinib 3B->1; resistance to X (R1)'."""
    parts = [f"+{c['therapy']} ({c['new_level']})" for c in changes if c["type"] == "new_option"]
    parts += [f"-{c['therapy']} ({c['old_level']})" for c in changes if c["type"] == "lost"]
    parts += [f"{c['therapy']} {c['old_level']}->{c['new_level']}" for c in changes
              if c["type"] in ("raised", "lowered")]
    parts += [f"resistance to {c['therapy']} ({c['new_level']})" for c in changes
              if c["type"] == "new_resistance"]
    return "; ".join(parts) or "no change"


def summarise(store, kb, *, lab: str | None = None,  # noqa: ANN001
              since: datetime | None = None) -> list[dict[str, Any]]:
    """The change records under ``kb`` of every current report in the scope (CLI listing)."""
    r, c = reinterpretations.c, reports.c
    q = (select(r.lab, r.report_id, r.version, r.old_kb_version, r.changes, r.changed, r.error,
                c.created_at)
         .join(reports, reports.c.id == r.report_pk)
         .where(r.kb_hash == kb.hash, *_eligible(lab, since))
         .order_by(c.lab, c.created_at, c.id))
    out = []
    with store.engine.connect() as conn:
        for row in conn.execute(q):
            changes = json.loads(row.changes)
            out.append({"lab": row.lab, "report_id": row.report_id, "version": row.version,
                        "created_at": row.created_at, "old_kb": row.old_kb_version,
                        "changed": bool(row.changed), "error": row.error, "changes": changes,
                        "summary": summary_line(changes),
                        "diff": None if row.error else _diff_dict(
                            changes, row.old_kb_version, kb.version)})
    return out


FILTERS = ("changed", "gained_level1", "lost_level1", "new_resistance") + CHANGE_TYPES[:-1]


def find_reinterpretations(store, lab: str, *, change: str | None = None,  # noqa: ANN001
                           kb: str | None = None, old_kb: str | None = None,
                           report_id: str | None = None, since: datetime | None = None,
                           until: datetime | None = None, limit: int = 50,
                           offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """A lab's change records, newest first, and the total. ``kb``/``old_kb``: the KB version or
    hash re-matched against / the stored result was made with. ``change``: one of
    :data:`FILTERS` ('gained_level1' with ``old_kb=X``: "gained level 1 since KB X")."""
    r = reinterpretations.c
    conds = [r.lab == lab]
    if change in ("changed", "gained_level1", "lost_level1", "new_resistance"):
        conds.append(r[change])
    elif change:
        conds.append(r.changes.contains(f'"type": "{change}"'))
    if kb:
        conds.append((r.kb_version == kb) | (r.kb_hash == kb))
    if old_kb:
        conds.append((r.old_kb_version == old_kb) | (r.old_kb_hash == old_kb))
    if report_id:
        conds.append(r.report_id == report_id)
    if since:
        conds.append(r.created_at >= since)
    if until:
        conds.append(r.created_at < until)
    cols = [c for c in reinterpretations.c if c.name not in ("result", "report_pk", "job_id")]
    q = select(*cols).where(*conds).order_by(r.created_at.desc(), r.id.desc())
    with store.engine.connect() as conn:
        rows = conn.execute(q.limit(limit).offset(offset)).all()
        total = conn.execute(select(func.count()).select_from(reinterpretations)
                             .where(*conds)).scalar_one()
    items = []
    for row in rows:
        m = dict(row._mapping)
        m["changes"] = json.loads(m["changes"])
        m["reinterpreted_at"] = _aware(m.pop("created_at"))
        m.pop("id")
        items.append(m)
    return items, total


def get_reinterpretation(store, lab: str, report_id: str, *,  # noqa: ANN001
                         version: int | None = None,
                         kb: str | None = None) -> dict[str, Any] | None:
    """The newest change record of one of a lab's reports (the current version unless
    ``version``; the newest KB unless ``kb``, a version or hash), with the new result's JSON
    (``result``, None when nothing changed) and the stored one's (``original``); None if none."""
    r = reinterpretations.c
    conds = [r.lab == lab, r.report_id == report_id]
    if version is not None:
        conds.append(r.version == version)
    else:
        conds.append(reports.c.is_current)
    if kb:
        conds.append((r.kb_version == kb) | (r.kb_hash == kb))
    cols = [c for c in reinterpretations.c if c.name not in ("report_pk", "job_id", "id")]
    q = (select(*cols, reports.c.result.label("original"),
                reports.c.result_detail.label("original_detail"))
         .join(reports, reports.c.id == r.report_pk).where(*conds)
         .order_by(r.created_at.desc(), r.id.desc()).limit(1))
    with store.engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None:
        return None
    m = dict(row._mapping)
    m["original"] = result_codec.view_json(m["original"], m.pop("original_detail"), "full")
    m["changes"] = json.loads(m["changes"])
    m["reinterpreted_at"] = _aware(m.pop("created_at"))
    return m
