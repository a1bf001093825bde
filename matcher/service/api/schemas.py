"""Marshmallow schemas of the HTTP API: request parameters and the one success shape per view."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_smorest.fields import Upload
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from matcher.model import GENOME_BUILDS
from matcher.readers import FORMATS, labjson
from matcher.service.api.result_schemas import RESULT_ONE_OF
from matcher.untrusted import REPORT_ID_MAX, REPORT_ID_PATTERN, ascii_int, report_id_problem


class DateOrDateTime(fields.Field):
    """ISO 8601 date (midnight UTC) or date-time (naive means UTC), in ASCII digits; one whose
    UTC time falls outside years 1-9999 (``9999-12-31T23:59:59-14:00``) is refused."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001
        if not isinstance(value, str) or not value.isascii() or len(value) > 40:
            raise ValidationError("Not a valid ISO 8601 date or date-time (ASCII digits).")
        try:
            if len(value) == 10:
                return datetime.combine(date.fromisoformat(value), time(), UTC)
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError("Out of range: the date-time in UTC is before year 1 or "
                                  "after year 9999.") from exc
        except ValueError as exc:
            raise ValidationError("Not a valid ISO 8601 date or date-time.") from exc


class AsciiInteger(fields.Integer):
    """An integer parameter written in ASCII digits: ``int()`` also reads '١٢' and '1_2'."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001
        if isinstance(value, str):
            number = ascii_int(value, signed=True)
            if number is None:
                raise self.make_error("invalid")
            value = number
        return super()._deserialize(value, attr, data, **kwargs)


def _report_id(value: str) -> None:
    problem = report_id_problem(value)
    if problem is not None:
        raise ValidationError(f"{problem.message}: expected {problem.expected}")


# Printable text: no control characters (NUL is not even storable in PostgreSQL text).
PRINTABLE = validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="Control characters are not allowed.")
MAX_INT32 = 2**31 - 1


class _Base(Schema):
    class Meta:
        ordered = True


class SubmitParamsSchema(_Base):
    """How to read a submitted file (query parameters, or form fields of a multipart upload)."""

    report_id = fields.String(validate=_report_id, metadata={
        "description": "Report id (default: the file's own, or derived from sample/file name); "
                       "see docs/api.md, 'Report ids'.", "pattern": REPORT_ID_PATTERN,
        "maxLength": REPORT_ID_MAX})
    tumor_type = fields.String(validate=[validate.Length(1, 200), PRINTABLE], metadata={
        "description": "OncoTree code or name; overrides the file's own."})
    sample = fields.String(validate=[validate.Length(1, 200), PRINTABLE], metadata={
        "description": "Tumor sample of a multi-sample VCF/MAF."})
    genome_build = fields.String(validate=validate.OneOf(GENOME_BUILDS))
    format = fields.String(validate=validate.OneOf(FORMATS), metadata={
        "description": "File format (default: sniffed from content type, file name and content)."})
    filename = fields.String(validate=[validate.Length(1, 255), PRINTABLE], metadata={
        "description": "File name of a raw-body upload (helps format detection, e.g. x.vcf.gz)."})
    supersede = fields.Boolean(load_default=False, metadata={
        "description": "Store different content under an existing report id as a new version "
                       "(the earlier versions are kept). Without it such a submission is 409."})


class SubmitFormSchema(SubmitParamsSchema):
    """A multipart/form-data submission: the file, and the reading parameters as form fields."""

    file = Upload(required=True, metadata={
        "description": "The lab file: VCF (plain or bgzipped), MAF, fusion or copy-number table, "
                       "or a lab JSON report."})
    clinical = Upload(metadata={
        "description": "With a MAF only: its clinical sidecar (cBioPortal data_clinical_sample "
                       "layout: SAMPLE_ID and ONCOTREE_CODE columns) giving the sample's tumor "
                       "type, as `matcher match --clinical` reads it. A tumor_type parameter "
                       "overrides it."})


# The lab JSON report as published in the OpenAPI document: the very marshmallow schemas the
# reader validates with (matcher.readers.labjson), under names that say what they are.
LAB_REPORT_SCHEMAS = {
    "LabPatient": labjson.PatientSchema,
    "LabSpecimen": labjson.SpecimenSchema,
    "LabVariant": labjson.VariantSchema,
    "LabFusion": labjson.FusionSchema,
    "LabCopyNumber": labjson.CopyNumberSchema,
    "LabBiomarkers": labjson.BiomarkerSchema,
    "LabReport": labjson.LabReportSchema,
}


LAB_REPORT_NOTES = {
    "LabReport": "Lab JSON report, version 1 (README, 'Lab report JSON'). Besides the field "
                 "rules: genome_build is required when a variant has genomic coordinates; every "
                 "problem is answered at once (422), including protein changes the service "
                 "cannot read.",
    "LabVariant": "A small variant: a gene with protein_change, cdna_change or exon, and/or "
                  "genomic coordinates (chrom, pos, ref and alt together). consequence: a "
                  "consequence class or Sequence Ontology term.",
    "LabFusion": "A fusion: either `fusion` (e.g. EML4::ALK) or five_prime_gene/"
                 "three_prime_gene, not both.",
    "LabCopyNumber": "A gene-level copy-number call.",
    "LabBiomarkers": "Tumor-level biomarkers (TMB, MSI, MMR, PD-L1, HRD, cytogenetics).",
    "LabPatient": "The patient as the lab identifies them.",
    "LabSpecimen": "The specimen as the lab identifies it.",
}


def register_components(spec) -> None:  # noqa: ANN001
    """Add the request-body schemas (lab JSON report, multipart form) to the OpenAPI document;
    nested schemas first, so that LabReport refers to them by these names."""
    for name, schema in LAB_REPORT_SCHEMAS.items():
        spec.components.schema(name, {"description": LAB_REPORT_NOTES.get(name, name)},
                               schema=schema)
    spec.components.schema("SubmitForm", schema=SubmitFormSchema)


def ref(name: str) -> dict[str, str]:
    """A JSON reference to a component schema of the OpenAPI document."""
    return {"$ref": f"#/components/schemas/{name}"}


VIEW = fields.String(validate=validate.OneOf(("compact", "full")), load_default="compact",
                     metadata={"description": "The result's view (docs/result-schema.md): "
                               "compact (each evidence item once, the best shown per option) or "
                               "full (every matched evidence item in full)."})


class SubmitQuerySchema(SubmitParamsSchema):
    """The query of a submission: the reading parameters and the result's view."""

    view = VIEW


