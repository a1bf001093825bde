"""Whole-genome-scale VCFs are read where the KB can assess something (issue 13, item 1).

The region tables are checked against the shipped reference data row by row; a generated
WGS-like VCF (both builds; plain, bgzipped, bgzipped + indexed) is matched with a small
``region_threshold_bytes`` and compared with the same file read whole.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
from pathlib import Path

import pysam
import pytest

from matcher.kb.scope import criterion_types_by_gene, whole_span_genes
from matcher.pipeline import _kb_regions, run
from matcher.readers.options import ReadOptions
from matcher.readers.regions import SPAN_PAD
from matcher.readers.vcf_records import RegionFilter
from matcher.reference.coding import load_coding_exons

BUILDS = ("GRCh37", "GRCh38")
REF = Path(__file__).resolve().parent.parent / "knowledgebase" / "reference"


def _rows(name: str) -> list[dict]:
    with gzip.open(REF / name, "rt") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="module")
def plans(full_kb):
    regions = _kb_regions(full_kb)
    return {b: regions.plan(b) for b in BUILDS}


# ----------------------------------------------------------------------------- the tables
def test_every_kb_gene_is_in_the_coding_exon_table_for_both_builds(full_kb):
    """A gene added to the KB without re-running scripts/make_coding_exons.py is caught here
    (at run time it would still be read over its whole span)."""
    coding = load_coding_exons(str(REF))
    for build in BUILDS:
        missing = set(criterion_types_by_gene(full_kb)) - set(coding.genes(build))
        assert not missing, f"{build}: re-run scripts/make_coding_exons.py for {sorted(missing)}"


def test_every_hotspot_allele_of_a_kb_gene_is_read_as_a_small_variant(full_kb, plans):
    keep = {b: RegionFilter(plans[b].small) for b in BUILDS}
    rows = [r for r in _rows("hotspots.tsv.gz") if r["gene"] in full_kb.genes]
    assert len(rows) > 10_000
    missed = [r for r in rows if not keep[r["build"]].contains(r["chrom"], int(r["pos"]))]
    assert missed == []


def test_every_coding_exon_of_the_protein_exon_table_is_read(full_kb, plans):
    """Internal exons lie wholly in the regions; the first and last coding exons (whose table
    span includes UTR) at least overlap them."""
    keep = {b: RegionFilter(plans[b].small) for b in BUILDS}
    rows = [r for r in _rows("protein_exons.tsv.gz") if r["gene"] in full_kb.genes]
    numbers: dict[str, list[int]] = {}
    for r in rows:
        numbers.setdefault(r["gene"], []).append(int(r["exon"]))
    checked, bad = 0, []
    for r in rows:
        terminal = int(r["exon"]) in (min(numbers[r["gene"]]), max(numbers[r["gene"]]))
        for build in BUILDS:
            start, end = r[f"{build.lower()}_start"], r[f"{build.lower()}_end"]
            if not start:
                continue
            inside = [keep[build].contains(r["chrom"], p) for p in range(int(start), int(end) + 1)]
            checked += 1
            if not (any(inside) if terminal else all(inside)):
                bad.append((r["gene"], build, r["exon"]))
    assert checked > 3000 and bad == []


def test_fusion_copy_number_and_model_less_genes_are_read_over_their_whole_span(full_kb, plans):
    whole = whole_span_genes(full_kb)
    assert {"ALK", "RET", "NTRK1", "ERBB2", "MET"} <= set(whole)
    coding = load_coding_exons(str(REF))
    for build, plan in plans.items():
        read, keep = RegionFilter(plan.regions), RegionFilter(plan.small)
        for gene in full_kb.genes:
            span = full_kb.gene_spans.span(gene, build)
            if span is None:
                continue
            chrom, start, end = span
            ends = (max(1, start - SPAN_PAD), start, (start + end) // 2, end, end + SPAN_PAD)
            if gene in whole:
                assert all(read.contains(chrom, p) for p in ends), (gene, build)
            if not coding.has_model(gene, build):  # ROS1: no MANE model in the file
                assert all(keep.contains(chrom, p) for p in ends), (gene, build)
                assert gene in plan.whole


def test_structural_variant_only_parts_are_the_read_regions_outside_the_small_ones(full_kb,
                                                                                   plans):
    """Every base of the read regions is in exactly one of: small-variant regions, SV-only
    regions; nothing outside the read regions is in either."""
    for build, plan in plans.items():
        assert plan.sv_only, build
        read = RegionFilter(plan.regions)
        small, sv = RegionFilter(plan.small), RegionFilter(plan.sv_only)
        for chrom, start, end in plan.regions + plan.sv_only + plan.small:
            for p in {start, start + 1, (start + end) // 2, end - 1, end, end + 1}:
                assert small.contains(chrom, p) + sv.contains(chrom, p) == \
                    read.contains(chrom, p), (build, chrom, p)
        regions = _kb_regions(full_kb)(build)
        assert list(regions) == plan.regions and regions.sv_only == plan.sv_only


def test_no_kb_gene_is_lost_and_a_lost_one_would_be_named(full_kb, plans):
    from matcher.readers.regions import KbRegions
    from matcher.reference.coding import CodingExons
    from matcher.reference.hotspots import GeneSpans
    assert all(plan.lost == () for plan in plans.values())
    spans = GeneSpans([("BRAF", "GRCh38", "7", 140719327, 140924929, "-")])
    plan = KbRegions(["BRAF", "NOSUCH1"], {}, reference_dir=REF, gene_spans=spans,
                     coding=CodingExons([])).plan("GRCh38")
    assert plan.lost == ("NOSUCH1",) and plan.whole == {"BRAF": "no coding-exon model",
                                                        "NOSUCH1": "no coding-exon model"}
    assert plan.describe().endswith("No region is known in this build for NOSUCH1: not read.")
    assert plan.small == plan.regions == [("7", 140719326 - SPAN_PAD, 140924929 + SPAN_PAD)]


def test_genes_without_whole_span_criteria_are_not_read_in_their_introns(full_kb, plans):
    for build, plan in plans.items():
        gene = "TP53"
        assert gene not in plan.whole and gene in plan.exon_genes
        read = RegionFilter(plan.regions)
        chrom, start, end = full_kb.gene_spans.span(gene, build)
        assert sum(read.contains(chrom, p) for p in range(start, end + 1)) < (end - start) / 2


# ----------------------------------------------------------------------------- a WGS-like file
CSQ = "Allele|Consequence|SYMBOL|Feature|EXON|INTRON|HGVSc|HGVSp|CANONICAL|PICK|MANE_SELECT"
LENGTHS = {"GRCh37": {"2": 243199373, "5": 180915260, "7": 159138663, "12": 133851895,
                      "13": 115169878, "17": 81195210},
           "GRCh38": {"2": 242193529, "5": 181538259, "7": 159345973, "12": 133275309,
                      "13": 114364328, "17": 83257441}}


def _hotspot(build: str, gene: str, change: str) -> tuple[str, int, str, str]:
    for r in _rows("hotspots.tsv.gz"):
        if (r["build"], r["gene"], r["hgvsp"]) == (build, gene, change) \
                and len(r["ref"]) == len(r["alt"]) == 1:
            return r["chrom"], int(r["pos"]), r["ref"], r["alt"]
    raise AssertionError(f"no {gene} {change} SNV on {build}")


def _introns(build: str, gene: str, gene_spans, plan) -> list[int]:
    """Positions inside the gene's span but outside every small-variant region (its introns)."""
    chrom, start, end = gene_spans.span(gene, build)
    keep = RegionFilter(plan.small)
    rng = random.Random(f"{build}{gene}")
    out: list[int] = []
    while len(out) < 40:
        p = rng.randint(start + 100, end - 100)
        if not keep.contains(chrom, p) and p not in out:
            out.append(p)
    return sorted(out)


