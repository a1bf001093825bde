"""ANNOVAR (table_annovar.pl -vcfinput) and GATK Funcotator annotations in VCFs.

The files below are written as the tools write them: ANNOVAR appends, per ALT allele, a block
``ANNOVAR_DATE=…;Func.refGene=…;…;ALLELE_END`` to the caller's INFO and declares every key in
the header; Funcotator adds one ``FUNCOTATION=[…|…]`` group per ALT allele, its field names in
the header Description. Both only when the record has no VEP CSQ / snpEff ANN.
"""

from __future__ import annotations

import pytest

from matcher.pipeline import run
from matcher.readers import ReadOptions, vcf_annotations
from matcher.readers.vcf import read_vcf
from matcher.readers.vcf_annotations import Annotations


def rows(text: str) -> str:
    """Tab-join whitespace-separated data rows (values never contain spaces)."""
    return "".join("\t".join(r.split()) + "\n" for r in text.strip().splitlines())


# ----------------------------------------------------------------------------- ANNOVAR
ANNOVAR_KEYS = ("Func.{m}", "Gene.{m}", "GeneDetail.{m}", "ExonicFunc.{m}", "AAChange.{m}")


def annovar_header(contigs: str, model: str = "refGene") -> str:
    """A Mutect2 header as table_annovar.pl -vcfinput -protocol <model>,cosmic70,avsnp150
    rewrites it (its INFO lines go just before #CHROM)."""
    keys = [k.format(m=model) for k in ANNOVAR_KEYS] + ["cosmic70", "avsnp150"]
    return (
        "##fileformat=VCFv4.2\n"
        '##FILTER=<ID=PASS,Description="All filters passed">\n'
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt '
        'alleles in the order listed">\n'
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles '
        'in the tumor">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth (reads with '
        'MQ=255 or with bad mates are filtered)">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth; some reads may '
        'have been filtered">\n'
        '##INFO=<ID=TLOD,Number=A,Type=Float,Description="Log 10 likelihood ratio score of '
        'variant existing versus not existing">\n'
        + contigs
        + "##tumor_sample=TUMOR01\n"
        '##INFO=<ID=ANNOVAR_DATE,Number=1,Type=String,Description="Flag the start of ANNOVAR '
        'annotation for one alternative allele">\n'
        + "".join(f'##INFO=<ID={k},Number=.,Type=String,Description="{k} annotation provided '
                  'by ANNOVAR">\n' for k in keys)
        + '##INFO=<ID=ALLELE_END,Number=0,Type=Flag,Description="Flag the end of ANNOVAR '
        'annotation for one alternative allele">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR01\n")


HG19 = ("##contig=<ID=1,length=249250621>\n##contig=<ID=7,length=159138663>\n"
        "##contig=<ID=12,length=133851895>\n##contig=<ID=17,length=81195210>\n"
        "##reference=file:///ref/human_g1k_v37.fasta\n")
HG38 = ("##contig=<ID=chr1,length=248956422>\n##contig=<ID=chr7,length=159345973>\n"
        "##contig=<ID=chr12,length=133275309>\n##contig=<ID=chr17,length=83257441>\n"
        "##reference=file:///ref/Homo_sapiens_assembly38.fasta\n")


def block(func: str, gene: str, detail: str, exonic: str, aachange: str,
          cosmic: str = ".", rs: str = ".", model: str = "refGene") -> str:
    return (f"ANNOVAR_DATE=2020-06-08;Func.{model}={func};Gene.{model}={gene};"
            f"GeneDetail.{model}={detail};ExonicFunc.{model}={exonic};"
            f"AAChange.{model}={aachange};cosmic70={cosmic};avsnp150={rs};ALLELE_END")


BRAF_HG19 = block(
    "exonic", "BRAF", ".", "nonsynonymous_SNV",
    "BRAF:NM_001354609:exon15:c.T1799A:p.V600E,BRAF:NM_004333:exon15:c.T1799A:p.V600E",
    r"ID\x3dCOSM476\x3bOCCURENCE\x3d8(thyroid),2(large_intestine)", "rs113488022")
# TP53 R213*: the Δ133 and Δ40 isoforms are listed first with their own residue numbers.
TP53_HG19 = block(
    "exonic", "TP53", ".", "stopgain",
    "TP53:NM_001126115:exon2:c.C241T:p.R81X,TP53:NM_001276697:exon2:c.C160T:p.R54X,"
    "TP53:NM_001276760:exon6:c.C520T:p.R174X,TP53:NM_000546:exon6:c.C637T:p.R213X,"
    "TP53:NM_001126112:exon6:c.C637T:p.R213X", r"ID\x3dCOSM10654\x3bOCCURENCE\x3d3(lung)",
    "rs397516436")
TP53_SPLICE_HG19 = block(
    "splicing", "TP53",
    "NM_001276760:exon5:c.259-1G>A,NM_001276761:exon5:c.259-1G>A,NM_000546:exon5:c.376-1G>A,"
    "NM_001126112:exon5:c.376-1G>A", ".", ".")
INTERGENIC_HG19 = block("intergenic", "DENND2A,ADCK2", r"dist\x3d14387\x3bdist\x3d17745", ".",
                        ".")
KRAS_G12V = block("exonic", "KRAS", ".", "nonsynonymous_SNV",
                  "KRAS:NM_033360:exon2:c.G35T:p.G12V,KRAS:NM_004985:exon2:c.G35T:p.G12V")
KRAS_G12D = block("exonic", "KRAS", ".", "nonsynonymous_SNV",
                  "KRAS:NM_033360:exon2:c.G35A:p.G12D,KRAS:NM_004985:exon2:c.G35A:p.G12D")

ANNOVAR_HG19 = annovar_header(HG19) + rows(f"""
7  140453136 . A T . PASS DP=112;TLOD=98.31;{BRAF_HG19} GT:AD:AF:DP 0/1:60,52:0.464:112
17 7578212   . G A . PASS DP=88;TLOD=40.22;{TP53_HG19} GT:AD:AF:DP 0/1:50,38:0.432:88
17 7578555   . C T . PASS DP=95;TLOD=30.05;{TP53_SPLICE_HG19} GT:AD:AF:DP 0/1:64,31:0.326:95
7  140355000 . G A . PASS DP=70;TLOD=12.40;{INTERGENIC_HG19} GT:AD:AF:DP 0/1:55,15:0.214:70
12 25398284  . C A,T . PASS DP=150;TLOD=33.1,20.4;{KRAS_G12V};{KRAS_G12D} GT:AD:DP 1/2:70,45,35:150
""")


def read(text: str):
    return read_vcf(text.encode(), name="sample.vcf")[0]


def line(text: str, k: int) -> str:
    """The source of data row ``k`` (1-based) of a VCF text."""
    return f"line {sum(ln.startswith('#') for ln in text.splitlines()) + k}"


def test_annovar_grch37_calls_gene_protein_transcript_per_allele():
    r = read(ANNOVAR_HG19)
    assert r.genome_build == "GRCh37"
    got = [(v.gene, v.protein_change, v.cdna_change, v.transcript, v.exon, v.consequence)
           for v in r.variants]
    assert got == [
        # MANE Select NM_004333 chosen over the first-listed NM_001354609
        ("BRAF", "p.V600E", "c.1799T>A", "NM_004333", 15, "missense_variant"),
        # NM_000546 (MANE Select) gives R213*, not the first-listed isoform's R81X
        ("TP53", "p.R213X", "c.637C>T", "NM_000546", 6, "stop_gained"),
        # splicing: no protein change; c.376-1 is the canonical acceptor site; intronic: no exon
        ("TP53", None, "c.376-1G>A", "NM_000546", None, "splice_acceptor_variant"),
        # intergenic: Gene.refGene names the flanking genes, which are not the call's gene
        (None, None, None, None, None, "intergenic_variant"),
        # one ALLELE_END block per ALT allele, in ALT order
        ("KRAS", "p.G12V", "c.35G>T", "NM_004985", 2, "missense_variant"),
        ("KRAS", "p.G12D", "c.35G>A", "NM_004985", 2, "missense_variant"),
    ]
    assert [v.source for v in r.variants] == [line(ANNOVAR_HG19, k) for k in (1, 2, 3, 4)] + [
        line(ANNOVAR_HG19, 5) + ", allele 1", line(ANNOVAR_HG19, 5) + ", allele 2"]
    assert not [w for w in r.warnings if "not defined" in w]  # every key is declared


def test_annovar_grch38_versioned_ids_and_other_gene_model():
    aa = ("BRAF:NM_001374258.1:exon16:c.T1919A:p.V640E,BRAF:NM_001354609.2:exon15:c.T1799A:"
          "p.V600E,BRAF:NM_001374244.1:exon16:c.T1919A:p.V640E,BRAF:NM_004333.6:exon15:"
          "c.T1799A:p.V600E")
    text = annovar_header(HG38, "refGeneWithVer") + rows(
        "chr7 140753336 . A T . PASS DP=97;TLOD=80.1;"
        + block("exonic", "BRAF", ".", "nonsynonymous_SNV", aa, model="refGeneWithVer")
        + " GT:AD:AF:DP 0/1:50,47:0.485:97")
    v = read(text).variants[0]
    assert (v.gene, v.protein_change, v.transcript, v.cdna_change, v.exon) == (
        "BRAF", "p.V600E", "NM_004333.6", "c.1799T>A", 15)


def test_annovar_without_mane_table_takes_the_first_transcript(monkeypatch):
    monkeypatch.setattr(vcf_annotations, "_mane_select", lambda transcript: False)
    r = read(ANNOVAR_HG19)
    assert (r.variants[0].transcript, r.variants[1].protein_change) == ("NM_001354609", "p.R81X")
    assert r.variants[2].cdna_change == "c.259-1G>A"


def test_annovar_one_block_on_a_multiallelic_record_only_where_unambiguous():
    """One set of keys on a 2-ALT record: the SNV's cDNA (c.G35A on the minus strand, REF C)
    names ALT T, so allele 2 gets it and allele 1 nothing; an indel's cDNA names no allele."""
    snv = annovar_header(HG19) + rows(
        f"12 25398284 . C A,T . PASS DP=150;{KRAS_G12D} GT:AD:DP 1/2:70,45,35:150")
    a1, a2 = read(snv).variants
    assert (a1.gene, a1.protein_change) == (None, None)
    assert (a2.gene, a2.protein_change) == ("KRAS", "p.G12D")
    assert a2.source == line(snv, 1) + ", allele 2"
    indel = block("exonic", "EGFR", ".", "nonframeshift_deletion",
                  "EGFR:NM_005228:exon19:c.2235_2249del:p.E746_A750del")
    text = annovar_header(HG19) + rows(
        f"7 55242464 . AGGAATTAAGAGAAGC A,AGGAATTAAGAGAAGCA . PASS DP=90;{indel} "
        "GT:AD:DP 1/2:40,30,20:90")
    assert [(v.gene, v.protein_change) for v in read(text).variants] == [(None, None)] * 2


def test_annovar_unknown_and_missing_values_give_no_protein_change():
    text = annovar_header(HG19) + rows(
        "7 140453136 . A T . PASS DP=50;"
        + block("exonic", "BRAF", ".", "unknown", "UNKNOWN") + " GT:AD:DP 0/1:30,20:50\n"
        "7 140453137 . C G . PASS DP=50;"
        + block(".", ".", ".", ".", ".") + " GT:AD:DP 0/1:30,20:50")
    unknown, empty = read(text).variants
    assert (unknown.gene, unknown.protein_change, unknown.consequence) == ("BRAF", None, None)
    assert (empty.gene, empty.protein_change, empty.consequence, empty.transcript) == (
        None, None, None, None)


def test_annovar_escaped_exonic_splicing_call():
    """``exonic;splicing`` arrives as ``exonic\\x3bsplicing``: an exon base next to the junction
    keeps its protein change and adds a splice region, not a splice site."""
    text = annovar_header(HG19) + rows(
        "7 116412043 . G A . PASS DP=60;"
        + block(r"exonic\x3bsplicing", "MET", "NM_000245:exon14:c.3028G>A",
                "nonsynonymous_SNV", "MET:NM_001127500:exon14:c.G3082A:p.D1028N,"
                "MET:NM_000245:exon14:c.G3028A:p.D1010N")
        + " GT:AD:DP 0/1:40,20:60")
    v = read(text).variants[0]
    assert (v.gene, v.protein_change, v.transcript, v.consequence) == (
        "MET", "p.D1010N", "NM_000245", "missense_variant&splice_region_variant")


@pytest.mark.parametrize("detail, term", [
    ("NM_000546:exon4:c.375+1G>A", "splice_donor_variant"),
    ("NM_000546:exon5:c.376-2A>G", "splice_acceptor_variant"),
    ("NM_000546:exon5:c.376-5T>C", "splice_region_variant"),  # -splicing_threshold 5
    (".", "splice_region_variant"),  # no position: a splice site cannot be claimed
])
def test_annovar_splicing_is_a_splice_site_only_at_the_canonical_bases(detail, term):
    ann = Annotations({"ANNOVAR_DATE": {}, "Func.refGene": {}})
    info_text = "DP=10;" + block("splicing", "TP53", detail, ".", ".")
    info = dict(item.partition("=")[::2] for item in info_text.split(";"))
    a = ann.allele(info, info_text, "C", ["T"], 1)
    assert (a.gene, a.protein_change, a.consequence) == ("TP53", None, term)


# ----------------------------------------------------------------------------- Funcotator
GENCODE = ("hugoSymbol ncbiBuild chromosome start end variantClassification "
           "secondaryVariantClassification variantType refAllele tumorSeqAllele1 tumorSeqAllele2 "
           "genomeChange annotationTranscript transcriptStrand transcriptExon transcriptPos "
           "cDnaChange codonChange proteinChange gcContent referenceContext "
           "otherTranscripts").split()
FUNCOTATION_FIELDS = "|".join([f"Gencode_34_{f}" for f in GENCODE]
                              + ["ClinVar_VCF_CLNSIG", "HGNC_Approved_Name"])


# Funcotator also writes this line, whose key has a space; the header parser refuses it (see
# test_funcotator_version_meta_line below), so the fixtures leave it out.
FUNCOTATOR_VERSION = ("##Funcotator Version=4.1.9.0 | Gencode 34 CANONICAL | ClinVar_VCF "
                      "20180429_hg38 | HGNC Nov302017\n")


def funcotator_vcf(body: str, contigs: str = HG38) -> str:
    return (
        "##fileformat=VCFv4.2\n"
        '##FILTER=<ID=PASS,Description="All filters passed">\n'
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt '
        'alleles in the order listed">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth; some reads may '
        'have been filtered">\n'
        '##INFO=<ID=FUNCOTATION,Number=A,Type=String,Description="Functional annotation from the '
        f'Funcotator tool.  Funcotation fields are: {FUNCOTATION_FIELDS}">\n'
        + contigs
        + "##source=Funcotator\n"
        "##tumor_sample=TUMOR01\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR01\n" + rows(body))


def funcotation(*values: str) -> str:
    assert len(values) == len(GENCODE) + 2
    return "[" + "|".join(values) + "]"


BRAF_MANE = funcotation(
    "BRAF", "hg38", "chr7", "140753336", "140753336", "MISSENSE", "", "SNP", "A", "A", "T",
    "g.chr7:140753336A>T", "ENST00000646891.2", "-", "15", "1860", "c.1799T>A",
    "c.(1798-1800)gTg>gAg", "p.V600E", "0.38", "TCGAGATTTCACTGTAGCTAG",
    "BRAF_ENST00000644969.2_MISSENSE_p.V640E/BRAF_ENST00000288602.11_MISSENSE_p.V600E",
    "Pathogenic", "B-Raf_%20_proto-oncogene_%2C__%20_serine/threonine_%20_kinase")
BRAF_PLUS_CLINICAL = funcotation(
    "BRAF", "hg38", "chr7", "140753336", "140753336", "MISSENSE", "", "SNP", "A", "A", "T",
    "g.chr7:140753336A>T", "ENST00000644969.2", "-", "16", "1980", "c.1919T>A",
    "c.(1918-1920)gTg>gAg", "p.V640E", "0.38", "TCGAGATTTCACTGTAGCTAG", "", "Pathogenic",
    "B-Raf_%20_proto-oncogene_%2C__%20_serine/threonine_%20_kinase")
TP53_NONSENSE = funcotation(
    "TP53", "hg38", "chr17", "7674894", "7674894", "NONSENSE", "", "SNP", "G", "G", "A",
    "g.chr17:7674894G>A", "ENST00000269305.8", "-", "6", "827", "c.637C>T",
    "c.(637-639)Cga>Tga", "p.R213*", "0.56", "", "TP53_ENST00000445888.6_NONSENSE_p.R213*",
    "Pathogenic", "tumor_%20_protein_%20_p53")
TP53_SPLICE = funcotation(
    "TP53", "hg38", "chr17", "7675237", "7675237", "SPLICE_SITE", "INTRON", "SNP", "C", "C", "T",
    "g.chr17:7675237C>T", "ENST00000269305.8", "-", "", "", "c.e5-1G>A", "", "", "0.55", "",
    "TP53_ENST00000445888.6_SPLICE_SITE", "Pathogenic", "tumor_%20_protein_%20_p53")
IGR = funcotation(
    "Unknown", "hg38", "chr7", "140655200", "140655200", "IGR", "", "SNP", "G", "G", "A",
    "g.chr7:140655200G>A", "no_transcript", "", "", "", "", "", "", "0.41", "", "", "", "")
KRAS_12V, KRAS_12D = (funcotation(
    "KRAS", "hg38", "chr12", "25245350", "25245350", "MISSENSE", "", "SNP", "C", "C", alt,
    f"g.chr12:25245350C>{alt}", "ENST00000311936.8", "-", "2", "225", f"c.35G>{c}",
    f"c.(34-36)gGt>g{c}t", f"p.G12{aa}", "0.35", "", "", "Pathogenic",
    "KRAS_%20_proto-oncogene_%2C__%20_GTPase") for alt, c, aa in (("A", "T", "V"), ("T", "A", "D")))

FUNCOTATOR_HG38 = funcotator_vcf(f"""
chr7  140753336 . A T   . PASS DP=120;FUNCOTATION={BRAF_MANE} GT:AD:DP 0/1:64,56:120
chr17 7674894   . G A   . PASS DP=77;FUNCOTATION={TP53_NONSENSE} GT:AD:DP 0/1:40,37:77
chr17 7675237   . C T   . PASS DP=81;FUNCOTATION={TP53_SPLICE} GT:AD:DP 0/1:50,31:81
chr7  140655200 . G A   . PASS DP=66;FUNCOTATION={IGR} GT:AD:DP 0/1:50,16:66
chr12 25245350  . C A,T . PASS DP=150;FUNCOTATION={KRAS_12V},{KRAS_12D} GT:AD:DP 1/2:70,45,35:150
""")


def test_funcotator_grch38_calls_gene_protein_transcript_per_allele():
    r = read(FUNCOTATOR_HG38)
    assert r.genome_build == "GRCh38"
    got = [(v.gene, v.protein_change, v.cdna_change, v.transcript, v.exon, v.consequence)
           for v in r.variants]
    assert got == [
        ("BRAF", "p.V600E", "c.1799T>A", "ENST00000646891.2", 15, "missense_variant"),
        ("TP53", "p.R213*", "c.637C>T", "ENST00000269305.8", 6, "stop_gained"),
        # Funcotator's intronic 'c.e5-1G>A' is no transcript position: no cDNA, no exon
        ("TP53", None, None, "ENST00000269305.8", None, "Splice_Site"),
        (None, None, None, None, None, "intergenic_variant"),
        ("KRAS", "p.G12V", "c.35G>T", "ENST00000311936.8", 2, "missense_variant"),
        ("KRAS", "p.G12D", "c.35G>A", "ENST00000311936.8", 2, "missense_variant"),
    ]
    assert [v.source for v in r.variants][-2:] == [line(FUNCOTATOR_HG38, 5) + ", allele 1",
                                                   line(FUNCOTATOR_HG38, 5) + ", allele 2"]


def test_funcotator_all_transcripts_mode_prefers_mane_select():
    """``--transcript-selection-mode ALL``: '#'-joined groups; the MANE Select one is used."""
    text = funcotator_vcf(f"chr7 140753336 . A T . PASS DP=120;FUNCOTATION={BRAF_PLUS_CLINICAL}#"
                          f"{BRAF_MANE} GT:AD:DP 0/1:64,56:120")
    v = read(text).variants[0]
    assert (v.transcript, v.protein_change, v.exon) == ("ENST00000646891.2", "p.V600E", 15)


def test_funcotator_groups_must_fit_their_allele():
    """The groups are matched to ALTs by position; a substitution's tumorSeqAllele2 must be
    that ALT, else the allele stays un-annotated (coordinates then decide)."""
    def kras(alts: str) -> list[str | None]:
        text = funcotator_vcf(f"chr12 25245350 . C {alts} . PASS DP=150;FUNCOTATION={KRAS_12V},"
                              f"{KRAS_12D} GT:AD:DP 1/2:70,45,35:150")
        return [v.protein_change for v in read(text).variants]

    assert kras("A,T") == ["p.G12V", "p.G12D"]
    assert kras("T,A") == [None, None]  # groups written for the other ALT order


def test_funcotator_splice_protein_notation_is_not_a_protein_change():
    ann = Annotations({"FUNCOTATION": {"Description": "Functional annotation from the Funcotator "
                                                      "tool.  Funcotation fields are: "
                                                      + FUNCOTATION_FIELDS}})
    values = TP53_SPLICE.strip("[]").split("|")
    values[GENCODE.index("proteinChange")] = "p.X126_splice"
    exonic = TP53_SPLICE.strip("[]").split("|")
    for name, value in (("secondaryVariantClassification", "MISSENSE"),
                        ("cDnaChange", "c.376_splice"), ("proteinChange", "p.X126_splice")):
        exonic[GENCODE.index(name)] = value
    for vals, consequence in ((values, "Splice_Site"),
                              (exonic, "splice_region_variant&missense_variant")):
        value = "[" + "|".join(vals) + "]"
        a = ann.allele({"FUNCOTATION": value}, "", "C", ["T"], 1)
        assert (a.gene, a.protein_change, a.cdna_change, a.consequence) == (
            "TP53", None, None, consequence)


def test_csq_still_wins_over_annovar_keys_on_the_same_record():
    header = annovar_header(HG19).replace(
        "##tumor_sample", '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence '
        'annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL|Feature|HGVSp">\n'
        "##tumor_sample")
    text = header + rows(
        "7 140453136 . A T . PASS CSQ=T|missense_variant|BRAF|ENST00000646891|"
        f"ENSP00000493543.1:p.Val600Glu;{BRAF_HG19} GT:AD:DP 0/1:60,52:112\n"
        f"7 140453136 . A T . PASS {BRAF_HG19} GT:AD:DP 0/1:60,52:112")
    vep, annovar = read(text).variants
    assert (vep.protein_change, vep.transcript) == ("p.Val600Glu", "ENST00000646891")
    assert (annovar.protein_change, annovar.transcript) == ("p.V600E", "NM_004333")


# ----------------------------------------------------------------------------- end to end
@pytest.mark.parametrize("text, transcript", [(ANNOVAR_HG19, "NM_004333"),
                                              (FUNCOTATOR_HG38, "ENST00000646891.2")])
def test_braf_v600e_in_thap_ranks_dabrafenib_trametinib_first(kb, text, transcript):
    r = run(text.encode(), kb=kb, filename="tumor.annotated.vcf",
            options=ReadOptions(tumor_type="THAP"))[0]
    assert r.therapy_options[0].name == "dabrafenib + trametinib"
    braf = next(o.alteration for o in r.alterations if o.alteration.gene == "BRAF")
    # named from the annotation, not recovered from hotspot coordinates
    assert braf.label == "BRAF V600E" and braf.variant.transcript == transcript
    assert not any("genomic coordinates" in n for n in braf.notes)
    tp53 = [o.alteration for o in r.alterations if o.alteration.gene == "TP53"]
    assert [(a.label, a.variant.consequence) for a in tp53] == [
        ("TP53 R213*", "nonsense"), (tp53[1].label, "splice")]
    kras = [o.alteration.label for o in r.alterations if o.alteration.gene == "KRAS"]
    assert kras == ["KRAS G12V", "KRAS G12D"]


# ----------------------------------------------------------------------------- header bends
# Lines both tools really write that the VCF 4.3 grammar does not allow: read, with a warning.
def test_funcotator_version_meta_line():
    text = FUNCOTATOR_HG38.replace("##source=Funcotator\n",
                                   FUNCOTATOR_VERSION + "##source=Funcotator\n")
    report = read(text)
    assert report.variants[0].protein_change == "p.V600E"
    assert any("not a valid key" in w for w in report.warnings)


def test_annovar_on_a_record_whose_info_was_empty():
    text = annovar_header(HG19) + rows(f"7 140453136 . A T . PASS .;{BRAF_HG19} GT:AD:DP "
                                       "0/1:60,52:112")
    report = read(text)
    assert report.variants[0].protein_change == "p.V600E"
    assert any("INFO holds '.'" in w for w in report.warnings)


def test_annovar_with_1000_genomes_frequency_column():
    text = annovar_header(HG19).replace(
        "##INFO=<ID=ALLELE_END", '##INFO=<ID=1000g2015aug_all,Number=1,Type=Float,Description='
        '"1000g2015aug_all annotation provided by ANNOVAR">\n##INFO=<ID=ALLELE_END') + rows(
        "7 140453136 . A T . PASS DP=112;" + BRAF_HG19.replace(
            ";ALLELE_END", ";1000g2015aug_all=.;ALLELE_END") + " GT:AD:DP 0/1:60,52:112")
    report = read(text)
    assert report.variants[0].protein_change == "p.V600E"
    assert any("outside the VCF ID grammar" in w for w in report.warnings)


def test_ids_that_would_break_a_record_are_still_refused():
    from matcher.errors import InputError

    text = annovar_header(HG19).replace(
        "##INFO=<ID=ALLELE_END", '##INFO=<ID=bad;id,Number=1,Type=Float,Description="x">\n'
        "##INFO=<ID=ALLELE_END") + rows(f"7 140453136 . A T . PASS DP=112;{BRAF_HG19} GT:AD:DP "
                                        "0/1:60,52:112")
    with pytest.raises(InputError, match="invalid ID"):
        read(text)


SITES_ONLY = ("##fileformat=VCFv4.2\n##reference=GRCh37\n##contig=<ID=7,length=159138663>\n"
              '##INFO=<ID=AF,Number=A,Type=Float,Description="{desc}">\n'
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
              "7\t140453136\t.\tA\tT\t.\tPASS\tAF=0.0004\n")


def test_a_population_frequency_in_info_af_is_not_taken_for_the_vaf():
    """Sites-only files give their VAF in INFO AF, unless an annotator wrote a population
    frequency there (ANNOVAR's gnomAD protocol: 'AF annotation provided by ANNOVAR')."""
    annovar = read(SITES_ONLY.format(desc="AF annotation provided by ANNOVAR"))
    assert annovar.variants[0].vaf is None
    caller = read(SITES_ONLY.format(desc="Allele frequency of the variant in the tumor"))
    assert caller.variants[0].vaf == 0.0004
