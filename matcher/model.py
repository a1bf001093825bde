"""Domain model: frozen dataclasses shared by readers, normalizer, engine and renderers.

Two layers:

* what a reader produces (``Report`` with ``VariantCall``/``FusionCall``/``CopyNumberCall`` and
  ``Biomarkers``): the lab's words, unnormalised, each call remembering ``source`` (a field path
  such as ``variants[2]`` or a file location such as ``line 57``);
* what the normalizer and engine produce (``Alteration`` … ``MatchResult``).

Coordinates: ``pos`` is 1-based like VCF. The genome build travels with every coordinate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

GENOME_BUILDS = ("GRCh37", "GRCh38")
ORIGINS = ("somatic", "germline", "unknown")
CNV_STATES = ("amplification", "gain", "loss", "deep_deletion")
MSI_STATES = ("MSI-H", "MSI-L", "MSS")
MMR_STATES = ("deficient", "proficient")
HRD_STATES = ("positive", "negative")  # a companion test's homologous-recombination deficiency
# Chromosome-arm deletions a lab reports from karyotype or FISH, canonical 'del(5q)'.
ARM_DELETION = r"del\((?:[1-9]|1[0-9]|2[0-2]|X|Y)[pq]\)"

# Consequence classes of a small variant (protein level). exon_loss: the annotation says a
# whole exon is lost (SO exon_loss_variant); read by exon_skipping criteria (docs/kb-schema.md).
CONSEQUENCES = (
    "missense", "nonsense", "frameshift", "inframe_deletion", "inframe_insertion",
    "inframe_delins", "splice", "start_lost", "stop_lost", "synonymous", "exon_loss", "codon",
    "other",
)
# Classes that truncate or abolish the protein: loss-of-function for a tumour suppressor.
LOSS_OF_FUNCTION = frozenset({"nonsense", "frameshift", "splice", "start_lost"})

# Oncogenicity classes of a small variant (docs/oncogenicity.md), most to least damaging.
ONCOGENICITY = ("oncogenic", "likely_oncogenic", "vus", "likely_benign", "benign")
ONCOGENIC = frozenset({"oncogenic", "likely_oncogenic"})
ONCOGENICITY_WORDS = {"oncogenic": "oncogenic", "likely_oncogenic": "likely oncogenic",
                      "vus": "variant of unknown significance", "likely_benign": "likely benign",
                      "benign": "benign"}

# Alteration statuses in a result.
STATUSES = ("matched", "no_evidence", "not_assessable", "filtered")


# ----------------------------------------------------------------------------- reader layer
# The result of a report without a tumor type says so first, in every rendering (issue 12).
NO_TUMOR_TYPE_WARNING = ("No tumor type given: evidence is shown as off-label, no level above "
                         "3B.")


def lead_warnings(tumor_type: object, warnings: Sequence[str]) -> list[str]:
    """What every rendering of a result shows before anything else: that the report gave no
    tumor type (a VCF never carries one), so that no level above 3B could apply."""
    if tumor_type is not None:
        return []
    prefix = NO_TUMOR_TYPE_WARNING.split(":")[0]
    return [w for w in warnings if w.startswith(prefix)] or [NO_TUMOR_TYPE_WARNING]


@dataclass(frozen=True)
class VariantCall:
    """A small variant as the lab or annotator wrote it."""

    source: str
    gene: str | None = None
    protein_change: str | None = None
    cdna_change: str | None = None
    transcript: str | None = None
    consequence: str | None = None  # annotator's SO term(s), '&'-joined as VEP writes them
    exon: int | None = None  # exon number on `transcript`, when the annotator gives it
    chrom: str | None = None
    pos: int | None = None  # 1-based
    ref: str | None = None
    alt: str | None = None
    build: str | None = None
    vaf: float | None = None
    depth: int | None = None
    origin: str = "unknown"
    filter_reason: str | None = None  # set: not matched, listed as filtered with this reason
    protein_field: str | None = None  # where the file wrote protein_change ('HGVSp_Short')


@dataclass(frozen=True)
class FusionCall:
    """A fusion or rearrangement; either partner may be unknown (break-apart FISH)."""

    source: str
    five_prime_gene: str | None = None
    three_prime_gene: str | None = None
    order_known: bool = True
    text: str | None = None  # the original spelling, e.g. 'EML4--ALK'
    five_prime_exon: int | None = None
    three_prime_exon: int | None = None
    supporting_reads: int | None = None
    filter_reason: str | None = None
    not_assessable: str | None = None  # set: listed as not assessable with this reason


@dataclass(frozen=True)
class CopyNumberCall:
    """A gene-level copy-number state."""

    source: str
    gene: str
    state: str
    copies: float | None = None
    filter_reason: str | None = None
    not_assessable: str | None = None  # set: listed as not assessable (e.g. a low-level gain)


@dataclass(frozen=True)
class Biomarkers:
    """Genome-wide signatures and expression markers."""

    tmb: float | None = None  # mutations per megabase
    msi: str | None = None
    mmr: str | None = None
    pdl1_tps: float | None = None  # percent
    pdl1_cps: float | None = None
    hrd: str | None = None  # 'positive' | 'negative'
    cytogenetics: tuple[str, ...] = ()  # arm deletions, canonical 'del(5q)', 'del(17p)'


@dataclass(frozen=True)
class Specimen:
    """The tissue the lab tested."""

    id: str | None = None
    type: str | None = None
    tumor_content: float | None = None  # percent


@dataclass(frozen=True)
class Report:
    """One tumor's molecular report as read from a lab file, before normalisation."""

    report_id: str
    tumor_type: str | None = None
    genome_build: str | None = None
    lab: str | None = None
    patient_id: str | None = None  # patient data: never logged
    specimen: Specimen | None = None
    variants: tuple[VariantCall, ...] = ()
    fusions: tuple[FusionCall, ...] = ()
    copy_numbers: tuple[CopyNumberCall, ...] = ()
    biomarkers: Biomarkers = field(default_factory=Biomarkers)
    source_format: str = "labjson"
    sample: str | None = None
    warnings: tuple[str, ...] = ()
    tumor_type_source: str | None = None  # where the file gave it ('clinical sidecar line 4')


