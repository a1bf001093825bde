"""Reports: submit (idempotent), fetch, list, summary page. Each lab sees only its own."""

from __future__ import annotations

import hashlib
import json
import re
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from flask import Response, g, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from matcher import __version__
from matcher.errors import (
    Conflict,
    InputError,
    NotFound,
    PayloadTooLarge,
    Problem,
    ReportValidationError,
)
from matcher.service import logging as mlog
from matcher.service import result_codec
from matcher.service.api.common import page_size, paged, require_lab, secured
from matcher.service.api.results import summary_html
from matcher.service.api.schemas import (
    ListParamsSchema,
    ReportGetParamsSchema,
    ReportListSchema,
    ReportRecordSchema,
    SubmitParamsSchema,
    SubmitQuerySchema,
    VersionParamsSchema,
    ref,
)
from matcher.service.state import flatten_messages, state
from matcher.service.store import StoredReport, Submission
from matcher.untrusted import loads_json, report_id_problem

blp = Blueprint("reports", __name__, url_prefix="/v1",
                description="Submit a lab report or file, fetch and list your lab's results.")
blp.before_request(require_lab)

READ_PARAMS = ("report_id", "tumor_type", "sample", "genome_build", "format")

_SUBMIT_BODY = {
    "required": True,
    "description": "A lab JSON report (application/json, schema LabReport); or a lab file (VCF, "
                   "bgzipped VCF, MAF, fusion or copy-number table) as multipart/form-data "
                   "field `file` (with the reading parameters as form fields) or as the raw body "
                   "(parameters in the query).",
    "content": {
        "application/json": {"schema": ref("LabReport")},
        "multipart/form-data": {"schema": ref("SubmitForm")},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "text/plain": {"schema": {"type": "string"}},
    },
}


def _links(report_id: str) -> dict[str, str]:
    """The report's URLs, each '/'-separated part of its id percent-encoded (a space is %20):
    the id grammar has no '.', '..' or empty part, so no client normalises them elsewhere."""
    base = url_for("reports.Reports") + "/" + quote(report_id, safe="/")
    return {"self": base, "summary": base + "/summary"}


def _meta(rep: StoredReport) -> dict[str, Any]:
    return {
        "report_id": rep.report_id, "version": rep.version, "current": rep.is_current,
        "lab": rep.lab, "submitted_at": rep.created_at, "superseded_at": rep.superseded_at,
        "content_sha256": rep.content_sha256, "content_size": rep.content_size,
        "source_format": rep.source_format, "kb_version": rep.kb_version,
        "kb_hash": rep.kb_hash, "matcher_version": rep.matcher_version,
        "links": _links(rep.report_id),
    }


def wants_fhir() -> bool:
    """Accept: application/fhir+json preferred over application/json."""
    best = request.accept_mimetypes.best_match(["application/json", "application/fhir+json"])
    return best == "application/fhir+json" and \
        request.accept_mimetypes["application/fhir+json"] > request.accept_mimetypes[
            "application/json"]


def _record(rep: StoredReport, versions: list[int], status: int = 200,
            headers: dict[str, str] | None = None, extra: dict | None = None,
            view: str = "compact") -> Response:
    """A ReportRecord response. The stored result JSON (the compact view) is spliced in as is:
    it is neither parsed nor encoded again (it is most of the bytes), and is served exactly as
    first stored; the full view is rebuilt from it and the stored detail. ``extra``: members
    after the result (``current_kb``, ``amendment``)."""
    meta = _meta(rep)
    meta["versions"] = versions
    head = json.dumps(meta, default=lambda d: d.isoformat(), separators=(",", ":"))
    tail = "".join(f",{json.dumps(k)}:{json.dumps(v)}" for k, v in (extra or {}).items())
    body = f'{head[:-1]},"result":{rep.result_view(view)}{tail}}}'
    return Response(body, status=status, mimetype="application/json", headers=headers)


def _identity(params: dict[str, Any], sidecar: bytes | None) -> dict[str, Any]:
    """What, besides the body, makes a submission's content: the reading parameters, and the
    clinical sidecar's digest when one was sent (absent otherwise: earlier fingerprints hold)."""
    out = {k: params.get(k) for k in READ_PARAMS}
    if sidecar:
        out["clinical_sha256"] = hashlib.sha256(sidecar).hexdigest()
    return out


