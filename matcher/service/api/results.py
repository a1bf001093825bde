"""Stored result dicts back to :class:`matcher.model.MatchResult`, and the summary page.

The store keeps ``MatchResult.to_dict()``; the HTML renderer wants the dataclass. The rebuild is
generic over the frozen dataclasses of :mod:`matcher.model`, driven by their type hints.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any

from matcher import model


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
    """The oncologist's page and its Content-Security-Policy."""
    from matcher.render import html as renderer

    return renderer.render_html(result_from_dict(data)), renderer.CSP