class PageParamsSchema(_Base):
    """Paging of a listing (fields shared by every paginated view)."""

    page = AsciiInteger(load_default=1, validate=validate.Range(1, 1_000_000))
    page_size = AsciiInteger(validate=validate.Range(1, MAX_INT32), metadata={
        "description": "Items per page (default MATCHER_PAGE_SIZE, at most "
                       "MATCHER_MAX_PAGE_SIZE)."})


class ListParamsSchema(PageParamsSchema):
    report_id = fields.String(validate=_report_id)
    since = DateOrDateTime(metadata={"description": "Submitted at or after (ISO date/date-time)."})
    until = DateOrDateTime(metadata={"description": "Submitted before (ISO date/date-time)."})


class VersionParamsSchema(_Base):
    version = AsciiInteger(validate=validate.Range(1, MAX_INT32), metadata={
        "description": "An earlier version of an amended report (default: the current one)."})


class ReportGetParamsSchema(VersionParamsSchema):
    format = fields.String(validate=validate.OneOf(("json", "fhir")), load_default="json",
                           metadata={"description": "json (the stored record) or fhir (a FHIR R4 "
                                     "Genomics Bundle; also chosen by Accept: "
                                     "application/fhir+json)."})
    kb = fields.String(validate=validate.OneOf(("stored", "current")), load_default="stored",
                       metadata={"description": "current: also re-match the report under the "
                                 "current KB and show what changed (the stored result is kept)."})
    view = VIEW


class LinksSchema(_Base):
    self = fields.String()
    summary = fields.String()


