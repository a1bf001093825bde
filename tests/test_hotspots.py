"""Hotspot alleles, residues, indel ranges and gene spans, on the shipped reference files."""

from __future__ import annotations

import gzip
import importlib.util
import random
from pathlib import Path

import pytest

from matcher.errors import InputError, KnowledgeBaseError
from matcher.reference.hotspots import (
    GeneSpans,
    HotspotIndex,
    canonical_build,
    canonical_chrom,
    contig_name,
    merge_regions,
)
from matcher.reference.tumors import default_reference_dir

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def index() -> HotspotIndex:
    return HotspotIndex.load()


@pytest.fixture(scope="module")
def spans() -> GeneSpans:
    return GeneSpans.load()


# ----------------------------------------------------------------------------- alleles
@pytest.mark.parametrize("build,chrom,pos,ref,alt", [
    ("GRCh37", "7", 140453136, "A", "T"),
    ("GRCh37", "chr7", 140453136, "a", "t"),
    ("hg19", "7", 140453135, "CA", "TT"),       # di-nucleotide form listed in the VCF
    ("GRCh37", "7", 140453135, "CA", "CT"),     # MNV with a shared leading base
    ("GRCh37", "7", 140453136, "AC", "TC"),     # MNV with a shared trailing base
    ("GRCh37", "7", 140453135, "CAC", "CTC"),
    ("GRCh38", "chr7", 140753336, "A", "T"),
    ("GRCh38", "7", 140753335, "CA", "TT"),
])
def test_braf_v600e_in_every_spelling(index, build, chrom, pos, ref, alt):
    hit = index.lookup(build, chrom, pos, ref, alt)
    assert hit is not None
    assert (hit.gene, hit.protein, hit.residue) == ("BRAF", "V600E", 600)
    assert hit.kind in ("HOTSPOT", "HOTSPOT3D")


def test_other_braf_v600_changes_are_told_apart(index):
    assert index.lookup("GRCh37", "7", 140453136, "AC", "TT").protein == "V600K"
    assert index.lookup("GRCh37", "7", 140453136, "A", "C").protein == "V600G"
    assert index.lookup("GRCh37", "7", 140453135, "C", "T").protein == "V600V"


@pytest.mark.parametrize("build,chrom,ref,alt,pos", [
    ("GRCh37", "7", "A", "T", 140453137),   # a base off
    ("GRCh37", "7", "A", "<DEL>", 140453136),  # symbolic allele
    ("GRCh37", "7", "A", "A", 140453136),
    ("GRCh37", "7", "CAC", "TTT", 140453135),  # three changed bases: not a listed change
    ("GRCh38", "7", "A", "T", 140453136),   # GRCh37 coordinate asked as GRCh38
    ("GRCh37", "chrUn_gl000220", "A", "T", 1),
])
def test_non_hotspots(index, build, chrom, ref, alt, pos):
    assert index.lookup(build, chrom, pos, ref, alt) is None


def test_tert_promoter_names_in_both_builds(index):
    c228 = index.lookup("GRCh37", "5", 1295228, "G", "A")
    c250 = index.lookup("GRCh37", "chr5", 1295250, "G", "A")
    assert (c228.gene, c228.protein, c228.kind) == ("TERT", "C228T", "HOTSPOTNC")
    assert (c250.gene, c250.protein) == ("TERT", "C250T")
    # c. positions on the canonical TERT transcript (NM_198253 / ENST00000310581)
    assert (c228.hgvsc, c250.hgvsc) == ("c.-124C>T", "c.-146C>T")
    grch38 = {h.hgvsc: h for h in index.hotspots("GRCh38", "TERT")}
    assert set(grch38) == {c228.hgvsc, c250.hgvsc}
    assert grch38[c228.hgvsc].protein == "C228T"
    assert grch38[c250.hgvsc].protein == "C250T"
    hit = grch38[c228.hgvsc]
    assert index.lookup("GRCh38", "chr5", hit.pos, hit.ref, hit.alt).protein == "C228T"
    assert hit.pos != c228.pos and hit.residue is None


def test_every_listed_allele_is_found_again(index):
    for build in ("GRCh37", "GRCh38"):
        listed = index.hotspots(build)
        assert len(listed) > 20000
        for h in random.Random(7).sample(listed, 2000):
            found = index.lookup(build, "chr" + h.chrom, h.pos, h.ref.lower(), h.alt)
            assert (found.gene, found.protein) == (h.gene, h.protein)


