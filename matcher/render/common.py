"""What every renderer shares: level meanings, ordering, safe links, trial status wording.

Nothing here formats output; text, HTML and FHIR renderers call these so the three agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from matcher.model import (
    Alteration,
    AlterationOutcome,
    Citation,
    MatchResult,
    OpenTrialMatch,
    TrialMatch,
)
from matcher.model import lead_warnings as model_lead_warnings

# Order of sensitivity levels (best first), then resistance levels.
LEVEL_ORDER = ("1", "2", "3A", "3B", "4", "R1", "R2")

# One plain-language line per level (DESIGN.md, "Evidence levels").
LEVEL_MEANING = {
    "1": "FDA-approved for this biomarker in this tumor type "
         "(tumor-agnostic approvals included).",
    "2": "Standard of care in professional guidelines for this tumor type.",
    "3A": "Clinical evidence (trial, cohort or case report) in this tumor type; "
          "not an approval.",
    "3B": "Approval, guideline or clinical evidence exists, but in another tumor type.",
    "4": "Preclinical or biological evidence only.",
    "R1": "Resistance: approval- or guideline-level evidence in this tumor type that the "
          "therapy may not work.",
    "R2": "Resistance: other clinical evidence that the therapy may not work.",
}

STATUS_HEADINGS = {
    "no_evidence": "no targeted therapy",
    "filtered": "filtered",
    "not_assessable": "not assessable",
}

# ClinicalTrials.gov API v2 overall-status enum, in words.
TRIAL_STATUS_WORDS = {
    "RECRUITING": "Recruiting",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "COMPLETED": "Completed",
    "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated",
    "WITHDRAWN": "Withdrawn",
    "UNKNOWN": "Unknown status",
}

DISCLAIMER = (
    "Decision support for a qualified clinician, not a treatment recommendation. "
    "Check every option against the patient's full clinical picture and the cited sources."
)

def lead_warnings(result: MatchResult) -> list[str]:
    """The warnings shown before anything else (:func:`matcher.model.lead_warnings`)."""
    return model_lead_warnings(result.tumor_type, result.warnings)


_NCT = re.compile(r"NCT\d{8}")
_PMID = re.compile(r"\d{1,9}")
_CIVIC_EID = re.compile(r"(?:EID)?(\d{1,7})")
_SAFE_URL = re.compile(r"https?://[^\s<>\"'`\\]+", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def level_key(level: str) -> int:
    """Sort key of a level: 0 for '1' … unknown levels last."""
    try:
        return LEVEL_ORDER.index(level)
    except ValueError:
        return len(LEVEL_ORDER)


def level_meaning(level: str) -> str:
    """The plain-language line for a level ('' if the level is unknown)."""
    return LEVEL_MEANING.get(level, "")


def clean(text: object) -> str:
    """A report string made safe for a terminal or a text node: control characters become '?'."""
    return _CONTROL.sub("?", "" if text is None else str(text))


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a plain http(s) URL, else None (no javascript:, data:, …)."""
    if not url:
        return None
    return url if _SAFE_URL.fullmatch(url) else None


def citation_url(c: Citation) -> str | None:
    """Where a citation links: PubMed, CIViC, or the given http(s) URL; None if nothing safe."""
    if c.kind == "pmid" and _PMID.fullmatch(c.id or ""):
        return f"https://pubmed.ncbi.nlm.nih.gov/{c.id}/"
    if c.kind == "civic":
        m = _CIVIC_EID.fullmatch(c.id or "")
        if m:
            return f"https://civicdb.org/links/evidence_items/{m.group(1)}"
    return safe_url(c.url)


def citation_label(c: Citation) -> str:
    """Short human label: 'PMID 29072975 (Subbiah 2018)', 'Tafinlar label', 'CIViC EID1108'."""
    if c.kind == "pmid":
        base = f"PMID {c.id}"
    elif c.kind == "civic":
        base = f"CIViC {c.id}" if c.id.upper().startswith("EID") else f"CIViC EID{c.id}"
    elif c.kind == "label":
        base = c.text or f"{c.id} FDA label"
        return clean(base)
    else:
        base = c.text or c.id
        return clean(base)
    if c.text and c.text.strip().lower() not in base.lower():
        return clean(f"{base} ({c.text})")
    return clean(base)


