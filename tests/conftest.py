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

# How to get each optional group on a machine that lacks it (printed when its tests skip).
HOW_TO_ENABLE = {
    "postgres": "install PostgreSQL (Debian: apt-get install postgresql), then "
                'export MATCHER_TEST_POSTGRES_URL="$(bash .ci/postgres.sh)"',
    "browser": "install headless Chromium and its driver "
               "(Debian: apt-get install chromium chromium-driver)",
}
_skipped_groups: dict[str, int] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI (MATCHER_STRICT_SKIPS=1) a skipped PostgreSQL or browser test is a failure."""
    import os

    rep = yield
    if rep.skipped:
        for m in STRICT_MARKERS:
            if item.get_closest_marker(m) and rep.when in ("setup", "call"):
                _skipped_groups[m] = _skipped_groups.get(m, 0) + 1
    if os.environ.get("MATCHER_STRICT_SKIPS") and rep.skipped and any(
            item.get_closest_marker(m) for m in STRICT_MARKERS):
        rep.outcome = "failed"
        rep.longrepr = f"required test skipped under CI (MATCHER_STRICT_SKIPS): {rep.longrepr}"
    return rep


def pytest_unconfigure(config):
    """Say loudly, last thing, which optional groups did not run and how to run them: a green
    run without PostgreSQL or Chromium has not tested the store on PostgreSQL or the page."""
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if not _skipped_groups or tr is None:
        return
    tr.write_sep("!", "NOT TESTED ON THIS MACHINE", red=True, bold=True)
    for group, n in sorted(_skipped_groups.items()):
        tr.write_line(f"{n} {group} test(s) skipped. To run them: {HOW_TO_ENABLE[group]}",
                      red=True, bold=True)
    tr.write_line("CI (.ci/run) installs both and fails on any of these skips "
                  "(MATCHER_STRICT_SKIPS=1).", bold=True)
