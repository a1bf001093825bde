"""Registry facts of the KB's cited trials (knowledgebase/registry/, `matcher kb import-registry`).

Every test is derived from the committed source copy (registry/source/trials.tsv, rows of the
project's shared trials table) and the KB's own trial files: each imported row appears on the
loaded trial with the source's values, never over what the KB says; a trial the table lacks stays
"not yet checked"; an old status never reads as current; `--check` finds a stale file.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from matcher.cli import cli
from matcher.engine import _trial
from matcher.errors import KnowledgeBaseError
from matcher.kb import registry
from matcher.kb.loader import load_kb
from matcher.kb.trials import TrialStatus, overlay
from matcher.render import common as c
from matcher.render.text import render_text

ROOT = Path(__file__).resolve().parent.parent
KB_DIR = ROOT / "knowledgebase"
SOURCE = KB_DIR / "registry" / "source" / "trials.tsv"
PHASES = {"early 1", "1", "2", "3", "4", "1/2", "2/3", "N/A"}


def source_rows() -> list[dict[str, str]]:
    with open(SOURCE, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def kb_own() -> dict[str, dict]:
    """What the KB's trial files say of each trial, in the loader's order (curated first)."""
    out: dict[str, dict] = {}
    for rel in ("trials.yaml", "civic/trials.yaml", "approvals/trials.yaml"):
        for t in yaml.safe_load((KB_DIR / rel).read_text(encoding="utf-8"))["trials"]:
            out.setdefault(t["nct_id"], t)
    return out


def as_of(row: dict[str, str]) -> str:
    """The date the source's status is known as of: status_verified_date, else data_date."""
    for col in ("status_verified_date", "data_date"):
        m = re.search(r"\d{4}-\d{2}-\d{2}", row[col])
        if m:
            return m.group(0)
    raise AssertionError(f"{row['nct_id']}: no date")


ROWS = source_rows()
OWN = kb_own()


def test_the_source_copy_holds_only_kb_cited_trials():
    assert ROWS, "the source copy is empty"
    assert len({r["nct_id"] for r in ROWS}) == len(ROWS)
    assert {r["nct_id"] for r in ROWS} <= set(OWN)


@pytest.mark.parametrize("row", ROWS, ids=[r["nct_id"] for r in ROWS])
def test_every_row_is_on_the_loaded_trial_with_the_source_values(full_kb, row):
    t = full_kb.trials[row["nct_id"]]
    own = OWN[row["nct_id"]]
    filled = set()
    # title and sponsor: the source's text exactly, unless the KB gives its own
    if own.get("title"):
        assert t.title == " ".join(str(own["title"]).split())
    elif row["brief_title"]:
        assert t.title == row["brief_title"]
        filled.add("title")
    else:
        assert t.title == ""
    if row["sponsor"]:
        assert t.sponsor == row["sponsor"]
        filled.add("sponsor")
    else:
        assert t.sponsor is None
    # phase: the source's phase numbers in the KB's notation, unless the KB gives one
    if own.get("phase") is not None:
        assert t.phase == str(own["phase"])
    elif row["phase"]:
        assert t.phase in PHASES
        assert re.findall(r"\d", t.phase) == re.findall(r"\d", row["phase"])
        filled.add("phase")
    # status: the source's words, as of the source's date, unless the KB gives one
    if own.get("status"):
        assert t.status == own["status"]
    else:
        assert c.TRIAL_STATUS_WORDS[t.status].lower() == row["overall_status"].lower()
        assert t.status_verified == as_of(row)
        filled |= {"status", "status_verified"}
    assert set(t.registry_fields) == filled
    assert t.registry_source == f"ClinicalTrials.gov record via {row['source']}"


@pytest.mark.parametrize("row", ROWS, ids=[r["nct_id"] for r in ROWS])
def test_a_snapshot_status_is_shown_with_its_date_and_source_never_as_current(full_kb, row):
    m = _trial(full_kb.trials[row["nct_id"]], "biomarker", ())
    shown = c.trial_status(m)
    want = f"{row['overall_status']} as of {as_of(row)} (registry snapshot)"
    assert shown.lower() == want.lower()
    assert row["source"] in c.trial_snapshot_source(m)
    assert row["source"] in c.snapshot_note([m])


def test_a_trial_not_in_the_table_is_still_not_yet_checked(full_kb):
    kb = full_kb
    covered = {r["nct_id"] for r in ROWS}
    blank = [n for n, own in OWN.items() if n not in covered and n in kb.trials
             and not any(own.get(k) for k in ("title", "phase", "status", "sponsor"))]
    assert blank
    for nct in blank:
        t = kb.trials[nct]
        assert t.registry_fields == () and t.registry_source is None
        assert (t.title, t.phase, t.status, t.sponsor) == ("", None, None, None)
        m = _trial(t, "biomarker", ())
        assert not c.trial_known(m)
        assert c.trial_status(m) == f"Status {c.TRIAL_NOT_CHECKED}"
    for nct in set(kb.trials) - covered:
        assert kb.trials[nct].registry_fields == ()


