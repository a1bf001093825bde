"""JSON rendering of a ``MatchResult`` (the documented result schema)."""

from __future__ import annotations

import json

from matcher.model import MatchResult


def render_json(result: MatchResult) -> str:
    """The result as indented JSON, fields in model order."""
    return json.dumps(result.to_dict(), indent=2, sort_keys=False)
