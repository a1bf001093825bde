"""The result document's schema 2 for the OpenAPI document: the compact and the full view
(docs/result-schema.md, :mod:`matcher.render.compact`).

Documentation only: views splice the stored JSON into their answers, nothing is dumped through
these schemas. The full view is the model's ``MatchResult`` field for field (every field
present, null where unset); the compact view leaves null and empty fields of an alteration out.
tests/test_result_openapi.py validates real results of every sample against them.
"""

from __future__ import annotations

import copy
from typing import Any

from marshmallow import Schema, fields, validate

from matcher.model import ONCOGENICITY, STATUSES
from matcher.render.compact import SCHEMA_VERSION

LEVELS = ("1", "2", "3A", "3B", "4", "R1", "R2")
RESISTANCE_LEVELS = ("R1", "R2")


class _Base(Schema):
    class Meta:
        ordered = True


def _req(field: fields.Field) -> fields.Field:
    field.required = True
    return field


def _str(*, null: bool = False, **kw) -> fields.String:
    return fields.String(required=True, allow_none=null, **kw)


def _int(*, null: bool = False) -> fields.Integer:
    return fields.Integer(required=True, allow_none=null)


def _num(*, null: bool = False) -> fields.Float:
    return fields.Float(required=True, allow_none=null)


def _strs(**kw) -> fields.List:
    return fields.List(fields.String(), required=True, **kw)


def _since(field: fields.Field) -> fields.Field:
    """A field added in schema 2.0's development: absent from results stored before it."""
    field.required = False
    field.metadata["description"] = (field.metadata.get("description", "") +
                                     " Absent in results stored before it was added.").strip()
    return field


# ----------------------------------------------------------------------------- shared parts
class ResultTumorTypeSchema(_Base):
    code = _str()
    name = _str()
    main_type = _str(null=True)
    tissue = _str(null=True)


class ResultSpecimenSchema(_Base):
    id = _str(null=True)
    type = _str(null=True)
    tumor_content = _num(null=True)


class ResultTrialSchema(_Base):
    """A trial the KB's evidence cites (not necessarily open)."""

    nct_id = _str()
    title = _str(null=True, metadata={
        "description": "The registry title; null: not yet checked (`matcher trials refresh`)."})
    phase = _str(null=True)
    status = _str(null=True)
    status_verified = _str(null=True, metadata={
        "description": "ISO date the status is known as of, or null."})
    reason = _str(validate=validate.OneOf(("biomarker", "tumor_type")))
    alteration_ids = _strs()
    url = _str()
    sponsor = _since(_str(null=True, metadata={
        "description": "Lead sponsor, once refreshed from ClinicalTrials.gov; else null."}))
    registry_fields = _since(_strs(metadata={
        "description": "Which of title, phase, sponsor, status and status_verified come from a "
                       "registry snapshot (knowledgebase/registry/): facts as of "
                       "status_verified, never current; empty when none."}))
    registry_source = _since(_str(null=True, metadata={
        "description": "The registry snapshot those fields come from (ClinicalTrials.gov record "
                       "via repo@commit:path); null when none."}))


class ResultTrialHitSchema(_Base):
    alteration_id = _str()
    alteration = _str()
    criterion = _str()
    match_type = _str()
    quote = _str(metadata={"description": "The eligibility text the criterion was read from."})
    quote_from = _since(_str(validate=validate.OneOf(("eligibility", "title")), metadata={
        "description": "Where the quote is from: the eligibility criteria or the trial's "
                       "registry title."}))


class ResultOpenTrialSchema(_Base):
    """A ClinicalTrials.gov trial open to this patient (docs/trials.md)."""

    nct_id = _str()
    title = _str()
    phase = _str(null=True)
    status = _str()
    status_date = _str()
    status_age_days = _int()
    status_may_be_out_of_date = _req(fields.Boolean())
    reason = _str(validate=validate.OneOf(("biomarker", "tumor_type")))
    matched = _req(fields.List(fields.Nested(ResultTrialHitSchema)))
    drugs = _strs()
    tumor_types = _strs()
    url = _str()
    source = _str()
    notes = _strs()


# ----------------------------------------------------------------------------- alterations
class ResultProteinSchema(_Base):
    canonical = _str()
    hgvs = _str()
    consequence = _str()
    ref_aa = _str(null=True)
    position = _int(null=True)
    alt_aa = _str(null=True)
    end_position = _int(null=True)