# ----------------------------------------------------------------------------- normalised layer
@dataclass(frozen=True)
class ProteinChange:
    """A parsed protein change, canonical 1-letter form plus its consequence class."""

    canonical: str  # 'V600E', 'Q1178*', 'E746_A750del', 'L747fs', 'V600' (codon), 'X963_splice'
    hgvs: str  # 3-letter HGVS, e.g. 'p.Val600Glu'
    consequence: str  # one of CONSEQUENCES
    ref_aa: str | None = None  # 1-letter residue at `position`
    position: int | None = None
    alt_aa: str | None = None  # substitutions only; '*' for stop
    end_position: int | None = None  # ranges (deletions, insertions)


@dataclass(frozen=True)
class VariantDetail:
    """Normalised small-variant facts."""

    protein: ProteinChange | None = None
    consequence: str | None = None  # class from CONSEQUENCES (from protein or annotation)
    cdna: str | None = None
    transcript: str | None = None
    exon: int | None = None
    chrom: str | None = None
    pos: int | None = None
    ref: str | None = None
    alt: str | None = None
    build: str | None = None
    vaf: float | None = None
    depth: int | None = None
    hotspot: bool = False  # a cancerhotspots.org hotspot residue


@dataclass(frozen=True)
class FusionDetail:
    """Normalised fusion partners; ``kinase_gene`` is the actionable (3') partner if any."""

    five_prime: str | None
    three_prime: str | None
    order_known: bool
    kinase_gene: str | None = None
    five_prime_exon: int | None = None
    three_prime_exon: int | None = None
    supporting_reads: int | None = None

    def partner_of(self, gene: str) -> str | None:
        """The other gene of the pair, or None."""
        if self.five_prime == gene:
            return self.three_prime
        if self.three_prime == gene:
            return self.five_prime
        return None


@dataclass(frozen=True)
class CopyNumberDetail:
    state: str
    copies: float | None = None


@dataclass(frozen=True)
class SignatureDetail:
    """name: 'TMB', 'MSI', 'MMR', 'PDL1_TPS' or 'PDL1_CPS'."""

    name: str
    value: float | str
    unit: str | None = None


