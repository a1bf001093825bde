"""ClinicalTrials.gov trials with structured eligibility (issue 17), tested from the data: every
trial of knowledgebase/ctgov/trials.yaml, not hand-picked ones."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from matcher import engine
from matcher.kb import ctgov_import
from matcher.kb.knowledge import OPEN_STATUSES
from matcher.kb.loader import load_kb
from matcher.kb.trials import TrialStatus, overlay_open
from matcher.model import (
    Alteration,
    CopyNumberDetail,
    FusionDetail,
    Oncogenicity,
    ProteinChange,
    SignatureDetail,
    TumorType,
    VariantDetail,
)
from matcher.paths import default_kb_dir

KB_DIR = default_kb_dir()
SOURCE = KB_DIR / "ctgov" / "source" / "trials_recruiting_2026-01-05.tsv.gz"
CLOSED = ("COMPLETED", "TERMINATED", "WITHDRAWN", "ACTIVE_NOT_RECRUITING", "SUSPENDED")


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.fixture(scope="module")
def records():
    return {r["nct_id"]: r for r in ctgov_import.read_source(SOURCE)}


def biomarker_trials(kb):
    return [t for t in kb.open_trials.values() if t.role == "biomarker"]


# ------------------------------------------------------------------------------ the import
def test_the_committed_import_is_what_a_fresh_import_gives():
    files = ctgov_import.build(SOURCE, KB_DIR)
    assert ctgov_import.check(files, KB_DIR) == []


def test_every_record_of_the_source_is_in_the_kb_once(kb, records):
    assert set(kb.open_trials) == set(records)


def test_every_quote_is_in_its_trials_eligibility_text(kb, records):
    checked = 0
    for t in kb.open_trials.values():
        row = records[t.nct_id]
        for tc in t.requires + t.excludes:
            text = row["brief_title"] if tc.quote_from == "title" else row["eligibility_criteria"]
            assert tc.quote in text, (t.nct_id, tc.quote_from, tc.quote)
            checked += 1
        for quote in t.therapy_criteria:
            assert quote in row["eligibility_criteria"], (t.nct_id, quote)
    assert checked > 100


def test_status_and_date_are_the_records(kb, records):
    for t in kb.open_trials.values():
        row = records[t.nct_id]
        assert t.status_date == row["data_date"].split(" ")[0]
        assert t.status == "_".join(row["overall_status"].split()).upper()
        assert t.url == f"https://clinicaltrials.gov/study/{t.nct_id}"


def test_roles_follow_the_record(kb):
    for t in kb.open_trials.values():
        if t.role == "biomarker":
            assert t.requires and t.is_open and t.tumor_types
        if t.role in ("unstructured", "observational", "closed"):
            assert t.reason, t.nct_id
        if t.phase is None:
            assert t.role in ("observational", "closed"), t.nct_id


# ------------------------------------------------------------------------------ reports
def _variant(gene: str, canonical: str, consequence: str, position: int | None,
             exon: int | None = None, hotspot: bool = False, n: int = 0) -> Alteration:
    return Alteration(
        id=f"V{n}", kind="variant", gene=gene, label=f"{gene} {canonical}",
        original=f"{gene} {canonical}", source="test",
        variant=VariantDetail(protein=ProteinChange(canonical=canonical, hgvs="p." + canonical,
                                                    consequence=consequence,
                                                    position=position),
                              consequence=consequence, exon=exon, hotspot=hotspot),
        # The call a trial's biomarker asks for is an oncogenic one (broad criteria need it).
        oncogenicity=Oncogenicity("oncogenic", "test: the trial's own biomarker", "kb"))


def alterations_meeting(gene: str | None, crit, n: int = 0) -> list[Alteration]:
    """Alterations a report would carry to meet one criterion (one per all_of part)."""
    t = crit.type
    if t == "all_of":
        return [a for i, (g, c) in enumerate(crit.items)
                for a in alterations_meeting(g, c, n * 10 + i)]
    if t == "any_of":
        return alterations_meeting(*crit.items[0], n)
    if t == "variant":
        change = sorted(crit.changes)[0]
        return [_variant(gene, change, "missense", int("".join(filter(str.isdigit, change))),
                         n=n)]
    if t == "codon":
        c = min(crit.codons)
        return [_variant(gene, f"X{c}Z", "missense", c, n=n)]
    if t == "exon":
        cons = sorted(crit.consequences)[0] if crit.consequences else "missense"
        return [_variant(gene, "X1Z", cons, 1, exon=min(crit.exons), n=n)]
    if t == "exon_skipping":
        return [_variant(gene, "X1_splice", "exon_loss", None, exon=min(crit.exons), n=n)]
    if t == "hotspot":
        return [_variant(gene, "X12Z", "missense", 12, hotspot=True, n=n)]
    if t == "any":
        return [_variant(gene, "X12Z", "missense", 12, n=n)]
    if t == "consequence":
        cons = sorted(crit.consequences)[0]
        return [_variant(gene, "X10*", cons, 10, n=n)]
    if t == "fusion":
        partner = crit.partner or "PARTNERX"
        return [Alteration(id=f"F{n}", kind="fusion", gene=gene, label=f"{partner}::{gene}",
                           original=f"{partner}::{gene}", source="test",
                           fusion=FusionDetail(five_prime=partner, three_prime=gene,
                                               order_known=True))]
    if t == "copy_number":
        state = sorted(crit.states)[0]
        return [Alteration(id=f"C{n}", kind="copy_number", gene=gene, label=f"{gene} {state}",
                           original=f"{gene} {state}", source="test",
                           copy_number=CopyNumberDetail(state=state))]
    if t == "signature":
        value = sorted(crit.values)[0] if crit.values else \
            (crit.min if crit.min is not None else crit.above + 1)
        return [Alteration(id=f"S{n}", kind="signature", gene=None,
                           label=f"{crit.signature} {value}", original=str(value),
                           source="test", signature=SignatureDetail(crit.signature, value))]
    raise AssertionError(f"no alteration built for criterion type {t}")


def tumor_in(kb, trial) -> TumorType:
    """The first OncoTree type (table order) within the trial's tumor types."""
    for code in kb.oncotree.codes():
        if kb.oncotree.in_scope(code, list(trial.tumor_types), []):
            return kb.oncotree.get(code)
    raise AssertionError(f"{trial.nct_id}: no OncoTree type within {trial.tumor_types}")