def _wgs_vcf(build: str, full_kb, plan) -> tuple[str, dict]:
    """The VCF text and what was hidden in it."""
    records: list[tuple[str, int, str]] = []  # (chrom, pos, rest of the line)
    fmt = "GT:AD:DP\t0/1:120,98:218"
    for gene, change in (("BRAF", "V600E"), ("KRAS", "G12D"), ("EGFR", "L858R")):
        chrom, pos, ref, alt = _hotspot(build, gene, change)
        records.append((chrom, pos, f".\t{ref}\t{alt}\t60\tPASS\tDP=218\t{fmt}"))
    tert = next(r for r in _rows("hotspots.tsv.gz")
                if (r["build"], r["gene"], r["hgvsp"]) == (build, "TERT", "C228T"))
    records.append((tert["chrom"], int(tert["pos"]),
                    f".\t{tert['ref']}\t{tert['alt']}\t60\tPASS\tDP=218\t{fmt}"))
    # MET exon 14 splice donor (c.3028+1G>A): the base after the exon's last coding base.
    met14 = next(r for r in _rows("protein_exons.tsv.gz")
                 if (r["gene"], r["exon"]) == ("MET", "14"))
    donor = int(met14[f"{build.lower()}_end"]) + 1
    records.append(("7", donor, f".\tG\tA\t60\tPASS\tDP=218;CSQ=A|splice_donor_variant|MET|"
                                f"ENST00000397752||14/20|ENST00000397752:c.3028+1G>A||YES|1|\t"
                                f"{fmt}"))
    # An EML4-ALK breakpoint pair, both ends in introns (ALK: fusion criteria; EML4: partner).
    alk = _introns(build, "ALK", full_kb.gene_spans, plan)[20]
    eml4 = _introns(build, "EML4", full_kb.gene_spans, plan)[20]
    records.append(("2", alk, f"bnd_a\tN\tN]2:{eml4}]\t60\tPASS\tSVTYPE=BND;MATEID=bnd_b\t{fmt}"))
    records.append(("2", eml4, f"bnd_b\tN\tN]2:{alk}]\t60\tPASS\tSVTYPE=BND;MATEID=bnd_a\t{fmt}"))
    # Intronic SNVs: in genes read over their whole span (counted) and in others (not read).
    counted_genes = [g for g in ("ALK", "ERBB2", "MET") if g in plan.whole]
    unread_genes = [g for g in ("TP53", "BRCA2", "APC") if g not in plan.whole]
    intronic: dict[str, list] = {"counted": [], "unread": [], "flanks": []}
    for key, genes in (("counted", counted_genes), ("unread", unread_genes)):
        for gene in genes:
            chrom = full_kb.gene_spans.span(gene, build)[0]
            for pos in _introns(build, gene, full_kb.gene_spans, plan):
                if (chrom, pos) in {(c, p) for c, p, _ in records}:
                    continue
                intronic[key].append((chrom, pos))
                records.append((chrom, pos, ".\tC\tT\t50\tPASS\tDP=60\tGT:AD:DP\t0/1:40,20:60"))
    # Background between genes (never read) to make the file whole-genome-like.
    # Those within SPAN_PAD of a whole-span gene are read and counted too.
    rng = random.Random(build)
    read = RegionFilter(plan.regions)
    for chrom, length in LENGTHS[build].items():
        for _ in range(600):
            pos = rng.randint(10_000, length - 10_000)
            if not full_kb.gene_spans.genes_at(build, chrom, pos):
                records.append((chrom, pos, ".\tA\tG\t50\tPASS\tDP=60\tGT:AD:DP\t0/1:40,20:60"))
                intronic["flanks" if read.contains(chrom, pos) else "unread"].append((chrom, pos))
    records.sort(key=lambda r: (list(LENGTHS[build]).index(r[0]), r[1]))
    header = [
        "##fileformat=VCFv4.2", f"##reference={build}",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total depth">',
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
        '##INFO=<ID=MATEID,Number=.,Type=String,Description="ID of mate breakend">',
        f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'Ensembl VEP. Format: {CSQ}">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        *(f"##contig=<ID={c},length={n}>" for c, n in LENGTHS[build].items()),
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR",
    ]
    text = "\n".join(header + [f"{c}\t{p}\t{rest}" for c, p, rest in records]) + "\n"
    return text, intronic


