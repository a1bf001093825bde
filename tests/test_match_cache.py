"""The match cache (matcher/match_cache.py): a cached answer is the engine's own answer, for
every sample report, under every tumor type it is asked for; entries are keyed by KB hash (and
KB object) and tumor type; the LRU stays within its size; and the service's stored results and
alteration rows are the same with and without it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import orjson
import pytest

from matcher.engine import match
from matcher.match_cache import MatchCache
from matcher.normalize import normalize_report
from matcher.pipeline import match_report, read_reports, resolve_tumor

pytest_plugins = ("tests.conftest_service",)

SAMPLES = Path(__file__).resolve().parents[1] / "vcf_samples"
SAMPLE_FILES = sorted(p.name for p in SAMPLES.iterdir()
                      if p.suffix not in (".md", ".py", ".tbi")
                      and not p.name.endswith(".clinical.tsv"))
OTHER_TUMORS = ("MEL", "LUAD", "COADREAD", None)  # asked beside the report's own tumor type


def _reports(kb, name: str):
    return read_reports((SAMPLES / name).read_bytes(), filename=name, kb=kb)


def _same(a, b) -> bool:
    """Equal results, but for the time they were generated."""
    return orjson.dumps(dataclasses.replace(a, generated_at="")) == orjson.dumps(
        dataclasses.replace(b, generated_at=""))


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_cached_result_is_the_engines_for_every_sample_and_tumor_type(full_kb, name):
    cache = MatchCache(64)
    for report in _reports(full_kb, name):
        norm = normalize_report(report, full_kb)
        own = resolve_tumor(full_kb, report.tumor_type)
        tumors = [own] + [full_kb.oncotree.resolve(c) if c else None for c in OTHER_TUMORS]
        for tumor in tumors:
            fields = {"report_id": report.report_id, "warnings": list(norm.warnings),
                      "sample": report.sample, "source_format": report.source_format}
            expected = match(norm.alterations, full_kb, tumor, **fields)
            first = cache.match(norm.alterations, full_kb, tumor, **fields)
            again = cache.match(norm.alterations, full_kb, tumor, **fields)
            assert _same(first, expected) and _same(again, expected)
            # the encoder's shortcut gives the same bytes as orjson itself
            assert cache.encode(again) == orjson.dumps(again)
    assert cache.hits >= cache.misses > 0


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_stored_form_from_the_cache_is_the_codecs_for_every_sample_and_tumor_type(full_kb, name):
    """What the store keeps (compact JSON, compressed detail, alteration rows) is the same
    whether the result was split whole or from the parts its cache entry split once."""
    import datetime as dt
    import zlib

    from matcher.model import Specimen
    from matcher.render.compact import full_view
    from matcher.service import result_codec
    from matcher.service.alterations import alteration_rows

    cache = MatchCache(64)
    when = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    for report in _reports(full_kb, name):
        norm = normalize_report(report, full_kb)
        own = resolve_tumor(full_kb, report.tumor_type)
        tumors = [own] + [full_kb.oncotree.resolve(c) if c else None for c in OTHER_TUMORS]
        for tumor in tumors:
            for rid, extra in (("A", {"patient_id": "P-1", "lab": "lab A"}),
                               ("B", {"specimen": Specimen(id="S-2", type=None,
                                                           tumor_content=40.0)})):
                got = cache.match(norm.alterations, full_kb, tumor, report_id=rid,
                                  warnings=["w " + rid], sample=report.sample, **extra)
                memo = cache.memo(got)
                assert memo is not None
                shared = result_codec.encode_shared(got, memo)
                whole = result_codec.encode(got)
                assert shared.result_json == whole.result_json
                assert zlib.decompress(shared.detail) == zlib.decompress(whole.detail)
                assert result_codec.full_result(shared.result_json, shared.detail) == \
                    full_view(orjson.loads(orjson.dumps(got)))
                row = {"report_pk": 1, "lab": "l", "report_id": rid, "version": 1,
                       "is_current": True, "created_at": when}
                assert alteration_rows(shared.full, **row) == alteration_rows(whole.full, **row)
    # a result the cache did not give has no memo, and is split whole
    plain = match(norm.alterations, full_kb, own, report_id="C")
    assert cache.memo(plain) is None
    assert result_codec.encode_shared(plain, None).result_json == \
        result_codec.encode(plain).result_json


def test_each_answer_carries_its_own_report_fields(kb):
    (report,) = _reports(kb, "atc_braf_v600e.json")
    norm = normalize_report(report, kb)
    tumor = resolve_tumor(kb, report.tumor_type)
    cache = MatchCache(8)
    a = cache.match(norm.alterations, kb, tumor, report_id="A", warnings=["from A"], sample="SA")
    b = cache.match(norm.alterations, kb, tumor, report_id="B", warnings=["from B"], lab="lab-b")
    assert (cache.misses, cache.hits) == (1, 1)
    assert (a.report_id, a.warnings, a.sample, a.lab) == ("A", ("from A",), "SA", None)
    assert (b.report_id, b.warnings, b.sample, b.lab) == ("B", ("from B",), None, "lab-b")
    assert b.therapy_options is a.therapy_options  # the match itself is shared


def test_no_tumor_type_warning_is_kept_after_the_callers_warnings(kb):
    (report,) = _reports(kb, "fusioncatcher_ccdc6_ret.final-list_candidate-fusion-genes.txt")
    norm = normalize_report(report, kb)
    cache = MatchCache(8)
    for rid in ("A", "B"):
        got = cache.match(norm.alterations, kb, None, report_id=rid, warnings=["mine"])
        want = match(norm.alterations, kb, None, report_id=rid, warnings=["mine"])
        assert got.warnings == want.warnings and got.warnings[0] == "mine"
        assert len(got.warnings) == 2  # the engine's "No tumor type given" after it


def test_keyed_by_tumor_type(kb):
    (report,) = _reports(kb, "atc_braf_v600e.json")
    norm = normalize_report(report, kb)
    cache = MatchCache(8)
    thap, mel = kb.oncotree.resolve("THAP"), kb.oncotree.resolve("MEL")
    in_thap = cache.match(norm.alterations, kb, thap, report_id="R")
    in_mel = cache.match(norm.alterations, kb, mel, report_id="R")
    assert cache.misses == 2 and len(cache) == 2
    assert in_thap.tumor_type.code == "THAP" and in_mel.tumor_type.code == "MEL"
    assert _same(in_mel, match(norm.alterations, kb, mel, report_id="R"))
    # the answers differ beyond the tumor type: MEL was not served THAP's match
    assert not _same(dataclasses.replace(in_thap, tumor_type=None),
                     dataclasses.replace(in_mel, tumor_type=None))


def test_keyed_by_kb_hash_and_kb_object(kb):
    (report,) = _reports(kb, "atc_braf_v600e.json")
    norm = normalize_report(report, kb)
    tumor = resolve_tumor(kb, report.tumor_type)
    cache = MatchCache(8)
    cache.match(norm.alterations, kb, tumor, report_id="R")
    other_hash = dataclasses.replace(kb, hash="0" * 64)
    # a KB with the same hash but other content (trial statuses overlaid): another object
    overlaid = dataclasses.replace(kb, trials={})
    for other in (other_hash, overlaid):
        got = cache.match(norm.alterations, other, tumor, report_id="R")
        assert _same(got, match(norm.alterations, other, tumor, report_id="R"))
    assert cache.misses == 3 and cache.hits == 0
    assert MatchCache.key(norm.alterations, kb, tumor)[0] == kb.hash
    cache.match(norm.alterations, kb, tumor, report_id="R")
    assert cache.hits == 1


def test_lru_stays_within_its_size_and_evicts_the_least_recent(kb):
    (report,) = _reports(kb, "atc_braf_v600e.json")
    norm = normalize_report(report, kb)
    cache = MatchCache(2)
    codes = ["THAP", "MEL", "THAP", "LUAD", "MEL"]
    for code in codes:
        cache.match(norm.alterations, kb, kb.oncotree.resolve(code), report_id="R")
        assert len(cache) <= 2
    # THAP miss, MEL miss, THAP hit, LUAD miss (evicts MEL), MEL miss again
    assert (cache.misses, cache.hits) == (4, 1)


def test_size_zero_is_off(kb):
    (report,) = _reports(kb, "atc_braf_v600e.json")
    norm = normalize_report(report, kb)
    cache = MatchCache(0)
    cache.match(norm.alterations, kb, None, report_id="R")
    assert len(cache) == 0 and cache.misses == cache.hits == 0


def test_match_report_with_and_without_a_cache(kb):
    cache = MatchCache(8)
    for name in ("atc_braf_v600e.json", "nsclc_kras_g12c.json", "ucec_msi_h_dmmr.json"):
        (report,) = _reports(kb, name)
        for _ in range(2):
            assert _same(match_report(report, kb, cache=cache), match_report(report, kb))
    assert cache.hits == 3


def _submit(client, auth, doc):
    r = client.post("/v1/reports", data=json.dumps(doc), headers={
        **auth, "Content-Type": "application/json"})
    assert r.status_code == 201, r.data[:300]
    return r.get_json()


def test_service_answers_and_rows_are_the_same_with_and_without_the_cache(make_app):
    from matcher.service.alterations import alteration_rows
    from matcher.service.auth import create_key

    doc = json.loads((SAMPLES / "atc_braf_v600e.json").read_text())
    answers = {}
    for size in (0, 16):
        app = make_app(MATCH_CACHE_SIZE=size)
        st = app.extensions["matcher"]
        auth = {"Authorization": f"Bearer {create_key(st.store, f'lab-{size}').key}"}
        client = app.test_client()
        got = [_submit(client, auth, {**doc, "report_id": f"C-{n}"}) for n in range(3)]
        assert st.match_cache.hits == (2 if size else 0)
        for rec in got:
            stored = st.store.get(f"lab-{size}", rec["report_id"])
            rows = alteration_rows(stored.result, report_pk=stored.id, lab=stored.lab,
                                   report_id=stored.report_id, version=1, is_current=True,
                                   created_at=stored.created_at)
            assert rows and _stored_rows(st.store, stored.id) == _comparable(rows)
        answers[size] = [{**rec["result"], "generated_at": "", "report_id": ""} for rec in got]
    assert answers[0] == answers[16]


def _comparable(rows):
    return sorted((r["alteration_id"], r["gene"], r["change"], r["status"], r["oncogenicity"],
                   r["tumor_type"]) for r in rows)


def _stored_rows(store, report_pk):
    from sqlalchemy import select

    from matcher.service.store_models import report_alterations as t

    with store.engine.connect() as conn:
        rows = conn.execute(select(t).where(t.c.report_pk == report_pk)).mappings().all()
    return _comparable(rows)