def listed(kb, alts, tumor, **kw) -> dict:
    result = engine.match(alts, kb, tumor, report_id="t", **kw)
    return {t.nct_id: t for t in result.open_trials}


def test_each_biomarker_trial_is_listed_for_its_own_biomarker_and_tumor_type(kb):
    trials = biomarker_trials(kb)
    assert len(trials) > 30
    for t in trials:
        tumor = tumor_in(kb, t)
        for i, req in enumerate(t.requires):
            alts = alterations_meeting(req.gene, req.criterion, i)
            found = listed(kb, alts, tumor).get(t.nct_id)
            assert found is not None, (t.nct_id, req.describe(), tumor.code)
            assert found.reason == "biomarker"
            assert {h.alteration_id for h in found.matched} & {a.id for a in alts}
            assert all(h.quote in {r.quote for r in t.requires} for h in found.matched)
            assert found.status == t.status and found.status_date == t.status_date
            assert found.url.endswith(t.nct_id) and found.drugs == t.drugs


def test_an_excluding_biomarker_takes_the_trial_off_the_list(kb):
    checked = 0
    for t in biomarker_trials(kb):
        if not t.excludes:
            continue
        tumor = tumor_in(kb, t)
        alts = alterations_meeting(t.requires[0].gene, t.requires[0].criterion)
        assert t.nct_id in listed(kb, alts, tumor)
        for j, ex in enumerate(t.excludes):
            more = alterations_meeting(ex.gene, ex.criterion, 100 + j)
            assert t.nct_id not in listed(kb, alts + more, tumor), (t.nct_id, ex.describe())
            checked += 1
    assert checked >= 5


