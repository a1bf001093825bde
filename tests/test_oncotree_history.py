"""Retired OncoTree codes (issue 12): mapped through OncoTree's own history with a warning; a code
that names no tumor type fails its sample only, naming file, line and sample.

The history table is derived from the OncoTree 2025-10-03 JSON (scripts/make_reference.py); the
tests walk every row of it, and the multi-sample case is the shipped cBioPortal-style MAF and
clinical sidecar with codes changed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from matcher.cli import main
from matcher.errors import UnknownTumorTypeError
from matcher.reference.tumors import HISTORY_FILE, OncoTree, default_reference_dir

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "vcf_samples"


@pytest.fixture(scope="module")
def tree() -> OncoTree:
    return OncoTree.load()


def _history() -> dict[str, list[tuple[str, str]]]:
    with (default_reference_dir() / HISTORY_FILE).open(encoding="utf-8") as fh:
        out: dict[str, list[tuple[str, str]]] = {}
        for row in csv.DictReader(fh, delimiter="\t"):
            out.setdefault(row["code"], []).append((row["current"], row["kind"]))
    return out


def test_every_retired_code_resolves_to_its_one_current_code_or_is_refused(tree):
    history = _history()
    assert history["GBM"] == [("GB", "revoked")]
    assert len(history) > 30
    for old, new in history.items():
        assert not tree.exists(old), f"{old} is current: it must not be in the history"
        assert all(tree.exists(code) for code, _ in new)
        if len(new) == 1:
            assert tree.resolve(old).code == new[0][0]
            assert tree.resolve(old.lower()).code == new[0][0]
        else:  # ALL -> BLL or TLL: never guessed
            with pytest.raises(UnknownTumorTypeError) as info:
                tree.resolve(old)
            assert info.value.problems[0].expected == \
                "one of the codes " + ", ".join(c for c, _ in new)


def test_a_current_code_that_was_also_retired_is_the_current_type(tree):
    """PTCL was revoked and later given to Peripheral T-Cell Lymphoma: it is that type."""
    assert tree.resolve("PTCL").code == "PTCL" and tree.retired("PTCL") == ()


def _match_doc(full_kb, code):
    from matcher.pipeline import run

    doc = {"report_id": "R", "tumor_type": code,
           "variants": [{"gene": "BRAF", "protein_change": "V600E"}]}
    return run(json.dumps(doc).encode(), kb=full_kb)[0]


def test_a_retired_code_is_read_with_a_warning(full_kb):
    result = _match_doc(full_kb, "GBM")
    assert result.tumor_type.code == "GB"
    assert result.warnings[0].startswith("OncoTree code 'GBM' is retired (revoked); read as GB")


def _multi_sample(tmp_path: Path, codes: dict[str, str]) -> Path:
    text = (SAMPLES / "multi_sample.clinical.tsv").read_text()
    for sample, code in codes.items():
        line = next(ln for ln in text.splitlines() if ln.startswith(sample + "\t"))
        text = text.replace(line, "\t".join(line.split("\t")[:2] + [code]))
    path = tmp_path / "clinical.tsv"
    path.write_text(text)
    return path


def test_one_unknown_code_fails_its_sample_only_naming_file_line_and_sample(tmp_path, capsys):
    clinical = _multi_sample(tmp_path, {"DEMO-M1": "GBM", "DEMO-M2": "NOSUCHCODE"})
    maf = SAMPLES / "multi_sample.grch37.maf"
    code = main(["match", str(maf), "--clinical", str(clinical), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2
    docs = json.loads(out)["results"]
    assert [d["sample"] for d in docs] == ["DEMO-M1", "DEMO-M3"]  # the others are reported
    assert docs[0]["tumor_type"]["code"] == "GB"
    lines = clinical.read_text().splitlines()
    m1, m2 = (next(n for n, ln in enumerate(lines, 1) if ln.startswith(s + "\t"))
              for s in ("DEMO-M1", "DEMO-M2"))
    assert any("'GBM' is retired" in w and f"clinical sidecar line {m1}" in w
               for w in docs[0]["warnings"])
    (line,) = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert str(maf) in line and "sample DEMO-M2" in line
    assert f"clinical sidecar line {m2}" in line
    assert "NOSUCHCODE" in err and "Traceback" not in err


def test_a_single_report_with_an_unknown_code_still_exits_2(capsys):
    code = main(["match", str(SAMPLES / "atc_braf_v600e.json"), "--tumor-type", "NOSUCHCODE"])
    _, err = capsys.readouterr()
    assert code == 2 and "NOSUCHCODE" in err
