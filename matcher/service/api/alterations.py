"""Cohort questions (issue 14): which of your lab's reports carry an alteration, and which
changed under a new knowledge base."""

from __future__ import annotations

from flask import g, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from matcher.service.alterations import build_query, find_alterations, item_dict
from matcher.service.api.common import page_links, page_size, require_lab, secured
from matcher.service.api.schemas import (
    AlterationListSchema,
    AlterationQuerySchema,
    ReinterpretationListSchema,
    ReinterpretationQuerySchema,
)
from matcher.service.state import state

blp = Blueprint("alterations", __name__, url_prefix="/v1",
                description="Your lab's stored alterations across all its reports, and the change "
                            "records of re-interpretation under a new KB.")
blp.before_request(require_lab)


@blp.route("/alterations")
class Alterations(MethodView):
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
        items = []
        for row in rows:
            item = item_dict(row)
            base = url_for("reports.Report", report_id=row["report_id"])
            item["links"] = {"self": f"{base}?version={row['version']}",
                             "summary": f"{base}/summary?version={row['version']}"}
            items.append(item)
        return {"items": items, "page": page, "page_size": size, "total": total,
                "links": page_links("alterations.Alterations", page, size, total)}


@blp.route("/reinterpretations")
class Reinterpretations(MethodView):
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
        for item in items:
            base = url_for("reports.Report", report_id=item["report_id"])
            item["links"] = {"self": f"{base}?version={item['version']}",
                             "summary": f"{base}/summary?version={item['version']}"}
        return {"items": items, "page": page, "page_size": size, "total": total,
                "links": page_links("alterations.Reinterpretations", page, size, total)}