def test_a_trial_outside_the_patients_tumor_type_is_not_listed(kb):
    checked = 0
    for t in biomarker_trials(kb):
        if "SOLID" in t.tumor_types:
            continue
        other = next(kb.oncotree.get(c) for c in kb.oncotree.codes()
                     if kb.oncotree.is_solid(c) and c != "SOLID"
                     and not kb.oncotree.in_scope(c, list(t.tumor_types), []))
        alts = alterations_meeting(t.requires[0].gene, t.requires[0].criterion)
        assert t.nct_id not in listed(kb, alts, other)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_trial_is_never_listed_as_open(kb, status):
    trials = biomarker_trials(kb)
    closed = dataclasses.replace(kb, open_trials={
        n: dataclasses.replace(t, status=status) for n, t in kb.open_trials.items()})
    for t in trials:
        alts = alterations_meeting(t.requires[0].gene, t.requires[0].criterion)
        assert t.nct_id not in listed(closed, alts, tumor_in(kb, t))
    assert status not in OPEN_STATUSES


def test_a_refreshed_closed_status_takes_a_trial_off_the_list(kb):
    t = biomarker_trials(kb)[0]
    alts = alterations_meeting(t.requires[0].gene, t.requires[0].criterion)
    tumor = tumor_in(kb, t)
    assert t.nct_id in listed(kb, alts, tumor)
    st = TrialStatus(nct_id=t.nct_id, status="COMPLETED", phase=None, title=None,
                     last_update=None, verified="2026-11-30")
    refreshed = dataclasses.replace(kb, open_trials=overlay_open(kb.open_trials,
                                                                 {t.nct_id: st}))
    assert refreshed.open_trials[t.nct_id].status_date == "2026-11-30"
    assert t.nct_id not in listed(refreshed, alts, tumor)


def test_trials_that_are_not_biomarker_trials_are_never_biomarker_matched(kb):
    others = [t for t in kb.open_trials.values() if t.role != "biomarker"]
    for t in others:
        for i, tc in enumerate(t.requires):
            alts = alterations_meeting(tc.gene, tc.criterion, i)
            found = listed(kb, alts, tumor_in(kb, t) if t.tumor_types else None)
            assert t.nct_id not in found or found[t.nct_id].reason == "tumor_type"


def test_tumor_type_trials_are_a_separate_list_after_the_biomarker_matched(kb):
    t = next(t for t in biomarker_trials(kb) if "NSCLC" in t.tumor_types)
    alts = alterations_meeting(t.requires[0].gene, t.requires[0].criterion)
    result = engine.match(alts, kb, kb.oncotree.get("LUAD"), report_id="t")
    reasons = [o.reason for o in result.open_trials]
    assert "biomarker" in reasons and "tumor_type" in reasons
    assert reasons == sorted(reasons)  # biomarker < tumor_type
    for o in result.open_trials:
        if o.reason == "tumor_type":
            trial = kb.open_trials[o.nct_id]
            assert trial.role in ("tumor_type", "stratification") and not o.matched


def test_ranked_by_phase_then_specificity(kb):
    key = {p: i for i, p in enumerate(("3", "2/3", "2", "1/2", "1", "early 1", "N/A"))}
    t = next(t for t in biomarker_trials(kb) if "NSCLC" in t.tumor_types)
    alts = alterations_meeting(t.requires[0].gene, t.requires[0].criterion)
    found = [o for o in engine.match(alts, kb, kb.oncotree.get("LUAD"),
                                     report_id="t").open_trials if o.reason == "biomarker"]
    ranks = [key.get(o.phase or "", 7) for o in found]
    assert ranks == sorted(ranks)


# ------------------------------------------------------------------------------ freshness
@pytest.mark.parametrize("max_age, age, stale", [(90, 90, False), (90, 91, True),
                                                 (400, 331, False), (0, 1, True)])
