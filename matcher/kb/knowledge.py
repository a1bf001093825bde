"""Load and validate the knowledge base (``knowledgebase/``) into an immutable, indexed object.

Validation is schema plus cross-references: every therapy, trial, gene and OncoTree code named by
an entry must exist. All problems are collected and raised together as a
:class:`~matcher.errors.KnowledgeBaseError` naming file, entry and field; an invalid KB refuses to
start. The content hash covers every data file, so any result can be traced to the exact KB.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from matcher.errors import KnowledgeBaseError, Problem
from matcher.kb.criteria import Criterion
from matcher.model import Citation

EVIDENCE_TYPES = ("fda", "guideline", "clinical", "case", "preclinical")
DIRECTIONS = ("sensitivity", "resistance")
ROLES = ("oncogene", "tumor_suppressor", "both")
ANNOTATION_KINDS = ("prognostic", "diagnostic", "note")
CITATION_KINDS = ("pmid", "label", "guideline", "review", "civic")
NCT_RE = re.compile(r"^NCT\d{8}$")
EVIDENCE_KEYS = frozenset({
    "id", "alteration", "therapy", "direction", "evidence_type", "scope", "exclude",
    "approval_year", "approval_date", "statement", "citations", "trials", "last_reviewed",
    "source", "disease"})
SAFE_URL_RE = re.compile(r"^https://[^\s<>\"']+$")


@dataclass(frozen=True)
class Evidence:
    """One evidence item: an alteration criterion, a therapy, a direction and a tumor scope."""

    id: str
    gene: str | None  # None for signatures
    criterion: Criterion
    therapy: tuple[str, ...]
    direction: str
    evidence_type: str
    scope: tuple[str, ...]
    exclude: tuple[str, ...]
    statement: str
    citations: tuple[Citation, ...]
    trials: tuple[str, ...]
    source: str = "curated"
    approval_year: int | None = None
    disease: str | None = None  # imported evidence whose disease maps to no OncoTree code
    last_reviewed: str | None = None
    file: str = ""
    approval_date: str | None = None  # fda only: ISO date of the indication's first approval


@dataclass(frozen=True)
class Annotation:
    """A non-therapeutic fact (prognostic, diagnostic) shown beside a matching alteration."""

    id: str
    gene: str
    criterion: Criterion
    kind: str
    scope: tuple[str, ...]
    statement: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class GeneEntry:
    symbol: str
    role: str
    summary: str
    no_therapy_reason: str | None
    evidence: tuple[Evidence, ...]
    annotations: tuple[Annotation, ...]
    file: str
    imported_evidence: str = "include"  # 'exclude': imported (CIViC) items for it are dropped


@dataclass(frozen=True)
class Trial:
    nct_id: str
    title: str  # '' when the source gives none (imported: until `matcher trials refresh`)
    phase: str | None
    biomarkers: tuple[tuple[str, Criterion], ...]
    tumor_types: tuple[str, ...]
    status: str | None
    status_verified: str | None
    source: str | None = None
    sponsor: str | None = None  # lead sponsor, from `matcher trials refresh`
    # fields filled from a registry snapshot (knowledgebase/registry/, docs/trials.md), and where
    # those facts came from; () and None when the KB or a refresh gave them all
    registry_fields: tuple[str, ...] = ()
    registry_source: str | None = None

    @property
    def url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"


OPEN_ROLES = ("biomarker", "tumor_type", "stratification", "observational", "unstructured",
              "closed")
OPEN_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"})


@dataclass(frozen=True)
class TrialCriterion:
    """One structured eligibility criterion of a ClinicalTrials.gov trial, with its quote."""

    gene: str | None  # None: a signature (MSI, MMR, TMB)
    criterion: Criterion
    quote: str  # the exact eligibility text it was read from
    quote_from: str = "eligibility"  # or "title": the registry title states it (docs/trials.md)

    def describe(self) -> str:
        return self.criterion.describe(self.gene)


@dataclass(frozen=True)
class OpenTrial:
    """A ClinicalTrials.gov record with structured biomarker eligibility (knowledgebase/ctgov/).

    ``requires``: any one of them makes the report a candidate (an all_of criterion needs all
    its parts); ``excludes``: any one met keeps the trial out. ``role`` says how the trial may
    be offered (docs/trials.md).
    """

    nct_id: str
    title: str
    phase: str | None
    status: str  # registry overall status, upper-case with underscores (RECRUITING …)
    status_date: str  # ISO date the status was last known
    role: str  # one of OPEN_ROLES
    reason: str | None
    requires: tuple[TrialCriterion, ...]
    excludes: tuple[TrialCriterion, ...]
    therapy_criteria: tuple[str, ...]
    tumor_types: tuple[str, ...]
    drugs: tuple[str, ...]
    sponsor: str | None
    conditions: str
    eligibility_truncated: bool
    source: str
    reviewed: bool = False

    @property
    def url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


MAX_AGE_ENV = "MATCHER_TRIAL_STATUS_MAX_AGE_DAYS"
DEFAULT_MAX_AGE_DAYS = 90


def status_max_age_days(environ=None) -> int:
    """Days after which a trial status is flagged "status may be out of date": the setting
    TRIAL_STATUS_MAX_AGE_DAYS ($MATCHER_TRIAL_STATUS_MAX_AGE_DAYS), default 90."""
    raw = (os.environ if environ is None else environ).get(MAX_AGE_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_MAX_AGE_DAYS
    try:
        value = int(raw.strip())
    except ValueError:
        value = -1
    if value < 0:
        from matcher.errors import InputError, Problem

        raise InputError(f"{MAX_AGE_ENV}={raw!r}: expected a whole number of days (>= 0)",
                         [Problem("not a number of days", field=MAX_AGE_ENV,
                                  expected="an integer >= 0")])
    return value


def status_code(text: str) -> str:
    """Registry status as written ('Not yet recruiting') -> API form ('NOT_YET_RECRUITING')."""
    return "_".join(text.replace(",", " ").split()).upper()


@dataclass
class KnowledgeBase:
    """The loaded KB: curated (and imported) entries plus reference data; read-only."""

    path: Path
    version: str
    released: str
    title: str
    hash: str
    genes: dict[str, GeneEntry]
    signatures: tuple[Evidence, ...]
    therapies: dict[str, dict]
    trials: dict[str, Trial]
    hgnc: object  # matcher.reference.genes.GeneIndex
    oncotree: object  # matcher.reference.tumors.OncoTree
    dropped_civic: tuple[str, ...] = field(default=())
    open_trials: dict[str, OpenTrial] = field(default_factory=dict)  # ClinicalTrials.gov (ctgov/)

    @cached_property
    def hotspots(self):
        """Cancer hotspots in both builds (loaded on first use)."""
        from matcher.reference.hotspots import HotspotIndex
        return HotspotIndex.load(self.path / "reference")

    @cached_property
    def clinvar(self):
        """Reviewed ClinVar classifications of the KB's genes (indexed on first lookup)."""
        from matcher.reference.clinvar import CLINVAR_FILE, ClinVarIndex
        return ClinVarIndex(self.path / "reference" / CLINVAR_FILE)

    @cached_property
    def gene_roles(self):
        """Oncogene / tumor suppressor roles from IntOGen and CancerMine (loaded on first use)."""
        from matcher.reference.gene_roles import GeneRoles
        return GeneRoles.load(self.path / "reference")

    @cached_property
    def transcripts(self):
        """MANE transcripts (loaded on first use)."""
        from matcher.reference.transcripts import TranscriptIndex
        return TranscriptIndex.load(self.path / "reference")

    @cached_property
    def protein_exons(self):
        """Coding exons of MANE Select transcripts in protein coordinates (loaded on first use)."""
        from matcher.reference.exons import ProteinExons
        return ProteinExons.load(self.path / "reference")

    @cached_property
    def fusion_drivers(self):
        """The genes CIViC files fusions under, naming a fusion's driver (loaded on first use)."""
        from matcher.reference.fusion_names import FusionDrivers
        return FusionDrivers.load(self.path / "reference")

    @cached_property
    def gene_spans(self):
        """Gene spans in both builds (loaded on first use, shared with the VCF reader)."""
        from matcher.reference.hotspots import load_gene_spans
        return load_gene_spans(str(self.path / "reference"))

    @cached_property
    def evidence_by_gene(self) -> dict[str | None, tuple[Evidence, ...]]:
        """Evidence indexed by every gene its criterion names (None: signatures)."""
        index: dict[str | None, list[Evidence]] = {}
        for e in self.all_evidence():
            genes = {g for g, _ in e.criterion.items} or {e.gene}
            if e.criterion.partner:
                genes.add(e.criterion.partner)
            for g in genes:
                index.setdefault(g, []).append(e)
        return {g: tuple(v) for g, v in index.items()}

    def candidate_evidence(self, genes: set[str | None]) -> list[Evidence]:
        """Evidence that could concern alterations of these genes, each once, in KB order."""
        seen: dict[str, Evidence] = {}
        for g in genes:
            for e in self.evidence_by_gene.get(g, ()):
                seen.setdefault(e.id, e)
        return list(seen.values())

    def all_evidence(self) -> list[Evidence]:
        """Every evidence item, genes first, then signatures."""
        items = [e for g in self.genes.values() for e in g.evidence]
        return items + list(self.signatures)

    def counts(self) -> dict:
        """Entry counts for /v1/knowledgebase and `matcher kb stats`."""
        ev = self.all_evidence()
        by_source: dict[str, int] = {}
        for e in ev:
            by_source[e.source] = by_source.get(e.source, 0) + 1
        return {"genes": len(self.genes), "evidence": len(ev), "evidence_by_source": by_source,
                "therapies": len(self.therapies), "trials": len(self.trials),
                "ctgov_trials": len(self.open_trials),
                "tumor_types": len(self.oncotree)}

    def describe(self) -> dict:
        """Version, hash and counts."""
        return {"version": self.version, "released": self.released, "title": self.title,
                "hash": self.hash, "counts": self.counts()}

    def resolve_gene(self, symbol: str) -> str:
        """HGNC-approved symbol for a KB lookup (aliases and previous symbols resolved)."""
        return self.hgnc.resolve(symbol).symbol

    def gene_entry(self, symbol: str) -> dict | None:
        """JSON-ready KB content for one gene, or None."""
        entry = self.genes.get(self.resolve_gene(symbol))
        if entry is None:
            return None
        return {
            "gene": entry.symbol, "role": entry.role, "summary": entry.summary,
            "no_therapy_reason": entry.no_therapy_reason,
            "evidence": [_evidence_dict(e) for e in entry.evidence],
            "annotations": [{"id": a.id, "kind": a.kind, "alteration": a.criterion.describe(a.gene),
                             "scope": list(a.scope), "statement": a.statement,
                             "citations": [c.__dict__ for c in a.citations]}
                            for a in entry.annotations],
        }


