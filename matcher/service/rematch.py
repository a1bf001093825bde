"""Re-interpretation: re-match stored reports against the current KB and say what changed.

:func:`diff_results` is pure: it compares two result dicts (``MatchResult.to_dict()``) by
therapy option (name) and level. :func:`rematch_stored` re-runs one stored report from its stored
content and read parameters; :func:`rematch_store` walks a store; :func:`compare_stored` is what
``GET /v1/reports/{id}?kb=current`` shows beside the original. The stored result is never
overwritten: the re-match lives only in what these functions return.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class OptionChange:
    """One therapy option that is new, removed or re-levelled."""

    therapy: str
    old_level: str | None
    new_level: str | None


@dataclass
class ResultDiff:
    """How the therapy options of a result changed between two KB versions."""

    new: list[OptionChange] = field(default_factory=list)
    removed: list[OptionChange] = field(default_factory=list)
    relevelled: list[OptionChange] = field(default_factory=list)
    old_kb: str | None = None
    new_kb: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.new or self.removed or self.relevelled)

    def to_dict(self) -> dict[str, Any]:
        return {"changed": self.changed, "old_kb": self.old_kb, "new_kb": self.new_kb,
                "new": [asdict(c) for c in self.new],
                "removed": [asdict(c) for c in self.removed],
                "relevelled": [asdict(c) for c in self.relevelled]}

    def summary(self) -> str:
        """One line: '+olaparib (3B); -erlotinib (3A); osimertinib 3B->1'."""
        parts = [f"+{c.therapy} ({c.new_level})" for c in self.new]
        parts += [f"-{c.therapy} ({c.old_level})" for c in self.removed]
        parts += [f"{c.therapy} {c.old_level}->{c.new_level}" for c in self.relevelled]
        return "; ".join(parts) or "no change"


def _options(result: dict) -> dict[str, str]:
    """Therapy option name -> level (best level when a name appears twice)."""
    out: dict[str, str] = {}
    for opt in result.get("therapy_options") or []:
        name = opt.get("name") or " + ".join(opt.get("therapy") or [])
        level = str(opt.get("level"))
        if name not in out or _rank(level) < _rank(out[name]):
            out[name] = level
    return out


_LEVELS = ("1", "2", "3A", "3B", "4", "R1", "R2")


def _rank(level: str) -> int:
    return _LEVELS.index(level) if level in _LEVELS else len(_LEVELS)


def diff_results(old: dict, new: dict) -> ResultDiff:
    """Compare the therapy options of two results by therapy name and level."""
    a, b = _options(old), _options(new)
    diff = ResultDiff(old_kb=old.get("kb_version"), new_kb=new.get("kb_version"))
    for name in sorted(b.keys() - a.keys()):
        diff.new.append(OptionChange(name, None, b[name]))
    for name in sorted(a.keys() - b.keys()):
        diff.removed.append(OptionChange(name, a[name], None))
    for name in sorted(a.keys() & b.keys()):
        if a[name] != b[name]:
            diff.relevelled.append(OptionChange(name, a[name], b[name]))
    return diff


# ----------------------------------------------------------------------------- stored reports
class NotRematchable(Exception):
    """A stored report that cannot be re-run (content not stored, or no longer readable)."""


def rematch_stored(rep, kb, limits=None) -> dict:  # noqa: ANN001
    """Re-run one stored report (``service.store.StoredReport`` with content) against ``kb``,
    within ``limits`` (:class:`matcher.pipeline.Limits`; a report over them is not re-run)."""
    return rematch_stored_result(rep, kb, limits).to_dict()


def rematch_stored_result(rep, kb, limits=None):  # noqa: ANN001, ANN201
    """:func:`rematch_stored`, the :class:`~matcher.model.MatchResult` itself (no JSON)."""
    from matcher import pipeline
    from matcher.errors import MatcherError
    from matcher.readers import FORMATS, ReadOptions

    if rep.content is None:
        raise NotRematchable("content not stored (STORE_CONTENT off): cannot re-match")
    p = rep.params or {}
    options = ReadOptions(report_id=p.get("report_id"), tumor_type=p.get("tumor_type"),
                          sample=p.get("sample"), genome_build=p.get("genome_build"),
                          lab=rep.lab)
    # the upload's file name is not stored: the format it was read as stands in for it
    fmt = p.get("format") or (rep.source_format if rep.source_format in FORMATS else None)
    try:
        results = pipeline.run(rep.content, kb=kb, fmt=fmt, options=options,
                               limits=limits or pipeline.Limits())
    except MatcherError as exc:
        raise NotRematchable(f"no longer readable: {exc}") from None
    mine = [r for r in results if r.report_id == rep.report_id] or results
    if len(mine) != 1:
        raise NotRematchable(f"the stored content holds {len(results)} reports")
    return mine[0]


def compare_stored(rep, kb, limits=None) -> dict:  # noqa: ANN001
    """Original result, the result under ``kb``, and their diff (for ``?kb=current``)."""
    original = rep.result
    try:
        current = rematch_stored(rep, kb, limits)
    except NotRematchable as exc:
        return {"original": original, "current": None, "diff": None, "error": str(exc)}
    return {"original": original, "current": current,
            "diff": diff_results(original, current).to_dict(), "error": None}


@dataclass
class RematchOutcome:
    """One stored report re-matched: its identity, the diff, or why it could not be re-run."""

    lab: str
    report_id: str
    version: int
    created_at: str
    old_kb: str
    diff: ResultDiff | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"lab": self.lab, "report_id": self.report_id, "version": self.version,
                "created_at": self.created_at, "old_kb": self.old_kb,
                "diff": self.diff.to_dict() if self.diff else None, "error": self.error}


def stored_report_keys(store, *, since: datetime | None = None,
                       lab: str | None = None) -> list[tuple[str, str]]:
    """(lab, report id) of every current stored report (optionally since a date, one lab)."""
    from sqlalchemy import select

    from matcher.service.store_models import reports

    q = select(reports.c.lab, reports.c.report_id).where(reports.c.is_current)
    if since is not None:
        q = q.where(reports.c.created_at >= since)
    if lab is not None:
        q = q.where(reports.c.lab == lab)
    q = q.order_by(reports.c.lab, reports.c.created_at, reports.c.id)
    with store.engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(q)]


def rematch_store(store, kb, *, since: datetime | None = None,
                  lab: str | None = None) -> list[RematchOutcome]:
    """Re-match every current stored report against ``kb``; nothing is written to the store."""
    out = []
    for lab_name, rid in stored_report_keys(store, since=since, lab=lab):
        rep = store.get(lab_name, rid, with_content=True)
        if rep is None:  # superseded meanwhile
            continue
        o = RematchOutcome(lab_name, rid, rep.version, rep.created_at.isoformat(),
                           rep.kb_version)
        try:
            o.diff = diff_results(rep.result, rematch_stored(rep, kb))
        except NotRematchable as exc:
            o.error = str(exc)
        out.append(o)
    return out
