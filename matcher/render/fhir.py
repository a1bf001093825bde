"""A ``MatchResult`` as a FHIR R4 Bundle following the HL7 Genomics Reporting IG (STU3).

The Bundle (type ``collection``) holds:

* one ``DiagnosticReport`` (profile genomics-report, LOINC 51969-4) whose ``result`` references
  every Observation below, with the tumor type, warnings and the decision-support notice in
  ``conclusion``;
* one variant ``Observation`` (LOINC 69548-6) per alteration: gene, HGVS, transcript, genomic
  coordinates with build, alleles, origin, VAF; signatures as TMB / MSI observations; filtered
  and unassessable calls carry a ``dataAbsentReason`` instead of a value;
* one therapeutic-implication ``Observation`` per therapy option (presumed responsive) and per
  resistance match (presumed resistant): medication(s), level of evidence, tumor type as the
  treatment context, citations as ``genomics-artifact`` extensions, ``derivedFrom`` the variants.

An amended report (a stored report re-interpreted under a newer KB: ``to_fhir(new, replaces=old)``)
has ``status`` ``amended`` and the core ``diagnosticReport-replaces`` extension referencing the
earlier DiagnosticReport, whose id is derived from the earlier result as below.

Codes are those of the IG's profiles and examples; where no code is certain (gene IDs, drug codes,
our evidence levels) the CodeableConcept is text-only. When the lab named the patient
(``MatchResult.patient_id``), a ``Patient`` resource carries that identifier (assigned by the
lab) and the DiagnosticReport and every Observation name it as ``subject`` (reference and
identifier). Ids are UUIDs derived from the report id and time, so the same result gives the same
Bundle.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from matcher.model import (
    ONCOGENICITY_WORDS,
    Alteration,
    AlterationOutcome,
    Citation,
    Match,
    MatchResult,
    TherapyOption,
)
from matcher.render import common as c

__all__ = ["MEDIA_TYPE", "report_reference", "to_fhir", "to_fhir_collection"]

MEDIA_TYPE = "application/fhir+json"

LOINC = "http://loinc.org"
IG = "http://hl7.org/fhir/uv/genomics-reporting"
TBD = f"{IG}/CodeSystem/tbd-codes-cs"
PROFILE_REPORT = f"{IG}/StructureDefinition/genomics-report"
PROFILE_VARIANT = f"{IG}/StructureDefinition/variant"
PROFILE_IMPLICATION = f"{IG}/StructureDefinition/therapeutic-implication"
PROFILE_TMB = f"{IG}/StructureDefinition/tmb"
PROFILE_MSI = f"{IG}/StructureDefinition/msi"
EXT_ARTIFACT = f"{IG}/StructureDefinition/genomics-artifact"
EXT_REPLACES = "http://hl7.org/fhir/StructureDefinition/diagnosticReport-replaces"
HGVS = "http://varnomen.hgvs.org"
REFSEQ = "http://www.ncbi.nlm.nih.gov/refseq"
UCUM = "http://unitsofmeasure.org"
# OncoTree has no HL7-registered system URI; its home page identifies the code system.
ONCOTREE = "https://oncotree.mskcc.org"

BUILDS = {"GRCh37": "LA14029-5", "GRCh38": "LA26806-2"}
ORIGINS = {"somatic": ("LA6684-0", "Somatic"), "germline": ("LA6683-2", "Germline")}
RESPONSIVE = ("LA9661-5", "Presumed responsive")
RESISTANT = ("LA9660-7", "Presumed resistant")

_CATEGORY = [
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                 "code": "laboratory", "display": "Laboratory"}]},
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE",
                 "display": "Genetics"}]},
]
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def report_reference(result: MatchResult) -> str:
    """The fullUrl of the DiagnosticReport in ``to_fhir(result)`` (stable: derived ids)."""
    return _Ids(result).ref("report")


def to_fhir(result: MatchResult, *, replaces: MatchResult | None = None) -> dict[str, Any]:
    """The result as a FHIR R4 ``Bundle`` (a JSON-ready dict); with ``replaces`` an amended
    report that names the earlier result's DiagnosticReport as the one it replaces."""
    ids = _Ids(result, replaces)
    entries: list[dict[str, Any]] = []
    variant_refs: dict[str, str] = {}
    shared = _shared_outcomes(result)
    for n, outcome in enumerate(result.alterations):
        if id(outcome) in shared:
            continue  # one of many calls sharing a reason: counted in the conclusion instead
        key = f"alteration/{n}/{outcome.alteration.id}"
        ref = ids.ref(key)
        variant_refs.setdefault(outcome.alteration.id, ref)
        entries.append(_entry(ref, _finding(outcome, ids.id(key), result)))
    for n, option in enumerate(c.options_in_order(result)):
        key = f"option/{n}"
        entries.append(_entry(ids.ref(key), _option(option, ids.id(key), result, variant_refs)))
    for n, m in enumerate(result.resistance):
        key = f"resistance/{n}"
        entries.append(_entry(ids.ref(key), _implication(
            ids.id(key), result, [m], m.therapy, m.level, m.amp_tier, [m.alteration_id],
            variant_refs, RESISTANT)))
    report = _report(result, ids.id("report"), [e["fullUrl"] for e in entries])
    if replaces is not None:
        _amend(report, result, replaces)
    for t in getattr(result, "open_trials", ()) or ():
        key = f"trial/{t.nct_id}"
        entries.append(_entry(ids.ref(key), _research_study(t, ids.id(key))))
    head = [_entry(ids.ref("report"), report)]
    patient = _patient(result, ids.id("patient"))
    if patient is not None:
        subject = {"reference": ids.ref("patient"), "identifier": patient["identifier"][0]}
        for e in (*head, *entries):
            if e["resource"]["resourceType"] in ("DiagnosticReport", "Observation"):
                e["resource"]["subject"] = subject
        entries.append(_entry(ids.ref("patient"), patient))  # last: the findings come first
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": ids.id("bundle"),
        "type": "collection",
        "entry": [*head, *entries],
    }
    if _INSTANT.fullmatch(result.generated_at or ""):
        bundle["timestamp"] = result.generated_at
    if _text(result.report_id):
        bundle["identifier"] = {"value": _text(result.report_id)}
    return bundle


