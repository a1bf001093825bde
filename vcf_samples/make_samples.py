# ruff: noqa: E501  (VCF header and record literals are kept on one line, as in the files)
"""Regenerate the VCF/MAF/fusion samples in this folder: `python vcf_samples/make_samples.py`.

Coordinates and alleles come from the cancerhotspots-derived hotspot VCFs (both builds) and
CIViC 01-Aug-2024 VariantSummaries (TSC2 Q1178*); see README.md. Read depths are invented.
"""

from pathlib import Path

import pysam

HERE = Path(__file__).resolve().parent
G37 = {"1": 249250621, "2": 243199373, "3": 198022430, "7": 159138663, "10": 135534747,
       "16": 90354753, "17": 81195210}
G38 = {"chr1": 248956422, "chr2": 242193529, "chr3": 198295559, "chr7": 159345973,
       "chr10": 133797422, "chr16": 90338345, "chr17": 83257441}
FORMAT_DEFS = """##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">"""


def contigs(lengths):
    return "\n".join(f"##contig=<ID={c},length={n}>" for c, n in lengths.items())


def braf(build):
    g37 = build == "GRCh37"
    rows = [  # chrom, pos, ref, alt, filter, AD, what
        ("7", 140453136, 140753336, "A", "T", "PASS", (231, 181)),          # BRAF V600E
        ("17", 7577538, 7674220, "C", "T", "PASS", (160, 122)),            # TP53 R248Q
        ("3", 178936091, 179218303, "G", "A", "weak_evidence", (402, 9)),  # PIK3CA E545K
    ]
    head = f"""##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=weak_evidence,Description="Mutation does not meet likelihood threshold">
{FORMAT_DEFS}
##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
{contigs(G37 if g37 else G38)}
##reference={"GRCh37" if g37 else "GRCh38"}
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tATC-DEMO-01-T
"""
    body = ""
    for chrom, p37, p38, ref, alt, filt, (r, a) in rows:
        c = chrom if g37 else f"chr{chrom}"
        body += (f"{c}\t{p37 if g37 else p38}\t.\t{ref}\t{alt}\t.\t{filt}\tDP={r + a}\t"
                 f"GT:AD:AF:DP\t0/1:{r},{a}:{a / (r + a):.3f}:{r + a}\n")
    return head + body


VEP_FORMAT = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|"
              "HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|"
              "Existing_variation|ALLELE_NUM|DISTANCE|STRAND|FLAGS|PICK|VARIANT_CLASS|"
              "SYMBOL_SOURCE|HGNC_ID|CANONICAL|APPRIS|CCDS|ENSP|SWISSPROT|TREMBL|UNIPARC|RefSeq|"
              "DOMAINS|HGVS_OFFSET|CLIN_SIG|SOMATIC|PHENO|MOTIF_NAME|MOTIF_POS|HIGH_INF_POS|"
              "MOTIF_SCORE_CHANGE")
# Verbatim from the PCGR example (vep-csq.BRCA.vcf.gz, line for 3:178952085 A>G), DOMAINS cut.
PIK3CA_CSQ = ("G|missense_variant|MODERATE|PIK3CA|ENSG00000121879|Transcript|ENST00000263967|"
              "protein_coding|21/21||ENST00000263967.3:c.3140A>G|ENSP00000263967.3:p.His1047Arg|"
              "3297/9093|3140/3207|1047/1068|H/R|cAt/cGt|rs121913279&COSM775&COSM94986|1||1||1|"
              "SNV|HGNC|8975|YES||CCDS43171.1|ENSP00000263967|P42336|Q4LE51&C9JAM9&C9J951|"
              "UPI000013D494|NM_006218.2|||pathogenic|0&1&1|1&1&1||||,"
              "G|downstream_gene_variant|MODIFIER|RP11-245C23.3|ENSG00000272700|Transcript|"
              "ENST00000609807|antisense|||||-/685|||||rs121913279&COSM775&COSM94986|1|2394|-1|||"
              "SNV|Clone_based_vega_gene||YES||||||||||pathogenic|0&1&1|1&1&1||||")
# Composed in the same layout from CIViC variant 469 (TSC2 Q1178*, ENST00000219476.3:c.3532C>T,
# p.Gln1178Ter, stop_gained); the protein id/version is the MANE ENSP00000219476.3.
TSC2_CSQ = ("T|stop_gained|HIGH|TSC2|ENSG00000103197|Transcript|ENST00000219476|protein_coding|||"
            "ENST00000219476.3:c.3532C>T|ENSP00000219476.3:p.Gln1178Ter|||1178||||1||1||1|SNV|"
            "HGNC|12363|YES||||||||NM_000548.4||||||||||")


