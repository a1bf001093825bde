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
from typing import TYPE_CHECKING

from matcher import __version__

if TYPE_CHECKING:  # requests is imported where a refresh needs it (0.07 s at every start)
    import requests

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
    sponsor: str | None = None  # sponsorCollaboratorsModule.leadSponsor.name


@dataclass
class RefreshReport:
    """Outcome of one refresh: what was refreshed, and what was not and why."""

    refreshed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # nct -> reason (previous entry kept)
    changed: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # old, new
    cache_path: str = ""
    # A network failure (no connection, timeout, 429/5xx after the retries) stops the run: the
    # trial it happened on, why, and the ids not tried after it.
    stopped_at: str | None = None
    stopped: str | None = None
    not_tried: list[str] = field(default_factory=list)

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

    A title and phase the KB gives are kept (the KB's are reviewed); where it gives none (an
    imported trial), the cached ones fill in, and so does the lead sponsor. Values filled from a
    registry snapshot (``registry_fields``) give way to the cached ones, which are newer.
    """
    out = dict(trials)
    for nct, st in statuses.items():
        t = out.get(nct)
        if t is None or not st.status:
            continue
        snap = set(t.registry_fields)
        title, phase, sponsor = ((None if f in snap else getattr(t, f))
                                 for f in ("title", "phase", "sponsor"))
        new = {"title": title or (st.title or "").strip(), "phase": phase or st.phase,
               "sponsor": sponsor or st.sponsor}
        # what the refresh left empty keeps its snapshot value (and says so)
        kept = tuple(f for f in ("title", "phase", "sponsor") if f in snap and not new[f])
        new.update({f: getattr(t, f) for f in kept})
        out[nct] = dataclasses.replace(
            t, **new, status=st.status, status_verified=st.verified, registry_fields=kept,
            registry_source=t.registry_source if kept else None)
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
    sponsor = ((proto.get("sponsorCollaboratorsModule") or {}).get("leadSponsor") or {})
    return TrialStatus(nct_id=nct_id, status=status.get("overallStatus"),
                       phase=phase_text(design.get("phases")), title=ident.get("briefTitle"),
                       last_update=last, verified=today,
                       status_verified_date=status.get("statusVerifiedDate"),
                       sponsor=sponsor.get("name") if isinstance(sponsor, dict) else None)


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
    """One study's status, with retries; raise RefreshError with the last reason."""
    doc = fetch_doc(nct_id, base_url=base_url, session=session, timeout=timeout,
                    retries=retries, backoff=backoff, pacer=pacer, sleep=sleep)
    return parse_study(nct_id, doc, today)


def fetch_doc(nct_id: str, *, base_url: str, session: requests.Session, timeout: float,
              retries: int, backoff: float, pacer: _Pacer,
              sleep: Callable[[float], None]) -> object:
    """One study document of the API v2, with retries; raise RefreshError with the reason."""
    import requests

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
            return resp.json()
        except ValueError:
            raise RefreshError("malformed JSON in the response", False) from None
    raise RefreshError(f"{reason} (after {retries + 1} attempts)", True)


def _studies(ids: list[str], report: RefreshReport, *, base_url: str,
             session: requests.Session | None, timeout: float, retries: int,
             rate: float | None, backoff: float, sleep: Callable[[float], None]):
    """(NCT id, API v2 document or the RefreshError) for each id, paced; ids that are not NCT
    ids are recorded as failed in ``report``. A session opened here is closed at the end."""
    import requests

    own = session is None
    session = session or requests.Session()
    pacer = _Pacer(rate, sleep)
    try:
        for nct in ids:
            if not NCT_RE.match(nct):
                report.failed[nct] = "not an NCT id (NCT followed by 8 digits)"
                continue
            try:
                yield nct, fetch_doc(nct, base_url=base_url, session=session, timeout=timeout,
                                     retries=retries, backoff=backoff, pacer=pacer,
                                     sleep=sleep)
            except RefreshError as exc:
                yield nct, exc
    finally:
        if own:
            session.close()


def refresh(nct_ids: Iterable[str], *, base_url: str = DEFAULT_BASE_URL,
            session: requests.Session | None = None, timeout: float = 10, retries: int = 3,
            rate: float | None = DEFAULT_RATE, backoff: float = 1.0,
            cache: str | Path | None = None, sleep: Callable[[float], None] = time.sleep,
            today: str | None = None,
            progress: Callable[[int, int, str, str], None] | None = None) -> RefreshReport:
    """Refresh the status of each trial and update the cache; failures keep the old entry.

    A trial ClinicalTrials.gov does not know (404) or answers oddly is reported and the run goes
    on; a network failure (no connection, timeout, 429/5xx after ``retries``) stops it at once:
    the next trial would fail the same way. What was refreshed before is saved either way.
    ``progress(n, total, nct_id, outcome)`` is called after each trial.
    """
    ids = list(dict.fromkeys(nct_ids))
    path = cache_path(cache)
    statuses = load_status_cache(path)
    report = RefreshReport(cache_path=str(path))
    today = today or dt.datetime.now(dt.UTC).date().isoformat()
    done = 0
    studies = _studies(ids, report, base_url=base_url, session=session, timeout=timeout,
                       retries=retries, rate=rate, backoff=backoff, sleep=sleep)
    for nct, doc in studies:
        done = ids.index(nct) + 1
        try:
            if isinstance(doc, RefreshError):
                raise doc
            st = parse_study(nct, doc, today)
        except RefreshError as exc:
            prev = statuses.get(nct)
            report.failed[nct] = exc.reason + (
                f"; kept status {prev.status} verified {prev.verified}" if prev else "")
            if progress:
                progress(done, len(ids), nct, f"not refreshed: {exc.reason}")
            if exc.retry:  # the network or the service, not this trial: stop here
                report.stopped_at, report.stopped = nct, exc.reason
                report.not_tried = ids[done:]
                studies.close()
                break
            continue
        old = statuses.get(nct)
        if old is None or old.status != st.status:
            report.changed[nct] = (old.status if old else None, st.status)
        statuses[nct] = st
        report.refreshed.append(nct)
        if progress:
            progress(done, len(ids), nct, st.status or "no status given")
    if report.refreshed:
        save_status_cache(statuses, path)
    return report


