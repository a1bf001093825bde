"""A small Python client for LIMS integrators (on requests).

::

    from matcher.client import MatcherClient
    client = MatcherClient("http://127.0.0.1:8000", api_key="mk_...")
    sub = client.submit("report.json")                  # lab JSON, VCF, MAF or fusion table
    sub.created, sub.location, sub.record["result"]["therapy_options"]
    client.fetch("RPT-1"); client.list(since="2026-11-01")

Submission is idempotent on the server (same lab, report id and content -> the stored result), so
``submit`` safely retries connection failures and 502/503/504 with exponential backoff.
Errors the server reports come back as :class:`MatcherAPIError` carrying the problem document.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

RETRY_STATUSES = frozenset({502, 503, 504})
CONTENT_TYPES = {".json": "application/json"}


class MatcherAPIError(Exception):
    """The server answered with an error; ``problem`` is its problem+json document."""

    def __init__(self, status: int, problem: dict[str, Any]):
        self.status = status
        self.problem = problem
        detail = problem.get("detail") or problem.get("title") or "error"
        lines = [f"HTTP {status}: {detail}"]
        for p in problem.get("errors", []):
            where = p.get("field") or (f"line {p['line']}" if p.get("line") else "")
            lines.append(f"  - {where + ': ' if where else ''}{p.get('message')}")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class SubmitResult:
    """``created`` is True for 201 (stored now), False for 200 (identical content stored before)."""

    status: int
    location: str | None
    record: dict[str, Any]

    @property
    def created(self) -> bool:
        return self.status == 201

    @property
    def report_id(self) -> str:
        return self.record["report_id"]


class MatcherClient:
    """Talk to a Matcher service. ``timeout`` is (connect, read) seconds."""

    def __init__(self, base_url: str, api_key: str | None = None, *,
                 timeout: tuple[float, float] = (5.0, 60.0), retries: int = 4,
                 backoff: float = 0.25, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.session = session or requests.Session()
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> MatcherClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing
    def _request(self, method: str, path: str, *, retry: bool = True,
                 **kwargs: Any) -> requests.Response:
        url = self.base_url + path
        attempts = self.retries + 1 if retry else 1
        for attempt in range(attempts):
            try:
                resp = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout):
                if attempt + 1 >= attempts:
                    raise
            else:
                if resp.status_code not in RETRY_STATUSES or attempt + 1 >= attempts:
                    return resp
            # Exponential backoff with jitter, capped: 0.25, 0.5, 1, 2 s ...
            time.sleep(min(self.backoff * 2 ** attempt, 10.0) * (0.5 + random.random() / 2))
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _json(resp: requests.Response) -> dict[str, Any]:
        if resp.status_code >= 400:
            try:
                problem = resp.json()
            except ValueError:
                problem = {"title": resp.reason, "detail": resp.text[:500]}
            raise MatcherAPIError(resp.status_code, problem)
        return resp.json()

    # ------------------------------------------------------------------ API
    def submit(self, file: str | Path | bytes, *, filename: str | None = None,
               report_id: str | None = None, tumor_type: str | None = None,
               sample: str | None = None, genome_build: str | None = None,
               fmt: str | None = None, supersede: bool = False,
               clinical: str | Path | bytes | None = None,
               view: str | None = None) -> SubmitResult:
        """Submit a lab JSON report or lab file (path or bytes). Retries are safe (idempotent).

        ``clinical``: a MAF's clinical sidecar (path or bytes), sent with the MAF as a multipart
        upload (parts ``file`` and ``clinical``). ``view='full'``: the result with every matched
        evidence item in full (default compact, docs/result-schema.md)."""
        if isinstance(file, (str, Path)):
            path = Path(file)
            data = path.read_bytes()
            filename = filename or path.name
        else:
            data = file
        params = {k: v for k, v in {
            "report_id": report_id, "tumor_type": tumor_type, "sample": sample,
            "genome_build": genome_build, "format": fmt, "filename": filename, "view": view,
        }.items() if v is not None}
        if supersede:
            params["supersede"] = "true"
        if clinical is not None:
            sidecar = Path(clinical).read_bytes() if isinstance(clinical, (str, Path)) \
                else clinical
            params.pop("filename", None)
            resp = self._request("POST", "/v1/reports", data=params, files={
                "file": (filename or "report.maf", data),
                "clinical": ("clinical.tsv", sidecar)})
            return SubmitResult(resp.status_code, resp.headers.get("Location"), self._json(resp))
        is_json = fmt == "labjson" or (fmt is None and (filename or "").lower().endswith(".json"))
        if fmt is None and filename is None and data[:1] in (b"{", b"["):
            is_json = True
        ctype = "application/json" if is_json else "application/octet-stream"
        resp = self._request("POST", "/v1/reports", params=params, data=data,
                             headers={"Content-Type": ctype})
        record = self._json(resp)
        return SubmitResult(resp.status_code, resp.headers.get("Location"), record)

    def fetch(self, report_id: str, version: int | None = None,
              view: str | None = None) -> dict[str, Any]:
        """A stored report (current version, or ``version``) with its result (``view``: 'compact',
        the default, or 'full')."""
        params = {k: v for k, v in {"version": version, "view": view}.items() if v} or None
        return self._json(self._request("GET", f"/v1/reports/{quote(report_id, safe='')}",
                                        params=params))

    def summary(self, report_id: str) -> str:
        """The HTML summary page of a report."""
        resp = self._request("GET", f"/v1/reports/{quote(report_id, safe='')}/summary")
        if resp.status_code >= 400:
            self._json(resp)
        return resp.text

    def list(self, *, report_id: str | None = None, since: str | None = None,
             until: str | None = None, page: int = 1,
             page_size: int | None = None) -> dict[str, Any]:
        """One page of your lab's reports, newest first."""
        params = {k: v for k, v in {"report_id": report_id, "since": since, "until": until,
                                    "page": page, "page_size": page_size}.items()
                  if v is not None}
        return self._json(self._request("GET", "/v1/reports", params=params))

    def iter_reports(self, **filters: Any):
        """Every report matching ``filters``, across pages."""
        page = 1
        while True:
            doc = self.list(page=page, **filters)
            yield from doc["items"]
            if not doc["links"].get("next"):
                return
            page += 1

    def knowledgebase(self) -> dict[str, Any]:
        return self._json(self._request("GET", "/v1/knowledgebase"))

    def ready(self) -> bool:
        """True when /readyz answers 200."""
        try:
            return self._request("GET", "/readyz", retry=False).status_code == 200
        except requests.RequestException:
            return False
