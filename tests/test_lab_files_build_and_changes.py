"""Issue 12, lab files: unreadable protein changes and an unstated genome build.

Real third-party files: vcf2maf's own test VCFs (``tests/data/vcf/vcf2maf.*.vcf``, Apache-2.0:
GRCh37 ``test.vcf`` with TERT promoter and MET exon 14 alleles, GRCh38 ``test_b38.vcf`` on chr21,
neither with a ##contig line or a build), the PCGR VEP-annotated VCF subset and the shipped
multi-sample MAF, each with only the field under test changed.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from matcher.cli import main
from matcher.errors import ReportValidationError
from matcher.pipeline import run
from matcher.readers import ReadOptions
from matcher.readers.vcf_header import VcfHeader, infer_build
from matcher.reference.tumors import default_reference_dir
from matcher.render.fhir import to_fhir
from matcher.render.html import render_html
from matcher.render.text import render_text

DATA = Path(__file__).parent / "data" / "vcf"
ROOT = Path(__file__).resolve().parent.parent
VCF2MAF_37 = DATA / "vcf2maf.test.vcf"
VCF2MAF_38 = DATA / "vcf2maf.test_b38.vcf"
PCGR = DATA / "pcgr-vep-csq.BRCA.subset.vcf"
MAF = ROOT / "vcf_samples" / "multi_sample.grch37.maf"
NEGATIVE = "No targeted therapy matched this report."
pytest_plugins = ("tests.conftest_service",)


def _maf_with(change: str, gene: str = "TSC2") -> tuple[bytes, int, int]:
    """The shipped MAF with one row's HGVSp_Short replaced by ``change`` (TSC2 Q1178*, whose
    coordinates are no hotspot allele; BRAF V600E, whose are)."""
    lines = MAF.read_text().splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("Hugo_Symbol"))
    col = lines[header].split("\t").index("HGVSp_Short")
    row = next(i for i, ln in enumerate(lines) if ln.startswith(gene + "\t"))
    fields = lines[row].split("\t")
    fields[col] = change
    lines[row] = "\t".join(fields)
    return ("\n".join(lines) + "\n").encode(), row + 1, col + 1


def _sample_of(gene: str) -> str:
    lines = MAF.read_text().splitlines()
    header = next(ln for ln in lines if ln.startswith("Hugo_Symbol")).split("\t")
    row = next(ln for ln in lines if ln.startswith(gene + "\t")).split("\t")
    return row[header.index("Tumor_Sample_Barcode")]


# ----------------------------------------------------------------------------- (a) changes
@pytest.mark.parametrize("change", ["p.L858RR", "p.IL517del", "p.V600EE"])
def test_unreadable_change_in_a_maf_is_not_assessable_with_line_and_column(full_kb, change):
    data, line, column = _maf_with(change)
    results = run(data, kb=full_kb, filename="x.maf",
                  options=ReadOptions(sample=_sample_of("TSC2"), tumor_type="PECOMA"))
    (outcome,) = [o for o in results[0].alterations if o.alteration.gene == "TSC2"]
    assert outcome.status == "not_assessable"
    assert outcome.reason.startswith(f"line {line}, column {column} (HGVSp_Short): ")
    assert repr(change) in outcome.reason
    assert outcome.alteration.label == f"TSC2 {change}"
    assert not any(outcome.alteration.id in o.alteration_ids
                   for o in results[0].therapy_options)


def test_unreadable_change_on_hotspot_coordinates_is_read_from_them_with_a_warning(full_kb):
    data, line, column = _maf_with("p.L858RR", "BRAF")
    results = run(data, kb=full_kb, filename="x.maf", options=ReadOptions(
        sample=_sample_of("BRAF"), tumor_type="THAP"))
    (outcome,) = [o for o in results[0].alterations if o.alteration.gene == "BRAF"]
    assert outcome.alteration.label == "BRAF V600E"
    assert any(w.startswith(f"line {line}, column {column} (HGVSp_Short): cannot read")
               and "identified from its genomic coordinates" in w for w in results[0].warnings)


def test_unreadable_change_in_an_annotated_vcf_is_not_assessable(full_kb):
    text = PCGR.read_text()
    assert text.count("p.His1047Arg") >= 1
    results = run(text.replace("p.His1047Arg", "p.His1047ArgArg").encode(), kb=full_kb,
                  filename="pcgr.vcf", options=ReadOptions(tumor_type="BRCA"))
    (outcome,) = [o for o in results[0].alterations if o.alteration.gene == "PIK3CA"]
    # H1047R's coordinates are a hotspot allele: read from them, the unreadable text warned
    assert outcome.alteration.label == "PIK3CA H1047R"
    assert any("INFO CSQ: cannot read protein change 'p.His1047ArgArg'" in w
               for w in results[0].warnings)
    others = [o for o in results[0].alterations if o.alteration.variant
              and o.alteration.variant.protein is not None and not o.alteration.variant.hotspot]
    assert others, "the subset has non-hotspot calls with a protein change"
    target = others[0].alteration.variant.protein.hgvs
    changed = run(text.replace(target, target + "Arg").encode(), kb=full_kb,
                  filename="pcgr.vcf", options=ReadOptions(tumor_type="BRCA"))[0]
    (outcome,) = [o for o in changed.alterations if o.alteration.id == others[0].alteration.id]
    assert outcome.status == "not_assessable"
    assert outcome.reason.startswith("line ") and "INFO CSQ: cannot read" in outcome.reason


def test_the_lab_json_reader_refuses_the_same_string(full_kb):
    doc = {"report_id": "X", "variants": [{"gene": "EGFR", "protein_change": "p.L858RR"}]}
    with pytest.raises(ReportValidationError) as info:
        run(json.dumps(doc).encode(), kb=full_kb)
    assert info.value.problems[0].field == "variants[0].protein_change"


def test_a_maf_frameshift_listing_its_deleted_residues_is_read(full_kb):
    data, _line, _col = _maf_with("p.PDTSEKF401fs")
    results = run(data, kb=full_kb, filename="x.maf",
                  options=ReadOptions(sample=_sample_of("TSC2")))
    (outcome,) = [o for o in results[0].alterations if o.alteration.gene == "TSC2"]
    assert outcome.status != "not_assessable"
    assert outcome.alteration.label == "TSC2 P401fs"
    assert outcome.alteration.variant.consequence == "frameshift"


def test_nothing_assessable_never_reads_as_a_negative_result(full_kb):
    text = "Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\tNCBI_Build\n" + "".join(
        f"{g}\tS1\t{c}\tGRCh37\n" for g, c in (("EGFR", "p.L858RR"), ("RB1", "p.IL517del")))
    (result,) = run(text.encode(), kb=full_kb, filename="x.maf",
                    options=ReadOptions(tumor_type="LUAD"))
    assert {o.status for o in result.alterations} == {"not_assessable"}
    fhir = json.dumps(to_fhir(result))
    for rendered in (render_text(result), render_html(result), fhir):
        assert NEGATIVE not in rendered
        assert "Nothing in this report could be assessed" in rendered
        assert "not a negative result" in rendered


# ----------------------------------------------------------------------------- (b) build
def test_vcf2maf_test_vcf_gets_grch37_from_its_hotspot_alleles(full_kb):
    (result,) = run(VCF2MAF_37.read_bytes(), kb=full_kb, filename="test.vcf")
    assert result.genome_build == "GRCh37"
    assert result.warnings[0].startswith("Genome build not stated: GRCh37 inferred from")
    labels = {o.alteration.label for o in result.alterations}
    assert {"TERT promoter C228T", "TERT promoter C250T"} <= labels
    assert not any("without a genome build" in (o.reason or "") for o in result.alterations)


def test_vcf2maf_test_b38_gets_grch38_from_its_hotspot_alleles(full_kb):
    (result,) = run(VCF2MAF_38.read_bytes(), kb=full_kb, filename="test_b38.vcf")
    assert result.genome_build == "GRCh38"
    assert "GRCh38 inferred" in result.warnings[0]


def _no_hotspot_b38() -> str:
    """test_b38.vcf without its two hotspot SNVs: two insertions no table knows."""
    lines = VCF2MAF_38.read_text().splitlines()
    return "\n".join(ln for ln in lines if ln.startswith("#") or len(ln.split("\t")[4]) > 1) + "\n"


def test_a_contig_length_tells_the_build(full_kb):
    text = _no_hotspot_b38().replace("##fileformat=VCFv4.2\n",
                                     "##fileformat=VCFv4.2\n##contig=<ID=21,length=46709983>\n")
    (result,) = run(text.encode(), kb=full_kb, filename="b38.vcf")
    assert result.genome_build == "GRCh38"
    assert {o.alteration.gene for o in result.alterations} == {"U2AF1"}


def test_every_chromosome_length_of_the_table_tells_its_build():
    rows = (default_reference_dir() / "contig_lengths.tsv").read_text().splitlines()
    assert rows[0] == "chrom\tGRCh37\tGRCh38" and len(rows) == 25
    for row in rows[1:]:
        chrom, g37, g38 = row.split("\t")
        for name in (chrom, f"chr{chrom}"):
            for length, build in ((int(g37), "GRCh37"), (int(g38), "GRCh38")):
                header = VcfHeader(version="VCFv4.2", n_lines=2, contigs={name: length})
                assert infer_build(header, None) == build, (name, length)


def test_an_untold_build_exits_2_asking_for_genome_build(tmp_path, capsys):
    path = tmp_path / "b38.vcf"
    path.write_text(_no_hotspot_b38())
    code = main(["match", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "genome_build" in err and "--genome-build" in err
    # the refusal names the file (and the sample), not only the sample (strelka demo VCFs: TUMOR)
    assert "  - b38.vcf, sample TUMOR: genome_build: genome build not stated" in err
    assert main(["match", str(path), "--genome-build", "GRCh38"]) == 0
    capsys.readouterr()


def test_an_untold_build_is_a_422_from_the_api(client, auth):
    r = client.post("/v1/reports", data=_no_hotspot_b38().encode(), headers=auth,
                    content_type="text/plain", query_string={"report_id": "B38-1"})
    assert r.status_code == 422
    assert any(e.get("field") == "genome_build" for e in r.json["errors"])
    upload = client.post("/v1/reports", headers=auth, content_type="multipart/form-data", data={
        "file": (io.BytesIO(_no_hotspot_b38().encode()), "b38.vcf")})
    assert upload.status_code == 422
    assert [(e["field"], e["source"]) for e in upload.json["errors"]] == [
        ("genome_build", "b38.vcf, sample TUMOR")]
    ok = client.post("/v1/reports", data=_no_hotspot_b38().encode(), headers=auth,
                     content_type="text/plain",
                     query_string={"report_id": "B38-1", "genome_build": "GRCh38"})
    assert ok.status_code == 201


def test_a_file_without_calls_never_reads_as_a_negative_result(full_kb):
    """A VCF with a header and no record (an empty or failed pipeline output), and one whose
    only record has no ALT allele (CNVkit's gatk-emptyalt layout): nothing was assessed, and
    no output says 'No targeted therapy matched'."""
    header = ("##fileformat=VCFv4.2\n##reference=GRCh38\n"
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    for body in ("", "chr7\t140753336\t.\tA\t.\t.\tPASS\t.\n"):
        (result,) = run((header + body).encode(), kb=full_kb, filename="S1.vcf",
                        options=ReadOptions(tumor_type="THAP"))
        assert not result.therapy_options
        fhir = json.dumps(to_fhir(result))
        for rendered in (render_text(result), render_html(result), fhir):
            rendered = " ".join(rendered.split())  # the 80-column text wraps sentences
            assert NEGATIVE not in rendered
            assert "No call in this report was assessed" in rendered
            assert "not a negative result" in rendered