def approval(option) -> tuple[str, str | None] | None:
    """(text, label URL) of a level-1 option's FDA approval: the date its indication was first
    approved and the label, from its newest approval-layer match; None below level 1."""
    if option.level != "1":
        return None
    fda = [m for m in option.matches if m.level == "1" and m.evidence_type == "fda"]
    if not fda:
        return None
    dated = sorted((m for m in fda if m.approval_date), key=lambda m: m.approval_date,
                   reverse=True)
    m = dated[0] if dated else fda[0]
    url = next((citation_url(x) for x in m.citations if x.kind == "label" and citation_url(x)),
               None)
    when = (f"first approved {m.approval_date}" if m.approval_date
            else "approval date not in our sources")
    return f"FDA approval ({m.evidence_id}): {when}", url


def trial_url(t: TrialMatch) -> str | None:
    """ClinicalTrials.gov page of a trial (from its NCT id), else its own safe URL."""
    if _NCT.fullmatch(t.nct_id or ""):
        return f"https://clinicaltrials.gov/study/{t.nct_id}"
    return safe_url(t.url)


def trial_phase(t: TrialMatch) -> str:
    """'Phase 2', 'Phase 1/2', 'Early phase 1' … ('' when not given)."""
    phase = clean(t.phase or "").strip()
    if re.fullmatch(r"[0-4](?:\s*/\s*[0-4])?|I{1,3}V?|IV", phase):
        return f"Phase {phase}"
    if phase.upper() in ("NA", "N/A"):
        return "Phase not applicable"
    if re.fullmatch(r"early [0-4]", phase):
        return f"Early phase {phase[-1]}"
    if phase.isupper():  # ClinicalTrials.gov enum: 'PHASE2', 'EARLY_PHASE1'
        phase = re.sub(r"(?<=[a-z])(\d)", r" \1", phase.replace("_", " ").capitalize())
    return phase


# What a cited trial shows when neither its source nor a refresh told anything about it, and the
# command that finds out.
TRIAL_NOT_CHECKED = "not yet checked"
TRIAL_CHECK_COMMAND = "matcher trials refresh"


def trial_known(t: TrialMatch) -> bool:
    """Whether anything beyond the NCT id is known of a cited trial."""
    return bool(t.title or t.phase or t.status or getattr(t, "sponsor", None))


def trial_title(t: TrialMatch) -> str:
    """The trial's title, or 'title not yet checked' (never a made-up one)."""
    return clean(t.title) if t.title else f"title {TRIAL_NOT_CHECKED}"


def trial_facts(t: TrialMatch) -> str:
    """'Phase 2 · sponsor Novartis' from what is known ('' if nothing)."""
    sponsor = getattr(t, "sponsor", None)
    return " · ".join(x for x in (trial_phase(t), clean(f"sponsor {sponsor}") if sponsor
                                  else "") if x)


def trial_status(t: TrialMatch) -> str:
    """'Recruiting (as of 2026-10-01)', '… (status not verified)', or 'Status not yet checked'."""
    if not t.status and not t.status_verified:
        return f"Status {TRIAL_NOT_CHECKED}"
    words = TRIAL_STATUS_WORDS.get(t.status or "", t.status or "Status unknown")
    if t.status_verified and "status" in trial_snapshot_fields(t):
        return clean(f"{words} as of {t.status_verified} ({REGISTRY_SNAPSHOT})")
    if t.status_verified:
        return clean(f"{words} (as of {t.status_verified})")
    return clean(f"{words} (status not verified)")


# A cited trial's facts copied from an old registry snapshot (knowledgebase/registry/): shown
# with its date and source, never as current.
REGISTRY_SNAPSHOT = "registry snapshot"


def trial_snapshot_fields(t: TrialMatch) -> tuple[str, ...]:
    """Fields of a cited trial that come from a registry snapshot (none for older results)."""
    return tuple(getattr(t, "registry_fields", None) or ())


