"""VAF and depth from the allele-support fields of other callers, read through ``read_file``.

VarScan2 (``FREQ`` percent, one-value ``AD`` + ``RD``), FreeBayes (``AO``/``RO``), Ion Torrent TVC
(flow-corrected ``FAO``/``FDP``), Illumina Pisces/TSO500 (``VF``), MuTect 1 (``FA``) and Platypus
(``NV``/``NR``). Headers follow what each caller writes; BRAF V600E is 7:140453136 A>T on GRCh37
and chr7:140753336 A>T on GRCh38.
"""

from __future__ import annotations

import pytest

from matcher.model import Report
from matcher.readers import ReadOptions, read_file

G37 = "##contig=<ID=7,length=159138663>\n##contig=<ID=12,length=133851895>\n"
G38 = "##contig=<ID=chr7,length=159345973>\n##contig=<ID=chr12,length=133275309>\n"
COLS = "#CHROM POS ID REF ALT QUAL FILTER INFO FORMAT"


def read(meta: str, samples: tuple[str, ...], rows: str, **opts) -> Report:
    """One report from a VCF: ``meta`` header lines as written, then columns and rows, whose
    whitespace-separated fields are tab-joined."""
    def tabs(line: str) -> str:
        return "\t".join(line.split())
    body = "".join(tabs(r) + "\n" for r in rows.strip().splitlines() if r.strip())
    text = meta + tabs(COLS + " " + " ".join(samples)) + "\n" + body
    reports = read_file(text.encode(), filename="calls.vcf", options=ReadOptions(**opts))
    assert len(reports) == 1
    return reports[0]


# ------------------------------------------------------------------ VarScan2
VARSCAN_SOMATIC = (
    "##fileformat=VCFv4.1\n##source=VarScan2\n" + G37
    + '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total depth of quality bases">\n'
    '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Indicates if record is a somatic '
    'mutation">\n'
    '##INFO=<ID=SS,Number=1,Type=String,Description="Somatic status of variant (0=Reference,'
    '1=Germline,2=Somatic,3=LOH, or 5=Unknown)">\n'
    '##INFO=<ID=SSC,Number=1,Type=String,Description="Somatic score in Phred scale (0-255) '
    'derived from somatic p-value">\n'
    '##INFO=<ID=GPV,Number=1,Type=Float,Description="Fisher\'s Exact Test P-value of tumor+normal '
    'versus no variant for Germline calls">\n'
    '##INFO=<ID=SPV,Number=1,Type=Float,Description="Fisher\'s Exact Test P-value of tumor versus '
    'normal for Somatic/LOH calls">\n'
    '##FILTER=<ID=str10,Description="Less than 10% or more than 90% of variant supporting reads '
    'on one strand">\n'
    '##FILTER=<ID=indelError,Description="Likely artifact due to indel reads at this position">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read Depth">\n'
    '##FORMAT=<ID=RD,Number=1,Type=Integer,Description="Depth of reference-supporting bases '
    '(reads1)">\n'
    '##FORMAT=<ID=AD,Number=1,Type=Integer,Description="Depth of variant-supporting bases '
    '(reads2)">\n'
    '##FORMAT=<ID=FREQ,Number=1,Type=String,Description="Variant allele frequency">\n'
    '##FORMAT=<ID=DP4,Number=1,Type=String,Description="Strand read counts: ref/fwd, ref/rev, '
    'var/fwd, var/rev">\n')
VS_FORMAT = "GT:GQ:DP:RD:AD:FREQ:DP4"


