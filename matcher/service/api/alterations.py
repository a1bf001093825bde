"""Stored alterations: which of your lab's reports carry a given alteration (issue 14)."""

from __future__ import annotations

from flask import g, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from matcher.service.alterations import build_query, find_alterations, item_dict
from matcher.service.api.common import page_links, page_size, require_lab, secured
from matcher.service.api.schemas import AlterationListSchema, AlterationQuerySchema
from matcher.service.state import state

blp = Blueprint("alterations", __name__, url_prefix="/v1",
                description="Query your lab's stored alterations across all its reports.")
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
