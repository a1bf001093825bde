"""Trial status from the ClinicalTrials.gov API v2, kept in a local JSON cache.

``refresh(nct_ids)`` asks ``GET {base_url}/studies/{nct_id}`` for each trial (timeouts, retries
with exponential backoff on connection errors, timeouts, 429 and 5xx, and a polite request rate)
and stores overall status, phase, title, last update and the date we verified it. What cannot be
refreshed (offline, 404, malformed answer) is reported and its previous cache entry is kept.
``load_status_cache(path)`` gives the pipeline the cached statuses to overlay on KB trials
(:func:`overlay`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from matcher import __version__

DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"
DEFAULT_CACHE = Path("var") / "trial_status.json"
DEFAULT_RATE = 0.8  # requests per second: ClinicalTrials.gov asks for about 50 per minute
CACHE_FORMAT = 1
NCT_RE = re.compile(r"^NCT\d{8}$")
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
USER_AGENT = f"matcher/{__version__} (trial status refresh)"


@dataclass(frozen=True)
class TrialStatus:
    """What ClinicalTrials.gov said about one trial, and when we asked."""

    nct_id: str
    status: str | None  # overallStatus, e.g. RECRUITING, COMPLETED
    phase: str | None  # '2', '1/2', 'early 1', 'N/A'
    title: str | None  # briefTitle
    last_update: str | None  # lastUpdatePostDateStruct.date (ISO)
    verified: str  # ISO date we fetched it (UTC)
    status_verified_date: str | None = None  # statusModule.statusVerifiedDate (YYYY-MM)


@dataclass
class RefreshReport:
    """Outcome of one refresh: what was refreshed, and what was not and why."""

    refreshed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # nct -> reason (previous entry kept)
    changed: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # old, new
    cache_path: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed


class RefreshError(Exception):
    """One trial could not be fetched; ``retry`` says whether another attempt may help."""

    def __init__(self, reason: str, retry: bool):
        super().__init__(reason)
        self.reason, self.retry = reason, retry


def cache_path(path: str | Path | None = None) -> Path:
    """The cache file: ``path``, else $MATCHER_TRIAL_CACHE, else var/trial_status.json."""
    return Path(path or os.environ.get("MATCHER_TRIAL_CACHE") or DEFAULT_CACHE)


def load_status_cache(path: str | Path | None = None) -> dict[str, TrialStatus]:
    """Cached statuses by NCT id; a missing file is an empty cache, a corrupt one an error."""
    p = cache_path(path)
    if not p.exists():
        return {}
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
        names = {f.name for f in dataclasses.fields(TrialStatus)}
        return {nct: TrialStatus(**{k: v for k, v in t.items() if k in names})
                for nct, t in raw["trials"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        from matcher.errors import InputError

        raise InputError(f"{p}: not a trial status cache ({exc})") from None


def save_status_cache(statuses: dict[str, TrialStatus], path: str | Path | None = None) -> Path:
    """Write the cache atomically (sorted, so a diff shows real changes)."""
    p = cache_path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    doc = {"format": CACHE_FORMAT, "source": DEFAULT_BASE_URL,
           "trials": {k: dataclasses.asdict(statuses[k]) for k in sorted(statuses)}}
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, p)
    return p


def overlay(trials: dict, statuses: dict[str, TrialStatus]) -> dict:
    """KB trials (``matcher.kb.knowledge.Trial``) with cached status and verification date applied.

    The title and phase of the KB are kept (the KB's are reviewed); only status moves.
    """
    out = dict(trials)
    for nct, st in statuses.items():
        t = out.get(nct)
        if t is not None and st.status:
            out[nct] = dataclasses.replace(t, status=st.status, status_verified=st.verified)
    return out


def overlay_open(trials: dict, statuses: dict[str, TrialStatus]) -> dict:
    """ClinicalTrials.gov trials (``OpenTrial``) with a newer cached status and its date."""
    from matcher.kb.knowledge import status_code

    out = dict(trials)
    for nct, st in statuses.items():
        t = out.get(nct)
        if t is not None and st.status and st.verified >= t.status_date:
            out[nct] = dataclasses.replace(t, status=status_code(st.status),
                                           status_date=st.verified)
    return out


def with_trial_status(kb, statuses: dict[str, TrialStatus] | None = None,
                      path: str | Path | None = None):
    """A copy of a loaded KnowledgeBase whose trials carry the cached statuses (see overlay).

    ``statuses`` defaults to :func:`load_status_cache` of ``path``; the KB passed in is unchanged.
    ClinicalTrials.gov trials (``kb.open_trials``) take a cached status newer than their own.
    """
    statuses = load_status_cache(path) if statuses is None else statuses
    if not statuses:
        return kb
    return dataclasses.replace(kb, trials=overlay(kb.trials, statuses),
                               open_trials=overlay_open(kb.open_trials, statuses))


def phase_text(phases: object) -> str | None:
    """API ``designModule.phases`` (e.g. ['PHASE1', 'PHASE2']) -> '1/2'."""
    if not isinstance(phases, list) or not phases:
        return None
    names = []
    for p in phases:
        p = str(p)
        if p == "NA":
            names.append("N/A")
        elif p == "EARLY_PHASE1":
            names.append("early 1")
        else:
            names.append(p.removeprefix("PHASE"))
    return "/".join(names)


def parse_study(nct_id: str, doc: object, today: str) -> TrialStatus:
    """A TrialStatus from one API v2 study document; RefreshError when the shape is wrong."""
    try:
        proto = doc["protocolSection"]
        ident = proto["identificationModule"]
        status = proto.get("statusModule") or {}
        design = proto.get("designModule") or {}
    except (TypeError, KeyError):
        raise RefreshError("unexpected response shape (no protocolSection)", False) from None
    if ident.get("nctId") != nct_id:
        raise RefreshError(f"response is for {ident.get('nctId')!r}, not {nct_id}", False)
    last = (status.get("lastUpdatePostDateStruct") or {}).get("date")
    return TrialStatus(nct_id=nct_id, status=status.get("overallStatus"),
                       phase=phase_text(design.get("phases")), title=ident.get("briefTitle"),
                       last_update=last, verified=today,
                       status_verified_date=status.get("statusVerifiedDate"))


class _Pacer:
    """At most ``rate`` requests per second (None: no limit)."""

    def __init__(self, rate: float | None, sleep: Callable[[float], None]):
        self.interval = 1.0 / rate if rate else 0.0
        self.sleep = sleep
        self.last: float | None = None

    def wait(self) -> None:
        if self.interval and self.last is not None:
            delay = self.last + self.interval - time.monotonic()
            if delay > 0:
                self.sleep(delay)
        self.last = time.monotonic()


def fetch(nct_id: str, *, base_url: str, session: requests.Session, timeout: float,
          retries: int, backoff: float, pacer: _Pacer, sleep: Callable[[float], None],
          today: str) -> TrialStatus:
    """One study, with retries; raise RefreshError with the last reason."""
    url = f"{base_url.rstrip('/')}/studies/{nct_id}"
    reason = "not attempted"
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        pacer.wait()
        try:
            resp = session.get(url, params={"format": "json"}, timeout=timeout,
                               headers={"Accept": "application/json", "User-Agent": USER_AGENT})
        except requests.Timeout:
            reason = f"timed out after {timeout:g} s"
            continue
        except requests.RequestException as exc:
            reason = f"connection failed ({type(exc).__name__})"
            continue
        if resp.status_code == 404:
            raise RefreshError("not found on ClinicalTrials.gov (404)", False)
        if resp.status_code in RETRY_STATUS:
            reason = f"HTTP {resp.status_code}"
            continue
        if resp.status_code != 200:
            raise RefreshError(f"HTTP {resp.status_code}", False)
        try:
            doc = resp.json()
        except ValueError:
            raise RefreshError("malformed JSON in the response", False) from None
        return parse_study(nct_id, doc, today)
    raise RefreshError(f"{reason} (after {retries + 1} attempts)", True)


def refresh(nct_ids: Iterable[str], *, base_url: str = DEFAULT_BASE_URL,
            session: requests.Session | None = None, timeout: float = 10, retries: int = 3,
            rate: float | None = DEFAULT_RATE, backoff: float = 1.0,
            cache: str | Path | None = None, sleep: Callable[[float], None] = time.sleep,
            today: str | None = None) -> RefreshReport:
    """Refresh the status of each trial and update the cache; failures keep the old entry."""
    ids = list(dict.fromkeys(nct_ids))
    path = cache_path(cache)
    statuses = load_status_cache(path)
    report = RefreshReport(cache_path=str(path))
    today = today or dt.datetime.now(dt.UTC).date().isoformat()
    own = session is None
    session = session or requests.Session()
    pacer = _Pacer(rate, sleep)
    try:
        for nct in ids:
            if not NCT_RE.match(nct):
                report.failed[nct] = "not an NCT id (NCT followed by 8 digits)"
                continue
            try:
                st = fetch(nct, base_url=base_url, session=session, timeout=timeout,
                           retries=retries, backoff=backoff, pacer=pacer, sleep=sleep,
                           today=today)
            except RefreshError as exc:
                prev = statuses.get(nct)
                report.failed[nct] = exc.reason + (
                    f"; kept status {prev.status} verified {prev.verified}" if prev else "")
                continue
            old = statuses.get(nct)
            if old is None or old.status != st.status:
                report.changed[nct] = (old.status if old else None, st.status)
            statuses[nct] = st
            report.refreshed.append(nct)
    finally:
        if own:
            session.close()
    if report.refreshed:
        save_status_cache(statuses, path)
    return report
