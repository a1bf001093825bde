"""Helpers shared by the blueprints: authentication and the bearer security requirement."""

from __future__ import annotations

from flask import g, request

from matcher.service import logging as mlog
from matcher.service.auth import authenticate
from matcher.service.state import state

BEARER = [{"bearerAuth": []}]


def secured(blp):  # noqa: ANN001, ANN201
    """Document a view as needing a lab's API key (security scheme and the 401 answer)."""

    def decorate(view):  # noqa: ANN001, ANN202
        view = blp.alt_response(401, response="UNAUTHORIZED")(view)
        return blp.doc(security=BEARER)(view)

    return decorate


def require_lab() -> None:
    """before_request hook: resolve the caller's lab from its API key (401 otherwise)."""
    if request.method == "OPTIONS":
        return
    g.lab = authenticate(state().store, request.headers.get("Authorization"))
    mlog.bind(lab=g.lab)