class ReportMetaSchema(_Base):
    report_id = fields.String(required=True)
    version = fields.Integer(required=True)
    current = fields.Boolean(required=True)
    lab = fields.String(required=True)
    submitted_at = fields.DateTime(required=True)
    superseded_at = fields.DateTime(allow_none=True)
    content_sha256 = fields.String(required=True)
    content_size = fields.Integer(required=True)
    source_format = fields.String(required=True)
    kb_version = fields.String(required=True)
    kb_hash = fields.String(required=True)
    matcher_version = fields.String(required=True)
    links = fields.Nested(LinksSchema)


class CurrentKbSchema(_Base):
    """``?kb=current``: the stored report re-matched under the KB the service runs now."""

    kb_version = fields.String(required=True)
    kb_hash = fields.String(required=True)
    result = fields.Dict(required=True, allow_none=True, metadata={
        "description": "The result under the current KB, in the shape and view of the stored "
                       "`result` (null when it could not be re-matched: see error)."})
    diff = fields.Dict(required=True, allow_none=True, metadata={
        "description": "What changed between the stored result and this one: options new, "
                       "lost, raised or lowered, new resistance (null on error)."})
    error = fields.String(required=True, allow_none=True, metadata={
        "description": "Why the report could not be re-matched (e.g. content not stored)."})


class ChangeSchema(_Base):
    field = fields.String(required=True)
    before = fields.String(required=True, allow_none=True)
    after = fields.String(required=True, allow_none=True)


class AmendmentSchema(_Base):
    """The answer to a submission that amended a stored report without ``supersede``."""

    replaces_version = fields.Integer(required=True)
    changes = fields.List(fields.Nested(ChangeSchema), required=True)
    note = fields.String(required=True)


class ReportRecordSchema(ReportMetaSchema):
    versions = fields.List(fields.Integer())
    result = fields.Dict(required=True, metadata={
        **RESULT_ONE_OF,
        "description": "The match result, schema 2 (docs/result-schema.md): the compact view "
                       "(default) or, with ?view=full, the full view. Alterations, therapy "
                       "options, resistance, trials (cited by the KB), open_trials "
                       "(ClinicalTrials.gov trials open for this patient, docs/trials.md), "
                       "warnings, KB version and hash."})
    amendment = fields.Nested(AmendmentSchema, metadata={
        "description": "Only in the 201 answer to a submission that added a tumor type to a "
                       "report stored without one (same content otherwise): a new version, "
                       "stored without supersede; what changed."})
    current_kb = fields.Nested(CurrentKbSchema, metadata={
        "description": "Only with ?kb=current: the report re-matched under the current KB "
                       "(its result in the view asked for) and the options that changed (new, "
                       "removed, re-levelled). The stored result above is unchanged. "
                       "(`current`, the boolean above, says whether this is the report's "
                       "current version.)"})


class PageLinksSchema(_Base):
    self = fields.String()
    next = fields.String(allow_none=True)
    prev = fields.String(allow_none=True)


class PageSchema(_Base):
    """What every paginated listing answers besides its items."""

    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True)
    links = fields.Nested(PageLinksSchema)


class ReportListSchema(PageSchema):
    items = fields.List(fields.Nested(ReportMetaSchema), required=True)


class KnowledgeBaseSchema(_Base):
    version = fields.String(required=True)
    hash = fields.String(required=True)
    counts = fields.Dict(metadata={"description": "Entry counts (genes, evidence, ...)."})


class GeneEntrySchema(_Base):
    gene = fields.String(required=True)
    entry = fields.Dict(required=True, metadata={"description": "The gene's KB content."})
    kb_version = fields.String(required=True)


class TumorTypeSchema(_Base):
    code = fields.String(required=True)
    name = fields.String(required=True)
    main_type = fields.String(allow_none=True)
    tissue = fields.String(allow_none=True)


class TumorTypeQuerySchema(_Base):
    q = fields.String(required=True, validate=[validate.Length(1, 200), PRINTABLE])
    limit = AsciiInteger(load_default=20, validate=validate.Range(1, 100))


class TumorTypeListSchema(_Base):
    items = fields.List(fields.Nested(TumorTypeSchema), required=True)


class HealthSchema(_Base):
    status = fields.String(required=True)


class ReadySchema(_Base):
    status = fields.String(required=True)
    kb_version = fields.String()
    database = fields.String()


