"""FLT3 ITD: CIViC's "ITD" variant (an in-frame insertion within its coordinates, which are
exactly FLT3 exon 14 of ENST00000241453 on GRCh37) becomes an exon criterion derived from those
coordinates, plus the name "ITD" that labs write without HGVS (FLT3 only)."""

from __future__ import annotations

import json

import pytest
import yaml

from matcher.errors import ReportValidationError
from matcher.kb import civic
from matcher.kb.civic import Skip, Variant
from matcher.kb.civic_import import or_profile_criterion
from matcher.model import Report, VariantCall
from matcher.normalize import normalize_report
from matcher.pipeline import run
from matcher.reference.exons import ProteinExons
from matcher.reference.protein import InvalidChange, parse_protein_change

from .test_civic import SHIPPED

# CIViC variant 55 (VariantSummaries, 01-Aug-2024): FLT3 ITD, GRCh37 13:28608219-28608351
ITD = Variant("55", "FLT3", "ITD", "inframe_insertion", chrom="13", start=28608219,
              stop=28608351, build="GRCh37")
EXON14 = {"type": "exon", "exons": [14], "consequences": ["inframe_insertion"]}
ITD_CRITERION = {"type": "any_of", "items": [
    {"gene": "FLT3", "alteration": EXON14},
    {"gene": "FLT3", "alteration": {"type": "variant", "changes": ["ITD"]}}]}
# FLT3 ITD predictive evidence (CIViC profile "FLT3 ITD") imported by this rule
ITD_GILTERITINIB = {"CIVIC-EID8923", "CIVIC-EID8924"}  # in CIViC assertion 38
ITD_SORAFENIB = "CIVIC-EID298"
ITD_EIDS = {127, 130, 131, 297, 298, 299, 1040, 1112, 1137, 1555, 7369, 7382, 8923, 8924}


@pytest.fixture(scope="module")
def exons():
    return ProteinExons.load()


# ----------------------------------------------------------------------------- CIViC mapping
def test_itd_maps_to_the_exon_its_coordinates_cover(exons):
    assert civic.variant_criterion(ITD, exons) == ITD_CRITERION
    # the exon comes from the coordinates, not from the name: the same span shifted is skipped
    shifted = Variant("55", "FLT3", "ITD", chrom="13", start=28608219, stop=28608352,
                      build="GRCh37")
    with pytest.raises(Skip) as info:
        civic.variant_criterion(shifted, exons)
    assert info.value.reason == "ITD: coordinates are not exactly one exon"
    assert "exon(s) 14" in info.value.detail
    # exon 15's span (GRCh37 28608024-28608128) gives exon 15
    ex15 = Variant("55", "FLT3", "ITD", chrom="13", start=28608024, stop=28608128,
                   build="GRCh37")
    assert civic.variant_criterion(ex15, exons)["items"][0]["alteration"]["exons"] == [15]


def test_itd_without_coordinates_or_table_stays_skipped(exons):
    with pytest.raises(Skip, match="not representable"):
        civic.variant_criterion(ITD)  # no exon table
    with pytest.raises(Skip, match="not representable"):  # BCOR ITD: CIViC gives no coordinates
        civic.variant_criterion(Variant("4527", "BCOR", "ITD", "tandem_duplication"), exons)


def test_itd_in_an_and_profile_is_skipped_and_in_an_or_profile_flattened(exons):
    d835y = Variant("3011", "FLT3", "D835Y")
    with pytest.raises(Skip, match="any_of part"):
        civic.profile_criterion("FLT3 ITD AND FLT3 D835Y", [ITD, d835y], exons)
    gene, c = or_profile_criterion("FLT3 ITD OR FLT3 D835Y", [ITD, d835y], exons)
    assert gene == "FLT3" and c["type"] == "any_of"
    assert c["items"] == ITD_CRITERION["items"] + [
        {"gene": "FLT3", "alteration": {"type": "variant", "changes": ["D835Y"]}}]


def test_tkd_mutation_stays_skipped(exons):
    # CIViC variant 56: 13:28588619-28608228 runs from inside exon 23 to inside exon 14
    tkd = Variant("56", "FLT3", "TKD MUTATION", chrom="13", start=28588619, stop=28608228,
                  build="GRCh37")
    with pytest.raises(Skip, match="variant kind not representable"):
        civic.variant_criterion(tkd, exons)


