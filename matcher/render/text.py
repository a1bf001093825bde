"""Plain-text rendering of a ``MatchResult`` for a terminal (80 columns, colour optional)."""

from __future__ import annotations

import textwrap

from matcher.model import Match, MatchResult, TherapyOption, TrialMatch
from matcher.render import common as c

_RESET = "\x1b[0m"
_STYLES = {
    "head": "\x1b[1m",
    "title": "\x1b[1;4m",
    "good": "\x1b[1;32m",
    "mid": "\x1b[1;33m",
    "low": "\x1b[1m",
    "bad": "\x1b[1;31m",
    "dim": "\x1b[2m",
    "warn": "\x1b[33m",
}
_LEVEL_STYLE = {"1": "good", "2": "good", "3A": "mid", "3B": "mid", "4": "low",
                "R1": "bad", "R2": "bad"}


class _Writer:
    """Collects lines; wraps every line to ``width`` visible columns before styling it."""

    def __init__(self, width: int, color: bool) -> None:
        self.width = max(width, 40)
        self.color = color
        self.lines: list[str] = []

    def style(self, text: str, name: str | None) -> str:
        if not self.color or not name or not text:
            return text
        return f"{_STYLES[name]}{text}{_RESET}"

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def para(self, text: str, indent: int = 0, hang: int | None = None,
             style: str | None = None) -> None:
        """Wrap ``text``; continuation lines indented by ``hang`` (default: ``indent``)."""
        first = " " * indent
        rest = " " * (indent if hang is None else hang)
        wrapped = textwrap.wrap(c.clean(text), width=self.width, initial_indent=first,
                                subsequent_indent=rest, break_long_words=True,
                                break_on_hyphens=False) or [first.rstrip()]
        self.lines.extend(self.style(line, style) for line in wrapped)

    def field(self, label: str, value: str, indent: int = 0, pad: int = 13) -> None:
        """'Label        value' with the value wrapped under itself."""
        head = " " * indent + label.ljust(pad - 1) + " "
        wrapped = textwrap.wrap(c.clean(value), width=self.width, initial_indent=head,
                                subsequent_indent=" " * len(head), break_long_words=True,
                                break_on_hyphens=False) or [head.rstrip()]
        if self.color:
            wrapped[0] = self.style(head, "dim") + wrapped[0][len(head):]
        self.lines.extend(wrapped)

    def heading(self, text: str) -> None:
        self.blank()
        self.lines.append(self.style(text.upper(), "head"))

    def text(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def render_text(result: MatchResult, *, color: bool = False, width: int = 80) -> str:
    """The result as terminal text, every line at most ``width`` columns (minimum 40)."""
    w = _Writer(width, color)
    index = c.alteration_index(result)
    groups = c.outcomes(result)

    for text in c.lead_warnings(result):
        w.para(f"! {text}", hang=2, style="warn")
        w.blank()
    w.para(f"Matcher report {result.report_id}", style="title")
    if result.patient_id:
        w.field("Patient", c.clean(result.patient_id))
    w.field("Tumor type", c.tumor_text(result))
    sample = c.clean(result.sample or "not given")
    w.field("Sample", sample)
    if result.specimen is not None:
        w.field("Specimen", c.specimen_text(result))
    if result.lab:
        w.field("Lab", result.lab)
    w.field("Generated", c.when(result))
    build = f", {result.genome_build}" if result.genome_build else ""
    w.field("Input", f"{result.source_format}{build}")
    w.field("Knowledge", f"KB {result.kb_version} ({result.kb_hash}), "
                         f"matcher {result.matcher_version}")

    w.heading(f"Therapy options ({len(result.therapy_options)})")
    if not result.therapy_options:
        w.para(c.no_option_text(result), indent=2)
    for option in c.primary_options(result):
        _option(w, option, index)
    others = c.other_options(result)
    if others:
        w.blank()
        w.para("Other options: evidence in other tumor types, or preclinical", indent=2,
               style="head")
        for o in others:
            alts = ", ".join(c.labels_for(o.alteration_ids, index))
            w.para(f"[{o.level}] {c.clean(o.name)} ({alts}): {c.evidence_summary(o.matches)}",
                   indent=4, hang=6, style=None)

    here, elsewhere = c.resistance_split(result)
    if here:
        w.heading("Resistance")
        for m in here:
            _resistance(w, m, index)
    if elsewhere:
        w.heading("Resistance seen in other tumor types")
        by_therapy: dict[tuple[str, ...], list] = {}
        for m in elsewhere:
            by_therapy.setdefault(m.therapy, []).append(m)
        for therapy, ms in by_therapy.items():
            alts = ", ".join(dict.fromkeys(
                label for m in ms for label in c.labels_for([m.alteration_id], index)))
            w.para(f"[{ms[0].level}] {' + '.join(therapy)} ({alts}): {c.evidence_summary(ms)}",
                   indent=2, hang=4)

    notes = c.matched_notes(result)
    if notes:
        w.heading("Notes on matched alterations")
        for label, note in notes:
            w.para(f"{label}: {note}", indent=2, hang=4)

    _open_trials(w, result)

    biomarker, by_tumor = c.trials_in_order(result)
    w.heading(f"{c.CITED_TRIALS_HEADING} ({len(result.trials)})")
    if result.trials:
        w.para(c.CITED_TRIALS_NOTE, indent=2, style="dim")
    if any(not c.trial_known(t) for t in result.trials):
        w.para(c.CITED_NOT_CHECKED_NOTE, indent=2, style="dim")
    if not result.trials:
        w.para("No trial matched.", indent=2)
    if biomarker:
        w.para("Matched to a biomarker", indent=2, style="head")
        for t in biomarker:
            _trial(w, t, index)
    if by_tumor:
        w.para("Open to the tumor type", indent=2, style="head")
        for t in by_tumor:
            _trial(w, t, index)

    w.heading("Alterations without targeted therapy")
    if not groups.no_therapy:
        w.para("None.", indent=2)
    for row in c.grouped_rows(groups.no_therapy):
        examples = f" [{row.original}]" if row.count > 1 else ""
        w.para(f"{row.label}: {row.reason}{examples}", indent=2, hang=4)

    w.heading("Filtered or not assessable")
    if not groups.set_aside:
        w.para("None.", indent=2)
    for row in c.grouped_rows(groups.set_aside):
        examples = f" [{row.original}]" if row.count > 1 else ""
        w.para(f"{row.label} ({row.status}): {row.reason}{examples}", indent=2, hang=4)

    if result.warnings:
        w.heading(f"Warnings ({len(result.warnings)})")
        for text in result.warnings:
            w.para(f"! {text}", indent=2, hang=4, style="warn")

    w.blank()
    w.para(c.DISCLAIMER, style="dim")
    return w.text()


def _option(w: _Writer, option: TherapyOption, index: dict) -> None:
    tag = f"[{option.level}]"
    w.blank()
    head = f"  {tag:<5} {c.clean(option.name)}"
    tier = c.clean(option.amp_tier)
    if len(head) + 2 + len(tier) <= w.width:
        line = head + " " * (w.width - len(head) - len(tier)) + tier
        w.lines.append(w.style(line[:len(head)], _LEVEL_STYLE.get(option.level))
                       + line[len(head):])
    else:
        w.para(f"{tag} {option.name}, {option.amp_tier}", indent=2, hang=8,
               style=_LEVEL_STYLE.get(option.level))
    meaning = c.level_meaning(option.level)
    if meaning:
        w.para(meaning, indent=8, style="dim")
    w.field("Because of", ", ".join(c.labels_for(option.alteration_ids, index)), indent=8,
            pad=12)
    approved = c.approval(option)
    if approved:
        text, url = approved
        w.field("Approved", f"{text}; label <{url}>" if url else text, indent=8, pad=12)
    for m in option.matches[:c.MATCHES_SHOWN]:
        w.field("Evidence", f"{m.evidence_type}, {m.label_status}: {m.statement}", indent=8,
                pad=12)
        cites = "; ".join(_cite(x) for x in m.citations)
        if cites:
            w.field("Sources", cites, indent=8, pad=12)
    rest = option.matches[c.MATCHES_SHOWN:]
    if rest:
        labels = [c.citation_label(x) for x in c.unique_citations(rest)]
        more = f"; {len(labels) - 6} more in the JSON result" if len(labels) > 6 else ""
        w.field("And", f"{len(rest)} more evidence item{'s' if len(rest) > 1 else ''} "
                f"({c.evidence_summary(rest)}): {', '.join(labels[:6])}{more}", indent=8, pad=12)
    elsewhere = len(option.resistance_elsewhere)
    if elsewhere:
        w.para(f"Resistance to it was also reported in other tumor types ({elsewhere} "
               "evidence items; see below).", indent=8, style="dim")
    for m in option.resistance:
        alt = ", ".join(c.labels_for([m.alteration_id], index))
        w.para(f"Resistance [{m.level}] {alt}: {m.statement}", indent=8, hang=10, style="bad")


def _resistance(w: _Writer, m: Match, index: dict) -> None:
    alt = ", ".join(c.labels_for([m.alteration_id], index))
    therapy = " + ".join(m.therapy)
    w.para(f"[{m.level}] {therapy}, {alt}", indent=2, hang=8, style=_LEVEL_STYLE.get(m.level))
    meaning = c.level_meaning(m.level)
    if meaning:
        w.para(meaning, indent=8, style="dim")
    w.para(m.statement, indent=8)
    cites = "; ".join(_cite(x) for x in m.citations)
    if cites:
        w.field("Sources", cites, indent=8, pad=12)


def _open_trials(w: _Writer, result: MatchResult) -> None:
    """ClinicalTrials.gov trials open (as of their date) to this patient."""
    biomarker, by_tumor = c.open_trials_in_order(result)
    w.heading(c.OPEN_TRIALS_HEADING)
    w.para(f"{len(biomarker)} biomarker-matched, {len(by_tumor)} open to the tumor type "
           "(ClinicalTrials.gov; each status only as of its date).", indent=2)
    if not biomarker and not by_tumor:
        w.para("No open trial in the knowledge base's ClinicalTrials.gov snapshot matched.",
               indent=2)
    if biomarker:
        w.para("Matched to a biomarker in this report", indent=2, style="head")
        for t in biomarker:
            _open_trial(w, t)
    if by_tumor:
        w.para("Open to this tumor type (no biomarker requirement found)", indent=2, style="head")
        for t in by_tumor[:c.TUMOR_TRIALS_SHOWN]:
            _open_trial(w, t)
        if len(by_tumor) > c.TUMOR_TRIALS_SHOWN:
            w.para(f"… and {len(by_tumor) - c.TUMOR_TRIALS_SHOWN} more (the JSON result lists "
                   "every one).", indent=4)


def _open_trial(w: _Writer, t) -> None:
    head = ", ".join(x for x in (t.nct_id, c.trial_phase(t)) if x)
    w.para(f"{head}: {c.open_trial_status(t)}", indent=4, hang=8)
    w.para(c.clean(t.title), indent=8)
    for hit in c.open_trial_hits(t):
        w.para(hit, indent=8)
    for quote, where in dict.fromkeys((h.quote, h.quote_from) for h in t.matched):
        w.para(f"{where.capitalize()}: \u201c{c.clean(quote)}\u201d", indent=8, style="dim")
    if t.drugs:
        w.field("Drugs", c.clean("; ".join(t.drugs)), indent=8, pad=12)
    for note in t.notes:
        w.para(f"Note: {c.clean(note)}", indent=8, style="dim")
    w.para(c.trial_url(t) or "", indent=8, style="dim")


def _trial(w: _Writer, t: TrialMatch, index: dict) -> None:
    if not c.trial_known(t):  # the id only: say so, never a made-up title
        w.para(f"{c.clean(t.nct_id)}: {c.TRIAL_NOT_CHECKED}", indent=4, hang=8)
    else:
        head = ", ".join(x for x in (c.clean(t.nct_id), c.trial_facts(t)) if x)
        w.para(f"{head}: {c.trial_status(t)}", indent=4, hang=8)
        w.para(c.trial_title(t), indent=8)
        snapshot = c.trial_snapshot_source(t)
        if snapshot:
            w.para(snapshot, indent=8, style="dim")
    if t.alteration_ids:
        w.para("for " + ", ".join(c.labels_for(t.alteration_ids, index)), indent=8)
    url = c.trial_url(t)
    if url:
        w.para(url, indent=8, style="dim")


def _cite(x) -> str:
    label = c.citation_label(x)
    url = c.citation_url(x)
    return f"{label} <{url}>" if url else label