def to_fhir_collection(results: list[MatchResult]) -> dict[str, Any]:
    """Every result of one input file (a cohort MAF: one per sample) as ONE FHIR ``collection``
    Bundle, the shape a FHIR server accepts: one result gives exactly ``to_fhir(result)``;
    several give a Bundle holding every report's entries (their ids are derived per report, so
    none collide), its id derived from theirs. Never a JSON array of Bundles."""
    bundles = [to_fhir(r) for r in results]
    if len(bundles) == 1:
        return bundles[0]
    seed = "matcher:collection:" + ":".join(b["id"] for b in bundles)
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, seed)),
        "type": "collection",
        "entry": [e for b in bundles for e in b["entry"]],
    }
    times = sorted(b["timestamp"] for b in bundles if "timestamp" in b)
    if times:
        bundle["timestamp"] = times[-1]
    return bundle


def _patient(result: MatchResult, pid: str) -> dict[str, Any] | None:
    """The patient the lab named (its own identifier, assigned by the lab), or None."""
    value = _text(result.patient_id)
    if not value:
        return None
    identifier: dict[str, Any] = {"value": value}
    if _text(result.lab):
        identifier["assigner"] = {"display": _text(result.lab)}
    return {"resourceType": "Patient", "id": pid, "identifier": [identifier]}


def _amend(report: dict[str, Any], result: MatchResult, old: MatchResult) -> None:
    """Mark ``report`` as amending the DiagnosticReport of ``old`` (re-interpretation)."""
    report["status"] = "amended"
    report["extension"] = [{"url": EXT_REPLACES, "valueReference": {
        "reference": report_reference(old),
        "display": f"{_text(old.report_id)} as issued {_text(old.generated_at)} "
                   f"(knowledge base {_text(old.kb_version)})"}}]
    report["conclusion"] = (
        f"Amended: re-interpreted under knowledge base {_text(result.kb_version)}; replaces "
        f"the report issued {_text(old.generated_at)} under knowledge base "
        f"{_text(old.kb_version)}. " + report["conclusion"])


def _shared_outcomes(result: MatchResult) -> set[int]:
    """ids of the outcomes that get no Observation of their own: past the summaries' grouping
    limits (a raw exome VCF), calls without therapy or set aside that share their reason with
    others. The conclusion counts them per reason; the JSON result lists every call."""
    groups = c.outcomes(result)
    shared: set[int] = set()
    for rows, items in ((c.grouped_rows(groups.no_therapy), groups.no_therapy),
                        (c.grouped_rows(groups.set_aside), groups.set_aside)):
        if any(r.count > 1 for r in rows):
            alone = {id(r.outcome) for r in rows if r.outcome is not None}
            shared.update(id(o) for o in items if id(o) not in alone)
    return shared