def _actionable(result) -> set[tuple[str, str]]:
    return {(o.alteration.label, o.status) for o in result.alterations
            if o.status == "matched"}


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("storage", ["indexed", "bgzip", "plain", "bytes"])
def test_wgs_file_read_by_region_finds_every_actionable_call(full_kb, plans, tmp_path, build,
                                                              storage):
    text, intronic = _wgs_vcf(build, full_kb, plans[build])
    path = tmp_path / "wgs.vcf"
    path.write_text(text)
    if storage in ("indexed", "bgzip"):
        pysam.tabix_compress(str(path), str(tmp_path / "wgs.vcf.gz"))
        path = tmp_path / "wgs.vcf.gz"
        if storage == "indexed":
            pysam.tabix_index(str(path), preset="vcf")
    small = ReadOptions(tumor_type="LUAD", region_threshold_bytes=1000)
    whole = ReadOptions(tumor_type="LUAD", region_threshold_bytes=10**9)
    assert path.stat().st_size > small.region_threshold_bytes
    if storage == "bytes":  # an upload: the data path of the reader
        result = run(path.read_bytes(), filename="wgs.vcf", kb=full_kb, options=small)[0]
    else:
        result = run(path=str(path), kb=full_kb, options=small)[0]
    baseline = run(path=str(path), kb=full_kb, options=whole)[0]

    labels = _actionable(result)
    for want in ("BRAF V600E", "KRAS G12D", "EGFR L858R", "EML4::ALK"):
        assert any(want in label for label, _ in labels), (want, labels)
    # TERT C228T has no therapy in the KB: found and assessed, with its annotation if any.
    tert = [o for o in result.alterations if o.alteration.label == "TERT promoter C228T"]
    assert len(tert) == 1 and tert[0].status != "not_assessable"
    assert [(o.status, o.reason) for o in tert] == \
        [(o.status, o.reason) for o in baseline.alterations
         if o.alteration.label == "TERT promoter C228T"]
    met = [o for o in result.alterations if o.alteration.gene == "MET"
           and o.alteration.variant and o.alteration.variant.consequence == "splice"]
    assert [o.status for o in met] == ["matched"]
    # Same actionable answer as the file read whole, same options and levels.
    assert labels == _actionable(baseline)
    assert [(t.level, t.therapy) for t in result.therapy_options] == \
        [(t.level, t.therapy) for t in baseline.therapy_options]

    # Intronic calls are not listed; those inside whole spans are skipped unparsed, counted.
    listed = {(o.alteration.variant.chrom, o.alteration.variant.pos) for o in result.alterations
              if o.alteration.variant and o.alteration.variant.chrom}
    hidden = {p for positions in intronic.values() for p in positions}
    assert not listed & hidden
    listed_whole = {(o.alteration.variant.chrom, o.alteration.variant.pos)
                    for o in baseline.alterations
                    if o.alteration.variant and o.alteration.variant.chrom}
    assert set(intronic["counted"]) <= listed_whole  # read whole, they would be listed
    n = len(intronic["counted"]) + len(intronic["flanks"])
    assert len(intronic["counted"]) >= 80
    skipped = [w for w in result.warnings if "skipped without being parsed" in w]
    assert len(skipped) == 1 and skipped[0].startswith(f"{n} records inside whole gene spans")
    assert not any("counted, not listed" in w for w in result.warnings)
    assert any(w.startswith("Whole-genome-scale file: only the coding exons") for w in
               result.warnings)
    assert len(result.to_json()) < len(baseline.to_json()) / 2
    assert json.loads(result.to_json())["alterations"]


