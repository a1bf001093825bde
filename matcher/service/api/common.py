"""Helpers shared by the blueprints: authentication, the bearer security requirement, paging."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import g, request, url_for

from matcher.errors import Problem, ReportValidationError
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


def page_size(args: dict) -> int:
    """The page size asked for (or the default); 422 naming the field when too large."""
    cfg = state().config
    size = args.get("page_size") or cfg["PAGE_SIZE"]
    if size > cfg["MAX_PAGE_SIZE"]:
        raise ReportValidationError("page too large", [Problem(
            f"at most {cfg['MAX_PAGE_SIZE']}", field="query.page_size")])
    return size


def page_links(endpoint: str, page: int, size: int, total: int, **view_args: str) -> dict:
    """self/next/prev links of a paginated listing, keeping the other query parameters."""
    raw = {k: v for k, v in request.args.items() if k not in ("page", "page_size")}

    def link(p: int) -> str:
        query = urlencode({**raw, "page": p, "page_size": size})
        return url_for(endpoint, **view_args) + "?" + query

    return {"self": link(page), "next": link(page + 1) if page * size < total else None,
            "prev": link(page - 1) if page > 1 else None}


def paged(endpoint: str, items: list[dict], page: int, size: int, total: int, *,
          item_links=None, **view_args: str) -> dict:  # noqa: ANN001
    """A listing's answer: the items (each given ``item_links(item)`` as ``links``), paging."""
    if item_links is not None:
        for item in items:
            item["links"] = item_links(item)
    return {"items": items, "page": page, "page_size": size, "total": total,
            "links": page_links(endpoint, page, size, total, **view_args)}
