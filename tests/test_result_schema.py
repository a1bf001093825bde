"""The versioned result document (docs/result-schema.md): compact view, full view, and the
detail between them, on every sample in vcf_samples/ and the 20-variant panel of bench/."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from matcher.engine import TRUNCATED_NOTE
from matcher.render.compact import SCHEMA_VERSION, compact_view, expand, full_view, shown, split

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "vcf_samples"
FILES = sorted(p.name for p in SAMPLES.iterdir()
               if p.suffix == ".json" or p.name.endswith((".vcf", ".vcf.gz", ".maf")))
PANEL = ROOT / "bench" / "panel_20.json"
LIMIT = 64 * 1024  # issue 13: the compact result of the 20-variant panel


def _results(kb, name: str) -> list:
    from matcher.pipeline import run

    return run((SAMPLES / name).read_bytes(), kb=kb, filename=name)


@pytest.fixture(scope="module")
def sample_results(full_kb) -> dict[str, list]:
    return {name: _results(full_kb, name) for name in FILES}


@pytest.fixture(scope="module")
def panel(full_kb):
    from matcher.pipeline import run

    return run(PANEL.read_bytes(), kb=full_kb)[0]


def _references(doc: dict) -> list[str]:
    """Every evidence id the compact view refers to."""
    ids = []
    for o in doc["therapy_options"]:
        ids += o["evidence"] + o.get("resistance", [])
    for g in doc["resistance"]:
        ids += g["evidence"]
    return ids


def check(result) -> None:
    """The compact view of one result against its full dict, on every part."""
    data = result.to_dict()
    compact, detail = split(data)
    assert compact == compact_view(data)
    assert compact["schema_version"] == SCHEMA_VERSION and compact["view"] == "compact"

    # round trip: compact view + detail == the full (schema-1) rendering, field for field
    full = expand(compact, detail)
    assert full == full_view(data)
    assert {k: v for k, v in full.items() if k not in ("schema_version", "view")} == data
    assert orjson.loads(orjson.dumps(orjson.loads(orjson.dumps(detail)))) == detail

    # every reference resolves, and the table holds nothing unreferenced
    refs = _references(compact)
    assert set(refs) == set(compact["evidence"])

    # the same options, in the same order, at the same levels, for the same alterations
    assert [(o["name"], o["level"], o["alteration_ids"]) for o in compact["therapy_options"]] \
        == [(o["name"], o["level"], list(o["alteration_ids"])) for o in data["therapy_options"]]
    for o, f in zip(compact["therapy_options"], data["therapy_options"], strict=True):
        ids = list(dict.fromkeys(m["evidence_id"] for m in f["matches"]))
        assert o["evidence"] == ids[:shown(f["level"])]  # the best first, as the engine ranked
        assert len(o["evidence"]) + o.get("more_evidence", 0) == len(ids)
        for eid in o["evidence"]:
            m = next(m for m in f["matches"] if m["evidence_id"] == eid)
            entry = compact["evidence"][eid]
            assert (entry["level"], entry["evidence_type"], entry["scope"]) == \
                (m["level"], m["evidence_type"], m["scope"])
            assert entry.get("approval_date") == m["approval_date"]
            texts = [c["text"] for c in m["citations"]]
            assert entry["citations"] and all(t in texts for t in entry["citations"])
        res = list(dict.fromkeys(m["evidence_id"] for m in f["resistance"]))
        assert len(o.get("resistance", [])) + o.get("more_resistance", 0) == len(res)
        assert o.get("resistance_elsewhere", 0) == len(f["resistance_elsewhere"])

    # resistance: one group per regimen, at its best level, counting every item
    groups = {g["name"]: g for g in compact["resistance"]}
    assert len(groups) == len(compact["resistance"])
    for name in {" + ".join(m["therapy"]) for m in data["resistance"]}:
        ms = [m for m in data["resistance"] if " + ".join(m["therapy"]) == name]
        assert groups[name]["level"] == min((m["level"] for m in ms), key=["R1", "R2"].index)
        assert len(groups[name]["evidence"]) + groups[name].get("more_evidence", 0) == \
            len({m["evidence_id"] for m in ms})
    assert len(groups) == len({tuple(m["therapy"]) for m in data["resistance"]})

    # open trials: the same ones in the same order; one open to the tumor type only is named
    # (id, phase, status, date), one matched to a biomarker is whole but for url, provenance,
    # quotes and the source-cut note, which is a flag
    assert [t["nct_id"] for t in compact["open_trials"]] == \
        [t["nct_id"] for t in data["open_trials"]]
    for c, t in zip(compact["open_trials"], data["open_trials"], strict=True):
        if t["reason"] == "tumor_type":
            assert c == {k: t[k] for k in ("nct_id", "phase", "status", "status_date", "reason")}
            continue
        assert c.pop("eligibility_truncated", False) is (TRUNCATED_NOTE in t["notes"])
        assert c == {**{k: v for k, v in t.items() if k not in ("url", "source")},
                     "matched": [{k: v for k, v in h.items() if k != "quote"}
                                 for h in t["matched"]],
                     "notes": [n for n in t["notes"] if n != TRUNCATED_NOTE]}

    # alterations: the same ones, same status, with the count of matched evidence
    assert [(a["alteration"]["id"], a["status"], a["evidence_count"])
            for a in compact["alterations"]] == \
        [(a["alteration"]["id"], a["status"], len(a["match_ids"])) for a in data["alterations"]]


@pytest.mark.parametrize("name", FILES)
def test_every_sample_compact_view_round_trips(sample_results, name: str) -> None:
    results = sample_results[name]
    assert results
    for result in results:
        check(result)


def test_panel_compact_view_round_trips_and_fits(panel) -> None:
    check(panel)
    compact = orjson.dumps(compact_view(panel.to_dict()))
    full = panel.to_json().encode()
    assert len(compact) <= LIMIT, f"compact result {len(compact)} bytes"
    assert len(full) > 4 * len(compact)  # the premise: the full view is far larger


def test_panel_fixture_is_twenty_hotspot_calls_from_the_kb_genes(full_kb) -> None:
    doc = json.loads(PANEL.read_text())
    assert len(doc["variants"]) == 20
    genes = {v["gene"] for v in doc["variants"]}
    assert {"BRAF", "KRAS", "PIK3CA", "EGFR", "KIT", "IDH1"} <= genes


def test_a_schema_1_result_reads_the_same(sample_results) -> None:
    """A result stored before schema 2 (the full dict itself) gives the same compact view."""
    for results in sample_results.values():
        for result in results:
            data = result.to_dict()
            assert compact_view(full_view(data)) == compact_view(data)
