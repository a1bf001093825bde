"""The knowledge base and OncoTree, read-only (API key needed)."""

from __future__ import annotations

import dataclasses

from flask.views import MethodView
from flask_smorest import Blueprint

from matcher.errors import NotFound
from matcher.service.api.common import require_lab, secured
from matcher.service.api.schemas import (
    GeneEntrySchema,
    KnowledgeBaseSchema,
    TumorTypeListSchema,
    TumorTypeQuerySchema,
)
from matcher.service.state import state

blp = Blueprint("knowledgebase", __name__, url_prefix="/v1",
                description="The knowledge base in use, its genes, and OncoTree tumor types.")
blp.before_request(require_lab)


@blp.route("/knowledgebase")
class KnowledgeBase(MethodView):
    @blp.doc(operationId="getKnowledgeBase")
    @secured(blp)
    @blp.response(200, KnowledgeBaseSchema)
    def get(self):
        """Version, content hash and counts of the knowledge base in use."""
        kb = state().kb
        return {"version": kb.version, "hash": kb.hash, "counts": kb.counts()}


@blp.route("/knowledgebase/genes/<string:symbol>")
class Gene(MethodView):
    @blp.doc(operationId="getGeneEntry")
    @secured(blp)
    @blp.response(200, GeneEntrySchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY",
                      description="An alias or previous symbol of several genes.")
    def get(self, symbol: str):
        """One gene's KB content (aliases resolved through HGNC)."""
        kb = state().kb
        entry = kb.gene_entry(symbol)
        if entry is None:
            raise NotFound(f"no knowledge base entry for gene {symbol!r}", gene=symbol)
        return {"gene": entry.get("gene", symbol), "entry": entry, "kb_version": kb.version}


@blp.route("/tumor-types")
class TumorTypes(MethodView):
    @blp.doc(operationId="searchTumorTypes")
    @secured(blp)
    @blp.arguments(TumorTypeQuerySchema, location="query")
    @blp.response(200, TumorTypeListSchema)
    def get(self, args):
        """Search OncoTree by code or name."""
        hits = state().kb.oncotree.search(args["q"], args["limit"])
        return {"items": [dataclasses.asdict(t) if dataclasses.is_dataclass(t) else t
                          for t in hits]}
