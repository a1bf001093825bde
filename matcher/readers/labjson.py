"""Lab JSON report, version 1: the contract labs and LIMS code against (README, "Lab report JSON").

Validated with marshmallow: unknown fields, wrong types and out-of-range values are rejected, each
named by its field path (``variants[2].vaf``) with what was expected; all problems at once.
"""

from __future__ import annotations

import json
import re
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from matcher.errors import Problem, ReportValidationError, problems_from_messages
from matcher.model import (
    ARM_DELETION,
    CNV_STATES,
    GENOME_BUILDS,
    HRD_STATES,
    MMR_STATES,
    MSI_STATES,
    Biomarkers,
    CopyNumberCall,
    FusionCall,
    Report,
    Specimen,
    VariantCall,
)
from matcher.readers.options import ReadOptions
from matcher.reference.protein import consequence_class
from matcher.untrusted import (
    MAX_INT32,
    REPORT_ID_MAX,
    REPORT_ID_PATTERN,
    REPORT_ID_RULE,
    decoded_problems,
    loads_json,
    report_id_problem,
)

ALLELE = re.compile(r"^[ACGTNacgtn]+$|^-$")
SYMBOL = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9\-\.@_/]{0,39}$",
                         error="expected a gene symbol such as BRAF")
TEXT = validate.Length(min=1, max=200)


def _text(**kw) -> fields.String:
    return fields.String(validate=TEXT, **kw)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class PatientSchema(_Strict):
    id = _text()


class SpecimenSchema(_Strict):
    id = _text()
    type = _text()
    tumor_content = fields.Float(validate=validate.Range(0, 100), allow_nan=False)


class VariantSchema(_Strict):
    gene = fields.String(validate=SYMBOL)
    protein_change = _text()
    cdna_change = _text()
    transcript = fields.String(validate=validate.Regexp(
        r"^[A-Za-z0-9_.\-]{1,40}$", error="expected a transcript id such as NM_004333.6"))
    # Case spelled out (no re.I): the pattern is published as is in the OpenAPI document.
    chrom = fields.String(validate=validate.Regexp(
        r"^([Cc][Hh][Rr])?([1-9]|1[0-9]|2[0-2]|[XxYyMm]|[Mm][Tt])$",
        error="expected a chromosome such as 7 or chr7"))
    pos = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_INT32))
    ref = fields.String(validate=validate.Regexp(ALLELE, error="expected bases A, C, G, T, N"))
    alt = fields.String(validate=validate.Regexp(ALLELE, error="expected bases A, C, G, T, N"))
    vaf = fields.Float(validate=validate.Range(0, 1, error="expected a fraction from 0 to 1"),
                       allow_nan=False)
    depth = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_INT32))
    origin = fields.String(validate=validate.OneOf(("somatic", "germline")))
    # Exon-level results (PCR assays report "EGFR exon 19 deletion" without HGVS), or the exon
    # and consequence an annotation gave beside an HGVS change.
    exon = fields.Integer(strict=True, validate=validate.Range(min=1, max=500))
    consequence = _text()

    @validates_schema
    def _gene_or_coordinates(self, data: dict, **_kw) -> None:
        coords = [k for k in ("chrom", "pos", "ref", "alt") if k in data]
        if coords and len(coords) < 4:
            missing = sorted({"chrom", "pos", "ref", "alt"} - set(coords))
            raise ValidationError(f"genomic coordinates need chrom, pos, ref and alt "
                                  f"(missing {', '.join(missing)})", "chrom")
        has_change = "protein_change" in data or "cdna_change" in data or "exon" in data
        if not coords and not (data.get("gene") and has_change):
            raise ValidationError("expected a gene with protein_change, cdna_change or exon, "
                                  "or genomic coordinates (chrom, pos, ref, alt)", "gene")
        if "consequence" in data and consequence_class(data["consequence"]) is None:
            raise ValidationError(
                f"unknown consequence {data['consequence'][:40]!r}: expected a consequence "
                "class (missense, nonsense, frameshift, inframe_deletion, inframe_insertion, "
                "splice …) or a Sequence Ontology term such as splice_donor_variant",
                "consequence")


class FusionSchema(_Strict):
    fusion = _text()
    five_prime_gene = fields.String(validate=SYMBOL)
    three_prime_gene = fields.String(validate=SYMBOL)
    five_prime_exon = fields.Integer(strict=True, validate=validate.Range(min=1, max=500))
    three_prime_exon = fields.Integer(strict=True, validate=validate.Range(min=1, max=500))
    supporting_reads = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_INT32))

    @validates_schema
    def _some_gene(self, data: dict, **_kw) -> None:
        genes = data.get("five_prime_gene") or data.get("three_prime_gene")
        if data.get("fusion") and genes:
            raise ValidationError("give either 'fusion' or the partner genes, not both", "fusion")
        if not data.get("fusion") and not genes:
            raise ValidationError("expected 'fusion' (e.g. EML4::ALK) or five_prime_gene/"
                                  "three_prime_gene", "fusion")