def test_varscan2_somatic_freq_percent_normal_column_and_min_vaf():
    r = read(VARSCAN_SOMATIC, ("NORMAL", "TUMOR"), f"""
7 140453136 . A T . PASS DP=190;SOMATIC;SS=2;SSC=61;GPV=1E0;SPV=6.9E-7 {VS_FORMAT} \
0/0:.:90:90:0:0%:47,43,0,0 0/1:.:100:74:26:26%:40,34,14,12
7 140453145 . C G . PASS DP=210;SOMATIC;SS=2;SSC=22;GPV=1E0;SPV=5.3E-3 {VS_FORMAT} \
0/0:.:88:88:0:0%:45,43,0,0 0/1:.:122:116:6:4.92%:60,56,3,3
12 25398284 . C T . PASS DP=200;SS=1;SSC=3;GPV=2.1E-9;SPV=0.51 {VS_FORMAT} \
0/0:.:100:92:8:8%:48,44,4,4 0/1:.:100:90:10:10%:46,44,5,5
""", min_vaf=0.05)
    braf, low, kras = r.variants
    assert r.sample == "TUMOR"
    assert (braf.vaf, braf.depth, braf.origin, braf.filter_reason) == (
        pytest.approx(0.26), 100, "somatic", None)
    assert (low.vaf, low.depth) == (pytest.approx(0.0492), 122)
    assert low.filter_reason == "VAF 0.0492 below the minimum 0.05"
    # The normal has no ALT genotype but 8 ALT reads at FREQ 8%: read from FREQ, so germline.
    assert (kras.vaf, kras.origin) == (pytest.approx(0.10), "germline")


VARSCAN_CNS = (
    "##fileformat=VCFv4.1\n##source=VarScan2\n" + G38
    + '##INFO=<ID=ADP,Number=1,Type=Integer,Description="Average per-sample depth of bases with '
    'Phred score >= 15">\n'
    '##FILTER=<ID=str10,Description="Less than 10% or more than 90% of variant supporting reads '
    'on one strand">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">\n'
    '##FORMAT=<ID=SDP,Number=1,Type=Integer,Description="Raw Read Depth as reported by '
    'SAMtools">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Quality Read Depth of bases with Phred '
    'score >= 15">\n'
    '##FORMAT=<ID=RD,Number=1,Type=Integer,Description="Depth of reference-supporting bases '
    '(reads1)">\n'
    '##FORMAT=<ID=AD,Number=1,Type=Integer,Description="Depth of variant-supporting bases '
    '(reads2)">\n'
    '##FORMAT=<ID=FREQ,Number=1,Type=String,Description="Variant allele frequency">\n'
    '##FORMAT=<ID=PVAL,Number=1,Type=String,Description="P-value from Fisher\'s Exact Test">\n')
CNS_FORMAT = "GT:GQ:SDP:DP:RD:AD:FREQ:PVAL"


def test_varscan2_mpileup2cns_single_sample():
    r = read(VARSCAN_CNS, ("Sample1",),
             f"chr7 140753336 . A T . PASS ADP=510 {CNS_FORMAT} 0/1:255:512:510:380:130:25.49%:"
             "1.2E-45")
    v = r.variants[0]
    assert (v.chrom, v.vaf, v.depth, v.build) == ("chr7", pytest.approx(0.2549), 510, "GRCh38")


@pytest.mark.parametrize("freq, ad, rd, vaf", [
    ("abc%", ".", ".", None),  # malformed percent, no counts to fall back on
    ("", ".", ".", None),
    (".", ".", ".", None),
    ("0.26", ".", ".", None),  # no '%': percent or fraction cannot be told apart
    ("150%", ".", ".", None),  # over 100%
    ("-3%", ".", ".", None),
    ("abc%", "32", "88", 32 / 120),  # VarScan's own counts: AD/(AD+RD)
    ("26,67%", "32", "88", 32 / 120),  # decimal-comma locale bug: not read as two values
])
def test_varscan2_malformed_freq_gives_no_vaf_or_the_read_counts(freq, ad, rd, vaf):
    r = read(VARSCAN_CNS, ("Sample1",),
             f"chr7 140753336 . A T . PASS ADP=120 {CNS_FORMAT} 0/1:40:121:120:{rd}:{ad}:{freq}:"
             "1E-10", min_vaf=0.3)
    v = r.variants[0]
    assert v.depth == 120
    if vaf is None:
        assert v.vaf is None and v.filter_reason is None  # unknown VAF is not "below" a minimum
    else:
        assert v.vaf == pytest.approx(vaf)
        assert v.filter_reason == "VAF 0.267 below the minimum 0.3"