def vep():
    return f"""##fileformat=VCFv4.2
##reference=GRCh37
##VEP=v85 cache=/usr/local/share/vep/data/homo_sapiens/85_GRCh37 assembly=GRCh37.p13
##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: {VEP_FORMAT}">
{contigs({c: G37[c] for c in ("1", "3", "16")})}
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO
3	178952085	.	A	G	.	PASS	CSQ={PIK3CA_CSQ}
16	2130300	.	C	T	.	PASS	CSQ={TSC2_CSQ}
"""


SNPEFF_HEADER = ("Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | "
                 "Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | "
                 "HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | "
                 "Distance | ERRORS / WARNINGS / INFO' ")


def snpeff():
    pik3ca = ("G|missense_variant|MODERATE|PIK3CA|ENSG00000121879|transcript|ENST00000263967.3|"
              "protein_coding|21/21|c.3140A>G|p.His1047Arg|3297/9093|3140/3207|1047/1068||")
    tsc2 = ("T|stop_gained|HIGH|TSC2|ENSG00000103197|transcript|ENST00000219476.3|"
            "protein_coding||c.3532C>T|p.Gln1178*|||1178||")
    return f"""##fileformat=VCFv4.2
##SnpEffVersion="4.3t (build 2017-11-24 10:18), by Pablo Cingolani"
##SnpEffCmd="SnpEff  GRCh37.75 tumor.vcf "
##reference=GRCh37
##INFO=<ID=ANN,Number=.,Type=String,Description="{SNPEFF_HEADER}">
{FORMAT_DEFS}
{contigs({c: G37[c] for c in ("1", "3", "16")})}
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	DEMO-03-T
3	178952085	.	A	G	.	PASS	ANN={pik3ca}	GT:AD:AF:DP	0/1:88,61:0.409:149
16	2130300	.	C	T	.	PASS	ANN={tsc2}	GT:AD:AF:DP	0/1:102,47:0.315:149
"""


def mutect2():
    return f"""##fileformat=VCFv4.2
##source=Mutect2
##tumor_sample=DEMO-02-T
##normal_sample=DEMO-02-N
##reference=file:///references/human_g1k_v37.fasta
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=multiallelic,Description="Site filtered because too many alt alleles pass tumor LOD">
{FORMAT_DEFS}
##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
{contigs({c: G37[c] for c in ("1", "3", "17")})}
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	DEMO-02-N	DEMO-02-T
3	178952085	.	A	G	.	PASS	DP=270	GT:AD:AF:DP	0/0:118,0:0.008:118	0/1:90,62:0.408:152
17	7577538	.	C	T,A	.	multiallelic	DP=331	GT:AD:AF:DP	0/0:109,0,0:0.009,0.009:109	0/1/2:140,70,12:0.316,0.054:222
17	7579472	.	G	C	.	PASS	DP=247	GT:AD:AF:DP	0/1:61,58:0.487:119	0/1:66,62:0.484:128
"""


def manta():
    return f"""##fileformat=VCFv4.1
##source=GenerateSVCandidates 1.6.0
##reference=file:///references/hs37d5.fa
{contigs({c: G37[c] for c in ("1", "2")})}
##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">
##INFO=<ID=MATEID,Number=.,Type=String,Description="ID of mate breakend">
##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant described in this record">
##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Difference in length between REF and ALT alleles">
##INFO=<ID=IMPRECISE,Number=0,Type=Flag,Description="Imprecise structural variation">
##FORMAT=<ID=PR,Number=.,Type=Integer,Description="Spanning paired-read support for the ref and alt alleles in the order listed">
##FORMAT=<ID=SR,Number=.,Type=Integer,Description="Split reads for the ref and alt alleles in the order listed, for reads where P(allele|read)>0.999">
##ALT=<ID=DEL,Description="Deletion">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	DEMO-04-T
2	29446800	MantaBND:1:0:1:0:0:0:0	N	N]2:42522600]	.	PASS	SVTYPE=BND;MATEID=MantaBND:1:0:1:0:0:0:1	PR:SR	31,12:40,9
2	29500000	MantaDEL:2:0:1:0:0:0	N	<DEL>	.	PASS	SVTYPE=DEL;END=29520000;SVLEN=-20000	PR:SR	20,4:18,2
2	42522600	MantaBND:1:0:1:0:0:0:1	N	N]2:29446800]	.	PASS	SVTYPE=BND;MATEID=MantaBND:1:0:1:0:0:0:0	PR:SR	31,12:40,9
"""