def test_grch38_deletions_lifted_from_grch37(index):
    grch37 = [h for h in index.hotspots("GRCh37", "EGFR") if h.protein == "E746_A750del"]
    grch38 = [h for h in index.hotspots("GRCh38", "EGFR") if h.protein == "E746_A750del"]
    assert grch37 and grch38
    assert {h.source for h in grch37} == {"vcf"} and {h.source for h in grch38} == {"lifted"}
    # shifted by the same GRCh37 -> GRCh38 offset as EGFR L858R, which both VCFs list
    l858r = {b: [h for h in index.hotspots(b, "EGFR") if h.protein == "L858R"]
             for b in ("GRCh37", "GRCh38")}
    offset = l858r["GRCh38"][0].pos - l858r["GRCh37"][0].pos
    assert offset != 0
    assert [h.pos - offset for h in grch38] == [h.pos for h in grch37]
    assert [(h.ref, h.alt) for h in grch38] == [(h.ref, h.alt) for h in grch37]
    assert all(h38.chrom == "7" for h38 in grch38)
    hit = index.lookup("GRCh38", "chr7", grch38[0].pos, grch38[0].ref, grch38[0].alt)
    assert (hit.gene, hit.protein, hit.source) == ("EGFR", "E746_A750del", "lifted")
    lifted = [h for h in index.hotspots("GRCh38") if h.source == "lifted"]
    assert lifted and all(len(h.ref) != len(h.alt) for h in lifted)


def test_unknown_build_is_an_input_error(index):
    with pytest.raises(InputError) as info:
        index.lookup("hg17", "7", 140453136, "A", "T")
    assert info.value.problems[0].field == "genome_build"


@pytest.mark.parametrize("pos", [0, -5, "x", None, "1.5"])
def test_bad_position_is_an_input_error(index, spans, pos):
    with pytest.raises(InputError) as info:
        index.lookup("GRCh37", "7", pos, "A", "T")
    assert info.value.problems[0].field == "pos"
    with pytest.raises(InputError):
        spans.genes_at("GRCh37", "7", pos)


# ----------------------------------------------------------------------------- residues
def test_hotspot_residues(index):
    for gene, pos in (("BRAF", 600), ("KRAS", 12), ("PIK3CA", 1047), ("EGFR", 858)):
        assert index.is_hotspot_residue(gene, pos), (gene, pos)
    assert not index.is_hotspot_residue("BRAF", 1)
    assert not index.is_hotspot_residue("NOTAGENE", 600)
    assert not index.is_hotspot_residue("TERT", 228)  # promoter names are not residues


def test_indel_hotspots(index):
    assert index.in_indel_hotspot("KIT", 557)
    assert index.in_indel_hotspot("EGFR", 746, 750)
    assert index.in_indel_hotspot("EGFR", 740, 745)  # overlaps the start of 745-759
    assert not index.in_indel_hotspot("EGFR", 740, 744)
    assert not index.in_indel_hotspot("KIT", 600)
    assert not index.in_indel_hotspot("NOTAGENE", 1)


def test_splice_hotspots(index):
    assert index.is_splice_hotspot("GRCh37", "ARID1A", "c.2732")
    assert not index.is_splice_hotspot("GRCh37", "ARID1A", "c.2731")


def test_hotspot_regions_cover_every_allele(index):
    regions = index.regions("GRCh37")
    assert regions == merge_regions(regions)
    for a, b in zip(regions, regions[1:]):
        assert a[0] != b[0] or a[2] < b[1]
    by_chrom: dict[str, list[tuple[int, int]]] = {}
    for chrom, start, end in regions:
        by_chrom.setdefault(chrom, []).append((start, end))
    for h in random.Random(3).sample(index.hotspots("GRCh37"), 500):
        assert any(s <= h.pos - 1 and h.pos - 1 + len(h.ref) <= e for s, e in by_chrom[h.chrom])
    braf = index.regions("GRCh38", ["BRAF"])
    assert braf and {c for c, _, _ in braf} == {"7"}
    assert any(s <= 140753335 < e for _, s, e in braf)
    assert index.regions("GRCh38", []) == []


def test_merge_regions():
    assert merge_regions([("2", 5, 9), ("1", 10, 20), ("1", 20, 25), ("1", 3, 4)]) == [
        ("1", 3, 4), ("1", 10, 25), ("2", 5, 9)]


def test_contig_name():
    assert contig_name("7", ["chr1", "chr7"]) == "chr7"
    assert contig_name("chrM", ["1", "MT"]) == "MT"
    assert contig_name("MT", ["chr1", "chrM"]) == "chrM"
    assert contig_name("8", ["chr1", "chr7"]) is None


def test_canonical_names():
    assert [canonical_chrom(c) for c in ("chr7", "7", "chrM", "M", "MT", "chrx")] == [
        "7", "7", "MT", "MT", "MT", "X"]
    assert canonical_build("hg38") == "GRCh38" and canonical_build("GRCh37") == "GRCh37"


# ----------------------------------------------------------------------------- gene spans
def test_genes_at_braf(spans):
    assert spans.genes_at("GRCh38", "chr7", 140753336) == ["BRAF"]
    assert spans.genes_at("GRCh37", "7", 140453136) == ["BRAF"]
    chrom, start, end = spans.span("BRAF", "GRCh38")
    assert chrom == "7" and start < 140753336 < end
    assert spans.genes_at("GRCh38", "7", start) == ["BRAF"]
    assert spans.genes_at("GRCh38", "7", end) == ["BRAF"]
    assert "BRAF" not in spans.genes_at("GRCh38", "7", end + 1)
    assert spans.genes_at("GRCh38", "chrUn_gl000220", 5) == []
    assert spans.span("NOTAGENE", "GRCh38") is None