def snapshot_note(trials) -> str:
    """One note for the cited trials with registry-snapshot facts: which, and their sources."""
    snap = [t for t in trials if trial_snapshot_fields(t) and getattr(t, "registry_source", None)]
    if not snap:
        return ""
    ids = ", ".join(clean(t.nct_id) for t in snap)
    sources = "; ".join(dict.fromkeys(clean(t.registry_source) for t in snap))
    return (f"{ids}: facts from a {REGISTRY_SNAPSHOT} ({sources}), as of the date shown, not "
            f"current; `{TRIAL_CHECK_COMMAND}` checks the current record.")


def trial_snapshot_source(t: TrialMatch) -> str:
    """'Title, phase and status from a registry snapshot: ClinicalTrials.gov record via …;
    `matcher trials refresh` checks the current record.' ('' when nothing is from one)."""
    fields = [f for f in trial_snapshot_fields(t) if f != "status_verified"]  # its date
    source = getattr(t, "registry_source", None)
    if not fields or not source:
        return ""
    named = fields[0] if len(fields) == 1 else f"{', '.join(fields[:-1])} and {fields[-1]}"
    return clean(f"{named.capitalize()} from a {REGISTRY_SNAPSHOT}: {source}; "
                 f"`{TRIAL_CHECK_COMMAND}` checks the current record.")


def open_trial_status(t: OpenTrialMatch) -> str:
    """'Recruiting as of 2026-01-05', with '; status may be out of date' past the set age."""
    words = TRIAL_STATUS_WORDS.get(t.status, t.status or "Status unknown")
    text = f"{words} as of {t.status_date}"
    if t.status_may_be_out_of_date:
        text += f" ({t.status_age_days} days ago): status may be out of date"
    return clean(text)


def open_trials_in_order(result: MatchResult
                         ) -> tuple[list[OpenTrialMatch], list[OpenTrialMatch]]:
    """(biomarker-matched ClinicalTrials.gov trials, trials open to the tumor type), each in the
    engine's order (phase, then how specific the match is)."""
    trials = getattr(result, "open_trials", ()) or ()
    return ([t for t in trials if t.reason == "biomarker"],
            [t for t in trials if t.reason != "biomarker"])


def open_trial_hits(t: OpenTrialMatch) -> list[str]:
    """'BRAF V600E meets BRAF V600E' per matched criterion, once each."""
    return list(dict.fromkeys(clean(f"{h.alteration} meets {h.criterion}") for h in t.matched))


# Trials open to the tumor type (any biomarker) shown one by one in the summaries; the JSON result
# lists them all.
TUMOR_TRIALS_SHOWN = 10
# Biomarker-matched open trials shown in full on the HTML page; the others by id, phase, status.
OPEN_TRIALS_IN_FULL = 1
OPEN_TRIALS_HEADING = "Trials open for this patient"
CITED_TRIALS_HEADING = "Clinical trials cited by the KB"
CITED_TRIALS_NOTE = ("References of the evidence and the knowledge base, not known to be open: "
                     "check each on ClinicalTrials.gov.")
# Said once where some cited trial is known by its id only.
CITED_NOT_CHECKED_NOTE = (f"\u201c{TRIAL_NOT_CHECKED.capitalize()}\u201d: known by its id "
                          f"only; `{TRIAL_CHECK_COMMAND}` fetches title, phase, sponsor and "
                          "status from ClinicalTrials.gov.")


def trials_in_order(result: MatchResult) -> tuple[list[TrialMatch], list[TrialMatch]]:
    """(biomarker-matched trials, tumor-type trials), each in the engine's order."""
    biomarker = [t for t in result.trials if t.reason == "biomarker"]
    other = [t for t in result.trials if t.reason != "biomarker"]
    return biomarker, other


# Options at these levels are shown in full; the rest (another tumor type, preclinical) compactly.
PRIMARY_LEVELS = ("1", "2", "3A")
MATCHES_SHOWN = 2  # evidence items shown in full per option; the rest are summarised
COMPACT_ROWS = 4  # rows of the compact tables (other options, resistance elsewhere) on a page


