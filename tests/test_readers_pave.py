"""Hartwig PURPLE somatic VCFs annotated by PAVE (INFO ``IMPACT``). Before, a call that is not a
hotspot allele was "raw call inside BRCA2: consequence unknown; annotate with VEP or snpEff",
though the file names its gene, effect and HGVS changes. Layout from hmftools' cuppa test
resources ``TUMOR_SAMPLE.purple.somatic.vcf.gz`` (GPL-3.0, not copied): its ``IMPACT`` and
``PAVE_TI`` header lines and the EGFR T790M record's IMPACT value as written there; the BRCA2
call is ours (c.5946del, the BRCA2 6174delT founder frameshift)."""

from __future__ import annotations

from matcher.pipeline import run
from matcher.readers import ReadOptions
from matcher.readers.vcf import read_vcf

HEADER = """##fileformat=VCFv4.2
##contig=<ID=7,length=159138663>
##contig=<ID=13,length=115169878>
##INFO=<ID=IMPACT,Number=10,Type=String,Description="Variant Impact [Gene, Transcript, \
CanonicalEffect, CanonicalCodingEffect, SpliceRegion, HgvsCodingImpact, HgvsProteinImpact, \
OtherReportableEffects, WorstCodingEffect, GenesAffected]">
##INFO=<ID=HOTSPOT,Number=0,Type=Flag,Description="Site is at a known hotspot location">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO
"""
ROWS = [
    "7\t55249071\t.\tC\tT\t.\tPASS\tHOTSPOT;IMPACT=EGFR,ENST00000275493,missense_variant,"
    "MISSENSE,false,c.2369C>T,p.Thr790Met,,MISSENSE,2",
    "13\t32914437\t.\tGT\tG\t.\tPASS\tIMPACT=BRCA2,ENST00000380152,frameshift_variant,"
    "NONSENSE_OR_FRAMESHIFT,false,c.5946delT,p.Ser1982fs,,NONSENSE_OR_FRAMESHIFT,1",
    "13\t32914437\t.\tG\tA,C\t.\tPASS\tIMPACT=BRCA2,ENST00000380152,missense_variant,"
    "MISSENSE,false,c.5945G>A,p.Ser1982Asn,,MISSENSE,1",
]


def _vcf(rows=ROWS) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def test_pave_impact_gives_gene_effect_and_changes():
    (r,) = read_vcf(_vcf())
    got = [(v.source, v.gene, v.protein_change, v.cdna_change, v.consequence)
           for v in r.variants]
    assert got == [
        ("line 7", "EGFR", "p.Thr790Met", "c.2369C>T", "missense_variant"),
        ("line 8", "BRCA2", "p.Ser1982fs", "c.5946delT", "frameshift_variant"),
        # one IMPACT for two ALT alleles names neither: both matched by coordinates only
        ("line 9, allele 1", None, None, None, None),
        ("line 9, allele 2", None, None, None, None)]


def test_a_pave_brca2_frameshift_is_assessed(kb):
    (res,) = run(_vcf(ROWS[:2]), kb=kb, filename="TUMOR.purple.somatic.vcf",
                 options=ReadOptions(tumor_type="PRAD"))
    status = {a.alteration.gene: (a.status, a.alteration.label) for a in res.alterations}
    assert status["EGFR"] == ("matched", "EGFR T790M")
    assert status["BRCA2"][0] == "matched"
    assert "olaparib" in {o.name for o in res.therapy_options}
