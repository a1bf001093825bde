"""Stored result dicts back to :class:`matcher.model.MatchResult`, and the summary page.

The store keeps ``MatchResult.to_dict()``; the HTML renderer wants the dataclass. The rebuild is
generic over the frozen dataclasses of :mod:`matcher.model`, driven by their type hints.
"""

from __future__ import annotations

import dataclasses
import html
import types
import typing
from functools import cache
from typing import Any

from matcher import model

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def _build(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(args[0], value) if len(args) == 1 else value
    if origin is tuple:
        (item, *_rest) = typing.get_args(tp)
        return tuple(_build(item, v) for v in value)
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        kwargs = {f.name: _build(hints[f.name], value[f.name])
                  for f in dataclasses.fields(tp) if f.name in value}
        return tp(**kwargs)
    return value


def result_from_dict(data: dict[str, Any]) -> model.MatchResult:
    """Rebuild a MatchResult from its ``to_dict()`` form."""
    return _build(model.MatchResult, data)


def summary_html(data: dict[str, Any]) -> tuple[str, str]:
    """The oncologist's page and its Content-Security-Policy (renderer's, or a minimal page)."""
    try:
        from matcher.render import html as renderer
    except ImportError:
        return minimal_html(data), CSP
    return renderer.render_html(result_from_dict(data)), getattr(renderer, "CSP", CSP)


def minimal_html(data: dict[str, Any]) -> str:
    """A plain, fully escaped page listing therapy options and trials (no scripts, no links out)."""
    e = html.escape
    tumor = data.get("tumor_type") or {}
    rows = "".join(
        f"<tr><td>{e(str(o.get('name', '')))}</td><td>{e(str(o.get('level', '')))}</td>"
        f"<td>{e(str(o.get('amp_tier', '')))}</td></tr>"
        for o in data.get("therapy_options") or [])
    trials = "".join(
        f"<li>{e(str(t.get('nct_id', '')))}: {e(str(t.get('title', '')))}</li>"
        for t in data.get("trials") or [])
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Matcher report {e(str(data.get('report_id', '')))}</title></head><body>"
        f"<h1>Report {e(str(data.get('report_id', '')))}</h1>"
        f"<p>Tumor type: {e(str(tumor.get('name') or tumor.get('code') or 'unknown'))}</p>"
        "<h2>Therapy options</h2><table><tr><th>Therapy</th><th>Level</th><th>AMP/ASCO/CAP</th>"
        f"</tr>{rows}</table><h2>Trials</h2><ul>{trials}</ul>"
        f"<p>Knowledge base {e(str(data.get('kb_version', '')))} "
        f"({e(str(data.get('kb_hash', ''))[:12])}), Matcher "
        f"{e(str(data.get('matcher_version', '')))}</p></body></html>")