def _stored_params(params: dict[str, Any], sidecar: bytes | None, report: Any) -> dict[str, Any]:
    """The reading parameters kept with the report (a re-match reads the content with them).
    The sidecar itself is not stored: the tumor type it gave the sample is, as a parameter."""
    out = {k: params.get(k) for k in READ_PARAMS if params.get(k) is not None}
    if sidecar:
        out["clinical_sha256"] = hashlib.sha256(sidecar).hexdigest()
        if report.tumor_type and not out.get("tumor_type"):
            out["tumor_type"] = report.tumor_type
    return out


def _fingerprint(data: bytes, params: dict[str, Any]) -> str:
    """SHA-256 of the reading parameters and the body: 'same content' means same hash."""
    h = hashlib.sha256(json.dumps(params, sort_keys=True).encode())
    h.update(b"\0")
    h.update(data)
    return h.hexdigest()


def _read_submission(query: dict[str, Any]) -> tuple[bytes, dict[str, Any], str | None]:
    """The body bytes, the merged reading parameters and the file name of a POST."""
    params = dict(query)
    filename = params.pop("filename", None)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        clinical = request.files.get("clinical")
        sidecar = clinical.read() if clinical is not None else \
            request.form.get("clinical", "").encode() or None
        if sidecar:  # its digest: same MAF, other sidecar is other content
            params["clinical"] = sidecar
        try:
            form = SubmitParamsSchema(partial=True).load(
                {k: v for k, v in request.form.items() if k not in ("file", "clinical")})
        except ValidationError as exc:
            raise ReportValidationError("invalid form fields",
                                        flatten_messages(exc.messages, "form")) from exc
        params.update(form)
        if upload is None:
            raise ReportValidationError("no file uploaded", [Problem(
                "missing", field="form.file", expected="a multipart file field named 'file'")])
        data = upload.read()
        filename = form.get("filename") or upload.filename or filename
    elif request.mimetype == "application/x-www-form-urlencoded":
        raise InputError("unsupported content type", [Problem(
            "url-encoded forms cannot carry a file", field="Content-Type",
            expected="application/json, multipart/form-data or a raw file body")])
    else:
        data = request.get_data(cache=False)
        if request.mimetype == "application/json" and not params.get("format"):
            params["format"] = "labjson"
    if not data:
        raise ReportValidationError("empty submission", [Problem(
            "the request carried no report", field="body")])
    return data, params, filename


def tumor_type_amendment(existing: StoredReport, data: bytes, params: dict[str, Any],
                         result: Any) -> dict[str, Any] | None:
    """What changed, if this submission is ``existing`` (stored without a tumor type) with a
    tumor type added and nothing else changed; else None.

    The tumor type comes as a parameter (a VCF never carries one: same body, same other
    parameters) or, for a lab JSON report, as its ``tumor_type`` field (same document otherwise;
    this needs the stored content, MATCHER_STORE_CONTENT).
    """
    if result.tumor_type is None or existing.params.get("tumor_type"):
        return None
    if existing.result.get("tumor_type") is not None:  # the file itself gave one
        return None
    untyped = {k: None if k == "tumor_type" else params.get(k) for k in READ_PARAMS}
    same = _fingerprint(data, untyped) == existing.content_sha256
    if not same and params.get("format") == "labjson" and existing.content is not None \
            and not params.get("tumor_type") \
            and existing.params == {k: v for k, v in untyped.items() if v is not None}:
        try:
            old, new = loads_json(existing.content), loads_json(data)
        except (ValueError, RecursionError):
            return None
        same = (isinstance(old, dict) and isinstance(new, dict) and not old.get("tumor_type")
                and {k: v for k, v in old.items() if k != "tumor_type"}
                == {k: v for k, v in new.items() if k != "tumor_type"})
    if not same:
        return None
    return {"replaces_version": existing.version,
            "changes": [{"field": "tumor_type", "before": None, "after": result.tumor_type.code}],
            "note": f"version {existing.version} had no tumor type; this version adds "
                    f"{result.tumor_type.name} ({result.tumor_type.code}) to the same content, "
                    "so levels 1, 2 and 3A can apply. The earlier version is kept."}