def test_small_files_are_still_read_whole(full_kb, plans, tmp_path):
    text, intronic = _wgs_vcf("GRCh38", full_kb, plans["GRCh38"])
    result = run(text.encode(), kb=full_kb, filename="wgs.vcf",
                 options=ReadOptions(tumor_type="LUAD"))[0]
    listed = {(o.alteration.variant.chrom, o.alteration.variant.pos) for o in result.alterations
              if o.alteration.variant and o.alteration.variant.chrom}
    assert {p for positions in intronic.values() for p in positions} <= listed
    assert not any("Whole-genome-scale" in w for w in result.warnings)


# ----------------------------------------------------------------------------- block skip
def _bgzf_vcf(tmp_path, rows: list[str]) -> Path:
    head = ("##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=1>\n##contig=<ID=7>\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n")
    plain = tmp_path / "b.vcf"
    plain.write_text(head + "\n".join(rows) + "\n")
    pysam.tabix_compress(str(plain), str(tmp_path / "b.vcf.gz"), force=True)
    return tmp_path / "b.vcf.gz"


def test_block_skip_bisection_agrees_with_a_line_by_line_read_on_many_regions(tmp_path,
                                                                               monkeypatch):
    """Hundreds of small regions (the exon case) inside inflated BGZF runs: the lines found by
    bisection are exactly those a line-by-line filter keeps, edges included."""
    import matcher.readers.vcf_bgzf as bgzf
    from matcher.readers.vcf import read_vcf
    runs = []
    real = bgzf._slices
    monkeypatch.setattr(bgzf, "_slices", lambda *a: runs.append(1) or real(*a))
    positions = {c: list(range(1000, 2_000_000, 97)) for c in ("1", "7")}
    rows = [f"{c}\t{p}\t.\tA\tT\t.\tPASS\t.\tGT\t0/1" for c, ps in positions.items() for p in ps]
    path = _bgzf_vcf(tmp_path, rows)
    rng = random.Random(5)
    regions = []
    for chrom, ps in positions.items():
        for _ in range(300):
            p = rng.choice(ps)
            # start just before / at a record, end at / just after one: both edges exercised
            regions.append((chrom, p - 1 - rng.randint(0, 1), p + rng.choice((0, 1, 150, 400))))
    regions += [("1", 0, 1000), ("7", 1_999_000, 3_000_000)]  # first and last records
    skipped = read_vcf(path=path, regions=regions)[0]
    full = read_vcf(path.read_bytes(), regions=regions)[0]
    got = [(v.chrom, v.pos) for v in skipped.variants]
    assert got == [(v.chrom, v.pos) for v in full.variants]
    assert len(got) > 600 and ("1", 1000) in got and ("7", max(positions["7"])) in got
    assert runs  # the block-skip reader did the work, by bisection inside its runs