def star_fusion():
    rows = [
        "#FusionName\tJunctionReadCount\tSpanningFragCount\tSpliceType\tLeftGene\t"
        "LeftBreakpoint\tRightGene\tRightBreakpoint\tLargeAnchorSupport",
        "CCDC6--RET\t24\t17\tONLY_REF_SPLICE\tCCDC6^ENSG00000108091.12\tchr10:59876400:-\t"
        "RET^ENSG00000165731.19\tchr10:43114400:+\tYES_LDAS",
        # verbatim from the STAR-Fusion test data (a read-through-like passenger call)
        "ACACA--STAC2\t12\t51\tONLY_REF_SPLICE\tACACA^ENSG00000132142.15\tchr17:35479453:-\t"
        "STAC2^ENSG00000141750.6\tchr17:37374426:-\tYES_LDAS",
    ]
    return "\n".join(rows) + "\n"


MAF_COLUMNS = ("Hugo_Symbol Entrez_Gene_Id Center NCBI_Build Chromosome Start_Position "
               "End_Position Strand Variant_Classification Variant_Type Reference_Allele "
               "Tumor_Seq_Allele1 Tumor_Seq_Allele2 Tumor_Sample_Barcode HGVSc HGVSp_Short "
               "Transcript_ID t_depth t_ref_count t_alt_count").split()
MAF_ROWS = [
    ("BRAF", 673, 7, 140453136, "Missense_Mutation", "A", "T", "DEMO-M1", "c.1799T>A",
     "p.V600E", "ENST00000288602", 312, 180, 132),
    ("TP53", 7157, 17, 7577538, "Missense_Mutation", "C", "T", "DEMO-M1", "c.743G>A", "p.R248Q",
     "ENST00000269305", 250, 140, 110),
    ("PIK3CA", 5290, 3, 178952085, "Missense_Mutation", "A", "G", "DEMO-M2", "c.3140A>G",
     "p.H1047R", "ENST00000263967", 198, 121, 77),
    ("TSC2", 7249, 16, 2130300, "Nonsense_Mutation", "C", "T", "DEMO-M3", "c.3532C>T",
     "p.Q1178*", "ENST00000219476", 176, 109, 67),
]


def maf():
    lines = ["#version 2.4", "\t".join(MAF_COLUMNS)]
    for gene, entrez, chrom, pos, cls, ref, alt, sample, hgvsc, hgvsp, tx, depth, r, a in MAF_ROWS:
        lines.append("\t".join(map(str, (
            gene, entrez, "demo.lab", "GRCh37", chrom, pos, pos, "+", cls, "SNP", ref, ref, alt,
            sample, hgvsc, hgvsp, tx, depth, r, a))))
    return "\n".join(lines) + "\n"


CLINICAL = """#Sample Identifier\tPatient Identifier\tOncotree Code
#Sample identifier\tPatient identifier\tOncoTree code of the tumor type
#STRING\tSTRING\tSTRING
#1\t1\t1
SAMPLE_ID\tPATIENT_ID\tONCOTREE_CODE
DEMO-M1\tDEMO-P1\tTHAP
DEMO-M2\tDEMO-P2\tIDC
DEMO-M3\tDEMO-P3\tPECOMA
"""


def main():
    (HERE / "atc_braf_v600e.grch37.vcf").write_text(braf("GRCh37"))
    plain = HERE / "atc_braf_v600e.grch38.vcf"
    plain.write_text(braf("GRCh38"))
    pysam.tabix_index(str(plain), preset="vcf", force=True)  # -> .vcf.gz + .vcf.gz.tbi
    (HERE / "vep_pik3ca_tsc2.grch37.vcf").write_text(vep())
    (HERE / "snpeff_pik3ca_tsc2.grch37.vcf").write_text(snpeff())
    (HERE / "mutect2_tumor_normal.grch37.vcf").write_text(mutect2())
    (HERE / "manta_eml4_alk.grch37.vcf").write_text(manta())
    (HERE / "star_fusion_ccdc6_ret.fusion_candidates.final.abridged.tsv").write_text(star_fusion())
    (HERE / "multi_sample.grch37.maf").write_text(maf())
    (HERE / "multi_sample.clinical.tsv").write_text(CLINICAL)


if __name__ == "__main__":
    main()
