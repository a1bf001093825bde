"""Open endpoints: liveness and readiness."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from matcher.errors import Problem
from matcher.service.api.schemas import HealthSchema, ReadySchema
from matcher.service.state import problem_response, state

blp = Blueprint("health", __name__, description="Liveness and readiness (no API key needed).")


@blp.route("/healthz")
class Health(MethodView):
    @blp.doc(operationId="getHealth")
    @blp.doc(security=[])
    @blp.response(200, HealthSchema)
    def get(self):
        """The process is up."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.doc(operationId="getReadiness")
    @blp.doc(security=[])
    @blp.response(200, ReadySchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE",
                      description="Not ready: KB not loaded or database unreachable.")
    def get(self):
        """The knowledge base is loaded and the database reachable (and migrated)."""
        st = state()
        problems = []
        if st.kb is None:
            problems.append(Problem("knowledge base not loaded", field="kb"))
        if not st.store.ping():
            problems.append(Problem("database unreachable or not migrated (matcher db upgrade)",
                                    field="database"))
        if problems:
            return problem_response({"title": "Not ready", "detail": "service not ready",
                                     "errors": [p.to_dict() for p in problems]}, 503)
        return {"status": "ready", "kb_version": st.kb.version, "database": st.store.dialect}