def test_a_status_older_than_the_setting_is_flagged(kb, monkeypatch, max_age, age, stale):
    monkeypatch.setenv("MATCHER_TRIAL_STATUS_MAX_AGE_DAYS", str(max_age))
    t = biomarker_trials(kb)[0]
    alts = alterations_meeting(t.requires[0].gene, t.requires[0].criterion)
    today = dt.date.fromisoformat(t.status_date) + dt.timedelta(days=age)
    by_gene: dict = {}
    for a in alts:
        for k in engine._keys(a):
            by_gene.setdefault(k, []).append(a)
    found = {o.nct_id: o for o in engine.open_trials(kb, tumor_in(kb, t), by_gene, today=today)}
    assert found[t.nct_id].status_age_days == age
    assert found[t.nct_id].status_may_be_out_of_date is stale


def test_a_bad_max_age_setting_is_refused(monkeypatch):
    from matcher.errors import InputError
    from matcher.kb.knowledge import status_max_age_days

    assert status_max_age_days({}) == 90
    with pytest.raises(InputError):
        status_max_age_days({"MATCHER_TRIAL_STATUS_MAX_AGE_DAYS": "soon"})


def test_the_cli_check_passes_and_detects_drift(tmp_path):
    import shutil

    from click.testing import CliRunner

    from matcher.cli import cli

    args = ["kb", "import-trials", str(SOURCE), "--check"]
    ok = CliRunner().invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    kb_copy = tmp_path / "kb"
    shutil.copytree(KB_DIR, kb_copy)
    p = kb_copy / "ctgov" / "trials.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("role: biomarker", "role: tumor_type",
                                                       1), encoding="utf-8")
    drift = CliRunner().invoke(cli, args + ["--kb", str(kb_copy)])
    assert drift.exit_code == 1
    missing = CliRunner().invoke(cli, ["kb", "import-trials", str(Path(tmp_path, "none.tsv"))])
    assert missing.exit_code == 2


# ------------------------------------------------------------------------------ renderers
@pytest.fixture()
def kras_result(kb):
    from matcher.pipeline import run

    doc = {"report_id": "R", "tumor_type": "LUAD",
           "variants": [{"gene": "KRAS", "protein_change": "p.G12C"}]}
    return run(json.dumps(doc).encode(), kb=kb)[0]


@pytest.mark.parametrize("max_age, flagged", [("0", True), ("100000", False)])
def test_text_and_html_show_each_open_trial_with_its_date(kb, monkeypatch, max_age, flagged):
    from matcher.pipeline import run
    from matcher.render.html import render_html
    from matcher.render.text import render_text

    monkeypatch.setenv("MATCHER_TRIAL_STATUS_MAX_AGE_DAYS", max_age)
    doc = {"report_id": "R", "tumor_type": "LUAD",
           "variants": [{"gene": "KRAS", "protein_change": "p.G12C"}]}
    result = run(json.dumps(doc).encode(), kb=kb)[0]
    biomarker = [t for t in result.open_trials if t.reason == "biomarker"]
    assert biomarker and all(t.status_may_be_out_of_date is flagged for t in biomarker)
    text = render_text(result, width=200)
    html = render_html(result)
    assert "TRIALS OPEN FOR THIS PATIENT" in text and "Trials open for this patient" in html
    for t in biomarker:
        assert t.nct_id in text and t.nct_id in html
        assert f"as of {t.status_date}" in text
    assert ("status may be out of date" in text) is flagged
    assert ("status may be out of date" in html) is flagged
    assert "KRAS G12C meets KRAS G12C" in text


def test_fhir_has_a_research_study_per_open_trial_with_status_and_date(kras_result):
    from matcher.render.fhir import to_fhir

    bundle = to_fhir(kras_result)
    studies = {r["identifier"][0]["value"]: r for r in
               (e["resource"] for e in bundle["entry"])
               if r["resourceType"] == "ResearchStudy"}
    assert set(studies) == {t.nct_id for t in kras_result.open_trials}
    for t in kras_result.open_trials:
        s = studies[t.nct_id]
        assert s["status"] in ("active", "approved")
        assert s["note"][0]["time"] == t.status_date
        assert s["relatedArtifact"][0]["url"] == t.url
        assert s["description"].startswith("Biomarker-matched" if t.reason == "biomarker"
                                           else "Open to the patient's tumor type")


