"""JSON rendering of a ``MatchResult`` (the documented result schema)."""

from __future__ import annotations

import json
import textwrap

from matcher.model import MatchResult


def render_json(result: MatchResult) -> str:
    """The result as indented JSON, fields in model order."""
    return json.dumps(result.to_dict(), indent=2, sort_keys=False)


def render_json_results(results: list[MatchResult]) -> str:
    """Every result of one input file as ``{"results": [...]}``, each element as
    :func:`render_json` writes it: the same shape for one sample or many (a LIMS reads
    ``doc["results"]`` whatever the file held)."""
    body = ",\n".join(textwrap.indent(render_json(r), "    ") for r in results)
    return '{\n  "results": [\n' + body + "\n  ]\n}" if results else '{\n  "results": []\n}'
