"""Every service setting, once: name, default, type and help. Read from ``MATCHER_*`` variables.

``Settings`` is the single table the app factory, ``matcher serve`` and the docs draw from::

    cfg = load_config({"DATABASE_URL": "sqlite:///:memory:"})   # overrides beat the environment
    cfg["MAX_VARIANTS"]                                        # typed values

The environment variable of setting ``X`` is ``MATCHER_X``. ``matcher config`` (or
:func:`describe`) lists them all with their current values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from matcher.errors import InputError, Problem


@dataclass(frozen=True)
class Setting:
    """One setting: its name (env var ``MATCHER_<name>``), default, type and one-line help."""

    name: str
    default: Any
    type: type
    help: str
    secret: bool = False

    @property
    def env(self) -> str:
        return f"MATCHER_{self.name}"

    def parse(self, raw: Any) -> Any:
        """Convert a string (env var) or a Python value to the setting's type."""
        if raw is None or not isinstance(raw, str):
            return raw
        if self.type is bool:
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(f"not a boolean: {raw!r}")
        if self.type is int:
            return int(raw.replace("_", ""))
        if self.type is float:
            return float(raw)
        return raw


MiB = 1024 * 1024

SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", "sqlite:///var/matcher.sqlite3", str,
            "SQLAlchemy URL of the report store: a SQLite file (WAL mode; relative paths are "
            "relative to the working directory) or postgresql+psycopg://user:pass@host/db.",
            secret=True),
    Setting("KB_DIR", None, str,
            "Knowledge base directory (default: the knowledgebase/ shipped with Matcher)."),
    Setting("KB_IMPORTED", True, bool,
            "Load the evidence imported from CIViC (knowledgebase/civic/) beside the curated "
            "entries; false: the curated KB alone."),
    Setting("STORE_CONTENT", True, bool,
            "Keep the submitted file itself beside its hash and size (false: hash and size only)."),
    Setting("MAX_CONTENT_LENGTH", 32 * MiB, int,
            "Largest request body accepted, in bytes; larger bodies get 413."),
    Setting("MAX_DECOMPRESSED_BYTES", 256 * MiB, int,
            "Largest decompressed size of a gzip/bgzip upload, in bytes (gzip-bomb guard; 413)."),
    Setting("MAX_DECOMPRESSION_RATIO", 100, int,
            "A gzip/bgzip upload may decompress to at most this many times its own size (but "
            "always to 16 MiB): real VCFs compress 5-20x, bombs 1000x; more gets 413."),
    Setting("MAX_VARIANTS", 50_000, int,
            "Most variant records in one submitted report; more gets 413."),
    Setting("MAX_SAMPLES", 100, int,
            "Most sample columns of a submitted VCF (samples of a MAF); more gets 413."),
    Setting("MAX_IDENTICAL_CALLS", 10, int,
            "Most times one alteration (e.g. 'EML4::ALK fusion') may appear in a report; more "
            "gets 422."),
    Setting("MAX_MATCHES", 5_000, int,
            "Most evidence matches in one result (each about 1 KB of JSON; a real report has a "
            "few hundred at most); more gets 413 before the result is built."),
    Setting("MAX_RESULT_BYTES", 64 * MiB, int,
            "Largest stored result (JSON), in bytes; larger gets 413 and nothing is stored."),
    Setting("MATCH_TIMEOUT", 50.0, float,
            "Seconds one submission may spend being read, normalised and matched (checked "
            "between those stages); longer gets 413."),
    Setting("GROUP_COMMIT", True, bool,
            "SQLite: submissions arriving together in one worker share one transaction and "
            "one fsync; each is answered only once that commit is durable (false: one "
            "transaction each). PostgreSQL always commits each on its own."),
    Setting("MATCH_CACHE_SIZE", 64, int,
            "Match results kept per worker (LRU), keyed by KB hash, tumor type and the "
            "normalised alterations: a report whose calls were matched before is not matched "
            "again (about 1 MB each with the CIViC import; 0: off)."),
    Setting("UPLOAD_TIMEOUT", 30.0, float,
            "Seconds a client may take to send its whole request body; slower uploads get 408."),
    Setting("PAGE_SIZE", 50, int, "Default page size of GET /v1/reports."),
    Setting("MAX_PAGE_SIZE", 500, int, "Largest page size a client may ask for."),
    Setting("BIND", "127.0.0.1:8000", str, "Address matcher serve listens on (host:port)."),
    Setting("WORKERS", 2, int, "Gunicorn worker processes of matcher serve."),
    Setting("THREADS", 8, int,
            "Threads per worker (gunicorn gthread): a slow client holds one thread, not a "
            "worker."),
    Setting("HEADER_TIMEOUT", 10.0, float,
            "Seconds matcher serve waits for each part of a request's headers; a client that "
            "stalls longer is disconnected."),
    Setting("TIMEOUT", 60, int,
            "Gunicorn worker timeout in seconds: a worker silent this long is restarted (a long "
            "request is bounded by MATCHER_MATCH_TIMEOUT)."),
    Setting("LOG_LEVEL", "INFO", str, "Log level of the service's JSON logs."),
    Setting("DEMO_KEY", True, bool,
            "On first start with no API keys at all, matcher serve creates a 'demo' lab key."),
    Setting("DOCS", True, bool, "Serve the interactive API docs at /docs (no external resources)."),
    Setting("TRIAL_STATUS_MAX_AGE_DAYS", 90, int,
            "A ClinicalTrials.gov trial whose status was last known more than this many days "
            "before the match is flagged 'status may be out of date' (docs/trials.md)."),
)

BY_NAME = {s.name: s for s in SETTINGS}


def load_config(overrides: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then ``MATCHER_*`` environment variables, then ``overrides`` (typed values).

    Raises :class:`InputError` naming every bad environment value.
    """
    environ = os.environ if environ is None else environ
    cfg: dict[str, Any] = {}
    problems = []
    for s in SETTINGS:
        value = s.default
        if s.env in environ:
            try:
                value = s.parse(environ[s.env])
            except ValueError as exc:
                problems.append(Problem(str(exc), field=s.env, expected=s.type.__name__))
        cfg[s.name] = value
    for key, value in (overrides or {}).items():
        if key in BY_NAME:
            try:
                value = BY_NAME[key].parse(value)
            except ValueError as exc:
                problems.append(Problem(str(exc), field=key, expected=BY_NAME[key].type.__name__))
        cfg[key] = value
    if problems:
        raise InputError("invalid configuration", problems)
    return cfg


def describe(cfg: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every setting with its env var, default, current value (secrets masked) and help."""
    cfg = load_config() if cfg is None else cfg
    rows = []
    for s in SETTINGS:
        value = cfg.get(s.name, s.default)
        if s.secret and value and value != s.default:
            value = mask_url(str(value))
        rows.append({"name": s.name, "env": s.env, "default": s.default, "value": value,
                     "type": s.type.__name__, "help": s.help})
    return rows


def mask_url(url: str) -> str:
    """Hide a password in a database URL."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url