def test_json_lists_open_trials_apart_from_the_cited_references(kras_result):
    doc = json.loads(kras_result.to_json())
    assert {t["nct_id"] for t in doc["open_trials"]} == {t.nct_id for t in
                                                         kras_result.open_trials}
    first = doc["open_trials"][0]
    assert {"status", "status_date", "status_age_days", "status_may_be_out_of_date", "matched",
            "drugs", "url", "phase"} <= set(first)
    assert first["matched"][0]["quote"]


# ------------------------------------------------------------------------------ new records
def test_exported_records_import_in_the_same_shape(tmp_path):
    """`matcher trials export` against a local API v2 stand-in (synthetic NCT999999xx ids and
    made-up content): the TSV it writes is what `matcher kb import-trials` reads."""
    import shutil
    import threading
    from http.server import ThreadingHTTPServer

    import yaml
    from click.testing import CliRunner

    from matcher.cli import cli
    from tests.test_trials import Api, make_handler, study

    doc = study("NCT99999951", phases=("PHASE1", "PHASE2"), title="Synthetic KRAS study")
    doc["protocolSection"].update({
        "conditionsModule": {"conditions": ["Non-small Cell Lung Cancer"]},
        "armsInterventionsModule": {"interventions": [{"name": "Drug X"}, {"name": "Drug X"}]},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Synthetic sponsor"}},
        "eligibilityModule": {"eligibilityCriteria":
                              "Inclusion Criteria:\n\n* Documented KRAS G12C mutation\n* Age 18"
                              "\n\nExclusion Criteria:\n\n* Known EGFR mutation"
                              + "\n* Other condition number N" * 250}})
    api = Api()
    api.routes["NCT99999951"] = [("json", doc)]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(api))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        out = tmp_path / "new.tsv.gz"
        res = CliRunner().invoke(cli, [
            "trials", "export", "NCT99999951", "NCT99999952", "--out", str(out),
            "--base-url", f"http://127.0.0.1:{httpd.server_port}/api/v2", "--rate", "0",
            "--retries", "0"])
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert res.exit_code == 1  # NCT99999952: 404
    assert "NCT99999952" in res.output
    rows = ctgov_import.read_source(out)
    assert [r["nct_id"] for r in rows] == ["NCT99999951"]
    kb_dir = tmp_path / "kb"
    (kb_dir / "ctgov").mkdir(parents=True)
    shutil.copy(KB_DIR / "ctgov" / "conditions.tsv", kb_dir / "ctgov" / "conditions.tsv")
    files = ctgov_import.build(out, kb_dir)
    entry = yaml.safe_load(files["ctgov/trials.yaml"])["trials"][0]
    assert entry["role"] == "biomarker" and entry["phase"] == "1/2"
    assert entry["tumor_types"] == ["NSCLC"] and entry["drugs"] == ["Drug X"]
    assert entry["requires"][0]["alteration"] == {"type": "variant", "changes": ["G12C"]}
    assert entry["excludes"][0]["gene"] == "EGFR"
    assert entry["requires"][0]["quote"] in rows[0]["eligibility_criteria"]
    # the whole eligibility text is kept (longer than the 4,000 characters of our old copy) and
    # is not flagged as cut
    assert len(rows[0]["eligibility_criteria"]) > ctgov_import.CUT_AT
    assert rows[0]["eligibility_criteria"].endswith("Other condition number N")
    assert entry["eligibility_truncated"] is False


def test_a_vus_does_not_meet_a_class_level_trial_criterion(kb):
    """'KRAS mutation' in a trial, as in evidence, means an oncogenic one: a VUS of the gene
    does not list the trial (a named change would still)."""
    checked = 0
    for t in biomarker_trials(kb):
        for i, req in enumerate(t.requires):
            if req.criterion.type not in ("any", "consequence"):
                continue
            alts = [dataclasses.replace(a, oncogenicity=Oncogenicity("vus", "test", "default"))
                    for a in alterations_meeting(req.gene, req.criterion, i)]
            found = listed(kb, alts, tumor_in(kb, t)).get(t.nct_id)
            assert found is None or all(h.match_type not in ("gene", "consequence")
                                        for h in found.matched), t.nct_id
            checked += 1
    assert checked >= 5


