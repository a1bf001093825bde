"""API keys: format, hash-only storage, verification, revocation."""

from __future__ import annotations

import hashlib

import pytest

from matcher.errors import InputError, Unauthorized
from matcher.service.auth import authenticate, check_lab, create_key, digest, key_prefix, revoke

pytest_plugins = ("tests.conftest_service",)


def test_key_format_and_storage(store):
    new = create_key(store, "lab-a", note="LIMS")
    assert new.key.startswith("mk_") and len(new.key) == 3 + 43
    row = store.find_key(key_prefix(new.key))
    assert row.lab == "lab-a" and row.note == "LIMS"
    assert row.key_sha256 == hashlib.sha256(new.key.encode()).hexdigest() == digest(new.key)
    assert new.key[11:] not in repr(store.list_keys())
    assert create_key(store, "lab-a").key != new.key


def test_key_prefixes_are_safe_command_line_arguments():
    """A prefix starting with '-' reads as an option (`matcher keys revoke -x…`); with 1 draw in
    64 starting with '-', 2,000 draws would hit one for certain without the redraw."""
    from matcher.service.auth import key_prefix, new_key

    prefixes = [key_prefix(new_key()) for _ in range(2000)]
    assert all(p[0].isalnum() and len(p) == 8 for p in prefixes)
    assert len(set(prefixes)) == 2000


def test_authenticate(store):
    new = create_key(store, "lab-a")
    assert authenticate(store, f"Bearer {new.key}") == "lab-a"
    assert authenticate(store, f"bearer   {new.key}") == "lab-a"
    wrong_secret = new.key[:11] + ("A" if new.key[11] != "A" else "B") + new.key[12:]
    for header in [None, "", "Bearer ", f"Basic {new.key}", wrong_secret,
                   f"Bearer {wrong_secret}", "Bearer mk_" + "x" * 43]:
        with pytest.raises(Unauthorized):
            authenticate(store, header)


def test_revoke_by_prefix_or_full_key(store):
    a, b = create_key(store, "lab-a"), create_key(store, "lab-b")
    assert revoke(store, a.row.prefix)
    assert revoke(store, b.key)
    for k in (a, b):
        with pytest.raises(Unauthorized):
            authenticate(store, f"Bearer {k.key}")
    assert not revoke(store, "nosuchpx")
    assert [r.revoked_at is not None for r in store.list_keys()] == [True, True]


@pytest.mark.parametrize("lab", ["", "-lab", "lab a", "x" * 65, "lab/a", "lab\n"])
def test_bad_lab_names(lab):
    with pytest.raises(InputError):
        check_lab(lab)
