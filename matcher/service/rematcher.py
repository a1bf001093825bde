"""Re-match stored report versions fast: from their stored normalised alterations, with a cache.

A re-interpretation job re-matches thousands of stored reports against one KB. Re-reading each
upload and normalising it again is not needed: the store keeps every version's normalised
alterations (``reports.alterations``). :class:`Rematcher` rebuilds them, drops their
oncogenicity call (the engine classifies them again under the new KB: KB evidence can name a
change and make it likely oncogenic) and matches them for the stored result's tumor type.

Within a run the KB does not change, so the match of one (alterations, tumor type) is the same
for every report that has them. Two caches, both per process and per KB:

- the **levels** (therapy option -> best level, resistance -> best level) that the change record
  compares, keyed by the tumor type and the alterations as a set (their ids and the field paths
  they were read from left out): the levels do not depend on the order of the calls, which the
  tests check by permuting reports;
- the whole :class:`~matcher.model.MatchResult`, kept only when something changed and the new
  result must be stored, keyed by the alterations in report order (the order decides the order of
  the result's lists), for a few hundred entries.

A report's identity (report id, lab, sample, warnings, time) is set on the cached result with
:func:`dataclasses.replace`: the match does not depend on it. ``reread=True`` (``matcher rematch
--reread``) re-reads the stored upload instead, through the whole pipeline: for a matcher upgrade
that changes how calls are read or normalised, not only the KB.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

import orjson

from matcher.service.rematch import NotRematchable

NO_TUMOR_NOTE = "No tumor type given:"  # the engine's own warning (engine.match adds it again)
_POSITIONAL = ("id", "source")  # what differs between two reports with the same calls


@dataclass(frozen=True)
class Rematched:
    """One report re-matched: the levels compared, and the new result when it is needed."""

    levels: dict[str, list[dict[str, str]]]
    result: Any = None  # MatchResult, when :meth:`Rematcher.rematch` was asked for it


def levels_of(result) -> dict[str, list[dict[str, str]]]:  # noqa: ANN001
    """The parts of a result a change record compares (in :func:`change_list`'s shape)."""
    return {"therapy_options": [{"name": o.name, "level": o.level}
                                for o in result.therapy_options],
            "resistance": [{"therapy": list(m.therapy), "level": m.level}
                           for m in result.resistance]}


class Rematcher:
    """Re-matches stored reports against one KB; create one per worker process and job."""

    def __init__(self, kb, *, reread: bool = False, max_levels: int = 100_000,  # noqa: ANN001
                 max_results: int = 256):
        self.kb = kb
        self.reread = reread
        self.max_levels = max_levels
        self.max_results = max_results
        self._levels: dict[tuple, dict] = {}
        self._results: OrderedDict[tuple, Any] = OrderedDict()
        self._tumors: dict[str, Any] = {}
        self._alts: dict[bytes, Any] = {}
        self.matched = 0  # engine runs (cache misses)
        self.reports = 0

    # ------------------------------------------------------------------ inputs
    def _tumor(self, code: str | None):  # noqa: ANN202
        if not code:
            return None
        if code not in self._tumors:
            from matcher.errors import MatcherError

            try:
                self._tumors[code] = self.kb.oncotree.resolve(code)
            except MatcherError as exc:
                raise NotRematchable(f"tumor type {code!r} unknown to this KB: {exc}") from None
        return self._tumors[code]

    @staticmethod
    def _stored_alterations(rep, old: dict) -> list[dict]:  # noqa: ANN001
        raw = orjson.loads(rep.alterations_json or "[]")
        if not raw and old.get("alterations"):  # rows written before the column was filled
            # the full view's: the stored compact view leaves fields (the parsed protein
            # change, null ones) out of its alterations
            full = rep.result if getattr(rep, "result_detail", None) is not None else old
            raw = [o["alteration"] for o in full["alterations"]]
        return raw

    # ------------------------------------------------------------------ matching
    def rematch(self, rep, old: dict, *, want_result=None) -> Rematched:  # noqa: ANN001
        """Re-match ``rep`` (a :class:`~matcher.service.store.StoredReport`; its content is
        needed only with ``reread``) whose stored result is ``old`` (parsed). ``want_result``
        (levels -> bool) says whether the new result is needed once the levels are known."""
        self.reports += 1
        if self.reread:
            from matcher.service.rematch import rematch_stored_result

            result = rematch_stored_result(rep, self.kb)
            return Rematched(levels_of(result), result)
        if not isinstance(old, dict):
            raise NotRematchable("no stored result to compare with")

        tumor_doc = old.get("tumor_type")
        tumor = self._tumor(tumor_doc.get("code") if isinstance(tumor_doc, dict) else None)
        raw = [{**a, "oncogenicity": None} for a in self._stored_alterations(rep, old)]
        code = tumor.code if tumor is not None else None
        parts = tuple(orjson.dumps(a, option=orjson.OPT_SORT_KEYS) for a in raw)
        as_set = tuple(sorted(orjson.dumps({k: v for k, v in a.items() if k not in _POSITIONAL},
                                           option=orjson.OPT_SORT_KEYS) for a in raw))
        lkey, rkey = (code, as_set), (code, parts)
        result = None
        levels = self._levels.get(lkey)
        if levels is None:
            result = self._results.get(rkey) or self._match(raw, parts, tumor, rkey)
            levels = levels_of(result)
            if len(self._levels) >= self.max_levels:
                self._levels.clear()
            self._levels[lkey] = levels
        if want_result is None or not want_result(levels):
            return Rematched(levels)
        if result is None:
            result = self._results.get(rkey) or self._match(raw, parts, tumor, rkey)
        return Rematched(levels, self._identity(result, rep, old))

    def _alterations(self, raw: list[dict], parts: tuple[bytes, ...]) -> list:
        """The stored alterations as model objects (each distinct one built once per run)."""
        from matcher.model import Alteration
        from matcher.service.api.results import _build

        out = []
        for a, key in zip(raw, parts, strict=True):
            alt = self._alts.get(key)
            if alt is None:
                if len(self._alts) >= self.max_levels:
                    self._alts.clear()
                alt = self._alts[key] = _build(Alteration, a)
            out.append(alt)
        return out

    def _match(self, raw: list[dict], parts: tuple, tumor, rkey: tuple):  # noqa: ANN001, ANN202
        from matcher.engine import match

        self.matched += 1
        result = match(self._alterations(raw, parts), self.kb, tumor, report_id="", warnings=[])
        self._results[rkey] = result
        self._results.move_to_end(rkey)
        while len(self._results) > self.max_results:
            self._results.popitem(last=False)
        return result

    @staticmethod
    def _identity(result, rep, old: dict):  # noqa: ANN001, ANN205
        """The cached match with this report's own identity, warnings and time."""
        from matcher.model import Specimen
        from matcher.service.api.results import _build

        warnings = [w for w in old.get("warnings") or () if not w.startswith(NO_TUMOR_NOTE)]
        warnings += [w for w in result.warnings if w.startswith(NO_TUMOR_NOTE)]
        return replace(
            result, report_id=old.get("report_id") or rep.report_id, warnings=tuple(warnings),
            source_format=old.get("source_format") or rep.source_format,
            sample=old.get("sample"), genome_build=old.get("genome_build"),
            lab=old.get("lab"), specimen=_build(Specimen, old.get("specimen")),
            patient_id=old.get("patient_id"),
            generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