def _conflict(existing: StoredReport, params: dict[str, Any], *,
              derived_id: bool = False) -> Conflict:
    """409 for different content under an existing id, saying what differs (``params``: this
    submission's, as they would be stored). ``derived_id``: a lab file's id, which the reader
    took from its sample or file name when the client gave none: a second file of the same
    sample (an SV VCF beside a small-variant VCF) gets the same one, and superseding would
    replace the first file's findings, so when the file itself differs the answer says to name
    the report instead."""
    keys = [k for k in READ_PARAMS if k != "report_id"] + ["clinical_sha256"]
    problems = [Problem(f"version {existing.version} was read with {old!r}, this submission "
                        f"with {new!r}", field="clinical" if key == "clinical_sha256" else key)
                for key in keys
                for old, new in [(existing.params.get(key), params.get(key))] if old != new]
    other_file = not problems  # the same reading parameters: the file itself differs
    if other_file:
        problems = [Problem(f"the submitted content differs from version {existing.version}",
                            field="body")]
    if derived_id and other_file and not params.get("report_id"):
        problems.append(Problem(
            f"no report_id was given: {existing.report_id!r} was taken from the file's sample "
            "or file name, which another file of the same sample shares", field="report_id",
            expected="a report_id of its own for a different file of the same sample (e.g. its "
                     "structural-variant VCF); supersede=true only if this file replaces "
                     f"version {existing.version}"))
        return Conflict(
            f"report {existing.report_id!r} already exists with different content. Its id was "
            "taken from the file, not given: give this file its own report_id, or resubmit "
            "with supersede=true only if it replaces the stored report", problems,
            report_id=existing.report_id, version=existing.version)
    return Conflict(
        f"report {existing.report_id!r} already exists with different content; resubmit with "
        "supersede=true to store an amended version (adding a tumor type to a report stored "
        "without one needs no supersede)", problems, report_id=existing.report_id,
        version=existing.version)


def _peek_report_id(data: bytes, params: dict[str, Any]) -> str | None:
    """The report id if known before reading (parameter, or a lab JSON's top-level field), and
    only if it is a valid id (anything else is refused, with its field, by the reader)."""
    rid = params.get("report_id")
    if not rid and params.get("format") == "labjson" and len(data) < 8 * 1024 * 1024:
        try:
            doc = loads_json(data)
        except (ValueError, RecursionError):  # the reader names the problem
            return None
        rid = doc.get("report_id") if isinstance(doc, dict) else None
    return rid if _storable(rid) else None


def _storable(report_id: Any) -> bool:
    return report_id_problem(report_id) is None


# What ids were stored under before the one grammar (issue 16): 1-128 characters without control
# characters. Such a report stays readable by its exact id (a lookup by lab and id, never a
# resolved path), so no stored report becomes unreachable; new ids follow the grammar.
_LEGACY_ID = re.compile(r"[^\x00-\x1f\x7f\ud800-\udfff]{1,128}")


def _readable(report_id: str) -> bool:
    return bool(_LEGACY_ID.fullmatch(report_id))


def _check_report_id(report_id: str, params: dict[str, Any]) -> None:
    """The id a report will be stored under, whichever way it came (lab JSON, query, form, a
    VCF/MAF sample name or file name): the one grammar, else 422 naming where it came from."""
    problem = report_id_problem(report_id)
    if problem is None:
        return
    field = "report_id" if params.get("report_id") or params.get("format") == "labjson" else \
        "sample"
    raise ReportValidationError("invalid report id", [Problem(
        problem.message + ("" if field == "report_id" else
                           " (taken from the file's sample or name; give report_id=)"),
        field=field, expected=problem.expected)])


def _not_found(report_id: str) -> NotFound:
    """404 for a report id; an id that cannot exist is quoted cut, never echoed whole."""
    shown = report_id if _storable(report_id) else report_id[:40] + "…"
    return NotFound(f"no report {shown!r} for your lab",
                    report_id=report_id if _storable(report_id) else None)


def _bind_report_id(report_id: str | None) -> None:
    """Log the report id only when it is a valid one (bounded, printable ASCII)."""
    mlog.bind(report_id=report_id if _storable(report_id) else None)


def _decompressed_limit(cfg: dict[str, Any], size: int) -> int:
    """What a gzip upload of ``size`` bytes may decompress to: in proportion to its size (a
    100 KB bomb must not cost 100 MB), at least 16 MiB, at most MATCHER_MAX_DECOMPRESSED_BYTES."""
    return min(cfg["MAX_DECOMPRESSED_BYTES"],
               max(16 * 1024 * 1024, cfg["MAX_DECOMPRESSION_RATIO"] * size))


def _limits(cfg: dict[str, Any]):  # noqa: ANN202
    from matcher.pipeline import Limits

    return Limits(max_identical=cfg["MAX_IDENTICAL_CALLS"], max_matches=cfg["MAX_MATCHES"],
                  deadline=time.monotonic() + cfg["MATCH_TIMEOUT"])