class _Ids:
    """Stable UUIDs per resource, derived from the report id and generation time."""

    def __init__(self, result: MatchResult, replaces: MatchResult | None = None) -> None:
        self.seed = f"matcher:{result.report_id}:{result.generated_at}:"
        if replaces is not None:  # never the ids of the report it replaces, even within a second
            self.seed += f"amends:{replaces.generated_at}:{replaces.kb_hash}:"

    def id(self, key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, self.seed + key))

    def ref(self, key: str) -> str:
        return f"urn:uuid:{self.id(key)}"


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url, "resource": resource}


def _text(value: object) -> str:
    """A FHIR string: control characters replaced, surrounding space trimmed ('' if empty)."""
    return c.clean(value).strip()


def _concept(text: str, system: str | None = None, code: str | None = None,
             display: str | None = None) -> dict[str, Any]:
    cc: dict[str, Any] = {}
    if system and code:
        coding = {"system": system, "code": code}
        if display:
            coding["display"] = display
        cc["coding"] = [coding]
    if text:
        cc["text"] = text
    return cc


def _loinc(code: str, display: str | None = None) -> dict[str, Any]:
    """A LOINC code; ``display`` only where the IG's own examples give it verbatim."""
    coding = {"system": LOINC, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _component(code: dict[str, Any], **value: Any) -> dict[str, Any]:
    return {"code": code, **value}


def _issued(result: MatchResult, resource: dict[str, Any]) -> None:
    if _INSTANT.fullmatch(result.generated_at or ""):
        resource["issued"] = result.generated_at


def _tumor_concept(result: MatchResult) -> dict[str, Any] | None:
    t = result.tumor_type
    if t is None:
        return None
    code = _text(t.code)
    return _concept(_text(t.name) or code, ONCOTREE if code and " " not in code else None,
                    code, _text(t.name) or None)


# ----------------------------------------------------------------------------- report
def _report(result: MatchResult, rid: str, results: list[str]) -> dict[str, Any]:
    report: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": rid,
        "meta": {"profile": [PROFILE_REPORT]},
        "status": "final",
        "category": [_CATEGORY[1]],
        "code": _loinc("51969-4", "Genetic analysis report"),
        "conclusion": _conclusion(result),
    }
    if _text(result.report_id):
        report["identifier"] = [{"value": _text(result.report_id)}]
    _issued(result, report)
    if _text(result.lab):
        report["performer"] = [{"display": _text(result.lab)}]
    specimen = c.specimen_text(result).strip() or _text(result.sample)
    if specimen:
        report["specimen"] = [{"display": specimen}]
    if results:
        report["result"] = [{"reference": ref} for ref in results]
    return report


def _conclusion(result: MatchResult) -> str:
    lines = [f"Tumor type: {c.tumor_text(result)}."]
    if result.sample:
        lines.append(f"Sample: {_text(result.sample)}.")
    opts = c.options_in_order(result)
    if opts:
        lines.append("Therapy options: " + "; ".join(
            f"{_text(o.name)} (level {_text(o.level)})" for o in opts) + ".")
    else:
        lines.append(c.no_option_text(result))
    biomarker, by_tumor = c.trials_in_order(result)
    open_biomarker, open_tumor = c.open_trials_in_order(result)
    open_note = " (ClinicalTrials.gov; ResearchStudy entries)"
    for label, trials, status in (
            ("Trials cited by the matched evidence (references)", biomarker, c.trial_status),
            ("Trials the knowledge base names for the tumor type (references)", by_tumor,
             c.trial_status),
            ("Trials open for this patient, biomarker-matched" + open_note, open_biomarker,
             c.open_trial_status),
            ("Trials open for this tumor type (no biomarker requirement found)" + open_note,
             open_tumor, c.open_trial_status)):
        if trials:
            lines.append(f"{label}: " + "; ".join(
                f"{_text(t.nct_id)}: {status(t)}" for t in trials) + ".")
    groups = c.outcomes(result)
    not_listed = " (not listed one by one as Observations; the JSON result lists every call)"
    for row in c.grouped_rows(groups.no_therapy):
        more = f" [{row.original}]{not_listed}" if row.count > 1 else ""
        lines.append(f"No targeted therapy for {row.label}: {row.reason}{more}.")
    for row in c.grouped_rows(groups.set_aside):
        more = f" [{row.original}]{not_listed}" if row.count > 1 else ""
        lines.append(f"{row.label} {row.status}: {row.reason}{more}.")
    lines.extend(f"Warning: {_text(w)}" for w in result.warnings)
    lines.append(f"Knowledge base {_text(result.kb_version)} ({_text(result.kb_hash)}), "
                 f"Matcher {_text(result.matcher_version)}.")
    lines.append(c.DISCLAIMER)
    return "\n".join(_sentence(line) for line in lines if line)


