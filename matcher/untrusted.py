"""Reading numbers and text from untrusted input, the same way in every reader and the API.

Python is generous where a lab file must not be: ``int("١٢")`` is 12, ``"²".isdigit()`` is True
(and ``int("²")`` then raises), ``int`` of a 5,000-digit string raises ``ValueError`` past
``sys.get_int_max_str_digits()``, ``json.loads`` does the same for a long JSON integer and lets a
lone surrogate (``"\\ud800"``) through as text that cannot be encoded again. Here:

* a number is ASCII digits only (``[0-9]``, an optional sign where stated), of bounded length and
  value: :func:`ascii_int`, :func:`is_ascii_int`; anything else is *not a number*;
* :data:`MAX_INT` (2**63 - 1) is the largest integer any input may carry (the store and JSON
  encoders are 64-bit); readers bound positions and counts tighter (:data:`MAX_INT32`);
* a report id has one grammar wherever it comes from (lab JSON, query, form, a VCF sample
  name): :func:`report_id_problem`;
* :func:`loads_json` decodes JSON without ever raising on a long integer, and
  :func:`decoded_problems` names, by field path (``variants[2].pos``), every integer out of range
  and every string or key holding a lone surrogate, so a report gets a 4xx naming the field.
"""

from __future__ import annotations

import json
import re
from typing import Any

from matcher.errors import Problem

MAX_INT = 2**63 - 1
MAX_INT32 = 2**31 - 1
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_SIGNED = re.compile(r"[-+]?[0-9]+", re.ASCII)
_SURROGATE = re.compile("[\ud800-\udfff]")


# A report id travels in URL paths ('/v1/reports/RPT 2026/11/1'), so it may hold '/' but no part
# that a URL normaliser (curl, browsers, requests) would resolve or drop: no '.', '..' or empty
# part, no leading '/'. ASCII only, so lookalikes (full-width letters, other scripts' digits)
# are refused everywhere rather than stored beside the id they imitate. Case is kept and matters:
# 'ACC-7' and 'acc-7' are two reports, the same on every path.
REPORT_ID_MAX = 128
_ID_PART = r"[A-Za-z0-9](?:[A-Za-z0-9_.:\- ]*[A-Za-z0-9_.:\-])?"
REPORT_ID = re.compile(rf"(?:{_ID_PART})(?:/{_ID_PART})*\Z", re.ASCII)  # anchored: .match
# The same grammar for JSON Schema (OpenAPI), whose regular expressions are ECMA-262's.
REPORT_ID_PATTERN = rf"^{_ID_PART}(?:/{_ID_PART})*$"
REPORT_ID_RULE = (f"1-{REPORT_ID_MAX} ASCII letters, digits, spaces and _.:- in '/'-separated "
                  "parts, each starting with a letter or digit and not ending in a space; the "
                  "last part not 'summary'")


def report_id_problem(value: Any, field: str = "report_id") -> Problem | None:
    """None if ``value`` is a valid report id, else the Problem naming ``field``."""
    if isinstance(value, str) and len(value) <= REPORT_ID_MAX and REPORT_ID.fullmatch(value) \
            and value.rpartition("/")[2] != "summary":  # '/v1/reports/x/summary' is x's page
        return None
    shown = _printable(value[:40]) if isinstance(value, str) else type(value).__name__
    return Problem(f"report id {shown!r} is not valid", field=field, expected=REPORT_ID_RULE)


def is_ascii_int(text: Any, *, signed: bool = False, max_value: int = MAX_INT) -> bool:
    """True if ``text`` is a str (or bytes) of ASCII digits whose value is at most ``max_value``."""
    return ascii_int(text, signed=signed, max_value=max_value) is not None


def ascii_int(text: Any, *, signed: bool = False, max_value: int = MAX_INT) -> int | None:
    """The integer ``text`` spells in ASCII digits (``-``/``+`` only if ``signed``), or None.

    None for Unicode digits (``١٢``, ``²``), spaces, underscores, an empty string, and values
    whose magnitude exceeds ``max_value`` (the length is checked before converting, so a
    5,000-digit string costs nothing).
    """
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    if not isinstance(text, str) or len(text) > len(str(max_value)) + 1:
        return None
    if not (_SIGNED if signed else _DIGITS).fullmatch(text):
        return None
    value = int(text)
    return value if abs(value) <= max_value else None


def has_surrogate(text: str) -> bool:
    """A lone UTF-16 surrogate: text that no UTF-8 encoder (store, log, response) accepts."""
    return bool(_SURROGATE.search(text))


class OutOfRange:
    """What :func:`loads_json` puts where a JSON integer has too many digits to be a value."""

    __slots__ = ("digits",)

    def __init__(self, digits: int):
        self.digits = digits

    def __repr__(self) -> str:
        return f"<integer of {self.digits} digits>"


def _parse_int(text: str) -> int | OutOfRange:
    digits = len(text.lstrip("-"))
    return OutOfRange(digits) if digits > 19 else int(text)


def loads_json(text: str | bytes) -> Any:
    """``json.loads`` that never converts an integer of more than 19 digits (those become
    :class:`OutOfRange`, reported by :func:`decoded_problems`); other errors as ``json.loads``.
    """
    return json.loads(text, parse_int=_parse_int)


def decoded_problems(doc: Any, *, limit: int = 50) -> list[Problem]:
    """Every integer beyond ±:data:`MAX_INT` and every lone surrogate in a decoded JSON document,
    each named by its field path; at most ``limit`` (iterative: any nesting depth)."""
    problems: list[Problem] = []
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack and len(problems) < limit:
        path, value = stack.pop()
        if isinstance(value, dict):
            items = list(value.items())
            for key, item in reversed(items):
                sub = f"{path}.{key}" if path else str(key)
                if has_surrogate(key):
                    problems.append(Problem("a field name holds a lone surrogate (not text)",
                                            field=_printable(sub), expected="UTF-8 text"))
                    continue
                stack.append((sub, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            if has_surrogate(value):
                problems.append(Problem("holds a lone surrogate (\\ud800-\\udfff), not text",
                                        field=path or None, expected="UTF-8 text"))
        elif isinstance(value, OutOfRange) or (
                isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT):
            digits = value.digits if isinstance(value, OutOfRange) else len(str(abs(value)))
            problems.append(Problem(f"number out of range ({digits} digits)", field=path or None,
                                    expected=f"a number of at most {MAX_INT}"))
    return problems


def _printable(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)
