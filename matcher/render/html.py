"""The oncologist's match summary: one self-contained HTML page (Jinja2, autoescaped).

The page carries its stylesheet inline and nothing else: no scripts, fonts, images or external
styles. ``CSP`` is the Content-Security-Policy to send with it; it allows exactly that stylesheet
(by its SHA-256 hash) and nothing more. The page repeats the policy in a ``<meta>`` element (minus
the directives a ``<meta>`` cannot carry) so a copy saved to disk is just as locked down.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from matcher.model import Alteration, Citation, Match, MatchResult
from matcher.render import common as c

__all__ = ["CSP", "MEDIA_TYPE", "META_CSP", "render_html"]

MEDIA_TYPE = "text/html; charset=utf-8"


def _load_css() -> str:
    return resources.files("matcher").joinpath("templates/summary.css").read_text("utf-8")


_CSS = _load_css()
if "</" in _CSS:  # it is inlined verbatim: it must not be able to close its <style> element
    raise RuntimeError("matcher/templates/summary.css must not contain '</'")
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_CSS.encode("utf-8")).digest()).decode()

# Policy for the <meta> element: frame-ancestors, report-uri and sandbox are ignored there.
META_CSP = (f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'none'; base-uri 'none'; "
            "form-action 'none'")
# Policy for the HTTP header (the API sends it with the page).
CSP = META_CSP + "; frame-ancestors 'none'"


@functools.cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("matcher", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


def render_html(result: MatchResult) -> str:
    """The match summary page for ``result``; every report string is escaped."""
    template = _env().get_template("summary.html")
    return template.render(**_context(result))


# ----------------------------------------------------------------------------- view model
def _context(result: MatchResult) -> dict[str, Any]:
    index = c.alteration_index(result)
    groups = c.outcomes(result)
    biomarker, by_tumor = c.trials_in_order(result)
    trial_groups = []
    if biomarker:
        trial_groups.append({"title": "Matched to a biomarker in this report",
                             "trials": [_trial(t, index) for t in biomarker]})
    if by_tumor:  # titles only for the biomarker-matched ones: the page keeps two printed pages
        trial_groups.append({"title": "Open to this tumor type, regardless of biomarker",
                             "trials": [_trial(t, index, titled=False) for t in by_tumor]})
    open_biomarker, open_tumor = c.open_trials_in_order(result)
    open_groups = []
    if open_biomarker:
        # the first ones in full, the rest by id, phase and status: the page stays within two
        # printed pages however many trials match (the text and JSON list each one in full)
        shown = c.OPEN_TRIALS_IN_FULL
        open_groups.append({"title": "Matched to a biomarker in this report",
                            "trials": [_open_trial(t) for t in open_biomarker[:shown]]})
    # by id, phase and status date, in the paragraph of the tumor-type count
    open_more = [dict(_open_trial(t, compact=True),
                      status=c.clean(f"{c.TRIAL_STATUS_WORDS.get(t.status, t.status)} as of "
                                     f"{t.status_date}"))
                 for t in open_biomarker[c.OPEN_TRIALS_IN_FULL:]]
    open_tumor_line = ""
    if open_tumor:  # a count only: the page stays within two printed pages
        n = len(open_tumor)
        open_tumor_line = (f"{n} more trial{'s are' if n > 1 else ' is'} open to this tumor "
                           "type with no biomarker requirement found; not listed on this page.")
    resistance_here, resistance_elsewhere = c.resistance_split(result)
    others = c.other_options(result)
    other_res = _resistance_by_therapy(resistance_elsewhere, index)
    return {
        "r": result,
        "lead_warnings": c.lead_warnings(result),
        "css": Markup(_CSS),  # noqa: S704 - our own packaged file, hashed into the CSP
        "meta_csp": META_CSP,
        "patient": c.clean(result.patient_id or ""),
        "specimen": c.specimen_text(result),
        "kb_hash_short": c.short_hash(result.kb_hash),
        "no_option_text": c.no_option_text(result),
        "generated": c.when(result),
        "options": [_option(o, index) for o in c.primary_options(result)],
        "other_options": [_other(o, index) for o in others[:c.COMPACT_ROWS]],
        "other_options_more": max(0, len(others) - c.COMPACT_ROWS),
        "resistance": [_match(m, index) for m in resistance_here],
        "other_resistance": other_res[:c.COMPACT_ROWS],
        "other_resistance_more": max(0, len(other_res) - c.COMPACT_ROWS),
        "matched_notes": c.matched_notes(result),
        "trial_groups": trial_groups,
        "open_trial_groups": open_groups,
        "open_more": open_more,
        "open_tumor_line": open_tumor_line,
        "open_heading": c.OPEN_TRIALS_HEADING,
        "cited_heading": c.CITED_TRIALS_HEADING,
        "cited_note": c.CITED_TRIALS_NOTE,
        "cited_not_checked": (c.CITED_NOT_CHECKED_NOTE
                              if any(not c.trial_known(t) for t in result.trials) else ""),
        "cited_snapshot": c.snapshot_note(result.trials),
        "no_therapy": _no_therapy_rows(groups.no_therapy),
        "set_aside": c.grouped_rows(groups.set_aside),
        "disclaimer": c.DISCLAIMER,
        "levels": [(lv, c.LEVEL_MEANING[lv]) for lv in c.LEVEL_ORDER],
    }


def _css_level(level: str) -> str:
    return level if level in c.LEVEL_MEANING else "x"


def _alteration_detail(a: Alteration) -> str:
    """'NM_004333.4:c.1799T>A · p.Val600Glu · VAF 31%' (what is known)."""
    parts = []
    v = a.variant
    if v is not None:
        if v.cdna:
            parts.append(f"{v.transcript}:{v.cdna}" if v.transcript else v.cdna)
        if v.protein is not None:
            parts.append(v.protein.hgvs)
        if v.vaf is not None:
            parts.append(f"VAF {v.vaf * 100:.0f}%" if v.vaf <= 1 else f"VAF {v.vaf:g}%")
    if a.copy_number is not None and a.copy_number.copies is not None:
        parts.append(f"{a.copy_number.copies:g} copies")
    if a.signature is not None:
        unit = f" {a.signature.unit}" if a.signature.unit else ""
        value = f"{a.signature.value:g}" if isinstance(a.signature.value, float) else \
            str(a.signature.value)
        if value not in a.label:
            parts.append(f"{value}{unit}")
    if a.origin == "germline":
        parts.append("germline")
    return c.clean(" · ".join(str(p) for p in parts))


def _cites(citations: tuple[Citation, ...]) -> list[dict[str, str | None]]:
    return [{"label": c.citation_label(x), "url": c.citation_url(x)} for x in citations]


def _option(o, index: dict[str, Alteration]) -> dict[str, Any]:
    alterations = [{"label": c.clean(index[i].label), "detail": _alteration_detail(index[i])}
                   if i in index else {"label": c.clean(i), "detail": ""}
                   for i in o.alteration_ids]
    return {
        "level": c.clean(o.level), "css": _css_level(o.level), "meaning": c.level_meaning(o.level),
        "name": c.clean(o.name), "amp_tier": c.clean(o.amp_tier), "alterations": alterations,
        "matches": [_match(m, index) for m in o.matches[:c.MATCHES_SHOWN]],
        "more": _more(o.matches[c.MATCHES_SHOWN:]),
        "resistance": [_match(m, index) for m in o.resistance],
        "resistance_elsewhere": len(o.resistance_elsewhere),
        "approval": _approval(o),
    }


def _approval(o) -> dict[str, str | None] | None:
    found = c.approval(o)
    return {"text": c.clean(found[0]), "url": found[1]} if found else None


MORE_CITES = 2  # sources shown for an option's evidence items not shown in full


def _more(matches) -> dict[str, Any] | None:
    """The evidence items not shown in full: a count, where they come from, their first
    sources (the page stays within two printed pages; the text summary and JSON list all)."""
    if not matches:
        return None
    cites = c.unique_citations(matches)
    return {"count": len(matches), "summary": c.clean(c.evidence_summary(matches)),
            "cites": _cites(tuple(cites[:MORE_CITES])),
            "more_cites": max(0, len(cites) - MORE_CITES)}


def _no_therapy_rows(items) -> list[dict[str, str]]:
    """One row per alteration (past c.GROUP_OVER, like calls share a row);
    signatures that met no criterion share one row."""
    sigs = [o for o in items if o.alteration.kind == "signature"]
    rows = [_outcome(r.outcome) if r.outcome else
            {"label": r.label, "original": r.original, "detail": "", "reason": r.reason}
            for r in c.grouped_rows([o for o in items if o.alteration.kind != "signature"])]
    if len(sigs) == 1:
        rows.append(_outcome(sigs[0]))
    elif sigs:
        rows.append({"label": "Signatures", "detail": "",
                     "original": ", ".join(c.clean(o.alteration.label) for o in sigs),
                     "reason": " ".join(c.outcome_reason(o) for o in sigs)})
    return rows


def _resistance_by_therapy(matches, index: dict[str, Alteration]) -> list[dict[str, Any]]:
    """Resistance seen in other tumor types: one row per therapy, with where and sources."""
    groups: dict[tuple[str, ...], list] = {}
    for m in matches:
        groups.setdefault(m.therapy, []).append(m)
    rows = []
    for therapy, ms in groups.items():
        cites = c.unique_citations(ms)
        rows.append({"level": c.clean(ms[0].level), "css": _css_level(ms[0].level),
                     "therapy": c.clean(" + ".join(therapy)),
                     "alterations": ", ".join(dict.fromkeys(
                         label for m in ms for label in c.labels_for([m.alteration_id], index))),
                     "summary": c.clean(c.evidence_summary(ms)),
                     "cites": _cites(tuple(cites[:3])), "more_cites": max(0, len(cites) - 3)})
    return rows


def _other(o, index: dict[str, Alteration]) -> dict[str, Any]:
    """A 3B/4 option on one row."""
    cites = c.unique_citations(o.matches)
    return {"level": c.clean(o.level), "css": _css_level(o.level), "name": c.clean(o.name),
            "alterations": ", ".join(c.labels_for(o.alteration_ids, index)),
            "summary": c.clean(c.evidence_summary(o.matches)),
            "cites": _cites(tuple(cites[:3])), "more_cites": max(0, len(cites) - 3),
            "resistance": len(o.resistance) + len(o.resistance_elsewhere)}


_KIND = {"fda": "FDA", "guideline": "Guideline", "clinical": "Clinical", "case": "Case report",
         "preclinical": "Preclinical"}


def _match(m: Match, index: dict[str, Alteration]) -> dict[str, Any]:
    kind = _KIND.get(m.evidence_type, m.evidence_type)
    return {
        "level": c.clean(m.level), "css": _css_level(m.level), "meaning": c.level_meaning(m.level),
        "kind": c.clean(f"{kind}, {m.label_status}"), "statement": c.clean(m.statement),
        "therapy": c.clean(" + ".join(m.therapy)),
        "alterations": ", ".join(c.labels_for([m.alteration_id], index)),
        "cites": _cites(m.citations),
    }


def _trial(t, index: dict[str, Alteration], titled: bool = True) -> dict[str, Any]:
    """A cited trial: what is known of it (phase, sponsor, status and its date, title unless
    not ``titled``), or 'not yet checked' when only its id is."""
    known = c.trial_known(t)
    return {
        "nct_id": c.clean(t.nct_id), "url": c.trial_url(t),
        "title": _clip(c.clean(t.title), 80) if t.title and titled else "",
        "facts": c.trial_facts(t),
        "status": c.trial_status(t) if known else c.TRIAL_NOT_CHECKED,
        "verified": bool(t.status_verified) and "status" not in c.trial_snapshot_fields(t),
        "alterations": ", ".join(c.labels_for(t.alteration_ids, index)),
    }


def _open_trial(t, compact: bool = False) -> dict[str, Any]:
    """One open trial's row: the match, its quote (clipped; the JSON has it whole), drugs and
    short notes; ``compact``: id, title, phase and status only."""
    row = {"nct_id": c.clean(t.nct_id), "url": c.trial_url(t), "title": c.clean(t.title),
           "phase": c.trial_phase(t) or "not given", "status": c.open_trial_status(t),
           "stale": t.status_may_be_out_of_date, "hits": [], "quotes": [], "drugs": "",
           "notes": []}
    if compact:
        return row
    row["hits"] = c.open_trial_hits(t)
    row["title"] = _clip(row["title"], 90)
    row["drugs"] = _clip(c.clean("; ".join(t.drugs)), 70)
    row["notes"] = [_SHORT_NOTES[k] for k in _SHORT_NOTES if any(n.startswith(k) for n in t.notes)]
    return row


# The engine's notes, shortened for the page (text and JSON carry them whole).
_SHORT_NOTES = {"eligibility text truncated": "Eligibility text truncated in source: exclusions "
                                              "may be missing.",
                "biomarker read from the trial's title": "Biomarker stated in the title only.",
                "prior-therapy criteria": "Prior-therapy criteria: see the record.",
                "the trial records or stratifies": "Biomarker recorded, not required."}


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1].rstrip() + "\u2026"


def _outcome(o) -> dict[str, str]:
    a = o.alteration
    return {"label": c.clean(a.label), "original": c.clean(a.original),
            "detail": _alteration_detail(a),
            "status": c.STATUS_HEADINGS.get(o.status, c.clean(o.status)),
            "reason": c.outcome_reason(o)}