ONE_VALUE_AD = (
    "##fileformat=VCFv4.2\n" + G37
    + '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read Depth">\n'
    '##FORMAT=<ID=RD,Number=1,Type=Integer,Description="Depth of reference-supporting bases '
    '(reads1)">\n'
    '##FORMAT=<ID=AD,Number=1,Type=Integer,Description="Depth of variant-supporting bases '
    '(reads2)">\n')


def test_one_value_ad_is_alt_reads_only_with_rd():
    r = read(ONE_VALUE_AD, ("T",), """
7 140453136 . A T . PASS . GT:AD:DP 0/1:40:100
7 140453136 . A T . PASS . GT:RD:AD:DP 0/1:60:40:100
7 140453136 . A T,C . PASS . GT:RD:AD:DP 1/2:60:40:100
""")
    no_rd, varscan, multi_1, multi_2 = r.variants
    assert (no_rd.vaf, no_rd.depth) == (None, 100)  # not 40/40 = 1.0 as an R-style list
    assert (varscan.vaf, varscan.depth) == (pytest.approx(0.4), 100)
    # One AD for two ALT alleles cannot be attributed to either of them.
    assert (multi_1.vaf, multi_2.vaf) == (None, None)


# ------------------------------------------------------------------ FreeBayes
FREEBAYES = (
    "##fileformat=VCFv4.2\n##source=freeBayes v1.3.6\n##reference=human_g1k_v37.fasta\n" + G37
    + '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total read depth at the locus">\n'
    '##INFO=<ID=AF,Number=A,Type=Float,Description="Estimated allele frequency in the range '
    '(0,1]">\n'
    '##INFO=<ID=TYPE,Number=A,Type=String,Description="The type of allele, either snp, mnp, ins, '
    'del, or complex.">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=GQ,Number=1,Type=Float,Description="Genotype Quality, the Phred-scaled '
    'marginal (or unconditional) probability of the called genotype">\n'
    '##FORMAT=<ID=GL,Number=G,Type=Float,Description="Genotype Likelihood, log10-scaled '
    'likelihoods of the data given the called genotype for each possible genotype generated '
    'from the reference and alternate alleles given the sample ploidy">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read Depth">\n'
    '##FORMAT=<ID=RO,Number=1,Type=Integer,Description="Reference allele observation count">\n'
    '##FORMAT=<ID=QR,Number=1,Type=Integer,Description="Sum of quality of the reference '
    'observations">\n'
    '##FORMAT=<ID=AO,Number=A,Type=Integer,Description="Alternate allele observation count">\n'
    '##FORMAT=<ID=QA,Number=A,Type=Integer,Description="Sum of quality of the alternate '
    'observations">\n')


def test_freebayes_ao_over_ro_plus_all_ao_per_allele():
    r = read(FREEBAYES, ("tumor",), """
7 140453136 . A T,C 1650.3 . DP=104;AF=0.5,0.5;TYPE=snp,snp GT:GQ:DP:RO:QR:AO:QA:GL \
1/2:160:104:50:1810:30,20:1090,720:-150.1,-60.2,-58.4,-90.3,0,-95.7
7 140453140 . G A 35.2 . DP=120;AF=0.5;TYPE=snp GT:GQ:DP:RO:QR:AO:QA:GL \
0/1:35:120:.:.:6:210:-12.1,0,-180.4
""", min_vaf=0.1)
    t, c, low = r.variants
    # AO/(RO+ΣAO), not INFO AF (a genotype frequency) and not AO/DP.
    assert (t.alt, t.vaf, t.depth, t.filter_reason) == ("T", pytest.approx(0.3), 104, None)
    assert (c.alt, c.vaf, c.depth, c.filter_reason) == ("C", pytest.approx(0.2), 104, None)
    assert (low.vaf, low.depth) == (pytest.approx(6 / 120), 120)  # no RO: AO/DP
    assert low.filter_reason == "VAF 0.05 below the minimum 0.1"


