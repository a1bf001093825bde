"""Tab-separated lab tables: shared line splitting with line numbers and header lookup."""

from __future__ import annotations

import re
from dataclasses import dataclass

from matcher.errors import FileFormatError, Problem
from matcher.readers.detect import maybe_gunzip, refuse_binary
from matcher.untrusted import MAX_INT32, ascii_int

_DECIMAL = re.compile(r"[-+]?[0-9]{1,10}\.[0-9]{0,20}", re.ASCII)


@dataclass
class Table:
    """Header columns and data rows (each with its 1-based line number)."""

    columns: list[str]
    rows: list[tuple[int, list[str]]]
    comments: list[str]
    header_line: int

    def index(self, *names: str) -> int | None:
        """Column index of the first name present (case-insensitive), or None."""
        lower = [c.strip().lower() for c in self.columns]
        for name in names:
            if name.lower() in lower:
                return lower.index(name.lower())
        return None


def read_table(data: bytes, limit: int, name: str | None, what: str, *,
               header_starts_with_hash: bool = False) -> Table:
    """Split a TSV: leading ``#`` comment lines, one header line, then rows."""
    refuse_binary(data, name)
    raw = maybe_gunzip(data, limit, name=name or what)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise table_error(name, what, "bytes that are not UTF-8 text",
                          raw.count(b"\n", 0, exc.start) + 1) from None
    lines = text.splitlines()
    comments: list[str] = []
    i = 0
    def is_comment(k: int) -> bool:
        return not lines[k].strip() or (lines[k].startswith("#") and not (
            header_starts_with_hash and _looks_header(lines, k)))

    while i < len(lines) and is_comment(i):
        comments.append(lines[i])
        i += 1
    if i >= len(lines):
        raise table_error(name, what, "no header line", i or 1)
    columns = lines[i].lstrip("#").split("\t")
    rows = [(n + 1, lines[n].split("\t")) for n in range(i + 1, len(lines))
            if lines[n].strip() and not lines[n].startswith("#")]
    return Table([c.strip() for c in columns], rows, comments, i + 1)


def _looks_header(lines: list[str], i: int) -> bool:
    """A '#' line followed by a data line with as many fields: the header (STAR-Fusion, Arriba).

    Trailing empty fields do not count on either side: STAR-Fusion headers may end in tabs
    (``#FusionName\t…\tLargeAnchorSupport\t\t``) and rows may end in an empty column."""
    if "\t" not in lines[i]:
        return False
    nxt = next((ln for ln in lines[i + 1:] if ln.strip() and not ln.startswith("#")), None)
    if nxt is None:
        return True
    head, row = lines[i].split("\t"), nxt.split("\t")
    named = len(_trimmed(head))
    return len(head) == len(row) or len(_trimmed(row)) <= named <= len(row)


def _trimmed(fields: list[str]) -> list[str]:
    """The fields without the empty ones at the end."""
    end = len(fields)
    while end and not fields[end - 1].strip():
        end -= 1
    return fields[:end]


def table_error(name: str | None, what: str, message: str, line: int | None,
                field: str | None = None, expected: str | None = None) -> FileFormatError:
    """A FileFormatError naming the file, line and column."""
    where = f"line {line}: " if line else ""
    return FileFormatError(f"invalid {what}: {where}{message}",
                           [Problem(message, line=line, field=field, expected=expected,
                                    source=name)])


def cell(row: list[str], index: int | None) -> str | None:
    """The stripped cell or None when missing, empty or '.'/'NA'."""
    if index is None or index >= len(row):
        return None
    value = row[index].strip()
    return None if value in ("", ".", "NA", "N/A", "nan", "[Not Available]") else value


def int_cell(row: list[str], index: int | None, name: str | None, what: str, line: int,
             column: str) -> int | None:
    """An integer cell, or FileFormatError naming the line and column."""
    value = cell(row, index)
    if value is None:
        return None
    number = ascii_int(value, signed=True, max_value=MAX_INT32)
    if number is None and _DECIMAL.fullmatch(value):
        number = int(float(value))  # '12.0' as some tools write counts
    if number is None:
        raise table_error(name, what, f"{column} {value[:40]!r} is not a number", line, column,
                          f"an integer in ASCII digits, at most {MAX_INT32}")
    return number
