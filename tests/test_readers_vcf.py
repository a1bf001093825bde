"""VCF reader: build, samples, origin, filters, alleles, bad input, regions."""

from __future__ import annotations

import gzip

import pysam
import pytest

from matcher.errors import FileFormatError, InputError, PayloadTooLarge
from matcher.readers import ReadOptions
from matcher.readers.vcf import read_vcf

G37 = "##contig=<ID=1,length=249250621>\n##contig=<ID=7,length=159138663>\n"
G38 = "##contig=<ID=chr1,length=248956422>\n##contig=<ID=chr7,length=159345973>\n"
FMT = ('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
       '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
       '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n')
COLS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"


def vcf(body: str, *, meta: str = G37 + FMT, samples: tuple[str, ...] = ("T",)) -> bytes:
    """A small VCF: meta lines, the column line for ``samples``, and tab-joined body rows."""
    cols = COLS + ("\tFORMAT\t" + "\t".join(samples) if samples else "")
    rows = "".join(" ".join(r.split()).replace(" ", "\t") + "\n" for r in body.strip().splitlines()
                   if r.strip())
    return f"##fileformat=VCFv4.2\n{meta}{cols}\n{rows}".encode()


def one(data: bytes, **opts):
    return read_vcf(data, options=ReadOptions(**opts))[0]


BRAF = "7 140453136 . A T . PASS . GT:AD:DP 0/1:60,40:100"


# ------------------------------------------------------------------ build
def test_build_from_contig_lengths_both_builds_and_chr_prefix():
    assert one(vcf(BRAF)).genome_build == "GRCh37"
    r38 = one(vcf("chr7 140753336 . A T . PASS . GT:AD:DP 0/1:60,40:100", meta=G38 + FMT))
    assert r38.genome_build == "GRCh38"
    assert (r38.variants[0].chrom, r38.variants[0].build) == ("chr7", "GRCh38")


def test_build_from_reference_line_and_from_options():
    assert one(vcf(BRAF, meta="##reference=file:///ref/hs37d5.fa\n" + FMT)).genome_build == "GRCh37"
    assert one(vcf(BRAF, meta=FMT), genome_build="GRCh38").genome_build == "GRCh38"
    no_build = one(vcf(BRAF, meta=FMT))
    assert no_build.genome_build is None
    assert any("genome build unknown" in w for w in no_build.warnings)


def test_stated_build_contradicting_contigs_is_an_input_error():
    with pytest.raises(FileFormatError, match="GRCh38 was given but the contig lengths are GRCh37"):
        one(vcf(BRAF), genome_build="GRCh38")
    with pytest.raises(FileFormatError, match="header names GRCh38"):
        one(vcf(BRAF, meta="##reference=GRCh38\n" + G37 + FMT))


# ------------------------------------------------------------------ samples and origin
def test_mutect2_header_names_tumor_even_when_it_is_the_second_column():
    meta = G37 + FMT + "##tumor_sample=TU\n##normal_sample=NO\n"
    r = one(vcf("7 140453136 . A T . PASS . GT:AD:DP 0/0:50,0:50 0/1:60,40:100\n"
                "1 1000 . G C . PASS . GT:AD:DP 0/1:30,28:58 0/1:33,30:63",
                meta=meta, samples=("NO", "TU")))
    assert r.sample == "TU" and r.report_id == "TU"
    braf, other = r.variants
    assert (braf.vaf, braf.depth, braf.origin) == (0.4, 100, "somatic")
    assert other.origin == "germline"


def test_strelka_tumor_normal_columns_and_tier_counts():
    meta = G37 + ('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">\n' + "".join(
        f'##FORMAT=<ID={b}U,Number=2,Type=Integer,Description="tier counts">\n' for b in "ACGT"))
    r = one(vcf("7 140453136 . A T . PASS SOMATIC DP:AU:CU:GU:TU "
                "40:40,41:0,0:0,0:0,0 120:80,82:0,0:0,0:40,41",
                meta=meta + '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="s">\n',
                samples=("NORMAL", "TUMOR")))
    v = r.variants[0]
    assert r.sample == "TUMOR" and v.origin == "somatic"
    assert v.vaf == pytest.approx(40 / 120) and v.depth == 120