@blp.route("/reports")
class Reports(MethodView):
    @blp.doc(operationId="submitReport")
    @secured(blp)
    @blp.doc(requestBody=_SUBMIT_BODY)
    @blp.arguments(SubmitQuerySchema, location="query")
    @blp.response(201, ReportRecordSchema,
                  description="Stored and matched (committed). `Location` names the report.")
    @blp.alt_response(200, schema=ReportRecordSchema,
                      description="Identical content already stored: the stored result.")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(413, response=HTTPStatus(413).name)  # renamed in Python 3.13
    def post(self, query):
        """Submit a report: lab JSON, or a VCF/MAF/fusion file. Idempotent per report id."""
        from matcher import pipeline
        from matcher.readers import ReadOptions

        st = state()
        cfg = st.config
        supersede = query.pop("supersede", False)
        view = query.pop("view", "compact")
        data, params, filename = _read_submission(query)
        sidecar = params.pop("clinical", None)
        sha = _fingerprint(data, _identity(params, sidecar))
        peek = _peek_report_id(data, params)
        _bind_report_id(peek)
        if peek:
            existing = st.store.get(g.lab, peek)
            if existing is not None and existing.content_sha256 == sha:
                return self._answer(existing, created=False, view=view)

        options = ReadOptions(
            report_id=params.get("report_id"), tumor_type=params.get("tumor_type"),
            sample=params.get("sample"), genome_build=params.get("genome_build"), lab=g.lab,
            max_variants=cfg["MAX_VARIANTS"], max_samples=cfg["MAX_SAMPLES"],
            max_decompressed_bytes=_decompressed_limit(cfg, len(data)),
            clinical_sidecar=sidecar,
        )
        limits = _limits(cfg)
        try:
            reports = pipeline.read_reports(data, filename=filename, fmt=params.get("format"),
                                            options=options, kb=st.kb)
        except RecursionError:  # absurdly nested JSON: the parser gives up, the input is bad
            raise ReportValidationError("the report is nested too deeply", [Problem(
                "nesting too deep to read", field="body", expected="a lab JSON report")]) from None
        if len(reports) != 1:  # refused before any matching: a 1,000-sample MAF costs no more
            raise ReportValidationError(
                f"the file holds {len(reports)} reports; submit one at a time",
                [Problem(f"{len(reports)} samples/reports found", field="sample",
                         expected="exactly one: name the tumor sample with sample=")])
        if sidecar and reports[0].source_format != "maf":
            raise ReportValidationError("a clinical sidecar applies to MAF files only", [Problem(
                f"sent with a {reports[0].source_format} file", field="form.clinical",
                expected="a MAF in the 'file' part, or no 'clinical' part")])
        _check_report_id(reports[0].report_id, params)
        result = pipeline.match_report(reports[0], st.kb, limits, st.match_cache)
        _bind_report_id(result.report_id)
        result_json = st.match_cache.encode(result)
        if len(result_json) > cfg["MAX_RESULT_BYTES"]:
            raise PayloadTooLarge(
                f"the result would be {len(result_json)} bytes; the limit is "
                f"{cfg['MAX_RESULT_BYTES']} (MATCHER_MAX_RESULT_BYTES)", [Problem(
                    f"{len(result_json)} bytes of result", field="body",
                    expected=f"at most {cfg['MAX_RESULT_BYTES']} (MATCHER_MAX_RESULT_BYTES)")],
                limit="MATCHER_MAX_RESULT_BYTES")
        stored_params = _stored_params(params, sidecar, reports[0])
        sub = Submission(
            lab=g.lab, report_id=result.report_id, content_sha256=sha, content_size=len(data),
            content=data, source_format=result.source_format or params.get("format") or "unknown",
            params=stored_params,
            alterations=[o.alteration for o in result.alterations],
            result=result, kb_version=result.kb_version,
            encoded=result_codec.encode_shared(result, st.match_cache.memo(result), result_json),
            kb_hash=result.kb_hash,
            matcher_version=getattr(result, "matcher_version", None) or __version__,
            request_id=g.request_id,
        )
        amendment = None
        try:
            stored, created = st.store.submit(sub, supersede=supersede)
        except Conflict as exc:
            # Rare path (only a different content under an existing id pays for it): a tumor type
            # added to a report stored without one is an amendment, anything else a 409 that
            # says what differs.
            existing = (st.store.get(g.lab, result.report_id, with_content=True)
                        if not supersede and "version" in exc.context else None)
            if existing is None:
                raise
            amendment = tumor_type_amendment(existing, data, params, result)
            if amendment is None:
                raise _conflict(existing, stored_params,
                                derived_id=result.source_format != "labjson") from None
            stored, created = st.store.submit(sub, replaces=existing.version)
        return self._answer(stored, created=created, view=view,
                            extra={"amendment": amendment} if created and amendment else None)

    @staticmethod
    def _answer(rep: StoredReport, *, created: bool, view: str,
                extra: dict | None = None) -> Response:
        mlog.bind(outcome="created" if created else "existing")
        mlog.get_logger().info("report stored" if created else "report already stored", extra={
            "event": "submit", "version": rep.version, "content_sha256": rep.content_sha256,
            "content_size": rep.content_size, "source_format": rep.source_format})
        versions = list(range(1, rep.version + 1))
        headers = {"Location": _links(rep.report_id)["self"]}
        return _record(rep, versions, 201 if created else 200, headers, extra=extra, view=view)

    @blp.doc(operationId="listReports")
    @secured(blp)
    @blp.arguments(ListParamsSchema, location="query")
    @blp.response(200, ReportListSchema)
    def get(self, args):
        """Your lab's reports (current versions), newest first, paginated."""
        size = page_size(args)
        page = args["page"]
        items, total = state().store.list(
            g.lab, report_id=args.get("report_id"), since=args.get("since"),
            until=args.get("until"), limit=size, offset=(page - 1) * size)
        return paged("reports.Reports", [_meta(r) for r in items], page, size, total)