class ResultVariantSchema(_Base):
    protein = _req(fields.Nested(ResultProteinSchema, allow_none=True))
    consequence = _str(null=True)
    cdna = _str(null=True)
    transcript = _str(null=True)
    exon = _int(null=True)
    chrom = _str(null=True)
    pos = _int(null=True)
    ref = _str(null=True)
    alt = _str(null=True)
    build = _str(null=True)
    vaf = _num(null=True)
    depth = _int(null=True)
    hotspot = _req(fields.Boolean())


class ResultFusionSchema(_Base):
    five_prime = _str(null=True)
    three_prime = _str(null=True)
    order_known = _req(fields.Boolean())
    kinase_gene = _str(null=True)
    five_prime_exon = _int(null=True)
    three_prime_exon = _int(null=True)
    supporting_reads = _int(null=True)


class ResultCopyNumberSchema(_Base):
    state = _str()
    copies = _num(null=True)


class ResultSignatureSchema(_Base):
    name = _str()
    value = _req(fields.Raw(metadata={"description": "A number (TMB, PD-L1) or a state (MSI)."}))
    unit = _str(null=True)


class ResultOncogenicitySchema(_Base):
    classification = _str(validate=validate.OneOf(ONCOGENICITY))
    reason = _str()
    source = _str()
    gene_role = _str(null=True)


class ResultAlterationSchema(_Base):
    id = _str()
    kind = _str(validate=validate.OneOf(("variant", "fusion", "copy_number", "signature")))
    gene = _str(null=True)
    label = _str()
    original = _str()
    source = _str()
    origin = _str()
    gene_known = _req(fields.Boolean())
    variant = _req(fields.Nested(ResultVariantSchema, allow_none=True))
    fusion = _req(fields.Nested(ResultFusionSchema, allow_none=True))
    copy_number = _req(fields.Nested(ResultCopyNumberSchema, allow_none=True))
    signature = _req(fields.Nested(ResultSignatureSchema, allow_none=True))
    filter_reason = _str(null=True)
    not_assessable = _str(null=True)
    notes = _strs()
    oncogenicity = _req(fields.Nested(ResultOncogenicitySchema, allow_none=True))


class ResultOutcomeSchema(_Base):
    alteration = _req(fields.Nested(ResultAlterationSchema))
    status = _str(validate=validate.OneOf(STATUSES))
    reason = _str(null=True)
    match_ids = _req(fields.List(fields.String(), metadata={
        "description": "Ids of every evidence item matched to it."}))


# ----------------------------------------------------------------------------- full view
class ResultCitationSchema(_Base):
    kind = _str(metadata={"description": "pmid, label, guideline, review or civic."})
    id = _str()
    text = _str(null=True)
    url = _str(null=True)


class ResultMatchSchema(_Base):
    """One evidence item matched to one alteration, with its derived level."""

    evidence_id = _str()
    alteration_id = _str()
    gene = _str()
    therapy = _strs()
    direction = _str(validate=validate.OneOf(("sensitivity", "resistance")))
    evidence_type = _str()
    level = _str(validate=validate.OneOf(LEVELS))
    amp_tier = _str()
    match_type = _str()
    label_status = _str()
    criterion = _str()
    scope = _strs()
    excluded = _strs()
    statement = _str()
    citations = _req(fields.List(fields.Nested(ResultCitationSchema)))
    trials = _strs()
    source = _str()
    approval_year = _int(null=True)
    approval_date = _str(null=True)


class ResultOptionSchema(_Base):
    therapy = _strs()
    name = _str()
    level = _str(validate=validate.OneOf(LEVELS))
    amp_tier = _str()
    alteration_ids = _strs()
    matches = _req(fields.List(fields.Nested(ResultMatchSchema), metadata={
        "description": "Sensitivity evidence, best first."}))
    resistance = _req(fields.List(fields.Nested(ResultMatchSchema)))
    resistance_elsewhere = _req(fields.List(fields.String(), metadata={
        "description": "Evidence ids of resistance in other tumor types."}))


class _Head(_Base):
    schema_version = _str(metadata={"description": f"'{SCHEMA_VERSION}': the result schema's "
                                                   "version (major.minor)."})