# ClinicalTrials.gov overall status -> FHIR R4 research-study-status.
RESEARCH_STATUS = {"RECRUITING": "active", "ENROLLING_BY_INVITATION": "active",
                   "NOT_YET_RECRUITING": "approved", "ACTIVE_NOT_RECRUITING": "closed-to-accrual",
                   "SUSPENDED": "temporarily-closed-to-accrual", "COMPLETED": "completed",
                   "TERMINATED": "administratively-completed", "WITHDRAWN": "withdrawn"}
RESEARCH_PHASE = {"early 1": "early-phase-1", "1": "phase-1", "1/2": "phase-1-phase-2",
                  "2": "phase-2", "2/3": "phase-2-phase-3", "3": "phase-3", "4": "phase-4",
                  "N/A": "n-a"}
PHASE_SYSTEM = "http://terminology.hl7.org/CodeSystem/research-study-phase"


def _research_study(t, rid: str) -> dict[str, Any]:
    """A ClinicalTrials.gov trial open for this patient as an R4 ResearchStudy: status with the
    date it was last known (``note.time``), phase, tumor types, drugs and what matched."""
    how = ("Biomarker-matched: " + "; ".join(c.open_trial_hits(t)) if t.reason == "biomarker"
           else "Open to the patient's tumor type (no biomarker requirement found)")
    res: dict[str, Any] = {
        "resourceType": "ResearchStudy", "id": rid,
        "identifier": [{"system": "https://clinicaltrials.gov", "value": _text(t.nct_id)}],
        "title": _text(t.title),
        "status": RESEARCH_STATUS.get(t.status, "active"),
        "description": how + ".",
        "note": [{"time": t.status_date,
                  "text": f"ClinicalTrials.gov status {c.open_trial_status(t)}."}],
        "relatedArtifact": [{"type": "documentation", "url": c.trial_url(t) or t.url}],
    }
    phase = RESEARCH_PHASE.get(t.phase or "")
    if phase:
        res["phase"] = {"coding": [{"system": PHASE_SYSTEM, "code": phase}]}
    if t.tumor_types:
        res["condition"] = [{"coding": [{"system": ONCOTREE, "code": _text(code)}]}
                            for code in t.tumor_types]
    if t.drugs:
        res["keyword"] = [{"text": _text(d)} for d in t.drugs]
    return res


def _sentence(line: str) -> str:
    """One full stop at the end, never two."""
    line = line.rstrip()
    while line.endswith(".."):
        line = line[:-1]
    return line


# ----------------------------------------------------------------------------- findings
def _finding(outcome: AlterationOutcome, oid: str, result: MatchResult) -> dict[str, Any]:
    a = outcome.alteration
    if a.kind == "signature" and a.signature is not None:
        obs = _signature(a, oid)
    else:
        obs = _variant(a, oid, result)
    _issued(result, obs)
    notes = []
    if _text(a.original):
        notes.append(f"As reported: {_text(a.original)} ({_text(a.source)})")
    if outcome.status == "matched":
        notes.append("Matched to knowledge-base evidence.")
    else:
        notes.append(f"{c.STATUS_HEADINGS.get(outcome.status, outcome.status)}: "
                     f"{c.outcome_reason(outcome)}")
    notes.extend(_text(n) for n in a.notes if _text(n))
    obs["note"] = [{"text": n} for n in notes]
    if outcome.status in ("filtered", "not_assessable"):
        obs.pop("valueCodeableConcept", None)
        obs.pop("valueQuantity", None)
        obs["dataAbsentReason"] = {"text": f"{c.STATUS_HEADINGS[outcome.status]}: "
                                           f"{c.outcome_reason(outcome)}"}
    return obs


def _base(oid: str, profile: str, code: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "meta": {"profile": [profile]},
            "status": "final", "category": _CATEGORY, "code": code}


