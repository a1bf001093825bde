"""Helpers shared by the blueprints: authentication and the bearer security requirement."""

from __future__ import annotations

from flask import g, request

from matcher import logging as mlog
from matcher.app import state
from matcher.auth import authenticate

BEARER = [{"bearerAuth": []}]


def require_lab() -> None:
    """before_request hook: resolve the caller's lab from its API key (401 otherwise)."""
    if request.method == "OPTIONS":
        return
    g.lab = authenticate(state().store, request.headers.get("Authorization"))
    mlog.bind(lab=g.lab)
