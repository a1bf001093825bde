"""OncoTree loading, resolution, ancestry and scope, on the shipped oncotree.tsv."""

from __future__ import annotations

import pytest

from matcher.errors import InputError, KnowledgeBaseError, UnknownTumorTypeError
from matcher.model import TumorType
from matcher.reference.tumors import OncoTree, default_reference_dir


@pytest.fixture(scope="module")
def tree() -> OncoTree:
    return OncoTree.load()


def test_loads_the_whole_table(tree):
    table = (default_reference_dir() / "oncotree.tsv").read_text().splitlines()
    assert len(tree) == len(table) - 1
    assert tree.get("THAP") == TumorType("THAP", "Anaplastic Thyroid Cancer", "Thyroid Cancer",
                                         "Thyroid")


def test_every_code_has_a_path_to_tissue(tree):
    for code in tree.codes():
        chain = tree.ancestors(code)
        assert chain[0] == code
        assert chain[-1] == "TISSUE"
        assert len(set(chain)) == len(chain)


def test_ancestors_and_within(tree):
    assert tree.ancestors("THAP") == ["THAP", "THYROID", "TISSUE"]
    assert tree.is_within("THAP", "THYROID")
    assert tree.is_within("thap", "thyroid")
    assert tree.is_within("THAP", "THAP")
    assert not tree.is_within("THYROID", "THAP")
    assert not tree.is_within("THAP", "LUNG")
    assert not tree.is_within("THAP", "NOSUCHCODE")


@pytest.mark.parametrize("text", ["THAP", "thap", " Thap ", "Anaplastic Thyroid Cancer",
                                  "anaplastic thyroid cancer", "Anaplastic  Thyroid\tCancer "])
def test_resolve_code_or_name(tree, text):
    assert tree.resolve(text).code == "THAP"


def test_resolve_unknown_suggests_closest_codes(tree):
    with pytest.raises(UnknownTumorTypeError) as info:
        tree.resolve("THA")
    err = info.value
    assert isinstance(err, InputError) and isinstance(err, ValueError)
    assert err.status == 422
    assert "THAP" in err.message and "THYROID" in err.message
    assert err.problems and err.problems[0].field == "tumor_type"
    assert "THAP" in err.problems[0].expected
    suggestions = tree.suggest("THA")
    assert suggestions[:2] == ["THAP", "THYROID"]
    assert all(tree.exists(code) for code in suggestions)


def test_suggest_uses_names_too(tree):
    assert tree.suggest("colorectal")[0] == "COADREAD"
    assert "LUAD" in tree.suggest("lung adenocarcinoma carcinoma")
    # words of the name or main type, broader types first
    assert tree.suggest("Thyroid Cancer")[0] == "THYROID"
    assert tree.suggest("Melanoma, cutaneous")[0] == "SKCM"
    assert "GB" in tree.suggest("glioblastoma")
    assert tree.suggest("") == []


@pytest.mark.parametrize("text", ["", "   ", "zzzzzz", "Thyroid cancer, anaplastic type"])
def test_resolve_rejects_with_problem_list(tree, text):
    with pytest.raises(UnknownTumorTypeError) as info:
        tree.resolve(text)
    assert info.value.problems
    assert info.value.to_problem()["status"] == 422


def test_name_shared_by_several_types_is_not_guessed(tree):
    with pytest.raises(UnknownTumorTypeError) as info:
        tree.resolve("Choriocarcinoma")
    codes = [t.code for t in tree.search("choriocarcinoma") if t.name == "Choriocarcinoma"]
    assert len(codes) > 1
    for code in codes:
        assert code in info.value.message


def test_leukemia_and_lymphoma_are_not_solid(tree):
    for code in ("AML", "CLLSLL", "BLL", "MYELOID", "LYMPH", "DLBCLNOS"):
        assert not tree.is_solid(code), code
    for code in ("THAP", "LUAD", "COADREAD", "MEL", "BRAIN"):
        assert tree.is_solid(code), code
    haem = [c for c in tree.codes() if tree.get(c).tissue in ("Myeloid", "Lymphoid")]
    assert len(haem) > 100
    assert not any(tree.is_solid(c) for c in haem)