def _variant(a: Alteration, oid: str, result: MatchResult) -> dict[str, Any]:
    obs = _base(oid, PROFILE_VARIANT, _loinc("69548-6", "Genetic variant assessment"))
    obs["valueCodeableConcept"] = _concept("Present", LOINC, "LA9633-4", "Present")
    comps: list[dict[str, Any]] = []
    genes = [a.gene] if a.gene else []
    if a.fusion is not None:
        genes = [g for g in (a.fusion.five_prime, a.fusion.three_prime) if g] or genes
    for gene in genes:
        # Text only: the HGNC id is not part of the result.
        comps.append(_component(_loinc("48018-6"),
                                valueCodeableConcept=_concept(_text(gene))))
    v = a.variant
    build = (v.build if v is not None else None) or result.genome_build
    if v is not None:
        if v.cdna:
            expr = _text(f"{v.transcript}:{v.cdna}" if v.transcript else v.cdna)
            comps.append(_component(_loinc("48004-6"),
                                    valueCodeableConcept=_concept(expr, HGVS, expr, expr)))
        if v.protein is not None and _text(v.protein.hgvs):
            expr = _text(v.protein.hgvs)
            comps.append(_component(_loinc("48005-3", "Amino acid change (pHGVS)"),
                                    valueCodeableConcept=_concept(expr, HGVS, expr, expr)))
        if v.transcript:
            tx = _text(v.transcript)
            system = REFSEQ if tx.startswith(("NM_", "NR_", "XM_")) else None
            comps.append(_component(_loinc("51958-7", "Transcript reference sequence [ID]"),
                                    valueCodeableConcept=_concept(tx, system, tx, tx)))
        if v.chrom:
            chrom = _text(v.chrom)
            chrom = chrom if chrom.lower().startswith("chr") else f"chr{chrom}"
            comps.append(_component(_loinc("48001-2", "Cytogenetic (chromosome) location"),
                                    valueCodeableConcept=_concept(chrom)))
        if v.pos is not None:
            end = v.pos + max(len(v.ref or "N"), 1) - 1
            comps.append(_component(_loinc("81254-5"),
                                    valueRange={"low": {"value": v.pos},
                                                "high": {"value": end}}))
            comps.append(_component(_loinc("92822-6", "Genomic coordinate system [Type]"),
                                    valueCodeableConcept=_concept(
                                        "1-based character counting", LOINC, "LA30102-0",
                                        "1-based character counting")))
        if v.ref:
            comps.append(_component(_loinc("69547-8", "Genomic ref allele [ID]"),
                                    valueString=_text(v.ref)))
        if v.alt:
            comps.append(_component(_loinc("69551-0"),
                                    valueString=_text(v.alt)))
        if v.vaf is not None:
            vaf = v.vaf if v.vaf <= 1 else v.vaf / 100
            comps.append(_component(_loinc("81258-6"),
                                    valueQuantity={"value": round(vaf, 6), "system": UCUM,
                                                   "code": "1", "unit": "relative frequency"}))
    if build:
        b = _text(build)
        comps.append(_component(_loinc("62374-4", "Human reference sequence assembly version"),
                                valueCodeableConcept=_concept(b, LOINC if b in BUILDS else None,
                                                              BUILDS.get(b), b)))
    if a.origin in ORIGINS:
        code, display = ORIGINS[a.origin]
        comps.append(_component(_loinc("48002-0", "Genomic source class"),
                                valueCodeableConcept=_concept(display, LOINC, code, display)))
    if a.oncogenicity is not None:
        # The IG's clinical-significance component. Text only: these are oncogenicity classes,
        # which LOINC's pathogenicity answer list (germline ACMG terms) does not code.
        o = a.oncogenicity
        comps.append(_component(_loinc("53037-8", "Genetic variation clinical significance"),
                                valueCodeableConcept=_concept(_text(
                                    f"{ONCOGENICITY_WORDS[o.classification]}: {o.reason}"))))
    if a.copy_number is not None and a.copy_number.copies is not None:
        comps.append(_component(_loinc("82155-3"),
                                valueQuantity={"value": a.copy_number.copies}))
    if comps:
        obs["component"] = comps
    label = _text(a.label)
    if label:
        obs["code"] = {**obs["code"], "text": label}
    return obs