def test_ambiguous_multi_sample_file_lists_the_samples():
    data = vcf("7 140453136 . A T . PASS . GT 0/1 0/0", samples=("S1", "S2"))
    with pytest.raises(InputError) as err:
        one(data)
    assert "S1, S2" in str(err.value) and err.value.problems[0].field == "sample"
    assert one(data, sample="S2").variants == ()  # S2 is 0/0: not its variant
    assert one(data, sample="S1").variants[0].pos == 140453136
    with pytest.raises(InputError, match="'S3' is not in the VCF"):
        one(data, sample="S3")


def test_normal_with_alt_reads_but_reference_genotype_is_germline():
    meta = G37 + FMT + "##tumor_sample=T\n##normal_sample=N\n"
    r = one(vcf("7 140453136 . A T . PASS . GT:AD 0/1:60,40 0/0:80,12", meta=meta,
                samples=("T", "N")))
    assert r.variants[0].origin == "germline"


# ------------------------------------------------------------------ filters, alleles
def test_failed_filter_and_thresholds_are_kept_with_a_reason():
    r = one(vcf("7 140453136 . A T . weak_evidence;germline . GT:AD:DP 0/1:60,40:100\n"
                "7 140453137 . C G . PASS . GT:AD:DP 0/1:95,5:100\n"
                "7 140453138 . G A . . . GT:AD:DP 0/1:6,6:12"), min_vaf=0.1, min_depth=20)
    reasons = [v.filter_reason for v in r.variants]
    assert reasons == ["FILTER=weak_evidence;germline", "VAF 0.05 below the minimum 0.1",
                       "depth 12 below the minimum 20"]


def test_multi_allelic_split_and_mnv_kept():
    r = one(vcf("7 140453135 . CA TT,GA . PASS . GT:AD:DP 1/2:10,50,40:100\n"
                "7 140453136 . A T,* . PASS . GT:AD 0/1:10,5,5"))
    assert [(v.source, v.ref, v.alt, v.vaf) for v in r.variants] == [
        ("line 8, allele 1", "CA", "TT", 0.5), ("line 8, allele 2", "CA", "GA", 0.4),
        ("line 9, allele 1", "A", "T", 0.25)]


def test_sites_only_vcf_uses_info_af_and_dp():
    meta = G37 + ('##INFO=<ID=AF,Number=A,Type=Float,Description="f">\n'
                  '##INFO=<ID=DP,Number=1,Type=Integer,Description="d">\n')
    v = one(vcf("7 140453136 . A T . PASS AF=0.31;DP=88", meta=meta, samples=())).variants[0]
    assert (v.vaf, v.depth, v.gene, v.protein_change) == (0.31, 88, None, None)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("row, line, what", [
    ("7 14045x136 . A T . PASS . GT 0/1", 9, "POS"),
    ("7 140453136 . A T . PASS .", 9, "columns"),
    ("7 140453136 . AZ T . PASS . GT 0/1", 9, "REF"),
    ("7 140453136 . A A . PASS . GT 0/1", 9, "equals REF"),
    ("7 140453136 . A T high PASS . GT 0/1", 9, "QUAL"),
    ("7 140453136 . A T . PASS . GT 0/3", 9, "genotype"),
    ("7 140453136 . A T . PASS . GT:DP 0/1:deep", 9, "Type=Integer"),
])
def test_malformed_lines_name_line_and_problem(row, line, what):
    with pytest.raises(FileFormatError) as err:
        one(vcf(BRAF + "\n" + row))
    assert err.value.problems[0].line == line
    assert what in str(err.value)


def test_all_problems_are_listed():
    with pytest.raises(FileFormatError) as err:
        one(vcf("7 x . A T . PASS . GT 0/1\n7 y . A T . PASS . GT 0/1"))
    assert [p.line for p in err.value.problems] == [8, 9]


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"\x00\x01\x02garbage\xff\xfe" * 20, "not UTF-8"),
    (b"hello, this is a letter\nnot a VCF\n", "##fileformat"),
    (b"##fileformat=VCFv4.2\n##INFO=<ID=X,Number=1>\n", "#CHROM"),
    (b"BAM\x01" + b"\x00" * 40, "BAM"),
])
def test_unreadable_inputs_are_input_errors(data, message):
    with pytest.raises(InputError, match=message):
        read_vcf(data)