# ------------------------------------------------------------------ Ion Torrent TVC
TVC_KEYS = {
    "GT": ("1", "String", "Genotype"),
    "GQ": ("1", "Integer", "Genotype Quality, the Phred-scaled marginal (or unconditional) "
                           "probability of the called genotype"),
    "DP": ("1", "Integer", "Read Depth"),
    "FDP": ("1", "Integer", "Flow Evaluator Read Depth"),
    "RO": ("1", "Integer", "Reference allele observation count"),
    "FRO": ("1", "Integer", "Flow Evaluator Reference allele observation count"),
    "AO": ("A", "Integer", "Alternate allele observation count"),
    "FAO": ("A", "Integer", "Flow Evaluator Alternate allele observation count"),
    "AF": ("A", "Float", "Allele frequency based on Flow Evaluator observation counts"),
    "SAF": ("A", "Integer", "Alternate allele observations on the forward strand"),
    "SAR": ("A", "Integer", "Alternate allele observations on the reverse strand"),
}
TVC = ("##fileformat=VCFv4.1\n##source=\"tvc 5.12-11 (35c9114f) - Torrent Variant Caller\"\n"
       "##reference=/results/referenceLibrary/tmap-f3/hg19/hg19.fasta\n"
       "##contig=<ID=chr7,length=159138663,assembly=hg19>\n"
       '##INFO=<ID=HS,Number=0,Type=Flag,Description="Indicate it is at a hot spot">\n'
       + "".join(f'##FORMAT=<ID={k},Number={n},Type={t},Description="{d}">\n'
                 for k, (n, t, d) in TVC_KEYS.items()))


def test_tvc_flow_corrected_counts_and_depth():
    r = read(TVC, ("IonXpress_001",), """
chr7 140453136 . A T 1502.3 PASS HS GT:GQ:DP:FDP:RO:FRO:AO:FAO:AF:SAF:SAR \
0/1:99:1000:960:690:670:310:290:0.302083:150:160
chr7 140453136 . A T,C 880.1 PASS HS GT:GQ:DP:FDP:RO:FRO:AO:FAO:SAF:SAR \
1/2:99:1000:960:640:655:320,40:293,12:160,20:160,20
""", min_vaf=0.05, min_depth=500)
    single, t, c = r.variants
    assert r.genome_build == "GRCh37"
    # FAO/FDP with depth FDP (not AO/(RO+AO) = 0.31, not DP = 1000).
    assert (single.vaf, single.depth) == (pytest.approx(290 / 960), 960)
    assert (t.vaf, t.depth, t.filter_reason) == (pytest.approx(293 / 960), 960, None)
    assert (c.vaf, c.filter_reason) == (pytest.approx(12 / 960),
                                        "VAF 0.0125 below the minimum 0.05")
    deep = read(TVC, ("IonXpress_001",), """
chr7 140453136 . A T 1502.3 PASS HS GT:GQ:DP:FDP:RO:FRO:AO:FAO:AF:SAF:SAR \
0/1:99:1000:960:690:670:310:290:0.302083:150:160
""", min_depth=1000).variants[0]
    assert deep.filter_reason == "depth 960 below the minimum 1000"


def test_tvc_flow_counts_over_their_depth_are_not_a_vaf():
    v = read(TVC, ("IonXpress_001",),
             "chr7 140453136 . A T 50 PASS HS GT:GQ:DP:FDP:RO:FRO:AO:FAO 0/1:20:100:80:60:.:40:95"
             ).variants[0]
    # FAO > FDP is malformed: the unflowed AO/(RO+AO) is used instead, depth DP.
    assert (v.vaf, v.depth) == (pytest.approx(0.4), 100)


def test_strelka2_fdp_is_not_taken_for_a_flow_depth():
    meta = ("##fileformat=VCFv4.1\n##source=strelka\n" + G37
            + '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth for tier1">\n'
            '##FORMAT=<ID=FDP,Number=1,Type=Integer,Description="Number of basecalls filtered '
            'from original read depth for tier1">\n'
            + "".join(f'##FORMAT=<ID={b}U,Number=2,Type=Integer,Description="Number of \'{b}\' '
                      'alleles used in tiers 1,2">\n' for b in "ACGT"))
    v = read(meta, ("NORMAL", "TUMOR"),
             "7 140453136 . A T . PASS . DP:FDP:AU:CU:GU:TU 60:1:59,60:0,0:0,0:0,0 "
             "120:3:77,80:0,0:0,0:40,42").variants[0]
    assert (v.vaf, v.depth) == (pytest.approx(40 / 117), 120)