def primary_options(result: MatchResult) -> list:
    """Options at level 1, 2 or 3A: shown in full."""
    return [o for o in options_in_order(result) if o.level in PRIMARY_LEVELS]


def other_options(result: MatchResult) -> list:
    """Options at level 3B or 4: shown one line each."""
    return [o for o in options_in_order(result) if o.level not in PRIMARY_LEVELS]


def resistance_split(result: MatchResult) -> tuple[list, list]:
    """(resistance for this tumor type or pan-tumor, resistance seen only in other tumor types)."""
    ordered = sorted(result.resistance, key=lambda m: level_key(m.level))
    return ([m for m in ordered if m.label_status != "off-label"],
            [m for m in ordered if m.label_status == "off-label"])


def evidence_summary(matches) -> str:
    """'FDA in MEL; clinical in COADREAD, LUAD' from a list of matches."""
    kinds: dict[str, list[str]] = {}
    for m in matches:
        where = ", ".join(m.scope) or "another tumor type"
        kinds.setdefault(m.evidence_type, [])
        if where not in kinds[m.evidence_type]:
            kinds[m.evidence_type].append(where)
    names = {"fda": "FDA", "guideline": "guideline"}
    return "; ".join(f"{names.get(k, k)} in {', '.join(v)}" for k, v in kinds.items())


def unique_citations(matches, limit: int | None = None) -> list:
    """Citations of several matches, each once, in order; at most ``limit``."""
    seen: dict[tuple[str, str], object] = {}
    for m in matches:
        for cite in m.citations:
            seen.setdefault((cite.kind, cite.id), cite)
    out = list(seen.values())
    return out if limit is None else out[:limit]


def options_in_order(result: MatchResult):
    """Therapy options ranked by level (stable: the engine's order within a level)."""
    return sorted(result.therapy_options, key=lambda o: level_key(o.level))


def alteration_index(result: MatchResult) -> dict[str, Alteration]:
    """Alterations of a result by id."""
    return {o.alteration.id: o.alteration for o in result.alterations}


def labels_for(ids: Iterable[str], index: dict[str, Alteration]) -> list[str]:
    """Labels of the alterations with these ids (unknown ids shown as themselves)."""
    return [clean(index[i].label if i in index else i) for i in ids]


@dataclass(frozen=True)
class Outcomes:
    """The alterations of a result grouped for display."""

    no_therapy: list[AlterationOutcome]  # status no_evidence
    set_aside: list[AlterationOutcome]  # filtered or not assessable


def outcomes(result: MatchResult) -> Outcomes:
    """Group a result's alterations by status."""
    return Outcomes(
        no_therapy=[o for o in result.alterations if o.status == "no_evidence"],
        set_aside=[o for o in result.alterations if o.status in ("filtered", "not_assessable")],
    )


NO_OPTION = "No targeted therapy matched this report."
NO_CALLS = ("No call in this report was assessed: it lists none{seen}. This is not a negative "
            "result unless the lab found no alterations: an empty file or a failed pipeline "
            "reads the same.")


def no_option_text(result: MatchResult) -> str:
    """The sentence shown where a result has no therapy option.

    It reads as a negative result ("No targeted therapy matched") only when at least one call
    was assessed; when every call was not assessable or filtered, or the report has none, it
    says nothing was assessed.
    """
    outs = result.alterations
    if not outs:
        return NO_CALLS.format(seen=" (the warnings count the calls that were not read)"
                               if result.warnings else "")
    if any(o.status not in ("filtered", "not_assessable") for o in outs):
        return NO_OPTION
    unreadable = sum(o.status == "not_assessable" for o in outs)
    filtered = len(outs) - unreadable
    parts = [f"{n} {what}" for n, what in ((unreadable, "not assessable"),
                                            (filtered, "filtered")) if n]
    return (f"Nothing in this report could be assessed ({' and '.join(parts)} of "
            f"{len(outs)} call(s); the reasons are listed below). This is not a negative "
            "result: no therapy was looked for.")