def _signature(a: Alteration, oid: str) -> dict[str, Any]:
    s = a.signature
    assert s is not None
    label = _text(a.label) or _text(s.name)
    if s.name == "TMB" and isinstance(s.value, (int, float)):
        obs = _base(oid, PROFILE_TMB, {**_loinc("94076-7"), "text": label})
        obs["valueQuantity"] = {"value": s.value, "system": UCUM, "code": "1/1000000{Base}",
                                "unit": "Mutations/Megabase"}
        return obs
    if s.name == "MSI":
        obs = _base(oid, PROFILE_MSI, {**_loinc("81695-9"), "text": label})
        obs["valueCodeableConcept"] = _concept(_text(s.value))
        return obs
    obs = {"resourceType": "Observation", "id": oid, "status": "final", "category": _CATEGORY,
           "code": _concept(label)}
    if isinstance(s.value, (int, float)):
        quantity: dict[str, Any] = {"value": s.value}
        if s.unit:
            quantity["unit"] = _text(s.unit)
        obs["valueQuantity"] = quantity
    else:
        obs["valueString"] = _text(s.value) or "not given"
    return obs


# ----------------------------------------------------------------------------- implications
def _option(option: TherapyOption, oid: str, result: MatchResult,
            variant_refs: dict[str, str]) -> dict[str, Any]:
    obs = _implication(oid, result, list(option.matches), option.therapy, option.level,
                       option.amp_tier, list(option.alteration_ids), variant_refs, RESPONSIVE,
                       name=option.name, resistance=list(option.resistance))
    approved = c.approval(option)
    if approved:  # level 1: the approval date and label link lead the notes
        text, url = approved
        note = _text(f"{text}; label {url}" if url else text)
        obs["note"] = [{"text": note}, *obs.get("note", [])]
    return obs


def _implication(oid: str, result: MatchResult, matches: list[Match], therapy: tuple[str, ...],
                 level: str, amp_tier: str, alteration_ids: list[str],
                 variant_refs: dict[str, str], effect: tuple[str, str], name: str | None = None,
                 resistance: list[Match] | None = None) -> dict[str, Any]:
    title = _text(name) or _text(" + ".join(therapy))
    obs = _base(oid, PROFILE_IMPLICATION, {
        "coding": [{"system": TBD, "code": "therapeutic-implication",
                    "display": "Therapeutic Implication"}],
        "text": f"Therapeutic implication: {title}" if title else "Therapeutic implication"})
    _issued(result, obs)
    refs = [variant_refs[i] for i in alteration_ids if i in variant_refs]
    if refs:
        obs["derivedFrom"] = [{"reference": r} for r in dict.fromkeys(refs)]
    comps = [_component(_loinc("51963-7"),
                        valueCodeableConcept=_concept(_text(drug)))
             for drug in therapy if _text(drug)]
    meaning = c.level_meaning(level)
    level_text = f"Matcher level {_text(level)} ({_text(amp_tier)})"
    comps.append(_component(_loinc("93044-6"),
                            valueCodeableConcept=_concept(
                                f"{level_text}: {meaning}" if meaning else level_text)))
    comps.append(_component(
        {"coding": [{"system": TBD, "code": "predicted-therapeutic-implication",
                     "display": "Predicted Therapeutic Implication"}]},
        valueCodeableConcept=_concept(effect[1], LOINC, effect[0], effect[1])))
    tumor = _tumor_concept(result)
    if tumor:
        comps.append(_component(_loinc("81259-4"),
                                valueCodeableConcept=tumor))
    obs["component"] = comps
    artifacts = []
    seen: set[tuple[str, str]] = set()
    for m in [*matches, *(resistance or [])]:
        for cit in m.citations:
            if (cit.kind, cit.id) not in seen:
                seen.add((cit.kind, cit.id))
                artifacts.append(_artifact(cit))
    if artifacts:
        obs["extension"] = artifacts
    notes = [f"{_text(m.evidence_type)}, {_text(m.label_status)} ({_text(m.evidence_id)}): "
             f"{_text(m.statement)}" for m in matches]
    notes += [f"Resistance, level {_text(m.level)} ({_text(m.evidence_id)}): {_text(m.statement)}"
              for m in resistance or []]
    notes = [n for n in notes if n.strip(" :,()")]
    if notes:
        obs["note"] = [{"text": n} for n in notes]
    return obs


def _artifact(cit: Citation) -> dict[str, Any]:
    related: dict[str, Any] = {"type": "citation",
                               "citation": c.citation_label(cit) or _text(cit.id) or cit.kind}
    url = c.citation_url(cit)
    if url:
        related["url"] = url
    return {"url": EXT_ARTIFACT, "valueRelatedArtifact": related}
