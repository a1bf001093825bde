"""Reports: submit (idempotent), fetch, list, summary page. Each lab sees only its own."""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any
from urllib.parse import quote

from flask import Response, g, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from matcher import __version__
from matcher.errors import InputError, NotFound, PayloadTooLarge, Problem, ReportValidationError
from matcher.service import logging as mlog
from matcher.service.api.common import page_size, paged, require_lab, secured
from matcher.service.api.results import summary_html
from matcher.service.api.schemas import (
    ListParamsSchema,
    ReportGetParamsSchema,
    ReportListSchema,
    ReportRecordSchema,
    SubmitParamsSchema,
    VersionParamsSchema,
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
    "description": "A lab JSON report (application/json); or a lab file (VCF, bgzipped VCF, MAF, "
                   "fusion table) as multipart/form-data field `file` (with the reading "
                   "parameters as form fields) or as the raw body (parameters in the query).",
    "content": {
        "application/json": {"schema": {"type": "object", "description": "Lab JSON report"}},
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary"},
                "report_id": {"type": "string"}, "tumor_type": {"type": "string"},
                "sample": {"type": "string"}, "genome_build": {"type": "string"},
                "format": {"type": "string"}, "supersede": {"type": "boolean"},
            }}},
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
            headers: dict[str, str] | None = None, current: dict | None = None,
            result_bytes: bytes | None = None) -> Response:
    """A ReportRecord response. The stored result JSON is spliced in as is: it is neither
    parsed nor encoded again (it is most of the bytes), and is served exactly as first stored.
    ``result_bytes``: that JSON as UTF-8 bytes when at hand (a new submission's), spliced as
    bytes (no text round trip of the largest part)."""
    meta = _meta(rep)
    meta["versions"] = versions
    head = json.dumps(meta, default=lambda d: d.isoformat(), separators=(",", ":"))
    tail = f',"current":{json.dumps(current)}' if current is not None else ""
    result = result_bytes if result_bytes is not None else rep.result_json.encode()
    body = b"".join((head[:-1].encode(), b',"result":', result, tail.encode(), b"}"))
    return Response(body, status=status, mimetype="application/json", headers=headers)


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
        try:
            form = SubmitParamsSchema(partial=True).load(
                {k: v for k, v in request.form.items() if k != "file"})
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
    @secured(blp)
    @blp.doc(requestBody=_SUBMIT_BODY)
    @blp.arguments(SubmitParamsSchema, location="query")
    @blp.response(201, ReportRecordSchema,
                  description="Stored and matched (committed). `Location` names the report.")
    @blp.alt_response(200, schema=ReportRecordSchema,
                      description="Identical content already stored: the stored result.")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    def post(self, query):
        """Submit a report: lab JSON, or a VCF/MAF/fusion file. Idempotent per report id."""
        from matcher import pipeline
        from matcher.readers import ReadOptions

        st = state()
        cfg = st.config
        supersede = query.pop("supersede", False)
        data, params, filename = _read_submission(query)
        sha = _fingerprint(data, {k: params.get(k) for k in READ_PARAMS})
        peek = _peek_report_id(data, params)
        _bind_report_id(peek)
        if peek:
            existing = st.store.get(g.lab, peek)
            if existing is not None and existing.content_sha256 == sha:
                return self._answer(existing, created=False)

        options = ReadOptions(
            report_id=params.get("report_id"), tumor_type=params.get("tumor_type"),
            sample=params.get("sample"), genome_build=params.get("genome_build"), lab=g.lab,
            max_variants=cfg["MAX_VARIANTS"], max_samples=cfg["MAX_SAMPLES"],
            max_decompressed_bytes=_decompressed_limit(cfg, len(data)),
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
        sub = Submission(
            lab=g.lab, report_id=result.report_id, content_sha256=sha, content_size=len(data),
            content=data, source_format=result.source_format or params.get("format") or "unknown",
            params={k: params.get(k) for k in READ_PARAMS if params.get(k) is not None},
            alterations=[o.alteration for o in result.alterations],
            result=result, result_json=result_json, kb_version=result.kb_version,
            kb_hash=result.kb_hash,
            matcher_version=getattr(result, "matcher_version", None) or __version__,
            request_id=g.request_id,
        )
        stored, created = st.store.submit(sub, supersede=supersede)
        return self._answer(stored, created=created,
                            result_bytes=result_json if created else None)

    @staticmethod
    def _answer(rep: StoredReport, *, created: bool,
                result_bytes: bytes | None = None) -> Response:
        mlog.bind(outcome="created" if created else "existing")
        mlog.get_logger().info("report stored" if created else "report already stored", extra={
            "event": "submit", "version": rep.version, "content_sha256": rep.content_sha256,
            "content_size": rep.content_size, "source_format": rep.source_format})
        versions = list(range(1, rep.version + 1))
        headers = {"Location": _links(rep.report_id)["self"]}
        return _record(rep, versions, 201 if created else 200, headers,
                       result_bytes=result_bytes)

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
            from matcher.service.rematch import compare_stored

            cmp = compare_stored(rep, st.kb, _limits(st.config))
            extra = {"kb_version": st.kb.version, "kb_hash": st.kb.hash,
                     "result": cmp["current"], "diff": cmp["diff"], "error": cmp["error"]}
        return _record(rep, st.store.versions(g.lab, report_id), current=extra)


@blp.route("/reports/<path:report_id>/summary")
class Summary(MethodView):
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