# ----------------------------------------------------------------------------- new records
RECORD_COLUMNS = ("nct_id", "brief_title", "official_title", "phase", "overall_status",
                  "status_verified_date", "start_date", "completion_date", "conditions",
                  "interventions", "sponsor", "enrollment", "biomarker_terms",
                  "eligibility_criteria", "source", "data_date")


def record_row(nct_id: str, doc: object, today: str, base_url: str) -> dict[str, str]:
    """One API v2 study document as a row of the ClinicalTrials.gov source TSV that `matcher kb
    import-trials` reads (the columns of knowledgebase/ctgov/source/); RefreshError when the
    document is not a study."""
    parse_study(nct_id, doc, today)  # checks the shape and the id
    proto = doc["protocolSection"]

    def mod(name: str) -> dict:
        m = proto.get(name)
        return m if isinstance(m, dict) else {}

    ident, status, design = mod("identificationModule"), mod("statusModule"), mod("designModule")
    words = {"NA": "Not Applicable", "EARLY_PHASE1": "Early Phase 1"}
    phases = [words.get(str(p), str(p).replace("PHASE", "Phase ")) for p in
              design.get("phases") or []]
    interventions = [str(i.get("name")) for i in mod("armsInterventionsModule")
                     .get("interventions") or [] if isinstance(i, dict) and i.get("name")]
    eligibility = " ".join(str(mod("eligibilityModule").get("eligibilityCriteria") or "")
                           .split())
    from matcher.kb.ctgov_import import GENE_RE

    text = " ".join((str(ident.get("briefTitle") or ""), eligibility))
    return {
        "nct_id": nct_id, "brief_title": str(ident.get("briefTitle") or ""),
        "official_title": str(ident.get("officialTitle") or ""), "phase": "/".join(phases),
        "overall_status": str(status.get("overallStatus") or "").replace("_", " ").capitalize(),
        "status_verified_date": str(status.get("statusVerifiedDate") or ""),
        "start_date": str((status.get("startDateStruct") or {}).get("date") or ""),
        "completion_date": str((status.get("completionDateStruct") or {}).get("date") or ""),
        "conditions": "; ".join(str(c) for c in mod("conditionsModule").get("conditions") or []),
        "interventions": "; ".join(interventions),
        "sponsor": str((mod("sponsorCollaboratorsModule").get("leadSponsor") or {})
                       .get("name") or ""),
        "enrollment": str((design.get("enrollmentInfo") or {}).get("count") or ""),
        "biomarker_terms": ";".join(sorted({m.group(1) for m in GENE_RE.finditer(text)})),
        "eligibility_criteria": eligibility,
        "source": f"ClinicalTrials.gov API v2 {base_url}/studies/{nct_id}",
        "data_date": today,
    }


def export_records(nct_ids: Iterable[str], out: str | Path, *, base_url: str = DEFAULT_BASE_URL,
                   session: requests.Session | None = None, timeout: float = 10,
                   retries: int = 3, rate: float | None = DEFAULT_RATE, backoff: float = 1.0,
                   sleep: Callable[[float], None] = time.sleep,
                   today: str | None = None) -> RefreshReport:
    """Fetch each study and write them as a source TSV (gzip when ``out`` ends in .gz) for
    `matcher kb import-trials`; what cannot be fetched is reported, the rest is written (no
    file when nothing could be fetched)."""
    import csv
    import gzip
    import io

    ids = list(dict.fromkeys(nct_ids))
    report = RefreshReport(cache_path=str(out))
    today = today or dt.datetime.now(dt.UTC).date().isoformat()
    rows = []
    for nct, doc in _studies(ids, report, base_url=base_url, session=session, timeout=timeout,
                             retries=retries, rate=rate, backoff=backoff, sleep=sleep):
        try:
            if isinstance(doc, RefreshError):
                raise doc
            rows.append(record_row(nct, doc, today, base_url.rstrip("/")))
        except RefreshError as exc:
            report.failed[nct] = exc.reason
            continue
        report.refreshed.append(nct)
    if not rows:
        return report  # nothing fetched: nothing written
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=RECORD_COLUMNS, delimiter="\t", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(gzip.compress(data, mtime=0) if p.suffix == ".gz" else data)
    return report