# Beyond this many calls in a section (a raw exome or genome VCF lists every call, most of them
# in genes the KB has no evidence for), calls sharing a reason share a row, counted with examples.
GROUP_OVER = 30


@dataclass(frozen=True)
class SetAsideRow:
    """One line of the filtered/unassessable section: a call, or a group of like calls."""

    label: str
    original: str
    status: str
    reason: str
    count: int = 1
    outcome: AlterationOutcome | None = None  # the call itself, on a row of one


def grouped_rows(items: list[AlterationOutcome], limit: int = GROUP_OVER) -> list[SetAsideRow]:
    """One row per call; past ``limit`` calls, calls sharing (status, reason) share a row.

    Rows that stand alone (a reason only one call has, such as a KB gene's own note) come first,
    in report order; then the shared rows, largest first. The JSON result lists every call.
    """
    def single(o: AlterationOutcome) -> SetAsideRow:
        return SetAsideRow(clean(o.alteration.label), clean(o.alteration.original),
                           STATUS_HEADINGS.get(o.status, clean(o.status)), outcome_reason(o),
                           outcome=o)

    if len(items) <= limit:
        return [single(o) for o in items]
    groups: dict[tuple[str, str], list[AlterationOutcome]] = {}
    for o in items:
        groups.setdefault((o.status, outcome_reason(o)), []).append(o)
    rows = [single(g[0]) for g in groups.values() if len(g) == 1]
    for (status, reason), group in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        if len(group) > 1:
            genes = sorted({o.alteration.gene for o in group if o.alteration.gene})
            label = f"{len(group):,} calls" + (f" in {genes[0]}" if len(genes) == 1 else "")
            examples = ", ".join(clean(o.alteration.original) for o in group[:3])
            rows.append(SetAsideRow(label, f"e.g. {examples}",
                                    STATUS_HEADINGS.get(status, clean(status)), reason,
                                    len(group)))
    return rows


def matched_notes(result: MatchResult) -> list[tuple[str, str]]:
    """(label, note) of matched alterations whose outcome says more: evidence set aside by more
    specific resistance, a resistance-only marker, prognostic or diagnostic notes."""
    return [(clean(o.alteration.label), clean(o.reason)) for o in result.alterations
            if o.status == "matched" and o.reason]


def outcome_reason(o: AlterationOutcome) -> str:
    """Why an alteration has no therapy, or was set aside."""
    a = o.alteration
    reason = o.reason or a.filter_reason or a.not_assessable
    if not reason:
        reason = {"no_evidence": "no matching evidence in the knowledge base",
                  "filtered": "filtered", "not_assessable": "not assessable"}.get(o.status, "")
    return clean(reason)


def specimen_text(result: MatchResult) -> str:
    """'SP-77 (FFPE, tumor content 20%)' or ''."""
    s = result.specimen
    if s is None:
        return ""
    extra = [x for x in (s.type,) if x]
    if s.tumor_content is not None:
        extra.append(f"tumor content {s.tumor_content:g}%")
    head = s.id or ""
    if extra:
        head = f"{head} ({', '.join(extra)})" if head else ", ".join(extra)
    return clean(head)


def short_hash(value: str | None, keep: int = 12) -> str:
    """'sha256:3f2a9c0d1e4b…': a content hash cut to ``keep`` hex digits, for people (the JSON
    result carries it whole)."""
    text = clean(value or "")
    algo, sep, digest = text.rpartition(":")
    if len(digest) <= keep:
        return text
    return f"{algo}{sep}{digest[:keep]}\u2026"


def when(result: MatchResult) -> str:
    """generated_at for people: '2026-11-27 03:02 UTC' (as given if it is not ISO 8601)."""
    try:
        moment = datetime.fromisoformat(result.generated_at.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return clean(result.generated_at)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def tumor_text(result: MatchResult) -> str:
    """'Anaplastic Thyroid Cancer (THAP)' or 'not given'."""
    t = result.tumor_type
    if t is None:
        return "not given"
    return clean(f"{t.name} ({t.code})")
