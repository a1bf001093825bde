"""VEP CSQ and snpEff ANN: field order from the header, transcript choice, HGVS clean-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.readers.vcf import read_vcf
from matcher.readers.vcf_annotations import Annotations

DATA = Path(__file__).parent / "data" / "vcf"


def test_real_pcgr_vep_file():
    r = read_vcf((DATA / "pcgr-vep-csq.BRCA.subset.vcf").read_bytes())[0]
    assert r.genome_build == "GRCh37"  # ##reference=GRCh37 (no contig lines)
    by_gene = {v.gene: v for v in r.variants}
    pik3ca = by_gene["PIK3CA"]
    assert (pik3ca.protein_change, pik3ca.cdna_change, pik3ca.consequence, pik3ca.exon,
            pik3ca.transcript) == ("p.His1047Arg", "c.3140A>G", "missense_variant", 21,
                                   "ENST00000263967")
    assert by_gene["TP53"].protein_change == "p.Val272Met"
    # VEP v85 wrote a c. notation into HGVSp for this synonymous call: not a protein change
    assert by_gene["H6PD"].protein_change is None
    assert by_gene["CROCCP2"].cdna_change == "n.1000+10A>G"
    assert by_gene["DOCK7"].consequence == "stop_gained&splice_region_variant"
    assert any("4.0" in w for w in r.warnings)


FIELDS = "Allele|Consequence|SYMBOL|Feature|EXON|HGVSc|HGVSp|CANONICAL|PICK|MANE_SELECT"


def csq(*entries: str) -> Annotations:
    return Annotations({"CSQ": {"Description": f"Consequence annotations. Format: {FIELDS}"}})


@pytest.mark.parametrize("entries, transcript", [
    (["T|missense_variant|BRAF|ENST1|15/18|ENST1.1:c.1799T>A|ENSP1.1:p.Val600Glu|||",
      "T|missense_variant|BRAF|ENST2|16/19|ENST2.1:c.1919T>A|ENSP2.1:p.Val640Glu|YES|1|"
      "NM_001374258.1"],  # MANE Select beats everything (here given on the second entry)
     "ENST2"),
    (["T|missense_variant|BRAF|ENST1|15/18|c.1|p.Val600Glu|||",
      "T|missense_variant|BRAF|ENST2|15/18|c.1|p.Val600Glu|YES||",
      "T|missense_variant|BRAF|ENST3|15/18|c.1|p.Val600Glu||1|"], "ENST2"),
    (["T|missense_variant|BRAF|ENST1|15/18|c.1|p.Val600Glu|||",
      "T|missense_variant|BRAF|ENST3|15/18|c.1|p.Val600Glu||1|"], "ENST3"),
    (["T|missense_variant|BRAF|ENST1|15/18|c.1|p.Val600Glu|||",
      "T|missense_variant|BRAF|ENST3|15/18|c.1|p.Val600Glu|||"], "ENST1"),
])
def test_transcript_choice_mane_canonical_pick_first(entries, transcript):
    a = csq().choose(",".join(entries), "A", "T", 1, 1)
    assert a.transcript == transcript


def test_hgvs_prefix_and_percent_escapes():
    a = csq().choose("T|synonymous_variant|X|ENST1|2/5|ENST1.2:c.360G>A|ENSP1.2:p.Leu120%3D|||",
                     "G", "T", 1, 1)
    assert (a.protein_change, a.cdna_change, a.exon) == ("p.Leu120=", "c.360G>A", 2)


def test_alleles_matched_per_alt_including_vep_trimmed_indels():
    value = ("-|frameshift_variant|TSC2|ENST1|10/42|c.1del|p.Lys1fs|||,"
             "G|missense_variant|TSC2|ENST1|10/42|c.2A>G|p.Lys2Arg|||")
    ann = csq()
    assert ann.choose(value, "CA", "C", 1, 2).consequence == "frameshift_variant"
    assert ann.choose(value, "CA", "GA", 2, 2) is None  # VEP would write 'GA'; not listed
    assert ann.choose(value, "A", "G", 2, 2).protein_change == "p.Lys2Arg"


def test_snpeff_ann_from_header_description():
    desc = ("Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | "
            "Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | "
            "cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | "
            "ERRORS / WARNINGS / INFO' ")
    ann = Annotations({"ANN": {"Description": desc}})
    a = ann.choose("T|intron_variant|MODIFIER|TSC2|ENSG1|transcript|ENST9|protein_coding|3/41|"
                   "c.100+5C>T||||||,T|stop_gained|HIGH|TSC2|ENSG1|transcript|ENST1|"
                   "protein_coding|30/42|c.3532C>T|p.Gln1178*||||", "C", "T", 1, 1)
    # snpEff lists the most severe first, and has no canonical flag: first entry; intron rank
    # is not an exon number
    assert (a.gene, a.transcript, a.consequence, a.exon) == ("TSC2", "ENST9", "intron_variant",
                                                             None)