def test_block_skip_still_reports_a_malformed_record_in_a_region(tmp_path):
    from matcher.errors import FileFormatError
    from matcher.readers.vcf import read_vcf
    rows = [f"7\t{p}\t.\tA\tT\t.\tPASS\t.\tGT\t0/1" for p in range(1000, 400_000, 50)]
    bad = rows.index("7\t200000\t.\tA\tT\t.\tPASS\t.\tGT\t0/1")
    rows[bad] = "7\t200000\t.\tA\tT\t.\tPASS\t.\tGT\t0/1\textra"
    path = _bgzf_vcf(tmp_path, rows)
    with pytest.raises(FileFormatError):
        read_vcf(path=path, regions=[("7", 199_000, 201_000)])


def test_block_skip_passes_a_huge_position_to_the_record_reader(tmp_path, monkeypatch):
    """A 5,000-digit POS (int() of it raises ValueError in Python 3.11+) must not crash the
    bisection or the byte-level filter: the run is read line by line and the record reader,
    which reports bad records with their location, gets the line."""
    from matcher.readers.vcf import read_vcf
    from matcher.readers.vcf_records import VcfReader
    rows = [f"7\t{p}\t.\tA\tT\t.\tPASS\t.\tGT\t0/1" for p in range(1000, 400_000, 50)]
    huge = "9" * 5000
    rows[rows.index("7\t200000\t.\tA\tT\t.\tPASS\t.\tGT\t0/1")] = \
        f"7\t{huge}\t.\tA\tT\t.\tPASS\t.\tGT\t0/1"
    path = _bgzf_vcf(tmp_path, rows)
    seen = []
    monkeypatch.setattr(VcfReader, "add_line", lambda self, line, n, source=None:
                        seen.append(line.split("\t")[1]))
    read_vcf(path=path, regions=[("7", 199_000, 201_000)])
    assert huge in seen and "199950" in seen and "200050" in seen


@pytest.mark.parametrize("storage", ["bytes", "plain", "bgzip", "indexed"])
def test_sv_only_regions_parse_structural_variants_and_count_the_rest(tmp_path, storage):
    from matcher.readers.regions import ReadRegions
    from matcher.readers.vcf import read_vcf
    rows = ["7\t50\t.\tA\tG\t50\tPASS\t.\tGT\t0/1",  # small-variant region: listed
            "7\t150\t.\tC\tT\t50\tPASS\t.\tGT\t0/1",  # SV-only: skipped, counted
            "7\t160\t.\tC\tCT\t50\tPASS\t.\tGT\t0/1",  # SV-only: skipped, counted
            "7\t170\tb1\tN\tN]1:5000]\t50\tPASS\tSVTYPE=BND\tGT\t0/1",  # breakend: parsed
            "7\t180\td1\tN\t<DEL>\t50\tPASS\tSVTYPE=DEL;END=900\tGT\t0/1",  # symbolic: parsed
            "7\t5000\t.\tA\tG\t50\tPASS\t.\tGT\t0/1"]  # outside the regions: not read
    path = _bgzf_vcf(tmp_path, rows)
    if storage == "indexed":
        pysam.tabix_index(str(path), preset="vcf", force=True)
    elif storage == "plain":
        path = tmp_path / "b.vcf"
    regions = ReadRegions([("7", 0, 1000)], sv_only=[("7", 100, 1000)])
    seen: list = []

    class Spans:  # every position in one gene: no record becomes a fusion, each is counted
        def genes_at(self, build, chrom, pos):
            seen.append(pos)
            return ["GENE"]

    if storage == "bytes":
        report = read_vcf(path.read_bytes(), options=ReadOptions(genome_build="GRCh38"),
                          regions=lambda build: regions, gene_spans=Spans())[0]
    else:
        report = read_vcf(path=path, options=ReadOptions(genome_build="GRCh38"),
                          regions=lambda build: regions, gene_spans=Spans())[0]
    assert [v.pos for v in report.variants] == [50]
    assert any(w.startswith("2 records inside whole gene spans") for w in report.warnings)
    assert sorted(set(seen)) == [170, 180, 900, 5000]  # both SV records reached the collector
    # without sv_only, the same regions read every record in them
    report = read_vcf(path.read_bytes(), options=ReadOptions(genome_build="GRCh38"),
                      regions=[("7", 0, 1000)], gene_spans=Spans())[0]
    assert [v.pos for v in report.variants] == [50, 150, 160]
    assert not any("skipped without being parsed" in w for w in report.warnings)