class FullResultSchema(_Head):
    """The full view (?view=full): every matched evidence item in full, per option."""

    view = _str(validate=validate.OneOf(("full",)))
    report_id = _str()
    tumor_type = _req(fields.Nested(ResultTumorTypeSchema, allow_none=True))
    alterations = _req(fields.List(fields.Nested(ResultOutcomeSchema)))
    therapy_options = _req(fields.List(fields.Nested(ResultOptionSchema)))
    resistance = _req(fields.List(fields.Nested(ResultMatchSchema)))
    trials = _req(fields.List(fields.Nested(ResultTrialSchema)))
    warnings = _strs()
    kb_version = _str()
    kb_hash = _str()
    matcher_version = _str()
    generated_at = _str(metadata={"description": "ISO 8601 UTC."})
    source_format = _str()
    sample = _str(null=True)
    genome_build = _str(null=True)
    lab = _str(null=True)
    specimen = _req(fields.Nested(ResultSpecimenSchema, allow_none=True))
    open_trials = _req(fields.List(fields.Nested(ResultOpenTrialSchema)))
    patient_id = _since(_str(null=True, metadata={
        "description": "The patient identifier the lab sent (lab JSON patient.id, a MAF "
                       "sidecar's PATIENT_ID), or null."}))


# ----------------------------------------------------------------------------- compact view
def _variant(cls: type[Schema], name: str, *, required: tuple[str, ...] | None = None,
             drop: tuple[str, ...] = (), nested: dict[str, fields.Field] | None = None,
             extra: dict[str, fields.Field] | None = None, doc: str | None = None,
             ) -> type[Schema]:
    """A compact-view schema made from the full view's ``cls``: without the fields in ``drop``,
    ``nested`` replacing some, only ``required`` ones required (None: as in ``cls``), then the
    ``extra`` fields."""
    attrs: dict[str, Any] = {"__doc__": doc or cls.__doc__}
    for key, field in cls._declared_fields.items():
        if key in drop:
            continue
        field = copy.deepcopy((nested or {}).get(key, field))
        if required is not None:
            field.required = key in required
        attrs[key] = field
    attrs.update(extra or {})
    return type(name, (_Base,), attrs)


# Null and empty fields of an alteration are left out (and the parsed protein change).
CompactVariantSchema = _variant(ResultVariantSchema, "CompactVariantSchema",
                                required=("hotspot",), drop=("protein",))
CompactAlterationSchema = _variant(
    ResultAlterationSchema, "CompactAlterationSchema",
    required=("id", "kind", "label", "original", "source", "origin", "gene_known"), nested={
        "variant": fields.Nested(CompactVariantSchema),
        "fusion": fields.Nested(_variant(ResultFusionSchema, "CompactFusionSchema",
                                         required=("order_known",))),
        "copy_number": fields.Nested(_variant(ResultCopyNumberSchema,
                                              "CompactCopyNumberSchema", required=("state",))),
        "signature": fields.Nested(_variant(ResultSignatureSchema, "CompactSignatureSchema",
                                            required=("name", "value"))),
        "oncogenicity": fields.Nested(_variant(
            ResultOncogenicitySchema, "CompactOncogenicitySchema",
            required=("classification", "reason", "source"))),
    })


class CompactOutcomeSchema(_Base):
    alteration = _req(fields.Nested(CompactAlterationSchema))
    status = _str(validate=validate.OneOf(STATUSES))
    reason = _str(null=True)
    evidence_count = _req(fields.Integer(metadata={
        "description": "How many evidence items matched it (their ids: the full view)."}))


class CompactOptionSchema(_Base):
    """A therapy option: its regimen, level, alterations and best evidence (ids into
    ``evidence``); the rest counted."""

    name = _str(metadata={"description": "The regimen, drugs joined by ' + '."})
    level = _str(validate=validate.OneOf(LEVELS))
    alteration_ids = _strs()
    evidence = _req(fields.List(fields.String(), metadata={
        "description": "Best evidence first: up to 3 ids at levels 1, 2, 3A; the best one at "
                       "3B; none at 4 (counted in more_evidence)."}))
    more_evidence = fields.Integer(metadata={
        "description": "Evidence items not listed (absent: none)."})
    resistance = fields.List(fields.String(), metadata={
        "description": "Resistance to this regimen in this tumor type: ids shown (absent: "
                       "none; R1 up to 3, R2 none)."})
    more_resistance = fields.Integer(metadata={"description": "Resistance items not listed."})
    resistance_elsewhere = fields.Integer(metadata={
        "description": "Resistance evidence in other tumor types (count; ids: the full view)."})