class CopyNumberSchema(_Strict):
    gene = fields.String(required=True, validate=SYMBOL)
    state = fields.String(required=True, validate=validate.OneOf(CNV_STATES))
    copies = fields.Float(validate=validate.Range(min=0), allow_nan=False)


class BiomarkerSchema(_Strict):
    tmb = fields.Float(validate=validate.Range(0, 10000), allow_nan=False)
    msi = fields.String(validate=validate.OneOf(MSI_STATES))
    mmr = fields.String(validate=validate.OneOf(MMR_STATES))
    pdl1_tps = fields.Float(validate=validate.Range(0, 100), allow_nan=False)
    pdl1_cps = fields.Float(validate=validate.Range(0, 100), allow_nan=False)
    hrd = fields.String(validate=validate.OneOf(HRD_STATES))
    cytogenetics = fields.List(
        fields.String(validate=validate.Regexp(
            rf"^{ARM_DELETION}$", error="expected a chromosome-arm deletion such as del(5q) or "
                                        "del(17p)")),
        validate=validate.Length(max=24))


class LabReportSchema(_Strict):
    """Lab JSON report v1."""

    report_id = fields.String(required=True, validate=lambda v: _report_id(v), metadata={
        "description": f"Report id: {REPORT_ID_RULE}.", "pattern": REPORT_ID_PATTERN,
        "maxLength": REPORT_ID_MAX})
    tumor_type = _text()
    genome_build = fields.String(validate=validate.OneOf(GENOME_BUILDS))
    lab = _text()
    patient = fields.Nested(PatientSchema)
    specimen = fields.Nested(SpecimenSchema)
    variants = fields.List(fields.Nested(VariantSchema), load_default=list)
    fusions = fields.List(fields.Nested(FusionSchema), load_default=list)
    copy_number = fields.List(fields.Nested(CopyNumberSchema), load_default=list)
    biomarkers = fields.Nested(BiomarkerSchema)

    @validates_schema
    def _build_with_coordinates(self, data: dict, **_kw) -> None:
        if data.get("genome_build"):
            return
        for i, v in enumerate(data.get("variants") or []):
            if "chrom" in v:
                raise ValidationError(f"required because variants[{i}] has genomic coordinates "
                                      f"(expected GRCh37 or GRCh38)", "genome_build")

    @post_load
    def _build(self, data: dict, **_kw) -> dict:
        return data


def _report_id(value: str) -> None:
    if report_id_problem(value) is not None:
        raise ValidationError(f"expected {REPORT_ID_RULE}")


# One instance for every report: building a schema deep-copies its fields and nested
# schemas (about a third of a report's validation time); load() keeps no state.
_SCHEMA = LabReportSchema()


