"""One exception root for everything Matcher raises on purpose.

::

    MatcherError                      (500)  base; never raised bare
    ├── InputError(ValueError)        (400)  the caller sent something wrong; lists every problem
    │   ├── ReportValidationError            a lab JSON report failed its schema
    │   ├── FileFormatError                  a lab file (VCF, MAF, fusion table) is malformed
    │   ├── UnknownTumorTypeError            tumor type is not an OncoTree code or name
    │   └── AmbiguousGeneError               a symbol that is an alias of several genes
    ├── PayloadTooLarge(InputError)   (413)  body, decompressed size or variant count over a limit
    ├── NotFound                      (404)  no such report (or not yours), gene or tumor type
    ├── Conflict                      (409)  same report id, different content
    ├── Unauthorized                  (401)  missing or bad API key
    └── KnowledgeBaseError            (500)  the KB on disk is invalid; refuses to start

Every error carries a list of :class:`Problem` (field path or line, message, expected) so that
the API can render ``application/problem+json`` and the CLI can print them and exit 2.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# An answer lists at most this many problems (and counts the rest), each text at most MAX_TEXT
# characters: a small hostile file must not become a large error document.
MAX_LISTED = 50
MAX_TEXT = 500


def _cut(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT - 1] + "…"
    return value


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (field path or line), what, and what was expected."""

    message: str
    field: str | None = None
    line: int | None = None
    expected: str | None = None
    source: str | None = None

    def to_dict(self) -> dict:
        """Return a JSON-ready dict without empty keys; long texts cut at :data:`MAX_TEXT`."""
        return {k: _cut(v) for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        return _cut(self._text())

    def _text(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(self.field)
        text = f"{': '.join(where)}: {self.message}" if where else self.message
        if self.expected:
            text += f" (expected {self.expected})"
        return text


def problems_from_messages(messages: Any, prefix: str = "") -> list[Problem]:
    """marshmallow/webargs error messages -> one Problem per message, with its field path."""
    out: list[Problem] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                path = prefix
            elif isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(problems_from_messages(value, path))
    elif isinstance(messages, (list, tuple)):
        for value in messages:
            out.extend(problems_from_messages(value, prefix))
    else:
        msg = str(messages)
        if msg == "Unknown field.":
            msg = "unknown field (not part of the schema; check the spelling)"
        out.append(Problem(msg, field=prefix or None))
    return out


class MatcherError(Exception):
    """Root of every deliberate Matcher error."""

    status = 500
    title = "Internal error"

    def __init__(self, message: str, problems: list[Problem] | None = None, **context):
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])
        self.context = {k: v for k, v in context.items() if v is not None}

    def __str__(self) -> str:
        if not self.problems:
            return str(_cut(self.message))
        lines = [f"  - {p}" for p in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            lines.append(f"  ... and {len(self.problems) - MAX_LISTED} more problem(s)")
        return f"{_cut(self.message)}\n" + "\n".join(lines)

    def to_problem(self) -> dict:
        """Render as an RFC 9457 problem document: the first :data:`MAX_LISTED` problems, and
        ``errors_total`` (how many there were) when some were left out."""
        doc = {"type": "about:blank", "title": self.title, "status": self.status,
               "detail": _cut(self.message)}
        if self.problems:
            doc["errors"] = [p.to_dict() for p in self.problems[:MAX_LISTED]]
            if len(self.problems) > MAX_LISTED:
                doc["errors_total"] = len(self.problems)
        doc.update({k: _cut(v) for k, v in self.context.items()})
        return doc


class InputError(MatcherError, ValueError):
    """The caller sent something wrong."""

    status = 400
    title = "Invalid input"


class ReportValidationError(InputError):
    """A lab JSON report failed validation."""

    status = 422
    title = "Invalid report"


class FileFormatError(InputError):
    """A lab file is malformed or not of the format it claims."""

    title = "Malformed file"


class UnknownTumorTypeError(InputError):
    """The tumor type is neither an OncoTree code nor an OncoTree name."""

    status = 422
    title = "Unknown tumor type"


class AmbiguousGeneError(InputError):
    """A gene symbol that is an alias of more than one gene; never guessed."""

    status = 422
    title = "Ambiguous gene symbol"


class PayloadTooLarge(InputError):
    """A request, a decompressed stream or a variant list is over its configured limit."""

    status = 413
    title = "Payload too large"


class NotFound(MatcherError):
    """Nothing by that id for this caller."""

    status = 404
    title = "Not found"


class Conflict(MatcherError):
    """Same report id with different content."""

    status = 409
    title = "Conflict"


class Unauthorized(MatcherError):
    """Missing, malformed, unknown or revoked API key."""

    status = 401
    title = "Unauthorized"


class KnowledgeBaseError(MatcherError):
    """The knowledge base on disk is invalid."""

    status = 500
    title = "Invalid knowledge base"
