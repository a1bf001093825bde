"""How the store keeps a result: the compact view as JSON text (served as is) and the detail
that turns it back into the full view, compressed (docs/result-schema.md).

A result stored before schema 2 (the full schema-1 document, no detail) is read the same way:
its compact view is derived from it when asked for.
"""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass
from typing import Any

import orjson

from matcher.match_cache import SHARED_FIELDS
from matcher.render.compact import (
    assemble,
    compact_parts,
    compact_view,
    detail_of,
    expand,
    full_view,
    is_versioned,
    split,
)

# zlib level 1: the detail of a 20-variant panel shrinks about 8x in about 2 ms; level 6 saves
# a further quarter for several times the time, on the submission's hot path.
_LEVEL = 1


@dataclass(frozen=True)
class Encoded:
    """A result ready to store: the full dict (at least its tumor type and alterations, what
    the alteration rows are made of), the compact JSON and the compressed detail."""

    full: Any
    result_json: str
    detail: bytes | None


def _is_result(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("therapy_options"), list) and \
        isinstance(doc.get("alterations"), list)


def encode(result: Any) -> Encoded:
    """Split a result (a MatchResult, its JSON-ready full dict, or its JSON as bytes) for
    storage. Anything that is not a schema-1 result document is stored as given, without
    detail."""
    full = orjson.loads(result if isinstance(result, bytes) else orjson.dumps(result))
    if not _is_result(full) or is_versioned(full):
        return Encoded(full, orjson.dumps(full).decode(), None)
    compact, detail = split(full)
    return Encoded(full, orjson.dumps(compact).decode(),
                   zlib.compress(orjson.dumps(detail), _LEVEL))


def encode_shared(result: Any, memo: dict[str, Any] | None,
                  result_json: bytes | None = None) -> Encoded:
    """:func:`encode` of a MatchResult, the same compact JSON and detail, with the work that
    depends only on the match (the compact parts, the compressed detail) done once per ``memo``
    (:meth:`matcher.match_cache.MatchCache.memo`: one per cached match); without one, as
    :func:`encode` (of ``result_json``, the result's JSON, when given)."""
    if memo is None:
        return encode(result_json if result_json is not None else result)
    shared = memo.get("result_codec")
    if shared is None:
        part = orjson.loads(orjson.dumps({f: getattr(result, f) for f in SHARED_FIELDS}))
        tumor = result.tumor_type
        rows = {"tumor_type": {"code": tumor.code} if tumor is not None else None,
                "alterations": part["alterations"]}
        compact = {k: orjson.Fragment(orjson.dumps(v)) for k, v in compact_parts(part).items()}
        shared = memo["result_codec"] = (
            rows, compact, zlib.compress(orjson.dumps(detail_of(part)), _LEVEL))
    rows, compact, detail = shared
    doc = assemble(compact, {f.name: getattr(result, f.name) for f in dataclasses.fields(result)
                             if f.name not in compact})
    return Encoded(rows, orjson.dumps(doc).decode(), detail)


def full_result(result_json: str, detail: bytes | None) -> Any:
    """The stored result's full view (a schema-1 result stored without detail: as stored)."""
    doc = orjson.loads(result_json)
    if detail is None:
        return doc
    return expand(doc, orjson.loads(zlib.decompress(detail)))


def view_json(result_json: str, detail: bytes | None, view: str) -> str:
    """The stored result as JSON text in ``view`` ('compact': the stored text itself)."""
    if detail is not None:
        if view == "compact":
            return result_json
        return orjson.dumps(full_result(result_json, detail)).decode()
    doc = orjson.loads(result_json)
    if not _is_result(doc) or is_versioned(doc):
        return result_json
    return orjson.dumps(compact_view(doc) if view == "compact" else full_view(doc)).decode()
