"""A MAF annotated with the match results, in the OncoKB-annotator style, and a cohort summary.

:func:`annotate_maf` writes the input MAF back line for line (comments and header kept) with
columns added to every data row: ``LEVEL_1`` … ``LEVEL_R2`` (the therapies whose best level for
this row's alteration is that level, ``,``-joined; each therapy once per direction),
``HIGHEST_SENSITIVE_LEVEL``, ``HIGHEST_RESISTANCE_LEVEL``, ``HIGHEST_LEVEL`` (the sensitive one
if any, else the resistance one), ``MATCH_TYPE`` (how the best evidence matched: exact, codon,
hotspot …), ``CITATIONS`` (PMIDs of that evidence) and ``MATCHER_STATUS`` (the engine's outcome
for the call: matched, no_evidence, filtered …). A row is tied to its result through the
alteration's source (``line N`` of the MAF), so the added columns can never land on another
row. :func:`cohort_summary` counts samples by highest level, biomarkers by tumor type
(:mod:`matcher.render.cohort`). Both are pure functions of the MAF bytes and the results.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from matcher.model import Match, MatchResult
from matcher.render.cohort import SAMPLE_HEADER, CohortSummary, highest_level  # noqa: F401

LEVELS = ("1", "2", "3A", "3B", "4", "R1", "R2")
SENSITIVE = LEVELS[:5]
LEVEL_COLUMNS = tuple(f"LEVEL_{lv}" for lv in LEVELS)
COLUMNS = (*LEVEL_COLUMNS, "HIGHEST_SENSITIVE_LEVEL", "HIGHEST_RESISTANCE_LEVEL", "HIGHEST_LEVEL",
           "MATCH_TYPE", "CITATIONS", "MATCHER_STATUS")


def _best(levels: Iterable[str]) -> str:
    ranked = sorted(set(levels), key=LEVELS.index)
    return ranked[0] if ranked else ""


@dataclass
class _Row:
    best: dict[tuple[str, bool], str] = field(default_factory=dict)  # (therapy, resistance)
    matches: list[Match] = field(default_factory=list)
    status: str = ""

    def add(self, level: str, therapy: str, m: Match) -> None:
        key = (therapy, level not in SENSITIVE)
        if key not in self.best or LEVELS.index(level) < LEVELS.index(self.best[key]):
            self.best[key] = level  # each therapy once, at its best level for this call
        self.matches.append(m)

    def cells(self) -> list[str]:
        by_level: dict[str, list[str]] = defaultdict(list)
        for (therapy, _), level in self.best.items():
            by_level[level].append(therapy)
        sens = _best(lv for lv in by_level if lv in SENSITIVE)
        res = _best(lv for lv in by_level if lv not in SENSITIVE)
        best = min(self.matches, key=lambda m: LEVELS.index(m.level), default=None)
        pmids = dict.fromkeys(f"PMID:{c.id}" for m in self.matches for c in m.citations
                              if c.kind == "pmid")
        return [",".join(by_level.get(lv, ())) for lv in LEVELS] + [
            sens, res, sens or res, best.match_type if best else "", ";".join(pmids),
            self.status]


def rows_by_line(results: Iterable[MatchResult]) -> dict[int, _Row]:
    """The added cells of each MAF line (by the alterations' sources, ``line N``)."""
    out: dict[int, _Row] = {}
    for result in results:
        by_alt: dict[str, _Row] = {}
        for outcome in result.alterations:
            src = outcome.alteration.source or ""
            if src.startswith("line ") and src[5:].isdigit():
                row = out.setdefault(int(src[5:]), _Row())
                row.status = outcome.status
                by_alt[outcome.alteration.id] = row
        for option in result.therapy_options:
            for m in option.matches:
                if m.alteration_id in by_alt:
                    by_alt[m.alteration_id].add(m.level, option.name, m)
        for m in result.resistance:
            if m.alteration_id in by_alt:
                by_alt[m.alteration_id].add(m.level, " + ".join(m.therapy), m)
    return out


def annotate_maf(data: bytes, results: Iterable[MatchResult]) -> Iterator[str]:
    """The MAF's lines (no line ends) with :data:`COLUMNS` added to the header and every row."""
    rows = rows_by_line(results)
    lines = data.decode("utf-8-sig").splitlines()
    header_done = False
    for n, line in enumerate(lines, 1):
        if not header_done:
            if not line.strip() or line.startswith("#"):
                yield line
                continue
            header_done = True
            yield line + "\t" + "\t".join(COLUMNS)
            continue
        if not line.strip() or line.startswith("#"):
            yield line
            continue
        row = rows.get(n)
        yield line + "\t" + "\t".join(row.cells() if row else [""] * len(COLUMNS))


def cohort_summary(results: Iterable[MatchResult]) -> dict[str, list[list[str]]]:
    """Three TSV tables (rows with header): samples (one row each), samples by highest level
    per tumor type, and biomarkers (alteration label, tumor type, samples, best level)."""
    summary = CohortSummary()
    samples = [list(SAMPLE_HEADER)] + [summary.add_result(r) for r in results]
    return {"samples": samples, **summary.tables()}
