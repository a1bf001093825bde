"""Structural variants -> fusions: orientation, mates, DELLY/Manta styles, real gene spans."""

from __future__ import annotations

import pytest

from matcher.readers import ReadOptions
from matcher.readers.vcf import read_vcf
from matcher.reference.hotspots import GeneSpans

META = ("##contig=<ID=2,length=243199373>\n##contig=<ID=7,length=159138663>\n"
        "##contig=<ID=10,length=135534747>\n"
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="t">\n'
        '##INFO=<ID=MATEID,Number=.,Type=String,Description="m">\n'
        '##INFO=<ID=END,Number=1,Type=Integer,Description="e">\n'
        '##INFO=<ID=CHR2,Number=1,Type=String,Description="c">\n'
        '##INFO=<ID=CT,Number=1,Type=String,Description="c">\n'
        '##INFO=<ID=INV3,Number=0,Type=Flag,Description="i">\n')
COLS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


class FakeSpans:
    """Two genes on chromosome 1 of a toy genome: A (+, 100-200) and B (given strand, 500-600)."""

    def __init__(self, b_strand: str = "+"):
        self.b_strand = b_strand

    def genes_at(self, build, chrom, pos):
        if chrom.removeprefix("chr") != "1":
            return []
        return ["A"] if 100 <= pos <= 200 else ["B"] if 500 <= pos <= 600 else []

    def strand(self, gene, build):
        return "+" if gene == "A" else self.b_strand


def read(rows: str, spans=None, meta: str = META) -> tuple:
    data = ("##fileformat=VCFv4.2\n" + meta + COLS + rows.replace(" ", "\t") + "\n").encode()
    r = read_vcf(data, options=ReadOptions(genome_build="GRCh37"), gene_spans=spans)[0]
    return r.fusions, r.warnings


TOY = "##contig=<ID=1,length=1000>\n" + META.split("\n", 3)[3]


@pytest.mark.parametrize("alt, b_strand, expected", [
    ("N[1:550[", "+", ("A", "B", True)),    # A(+) then B(+): A is 5'
    ("N]1:550]", "-", ("A", "B", True)),    # A(+) then B read backwards; B on '-': sense
    ("]1:550]N", "+", ("B", "A", True)),    # B(+) before A(+): B is 5'
    ("N[1:550[", "-", ("A", "B", False)),   # strands disagree: no sense fusion, order unknown
])
def test_bnd_bracket_orientation_with_gene_strands(alt, b_strand, expected):
    fusions, _ = read(f"1 150 bnd1 N {alt} . PASS SVTYPE=BND", FakeSpans(b_strand), TOY)
    f = fusions[0]
    assert (f.five_prime_gene, f.three_prime_gene, f.order_known) == expected


def test_symbolic_del_and_delly_translocation_and_filter():
    fusions, _ = read("1 150 d1 N <DEL> . PASS SVTYPE=DEL;END=550\n"
                      "1 160 t1 N <TRA> . LowQual SVTYPE=BND;CHR2=1;END=560;CT=5to3",
                      FakeSpans("+"), TOY)
    assert [(f.five_prime_gene, f.three_prime_gene, f.order_known, f.filter_reason)
            for f in fusions] == [("A", "B", True, None), ("B", "A", True, "FILTER=LowQual")]


def test_manta_mate_pair_collapsed_with_real_gene_spans():
    spans = GeneSpans.load()
    fusions, warnings = read(
        "2 29446800 m0 N N]2:42522600] . PASS SVTYPE=BND;MATEID=m1\n"
        "2 42522600 m1 N N]2:29446800] . PASS SVTYPE=BND;MATEID=m0\n"
        "7 140500000 d N <DEL> . PASS SVTYPE=DEL;END=140510000", spans)
    assert [(f.five_prime_gene, f.three_prime_gene, f.order_known, f.source) for f in fusions] \
        == [("EML4", "ALK", True, "line 12")]
    assert "1 structural-variant record(s) do not join two different genes and were not " \
        "turned into fusions (line 14)" in warnings


def test_inversion_without_side_flags_has_unknown_order():
    spans = GeneSpans.load()
    fusions, _ = read("10 43612000 i N <INV> . PASS SVTYPE=INV;END=61600000", spans)
    assert {fusions[0].five_prime_gene, fusions[0].three_prime_gene} == {"RET", "CCDC6"}
    assert fusions[0].order_known is False


def test_without_gene_spans_sv_records_are_warned_not_dropped(monkeypatch):
    import matcher.readers.vcf_records as records
    monkeypatch.setattr(records, "_default_spans", lambda: None)
    fusions, warnings = read("2 29446800 m0 N N]2:42522600] . PASS SVTYPE=BND")
    assert fusions == () and "not assessed: gene spans are not available" in warnings[-1]


# FusionCatcher's final-list_candidate-fusion-genes.vcf (ndaniel/fusioncatcher test/, GPL-3.0,
# not copied): sites-only BND mate pairs with REF 'N', the partners in INFO GENE5/GENE3 and the
# Fusion_description labels in DESC. These rows reproduce its layout with its real gene pairs
# and label sets (positions as in that file, GRCh38).
FC_META = ("##contig=<ID=4,length=190214555>\n##contig=<ID=6,length=170805979>\n"
           "##contig=<ID=14,length=107043718>\n##contig=<ID=21,length=46709983>\n"
           "##contig=<ID=X,length=156040895>\n##contig=<ID=7,length=159345973>\n"
           + "".join(f'##INFO=<ID={k},Number=1,Type=String,Description="{k}">\n'
                     for k in ("SVTYPE", "MATEID", "GENE5", "GENE3", "DESC"))
           + '##INFO=<ID=SR,Number=1,Type=Integer,Description="split reads">\n')