@dataclass(frozen=True)
class Oncogenicity:
    """Whether a variant is oncogenic, and which source decided (docs/oncogenicity.md).

    ``source``: 'clinvar', 'hotspot', 'kb' (named by KB/CIViC evidence or a label class),
    'rule' (truncating variant in a tumor suppressor) or 'default' (nothing decided: VUS).
    ``gene_role``: oncogene / tumor_suppressor / both, or None when no source gives one.
    """

    classification: str  # one of ONCOGENICITY
    reason: str  # e.g. 'ClinVar benign, 3 stars (variation 41818, release 2026-02-26)'
    source: str
    gene_role: str | None = None


@dataclass(frozen=True)
class Alteration:
    """One normalised alteration; ``original`` is the text as submitted, ``source`` where."""

    id: str
    kind: str  # 'variant' | 'fusion' | 'copy_number' | 'signature'
    gene: str | None
    label: str
    original: str
    source: str
    origin: str = "unknown"
    gene_known: bool = True  # False: HGNC does not know the symbol; kept, not guessed
    variant: VariantDetail | None = None
    fusion: FusionDetail | None = None
    copy_number: CopyNumberDetail | None = None
    signature: SignatureDetail | None = None
    filter_reason: str | None = None  # filtered calls are listed, never matched
    not_assessable: str | None = None  # why the engine cannot assess it
    notes: tuple[str, ...] = ()
    oncogenicity: Oncogenicity | None = None  # small variants (matcher/kb/oncogenicity.py)


@dataclass(frozen=True)
class Citation:
    """kind: 'pmid', 'label' (FDA label), 'guideline', 'review' or 'civic'."""

    kind: str
    id: str
    text: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Match:
    """One KB evidence item that applies to one alteration, with its derived level."""

    evidence_id: str
    alteration_id: str
    gene: str
    therapy: tuple[str, ...]  # drugs of one option; a combination is one option
    direction: str  # 'sensitivity' | 'resistance'
    evidence_type: str  # 'fda' | 'guideline' | 'clinical' | 'case' | 'preclinical'
    level: str  # '1', '2', '3A', '3B', '4', 'R1', 'R2'
    amp_tier: str  # 'Tier I, level A', …
    match_type: str  # 'exact', 'codon', 'exon', 'hotspot', 'consequence', 'gene', 'fusion_any' …
    label_status: str  # 'on-label' | 'off-label' | 'tumor-agnostic'
    criterion: str  # the KB alteration criterion, in words
    scope: tuple[str, ...]  # OncoTree codes (or 'SOLID') the evidence covers
    excluded: tuple[str, ...]
    statement: str
    citations: tuple[Citation, ...]
    trials: tuple[str, ...]
    source: str  # 'curated' | 'civic' | 'approvals'
    approval_year: int | None = None
    approval_date: str | None = None  # fda: ISO date the indication was first approved


def prebuilt(cls: type, values: dict[str, Any]) -> Any:
    """An instance of the frozen dataclass ``cls`` from ``values`` (every field, in declared
    order), without running ``__init__``.

    For the engine's hot path only: a frozen ``__init__`` sets each field through
    ``object.__setattr__`` (about 2.4 µs for a Match, 0.3 µs this way; a 20-variant report with
    the CIViC import builds about 400). The instance is the same as ``cls(**values)``: equal,
    hashable, still frozen. ``cls`` must have no ``__post_init__``; tests compare both ways.
    """
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj


@dataclass(frozen=True)
class TherapyOption:
    """A therapy (one drug or a combination) ranked by its best level for this patient."""

    therapy: tuple[str, ...]
    name: str  # 'dabrafenib + trametinib'
    level: str
    amp_tier: str
    alteration_ids: tuple[str, ...]
    matches: tuple[Match, ...]  # sensitivity evidence, best first
    resistance: tuple[Match, ...] = ()  # resistance to it in this tumor type (or pan-tumor)
    resistance_elsewhere: tuple[str, ...] = ()  # evidence ids of resistance in other tumor types