def test_every_listed_trial_with_cut_eligibility_text_says_so(kb):
    """Each open trial whose eligibility text is cut in our copy carries the note (JSON, text,
    HTML) that its exclusions may be missing; one with the whole text does not."""
    from matcher.engine import TRUNCATED_NOTE
    from matcher.render.html import render_html
    from matcher.render.text import render_text

    seen = {True: 0, False: 0}
    for t in biomarker_trials(kb):
        alts = alterations_meeting(t.requires[0].gene, t.requires[0].criterion)
        result = engine.match(alts, kb, tumor_in(kb, t), report_id="t")
        found = next(o for o in result.open_trials if o.nct_id == t.nct_id)
        assert (TRUNCATED_NOTE in found.notes) is t.eligibility_truncated, t.nct_id
        assert (TRUNCATED_NOTE in json.dumps(json.loads(result.to_json())["open_trials"])) \
            is any(kb.open_trials[o.nct_id].eligibility_truncated for o in result.open_trials)
        seen[t.eligibility_truncated] += 1
        if seen[t.eligibility_truncated] == 1:  # the renderers, once each way
            text = render_text(result, width=400)
            html = render_html(result)
            shown = [o for o in result.open_trials if o.reason == "biomarker"]
            cut = any(kb.open_trials[o.nct_id].eligibility_truncated for o in shown)
            assert ("eligibility text truncated in source" in text) is cut
            assert ("Eligibility text truncated in source" in html) is cut
    assert seen[True] >= 10 and seen[False] >= 10


def test_a_requirement_read_from_the_title_only_where_the_text_states_none(kb, records):
    """The title rule: a trial's biomarker is read from its registry title only when no
    inclusion criterion requires one; the quote is the title's phrase naming the patients."""
    from_title = [t for t in kb.open_trials.values()
                  if any(tc.quote_from == "title" for tc in t.requires)]
    assert len(from_title) >= 5
    for t in from_title:
        assert all(tc.quote_from == "title" for tc in t.requires), t.nct_id
        for tc in t.requires:
            assert ctgov_import.GENE_RE.search(tc.quote), (t.nct_id, tc.quote)
            assert tc.quote in records[t.nct_id]["brief_title"]
        tumor = tumor_in(kb, t)
        alts = alterations_meeting(t.requires[0].gene, t.requires[0].criterion)
        found = listed(kb, alts, tumor)[t.nct_id]
        assert any("read from the trial's title" in n for n in found.notes)
        assert {h.quote_from for h in found.matched} == {"title"}


def test_each_quote_says_where_it_came_from(kb):
    """A matched criterion's hit carries the source of its quote, title or eligibility text,
    and the text summary labels the quote with it."""
    from matcher.render.text import _open_trial, _Writer

    for source in ("title", "eligibility"):
        trials = [t for t in kb.open_trials.values()
                  if t.requires and t.requires[0].quote_from == source][:5]
        assert trials, source
        for t in trials:
            tc = t.requires[0]
            found = listed(kb, alterations_meeting(tc.gene, tc.criterion), tumor_in(kb, t))
            hit = next(h for h in found[t.nct_id].matched if h.quote == tc.quote)
            assert hit.quote_from == source
            w = _Writer(width=400, color=False)
            _open_trial(w, found[t.nct_id])
            label = "Title" if source == "title" else "Eligibility"
            assert any(ln.strip().startswith(f"{label}: \u201c") for ln in w.lines), w.lines
    # an eligibility quote that the title happens to contain is still labelled Eligibility
    match = dataclasses.replace(found[t.nct_id], title=f"A trial for {tc.quote}")
    w = _Writer(width=400, color=False)
    _open_trial(w, match)
    assert any(ln.strip().startswith("Eligibility: \u201c") for ln in w.lines), w.lines
    assert not any(ln.strip().startswith("Title: ") for ln in w.lines), w.lines