def _fc_rows(*events) -> str:
    rows = []
    for n, (five, three, pos5, pos3, desc) in enumerate(events):
        info = f"SVTYPE=BND;GENE5={five};GENE3={three};DESC={desc}"
        rows.append(f"{pos5[0]} {pos5[1]} e{n}_5 N N[{pos3[0]}:{pos3[1]}[ . PASS "
                    f"{info};MATEID=e{n}_3")
        rows.append(f"{pos3[0]} {pos3[1]} e{n}_3 N [{pos5[0]}:{pos5[1]}[N . PASS "
                    f"{info};MATEID=e{n}_5")
    return "\n".join(rows)


def test_fusioncatcher_vcf_partners_come_from_gene5_gene3():
    """Before, GOPC-ROS1 and TMPRSS2-ETV1 came out 'partner order unknown' (ROS1 has no strand
    in the spans; the geometry did not tell) and the IGH@ fusions, IGH@ lying outside the gene
    spans, were only counted in a warning. As its table is read: each mate pair is one fusion,
    partners and order as stated, DESC labels filter as Fusion_description does."""
    spans = GeneSpans.load()
    data = ("##fileformat=VCFv4.2\n" + FC_META + COLS + _fc_rows(
        ("GOPC", "ROS1", ("6", 117566854), ("6", 117321394),
         "known,oncogene,cosmic,cgp,ticdb,cacg,cancer,tumor,oncokb,mitelman,exon-exon"),
        ("IGH@", "CRLF2", ("14", 105586889), ("X", 1314893), "known,oncogene,cancer"),
        ("TMPRSS2", "ETV1", ("21", 41494380), ("7", 13935843), "known,oncogene,cosmic"),
        ("RBM14", "RBM4", ("11", 66625500), ("11", 66640100), "readthrough,adjacent,healthy"))
        .replace(" ", "\t") + "\n").encode()
    (r,) = read_vcf(data, gene_spans=spans)
    assert r.genome_build == "GRCh38"
    fusions, warnings = r.fusions, r.warnings
    assert [(f.five_prime_gene, f.three_prime_gene, f.order_known, f.source, f.filter_reason)
            for f in fusions] == [
        ("GOPC", "ROS1", True, "line 15", None),
        ("IGH@", "CRLF2", True, "line 17", None),
        ("TMPRSS2", "ETV1", True, "line 19", None),
        ("RBM14", "RBM4", True, "line 21", "FusionCatcher DESC=readthrough,healthy")]
    assert warnings[:1] == ("line 15: GOPC--ROS1 is labelled cacg (seen in healthy samples) and "
                        "cosmic,cgp,ticdb,oncokb,mitelman (a known cancer fusion): assessed, "
                        "not filtered",)
    # without a build (no contig lengths, none given), a named fusion is still read
    data = ("##fileformat=VCFv4.2\n" + FC_META.split("##INFO", 1)[0].replace(
        "##contig", "##ignored") + "##INFO" + FC_META.split("##INFO", 1)[1] + COLS
        + _fc_rows(("EML4", "ALK", ("2", 42295600), ("2", 29223500), "known,cosmic")
                   ).replace(" ", "\t") + "\n").encode()
    (r,) = read_vcf(data, gene_spans=spans)
    assert [(f.five_prime_gene, f.three_prime_gene) for f in r.fusions] == [("EML4", "ALK")]


# GRIDSS/PURPLE somatic SV VCF (hartwigmedical/hmftools cuppa test resources
# TUMOR_SAMPLE.purple.sv.vcf.gz, GPL-3.0, not copied): SEGID declared Number=.,Type=Integer but
# written '40963_0' on 915 lines, which refused the whole file; single breakends ('G…TGCC.',
# '.ATAA…') were read as insertions of their bases. Rows of our own in that layout.
GRIDSS_META = ("##contig=<ID=7,length=159138663>\n"
               '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="t">\n'
               '##INFO=<ID=SEGID,Number=.,Type=Integer,Description="segment ids">\n'
               '##INFO=<ID=DP,Number=1,Type=Integer,Description="depth">\n')


def test_gridss_single_breakends_and_a_mistyped_unused_info_key():
    rows = ("7 55249011 sb1 G GACCAGCGTGGACAACCC. . PASS SVTYPE=BND;SEGID=40963_0\n"
            "7 1000 sb2 A .TTAGGG . PASS SVTYPE=BND;SEGID=1_0\n"
            "7 55249071 snv C T . PASS SEGID=7")
    data = ("##fileformat=VCFv4.2\n" + GRIDSS_META + COLS + rows.replace(" ", "\t")
            + "\n").encode()
    (r,) = read_vcf(data, gene_spans=GeneSpans.load())
    assert r.genome_build == "GRCh37"
    # the single breakend in EGFR is listed, not assessable, never a sequence change
    assert [(v.pos, v.ref, v.alt) for v in r.variants] == [(55249071, "C", "T")]
    assert [(f.three_prime_gene, f.five_prime_gene, f.source, f.not_assessable)
            for f in r.fusions] == [
        ("EGFR", None, "line 7", "a single breakend in EGFR (its partner not resolved): not a "
                                 "two-gene fusion; not assessed")]
    assert ("1 structural-variant record(s) have no second breakpoint (single breakends or "
            "missing END/CHR2) and were not assessed (line 8)") in r.warnings
    assert ("line 7: INFO SEGID is not of its declared Type=Integer (not used in matching: "
            "ignored) (and 1 more line(s))") in r.warnings
    # a key read as a number is still refused, naming line and key
    bad = data.replace(b"SEGID=7", b"DP=7x")
    with pytest.raises(Exception) as err:
        read_vcf(bad, gene_spans=GeneSpans.load())
    p = err.value.problems[0]
    assert (p.line, p.field) == (9, "INFO/DP")