# ------------------------------------------------------------------ Illumina Pisces / TSO500
PISCES = (
    "##fileformat=VCFv4.1\n##fileDate=20220127\n##source=Pisces 5.2.9.23\n"
    "##reference=/data/Genome/Homo_sapiens/UCSC/hg38/Sequence/WholeGenomeFasta\n" + G38
    + '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total Depth">\n'
    '##FILTER=<ID=q30,Description="Quality score less than 30">\n'
    '##FILTER=<ID=LowDP,Description="Low coverage (DP tag), therefore no genotype called">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">\n'
    '##FORMAT=<ID=AD,Number=.,Type=Integer,Description="Allele Depth">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Total Depth Used For Variant Calling">\n'
    '##FORMAT=<ID=VF,Number=1,Type=Float,Description="Variant Frequency">\n'
    '##FORMAT=<ID=NL,Number=1,Type=Integer,Description="Applied BaseCall Noise Level">\n'
    '##FORMAT=<ID=SB,Number=1,Type=Float,Description="StrandBias Score">\n'
    '##FORMAT=<ID=NC,Number=1,Type=Float,Description="Fraction of bases which were uncalled or '
    'with basecall quality below the minimum threshold">\n')
PISCES_FORMAT = "GT:GQ:AD:DP:VF:NL:SB:NC"


def test_pisces_vf_and_min_vaf():
    r = read(PISCES, ("TSO500-S1",), f"""
chr7 140753336 . A T 100 PASS DP=1520 {PISCES_FORMAT} 0/1:100:1180,330:1520:0.217:20:-100:0.0066
chr12 25245350 . C A 100 PASS DP=1400 {PISCES_FORMAT} 0/1:100:1370,29:1400:0.021:20:-100:0.0007
""", min_vaf=0.05)
    braf, kras = r.variants
    # VF is the caller's AD/DP (1520 includes no-calls); AD alone would give 330/1510 = 0.2185.
    assert (braf.vaf, braf.depth, braf.filter_reason) == (0.217, 1520, None)
    assert (kras.vaf, kras.filter_reason) == (0.021, "VAF 0.021 below the minimum 0.05")


def test_pisces_vf_above_one_is_not_a_vaf():
    r = read(PISCES, ("TSO500-S1",), """
chr7 140753336 . A T 100 PASS DP=1520 GT:GQ:DP:VF:NL:SB:NC 0/1:100:1520:1.7:20:-100:0.0066
chr7 140753336 . A T 100 PASS DP=1520 GT:GQ:AD:DP:VF:NL:SB:NC 0/1:100:1180,330:1520:1.7:20:-100:0
""", min_vaf=0.5)
    no_ad, with_ad = r.variants
    assert (no_ad.vaf, no_ad.depth, no_ad.filter_reason) == (None, 1520, None)
    assert with_ad.vaf == pytest.approx(330 / 1510)  # the allele depths still hold


# ------------------------------------------------------------------ MuTect 1
MUTECT1 = (
    "##fileformat=VCFv4.1\n" + G37
    + '##FILTER=<ID=REJECT,Description="Rejected as a confident somatic mutation">\n'
    '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic event">\n'
    '##INFO=<ID=VT,Number=1,Type=String,Description="Variant type, can be SNP, INS or DEL">\n'
    '##FORMAT=<ID=AD,Number=.,Type=Integer,Description="Allelic depths for the ref and alt '
    'alleles in the order listed">\n'
    '##FORMAT=<ID=BQ,Number=A,Type=Float,Description="Average base quality for reads supporting '
    'alleles">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth (reads with '
    'MQ=255 or with bad mates are filtered)">\n'
    '##FORMAT=<ID=FA,Number=A,Type=Float,Description="Allele fraction of the alternate allele '
    'with regard to reference">\n'
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=SS,Number=1,Type=Integer,Description="Variant status relative to non-adjacent '
    'Normal,0=wildtype,1=germline,2=somatic,3=LOH,4=post-transcriptional modification,'
    '5=unknown">\n'
    '##MuTect="analysis_type=MuTect input_file=[tumor.bam, normal.bam] '
    'tumor_sample_name=T1 normal_sample_name=N1"\n')