class ProblemDetailSchema(_Base):
    message = fields.String(required=True)
    field = fields.String(metadata={"description": "Field path, e.g. variants[2].vaf"})
    line = fields.Integer(metadata={"description": "Line of the submitted file"})
    expected = fields.String()
    source = fields.String()


class ProblemSchema(_Base):
    """An RFC 9457 problem document (served as application/problem+json). Extension members
    beyond those listed may appear (RFC 9457, section 3.2)."""

    class Meta:
        ordered = True
        unknown = INCLUDE

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Nested(ProblemDetailSchema), metadata={
        "description": "The problems found, with where they are (at most 50; see errors_total)."})
    errors_total = fields.Integer(metadata={
        "description": "How many problems there were, when more than the 50 listed."})
    limit = fields.String(metadata={
        "description": "The setting whose limit the request went past (e.g. "
                       "MATCHER_MAX_IDENTICAL_CALLS)."})
    report_id = fields.String(metadata={"description": "404/409: the report id concerned."})
    version = fields.Integer(metadata={"description": "409: the current version."})
    gene = fields.String(metadata={"description": "404 of a gene: the symbol asked for."})
    nct_id = fields.String(metadata={"description": "404 of a trial: the NCT id asked for."})
    sample = fields.String(metadata={
        "description": "422 of one sample of a multi-sample file: the sample concerned."})
    symbol = fields.String(metadata={"description": "422 of an ambiguous gene symbol."})
    candidates = fields.List(fields.String(), metadata={
        "description": "422 of an ambiguous gene symbol: the genes it could mean."})
    request_id = fields.String(metadata={"description": "Quote it when reporting a problem."})


class AlterationQuerySchema(PageParamsSchema):
    """GET /v1/alterations: which of your lab's stored reports carry an alteration."""

    gene = fields.String(validate=[validate.Length(1, 64), PRINTABLE], metadata={
        "description": "HGNC symbol (aliases resolved), or a signature name (TMB, MSI)."})
    alteration = fields.String(validate=[validate.Length(1, 200), PRINTABLE], metadata={
        "description": "The change as stored: protein change (V600E, p.Val600Glu), fusion "
                       "(EML4::ALK), copy-number state (amplification), or the whole label "
                       "(BRAF V600E)."})
    tumor_type = fields.String(validate=[validate.Length(1, 200), PRINTABLE], metadata={
        "description": "OncoTree code or name; its descendants are included (THYROID finds "
                       "THAP)."})
    kind = fields.String(validate=validate.OneOf(
        ("variant", "fusion", "copy_number", "signature")))
    consequence = fields.String(validate=[validate.Length(1, 32), PRINTABLE], metadata={
        "description": "Consequence class, e.g. missense, inframe_deletion, frameshift."})
    oncogenicity = fields.String(validate=[validate.Length(1, 32), PRINTABLE], metadata={
        "description": "Only alterations classified so (when results carry a classification)."})
    include_filtered = fields.Boolean(load_default=False, metadata={
        "description": "Also calls the report listed as filtered (never matched)."})
    all_versions = fields.Boolean(load_default=False, metadata={
        "description": "Also superseded versions of amended reports (default: current only)."})


class StoredAlterationSchema(_Base):
    report_id = fields.String(required=True)
    version = fields.Integer(required=True)
    current = fields.Boolean(required=True)
    submitted_at = fields.DateTime(required=True)
    tumor_type = fields.String(allow_none=True, metadata={"description": "OncoTree code."})
    alteration_id = fields.String(required=True, metadata={
        "description": "The alteration's id within the report's result (A1, A2, ...)."})
    kind = fields.String(required=True)
    gene = fields.String(allow_none=True)
    change = fields.String(required=True)
    label = fields.String(required=True)
    consequence = fields.String(allow_none=True)
    oncogenicity = fields.String(allow_none=True)
    status = fields.String(allow_none=True, metadata={
        "description": "How the engine ended with it: matched, no_evidence, filtered, ..."})
    filter_reason = fields.String(allow_none=True)
    origin = fields.String(allow_none=True)
    links = fields.Nested(LinksSchema)


class AlterationListSchema(PageSchema):
    items = fields.List(fields.Nested(StoredAlterationSchema), required=True)


