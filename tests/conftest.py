"""Shared fixtures: the shipped knowledge base, loaded once per test session."""

from __future__ import annotations

import json

import pytest

from matcher.kb.loader import load_kb
from matcher.pipeline import run
from matcher.readers import ReadOptions


@pytest.fixture(scope="session")
def kb():
    """The shipped curated KB (validated at load), without the CIViC import: the clinical
    content of KNOWLEDGE.md and the approval layer (approvals/, always loaded), on which the
    engine's rules are tested."""
    return load_kb(imported=False)


@pytest.fixture(scope="session")
def full_kb():
    """The shipped KB as the product loads it by default: curated plus CIViC import."""
    return load_kb()


@pytest.fixture(scope="session")
def match_doc(kb):
    """Match a lab JSON report given as a dict; returns the MatchResult."""

    def _match(doc: dict, **options):
        doc = {"report_id": "TEST-1", **doc}
        return run(json.dumps(doc).encode(), kb=kb, options=ReadOptions(**options))[0]

    return _match


STRICT_MARKERS = ("postgres", "browser")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI (MATCHER_STRICT_SKIPS=1) a skipped PostgreSQL or browser test is a failure."""
    import os

    rep = yield
    if os.environ.get("MATCHER_STRICT_SKIPS") and rep.skipped and any(
            item.get_closest_marker(m) for m in STRICT_MARKERS):
        rep.outcome = "failed"
        rep.longrepr = f"required test skipped under CI (MATCHER_STRICT_SKIPS): {rep.longrepr}"
    return rep
