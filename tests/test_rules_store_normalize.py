"""Boundaries of the store's date filters and of the normaliser's hotspot rule (issue 18)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from matcher.readers import ReadOptions
from matcher.service.store import Store, Submission


def test_since_includes_its_instant_and_until_excludes_it(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/m.sqlite3")
    store.migrate()
    stored, _ = store.submit(Submission(
        lab="lab-a", report_id="R1", content_sha256="a" * 64, content_size=3, content=b"abc",
        source_format="labjson", params={"format": "labjson"}, alterations=[],
        result={"report_id": "R1"}, kb_version="1", kb_hash="h", matcher_version="0"))
    t = stored.created_at
    tick = timedelta(microseconds=1)
    assert store.list("lab-a", since=t)[1] == 1
    assert store.list("lab-a", since=t + tick)[1] == 0
    assert store.list("lab-a", until=t)[1] == 0
    assert store.list("lab-a", until=t + tick)[1] == 1
    store.engine.dispose()


def _alteration(kb, gene: str, change: str):
    from matcher.pipeline import run

    doc = {"report_id": "N-1", "tumor_type": "THAP",
           "variants": [{"gene": gene, "protein_change": change}]}
    result = run(json.dumps(doc).encode(), kb=kb, options=ReadOptions())[0]
    return result.alterations[0].alteration


@pytest.mark.parametrize("change,hotspot", [
    ("V600", True),      # a codon-only call at a hotspot residue
    ("V600E", True),     # a substitution at it
    ("V600K", True),
    ("T599I", False),    # the residue next to it
    ("V600fs", False),   # a frameshift at the residue is not a substitution hotspot
    ("V600*", False),
])
def test_a_call_is_a_hotspot_by_residue_and_class(kb, change, hotspot):
    alt = _alteration(kb, "BRAF", change)
    assert alt.variant.hotspot is hotspot, (change, alt.variant)
