"""Copy-number and structural-variant tables (cBioPortal, OncoKB annotator layouts): detection
by header, every cell accounted for, gains/losses and intragenic events not assessable, and
tables of no known format refused with what they looked like.

The files in tests/data/cna-sv/ are our own, written in the documented layouts (see
tests/data/README.md for why they are not copies)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from matcher.errors import FileFormatError
from matcher.readers import ReadOptions, read_file
from matcher.readers.detect import detect_format

DATA = Path(__file__).parent / "data" / "cna-sv"
# cBioPortal's documented discrete levels and the OncoKB annotator's words, as this test reads
# them: written independently of the reader's table.
LEVELS = {"2": "amplification", "amplification": "amplification",
          "-2": "deep_deletion", "deletion": "deep_deletion",
          "1": "gain", "gain": "gain", "-1": "loss", "loss": "loss", "0": None}
MATCHED_STATES = {"amplification", "deep_deletion"}


@pytest.mark.parametrize("name, fmt", [
    ("oncokb_individual_cna.txt", "cna"), ("data_CNA.txt", "cna"),
    ("gistic_all_thresholded.by_genes.txt", "cna"), ("long_cna.txt", "cna"),
    ("data_sv.txt", "sv"), ("oncokb_sv.txt", "sv"), ("oncokb_fusions.txt", "sv"),
    ("cbioportal_fusions_deprecated.txt", "sv"),
])
def test_each_table_is_recognised_by_its_header(name, fmt):
    data = (DATA / name).read_bytes()
    assert detect_format(data, "upload.bin") == fmt
    assert detect_format(gzip.compress(data), None) == fmt


def _cells(path: Path):
    """(line, sample, gene, value) of every gene/sample cell, parsed here for the test."""
    lines = path.read_text().splitlines()
    head = lines[0].split("\t")
    low = [h.lower() for h in head]
    if "hugo_symbol" in low[1:] or "tumor_sample_barcode" in low or "sample_id" in low:
        i_s = next(i for i, h in enumerate(low) if h in ("tumor_sample_barcode", "sample_id"))
        i_g, i_v = low.index("hugo_symbol"), len(head) - 1
        for n, line in enumerate(lines[1:], start=2):
            row = line.split("\t")
            yield n, row[i_s], row[i_g], row[i_v]
        return
    first = 3 if low[2] == "cytoband" else 2
    for n, line in enumerate(lines[1:], start=2):
        row = line.split("\t")
        for i in range(first, len(head)):
            yield n, head[i], row[0], row[i] if i < len(row) else ""


@pytest.mark.parametrize("name", ["oncokb_individual_cna.txt", "data_CNA.txt",
                                  "gistic_all_thresholded.by_genes.txt", "long_cna.txt"])
def test_every_cell_of_a_copy_number_table_is_read_or_accounted_for(name):
    path = DATA / name
    reports = {r.sample: r for r in read_file(path.read_bytes(), filename=name)}
    calls = {(s, c.gene, c.state): c for s, r in reports.items() for c in r.copy_numbers}
    expected: dict[tuple[str, str], dict[str, list[int]]] = {}
    for n, sample, gene, value in _cells(path):
        if value.strip() in ("", "NA"):
            assert any("empty or NA" in w for w in reports[sample].warnings)
            continue
        state = LEVELS[value.strip().lower()]
        if state is not None:
            expected.setdefault((sample, gene), {}).setdefault(state, []).append(n)
    assert len(calls) == sum(len(states) for states in expected.values())
    for (sample, gene), states in expected.items():
        for state, lines in states.items():
            call = calls[(sample, gene, state)]
            assert all(f"line {n}" in call.source for n in lines)
            if len(states) > 1:  # the same gene written with two levels in one sample
                assert "conflicting" in call.not_assessable
            elif state in MATCHED_STATES:
                assert call.not_assessable is None
            else:
                assert "not assessed" in call.not_assessable
    assert all(r.source_format == "cna" for r in reports.values())


def test_oncokb_cna_table_is_not_a_maf_and_its_amplifications_are_matched(kb):
    from matcher.pipeline import match_report

    reports = read_file((DATA / "oncokb_individual_cna.txt").read_bytes(),
                        options=ReadOptions(tumor_type="LUAD"))
    assert [r.variants for r in reports] == [(), ()]
    result = match_report(reports[0], kb)
    by_label = {o.alteration.label: o for o in result.alterations}
    assert by_label["MET amplification"].status == "matched"
    assert by_label["CDK4 loss"].status == "not_assessable"
    assert "single-copy loss (-1)" in by_label["CDK4 loss"].reason
    met = by_label["MET amplification"].alteration.id
    assert "crizotinib" in {o.name for o in result.therapy_options if met in o.alteration_ids}


def test_continuous_values_in_a_gene_by_sample_table_are_refused_with_line_and_column():
    log2 = b"Hugo_Symbol\tEntrez_Gene_Id\tS1\tS2\nERBB2\t2064\t0.142\t-0.550\n"
    assert detect_format(log2, "data_log2CNA.txt") == "cna"
    with pytest.raises(FileFormatError) as err:
        read_file(log2)
    problem = err.value.problems[0]
    assert (problem.line, problem.field) == (2, "S1")
    assert "not a discrete copy-number level" in problem.message


def test_a_value_under_a_nameless_column_is_refused():
    with pytest.raises(FileFormatError, match="no sample name"):
        read_file(b"Hugo_Symbol\tS1\nERBB2\t2\t2\n", fmt="cna")


def test_cbioportal_sv_table_fusions_intragenic_intergenic_and_germline(kb):
    from matcher.pipeline import match_report

    reports = read_file((DATA / "data_sv.txt").read_bytes(),
                        options=ReadOptions(tumor_type="LUAD"))
    assert [r.sample for r in reports] == ["DEMO-V1", "DEMO-V2", "DEMO-V3"]
    rows = (DATA / "data_sv.txt").read_text().splitlines()
    fusions = [f for r in reports for f in r.fusions]
    assert [f.source for f in fusions] == [f"line {n}" for n in range(2, len(rows) + 1)]
    assert not any(f.order_known for f in fusions)
    statuses = {}
    for report in reports:
        for o in match_report(report, kb).alterations:
            statuses[o.alteration.source] = (o.alteration.label, o.status)
    assert statuses["line 2"] == ("EML4–ALK fusion (partner order unknown)", "matched")
    assert statuses["line 3"] == ("EGFR rearrangement", "not_assessable")
    assert statuses["line 4"][1] == "matched"  # CCDC6/RET
    assert statuses["line 5"][1] == "filtered"  # SV_Status=GERMLINE
    assert statuses["line 6"] == ("ALK rearrangement", "not_assessable")  # intergenic partner
    assert statuses["line 7"][0].startswith("TPM3–NTRK1")  # oriented: the kinase 3'
    assert fusions[0].supporting_reads == 12 + 30


def test_oncokb_fusion_list_and_deprecated_cbioportal_fusion_file():
    f1, f2 = read_file((DATA / "oncokb_fusions.txt").read_bytes())
    assert [c.text for c in f1.fusions] == ["ALK-EML4", "EGFR-intragenic"]
    assert "intragenic rearrangement of EGFR" in f1.fusions[1].not_assessable
    d1, d2 = read_file((DATA / "cbioportal_fusions_deprecated.txt").read_bytes())
    (eml4_alk,) = d1.fusions  # one row per gene of the fusion: one call
    assert (eml4_alk.text, eml4_alk.source) == ("EML4-ALK fusion", "lines 2, 3")
    assert [c.text for c in d2.fusions] == ["RET fusion"]  # the gene and the word 'Fusion'


@pytest.mark.parametrize("data, seen", [
    (b"gene\tlog2_ratio\tdepth\nERBB2\t2.3\t400\n", "'gene', 'log2_ratio', 'depth'"),
    (b"ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS1\t1\t1\t2\t3\t0.1\n",
     "'ID', 'chrom', 'loc.start'"),
    (b"Hugo_Symbol,Tumor_Sample_Barcode,HGVSp_Short\nBRAF,S1,p.V600E\n",
     "comma-separated table with columns 'Hugo_Symbol'"),
])
def test_a_table_of_no_known_format_is_refused_with_its_columns(data, seen):
    with pytest.raises(FileFormatError) as err:
        read_file(data, filename="upload.tsv")
    message = str(err.value)
    assert seen in message and "none of the formats read" in message
    assert "data_CNA.txt" in err.value.problems[0].expected  # says what is accepted


def test_cli_refuses_an_unknown_table_with_exit_2(tmp_path, capsys):
    from matcher.cli import main

    path = tmp_path / "segments.tsv"
    path.write_bytes(b"ID\tchrom\tloc.start\tloc.end\tseg.mean\nS1\t1\t1\t2\t0.1\n")
    code = main(["match", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "'seg.mean'" in err and "none of the formats read" in err


def test_a_gene_table_with_text_values_is_not_taken_for_copy_number():
    # OncoKB's MAF annotator accepts 'Hugo_Symbol, Alteration' rows: not a gene-by-sample matrix
    assert detect_format(b"Hugo_Symbol\tAlteration\nBRAF\tV600E\n", None) == "maf"
    assert detect_format(b"Hugo_Symbol\tS1\nBRAF\t1.2e-05\n", None) == "cna"  # then refused


def test_per_sample_tumor_types_from_a_clinical_sidecar_as_for_a_maf():
    sidecar = (b"#Sample Identifier\tOncotree Code\n#STRING\tSTRING\n#1\t1\n"
               b"SAMPLE_ID\tONCOTREE_CODE\nDEMO-W1\tBRCA\nDEMO-W2\tLUAD\n")
    reports = read_file((DATA / "data_CNA.txt").read_bytes(),
                        options=ReadOptions(clinical_sidecar=sidecar))
    got = {r.sample: (r.tumor_type, r.tumor_type_source) for r in reports}
    assert got["DEMO-W1"] == ("BRCA", "clinical sidecar line 5, ONCOTREE_CODE")
    assert got["DEMO-W2"] == ("LUAD", "clinical sidecar line 6, ONCOTREE_CODE")
    assert got["DEMO-W3"] == (None, None)
    (w3,) = [r for r in reports if r.sample == "DEMO-W3"]
    assert any("not in the clinical sidecar" in w for w in w3.warnings)
    (only,) = read_file((DATA / "data_CNA.txt").read_bytes(),
                        options=ReadOptions(sample="DEMO-W2"))
    assert {c.gene for c in only.copy_numbers} == {"MET", "CDKN2A", "CDK4"}


def test_an_empty_sample_cell_is_refused_naming_line_and_column():
    with pytest.raises(FileFormatError) as err:
        read_file(b"Tumor_Sample_Barcode\tHugo_Symbol\tCopy_Number_Alteration\n\tERBB2\t2\n")
    problem = err.value.problems[0]
    assert (problem.line, problem.field) == (2, "Tumor_Sample_Barcode")
