"""Lab JSON report v1: validation names every offending field; valid reports read faithfully."""

import json

import pytest

from matcher.errors import PayloadTooLarge, ReportValidationError
from matcher.readers import ReadOptions
from matcher.readers.labjson import read_labjson

BASE = {"report_id": "LAB-1", "tumor_type": "THAP"}


def read(doc, **opts):
    return read_labjson(json.dumps(doc).encode(), ReadOptions(**opts))[0]


def problems(doc, **opts):
    with pytest.raises(ReportValidationError) as info:
        read(doc, **opts)
    return {p.field: p.message for p in info.value.problems}


def test_full_report_is_read_with_every_field():
    doc = {**BASE, "genome_build": "GRCh38", "lab": "Demo lab",
           "patient": {"id": "DEMO-0001"},
           "specimen": {"id": "S1", "type": "FFPE", "tumor_content": 60},
           "variants": [{"gene": "BRAF", "protein_change": "p.Val600Glu",
                         "transcript": "NM_004333.6", "vaf": 0.31, "depth": 512,
                         "origin": "somatic"},
                        {"chrom": "chr7", "pos": 140753336, "ref": "A", "alt": "T"}],
           "fusions": [{"fusion": "EML4::ALK", "supporting_reads": 40},
                       {"three_prime_gene": "ALK"}],
           "copy_number": [{"gene": "ERBB2", "state": "amplification", "copies": 12}],
           "biomarkers": {"tmb": 4.2, "msi": "MSS", "mmr": "proficient", "pdl1_tps": 50}}
    r = read(doc)
    assert r.report_id == "LAB-1" and r.tumor_type == "THAP" and r.genome_build == "GRCh38"
    assert r.patient_id == "DEMO-0001" and r.specimen.tumor_content == 60
    v0, v1 = r.variants
    assert (v0.gene, v0.protein_change, v0.vaf, v0.depth, v0.origin) == \
        ("BRAF", "p.Val600Glu", 0.31, 512, "somatic")
    assert v0.source == "variants[0]" and v0.build is None
    assert (v1.chrom, v1.pos, v1.ref, v1.alt, v1.build) == ("chr7", 140753336, "A", "T", "GRCh38")
    assert r.fusions[0].text == "EML4::ALK" and r.fusions[0].supporting_reads == 40
    assert r.fusions[1].three_prime_gene == "ALK" and not r.fusions[1].order_known
    assert r.copy_numbers[0].state == "amplification" and r.copy_numbers[0].copies == 12
    assert r.biomarkers.tmb == 4.2 and r.biomarkers.pdl1_tps == 50


def test_typo_in_field_name_is_rejected_not_dropped():
    errs = problems({**BASE, "variants": [{"gene": "BRAF", "protein_chnage": "V600E"}]})
    assert "variants[0].protein_chnage" in errs
    assert "unknown field" in errs["variants[0].protein_chnage"]


def test_every_problem_is_listed_with_its_path():
    doc = {"tumor_type": "THAP", "extra": 1,
           "variants": [{"gene": "BRAF", "protein_change": "V600E", "vaf": 1.5, "depth": -3},
                        {"gene": "TP53", "protein_change": "R248Q", "origin": "maternal"}],
           "biomarkers": {"msi": "high", "tmb": "ten"}}
    errs = problems(doc)
    assert set(errs) >= {"report_id", "extra", "variants[0].vaf", "variants[0].depth",
                         "variants[1].origin", "biomarkers.msi", "biomarkers.tmb"}
    assert "0 to 1" in errs["variants[0].vaf"]


def test_coordinates_need_a_build_and_all_four_parts():
    errs = problems({**BASE, "variants": [{"chrom": "7", "pos": 140453136, "ref": "A",
                                           "alt": "T"}]})
    assert "genome_build" in errs
    errs = problems({**BASE, "genome_build": "GRCh37",
                     "variants": [{"chrom": "7", "pos": 140453136}]})
    assert "missing alt, ref" in errs["variants[0].chrom"]


def test_variant_needs_gene_and_change_or_coordinates():
    errs = problems({**BASE, "variants": [{"gene": "BRAF"}]})
    assert "variants[0].gene" in errs


@pytest.mark.parametrize("bad", [{"chrom": "chr99"}, {"pos": 0}, {"pos": "12"},
                                 {"ref": "AXZ"}, {"genome_build": "hg19"}])
