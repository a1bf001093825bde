"""Re-matching from stored normalised alterations (matcher/service/rematcher.py) gives the result a
fresh run of the whole pipeline gives: for every sample file, under the shipped KB and under an
edited one; and its levels cache (alterations as a set) agrees with a fresh match whatever the
order of the calls."""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from matcher.pipeline import run
from matcher.service.rematcher import Rematcher, levels_of
from tests.test_rematch_jobs import kbs  # noqa: F401 - the before/after KB fixture

SAMPLES = Path(__file__).resolve().parent.parent / "vcf_samples"
FILES = sorted(p.name for p in SAMPLES.iterdir()
               if p.suffix in (".json", ".vcf", ".maf", ".tsv", ".txt", ".gz")
               and not p.name.endswith(".clinical.tsv") and p.name != "README.md")


@pytest.fixture(scope="module")
def kb():
    from matcher.kb.loader import load_kb

    return load_kb()


def _stored(result) -> tuple[SimpleNamespace, dict]:  # noqa: ANN001
    """What the store keeps of a served result (as the API's submit writes it)."""
    rep = SimpleNamespace(
        report_id=result.report_id, source_format=result.source_format, content=None,
        alterations_json=orjson.dumps([o.alteration for o in result.alterations]).decode())
    return rep, json.loads(result.to_json())


def _comparable(result) -> dict:  # noqa: ANN001
    d = json.loads(result.to_json())
    d.pop("generated_at")
    return d


def _rematched(rematcher, result):  # noqa: ANN001, ANN202
    rep, old = _stored(result)
    return rematcher.rematch(rep, old, want_result=lambda _levels: True).result


@pytest.mark.parametrize("name", FILES)
def test_stored_alterations_give_the_fresh_result(kb, name: str) -> None:
    data = (SAMPLES / name).read_bytes()
    results = run(data, kb=kb, filename=name)
    assert results
    rematcher = Rematcher(kb)
    for _ in range(2):  # the second time from the caches
        for result in results:
            assert _comparable(_rematched(rematcher, result)) == _comparable(result)


def test_a_kb_edit_gives_the_fresh_result_under_the_new_kb(kbs) -> None:  # noqa: F811
    before, after = kbs
    rematcher = Rematcher(after)
    for name in FILES:
        data = (SAMPLES / name).read_bytes()
        old = run(data, kb=before, filename=name)
        new = run(data, kb=after, filename=name)
        for o, n in zip(old, new, strict=True):
            assert _comparable(_rematched(rematcher, o)) == _comparable(n), name


def test_oncogenicity_is_classified_again_under_the_new_kb(kb) -> None:
    """A stored call classified under an older KB is re-classified, not taken as stored."""
    doc = {"report_id": "O-1", "tumor_type": "MEL",
           "variants": [{"gene": "BRAF", "protein_change": "V600E"}]}
    [result] = run(json.dumps(doc).encode(), kb=kb)
    rep, old = _stored(result)
    stale = json.loads(rep.alterations_json)
    assert stale[0]["oncogenicity"]["classification"] != "vus"
    stale[0]["oncogenicity"] = {"classification": "vus", "reason": "older KB", "source":
                                "default", "gene_role": None}
    rep.alterations_json = json.dumps(stale)
    again = Rematcher(kb).rematch(rep, old, want_result=lambda _levels: True).result
    assert _comparable(again) == _comparable(result)


def test_levels_do_not_depend_on_the_order_of_the_calls(kb) -> None:
    """The levels cache is keyed by the calls as a set: every permutation of random hotspot
    reports (several of one gene included) has the levels of its own fresh match."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_alterations import ALLELES, TUMORS

    rng = random.Random(14)
    rematcher = Rematcher(kb)
    for i in range(40):
        picks = rng.sample(ALLELES, rng.randint(2, 4))
        tumor = rng.choice(TUMORS)
        first = None
        for _ in range(3):
            rng.shuffle(picks)
            doc = {"report_id": f"P-{i}", "tumor_type": tumor,
                   "variants": [{"gene": g, "protein_change": c} for g, c in picks]}
            [fresh] = run(json.dumps(doc).encode(), kb=kb)
            rep, old = _stored(fresh)
            got = rematcher.rematch(rep, old).levels
            assert got == levels_of(fresh)
            first = first or got
            assert {o["name"]: o["level"] for o in got["therapy_options"]} == \
                {o["name"]: o["level"] for o in first["therapy_options"]}
    assert rematcher.matched < rematcher.reports  # the cache was used


def test_a_stored_result_without_a_usable_tumor_type_is_an_error_record(kb) -> None:
    from matcher.service.rematch import NotRematchable

    [result] = run((SAMPLES / "atc_braf_v600e.json").read_bytes(), kb=kb)
    rep, old = _stored(result)
    old["tumor_type"] = {"code": "NOT-A-CODE"}
    with pytest.raises(NotRematchable, match="NOT-A-CODE"):
        Rematcher(kb).rematch(rep, old)
