"""The compact ClinVar index (issue 13) answers exactly as indexing the whole table by every key.

The oracle below is the straightforward index (every row of the shipped table in dicts keyed by
trimmed allele, by gene + protein change and by gene + cDNA change), written here from the
table's columns; every row of the shipped table on chromosomes 13 and 17 (half of it; the
whole table takes ~12 s) is looked up both ways, by its alleles in both
builds (with 'chr' names, with a padding base, and with another alternate base), its protein
change and its cDNA change (with its transcript, without one).
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from matcher.errors import KnowledgeBaseError
from matcher.paths import default_reference_dir
from matcher.reference.clinvar import (
    _COLUMNS,
    CLINVAR_FILE,
    ClinVarIndex,
    _accession,
    _agree,
    _call,
)
from matcher.reference.hotspots import canonical_chrom, trim_allele

TABLE = Path(default_reference_dir()) / CLINVAR_FILE
CHROMOSOMES = {"13", "17"}  # BRCA2; BRCA1, TP53, NF1, ERBB2 ... (half of the rows)


def _rows() -> list[dict[str, str]]:
    with gzip.open(TABLE, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


class FullTable:
    """Every row indexed by every key up front (the index before the compact one)."""

    def __init__(self, rows):
        self.rows = rows
        self.alleles: dict[tuple, list[int]] = {}
        self.proteins: dict[tuple, list[int]] = {}
        self.cdna: dict[tuple, list[int]] = {}
        for i, r in enumerate(rows):
            for build, b in (("GRCh37", "grch37"), ("GRCh38", "grch38")):
                if r[f"pos_{b}"]:
                    self.alleles.setdefault(self.key(build, r[f"chrom_{b}"], r[f"pos_{b}"],
                                                     r[f"ref_{b}"], r[f"alt_{b}"]), []).append(i)
            if r["protein"]:
                self.proteins.setdefault((r["gene"], r["protein"]), []).append(i)
            if r["hgvs_c"]:
                self.cdna.setdefault((r["gene"], r["hgvs_c"]), []).append(i)

    @staticmethod
    def key(build, chrom, pos, ref, alt):
        return (build, canonical_chrom(chrom), *trim_allele(int(pos), ref.upper(), alt.upper()))

    def calls(self, found):
        return _agree([_call(self.rows[i]) for i in found]) if found else None

    def by_allele(self, build, chrom, pos, ref, alt):
        return self.calls(self.alleles.get(self.key(build, chrom, pos, ref, alt)))

    def by_protein(self, gene, change):
        return self.calls(self.proteins.get((gene, change)))

    def by_cdna(self, gene, change, transcript):
        wanted = _accession(transcript)
        return self.calls([i for i in self.cdna.get((gene, change), ())
                           if not wanted or _accession(self.rows[i]["transcript"]) == wanted])


@pytest.fixture(scope="module")
def both():
    rows = _rows()
    return rows, FullTable(rows), ClinVarIndex(TABLE)


def test_every_row_answers_as_the_full_table(both):
    rows, full, compact = both
    assert len(rows) > 40_000
    looked = 0
    chosen = [r for r in rows if CHROMOSOMES & {r["chrom_grch37"], r["chrom_grch38"]}]
    assert len(chosen) > 10_000
    for r in chosen:
        for build, b, name in (("GRCh37", "grch37", "hg19"), ("GRCh38", "grch38", "GRCh38")):
            if not r[f"pos_{b}"]:
                continue
            chrom, pos, ref, alt = (r[f"chrom_{b}"], int(r[f"pos_{b}"]), r[f"ref_{b}"],
                                    r[f"alt_{b}"])
            other = next(x for x in "ACGT" if x not in (ref[-1], alt[-1]))
            for query in ((f"chr{chrom}", pos, ref.lower(), alt),
                          (chrom, pos, ref, alt[:-1] + other),
                          (chrom, pos - 1, "G" + ref, "G" + alt)):
                want = full.by_allele(build, *query)
                assert compact.by_allele(name, *query) == want, (build, query)
                looked += want is not None
        if r["protein"]:
            assert compact.by_protein(r["gene"], r["protein"]) == \
                full.by_protein(r["gene"], r["protein"]), r
        if r["hgvs_c"]:
            for tx in (r["transcript"], None):
                assert compact.by_cdna(r["gene"], r["hgvs_c"], tx) == \
                    full.by_cdna(r["gene"], r["hgvs_c"], tx), (r, tx)
            assert compact.by_cdna(r["gene"], f"{r['transcript']}:{r['hgvs_c']}") == \
                full.by_cdna(r["gene"], r["hgvs_c"], r["transcript"]), r
    assert looked > len(chosen)  # most rows are found by allele in both builds


def test_unknown_keys_find_nothing(both):
    _, _, compact = both
    assert compact.by_allele("GRCh38", "chrUn_1", 100, "A", "G") is None
    assert compact.by_allele("GRCh99", "7", 100, "A", "G") is None
    assert compact.by_allele("GRCh38", "7", 100, "A", "A") is None
    assert compact.by_protein("NOTAGENE", "V600E") is None
    assert compact.by_cdna("NOTAGENE", "c.1A>G") is None


def _write(path: Path, lines: list[str]) -> Path:
    path.write_bytes(gzip.compress("".join(f"{line}\n" for line in lines).encode()))
    return path


def test_a_bad_table_is_a_kb_error(tmp_path):
    header = "\t".join(_COLUMNS)
    good = "\t".join(["1", "BRAF", "V600E", "c.1799T>A", "NM_004333.6", "7", "140453136", "A",
                      "T", "7", "140753336", "A", "T", "P", "2", "", "", "2026-02-26"])
    ok = ClinVarIndex(_write(tmp_path / "ok.gz", [header, good]))
    assert ok.by_protein("BRAF", "V600E").classification == "oncogenic"
    # a row written with shared bases is found by its trimmed allele, and the other way round
    padded = ClinVarIndex(_write(tmp_path / "padded.gz", [header, good.replace(
        "140753336\tA\tT", "140753335\tCAG\tCTG")]))
    assert padded.by_allele("GRCh38", "7", 140753336, "A", "T").variation_id == "1"
    assert padded.by_allele("GRCh38", "7", 140753335, "CA", "CT").variation_id == "1"
    assert padded.by_allele("GRCh38", "7", 140753335, "C", "T") is None
    assert ok.by_allele("GRCh38", "chr7", 140753335, "CAG", "CTG").variation_id == "1"
    for name, lines in (("header", ["x\ty", good]), ("width", [header, good + "\tz"]),
                        ("class", [header, good.replace("\tP\t", "\tQ\t")]),
                        ("pos", [header, good.replace("140753336", "x")])):
        with pytest.raises(KnowledgeBaseError):
            ClinVarIndex(_write(tmp_path / f"{name}.gz", lines)).by_protein("BRAF", "V600E")
    (tmp_path / "bad.gz").write_bytes(b"not gzip")
    with pytest.raises(KnowledgeBaseError):
        ClinVarIndex(tmp_path / "bad.gz").by_allele("GRCh38", "7", 1, "A", "G")