def test_solid_minus_colorectal(tree):
    family = tree.descendants("COADREAD")
    assert {"COADREAD", "COAD", "READ"} <= set(family)
    for code in family:
        assert not tree.in_scope(code, ["SOLID"], ["COADREAD"]), code
    assert tree.in_scope("THAP", ["SOLID"], ["COADREAD"])
    assert tree.in_scope("BOWEL", ["SOLID"], ["COADREAD"])  # the parent stays in scope
    assert not tree.in_scope("AML", ["SOLID"], ["COADREAD"])
    assert tree.in_scope("AML", ["MYELOID"], [])
    assert tree.in_scope("LUAD", ["solid"], [])
    assert not tree.in_scope("LUAD", [], [])


def test_search_lists_code_hits_before_name_hits(tree):
    hits = tree.search("thy")
    codes = [t.code for t in hits]
    assert "THYROID" in codes and "THAP" in codes
    first_name_hit = next(i for i, t in enumerate(hits) if "THY" not in t.code)
    assert all("THY" in t.code for t in hits[:first_name_hit])
    assert all("THY" not in t.code and "thy" in t.name.lower() for t in hits[first_name_hit:])
    assert len(tree.search("a", limit=7)) == 7
    assert tree.search("LUAD")[0].code == "LUAD"
    assert tree.search("") == []


def test_get_and_exists(tree):
    assert tree.exists("luad") and "LUAD" in tree
    assert tree.get("NOPE") is None and not tree.exists("NOPE")
    with pytest.raises(UnknownTumorTypeError):
        tree.ancestors("NOPE")


def test_default_reference_dir_honours_env(monkeypatch, tmp_path):
    monkeypatch.delenv("MATCHER_KB_DIR", raising=False)
    assert (default_reference_dir() / "oncotree.tsv").is_file()
    monkeypatch.setenv("MATCHER_KB_DIR", str(tmp_path))
    assert default_reference_dir() == tmp_path / "reference"


def test_broken_table_refuses_to_load(tmp_path):
    header = "code\tparent\tname\tmain_type\ttissue\tlevel\tnci\tumls\n"
    rows = "TISSUE\t\tTissue\t\t\t0\t\t\nTHAP\tTHYROID\tAnaplastic\tThyroid\tThyroid\t2\t\t\n"
    (tmp_path / "oncotree.tsv").write_text(header + rows)
    with pytest.raises(KnowledgeBaseError, match="THYROID"):
        OncoTree.load(tmp_path)
    (tmp_path / "oncotree.tsv").write_text(header + rows.replace("THYROID", "TISSUE") * 2)
    with pytest.raises(KnowledgeBaseError, match="twice"):
        OncoTree.load(tmp_path)
    (tmp_path / "oncotree.tsv").write_text("code\tname\nX\tY\n")
    with pytest.raises(KnowledgeBaseError, match="parent"):
        OncoTree.load(tmp_path)
    with pytest.raises(KnowledgeBaseError, match="cannot read"):
        OncoTree.load(tmp_path / "missing")


@pytest.mark.parametrize("written,problem", [
    ("thap", "'thap' is written 'THAP' in OncoTree"),
    # read as a named tumor type, the OncoTree root would make clinical evidence on-label (3A)
    # in every tumor type instead of 3B (docs/levels.md)
    ("tissue", "'tissue' is written 'TISSUE' in OncoTree"),
    ("solid", "'solid' is not an OncoTree code"),
    ("THAP", None),
])
def test_kb_scope_codes_are_written_as_oncotree_writes_them(tmp_path, written, problem):
    from matcher.kb.loader import load_kb
    from tests.kb_edits import curated_copy, edit_entries

    kb_dir = edit_entries(curated_copy(tmp_path / "kb"), "BRAF", {
        "BRAF-V600E-VEMURAFENIB-THAP": lambda t: t.replace("scope: [THAP]",
                                                           f"scope: [{written}]")}, "t")
    if problem is None:
        scope = {e.id: e.scope for e in load_kb(kb_dir, imported=False).all_evidence()}
        assert scope["BRAF-V600E-VEMURAFENIB-THAP"] == ("THAP",)
        return
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(kb_dir, imported=False)
    assert f"BRAF-V600E-VEMURAFENIB-THAP.scope: {problem}" in str(info.value)
