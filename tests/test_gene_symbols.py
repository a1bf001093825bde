"""Current HGNC symbols (issue 10 item 7), tested from the tables rather than by hand-picked cases:
the shipped HGNC table, the HGNC renames of 2024-10-18 → 2025-10-07, the KB's genes and the
reference tables the normaliser looks genes up in."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import shutil
from pathlib import Path

import pytest

from matcher.errors import AmbiguousGeneError
from matcher.reference.genes import GENE_TABLE, GeneIndex, default_reference_dir

ROOT = Path(__file__).resolve().parent.parent
CHANGES = Path(__file__).parent / "data" / "hgnc" / \
    "hgnc_symbol_changes.2024-10-18_to_2025-10-07.tsv"


@pytest.fixture(scope="module")
def genes() -> GeneIndex:
    return GeneIndex.load()


@pytest.fixture(scope="module")
def table() -> list[dict[str, str]]:
    with gzip.open(default_reference_dir() / GENE_TABLE, "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_h3_3a_is_known_and_its_previous_symbol_resolves_to_it(genes):
    assert genes.is_approved("H3-3A")
    assert (genes.resolve("H3F3A").symbol, genes.resolve("H3F3A").status) == ("H3-3A", "previous")
    assert genes.resolve("HIST1H3B").symbol == "H3C2"


def test_every_2025_rename_is_applied():
    """Each HGNC rename of 2024-10-18 → 2025-10-07: the new symbol is approved, the old one a
    previous symbol of that gene (same HGNC id)."""
    genes = GeneIndex.load()
    with CHANGES.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == 91
    for row in rows:
        old, new = row["symbol_2024_10_18"], row["symbol_2025_10_07"]
        assert genes.is_approved(new), new
        assert genes.record(new).hgnc_id == row["hgnc_id"]
        assert old in genes.record(new).prev_symbols
        look = genes.resolve(old)
        assert (look.symbol, look.status) == (new, "previous"), old


def test_every_unique_previous_symbol_resolves_to_the_current_gene(genes, table):
    """Every previous symbol of exactly one gene that is no approved symbol reads as that gene;
    every previous symbol of several genes is refused, never guessed."""
    approved = {r["symbol"].upper() for r in table}
    owners: dict[str, set[str]] = {}
    for r in table:
        for old in filter(None, r["prev_symbol"].split("|")):
            owners.setdefault(old.upper(), set()).add(r["symbol"])
    unique = shared = 0
    for old, of in owners.items():
        if old in approved:
            continue
        if len(of) == 1:
            look = genes.resolve(old)
            assert (look.symbol, look.status) == (next(iter(of)), "previous"), old
            unique += 1
        else:
            with pytest.raises(AmbiguousGeneError) as info:
                genes.resolve(old)
            assert set(info.value.candidates) >= of
            shared += 1
    assert unique > 10_000 and shared > 10


def test_every_kb_gene_symbol_is_current(full_kb):
    """Every gene the KB names (gene files and every criterion of every item) is approved."""
    symbols = set(full_kb.genes)
    for e in full_kb.all_evidence():
        symbols |= {g for g, _ in e.criterion.items} | {e.gene} - {None}
        if e.criterion.partner:
            symbols.add(e.criterion.partner)
    assert len(symbols) > 100
    stale = sorted(s for s in symbols if not full_kb.hgnc.is_approved(s))
    assert not stale, f"KB genes not approved by HGNC: {stale}"


REFERENCE_TABLES = ("hotspots.tsv.gz", "hotspot_indels.tsv", "hotspot_splice.tsv",
                    "gene_spans.tsv.gz", "mane_transcripts.tsv.gz", "protein_exons.tsv.gz")


@pytest.mark.parametrize("name", REFERENCE_TABLES)
def test_reference_tables_name_genes_by_current_symbols(genes, name):
    """No reference table keeps a symbol that HGNC now spells otherwise (a lookup of the current
    symbol would miss it): every gene is approved, or not a previous symbol of one gene."""
    path = default_reference_dir() / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        symbols = {r["gene"] for r in csv.DictReader(fh, delimiter="\t")}
    stale = []
    for s in symbols:
        if genes.is_approved(s):
            continue
        try:
            if genes.resolve(s).status == "previous":
                stale.append(s)
        except AmbiguousGeneError:
            pass
    assert not stale, f"{name}: run scripts/current_symbols.py ({sorted(stale)[:10]})"


def test_current_symbols_script_is_idempotent_on_the_shipped_tables(tmp_path):
    """Re-running scripts/current_symbols.py changes no byte of the shipped tables."""
    ref = tmp_path / "reference"
    ref.mkdir()
    for name in (GENE_TABLE, *REFERENCE_TABLES):
        shutil.copyfile(default_reference_dir() / name, ref / name)
    counts = _script("current_symbols").rename_all(ref)
    assert all(renamed == dropped == 0 for renamed, dropped in counts.values()), counts
    for name in REFERENCE_TABLES:
        assert (ref / name).read_bytes() == (default_reference_dir() / name).read_bytes()


def test_current_symbols_renames_and_keeps_the_current_row(tmp_path):
    ref = tmp_path
    shutil.copyfile(default_reference_dir() / GENE_TABLE, ref / GENE_TABLE)
    (ref / "gene_spans.tsv.gz").write_bytes(gzip.compress(
        b"gene\tbuild\tchrom\tstart\tend\tstrand\tsource\n"
        b"H3F3A\tGRCh37\t1\t1\t9\t+\tEnsembl 75\n"
        b"H3-3A\tGRCh37\t1\t2\t9\t+\tMANE v1.0 lifted\n"
        b"H3F3A\tGRCh38\t1\t3\t9\t+\tMANE v1.0\n"
        b"LAM\tGRCh38\t1\t4\t9\t+\tx\n"))
    counts = _script("current_symbols").rename_all(ref, {"gene_spans.tsv.gz": ("build",)})
    assert counts == {"gene_spans.tsv.gz": (1, 1)}
    lines = gzip.decompress((ref / "gene_spans.tsv.gz").read_bytes()).decode().splitlines()
    assert [line.split("\t")[:2] for line in lines[1:]] == [
        ["H3-3A", "GRCh37"], ["H3-3A", "GRCh38"], ["LAM", "GRCh38"]]


def test_make_hgnc_applies_renames():
    make_hgnc = _script("make_hgnc")
    rows = [("HGNC:11398", "STK19", "G11|WHR1", "", "protein-coding gene", "8859", "E1"),
            ("HGNC:1", "A1BG", "", "", "protein-coding gene", "1", "E2")]
    changes = ["hgnc_id\tsymbol_2024_10_18\tsymbol_2025_10_07\n", "HGNC:11398\tSTK19\tWHR1\n"]
    assert make_hgnc.apply_changes(rows, changes) == 1
    assert rows[0][1:4] == ("WHR1", "G11", "STK19")
    with pytest.raises(ValueError, match="already approved"):
        make_hgnc.apply_changes(rows, ["hgnc_id\ta\tb\n", "HGNC:1\tA1BG\tWHR1\n"])
    with pytest.raises(ValueError, match="not STK19"):
        make_hgnc.apply_changes(rows, ["hgnc_id\ta\tb\n", "HGNC:11398\tSTK19\tX\n"])


def test_h3f3a_k27m_in_a_lab_report_meets_current_h3_3a_evidence(full_kb):
    """A lab writing the old symbol gets the gene's current name, its hotspot and its evidence."""
    import json

    from matcher.pipeline import run

    doc = {"report_id": "H3", "tumor_type": "DIFG",
           "variants": [{"gene": "H3F3A", "protein_change": "p.K28M"}]}
    result = run(json.dumps(doc).encode(), kb=full_kb)[0]
    (outcome,) = result.alterations
    assert outcome.alteration.gene == "H3-3A" and outcome.alteration.variant.hotspot
    assert outcome.status == "matched"
    assert any("H3F3A" in w and "H3-3A" in w for w in result.warnings)
