"""FusionCatcher ``final-list_candidate-fusion-genes[.hg19].txt``: detection, reading, filtered
artefact labels, bad input and the way through the pipeline to a therapy."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from matcher.errors import FileFormatError, PayloadTooLarge
from matcher.pipeline import run
from matcher.readers import FORMATS, ReadOptions, read_file
from matcher.readers.detect import detect_format
from matcher.readers.fusion_tables import read_fusioncatcher

SAMPLE = (Path(__file__).parent.parent / "vcf_samples"
          / "fusioncatcher_ccdc6_ret.final-list_candidate-fusion-genes.txt")

HEADER = [
    "Gene_1_symbol(5end_fusion_partner)", "Gene_2_symbol(3end_fusion_partner)",
    "Fusion_description", "Counts_of_common_mapping_reads", "Spanning_pairs",
    "Spanning_unique_reads", "Longest_anchor_found", "Fusion_finding_method",
    "Fusion_point_for_gene_1(5end_fusion_partner)", "Fusion_point_for_gene_2(3end_fusion_partner)",
    "Gene_1_id(5end_fusion_partner)", "Gene_2_id(3end_fusion_partner)",
    "Exon_1_id(5end_fusion_partner)", "Exon_2_id(3end_fusion_partner)", "Fusion_sequence",
    "Predicted_effect"]
SEQ = "N" * 20 + "*" + "N" * 20
# Synthetic rows: GRCh38 positions inside each gene's span, real Ensembl gene ids, invented
# counts; labels as FusionCatcher writes them (comma-separated, mXX = unique pairs).
ROWS = [
    ["CCDC6", "RET", "known,oncogene,cosmic,ticdb,chimerdb3kb,m17", "0", "19", "22", "38",
     "BOWTIE;BOWTIE+BLAT;BOWTIE+STAR", "10:59876400:-", "10:43114400:+", "ENSG00000108091",
     "ENSG00000165731", "", "", SEQ, "in-frame"],
    ["EML4", "ALK", "known,oncogene,cosmic,chimerdb3kb,m12", "0", "14", "9", "33",
     "BOWTIE;BOWTIE+STAR", "2:42295600:+", "2:29223500:-", "ENSG00000143924",
     "ENSG00000171094", "", "", SEQ, "in-frame"],
    ["ETV6", "NTRK3", "known,oncogene,cosmic,ticdb,m6", "0", "7", "11", "30",
     "BOWTIE+BLAT", "12:11869900:+", "15:87940700:-", "ENSG00000139083", "ENSG00000140538",
     "", "", SEQ, "in-frame"],
    ["RBM14", "RBM4", "readthrough,adjacent,healthy,m31", "2", "33", "12", "29",
     "BOWTIE;BOWTIE+STAR", "11:66625500:+", "11:66640100:+", "ENSG00000239306",
     "ENSG00000173933", "", "", SEQ, "CDS(truncated)/UTR"],
    ["KANSL1", "ARL17A", "banned,short_distance,m4", "5", "4", "3", "21", "BOWTIE",
     "17:46094600:-", "17:46570000:-", "ENSG00000120071", "ENSG00000185829", "", "", SEQ,
     "out-of-frame"],
    # FGFR3 and TACC3 are neighbours on chr4 (+ strand, nothing between): FusionCatcher calls the
    # real tandem-duplication driver 'adjacent'; that label alone must not filter it.
    ["FGFR3", "TACC3", "known,adjacent,short_distance,oncogene,m9", "0", "9", "15", "35",
     "BOWTIE;BOWTIE+BLAT", "4:1806200:+", "4:1739300:+", "ENSG00000068078",
     "ENSG00000013810", "", "", SEQ, "in-frame"],
]


def table(rows=ROWS, header=HEADER) -> bytes:
    return "\n".join("\t".join(r) for r in [header, *rows]).encode() + b"\n"


@pytest.mark.parametrize("filename", [
    None, "upload.bin", "final-list_candidate-fusion-genes.txt",
    "final-list_candidate-fusion-genes.hg19.txt", "tumor.vcf", "report.json", "calls.maf"])
def test_detected_from_content_whatever_the_name(filename):
    assert "fusioncatcher" in FORMATS
    assert detect_format(table(), filename) == "fusioncatcher"
    assert detect_format(gzip.compress(table()), filename) == "fusioncatcher"
    assert detect_format(SAMPLE.read_bytes(), filename) == "fusioncatcher"


def test_a_header_without_fusioncatcher_columns_is_not_fusioncatcher():
    other = b"Gene_1\tGene_2\tFusion_description\nCCDC6\tRET\tknown\n"
    with pytest.raises(FileFormatError, match="cannot tell the file format"):
        detect_format(other, "final-list_candidate-fusion-genes.txt")


def test_rows_become_ordered_fusions_with_reads_and_line_sources():
    (r,) = read_fusioncatcher(table(), name="final-list_candidate-fusion-genes.txt")
    assert r.source_format == "fusioncatcher" and r.report_id == "final-list_candidate-fusion-genes"
    assert [(f.five_prime_gene, f.three_prime_gene, f.order_known, f.supporting_reads, f.source,
             f.text) for f in r.fusions] == [
        ("CCDC6", "RET", True, 19 + 22, "line 2", "CCDC6--RET"),
        ("EML4", "ALK", True, 14 + 9, "line 3", "EML4--ALK"),
        ("ETV6", "NTRK3", True, 7 + 11, "line 4", "ETV6--NTRK3"),
        ("RBM14", "RBM4", True, 33 + 12, "line 5", "RBM14--RBM4"),
        ("KANSL1", "ARL17A", True, 4 + 3, "line 6", "KANSL1--ARL17A"),
        ("FGFR3", "TACC3", True, 9 + 15, "line 7", "FGFR3--TACC3")]
    assert r.warnings == ()


def test_fusioncatcher_artefact_labels_are_filtered_not_dropped():
    (r,) = read_fusioncatcher(table())
    reasons = {f.text: f.filter_reason for f in r.fusions}
    assert reasons == {
        "CCDC6--RET": None, "EML4--ALK": None, "ETV6--NTRK3": None,
        "RBM14--RBM4": "FusionCatcher Fusion_description=readthrough,healthy",
        "KANSL1--ARL17A": "FusionCatcher Fusion_description=banned",
        "FGFR3--TACC3": None}  # adjacent / short_distance alone: kept
    flagged = [[{0: f"PARTNER{n}", 2: label}.get(i, c) for i, c in enumerate(ROWS[0])]
               for n, label in enumerate(("1000genomes", "paralogs", "similar_reads",
                                          "matched-normal", "Banned", "known,gtex,m3"))]
    (r,) = read_fusioncatcher(table(flagged))
    assert [f.filter_reason for f in r.fusions] == [
        "FusionCatcher Fusion_description=1000genomes",
        "FusionCatcher Fusion_description=paralogs",
        "FusionCatcher Fusion_description=similar_reads",
        "FusionCatcher Fusion_description=matched-normal",
        "FusionCatcher Fusion_description=banned",
        "FusionCatcher Fusion_description=gtex"]


def test_rows_of_one_gene_pair_are_one_fusion():
    """Alternative junctions of one fusion are separate rows: one call, lines listed, reads the
    highest; filtered only when every row is flagged."""
    second = [{4: "3", 5: "30", 8: "10:59876500:-"}.get(i, c) for i, c in enumerate(ROWS[0])]
    flagged = [{2: "banned"}.get(i, c) for i, c in enumerate(ROWS[1])]
    flagged_too = [{2: "healthy,m2"}.get(i, c) for i, c in enumerate(ROWS[1])]
    (r,) = read_fusioncatcher(table([ROWS[0], flagged, second, flagged_too]))
    assert [(f.text, f.source, f.supporting_reads, f.filter_reason) for f in r.fusions] == [
        ("CCDC6--RET", "lines 2, 4", 41, None),
        ("EML4--ALK", "lines 3, 5", 23,
         "FusionCatcher Fusion_description=banned,healthy")]
    (r,) = read_fusioncatcher(table([flagged, ROWS[1]]))
    assert [(f.source, f.filter_reason) for f in r.fusions] == [("lines 2, 3", None)]


def test_missing_symbol_is_warned_not_matched():
    rows = [ROWS[0], ["", "RET", *ROWS[0][2:]], ["CCDC6", ".", *ROWS[0][2:]]]
    (r,) = read_fusioncatcher(table(rows))
    assert [f.source for f in r.fusions] == ["line 2"]
    assert r.warnings == ("2 FusionCatcher call(s) without a gene symbol for both partners were "
                          "not turned into gene fusions",)


def test_read_file_dispatches_and_never_guesses_the_build():
    for name in ("final-list_candidate-fusion-genes.hg19.txt",
                 "final-list_candidate-fusion-genes.GRCh37.txt", None):
        (r,) = read_file(table(), filename=name)
        assert r.source_format == "fusioncatcher" and r.genome_build is None
        assert len(r.fusions) == len(ROWS)
    (r,) = read_file(table(), fmt="fusioncatcher", options=ReadOptions(genome_build="GRCh37"))
    assert r.genome_build == "GRCh37"
    (r,) = read_file(path=str(SAMPLE))
    assert [(f.text, f.source, f.supporting_reads, f.filter_reason) for f in r.fusions] == [
        ("CCDC6--RET", "line 2", 41, None),
        ("RBM14--RBM4", "line 3", 45, "FusionCatcher Fusion_description=readthrough,healthy")]


def test_missing_required_column_is_named():
    header = [c for c in HEADER if c != "Spanning_unique_reads"]
    rows = [[c for i, c in enumerate(row) if HEADER[i] != "Spanning_unique_reads"]
            for row in ROWS[:1]]
    with pytest.raises(FileFormatError, match="column 'Spanning_unique_reads' is missing") as err:
        read_fusioncatcher(table(rows, header))
    p = err.value.problems[0]
    assert (p.line, p.field) == (1, "Spanning_unique_reads")


def test_non_integer_count_names_line_and_column():
    bad = [ROWS[0], [*ROWS[1][:4], "many", *ROWS[1][5:]]]
    with pytest.raises(FileFormatError, match="line 3: Spanning_pairs 'many' is not a number") as e:
        read_fusioncatcher(table(bad), name="fc.txt")
    p = e.value.problems[0]
    assert (p.line, p.field, p.source) == (3, "Spanning_pairs", "fc.txt")
    bad = [[*ROWS[0][:5], "7x", *ROWS[0][6:]]]
    with pytest.raises(FileFormatError) as e:
        read_fusioncatcher(table(bad))
    assert (e.value.problems[0].line, e.value.problems[0].field) == (2, "Spanning_unique_reads")


def test_wrong_column_count_names_line_and_column():
    short = [ROWS[0], ROWS[1][:-1]]  # Predicted_effect missing
    with pytest.raises(FileFormatError, match="line 3: 15 tab-separated columns") as e:
        read_fusioncatcher(table(short))
    assert (e.value.problems[0].line, e.value.problems[0].field) == (3, "Predicted_effect")
    long = [[*ROWS[0], "extra"]]
    with pytest.raises(FileFormatError) as e:
        read_fusioncatcher(table(long))
    assert (e.value.problems[0].line, e.value.problems[0].field) == (2, "column 17")


def test_call_limit():
    with pytest.raises(PayloadTooLarge):
        read_fusioncatcher(table(), ReadOptions(max_variants=3))


def _options(result) -> dict[str, str]:
    return {o.name: o.level for o in result.therapy_options}


def test_end_to_end_ccdc6_ret_gives_selpercatinib(kb):
    (res,) = run(table(), kb=kb, filename="final-list_candidate-fusion-genes.txt",
                 options=ReadOptions(tumor_type="THAP"))
    assert "selpercatinib" in _options(res)
    assert "crizotinib" in _options(res) and "larotrectinib" in _options(res)
    status = {a.alteration.label: (a.status, a.alteration.filter_reason) for a in res.alterations}
    assert status["CCDC6::RET"][0] == "matched"
    assert status["RBM14::RBM4"] == (
        "filtered", "FusionCatcher Fusion_description=readthrough,healthy")
    assert status["KANSL1::ARL17A"] == ("filtered", "FusionCatcher Fusion_description=banned")


def test_sample_file_highlights(kb):
    (res,) = run(path=str(SAMPLE), kb=kb, options=ReadOptions(tumor_type="THPA"))
    levels = _options(res)
    assert levels["selpercatinib"] == "1" and levels["pralsetinib"] == "1"
    status = {a.alteration.label: a.status for a in res.alterations}
    assert status == {"CCDC6::RET": "matched", "RBM14::RBM4": "filtered"}


# FusionCatcher's own test output (ndaniel/fusioncatcher test/final-list_candidate-fusion-genes.txt,
# GPL-3.0, not copied) labels two canonical drivers ``cacg`` (the CACG conjoined-genes database
# of fusions seen in healthy samples) beside cancer databases; these rows reproduce those label
# sets with their real gene pairs (counts and positions of our own).
KNOWN_CANCER_WITH_CACG = [
    ["GOPC", "ROS1", "known,oncogene,cosmic,chimerdb2,cgp,ticdb,cacg,chimerdb3kb,chimerdb3pub,"
     "cancer,tumor,100K<gap<200K,exon-exon", "0", "30", "22", "30", "BOWTIE", "6:117566854:-",
     "6:117321394:-", "ENSG00000047932", "ENSG00000047936", "", "", SEQ, "in-frame"],
    ["FIP1L1", "PDGFRA", "known,oncogene,chimerdb2,cgp,ticdb,cacg,tcga,chimerdb3kb,chimerdb3pub,"
     "chimerdb3seq,cancer,tumor", "0", "50", "48", "48", "BOWTIE+BLAT", "4:53425965:+",
     "4:54274925:+", "ENSG00000145216", "ENSG00000134853", "", "", SEQ, "in-frame"],
]


def test_a_known_cancer_fusion_is_not_filtered_by_a_healthy_database_label():
    """``cacg``/``conjoing``/``gtex``… filter a fusion unless FusionCatcher also places it in a
    cancer fusion database (cosmic, cgp, ticdb, chimerdb3*, tcga…); then it is assessed with a
    warning. ``banned``, ``matched-normal`` and mapping artefacts still filter, and ``known``
    or the gene-level ``oncogene``/``cancer`` labels are not a cancer database."""
    (r,) = read_fusioncatcher(table(KNOWN_CANCER_WITH_CACG), name="fc.txt")
    assert [(f.text, f.filter_reason) for f in r.fusions] == [
        ("GOPC--ROS1", None), ("FIP1L1--PDGFRA", None)]
    assert [w.split(" is labelled ")[0] for w in r.warnings] == [
        "line 2: GOPC--ROS1", "line 3: FIP1L1--PDGFRA"]
    assert all("cacg" in w and "assessed, not filtered" in w for w in r.warnings)
    still = [[{0: f"PARTNER{n}", 2: labels}.get(i, c)
              for i, c in enumerate(KNOWN_CANCER_WITH_CACG[1])]
             for n, labels in enumerate(("cosmic,cacg,banned", "cosmic,gtex,matched-normal",
                                         "cosmic,conjoing,paralogs",
                                         "known,oncogene,cancer,tumor,cacg"))]
    (r,) = read_fusioncatcher(table(still))
    assert [f.filter_reason for f in r.fusions] == [
        "FusionCatcher Fusion_description=cacg,banned",
        "FusionCatcher Fusion_description=gtex,matched-normal",
        "FusionCatcher Fusion_description=conjoing,paralogs",
        "FusionCatcher Fusion_description=cacg"]
    assert r.warnings == ()


def test_fip1l1_pdgfra_labelled_cacg_gives_imatinib_level_1(kb):
    (res,) = run(table(KNOWN_CANCER_WITH_CACG), kb=kb,
                 filename="final-list_candidate-fusion-genes.txt",
                 options=ReadOptions(tumor_type="MLNPDGFRA"))
    assert _options(res)["imatinib"] == "1"
    assert {a.alteration.label: a.status for a in res.alterations} == {
        "GOPC::ROS1": "matched", "FIP1L1::PDGFRA": "matched"}