class ReinterpretationQuerySchema(PageParamsSchema):
    """GET /v1/reinterpretations: your lab's change records."""

    change = fields.String(validate=validate.OneOf(
        ("changed", "gained_level1", "lost_level1", "new_resistance", "new_option", "raised",
         "lowered", "lost")), metadata={
        "description": "Only records with this change: gained_level1 (an option now at level "
                       "1), lost_level1, new_resistance, new_option, raised, lowered, lost, or "
                       "changed (anything)."})
    kb = fields.String(validate=[validate.Length(1, 128), PRINTABLE], metadata={
        "description": "KB version or hash the reports were re-matched against."})
    old_kb = fields.String(validate=[validate.Length(1, 128), PRINTABLE], metadata={
        "description": "KB version or hash the stored results were made with: "
                       "change=gained_level1&old_kb=X is 'gained level 1 since KB X'."})
    report_id = fields.String(validate=_report_id)
    since = DateOrDateTime(metadata={"description": "Re-interpreted at or after."})
    until = DateOrDateTime(metadata={"description": "Re-interpreted before."})


class OptionChangeSchema(_Base):
    type = fields.String(required=True, metadata={
        "description": "new_option, raised, lowered, lost or new_resistance."})
    therapy = fields.String(required=True)
    old_level = fields.String(allow_none=True)
    new_level = fields.String(allow_none=True)


class ReinterpretationSchema(_Base):
    report_id = fields.String(required=True)
    version = fields.Integer(required=True)
    lab = fields.String(required=True)
    kb_version = fields.String(required=True)
    kb_hash = fields.String(required=True)
    old_kb_version = fields.String(required=True)
    old_kb_hash = fields.String(required=True)
    reinterpreted_at = fields.DateTime(required=True)
    changed = fields.Boolean(required=True)
    gained_level1 = fields.Boolean(required=True)
    lost_level1 = fields.Boolean(required=True)
    new_resistance = fields.Boolean(required=True)
    changes = fields.List(fields.Nested(OptionChangeSchema), required=True)
    error = fields.String(allow_none=True, metadata={
        "description": "Why the report could not be re-matched (e.g. content not stored)."})
    worker = fields.String(allow_none=True)
    links = fields.Nested(LinksSchema)


class ReinterpretationListSchema(PageSchema):
    items = fields.List(fields.Nested(ReinterpretationSchema), required=True)


class ReinterpretationGetSchema(_Base):
    version = AsciiInteger(validate=validate.Range(1, MAX_INT32), metadata={
        "description": "A version of an amended report (default: the current one)."})
    kb = fields.String(validate=[validate.Length(1, 128), PRINTABLE], metadata={
        "description": "KB version or hash (default: the newest re-interpretation)."})
    format = fields.String(validate=validate.OneOf(("json", "fhir")), load_default="json",
                           metadata={"description": "json (the change record with the new "
                                     "result) or fhir (the re-matched result as an amended FHIR "
                                     "R4 DiagnosticReport replacing the original; also chosen by "
                                     "Accept: application/fhir+json)."})


class ReinterpretationRecordSchema(ReinterpretationSchema):
    result = fields.Dict(allow_none=True, metadata={
        # a null value is the second branch: in OpenAPI 3.0 `nullable` beside oneOf does not
        # admit null (OAS 3.0.3, "nullable" clarification)
        "oneOf": [{"$ref": "#/components/schemas/FullResult"}, {"nullable": True, "enum": [None]}],
        "description": "The re-matched result, full view (null when nothing changed or on "
                       "error)."})


class TrialReportSchema(_Base):
    report_id = fields.String(required=True)
    version = fields.Integer(required=True)
    tumor_type = fields.String(allow_none=True)
    submitted_at = fields.DateTime(required=True)
    alterations = fields.List(fields.String(), required=True, metadata={
        "description": "The report's alterations that meet the trial's biomarkers."})
    links = fields.Nested(LinksSchema)


class TrialReportListSchema(PageSchema):
    nct_id = fields.String(required=True)
    title = fields.String(required=True)
    items = fields.List(fields.Nested(TrialReportSchema), required=True)