@dataclass(frozen=True)
class TrialMatch:
    """A trial: matched through a biomarker, or open to the tumor type regardless of biomarker."""

    nct_id: str
    title: str | None  # None: not known yet (`matcher trials refresh` fetches it)
    phase: str | None
    status: str | None
    status_verified: str | None  # ISO date the status was last verified, or None
    reason: str  # 'biomarker' | 'tumor_type'
    alteration_ids: tuple[str, ...] = ()
    url: str = ""
    sponsor: str | None = None  # lead sponsor, once refreshed from ClinicalTrials.gov
    # which of title, phase, sponsor, status, status_verified come from a registry snapshot
    # (knowledgebase/registry/: old, never current), and that snapshot's source
    registry_fields: tuple[str, ...] = ()
    registry_source: str | None = None


@dataclass(frozen=True)
class TrialBiomarkerHit:
    """Which alteration met which structured eligibility criterion of a trial."""

    alteration_id: str
    alteration: str  # the alteration's label, e.g. 'BRAF V600E'
    criterion: str  # the criterion in words, e.g. 'BRAF V600E'
    match_type: str  # as for evidence (exact, codon, fusion_any …)
    quote: str  # the eligibility text the criterion was read from
    quote_from: str = "eligibility"  # or "title": the quote is the trial's registry title's


@dataclass(frozen=True)
class OpenTrialMatch:
    """A ClinicalTrials.gov trial open (as of ``status_date``) to this patient.

    reason 'biomarker': the report meets a required biomarker and carries none of the excluding
    ones, in one of the trial's tumor types; 'tumor_type': open to the tumor type whatever the
    biomarker (biomarker only recorded or stratified on, or none named), no excluding one met.
    """

    nct_id: str
    title: str
    phase: str | None
    status: str  # RECRUITING, NOT_YET_RECRUITING, ENROLLING_BY_INVITATION
    status_date: str  # ISO date the status was last known
    status_age_days: int  # days from status_date to the match
    status_may_be_out_of_date: bool  # older than the configured age
    reason: str  # 'biomarker' | 'tumor_type'
    matched: tuple[TrialBiomarkerHit, ...]
    drugs: tuple[str, ...]
    tumor_types: tuple[str, ...]
    url: str
    source: str
    notes: tuple[str, ...] = ()  # e.g. eligibility text truncated in our copy


@dataclass(frozen=True)
class AlterationOutcome:
    """How the engine ended with one alteration."""

    alteration: Alteration
    status: str  # one of STATUSES
    reason: str | None = None
    match_ids: tuple[str, ...] = ()  # evidence ids


@dataclass(frozen=True)
class TumorType:
    code: str
    name: str
    main_type: str | None = None
    tissue: str | None = None


@dataclass(frozen=True)
class MatchResult:
    """Everything the oncologist and the LIMS get back."""

    report_id: str
    tumor_type: TumorType | None
    alterations: tuple[AlterationOutcome, ...]
    therapy_options: tuple[TherapyOption, ...]
    resistance: tuple[Match, ...]  # resistance evidence, also attached to options it concerns
    trials: tuple[TrialMatch, ...]
    warnings: tuple[str, ...]
    kb_version: str
    kb_hash: str
    matcher_version: str
    generated_at: str  # ISO 8601 UTC
    source_format: str = "labjson"
    sample: str | None = None
    genome_build: str | None = None
    lab: str | None = None
    specimen: Specimen | None = None
    # ClinicalTrials.gov trials open to this patient (knowledgebase/ctgov/, docs/trials.md);
    # `trials` above keeps the trials cited by the KB's evidence (references, not "open")
    open_trials: tuple[OpenTrialMatch, ...] = ()
    # The lab's patient identifier (lab JSON patient.id, a MAF sidecar's PATIENT_ID): shown on
    # the summary page and in FHIR so a printed page cannot be filed in the wrong chart; never
    # logged.
    patient_id: str | None = None

    def to_json(self) -> str:
        """The documented result schema as compact JSON (UTF-8 text, field order as declared).

        orjson encodes the frozen dataclasses directly, without building an intermediate dict:
        on a 20-variant report with the CIViC import this takes well under a millisecond, where
        a dict walk plus :func:`json.dumps` took about 15 ms (bench/README.md).
        """
        import orjson  # here, not at the top: the client-only install imports this module

        return orjson.dumps(self).decode()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the documented result schema); the same document as :meth:`to_json`."""
        import orjson

        return orjson.loads(orjson.dumps(self))
