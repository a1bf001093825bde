"""matcher.reference.genes: HGNC symbol resolution, the shipped table, and scripts/make_hgnc.py."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import pytest

from matcher.errors import AmbiguousGeneError, InputError, KnowledgeBaseError
from matcher.reference.genes import GENE_TABLE, GeneIndex, GeneLookup, default_reference_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def genes() -> GeneIndex:
    return GeneIndex.load()


# ----------------------------------------------------------------------------- KNOWLEDGE.md facts
@pytest.mark.parametrize("given, symbol, status", [
    ("TSC4", "TSC2", "previous"),
    ("KRAS2", "KRAS", "previous"),
    ("HRAS1", "HRAS", "previous"),
    ("BRAF1", "BRAF", "alias"),
    ("TRKC", "NTRK3", "alias"),
    ("CD246", "ALK", "alias"),
])
def test_previous_and_alias_symbols(genes, given, symbol, status):
    lookup = genes.resolve(given)
    assert (lookup.symbol, lookup.status, lookup.input) == (symbol, status, given)
    assert lookup.candidates[0] == symbol


def test_lam_is_ambiguous_and_not_guessed(genes):
    with pytest.raises(AmbiguousGeneError) as info:
        genes.resolve("LAM")
    error = info.value
    assert error.candidates == ("TSC1", "TSC2")
    assert "TSC1" in error.message and "TSC2" in error.message and "'LAM'" in error.message
    assert error.to_problem()["candidates"] == ["TSC1", "TSC2"]
    assert error.status == 422
    assert isinstance(error, InputError)


def test_previous_symbol_of_several_genes_is_ambiguous(genes):
    with pytest.raises(AmbiguousGeneError) as info:
        genes.resolve("AMY2")
    assert set(info.value.candidates) >= {"AMY2A", "AMY2B"}


# ----------------------------------------------------------------------------- rules
@pytest.mark.parametrize("given, symbol", [
    ("BRAF", "BRAF"), ("braf", "BRAF"), (" Braf ", "BRAF"), ("tsc4", "TSC2"),
    ("c1orf21", "C1orf21"), ("HLA-A", "HLA-A"), ("NKX2-1", "NKX2-1"), ("tuberin", "TSC2"),
])
def test_case_insensitive(genes, given, symbol):
    assert genes.resolve(given).symbol == symbol


def test_approved_symbol_wins_over_another_genes_alias(genes):
    # MET is approved for MET and an alias of SLTM.
    lookup = genes.resolve("MET")
    assert lookup == GeneLookup("MET", "approved", "MET", ("MET", "SLTM"))


def test_previous_symbol_wins_over_another_genes_alias(genes):
    # HRAS1: previous symbol of HRAS, alias of RASSF7. The other reading stays visible.
    assert genes.resolve("HRAS1").candidates == ("HRAS", "RASSF7")
    # TSC: previous symbol of TSC1, alias of TESC.
    assert genes.resolve("TSC").symbol == "TSC1"


@pytest.mark.parametrize("given, kept", [("FOO1", "FOO1"), ("notagene", "NOTAGENE"),
                                         ("EML4ALK", "EML4ALK")])
def test_unknown_symbol_is_kept_not_guessed(genes, given, kept):
    assert genes.resolve(given) == GeneLookup(kept, "unknown", given, ())


@pytest.mark.parametrize("given", ["", "   ", None])
def test_empty_symbol_is_an_input_error(genes, given):
    with pytest.raises(InputError):
        genes.resolve(given)


def test_is_approved_is_exact(genes):
    assert genes.is_approved("BRAF")
    assert genes.is_approved("C1orf21")
    assert not genes.is_approved("braf")
    assert not genes.is_approved("BRAF1")
    assert not genes.is_approved("LAM")


def test_is_known_and_contains(genes):
    assert genes.is_known("braf1") and "TRKC" in genes and "LAM" in genes
    assert not genes.is_known("FOO1") and "FOO1" not in genes and 42 not in genes


def test_record(genes):
    record = genes.record("alk")
    assert (record.hgnc_id, record.symbol, record.entrez_id, record.ensembl_gene_id) == (
        "HGNC:427", "ALK", "238", "ENSG00000171094")
    assert "CD246" in record.alias_symbols and record.locus_group == "protein-coding gene"
    assert genes.record("TSC2").prev_symbols == ("TSC4",)
    assert genes.record("CD246") is None  # records are looked up by approved symbol


# ----------------------------------------------------------------------------- loading
def test_default_reference_dir():
    assert default_reference_dir().resolve() == ROOT / "knowledgebase" / "reference"
    assert (default_reference_dir() / GENE_TABLE).is_file()


def test_load_from_file_or_directory():
    by_dir = GeneIndex.load(default_reference_dir())
    by_file = GeneIndex.load(str(default_reference_dir() / GENE_TABLE))
    assert len(by_dir) == len(by_file) > 40_000


def test_missing_table_is_a_knowledge_base_error(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="cannot read"):
        GeneIndex.load(tmp_path)


@pytest.mark.parametrize("content", [
    b"symbol\tname\nBRAF\tB-Raf\n",
    b"hgnc_id\tsymbol\talias_symbol\tprev_symbol\tlocus_group\tentrez_id\tensembl_gene_id\n"
    b"HGNC:1\tBRAF\n",
])
def test_malformed_table_is_a_knowledge_base_error(tmp_path, content):
    path = tmp_path / GENE_TABLE
    path.write_bytes(gzip.compress(content))
    with pytest.raises(KnowledgeBaseError):
        GeneIndex.load(path)


def test_not_gzip_is_a_knowledge_base_error(tmp_path):
    path = tmp_path / GENE_TABLE
    path.write_text("hgnc_id\tsymbol\n")
    with pytest.raises(KnowledgeBaseError):
        GeneIndex.load(path)


# ----------------------------------------------------------------------------- shipped table
def test_shipped_table_is_slim_and_reproducible():
    data = (default_reference_dir() / GENE_TABLE).read_bytes()
    assert data[:2] == b"\x1f\x8b"
    assert data[4:8] == b"\x00\x00\x00\x00", "gzip mtime must be 0"
    assert not data[3] & 0x08, "gzip header must not carry a file name"
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    assert lines[0].split("\t") == ["hgnc_id", "symbol", "alias_symbol", "prev_symbol",
                                    "locus_group", "entrez_id", "ensembl_gene_id"]
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(r) == 7 for r in rows)
    assert len({r[0] for r in rows}) == len(rows) and len({r[1] for r in rows}) == len(rows)
    assert not any('"' in field for r in rows for field in r)
    assert not any(r[4] == "withdrawn" or "withdrawn" in r[1] for r in rows)
    assert len(data) < 1_500_000


def _make_hgnc():
    spec = importlib.util.spec_from_file_location("make_hgnc", ROOT / "scripts" / "make_hgnc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOURCE = (
    "hgnc_id\tsymbol\tname\tlocus_group\tstatus\talias_symbol\tprev_symbol\tentrez_id\t"
    "ensembl_gene_id\textra\n"
    'HGNC:12363\tTSC2\tTSC complex subunit 2\tprotein-coding gene\tApproved\t'
    '"tuberin|LAM|PPP1R160"\tTSC4\t7249\tENSG00000103197\tx\n'
    "HGNC:9\tOLD~withdrawn\t\twithdrawn\tEntry Withdrawn\t\t\t\t\t\n"
    "HGNC:427\tALK\tALK receptor tyrosine kinase\tprotein-coding gene\tApproved\tCD246\t\t238\t"
    "ENSG00000171094\t\n"
)


def test_make_hgnc_keeps_approved_rows_and_columns():
    make_hgnc = _make_hgnc()
    rows = make_hgnc.slim_rows(SOURCE.splitlines(keepends=True))
    assert rows == [
        ("HGNC:12363", "TSC2", "tuberin|LAM|PPP1R160", "TSC4", "protein-coding gene", "7249",
         "ENSG00000103197"),
        ("HGNC:427", "ALK", "CD246", "", "protein-coding gene", "238", "ENSG00000171094"),
    ]


def test_make_hgnc_output_is_byte_reproducible(tmp_path):
    make_hgnc = _make_hgnc()
    rows = make_hgnc.slim_rows(SOURCE.splitlines(keepends=True))
    first, second = make_hgnc.render(rows), make_hgnc.render(rows)
    assert first == second and first[4:8] == b"\x00\x00\x00\x00"
    path = tmp_path / GENE_TABLE
    path.write_bytes(first)
    index = GeneIndex.load(path)
    assert index.resolve("TSC4").symbol == "TSC2" and len(index) == 2


def test_make_hgnc_refuses_a_source_without_its_columns():
    with pytest.raises(ValueError, match="lacks columns"):
        _make_hgnc().slim_rows(["hgnc_id\tsymbol\n", "HGNC:1\tA\n"])


def test_resolve_is_memoised_but_errors_are_raised_every_time(genes):
    first = genes.resolve("hras1")
    assert genes.resolve("hras1") is first and first.symbol == "HRAS" and first.input == "hras1"
    assert genes.resolve("HRAS").input == "HRAS"  # keyed by the exact text given
    for _ in range(2):
        with pytest.raises(AmbiguousGeneError):
            genes.resolve("LAM")
