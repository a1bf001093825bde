"""The service's shared state and its problem+json answer: what the app factory and the API
blueprints both use, so that neither imports the other.

The app factory (:mod:`matcher.service.app`) puts a :class:`ServiceState` into
``app.extensions["matcher"]``; views read it back with :func:`state` (Flask's ``current_app``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, g

from matcher.errors import problems_from_messages
from matcher.match_cache import MatchCache
from matcher.service.store import Store

PROBLEM_JSON = "application/problem+json"


@dataclass
class ServiceState:
    """What the views need, held on the app (never in a module global)."""

    kb: Any
    store: Store
    config: dict[str, Any]
    match_cache: MatchCache = field(default_factory=lambda: MatchCache(0))


def state(app: Flask | None = None) -> ServiceState:
    """The running app's :class:`ServiceState`."""
    from flask import current_app

    return (app or current_app).extensions["matcher"]


def problem_response(doc: dict[str, Any], status: int | None = None,
                     headers: dict[str, str] | None = None) -> Response:
    """A problem+json response; adds the request id so a lab can quote it."""
    status = status or doc.get("status", 500)
    doc = dict(doc)
    doc.setdefault("type", "about:blank")
    doc["status"] = status
    rid = getattr(g, "request_id", None)
    if rid:
        doc.setdefault("request_id", rid)
    resp = Response(json.dumps(doc, default=str), status=status, mimetype=PROBLEM_JSON)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


flatten_messages = problems_from_messages  # the name the API modules use