def test_out_of_range_and_wrong_types(bad):
    variant = {"chrom": "7", "pos": 1, "ref": "A", "alt": "T"}
    doc = {**BASE, "genome_build": "GRCh37"}
    if "genome_build" in bad:
        doc.update(bad)
    else:
        variant.update(bad)
    doc["variants"] = [variant]
    assert problems(doc)


def test_fusion_needs_a_partner_or_a_string_not_both():
    assert "fusions[0].fusion" in problems({**BASE, "fusions": [{}]})
    assert "fusions[0].fusion" in problems(
        {**BASE, "fusions": [{"fusion": "EML4::ALK", "three_prime_gene": "ALK"}]})


def test_malformed_json_names_line_and_column():
    with pytest.raises(ReportValidationError) as info:
        read_labjson(b'{"report_id": "X",\n "variants": [}', ReadOptions())
    p = info.value.problems[0]
    assert p.line == 2 and "column" in p.message


@pytest.mark.parametrize("data,message,problem,expected", [
    (b"[1, 2]", "report must be a JSON object", "got a JSON list",
     "an object with report_id, variants …"),
    (b'"text"', "report must be a JSON object", "got a JSON str",
     "an object with report_id, variants …"),
    (b"\xff\xfe\x00garbage", "report is not UTF-8 text", "byte 0 is not valid UTF-8",
     "UTF-8 encoded JSON"),
])
def test_not_an_object(data, message, problem, expected):
    with pytest.raises(ReportValidationError) as info:
        read_labjson(data, ReadOptions())
    assert info.value.message == message
    assert [(p.message, p.expected) for p in info.value.problems] == [(problem, expected)]


def test_options_override_file_values_and_thresholds_filter():
    doc = {**BASE, "variants": [{"gene": "BRAF", "protein_change": "V600E", "vaf": 0.02},
                                {"gene": "TP53", "protein_change": "R248Q", "depth": 8}]}
    r = read(doc, tumor_type="COADREAD", report_id="OTHER", min_vaf=0.05, min_depth=20)
    assert r.tumor_type == "COADREAD" and r.report_id == "OTHER"
    assert "VAF 0.02 below" in r.variants[0].filter_reason
    assert "depth 8 below" in r.variants[1].filter_reason


def test_too_many_variants_is_refused():
    doc = {**BASE, "variants": [{"gene": "TP53", "protein_change": "R248Q"}] * 5}
    with pytest.raises(PayloadTooLarge):
        read(doc, max_variants=4)


def test_deeply_nested_json_is_an_input_error():
    with pytest.raises(ReportValidationError) as info:
        read_labjson(b"[" * 100_000, ReadOptions())
    assert "nested too deeply" in str(info.value)


def test_exon_level_result_without_hgvs_is_read_and_matched(full_kb):
    """PCR assays report 'EGFR exon 19 deletion' with no HGVS: gene + exon (+ consequence) is a
    call; it meets exon-level evidence and nothing more specific."""
    from matcher.pipeline import run

    doc = {**BASE, "tumor_type": "LUAD", "variants": [
        {"gene": "EGFR", "exon": 19, "consequence": "inframe_deletion"},
        {"gene": "KIT", "exon": 11, "consequence": "splice_donor_variant"}]}
    call = read(doc).variants[0]
    assert (call.exon, call.consequence, call.protein_change) == (19, "inframe_deletion", None)
    r = run(json.dumps(doc).encode(), kb=full_kb)[0]
    egfr, kit = r.alterations
    assert egfr.alteration.label == "EGFR exon 19 inframe deletion" and egfr.status == "matched"
    assert kit.alteration.variant.consequence == "splice"  # SO term read as our class
    osimertinib = next(o for o in r.therapy_options if o.name == "osimertinib")
    assert {m.match_type for m in osimertinib.matches
            if m.alteration_id == egfr.alteration.id} == {"exon"}
    assert all(m.match_type in ("exon", "consequence", "gene")
               for o in r.therapy_options for m in o.matches)


@pytest.mark.parametrize("bad, field", [
    ({"gene": "EGFR", "exon": 19, "consequence": "weird"}, "variants[0].consequence"),
    ({"gene": "EGFR", "exon": 0}, "variants[0].exon"),
    ({"gene": "EGFR", "exon": "19"}, "variants[0].exon"),
    ({"gene": "EGFR", "consequence": "inframe_deletion"}, "variants[0].gene"),
])
def test_exon_and_consequence_are_validated(bad, field):
    assert field in problems({**BASE, "variants": [bad]})