def parse_json(data: bytes, source: str = "report") -> object:
    """Decode JSON, raising ReportValidationError with line/column on malformed input, and
    naming every integer out of range and every string with a lone surrogate by its field path
    (:func:`matcher.untrusted.decoded_problems`)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportValidationError("report is not UTF-8 text", [Problem(
            f"byte {exc.start} is not valid UTF-8", expected="UTF-8 encoded JSON")]) from None
    try:
        doc = loads_json(text)
    except json.JSONDecodeError as exc:
        raise ReportValidationError("report is not valid JSON", [Problem(
            f"{exc.msg} at column {exc.colno}", line=exc.lineno, source=source,
            expected="a JSON object")]) from None
    except RecursionError:
        raise ReportValidationError("report is nested too deeply", [Problem(
            "JSON nesting is deeper than Python can read", source=source,
            expected="a lab report (a few levels of nesting)")]) from None
    problems = decoded_problems(doc)
    if problems:
        raise ReportValidationError(
            f"report failed validation ({len(problems)} problem(s))", problems)
    return doc


def read_labjson(data: bytes, options: ReadOptions = ReadOptions()) -> list[Report]:
    """Read one lab JSON report (bytes) into a Report; every problem at once."""
    doc = parse_json(data)
    return [report_from_dict(doc, options)]


def report_from_dict(doc: object, options: ReadOptions = ReadOptions()) -> Report:
    """Validate a decoded lab JSON report and build the Report."""
    if not isinstance(doc, dict):
        raise ReportValidationError("report must be a JSON object", [Problem(
            f"got a JSON {type(doc).__name__}", expected="an object with report_id, variants …")])
    try:
        d = _SCHEMA.load(doc)
    except ValidationError as exc:
        problems = problems_from_messages(exc.messages)
        error = ReportValidationError(
            f"report failed validation ({len(problems)} problem(s))", problems)
        # What did validate is checked further by the caller that has a KB (protein changes,
        # gene symbols, the tumor type), so that one answer lists every problem.
        error.partial_report = _salvage(doc, exc.messages)
        raise error from None
    total = len(d["variants"]) + len(d["fusions"]) + len(d["copy_number"])
    if total > options.max_variants:
        from matcher.errors import PayloadTooLarge
        raise PayloadTooLarge(f"report has {total} alterations; the limit is "
                              f"{options.max_variants}")
    build = options.genome_build or d.get("genome_build")
    variants = tuple(
        VariantCall(source=f"variants[{i}]", gene=v.get("gene"),
                    protein_change=v.get("protein_change"), cdna_change=v.get("cdna_change"),
                    transcript=v.get("transcript"), consequence=v.get("consequence"),
                    exon=v.get("exon"), chrom=v.get("chrom"), pos=v.get("pos"),
                    ref=v.get("ref"), alt=v.get("alt"), build=build if "chrom" in v else None,
                    vaf=v.get("vaf"), depth=v.get("depth"), origin=v.get("origin", "unknown"),
                    filter_reason=_threshold_reason(v, options))
        for i, v in enumerate(d["variants"]))
    fusions = tuple(
        FusionCall(source=f"fusions[{i}]", five_prime_gene=f.get("five_prime_gene"),
                   three_prime_gene=f.get("three_prime_gene"), text=f.get("fusion"),
                   order_known=bool(f.get("five_prime_gene") and f.get("three_prime_gene")),
                   five_prime_exon=f.get("five_prime_exon"),
                   three_prime_exon=f.get("three_prime_exon"),
                   supporting_reads=f.get("supporting_reads"))
        for i, f in enumerate(d["fusions"]))
    cnvs = tuple(CopyNumberCall(source=f"copy_number[{i}]", gene=c["gene"], state=c["state"],
                                copies=c.get("copies"))
                 for i, c in enumerate(d["copy_number"]))
    spec = d.get("specimen")
    return Report(
        report_id=options.report_id or d["report_id"],
        tumor_type=options.tumor_type or d.get("tumor_type"),
        genome_build=build, lab=d.get("lab") or options.lab,
        patient_id=(d.get("patient") or {}).get("id"),
        specimen=Specimen(**spec) if spec else None,
        variants=variants, fusions=fusions, copy_numbers=cnvs,
        biomarkers=_biomarkers(d.get("biomarkers") or {}), source_format="labjson")


def _salvage(doc: dict, messages: object) -> Report:
    """The calls of a report that failed validation, each with only its fields that passed
    (strings the normaliser reads next: genes, protein and cDNA changes, exon, consequence;
    no coordinates, whose build may be the very problem), and its tumor type if that passed."""
    errors = messages if isinstance(messages, dict) else {}

    def items(key: str) -> list[tuple[int, dict, dict]]:
        raw, errs = doc.get(key), errors.get(key, {})
        if not isinstance(raw, list) or not isinstance(errs, dict):
            return []  # not a list, or refused as a whole: nothing to salvage
        return [(i, item, errs.get(i) if isinstance(errs.get(i), dict) else {})
                for i, item in enumerate(raw) if isinstance(item, dict)]

    def passed(item: dict, errs: dict, name: str, kind: type) -> Any:
        value = item.get(name)
        return value if name not in errs and isinstance(value, kind) else None

    variants = tuple(
        VariantCall(source=f"variants[{i}]", gene=passed(v, e, "gene", str),
                    protein_change=passed(v, e, "protein_change", str),
                    cdna_change=passed(v, e, "cdna_change", str),
                    transcript=passed(v, e, "transcript", str),
                    consequence=passed(v, e, "consequence", str),
                    exon=passed(v, e, "exon", int))
        for i, v, e in items("variants"))
    fusions = tuple(
        FusionCall(source=f"fusions[{i}]", five_prime_gene=passed(f, e, "five_prime_gene", str),
                   three_prime_gene=passed(f, e, "three_prime_gene", str),
                   text=passed(f, e, "fusion", str),
                   order_known=bool(passed(f, e, "five_prime_gene", str)
                                    and passed(f, e, "three_prime_gene", str)))
        for i, f, e in items("fusions")
        if any(passed(f, e, k, str) for k in ("five_prime_gene", "three_prime_gene", "fusion")))
    cnvs = tuple(
        CopyNumberCall(source=f"copy_number[{i}]", gene=c["gene"], state=c["state"])
        for i, c, e in items("copy_number")
        if passed(c, e, "gene", str) and passed(c, e, "state", str))
    return Report(report_id=str(doc.get("report_id")),
                  tumor_type=None if "tumor_type" in errors else
                  (doc.get("tumor_type") if isinstance(doc.get("tumor_type"), str) else None),
                  variants=variants, fusions=fusions, copy_numbers=cnvs,
                  source_format="labjson")


def _threshold_reason(v: dict, options: ReadOptions) -> str | None:
    if options.min_vaf and v.get("vaf") is not None and v["vaf"] < options.min_vaf:
        return f"VAF {v['vaf']:g} below the minimum {options.min_vaf:g}"
    if options.min_depth and v.get("depth") is not None and v["depth"] < options.min_depth:
        return f"depth {v['depth']} below the minimum {options.min_depth}"
    return None


def _biomarkers(raw: dict) -> Biomarkers:
    """Biomarkers of a validated report (the cytogenetic findings as a tuple, each once)."""
    values = dict(raw)
    if "cytogenetics" in values:
        values["cytogenetics"] = tuple(dict.fromkeys(values["cytogenetics"]))
    return Biomarkers(**values)
