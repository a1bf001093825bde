"""Cohort questions (issue 14): which of your lab's reports carry an alteration, and which
changed under a new knowledge base."""

from __future__ import annotations

import json

from flask import Response, g, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from matcher.service.alterations import (
    build_query,
    find_alterations,
    item_dict,
    trial_reports,
)
from matcher.service.api.common import page_size, paged, require_lab, secured
from matcher.service.api.schemas import (
    AlterationListSchema,
    AlterationQuerySchema,
    PageParamsSchema,
    ReinterpretationGetSchema,
    ReinterpretationListSchema,
    ReinterpretationQuerySchema,
    ReinterpretationRecordSchema,
    TrialReportListSchema,
)
from matcher.service.state import state

blp = Blueprint("alterations", __name__, url_prefix="/v1",
                description="Your lab's stored alterations across all its reports, and the change "
                            "records of re-interpretation under a new KB.")
blp.before_request(require_lab)


def _item_links(item: dict) -> dict[str, str]:
    base = url_for("reports.Report", report_id=item["report_id"])
    return {"self": f"{base}?version={item['version']}",
            "summary": f"{base}/summary?version={item['version']}"}


@blp.route("/alterations")
class Alterations(MethodView):
    @blp.doc(operationId="listAlterations")
    @secured(blp)
    @blp.arguments(AlterationQuerySchema, location="query")
    @blp.response(200, AlterationListSchema)
    def get(self, args):
        """Your lab's stored alterations matching gene, alteration and tumor type (OncoTree
        descendants included), newest report first, paginated."""
        size = page_size(args)
        page = args.pop("page")
        args.pop("page_size", None)
        q = build_query(state().kb, g.lab, field_prefix="query.", **args)
        rows, total = find_alterations(state().store, q, limit=size, offset=(page - 1) * size)
        return paged("alterations.Alterations", [item_dict(r) for r in rows], page, size, total,
                     item_links=_item_links)


@blp.route("/trials/<string:nct_id>/reports")
class TrialReports(MethodView):
    @blp.doc(operationId="listTrialReports")
    @secured(blp)
    @blp.arguments(PageParamsSchema, location="query")
    @blp.response(200, TrialReportListSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, nct_id: str):
        """Your lab's current reports that meet a KB trial's biomarkers, in a tumor type the
        trial is open to (judged under the current KB), newest first, paginated."""
        size = page_size(args)
        page = args["page"]
        st = state()
        found = trial_reports(st.store, st.kb, g.lab, nct_id)
        trial = st.kb.trials[nct_id.strip().upper()]
        return {"nct_id": trial.nct_id, "title": trial.title, **paged(
            "alterations.TrialReports", found[(page - 1) * size:page * size], page, size,
            len(found), item_links=_item_links, nct_id=nct_id)}


@blp.route("/reinterpretations")
class Reinterpretations(MethodView):
    @blp.doc(operationId="listReinterpretations")
    @secured(blp)
    @blp.arguments(ReinterpretationQuerySchema, location="query")
    @blp.response(200, ReinterpretationListSchema)
    def get(self, args):
        """Your lab's change records from `matcher rematch`, newest first, paginated: which
        reports gained a level-1 option, lost one, or have a new resistance under a new KB."""
        from matcher.service.rematch_jobs import find_reinterpretations

        size = page_size(args)
        page = args.pop("page")
        args.pop("page_size", None)
        items, total = find_reinterpretations(state().store, g.lab, limit=size,
                                              offset=(page - 1) * size, **args)
        return paged("alterations.Reinterpretations", items, page, size, total,
                     item_links=_item_links)


@blp.route("/reinterpretations/<path:report_id>")
class Reinterpretation(MethodView):
    @blp.doc(operationId="getReinterpretation")
    @secured(blp)
    @blp.arguments(ReinterpretationGetSchema, location="query")
    @blp.response(200, ReinterpretationRecordSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, report_id: str):
        """The newest change record of one of your reports, with the re-matched result.

        ``?format=fhir`` (or ``Accept: application/fhir+json``) answers the re-matched result
        as a FHIR R4 Genomics Bundle whose DiagnosticReport is ``amended`` and names the
        original report's DiagnosticReport as the one it replaces (404 when nothing changed).
        """
        from matcher.errors import NotFound
        from matcher.render.compact import full_view
        from matcher.service.api.reports import wants_fhir
        from matcher.service.rematch_jobs import get_reinterpretation

        rec = get_reinterpretation(state().store, g.lab, report_id,
                                   version=args.get("version"), kb=args.get("kb"))
        if rec is None:
            raise NotFound(f"no re-interpretation of report {report_id!r} for your lab",
                           report_id=report_id)
        original, new = rec.pop("original"), rec.pop("result")
        if args["format"] == "fhir" or wants_fhir():
            from matcher.render.fhir import MEDIA_TYPE, to_fhir
            from matcher.service.api.results import result_from_dict

            if new is None:
                raise NotFound(f"report {report_id!r} did not change under KB "
                               f"{rec['kb_version']}: no amended report", report_id=report_id)
            bundle = to_fhir(result_from_dict(json.loads(new)),
                             replaces=result_from_dict(json.loads(original)))
            return Response(json.dumps(bundle), mimetype=MEDIA_TYPE)
        rec["result"] = full_view(json.loads(new)) if new else None
        rec["links"] = _item_links(rec)
        return rec
