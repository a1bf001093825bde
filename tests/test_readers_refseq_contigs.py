"""VCFs whose contigs are RefSeq chromosome accessions (``NC_000007.14``), as NCBI's GRCh37/GRCh38
FASTA and dbSNP's VCFs name them: the calls were "intergenic … outside every known gene span"
and the build could not be told from the ##contig lengths, so BRAF V600E was not assessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.pipeline import run
from matcher.readers import ReadOptions
from matcher.reference.hotspots import canonical_chrom

# Ensembl VEP's test chromosome synonyms (Ensembl/ensembl-vep t/testdata/chr_synonyms.txt, the
# 25 RefSeq accession rows; Apache-2.0): every one is read as its chromosome.
SYNONYMS = [line.split("\t") for line in (Path(__file__).parent / "data" / "vcf" /
            "ensembl-vep.chr_synonyms.refseq.txt").read_text().splitlines()]

# NCBI RefSeq accessions of chr7 in each build, with the build's chr7 length and BRAF V600E's
# c.1799T>A position (knowledgebase/reference/contig_lengths.tsv; the hotspot table).
CASES = [("NC_000007.14", 159345973, 140753336, "GRCh38"),
         ("NC_000007.13", 159138663, 140453136, "GRCh37")]


def _vcf(contig: str, length: int | None, pos: int) -> bytes:
    header = f"##contig=<ID={contig},length={length}>\n" if length else ""
    return (f"##fileformat=VCFv4.2\n{header}#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
            f"{contig}\t{pos}\t.\tA\tT\t.\tPASS\t.\n").encode()


@pytest.mark.parametrize(("name", "chrom"), [
    ("NC_000007.14", "7"), ("NC_000007.13", "7"), ("NC_000001.11", "1"), ("nc_000017.10", "17"),
    ("NC_000023.11", "X"), ("NC_000024.10", "Y"), ("NC_012920.1", "MT"), ("NC_000007", "7"),
    ("chr7", "7"), ("NW_021160030.1", "NW_021160030.1"), ("NC_000025.1", "NC_000025.1"),
    ("NC_000067.7", "NC_000067.7")])  # the last: a mouse chromosome, not read as a human one
def test_refseq_chromosome_accessions_are_chromosomes(name, chrom):
    assert canonical_chrom(name) == chrom


def test_every_refseq_synonym_of_ensembl_vep_is_its_chromosome():
    assert len(SYNONYMS) == 25
    for chrom, accession in SYNONYMS:
        assert canonical_chrom(accession) == chrom == canonical_chrom(f"chr{chrom}")


@pytest.mark.parametrize(("contig", "length", "pos", "build"), CASES)
def test_braf_v600e_on_a_refseq_contig_is_matched(kb, contig, length, pos, build):
    (res,) = run(_vcf(contig, length, pos), kb=kb, filename="refseq.vcf",
                 options=ReadOptions(tumor_type="MEL"))
    assert res.genome_build == build  # told by the ##contig length
    (alt,) = res.alterations
    assert (alt.alteration.gene, alt.alteration.label, alt.status) == (
        "BRAF", "BRAF V600E", "matched")
    assert any(o.level == "1" for o in res.therapy_options)
    # without a ##contig line, the build comes from the hotspot allele, as for '7'
    (res,) = run(_vcf(contig, None, pos), kb=kb, filename="refseq.vcf",
                 options=ReadOptions(tumor_type="MEL"))
    assert res.genome_build == build and res.alterations[0].status == "matched"
