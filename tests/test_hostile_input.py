"""Hostile numbers and text (issue 16, finding 4): each refused naming its field, never a crash.

Unicode digits are not numbers, integers are bounded, a JSON integer of thousands of digits and a
lone surrogate are named by field path. Through the CLI (exit 2) and the readers.
"""

from __future__ import annotations

import json

import pytest

from matcher.cli import main
from matcher.errors import MAX_LISTED, FileFormatError, InputError, Problem
from matcher.readers import read_file
from matcher.untrusted import MAX_INT, ascii_int, decoded_problems, loads_json
from tests.service_helpers import SAMPLES, sample_bytes

VCF = (SAMPLES / "atc_braf_v600e.grch37.vcf").read_text()

# Values a number field must refuse: Unicode digits (Arabic-Indic, superscript, full-width),
# out of range, thousands of digits, spacing and underscores Python's int() would accept.
NOT_NUMBERS = ["140453136²", "١٤٠٤٥٣١٣٦", "１４０４５３１３６", str(2**64), "9" * 5000,
               " 140453136", "140_453_136", "+140453136", ""]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_ascii_int_refuses_what_python_int_accepts(text):
    assert ascii_int(text, max_value=2**31 - 1) is None


@pytest.mark.parametrize("text,value", [("0", 0), ("140453136", 140453136),
                                        (str(MAX_INT), MAX_INT)])
def test_ascii_int_reads_ascii_digits(text, value):
    assert ascii_int(text) == value


def _with_first_record(column: int, value: str) -> str:
    lines = VCF.splitlines()
    i = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    cols = lines[i].split("\t")
    cols[column] = value
    lines[i] = "\t".join(cols)
    return "\n".join(lines) + "\n"


def _cli(tmp_path, capsys, name: str, text: str, *args: str) -> tuple[int, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    code = main(["match", str(path), "--format", "json", *args])
    return code, capsys.readouterr().err


def _problem_fields(data: str, fmt: str) -> set[str]:
    with pytest.raises(InputError) as err:
        read_file(data.encode("utf-8", "surrogatepass"), fmt=fmt)
    return {p.field for p in err.value.problems}


@pytest.mark.parametrize("pos", NOT_NUMBERS)
def test_vcf_pos_that_is_not_a_number_is_refused_naming_pos(pos):
    assert _problem_fields(_with_first_record(1, pos), "vcf") == {"POS"}


@pytest.mark.parametrize("depth", ["9" * 5000, "٤١٢", "4_12"])
def test_vcf_format_integer_out_of_range_or_unicode_is_refused(depth):
    record = _with_first_record(9, f"0/1:231,181:0.439:{depth}")
    assert _problem_fields(record, "vcf") == {"FORMAT/DP"}


def test_cli_exits_2_on_a_superscript_pos(tmp_path, capsys):
    code, err = _cli(tmp_path, capsys, "bad.vcf", _with_first_record(1, "140453136²"))
    assert code == 2, err
    assert "POS" in err and "line 18" in err


def test_cli_exits_2_on_a_5000_digit_pos_without_echoing_it(tmp_path, capsys):
    code, err = _cli(tmp_path, capsys, "bad.vcf", _with_first_record(1, "9" * 5000))
    assert code == 2 and "POS" in err and len(err) < 2000


def _labjson(mutate) -> str:
    doc = json.loads(sample_bytes())
    mutate(doc)
    return json.dumps(doc)


BIG = 2**64
# (field path, how to put the hostile value there): every number and free-text field of a report.
LABJSON_CASES = [
    ("variants[2].pos", lambda d: d["variants"][2].update(pos=BIG)),
    ("variants[0].depth", lambda d: d["variants"][0].update(depth=BIG)),
    ("variants[0].exon", lambda d: d["variants"][0].update(exon=BIG)),
    ("specimen.tumor_content", lambda d: d["specimen"].update(tumor_content=BIG * BIG)),
    ("biomarkers.tmb", lambda d: d["biomarkers"].update(tmb=-BIG * BIG)),
    ("lab", lambda d: d.update(lab="\ud800 Demo lab")),
    ("report_id", lambda d: d.update(report_id="DEMO\udc00")),
    ("tumor_type", lambda d: d.update(tumor_type="\udfff")),
    ("patient.id", lambda d: d["patient"].update(id="P\ud800")),
    ("variants[0].protein_change",
     lambda d: d["variants"][0].update(protein_change="p.V600\ud800")),
]


@pytest.mark.parametrize("field,mutate", LABJSON_CASES, ids=[c[0] for c in LABJSON_CASES])
def test_labjson_out_of_range_or_surrogate_is_refused_naming_the_field(field, mutate):
    assert field in _problem_fields(_labjson(mutate), "labjson")


def test_cli_exits_2_on_a_lone_surrogate_in_lab(tmp_path, capsys):
    code, err = _cli(tmp_path, capsys, "report.json", _labjson(LABJSON_CASES[5][1]))
    assert code == 2 and "lab" in err and "surrogate" in err


def test_json_integer_over_pythons_digit_limit_is_named(tmp_path, capsys):
    text = _labjson(lambda d: d["variants"][2].update(pos=1)).replace(
        '"pos": 1,', '"pos": ' + "9" * 5000 + ",")
    code, err = _cli(tmp_path, capsys, "report.json", text)
    assert code == 2 and "variants[2].pos" in err and "5000 digits" in err
    assert len(err) < 2000


def test_decoded_problems_walks_any_depth_and_names_keys():
    doc = loads_json('{"a": [[[{"b\\ud800": 1}]]], "c": ' + "1" * 30 + "}")
    found = {p.field: p.message for p in decoded_problems(doc)}
    assert set(found) == {"a[0][0][0].b\ufffd", "c"}
    nested = loads_json("[" * 900 + "1" * 25 + "]" * 900)
    assert [p.field[:12] for p in decoded_problems(nested)] == ["[0][0][0][0]"]


def test_a_long_problem_list_is_cut_and_counted():
    exc = FileFormatError("bad", [Problem(f"problem {i}", line=i) for i in range(500)])
    doc = exc.to_problem()
    assert len(doc["errors"]) == MAX_LISTED and doc["errors_total"] == 500
    assert str(exc).count("\n") == MAX_LISTED + 1 and "450 more" in str(exc)
    long = FileFormatError("x" * 100_000, [Problem("y" * 100_000, field="z" * 100_000)])
    assert len(json.dumps(long.to_problem())) < 2000 and len(str(long)) < 2000




@pytest.mark.parametrize("field,value", [
    ("protein_change", "p.V٦٠٠E"), ("protein_change", "p.V６００E"),
    ("protein_change", "p.V" + "6" * 5000 + "E"), ("cdna_change", "c.１799T>A"),
    ("cdna_change", "c.1799+" + "1" * 5000 + "T>A")])
def test_unicode_or_endless_digits_in_hgvs_are_refused_naming_the_field(kb, field, value):
    from matcher import pipeline

    doc = {"report_id": "U1", "tumor_type": "THAP",
           "variants": [{"gene": "BRAF", field: value}]}
    with pytest.raises(InputError) as err:
        pipeline.run(json.dumps(doc).encode(), kb=kb)
    assert [p.field for p in err.value.problems] == [f"variants[0].{field}"]
    assert len(str(err.value)) < 2000


def test_unicode_digits_in_a_fusion_exon_are_no_exon():
    from matcher.reference.fusion_names import parse_fusion

    assert parse_fusion("EML4(13)::ALK(20)").five_prime_exon == 13
    with pytest.raises(InputError):
        parse_fusion("EML4(١٣)::ALK(20)")