def test_reports_show_the_snapshot_facts_in_text_html_and_json(full_kb):
    """Every sample report citing a trial of the table: its status as of the table's date, with
    the source; the cited trials the table lacks still say "not yet checked"."""
    from matcher.pipeline import run
    from matcher.render.html import render_html
    from matcher.render.json import render_json

    by_id = {r["nct_id"]: r for r in ROWS}
    shown = set()
    for sample in sorted((ROOT / "vcf_samples").glob("*.json")):
        for result in run(sample.read_bytes(), kb=full_kb, path=str(sample)):
            cited = [t for t in result.trials if t.nct_id in by_id]
            if not cited:
                continue
            text = " ".join(render_text(result).split())
            html = " ".join(render_html(result).split())
            doc = json.loads(render_json(result))
            doc = doc["results"][0] if "results" in doc else doc
            trials = {t["nct_id"]: t for t in doc["trials"]}
            for t in cited:
                row = by_id[t.nct_id]
                status = f"{row['overall_status']} as of {as_of(row)} (registry snapshot)"
                assert status.lower() in text.lower(), (sample.name, t.nct_id)
                assert status.lower() in html.lower(), (sample.name, t.nct_id)
                assert row["source"] in "".join(text.split())  # wrapped at 80 columns
                assert row["source"] in html
                assert trials[t.nct_id]["registry_source"].endswith(row["source"])
                assert "status" in trials[t.nct_id]["registry_fields"]
                shown.add(t.nct_id)
            for t in result.trials:
                if t.nct_id not in by_id:
                    assert "registry_fields" not in trials[t.nct_id]  # compact: none, left out
                if t.nct_id not in by_id and not c.trial_known(t):
                    assert f"{t.nct_id}: {c.TRIAL_NOT_CHECKED}" in text
    assert shown, "no sample report cites a trial of the table"


def test_a_refresh_replaces_the_snapshot_and_keeps_the_curated_values(full_kb):
    kb = full_kb
    for row in ROWS:
        t = kb.trials[row["nct_id"]]
        st = TrialStatus(nct_id=t.nct_id, status="TERMINATED", phase="9", title="Refreshed title",
                         last_update="2026-11-30", verified="2026-12-01", sponsor="Refreshed")
        new = overlay({t.nct_id: t}, {t.nct_id: st})[t.nct_id]
        own = OWN[t.nct_id]
        assert (new.status, new.status_verified) == ("TERMINATED", "2026-12-01")
        assert new.title == (" ".join(str(own["title"]).split()) if own.get("title")
                             else "Refreshed title")
        assert new.phase == (str(own["phase"]) if own.get("phase") is not None else "9")
        assert new.sponsor == "Refreshed"
        assert new.registry_fields == () and new.registry_source is None
        assert "registry snapshot" not in c.trial_status(_trial(new, "biomarker", ()))


def test_the_phases_of_the_table_read_in_the_kb_notation():
    for phase in {r["phase"] for r in ROWS}:
        code = registry.phase_code(phase)
        assert code in PHASES, phase
        assert re.findall(r"\d", code) == re.findall(r"\d", phase)
    assert registry.phase_code("") is None


def _kb_copy(tmp_path: Path) -> Path:
    out = tmp_path / "kb"
    shutil.copytree(KB_DIR, out, ignore=shutil.ignore_patterns("source"))
    return out


def test_the_cli_check_passes_and_fails_on_a_stale_file(tmp_path):
    args = ["kb", "import-registry", str(SOURCE), "--check"]
    ok = CliRunner().invoke(cli, args)
    assert ok.exit_code == 0 and "up to date" in ok.output, ok.output
    kb = _kb_copy(tmp_path)
    reg = kb / "registry" / "registry.tsv"
    row = ROWS[0]
    text = reg.read_text(encoding="utf-8")
    assert f"\t{row['overall_status']}\t" in text
    reg.write_text(text.replace(f"\t{row['overall_status']}\t", "\tRecruiting\t", 1),
                   encoding="utf-8")
    stale = CliRunner().invoke(cli, args + ["--kb", str(kb)])
    assert stale.exit_code == 1 and "out of date" in stale.output
    # a source with one row fewer: the committed file is stale too
    fewer = tmp_path / "fewer.tsv"
    lines = SOURCE.read_text(encoding="utf-8").splitlines(keepends=True)
    fewer.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")
    stale = CliRunner().invoke(cli, ["kb", "import-registry", str(fewer), "--check"])
    assert stale.exit_code == 1 and "differs from a fresh import" in stale.output


def test_the_import_writes_what_check_expects(tmp_path):
    kb = _kb_copy(tmp_path)
    (kb / "registry" / "registry.tsv").unlink()
    res = CliRunner().invoke(cli, ["kb", "import-registry", str(SOURCE), "--kb", str(kb)])
    assert res.exit_code == 0, res.output
    assert f"{len(ROWS)} cited trial(s) found" in res.output
    assert ((kb / "registry" / "registry.tsv").read_bytes()
            == (KB_DIR / "registry" / "registry.tsv").read_bytes())


def test_a_status_without_its_date_is_refused_by_the_loader(tmp_path):
    kb = _kb_copy(tmp_path)
    reg = kb / "registry" / "registry.tsv"
    row = ROWS[0]
    text = reg.read_text(encoding="utf-8")
    reg.write_text(text.replace(f"\t{as_of(row)}\t", "\t\t", 1), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as exc:
        load_kb(kb)
    assert any("registry/registry.tsv" in p.message and "status_date" in p.message
               for p in exc.value.problems)