def test_windows_line_ends_and_byte_order_mark():
    data = b"\xef\xbb\xbf" + vcf(BRAF).replace(b"\n", b"\r\n")
    v = one(data).variants[0]
    assert (v.pos, v.alt, v.depth) == (140453136, "T", 100)


def test_csi_index(tmp_path):
    plain = tmp_path / "c.vcf"
    plain.write_bytes(vcf(ROWS))
    out = tmp_path / "c.vcf.gz"
    pysam.tabix_compress(str(plain), str(out), force=True)
    pysam.tabix_index(str(out), preset="vcf", csi=True, force=True)
    assert (tmp_path / "c.vcf.gz.csi").exists()
    r = read_vcf(path=out, regions=REGIONS)[0]
    assert [v.source for v in r.variants][:1] == ["record 7:10000"] and len(r.variants) == 4


def test_header_only_file_is_valid_and_empty():
    r = one(vcf(""))
    assert r.variants == () and r.fusions == () and r.source_format == "vcf"


def test_gzip_truncated_and_bomb():
    data = gzip.compress(vcf(BRAF * 1))
    assert one(data).variants[0].pos == 140453136
    with pytest.raises(FileFormatError, match="truncated"):
        read_vcf(data[: len(data) // 2])
    bomb = gzip.compress(vcf(BRAF) + b"#" * (20 << 20))
    with pytest.raises(PayloadTooLarge):
        read_vcf(bomb, options=ReadOptions(max_decompressed_bytes=1 << 20))


def test_max_variants():
    body = "\n".join(f"7 {140453136 + i} . A T . PASS . GT 0/1" for i in range(5))
    with pytest.raises(PayloadTooLarge):
        one(vcf(body), max_variants=4)


# ------------------------------------------------------------------ regions, index, streaming
ROWS = "\n".join(f"7 {p} . A T . PASS . GT:AD 0/1:10,10" for p in range(1000, 60000, 1000))
REGIONS = [("chr7", 9_999, 12_000), ("7", 40_500, 41_000)]


def _bgzip(tmp_path, data: bytes, index: bool):
    plain = tmp_path / "x.vcf"
    plain.write_bytes(data)
    out = tmp_path / "x.vcf.gz"
    pysam.tabix_compress(str(plain), str(out), force=True)
    if index:
        pysam.tabix_index(str(out), preset="vcf", force=True)
    return out


@pytest.mark.parametrize("mode", ["bgzf-skip", "stream", "index"])
def test_regions_from_path_every_mode_agrees(tmp_path, monkeypatch, mode):
    import matcher.readers.vcf_stream as stream
    monkeypatch.setattr(stream, "BLOCK_SKIP", mode == "bgzf-skip")
    path = _bgzip(tmp_path, vcf(ROWS), mode == "index")
    r = read_vcf(path=path, regions=REGIONS)[0]
    assert [v.pos for v in r.variants] == [10000, 11000, 12000, 41000]
    assert r.variants[0].source == ("line 17" if mode == "stream" else "record 7:10000")
    from_bytes = read_vcf(path.read_bytes(), regions=REGIONS)[0]
    assert [v.pos for v in from_bytes.variants] == [v.pos for v in r.variants]


BIG = "\n".join(f"{c} {p} . A T . PASS . GT:AD 0/1:10,10" for c in ("1", "7")
                for p in range(1000, 3_000_000, 150))  # ~40k records: a few dozen BGZF blocks
BIG_REGIONS = [("1", 5_000, 5_400), ("1", 1_999_000, 2_000_000), ("7", 0, 1200),
               ("7", 2_999_000, 3_100_000)]


def test_bgzf_block_skip_matches_full_read_on_many_blocks(tmp_path, monkeypatch):
    import matcher.readers.vcf_bgzf as bgzf
    path = _bgzip(tmp_path, vcf(BIG), False)
    inflated = []
    real = bgzf._inflate
    monkeypatch.setattr(bgzf, "_inflate", lambda buf, block, limit=65536: inflated.append(limit)
                        or real(buf, block, limit))
    skipped = read_vcf(path=path, regions=BIG_REGIONS)[0]
    full = read_vcf(path.read_bytes(), regions=BIG_REGIONS)[0]
    assert [(v.chrom, v.pos) for v in skipped.variants] == [(v.chrom, v.pos)
                                                            for v in full.variants]
    assert len(skipped.variants) == 3 + 6 + 2 + 7
    whole_blocks = sum(1 for n in inflated if n == 65536)
    # each region needs its block(s) and one either side, plus the header block; the rest of
    # the blocks are only peeked at
    assert 0 < whole_blocks <= 3 * len(BIG_REGIONS) + 1 < inflated.count(1024)


@pytest.mark.parametrize("bgzipped", [False, True])
def test_unsorted_file_still_found(tmp_path, monkeypatch, bgzipped):
    import matcher.readers.vcf_stream as stream
    monkeypatch.setattr(stream, "_PIECE", 64)  # many tiny pieces: exercises the order check
    rows = BIG.splitlines()
    data = vcf("\n".join(rows[30000:] + rows[:30000]))
    if bgzipped:  # block keys out of order: block skipping must give way to the full scan
        path = _bgzip(tmp_path, data, False)
    else:
        path = tmp_path / "u.vcf"
        path.write_bytes(data)
    r = read_vcf(path=path, regions=BIG_REGIONS)[0]
    assert len(r.variants) == 18 and r.variants[0].source.startswith("line ")


def test_truncated_bgzip_path_is_an_input_error(tmp_path):
    path = _bgzip(tmp_path, vcf(ROWS), False)
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(path.read_bytes()[:300])
    with pytest.raises(FileFormatError):
        read_vcf(path=cut, regions=REGIONS)


@pytest.mark.parametrize("from_path", [False, True])
def test_regions_as_a_function_of_the_build(tmp_path, from_path):
    seen = []

    def regions(build):
        seen.append(build)
        return [("7", 40_500, 41_000)] if build == "GRCh37" else None

    path = _bgzip(tmp_path, vcf(ROWS), False)
    r = (read_vcf(path=path, regions=regions) if from_path
         else read_vcf(path.read_bytes(), regions=regions))[0]
    assert seen == ["GRCh37"] and [v.pos for v in r.variants] == [41000]


def test_gene_regions_for_the_kb_genes():
    from matcher.readers.regions import gene_regions
    regions = gene_regions(["BRAF", "TERT"])
    assert regions(None) is None  # unknown build: read everything rather than guess
    braf37 = [r for r in regions("GRCh37") if r[0] == "7"]
    assert braf37 and braf37[0][1] < 140453136 <= braf37[0][2]
    r = one(vcf(BRAF + "\n7 100 . A T . PASS . GT 0/1"))
    kept = read_vcf(vcf(BRAF + "\n7 100 . A T . PASS . GT 0/1"), regions=regions)[0]
    assert len(r.variants) == 2 and [v.pos for v in kept.variants] == [140453136]


def test_gzip_bomb_by_path_is_refused_in_every_mode(tmp_path, monkeypatch):
    import matcher.readers.vcf_stream as stream
    plain = tmp_path / "b.vcf"
    plain.write_bytes(vcf(ROWS) + b"".join(b"7\t%d\t.\tA\tT\t.\tPASS\t.\tGT\t0/1\n" % p
                                           for p in range(60_000, 400_000)))
    path = tmp_path / "b.vcf.gz"
    pysam.tabix_compress(str(plain), str(path), force=True)
    small = ReadOptions(max_decompressed_bytes=1 << 20)
    monkeypatch.setattr(stream, "BLOCK_SKIP", False)
    with pytest.raises(PayloadTooLarge):
        read_vcf(path=path, regions=REGIONS, options=small)
    with pytest.raises(PayloadTooLarge):
        read_vcf(path=path, options=small)  # no regions: the whole file would be read


def test_region_filter_agrees_with_the_definition_at_every_boundary():
    import random

    from matcher.readers.vcf_records import RegionFilter

    rng = random.Random(7)
    regions = [("chr1", s, s + rng.randint(1, 50)) for s in
               (rng.randint(0, 2000) for _ in range(60))] + [("2", 10, 20), ("chrX", 0, 1)]
    f = RegionFilter(regions)
    for chrom in ("chr1", "1", "2", "chr2", "X", "chrX", "3"):
        bare = chrom.removeprefix("chr")
        for pos in range(1, 2100):
            expected = any(c.removeprefix("chr") == bare and s < pos <= e
                           for c, s, e in regions)
            assert f.contains(chrom, pos) is expected, (chrom, pos)
