"""VCF spec bends that real files carry, read with a warning naming the line (issue 12):
an empty or missing INFO column (vcf2maf's own test VCFs), ``Number=-1`` (samtools before 1.0),
``+ ( ) -`` in INFO keys (SnpSift dbNSFP), and malformed values in a sample that is neither the
tumor nor the normal. The same faults in the tumor or normal sample are still refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.errors import FileFormatError
from matcher.readers import ReadOptions, read_file

DATA = Path(__file__).parent / "data" / "vcf"
PAIR = ReadOptions(sample="TUMOR", normal_sample="NORMAL", genome_build="GRCh37")


def _calls(reports):
    return [(v.chrom, v.pos, v.ref, v.alt, v.vaf, v.depth, v.origin) for v in reports[0].variants]


@pytest.mark.parametrize("name", ["vcf2maf.test_b37.vcf", "vcf2maf.test_grch38.vcf"])
def test_vcf2maf_test_vcfs_with_an_empty_info_column_are_read_with_a_warning(name):
    text = (DATA / name).read_text()
    records = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert all(ln.split("\t")[7] == "" for ln in records)  # the bend this test is about
    reports = read_file(text.encode(), filename=name, options=PAIR)
    first = next(i for i, ln in enumerate(text.splitlines(), start=1) if ln in records)
    assert f"line {first}: the INFO column is empty; read as '.' " \
           f"(and {len(records) - 1} more line(s))" in reports[0].warnings
    # the same records with INFO '.' (the spec's spelling) give the same calls
    dotted = "\n".join(ln if ln.startswith("#") else "\t".join(
        [*ln.split("\t")[:7], ".", *ln.split("\t")[8:]]) for ln in text.splitlines())
    assert _calls(reports) == _calls(read_file(dotted.encode(), options=PAIR))
    assert reports[0].variants


HEAD = ('##fileformat=VCFv4.1\n##contig=<ID=7,length=159138663>\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n')
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\tNORMAL"
BRAF = "7\t140453136\t.\tA\tT\t.\tPASS\t{info}\tGT:AD:DP\t0/1:10,10:20\t0/0:30,0:30"


def _read(text: str, **kw):
    return read_file(text.encode(), options=ReadOptions(**{
        "sample": "TUMOR", "normal_sample": "NORMAL", **kw}))[0]


def test_sites_only_lines_without_an_info_column_are_read_with_a_warning():
    text = ("##fileformat=VCFv4.2\n##contig=<ID=7,length=159138663>\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\n7\t140453136\t.\tA\tT\t.\tPASS\n")
    r = read_file(text.encode())[0]
    assert [(v.pos, v.alt) for v in r.variants] == [(140453136, "T")]
    assert "line 3: the column header line has no INFO column; records are read with an empty " \
           "INFO" in r.warnings
    assert "line 4: no INFO column (7 columns); read with an empty INFO" in r.warnings


def test_number_minus_one_of_old_samtools_is_read_as_dot():
    text = (HEAD + '##INFO=<ID=PL,Number=-1,Type=Integer,Description="Phred likelihoods">\n'
            '##INFO=<ID=SVLEN,Number=-1,Type=Integer,Description="Length">\n' + COLUMNS + "\n"
            + BRAF.format(info="PL=0,3,30;SVLEN=1") + "\n")
    r = _read(text)
    assert len(r.variants) == 1
    assert "line 6: ##INFO 'PL': Number=-1 (old samtools) read as Number=." in r.warnings
    assert "line 7: ##INFO 'SVLEN': Number=-1 (old samtools) read as Number=." in r.warnings


@pytest.mark.parametrize("key", ["dbNSFP_GERP++_RS", "dbNSFP_SIFT_score(rankscore)",
                                 "dbNSFP_MutationTaster-pred", "dbNSFP_M-CAP_pred"])
def test_snpsift_dbnsfp_keys_are_read_declared_or_not(key):
    declared = (HEAD + f'##INFO=<ID={key},Number=A,Type=String,Description="dbNSFP">\n'
                + COLUMNS + "\n" + BRAF.format(info=f"{key}=1.5") + "\n")
    r = _read(declared)
    assert len(r.variants) == 1
    assert any(f"##INFO {key!r}: ID is outside the VCF ID grammar" in w for w in r.warnings)
    undeclared = HEAD + COLUMNS + "\n" + BRAF.format(info=f"DP=20;{key}=1.5") + "\n"
    r = _read(undeclared)
    assert len(r.variants) == 1
    assert f"line 7: INFO key {key!r} is outside the VCF key grammar" in r.warnings


def test_keys_that_cannot_be_read_are_still_refused():
    for info in ("A B=1", "X=1;;Y=2"):
        with pytest.raises(FileFormatError, match="INFO key"):
            _read(HEAD + COLUMNS + "\n" + BRAF.format(info=info) + "\n")


@pytest.mark.parametrize("bad", ["0/1:abc,x:zz", "Q/Z:1,2:3", "0/1:1,2:3:4:5", "0/3:1,1:2"])
def test_malformed_values_in_a_third_sample_are_a_warning(bad):
    text = (HEAD + COLUMNS + "\tRNA\n" + BRAF.format(info=".") + f"\t{bad}\n"
            + BRAF.format(info=".").replace("140453136", "140453137") + "\t0/1:5,5:10\n")
    r = _read(text)
    assert [v.pos for v in r.variants] == [140453136, 140453137]
    assert r.variants[0].vaf == pytest.approx(0.5) and r.variants[0].origin == "somatic"
    (warning,) = [w for w in r.warnings if "'RNA'" in w]
    assert warning.startswith("line 7: malformed ")
    assert "neither the tumor nor the normal" in warning


@pytest.mark.parametrize("column", ["TUMOR", "NORMAL"])
def test_the_same_values_in_the_tumor_or_normal_sample_are_refused(column):
    bad = "0/1:abc,x:zz"
    record = BRAF.format(info=".")
    cols = record.split("\t")
    cols[9 if column == "TUMOR" else 10] = bad
    with pytest.raises(FileFormatError) as err:
        _read(HEAD + COLUMNS + "\n" + "\t".join(cols) + "\n")
    assert err.value.problems[0].line == 7 and column in str(err.value)
