"""Structured JSON logs: one object per line, with request id, lab and report id.

What goes in: event names, statuses, durations, counts, hashes, the request id, the lab, the
report id and key prefixes. What never goes in: patient or specimen identifiers, sample names,
file names or any submitted content, and exception messages (they may quote input); a failure is
logged with its exception type and stack frames only.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

LOGGER_NAME = "matcher.service"
_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("matcher_log_context")

# Fields the formatter copies from ``extra=``; anything else passed as extra is dropped, so a
# careless call cannot leak a patient field into the log.
ALLOWED_FIELDS = frozenset({
    "event", "method", "route", "status", "duration_ms", "outcome", "version", "content_sha256",
    "content_size", "source_format", "n_alterations", "n_options", "key_prefix", "error_type",
    "problems", "workers", "bind", "database", "kb_version", "kb_hash", "stack",
})


MAX_FIELD = 200  # characters of a bound field (request id, lab, report id) a log line keeps


def bind(**fields: Any) -> None:
    """Add fields (request_id, lab, report_id) to every log record of the current request."""
    ctx = dict(_context.get({}))
    ctx.update({k: v for k, v in fields.items() if v is not None})
    _context.set(ctx)


def clear() -> None:
    _context.set({})


def context() -> dict[str, Any]:
    return dict(_context.get({}))


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("request_id", "lab", "report_id"):
            value = _context.get({}).get(key)
            if value is not None:
                # bounded whatever a caller binds: a log line never carries a 5 MB field
                doc[key] = value[:MAX_FIELD] if isinstance(value, str) else value
        for key in ALLOWED_FIELDS:
            if key in record.__dict__:
                doc[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[0] is not None:
            # Type and frames only: the message may quote submitted content.
            doc["error_type"] = record.exc_info[0].__name__
            doc["stack"] = [f"{f.filename}:{f.lineno} in {f.name}"
                            for f in traceback.extract_tb(record.exc_info[2])]
        return json.dumps(doc, default=str, separators=(",", ":"))


def configure(level: str = "INFO", stream: Any = None) -> logging.Logger:
    """Send the service logger (and its children) to ``stream`` as JSON. Idempotent."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level.upper())
    logger.propagate = False
    if not any(getattr(h, "_matcher", False) for h in logger.handlers):
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._matcher = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    return logger


def get_logger() -> logging.Logger:
    return logging.getLogger(LOGGER_NAME)
