"""Exons from protein positions: protein_exons.tsv.gz, matcher.reference.exons and the normaliser.

A call without an exon from its annotation (lab JSON, MAF without Exon_Number, protein-only calls)
gets the exon of its protein position on the MANE Select transcript, so exon-level evidence
(EGFR exon 19 deletions, ERBB2 exon 20 insertions, KIT exon 11 …) can match it.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from matcher.pipeline import run
from matcher.readers import ReadOptions
from matcher.reference.exons import ProteinExons

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "knowledgebase" / "reference"
BUILDER_DATA = REPO / "tests" / "data" / "exon_builder"  # a subset of the build's sources
BUILDER_GENES = ("BRAF", "EGFR", "MET")
EGFR_EX19_DEL_EVIDENCE = "CIVIC-EID273"  # CIViC "EGFR Exon 19 Deletion": exon 19, inframe_deletion
DERIVED_NOTE = "derived from the protein position on the MANE Select transcript"


@pytest.fixture(scope="module")
def exons():
    return ProteinExons.load(REFERENCE)


def _script():
    spec = importlib.util.spec_from_file_location("make_reference",
                                                  REPO / "scripts" / "make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- the table
@pytest.mark.parametrize("gene, first, last, exon", [
    ("EGFR", 746, None, 19),
    ("EGFR", 750, None, 19),
    ("EGFR", 746, 750, 19),  # E746_A750del
    ("EGFR", 858, None, 21),  # L858R
    ("EGFR", 790, None, 20),  # T790M
    pytest.param("BRAF", 600, None, 15, marks=pytest.mark.xfail(
        strict=True, reason="BRAF's MANE Select transcript (ENST00000646891) is not in the "
        "Ensembl 75 genePred, so the table has no BRAF rows: reported to the lead, not adjusted")),
    ("KIT", 559, None, 11),
    ("KIT", 816, None, 17),  # D816V
    ("PDGFRA", 842, None, 18),  # D842V
    ("ERBB2", 775, 776, 20),  # A775_G776insYVMA
])
def test_well_known_residues_on_the_canonical_transcript(exons, gene, first, last, exon):
    assert exons.exon_of(gene, first, last) == exon


def test_a_range_over_two_exons_is_none(exons):
    table = dict((n, (a, z)) for n, a, z in exons.exons("EGFR"))
    assert table[19][1] < table[20][0]  # no codon split at the exon 19/20 junction
    assert exons.exon_of("EGFR", table[19][1] - 2, table[20][0] + 2) is None
    assert exons.exon_of("EGFR", table[19][1] - 2, table[19][1]) == 19
    assert exons.exon_of("EGFR", 760, 765) is None


def test_split_codon_alone_is_ambiguous_but_a_range_is_pinned(exons):
    # EGFR exons 1 and 2 share a codon (split across the junction)
    table = dict((n, (a, z)) for n, a, z in exons.exons("EGFR"))
    split = table[1][1]
    assert table[2][0] == split
    assert exons.exon_of("EGFR", split) is None
    assert exons.exon_of("EGFR", split - 3, split) == 1
    assert exons.exon_of("EGFR", split, split + 3) == 2


def test_unknown_gene_and_out_of_range(exons):
    assert exons.exon_of("NOTAGENE", 10) is None
    assert exons.exon_of("EGFR", 0) is None
    assert exons.exon_of("EGFR", 750, 746) is None
    last_codon = exons.exons("EGFR")[-1][2]  # the stop codon closes the last coding exon
    assert exons.exon_of("EGFR", last_codon + 1) is None


def test_committed_file_parses_is_sorted_and_contiguous(exons):
    with gzip.open(REFERENCE / "protein_exons.tsv.gz", "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    assert lines[0].split("\t") == [
        "gene", "transcript", "exon", "first_codon", "last_codon", "first_c", "last_c", "chrom",
        "strand", "grch37_start", "grch37_end", "grch38_start", "grch38_end"]
    rows = [line.split("\t") for line in lines[1:]]
    keys = [(r[0], int(r[2])) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert len(exons) > 300
    by_gene = defaultdict(list)
    for gene, transcript, exon, first, last, first_c, last_c, *_ in rows:
        by_gene[gene].append((int(exon), int(first), int(last), transcript, int(first_c),
                              int(last_c)))
    for gene, items in by_gene.items():
        assert items[0][1] == 1 and items[0][4] == 1, gene  # codon 1, c.1: first coding exon
        assert len({t for _, _, _, t, _, _ in items}) == 1 and items[0][3].startswith("ENST")
        for (_, _, last, _, _, last_c), (_, first, _, _, first_c, _) in zip(items, items[1:]):
            assert first in (last, last + 1), gene  # shared codon (split) or the next one
            assert first_c == last_c + 1, gene  # coding bases are contiguous across exons
        for _, first, last, _, first_c, last_c in items:  # codons follow from c. positions
            assert (first, last) == ((first_c - 1) // 3 + 1, (last_c - 1) // 3 + 1), gene
    assert exons.transcript("EGFR").split(".")[0] == "ENST00000275493"  # MANE Select's id
    for r in rows:  # genomic spans: inner coding exons are coding from end to end
        s37, e37 = int(r[9]), int(r[10])
        assert r[8] in "+-" and 1 <= s37 <= e37, r
        assert r[11] and int(r[12]) - int(r[11]) == e37 - s37, r  # every exon lifted (as built)


def test_exon_boundaries_of_met_exon_14(exons):
    # CIViC variant 324 "MET Exon 14 Skipping Mutation": GRCh37 7:116411903-116412043; CIViC
    # variant 4386 "Splice Site (c.3028G>A)" = NM_000245.4:c.3028G>A = GRCh37 7:116412043 =
    # GRCh38 NC_000007.14:g.116771989 (knowledgebase/civic/source/…VariantSummaries.tsv)
    row = exons.row("MET", 14)
    assert (row.first_codon, row.last_codon, row.first_c, row.last_c) == (963, 1010, 2888, 3028)
    assert (row.chrom, row.strand) == ("7", "+")
    assert row.spans == (("GRCh37", 116411903, 116412043), ("GRCh38", 116771849, 116771989))
    assert exons.row("MET", 13).last_c == 2887 and exons.row("MET", 15).first_c == 3029
    assert exons.row("MET", 1) is None  # UTR-only exon: no row


def test_exon_skip_sites_of_met_exon_14(exons):
    sites = exons.skip_sites("MET", 14, frozenset({"NM_000245", "ENST00000397752"}))
    assert sites.c_sites() == ((2888, -2), (2888, -1), (3028, 1), (3028, 2))
    assert sites.windows("GRCh37") == ((116411901, 116411904), (116412042, 116412045))
    assert sites.windows("GRCh38") == ((116771847, 116771850), (116771988, 116771991))
    # both boundary codons are split with the neighbouring exons: no splice name is exon 14's
    assert (sites.first_codon, sites.last_codon) == (None, None)
    with pytest.raises(ValueError, match="not a coding exon"):
        exons.skip_sites("MET", 30, frozenset({"NM_000245"}))
    with pytest.raises(ValueError, match="not in"):
        exons.skip_sites("NOTAGENE", 2, frozenset({"NM_1"}))


def test_coding_exon_numbering_counts_utr_exons_and_splits_codons():
    script = _script()
    # Minus strand, exons [0,10) [20,30) [40,50) [60,70) (0-based, genomic order), CDS [25,45):
    # exon 1 is [60,70), UTR only but counted; exon 2 = [40,50) holds CDS bases 1-5 (codons 1-2,
    # codon 2 split across the junction); exon 3 = [20,30) holds bases 6-10 (codons 2-4).
    exons = script.ordered_exons("-", "0,20,40,60,", "10,30,50,70,")
    assert exons == [(60, 70), (40, 50), (20, 30), (0, 10)]
    assert script.coding_exons(exons, 25, 45) == [(2, 1, 2), (3, 2, 4)]
    assert script.codon_at(exons, 25, 45, "-", 45) == (2, 1)  # first CDS base (minus strand)
    assert script.codon_at(exons, 25, 45, "-", 26) == (3, 4)
    assert script.codon_at(exons, 25, 45, "-", 55) is None
    plus = script.ordered_exons("+", "0,20,", "10,30,")
    assert script.coding_exons(plus, 5, 26) == [(1, 1, 2), (2, 2, 4)]  # bases 1-5, 6-11
    assert script.coding_exons(plus, 4, 26) == [(1, 1, 2), (2, 3, 4)]  # bases 1-6, 7-12


def _builder_source(tmp_path: Path) -> Path:
    """The builder's source folder for three chr7 genes: the repo's subset of the genePred, MANE
    summary and chain files (tests/data/exon_builder/, README there) and the CIViC variant list
    the KB import reads (knowledgebase/civic/source/)."""
    src = tmp_path / "src"
    shutil.copytree(BUILDER_DATA, src)
    (src / "civic").symlink_to(REPO / "knowledgebase" / "civic" / "source")
    return src


def _committed_rows(genes) -> list[str]:
    lines = gzip.decompress((REFERENCE / "protein_exons.tsv.gz").read_bytes()).decode()
    lines = lines.splitlines()
    return lines[:1] + [x for x in lines[1:] if x.split("\t")[0] in genes]


def test_builder_is_byte_reproducible_and_matches_the_committed_file(tmp_path):
    """The whole build (transcript choice, exon numbering, lift to GRCh38 with the round trip,
    both CIViC checks) on the repo's subset of its sources: the same bytes twice, and the rows
    of the committed table for those genes."""
    script = _script()
    src = _builder_source(tmp_path)
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / name
        out.mkdir()
        stats = defaultdict(int)
        script.build_protein_exons(src, out, stats)
        outputs.append((out / "protein_exons.tsv.gz").read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0][4:8] == b"\0\0\0\0"  # gzip mtime 0
    built = gzip.decompress(outputs[0]).decode().splitlines()
    assert built == _committed_rows(BUILDER_GENES)
    assert {x.split("\t")[0] for x in built[1:]} == {"EGFR", "MET"}
    # BRAF's MANE Select (ENST00000646891) is not an Ensembl 75 transcript: not in the table
    assert stats["protein exons: genes skipped, MANE Select transcript not in Ensembl 75"] == 1
    assert stats["protein exons: genes mapped (Ensembl 75 CIViC genes)"] == 2
    assert stats["exon boundaries: CIViC 'Exon N Skipping' variants = exon N (check)"] == 1
    assert stats["exon boundaries: CIViC c. substitutions on MANE Select at their GRCh37 "
                 "position (check)"] > 50
    assert stats["protein exons: CIViC missense SNVs on the residue CIViC names (check)"] > 20
    assert stats["exon boundaries: CIViC GRCh38 positions at the lifted exon offset (check)"] > 0


def test_builder_stops_when_met_exon_14_disagrees_with_civic(tmp_path):
    script = _script()
    src = _builder_source(tmp_path)
    select = script.mane_select_ensembl(src / "transcripts" / "MANE.GRCh38.v1.0.summary.txt.gz")
    exons = ProteinExons.load(REFERENCE)
    rows = []
    for gene in ("MET",):
        numbers = [n for n, _, _ in exons.exons(gene)]
        for n in numbers:
            r = exons.row(gene, n)
            (_, s37, e37), (_, s38, e38) = r.spans
            rows.append((gene, r.transcript, n, r.first_codon, r.last_codon, r.first_c,
                         r.last_c, r.chrom, r.strand, s37, e37, s38, e38, n == numbers[-1]))
    variants = src / "civic" / "01-Aug-2024-VariantSummaries.tsv"
    script.check_exon_boundaries(variants, select, rows, defaultdict(int))  # agrees: no stop
    shifted = [r[:9] + (r[9] + 1,) + r[10:] if r[2] == 14 else r for r in rows]
    with pytest.raises(SystemExit, match="MET Exon 14 Skipping"):
        script.check_exon_boundaries(variants, select, shifted, defaultdict(int))
    without = [r for r in rows if r[2] != 14]
    with pytest.raises(SystemExit, match="MET Exon 14 Skipping"):
        script.check_exon_boundaries(variants, select, without, defaultdict(int))
    wrong_c = [r[:5] + (r[5] + 3, r[6] + 3) + r[7:] if r[2] == 14 else r for r in rows]
    with pytest.raises(SystemExit, match="the table puts it at"):
        script.check_exon_boundaries(variants, select, wrong_c, defaultdict(int))


# ----------------------------------------------------------------------------- the knowledge base
def test_kb_loads_the_table_once(kb):
    assert isinstance(kb.protein_exons, ProteinExons)
    assert kb.protein_exons is kb.protein_exons
    assert kb.protein_exons.exon_of("EGFR", 858) == 21


# ----------------------------------------------------------------------------- end to end
def _match_json(kb, variant: dict, tumor: str = "LUAD"):
    doc = {"report_id": "EXON-1", "tumor_type": tumor, "variants": [variant]}
    return run(json.dumps(doc).encode(), kb=kb)[0]


def _evidence_ids(result, match_type: str | None = None) -> set[str]:
    matches = [m for o in result.therapy_options for m in (*o.matches, *o.resistance)]
    matches += list(result.resistance)
    return {m.evidence_id for m in matches if match_type is None or m.match_type == match_type}


def test_egfr_exon19_deletion_from_protein_only_call_matches_exon_evidence(full_kb):
    result = _match_json(full_kb, {"gene": "EGFR", "protein_change": "p.E746_A750del"})
    alteration = result.alterations[0].alteration
    assert alteration.variant.exon == 19
    assert any(DERIVED_NOTE in n and "exon 19" in n for n in alteration.notes)
    assert EGFR_EX19_DEL_EVIDENCE in _evidence_ids(result, "exon")
    assert EGFR_EX19_DEL_EVIDENCE in result.alterations[0].match_ids


@pytest.mark.parametrize("transcript", ["NM_005228.5", "ENST00000275493", None])
def test_exon_derived_on_mane_select_or_no_transcript(kb, transcript):
    variant = {"gene": "EGFR", "protein_change": "E746_A750del"}
    if transcript:
        variant["transcript"] = transcript
    alteration = _match_json(kb, variant).alterations[0].alteration
    assert alteration.variant.exon == 19


def test_no_exon_derived_on_another_transcript(kb):
    # ENST00000455089: another EGFR transcript of Ensembl 75 (not MANE): its exons may differ
    alteration = _match_json(kb, {"gene": "EGFR", "protein_change": "E746_A750del",
                                  "transcript": "ENST00000455089.1"}).alterations[0].alteration
    assert alteration.variant.exon is None
    assert not any(DERIVED_NOTE in n for n in alteration.notes)


def test_no_exon_for_a_range_over_two_exons_or_a_splice_site(kb):
    alteration = _match_json(kb, {"gene": "EGFR", "protein_change": "p.V760_P765del"}
                             ).alterations[0].alteration
    assert alteration.variant.exon is None
    assert not any(DERIVED_NOTE in n for n in alteration.notes)
    splice = _match_json(kb, {"gene": "EGFR", "protein_change": "X750_splice"}
                         ).alterations[0].alteration
    assert splice.variant.exon is None


def _vep_vcf(exon_field: str) -> bytes:
    # EGFR E746_A750del as the GRCh37 hotspot allele (knowledgebase/reference/hotspots.tsv.gz)
    with gzip.open(REFERENCE / "hotspots.tsv.gz", "rt", encoding="utf-8") as fh:
        row = next(line.split("\t") for line in fh
                   if line.startswith("GRCh37\t") and "\tEGFR\tE746_A750del\t" in line)
    _, chrom, pos, ref, alt = row[:5]
    assert alt == ref[0]
    return (
        "##fileformat=VCFv4.2\n##reference=GRCh37\n"
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        'Ensembl VEP. Format: Allele|Consequence|SYMBOL|Feature|EXON|HGVSp">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\tCSQ=-|inframe_deletion|EGFR|"
        f"ENST00000275493|{exon_field}|ENSP00000275493.2:p.Glu746_Ala750del\n").encode()


def test_annotated_exon_is_never_overridden(full_kb):
    # The annotation's exon is kept as given, even one that is not the MANE Select exon (20 is
    # deliberately not the exon of E746_A750del, so that an override would show).
    result = run(_vep_vcf("20/28"), kb=full_kb, filename="tumor.vep.vcf",
                 options=ReadOptions(tumor_type="LUAD"))[0]
    alteration = result.alterations[0].alteration
    assert alteration.gene == "EGFR" and alteration.variant.protein.canonical == "E746_A750del"
    assert alteration.variant.exon == 20
    assert not any(DERIVED_NOTE in n for n in alteration.notes)
    assert EGFR_EX19_DEL_EVIDENCE not in _evidence_ids(result)


def test_vcf_without_exon_gets_the_derived_exon(full_kb):
    result = run(_vep_vcf(""), kb=full_kb, filename="tumor.vep.vcf",
                 options=ReadOptions(tumor_type="LUAD"))[0]
    alteration = result.alterations[0].alteration
    assert alteration.variant.exon == 19
    assert any(DERIVED_NOTE in n for n in alteration.notes)
    assert EGFR_EX19_DEL_EVIDENCE in _evidence_ids(result, "exon")