def test_mutect1_fa_with_and_without_allelic_depths():
    r = read(MUTECT1, ("T1", "N1"), """
7 140453136 . A T . PASS SOMATIC;VT=SNP GT:AD:BQ:DP:FA:SS 0/1:52,23:35:75:0.307:2 0:81,0:.:81:0.00:0
7 140453145 . C G . PASS SOMATIC;VT=SNP GT:BQ:DP:FA:SS 0/1:33:96:0.125:2 0:.:90:0.00:0
7 140453150 . T C . REJECT VT=SNP GT:BQ:DP:FA:SS 0/1:30:200:0.015:2 0:.:180:0.00:0
""", sample="T1", normal_sample="N1", min_vaf=0.02)
    braf, stripped, rejected = r.variants
    assert (braf.vaf, braf.depth, braf.origin) == (0.307, 75, "somatic")  # AD: 23/75 = 0.3067
    assert (stripped.vaf, stripped.depth, stripped.origin) == (0.125, 96, "somatic")
    assert (rejected.vaf, rejected.filter_reason) == (0.015, "FILTER=REJECT")


# ------------------------------------------------------------------ Platypus
def _platypus(number: str) -> str:
    return ("##fileformat=VCFv4.0\n##source=Platypus_Version_0.8.1\n" + G37
            + '##INFO=<ID=TC,Number=1,Type=Integer,Description="Total coverage at this locus">\n'
            '##INFO=<ID=TR,Number=.,Type=Integer,Description="Total number of reads containing '
            'this variant">\n'
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Unphased genotypes">\n'
            '##FORMAT=<ID=GQ,Number=.,Type=Integer,Description="Genotype quality as phred score">\n'
            '##FORMAT=<ID=GOF,Number=.,Type=Float,Description="Goodness of fit value">\n'
            f'##FORMAT=<ID=NR,Number={number},Type=Integer,Description="Number of reads covering '
            'variant location in this sample">\n'
            '##FORMAT=<ID=GL,Number=.,Type=Float,Description="Genotype log10-likelihoods for AA,AB '
            'and BB genotypes, where A = ref and B = variant. Only applicable for bi-allelic '
            'sites">\n'
            f'##FORMAT=<ID=NV,Number={number},Type=Integer,Description="Number of reads '
            'containing variant in this sample">\n')


@pytest.mark.parametrize("number", [".", "A"])
def test_platypus_nv_over_nr_per_allele(number):
    r = read(_platypus(number), ("tumour",), """
7 140453136 . A T 2955 PASS TC=150;TR=45 GT:GL:GOF:GQ:NR:NV 0/1:-100.0,0.0,-200.0:3:99:150:45
7 140453140 . G A,C 1201 PASS TC=160;TR=40,6 GT:GL:GOF:GQ:NR:NV 1/2:-1,-1,-1:5:40:160,160:40,6
""", min_vaf=0.05)
    braf, a, c = r.variants
    assert (braf.vaf, braf.depth) == (pytest.approx(0.3), 150)
    assert (a.vaf, a.depth, a.filter_reason) == (pytest.approx(0.25), 160, None)
    assert (c.vaf, c.filter_reason) == (pytest.approx(6 / 160), "VAF 0.0375 below the minimum 0.05")


def test_platypus_single_nv_on_a_multi_allelic_record_is_not_attributed():
    v1, v2 = read(_platypus("."), ("tumour",),
                  "7 140453140 . G A,C 1201 PASS TC=160 GT:GQ:NR:NV 1/2:40:160:46").variants
    assert (v1.vaf, v2.vaf) == (None, None)
    assert (v1.depth, v2.depth) == (None, None)