def _evidence_dict(e: Evidence) -> dict:
    return {"id": e.id, "alteration": e.criterion.describe(e.gene), "therapy": list(e.therapy),
            "direction": e.direction, "evidence_type": e.evidence_type, "scope": list(e.scope),
            "exclude": list(e.exclude), "approval_year": e.approval_year,
            "statement": e.statement, "citations": [c.__dict__ for c in e.citations],
            "trials": list(e.trials), "source": e.source, "disease": e.disease,
            "last_reviewed": e.last_reviewed, "approval_date": e.approval_date}


def citation_of(raw: object) -> Citation:
    """Build a Citation from its one-key YAML mapping; ValueError when malformed.

    A ``label`` or ``guideline`` citation may carry a second key, ``url`` (https only): the FDA
    label document or the guideline page, e.g. ``{label: "FDA label", url: "https://…"}``.
    """
    url = None
    if isinstance(raw, dict) and len(raw) == 2 and "url" in raw:
        raw = dict(raw)
        url = str(raw.pop("url") or "").strip()
        if not SAFE_URL_RE.match(url):
            raise ValueError(f"url {url!r} is not an https URL")
        if next(iter(raw)) not in ("label", "guideline"):
            raise ValueError("only label and guideline citations take a url")
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ValueError("expected a one-key mapping such as {pmid: '29072975'}")
    kind, value = next(iter(raw.items()))
    if kind not in CITATION_KINDS:
        raise ValueError(f"unknown citation kind {kind!r} (expected {', '.join(CITATION_KINDS)})")
    value = str(value).strip()
    if kind == "pmid":
        if not value.isdigit():
            raise ValueError(f"PMID {value!r} is not numeric")
        return Citation("pmid", value, f"PMID {value}", f"https://pubmed.ncbi.nlm.nih.gov/{value}/")
    if kind == "civic":
        m = re.fullmatch(r"EID(\d+)", value)
        if not m:
            raise ValueError(f"CIViC id {value!r} is not of the form EID123")
        return Citation("civic", value, f"CIViC {value}",
                        f"https://civicdb.org/links/evidence_items/{m.group(1)}")
    if not value:
        raise ValueError(f"empty {kind} citation")
    return Citation(kind, value, value, url)


def content_hash(kb_dir: Path, skip: tuple[str, ...] = ()) -> str:
    """SHA-256 over every data file (path and bytes) in a stable order; prose and the top-level
    folders in ``skip`` (e.g. an import that was not loaded) are excluded."""
    h = hashlib.sha256()
    for p in sorted(kb_dir.rglob("*")):
        rel_parts = p.relative_to(kb_dir).parts
        if rel_parts and rel_parts[0] in skip:
            continue
        if p.is_file() and p.suffix not in (".md",) and "__pycache__" not in p.parts:
            h.update(p.relative_to(kb_dir).as_posix().encode() + b"\0")
            h.update(p.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


def raise_problems(problems: list[str], kb_dir: Path) -> None:
    """Raise KnowledgeBaseError listing every problem, if any."""
    if problems:
        raise KnowledgeBaseError(
            f"knowledge base at {kb_dir} is invalid ({len(problems)} problem(s))",
            [Problem(p) for p in problems])
