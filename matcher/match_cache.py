"""A bounded LRU of match results: the same normalised alterations, KB and tumor type give the
same therapy options, so a service that sees the same panel again need not match it again.

::

    cache = MatchCache(256)
    result = cache.match(alterations, kb, tumor, report_id="R1", warnings=[...], sample="T1")
    body = cache.encode(result)       # orjson bytes; the cached parts are encoded once

An entry is keyed by the KB's content hash and the loaded KB object itself (trial statuses from
``matcher trials refresh`` overlay a KB without changing its hash), the tumor type's OncoTree
code, the normalised alterations (frozen dataclasses, compared whole: ids, sources, classification
and all), the UTC date and the trial-status age limit (``open_trials`` flags stale statuses by
date), and the match cap. What differs per report (report id, warnings, sample, lab, specimen,
patient id, ``generated_at``) is never cached: every answer is the cached match with the
report's own fields.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import orjson

from matcher.engine import match
from matcher.kb.knowledge import KnowledgeBase, status_max_age_days
from matcher.model import Alteration, MatchResult, TumorType

# The parts of a result that come from the match alone (encoded once per entry by encode()).
SHARED_FIELDS = ("alterations", "therapy_options", "resistance", "trials", "open_trials")


class _Entry:
    __slots__ = ("kb", "memo", "parts", "result")

    def __init__(self, kb: KnowledgeBase, result: MatchResult):
        self.kb = kb  # held: the KB object's id is part of the key and must not be reused
        self.result = result
        self.parts: dict[str, orjson.Fragment] | None = None
        self.memo: dict[str, Any] = {}  # what callers derive from the shared parts (memo())


class MatchCache:
    """Thread-safe bounded LRU of :func:`matcher.engine.match` results (``size`` 0: off)."""

    def __init__(self, size: int = 256):
        self.size = max(0, int(size))
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._by_options: dict[int, _Entry] = {}  # id(result.therapy_options) -> its entry
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_options.clear()

    @staticmethod
    def key(alterations: list[Alteration] | tuple[Alteration, ...], kb: KnowledgeBase,
            tumor: TumorType | None, max_matches: int | None = None) -> tuple:
        """The cache key (raises TypeError if an alteration holds an unhashable value)."""
        today = dt.datetime.now(dt.UTC).date()
        key = (kb.hash, id(kb), tumor.code if tumor else None, tuple(alterations), today,
               status_max_age_days(), max_matches)
        hash(key)
        return key

    def match(self, alterations: list[Alteration], kb: KnowledgeBase, tumor: TumorType | None,
              *, report_id: str, warnings: list[str] | None = None,
              max_matches: int | None = None, **context: Any) -> MatchResult:
        """:func:`matcher.engine.match`, answered from the cache when the same alterations were
        matched against the same KB for the same tumor type (today)."""
        if self.size == 0 or "open_trials" in context:
            return match(alterations, kb, tumor, report_id=report_id, warnings=warnings,
                         max_matches=max_matches, **context)
        try:
            key = self.key(alterations, kb, tumor, max_matches)
        except TypeError:  # an unhashable detail: match without the cache
            return match(alterations, kb, tumor, report_id=report_id, warnings=warnings,
                         max_matches=max_matches, **context)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
        if entry is None:
            # Matched without the report's own fields: the entry holds only what the engine
            # derives (its warnings are the engine's own, e.g. "no tumor type given").
            entry = _Entry(kb, match(alterations, kb, tumor, report_id="", warnings=[],
                                     max_matches=max_matches))
            with self._lock:
                self.misses += 1
                self._entries[key] = entry
                self._by_options[id(entry.result.therapy_options)] = entry
                while len(self._entries) > self.size:
                    _, old = self._entries.popitem(last=False)
                    self._by_options.pop(id(old.result.therapy_options), None)
        cached = entry.result
        return replace(cached, report_id=report_id,
                       warnings=(*(warnings or ()), *cached.warnings),
                       generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                       **context)

    def _entry_of(self, result: MatchResult) -> _Entry | None:
        """The entry ``result`` was answered from, if its shared parts are that entry's."""
        with self._lock:
            entry = self._by_options.get(id(result.therapy_options))
        if entry is None or any(getattr(entry.result, f) is not getattr(result, f)
                                for f in SHARED_FIELDS):
            return None
        return entry

    def memo(self, result: MatchResult) -> dict[str, Any] | None:
        """A dict kept with the entry ``result`` was answered from, for what a caller derives
        from the shared parts alone (:data:`SHARED_FIELDS` and the tumor type, the same for every
        answer of the entry); None for a result the cache did not give."""
        entry = self._entry_of(result)
        return entry.memo if entry is not None else None

    def encode(self, result: MatchResult) -> bytes:
        """``orjson.dumps(result)``, the same bytes; the parts a result shares with a cache
        entry (alterations, options, resistance, trials) are encoded once per entry."""
        entry = self._entry_of(result)
        if entry is None:
            return orjson.dumps(result)
        parts = entry.parts
        if parts is None:
            parts = entry.parts = {f: orjson.Fragment(orjson.dumps(getattr(result, f)))
                                   for f in SHARED_FIELDS}
        shell = copy.copy(result)  # the same fields, the shared ones as encoded fragments
        for name, fragment in parts.items():
            object.__setattr__(shell, name, fragment)
        return orjson.dumps(shell)