@blp.route("/reports/<path:report_id>")
class Report(MethodView):
    @blp.doc(operationId="getReport")
    @secured(blp)
    @blp.arguments(ReportGetParamsSchema, location="query")
    @blp.doc(responses={200: {"content": {"application/fhir+json": {"schema": {
        "type": "object", "description": "FHIR R4 Genomics Bundle (?format=fhir or Accept: "
                                         "application/fhir+json)"}}}}})
    @blp.response(200, ReportRecordSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, report_id: str):
        """One of your lab's reports: the current version, or ?version=N.

        ``?format=fhir`` (or ``Accept: application/fhir+json``) answers a FHIR R4 Genomics
        Bundle instead; ``?kb=current`` adds the report re-matched under the current KB.
        """
        _bind_report_id(report_id)
        st = state()
        current = args["kb"] == "current"
        rep = (st.store.get(g.lab, report_id, args.get("version"), with_content=current)
               if _readable(report_id) else None)
        if rep is None:
            raise _not_found(report_id)
        if args["format"] == "fhir" or wants_fhir():
            from matcher.render.fhir import MEDIA_TYPE, to_fhir
            from matcher.service.api.results import result_from_dict

            bundle = to_fhir(result_from_dict(rep.result))
            return Response(json.dumps(bundle), mimetype=MEDIA_TYPE)
        extra = None
        if current:
            from matcher.render.compact import compact_view, full_view
            from matcher.service.rematch import compare_stored

            cmp = compare_stored(rep, st.kb, _limits(st.config))
            again = cmp["current"]
            if again is not None:
                again = compact_view(again) if args["view"] == "compact" else full_view(again)
            extra = {"kb_version": st.kb.version, "kb_hash": st.kb.hash,
                     "result": again, "diff": cmp["diff"], "error": cmp["error"]}
        return _record(rep, st.store.versions(g.lab, report_id),
                       extra={"current_kb": extra} if extra is not None else None,
                       view=args["view"])


@blp.route("/reports/<path:report_id>/summary")
class Summary(MethodView):
    @blp.doc(operationId="getReportSummary")
    @secured(blp)
    @blp.arguments(VersionParamsSchema, location="query")
    @blp.doc(responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}})
    @blp.response(200, content_type="text/html",
                  description="The oncologist's HTML page (no scripts, strict CSP).")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, report_id: str):
        """The oncologist's summary page of a report (HTML)."""
        _bind_report_id(report_id)
        rep = (state().store.get(g.lab, report_id, args.get("version"))
               if _readable(report_id) else None)
        if rep is None:
            raise _not_found(report_id)
        page, csp = summary_html(rep.result)
        resp = Response(page, mimetype="text/html")
        resp.headers["Content-Security-Policy"] = csp
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"
        return resp

