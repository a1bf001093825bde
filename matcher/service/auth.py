"""Per-lab API keys: ``Authorization: Bearer mk_<prefix><secret>``.

A key is ``mk_`` + ``secrets.token_urlsafe(32)``. The store keeps only the key's SHA-256 and a
short prefix (its first 8 characters after ``mk_``) to find the row; the full key is printed once
at creation and never again. Verification compares digests with :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from matcher.errors import InputError, Problem, Unauthorized
from matcher.service.store import ApiKeyRow, Store

KEY_PREFIX = "mk_"
PREFIX_LEN = 8
LAB_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_KEY_RE = re.compile(r"^mk_[A-Za-z0-9_-]{40,64}$")


@dataclass(frozen=True)
class NewKey:
    """A freshly created key: ``key`` is shown once, only ``row`` is kept."""

    key: str
    row: ApiKeyRow


def digest(key: str) -> str:
    """Hex SHA-256 of a key (what the store keeps)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_prefix(key: str) -> str:
    """The lookup prefix of a key (safe to display and log)."""
    return key[len(KEY_PREFIX):len(KEY_PREFIX) + PREFIX_LEN]


def check_lab(lab: str) -> str:
    """Validate a lab name: 1-64 letters, digits, '.', '_' or '-'."""
    if not LAB_RE.fullmatch(lab or ""):
        raise InputError("invalid lab name", [Problem(
            f"{lab!r} is not a valid lab name", field="lab",
            expected="1-64 characters: letters, digits, '.', '_', '-' (not first)")])
    return lab


def new_key() -> str:
    """A fresh random key whose prefix starts with a letter or digit.

    A prefix starting with '-' would read as an option on the command line
    (``matcher keys revoke -AbC…`` fails), so a draw starting with '-' or '_' (1 in 32) is
    drawn again.
    """
    while True:
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        if key[len(KEY_PREFIX)].isalnum():
            return key


def create_key(store: Store, lab: str, note: str | None = None) -> NewKey:
    """Create and store a key for ``lab``; the returned ``key`` is the only copy."""
    check_lab(lab)
    for _ in range(5):
        key = new_key()
        try:
            row = store.add_key(lab, key_prefix(key), digest(key), note)
        except IntegrityError:  # prefix collision: astronomically rare, just draw again
            continue
        return NewKey(key, row)
    raise RuntimeError("could not draw a unique key prefix")  # pragma: no cover


def revoke(store: Store, prefix_or_key: str) -> bool:
    """Revoke a key given its prefix (as listed) or the full key; False if none active."""
    prefix = key_prefix(prefix_or_key) if prefix_or_key.startswith(KEY_PREFIX) else prefix_or_key
    return store.revoke_key(prefix)


def authenticate(store: Store, header: str | None) -> str:
    """Return the lab of a valid ``Authorization: Bearer`` header, else raise Unauthorized."""
    if not header:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("malformed Authorization header: expected 'Bearer <key>'")
    if not _KEY_RE.fullmatch(key):
        raise Unauthorized("invalid API key")
    row = store.find_key(key_prefix(key))
    # Compare even when no row matched, so a miss costs the same as a wrong secret.
    expected = row.key_sha256 if row else "0" * 64
    ok = hmac.compare_digest(digest(key), expected)
    if not ok or row is None or row.revoked_at is not None:
        raise Unauthorized("invalid or revoked API key")
    return row.lab