def test_shipped_import_has_the_itd_evidence():
    raw = yaml.safe_load((SHIPPED / "genes" / "FLT3.yaml").read_text(encoding="utf-8"))
    itd = {e["id"] for e in raw["evidence"] if e["alteration"] == ITD_CRITERION}
    assert {int(i.removeprefix("CIVIC-EID").split("-")[0]) for i in itd} == ITD_EIDS
    skipped = (SHIPPED / "SKIPPED.tsv").read_text(encoding="utf-8")
    assert "EID127\t" not in skipped
    assert "EID247\tFLT3 ITD AND FLT3 D835Y\tPredictive\tcombination profile" in skipped


# ----------------------------------------------------------------------------- protein changes
@pytest.mark.parametrize("text", ["D600_L601insFREYEYD", "p.E611_F612insREYEYD",
                                  "D600_L601dup", "p.Asp600_Leu601dup"])
def test_tandem_duplications_are_inframe_insertions(text):
    assert parse_protein_change(text).consequence == "inframe_insertion"


@pytest.mark.parametrize("text", ["ITD", "itd", "Internal Tandem Duplication"])
def test_itd_name_parses_without_position(text):
    p = parse_protein_change(text)
    assert (p.canonical, p.consequence, p.position) == ("ITD", "inframe_insertion", None)


# ----------------------------------------------------------------------------- matching
def _match(kb, variant: dict, tumor: str = "AML"):
    doc = {"report_id": "FLT3", "tumor_type": tumor, "variants": [variant]}
    return run(json.dumps(doc).encode(), kb=kb)[0]


def _matches(result):
    return {m.evidence_id: m for o in result.therapy_options for m in o.matches}


@pytest.mark.parametrize("variant,match_type", [
    ({"gene": "FLT3", "protein_change": "p.D600_L601insFREYEYD"}, "exon"),
    ({"gene": "FLT3", "protein_change": "E611_F612insREYEYD"}, "exon"),
    ({"gene": "FLT3", "protein_change": "D600_L601dup"}, "exon"),
    ({"gene": "FLT3", "protein_change": "ITD"}, "exact"),
    ({"gene": "FLT3", "protein_change": "internal tandem duplication"}, "exact"),
])
def test_flt3_itd_in_aml_matches_the_civic_itd_evidence(full_kb, variant, match_type):
    result = _match(full_kb, variant)
    outcome = result.alterations[0]
    assert outcome.status == "matched"
    matches = _matches(result)
    assert ITD_GILTERITINIB <= set(matches)
    assert ITD_SORAFENIB in matches
    m = matches["CIVIC-EID8923"]
    assert (m.match_type, m.gene) == (match_type, "FLT3")
    assert [(c.kind, c.id) for c in m.citations][0] == ("civic", "EID8923")
    names = {o.name for o in result.therapy_options}
    # midostaurin's label regimen is with cytarabine and daunorubicin: CIViC's midostaurin
    # evidence supports that level-1 option rather than standing as a line of its own
    assert {"gilteritinib", "midostaurin + cytarabine + daunorubicin", "sorafenib"} <= names
    for name in ("gilteritinib", "midostaurin + cytarabine + daunorubicin"):
        option = next(o for o in result.therapy_options if o.name == name)
        assert option.level == "1"
        assert any(c.kind == "civic" for m in option.matches for c in m.citations)


def test_hgvs_itd_gets_exon_14_from_its_position(full_kb):
    a = _match(full_kb, {"gene": "FLT3", "protein_change": "D600_L601dup"}).alterations[0]
    assert (a.alteration.variant.exon, a.alteration.variant.consequence) == (
        14, "inframe_insertion")


@pytest.mark.parametrize("variant", [
    {"gene": "FLT3", "protein_change": "D835Y"},
    {"gene": "FLT3", "protein_change": "D835_I836insG"},  # in-frame insertion in exon 20
    {"gene": "FLT3", "protein_change": "A627_V628insG"},  # exon 15
])
def test_other_flt3_changes_do_not_match_the_itd_evidence(full_kb, variant):
    matches = _matches(_match(full_kb, variant))
    assert not (ITD_GILTERITINIB | {ITD_SORAFENIB}) & set(matches)


def test_itd_for_another_gene_is_unreadable(full_kb):
    with pytest.raises(ReportValidationError, match="read for FLT3 only"):
        _match(full_kb, {"gene": "NPM1", "protein_change": "ITD"})
    # in a pipeline file (not lab JSON) the call is not assessable, with the reason
    report = Report("MAF-1", tumor_type="AML", source_format="maf",
                    variants=(VariantCall("line 2", gene="KIT", protein_change="ITD"),))
    a = normalize_report(report, full_kb).alterations[0]
    assert a.not_assessable and "cannot read protein change 'ITD'" in a.not_assessable
    assert a.variant.protein is None


def test_invalid_change_still_raised_for_garbage():
    with pytest.raises(InvalidChange):
        parse_protein_change("ITDX")