class CompactResistanceSchema(_Base):
    """Resistance evidence for one regimen, at its best level (R1 before R2)."""

    name = _str()
    level = _str(validate=validate.OneOf(RESISTANCE_LEVELS))
    alteration_ids = _strs()
    evidence = _req(fields.List(fields.String(), metadata={
        "description": "Ids into evidence: up to 3 at R1, none at R2."}))
    more_evidence = fields.Integer()


class CompactEvidenceSchema(_Base):
    """One evidence item as the compact view shows it (in full: the full view)."""

    level = _str(validate=validate.OneOf(LEVELS))
    evidence_type = _str(metadata={"description": "fda, guideline, clinical, case or "
                                                  "preclinical."})
    scope = _req(fields.List(fields.String(), metadata={
        "description": "OncoTree codes (or SOLID) the evidence covers."}))
    citations = _req(fields.List(fields.String(), metadata={
        "description": "Up to 3 citations (PMID 123, FDA label …), best first."}))
    links = fields.List(fields.String(), metadata={
        "description": "Links of the FDA label or guideline behind a level 1, 2 or R1."})
    approval_date = fields.String(metadata={"description": "FDA approval of the indication."})


# Trials without their URL (https://clinicaltrials.gov/study/{nct_id}), null fields (and an
# empty registry_fields), the record's provenance and the quoted eligibility text.
CompactTrialSchema = _variant(ResultTrialSchema, "CompactTrialSchema", drop=("url",),
                              required=("nct_id", "reason", "alteration_ids"))
# A trial open to the tumor type only (reason tumor_type): nct_id, phase, status, status_date
# and reason; one matched to a biomarker: the rest too, with the source's cut eligibility text
# as a flag instead of the note.
CompactOpenTrialSchema = _variant(
    ResultOpenTrialSchema, "CompactOpenTrialSchema", drop=("url", "source"),
    required=("nct_id", "phase", "status", "status_date", "reason"), nested={
        "matched": fields.List(fields.Nested(_variant(
            ResultTrialHitSchema, "CompactTrialHitSchema", drop=("quote",)))),
        "notes": fields.List(fields.String(), metadata={
            "description": "The full view's notes but the one eligibility_truncated stands "
                           "for."})},
    extra={"eligibility_truncated": fields.Boolean(metadata={
        "description": "True: the source cut the trial's eligibility text (exclusions may be "
                       "missing; the full view's note says so in words). Absent: not cut."})},
    doc="An open trial (docs/result-schema.md): matched to a biomarker, as in the full view "
        "without url, source and quotes; open to the tumor type only, its id, phase and status.")


CompactResultSchema = _variant(FullResultSchema, "CompactResultSchema", nested={
    "view": _str(validate=validate.OneOf(("compact",))),
    "alterations": _req(fields.List(fields.Nested(CompactOutcomeSchema))),
    "therapy_options": _req(fields.List(fields.Nested(CompactOptionSchema))),
    "resistance": _req(fields.List(fields.Nested(CompactResistanceSchema))),
    "trials": _req(fields.List(fields.Nested(CompactTrialSchema))),
    "open_trials": _req(fields.List(fields.Nested(CompactOpenTrialSchema))),
}, extra={
    "evidence": _req(fields.Dict(keys=fields.String(), values=fields.Nested(
        CompactEvidenceSchema), metadata={
        "description": "The evidence items the view shows, keyed by evidence id."})),
}, doc="The compact view (the default): each evidence item shown once, in ``evidence``.")


# Which one a document is: its `view` (each schema's only allowed value).
RESULT_ONE_OF = {"oneOf": [{"$ref": "#/components/schemas/CompactResult"},
                           {"$ref": "#/components/schemas/FullResult"}]}


def register(spec) -> None:  # noqa: ANN001
    """Add both views to the OpenAPI document's components."""
    spec.components.schema("CompactResult", schema=CompactResultSchema)
    spec.components.schema("FullResult", schema=FullResultSchema)
