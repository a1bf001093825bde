"""The result document, versioned: the compact view, the full view, and the detail between them.

Schema 2 (docs/result-schema.md). The **compact** view is what the API and ``matcher match
--format json`` give by default: every evidence item it shows appears once, in the ``evidence``
table keyed by evidence id, and therapy options and resistance groups refer to it by id. An
option carries its level, regimen, alterations, its best evidence (:func:`shown`: up to three
items at levels 1, 2, 3A and R1, the best one otherwise) and the count of the rest; an evidence
entry carries its level, type, tumor scope and best citations. The **full** view is the
schema-1 document (every matched evidence item in full, per option) with ``schema_version`` and
``view`` added.

What the compact view leaves out is the **detail** (:func:`split`): every matched evidence item
in full, once, plus the links that put each back in place. ``expand(compact, detail)`` gives
the full view again, equal to it field for field. The store keeps the compact view (served as
is) and the detail compressed.

Everything here works on JSON-ready dicts (``MatchResult.to_dict()``), so a stored schema-1
result is read the same way as a new one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from matcher import model
from matcher.engine import TRUNCATED_NOTE

SCHEMA_VERSION = "2.0"
VIEWS = ("compact", "full")
CITATIONS = 3  # citations shown per evidence item in the compact view
# Evidence items an option or resistance group shows, by its level: up to three where the level
# is for this tumor type (1, 2, 3A, R1), the best one for 3B, none (a count) for preclinical
# evidence (4) and other clinical resistance (R2). The full view has every one.
_SHOWN = {"1": 3, "2": 3, "3A": 3, "R1": 3, "3B": 1, "4": 0, "R2": 0}
_RESISTANCE_ORDER = ("R1", "R2")
_LINKED = ("label", "guideline")  # citation kinds whose link the compact view keeps
_STANDARD = ("1", "2", "R1")  # ... for evidence at these levels

# Match fields that belong to the link (which alteration, how it matched), not the evidence.
_LINK = ("alteration_id", "match_type")
_MATCH_FIELDS = tuple(f.name for f in dataclasses.fields(model.Match))
_EVIDENCE_FIELDS = tuple(f for f in _MATCH_FIELDS if f != "evidence_id" and f not in _LINK)
_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(model.MatchResult))


def is_versioned(doc: dict[str, Any]) -> bool:
    """True for a schema-2 document (compact or full); False for a stored schema-1 result."""
    return isinstance(doc.get("schema_version"), str)


def full_view(result: dict[str, Any]) -> dict[str, Any]:
    """The full view of a result dict: the schema-1 fields, versioned."""
    doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "view": "full"}
    doc.update((k, result[k]) for k in _RESULT_FIELDS if k in result)
    return doc


def shown(level: str) -> int:
    """How many evidence items an option or resistance group at ``level`` shows."""
    return _SHOWN.get(level, 1)


# ----------------------------------------------------------------------------- compact view
def _entry(m: dict[str, Any]) -> dict[str, Any]:
    """The compact evidence-table entry of one matched item: its level, type, scope and best
    citations (a CIViC item's own CIViC citation left out when it has others: its id names
    it). The links of the FDA label or guideline behind a level 1, 2 or R1 are kept; the full
    view has every link."""
    cites = m.get("citations") or []
    if m["evidence_id"].startswith("CIVIC-"):
        cites = [c for c in cites if c.get("kind") != "civic"] or cites
    entry = {"level": m["level"], "evidence_type": m["evidence_type"], "scope": m["scope"],
             "citations": [c.get("text") or c["id"] for c in cites[:CITATIONS]]}
    if m["level"] in _STANDARD:
        links = [c["url"] for c in cites if c.get("kind") in _LINKED and c.get("url")]
        if links:
            entry["links"] = links
    if m.get("approval_date"):
        entry["approval_date"] = m["approval_date"]
    return entry


def _pick(matches: list[dict[str, Any]], n: int, table: dict[str, Any]) -> tuple[list[str], int]:
    """The first ``n`` distinct evidence ids of ``matches`` (added to ``table``) and how many
    distinct ones are left."""
    ids = list(dict.fromkeys(m["evidence_id"] for m in matches))
    for m in matches:
        if m["evidence_id"] in ids[:n] and m["evidence_id"] not in table:
            table[m["evidence_id"]] = _entry(m)
    return ids[:n], max(0, len(ids) - n)


def _option(o: dict[str, Any], table: dict[str, Any]) -> dict[str, Any]:
    ev, more = _pick(o["matches"], shown(o["level"]), table)
    opt: dict[str, Any] = {"name": o["name"], "level": o["level"],
                           "alteration_ids": o["alteration_ids"], "evidence": ev}
    if more:
        opt["more_evidence"] = more
    res = o.get("resistance") or []
    if res:
        best = min((m["level"] for m in res), key=_RESISTANCE_ORDER.index)
        opt["resistance"], more = _pick(res, shown(best), table)
        if more:
            opt["more_resistance"] = more
    if o.get("resistance_elsewhere"):
        opt["resistance_elsewhere"] = len(o["resistance_elsewhere"])
    return opt


def _resistance_groups(matches: list[dict[str, Any]],
                       table: dict[str, Any]) -> list[dict[str, Any]]:
    """Resistance evidence grouped by regimen, in the order first met (the result's order)."""
    by_regimen: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for m in matches:
        by_regimen.setdefault(tuple(m["therapy"]), []).append(m)
    out = []
    for therapy, ms in by_regimen.items():
        level = min((m["level"] for m in ms), key=_RESISTANCE_ORDER.index)
        ordered = sorted(ms, key=lambda m: _RESISTANCE_ORDER.index(m["level"]))
        ev, more = _pick(ordered, shown(level), table)
        group: dict[str, Any] = {
            "name": " + ".join(therapy), "level": level,
            "alteration_ids": list(dict.fromkeys(m["alteration_id"] for m in ms)),
            "evidence": ev}
        if more:
            group["more_evidence"] = more
        out.append(group)
    return out


def _pruned(value: Any) -> Any:
    """``value`` without null and empty-list fields, at any depth."""
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _alteration(a: dict[str, Any]) -> dict[str, Any]:
    """An alteration without null or empty fields, and without the parsed protein change (its
    label and ``variant.consequence`` say it; the full view has the parts)."""
    out = _pruned(a)
    if "variant" in out:
        out["variant"] = {k: v for k, v in out["variant"].items() if k != "protein"}
    return out


# An open trial the report meets only by its tumor type (no biomarker of the trial matched):
# the compact view names it (these fields); the full view has it whole.
_TUMOR_TYPE_TRIAL = ("nct_id", "phase", "status", "status_date", "reason")


def _open_trial(t: dict[str, Any]) -> dict[str, Any]:
    """An open trial without its record's provenance, its URL and the quoted eligibility text;
    the note that the source cut its eligibility text becomes ``eligibility_truncated``. A trial
    open to the tumor type only: :data:`_TUMOR_TYPE_TRIAL`."""
    if t["reason"] == "tumor_type":
        return {k: t[k] for k in _TUMOR_TYPE_TRIAL if k in t}
    out = {k: v for k, v in t.items() if k not in ("source", "url", "notes")}
    out["matched"] = [{k: v for k, v in h.items() if k != "quote"} for h in t["matched"]]
    notes = t.get("notes") or []
    out["notes"] = [n for n in notes if n != TRUNCATED_NOTE]
    if len(out["notes"]) < len(notes):
        out["eligibility_truncated"] = True
    return out


def compact_parts(result: dict[str, Any]) -> dict[str, Any]:
    """The parts of the compact view made from the match alone (alterations, options,
    resistance, trials, open trials) and the ``evidence`` table they refer to; the other fields
    of the view are the result's own, as they are."""
    table: dict[str, Any] = {}
    parts = {
        "alterations": [
            {"alteration": _alteration(a["alteration"]), "status": a["status"],
             "reason": a["reason"], "evidence_count": len(a.get("match_ids") or ())}
            for a in result["alterations"]],
        "therapy_options": [_option(o, table) for o in result["therapy_options"]],
        "resistance": _resistance_groups(result.get("resistance") or [], table),
        "trials": [{k: v for k, v in t.items() if v is not None and k != "url"
                    and not (k == "registry_fields" and not v)}
                   for t in result.get("trials") or ()],
        "open_trials": [_open_trial(t) for t in result.get("open_trials") or ()],
    }
    parts["evidence"] = table
    return parts


def assemble(parts: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """The compact view from :func:`compact_parts` and the result's other ``fields`` (those
    it lacks are left out)."""
    doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "view": "compact"}
    for k in _RESULT_FIELDS:
        if k in parts:
            doc[k] = parts[k]
        elif k in fields:
            doc[k] = fields[k]
    doc["evidence"] = parts["evidence"]
    return doc


def compact_view(result: dict[str, Any]) -> dict[str, Any]:
    """The compact view of a result dict (schema 1, or a schema-2 full view)."""
    return assemble(compact_parts(result), result)


# ----------------------------------------------------------------------------- detail, expand
def _linker(full: dict[str, Any]):  # noqa: ANN202
    """A function turning a match into a link into ``full`` (the detail's evidence table, filled
    as items are first met), with any field that differs from the table's entry (the same item
    matched twice at different levels) kept as is."""

    def link(m: dict[str, Any]) -> dict[str, Any]:
        eid = m["evidence_id"]
        out = {"id": eid, "alteration_id": m["alteration_id"], "match_type": m["match_type"]}
        entry = full.get(eid)
        if entry is None:
            full[eid] = {k: m[k] for k in _EVIDENCE_FIELDS if k in m}
        else:
            out.update((k, m[k]) for k in _EVIDENCE_FIELDS if k in m and m[k] != entry.get(k))
        return out

    return link


def split(result: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(compact view, detail)`` of a result dict; ``expand`` turns both back into the full
    view."""
    return compact_view(result), detail_of(result)


def detail_of(result: dict[str, Any]) -> dict[str, Any]:
    """What the compact view of ``result`` leaves out (it reads the parts made from the match
    alone: alterations, options, resistance, trials, open trials)."""
    full: dict[str, Any] = {}
    link = _linker(full)
    detail = {
        "evidence": full,
        "therapy_options": [
            {"therapy": o["therapy"], "amp_tier": o["amp_tier"],
             "matches": [link(m) for m in o["matches"]],
             "resistance": [link(m) for m in o["resistance"]],
             "resistance_elsewhere": o["resistance_elsewhere"]}
            for o in result["therapy_options"]],
        "resistance": [link(m) for m in result.get("resistance") or []],
        "alterations": result["alterations"],
        "trials": result.get("trials") or [],
        "open_trials": result.get("open_trials") or [],
    }
    return detail


def _match(link: dict[str, Any], full: dict[str, Any]) -> dict[str, Any]:
    merged = {**full[link["id"]], **link, "evidence_id": link["id"]}
    return {k: merged[k] for k in _MATCH_FIELDS}


def expand(compact: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    """The full view from the compact view and its detail (:func:`split`)."""
    full = detail["evidence"]
    options = []
    for o, d in zip(compact["therapy_options"], detail["therapy_options"], strict=True):
        options.append({
            "therapy": d["therapy"], "name": o["name"], "level": o["level"],
            "amp_tier": d["amp_tier"], "alteration_ids": o["alteration_ids"],
            "matches": [_match(x, full) for x in d["matches"]],
            "resistance": [_match(x, full) for x in d["resistance"]],
            "resistance_elsewhere": d["resistance_elsewhere"]})
    parts = {"alterations": detail["alterations"], "therapy_options": options,
             "resistance": [_match(x, full) for x in detail["resistance"]],
             "trials": detail["trials"], "open_trials": detail["open_trials"]}
    doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "view": "full"}
    for k in _RESULT_FIELDS:
        doc[k] = parts[k] if k in parts else compact.get(k)
    return doc