def test_genes_at_agrees_with_a_linear_scan(spans):
    with gzip.open(default_reference_dir() / "gene_spans.tsv.gz", "rt") as fh:
        rows = [line.split("\t") for line in fh.read().splitlines()[1:]]
    rows = [r for r in rows if r[1] == "GRCh38" and r[2] == "17"]
    rng = random.Random(11)
    probes = [rng.randint(1, 83_000_000) for _ in range(300)]
    probes += [int(r[3]) for r in rng.sample(rows, 100)]
    several = 0
    for pos in probes:
        expected = sorted(r[0] for r in rows if int(r[3]) <= pos <= int(r[4]))
        assert spans.genes_at("GRCh38", "17", pos) == expected
        several += len(expected) > 1
    assert several > 0  # overlapping genes were exercised


def test_grch37_covers_genes_beyond_civic(spans):
    assert len(spans.genes("GRCh37")) > 18000
    for gene in ("A1BG", "EGFR", "BRAF"):
        chrom, start, end = spans.span(gene, "GRCh37")
        assert chrom == spans.span(gene, "GRCh38")[0]
        assert spans.strand(gene, "GRCh37") == spans.strand(gene, "GRCh38")
        assert spans.genes_at("GRCh37", chrom, (start + end) // 2).count(gene) == 1


def test_gene_regions(spans):
    chrom, start, end = spans.span("EGFR", "GRCh37")
    assert spans.regions("hg19", ["EGFR", "NOTAGENE"]) == [(chrom, start - 1, end)]
    assert spans.regions("GRCh38", ["BRAF", "EGFR"], pad=10)[0][1] == (
        spans.span("EGFR", "GRCh38")[1] - 11)
    assert len(spans.genes("GRCh38")) > 18000
    assert spans.strand("BRAF", "GRCh38") == "-"


def test_malformed_reference_file_names_the_line(tmp_path):
    with gzip.open(tmp_path / "gene_spans.tsv.gz", "wt") as fh:
        fh.write("gene\tbuild\tchrom\tstart\tend\tstrand\nBRAF\tGRCh38\t7\tone\t2\t-\n")
    with pytest.raises(KnowledgeBaseError) as info:
        GeneSpans.load(tmp_path)
    assert info.value.problems[0].line == 2
    with gzip.open(tmp_path / "hotspots.tsv.gz", "wt") as fh:
        fh.write("build\tchrom\tpos\tref\talt\tgene\thgvsp\thgvsc\tkind\tsource\n")
        fh.write("GRCh37\t7\t140453136\tA\tT\tBRAF\n")
    with pytest.raises(KnowledgeBaseError) as info:
        HotspotIndex.load(tmp_path)
    assert info.value.problems[0].line == 2


# ----------------------------------------------------------------------------- the build script
def _script():
    spec = importlib.util.spec_from_file_location("make_reference",
                                                  REPO / "scripts" / "make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_writes_reproducible_gzip(tmp_path):
    script = _script()
    script.write_text(tmp_path / "a.tsv.gz", "x\ty\n1\t2\n")
    first = (tmp_path / "a.tsv.gz").read_bytes()
    script.write_text(tmp_path / "a.tsv.gz", "x\ty\n1\t2\n")
    assert (tmp_path / "a.tsv.gz").read_bytes() == first
    assert first[4:8] == b"\0\0\0\0"  # gzip mtime
    assert script.tert_promoter_name("G", "A", 1295228) == "C228T"
    assert script.upstream_hgvsc(1295228, "G", "A", "-", 1295104) == "c.-124C>T"
    assert script.upstream_hgvsc(90, "G", "A", "+", 100) == "c.-10G>A"
    assert script.bare_chrom("chrM") == "MT" and script.bare_chrom("chr10") == "10"


def test_script_lifts_spans_through_a_chain(tmp_path):
    script = _script()
    # 1:1001-1100 -> 2:5001-5100 (+); 1:2001-2100 -> reverse strand of a 10,000-base contig
    (tmp_path / "a.chain").write_text(
        "chain 100 chr1 100000 + 1000 1100 chr2 90000 + 5000 5100 1\n60 10 0\n30\n\n"
        "chain 90 chr1 100000 + 2000 2100 3 10000 - 0 100 2\n100\n\n"
        "chain 80 chr1 100000 + 3000 3100 chr2_alt 500 + 0 100 3\n100\n")
    chains = script.read_chain(tmp_path / "a.chain")
    assert script.lift_span(chains, "1", 1001, 1100, "+") == ("2", 5001, 5090, "+")
    assert script.lift_span(chains, "1", 2001, 2100, "+") == ("3", 9901, 10000, "-")
    assert script.lift_span(chains, "1", 3001, 3100, "+") is None  # alt contigs are ignored
    assert script.lift_span(chains, "1", 901, 1100, "-") is None  # less than half covered
    assert script.lift_point(chains, "1", 1001, 1) == ("2", 5001)
    assert script.lift_point(chains, "1", 1071, 5) == ("2", 5061)  # second block, after a gap
    assert script.lift_point(chains, "1", 1058, 5) is None  # runs into the gap
    assert script.lift_point(chains, "1", 2001, 1) is None  # reverse-strand chain