def test_egfr_as_a_kidney_function_value_is_not_read_as_the_gene(records):
    """'EGFR < 30 mL/min' is the estimated glomerular filtration rate: no biomarker mention."""
    import re

    pattern = re.compile(r"EGFR\s*(?:\\?[<>≤≥]|[^.;*]{0,30}\bmL\s*/\s*min)")
    checked = 0
    for row in records.values():
        text = row["eligibility_criteria"]
        for m in pattern.finditer(text):
            a = max(text.rfind("*", 0, m.start()), text.rfind(".", 0, m.start() - 1)) + 1
            clause = text[a:m.end() + 40]
            at = m.start() - a
            assert not any(men.start == at for men in ctgov_import.read_mentions(clause, False)), \
                (row["nct_id"], clause)
            checked += 1
    assert checked >= 2


def test_a_gene_list_after_mutation_in_requires_each_gene(kb, records):
    """'a ... mutation in BRCA1, BRCA2, or PALB2' (NCT04858334): each listed gene is an
    alternative, PALB2 included, each read as loss of function."""
    t = kb.open_trials["NCT04858334"]
    assert t.role == "biomarker"
    assert {(tc.gene, tc.criterion.type) for tc in t.requires} == {
        ("BRCA1", "consequence"), ("BRCA2", "consequence"), ("PALB2", "consequence")}
    assert "BRCA1, BRCA2, or PALB2" in t.requires[0].quote
    assert t.requires[0].quote in records[t.nct_id]["eligibility_criteria"]


@pytest.mark.parametrize("nct, excluded, not_excluded", [
    # "without actionable epidermal growth factor receptor mutation or anaplastic lymphoma kinase
    # (ALK) rearrangement": a negated list, the first gene written out
    ("NCT06712316", {"EGFR", "ALK"}, set()),
    # "Absence of sensitizing EGFR mutations (including, but not limited to, …), ALK …"
    ("NCT06627647", {"EGFR", "ALK", "ROS1"}, set()),
    # "archival tumor tissue (not more than 3 years old) for retrospective confirmation of MSI-H
    # or dMMR": the 'not' is about the tissue's age, MSI-H is not excluded
    ("NCT07262619", set(), {"MSI", "MMR"}),
])
def test_a_negation_governing_a_list_of_biomarkers(kb, nct, excluded, not_excluded):
    t = kb.open_trials[nct]
    names = {tc.gene or tc.criterion.signature for tc in t.excludes}
    assert excluded <= names, names
    assert not (not_excluded & names), names


def test_every_unstructured_trial_has_a_reason_of_a_named_group(kb):
    """stats.yaml counts the unstructured trials by why; no reason falls outside the groups."""
    import yaml

    stats = yaml.safe_load((KB_DIR / "ctgov" / "stats.yaml").read_text(encoding="utf-8"))
    unstructured = [t for t in kb.open_trials.values() if t.role == "unstructured"]
    groups = [ctgov_import.reason_group({"reason": t.reason, "reviewed": t.reviewed})
              for t in unstructured]
    assert "other" not in groups
    assert sum(stats["unstructured_reasons"].values()) == len(unstructured) \
        == stats["roles"]["unstructured"]


def test_docs_give_the_counts_of_the_committed_import():
    """docs/trials.md states the role counts and the unstructured-reason table of stats.yaml."""
    import re

    import yaml

    stats = yaml.safe_load((KB_DIR / "ctgov" / "stats.yaml").read_text(encoding="utf-8"))
    doc = (Path(__file__).resolve().parents[1] / "docs" / "trials.md").read_text(encoding="utf-8")
    said = re.search(r"2026-01-05 snapshot: (\d+) biomarker, (\d+) tumor_type, (\d+)\s+"
                     r"stratification, (\d+) observational, (\d+) unstructured", doc)
    assert said, "docs/trials.md: the snapshot's counts sentence is missing"
    roles = stats["roles"]
    assert [int(x) for x in said.groups()] == [roles["biomarker"], roles["tumor_type"],
                                              roles["stratification"], roles["observational"],
                                              roles["unstructured"]]
    table = doc[doc.index("| why a trial stays unstructured"):]
    table = table[:table.index("\n\n")]
    counts = [int(m) for m in re.findall(r"\| (\d+) \|$", table, re.M)]
    assert sorted(counts) == sorted(stats["unstructured_reasons"].values())
