"""The `matcher` command line: match, kb validate/show, exit codes 0 / 2 / 1, help everywhere."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import click

from matcher.cli import cli, main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "vcf_samples" / "atc_braf_v600e.json"


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_quick_check_from_the_readme(capsys):
    code, out, _ = run(["match", str(SAMPLE), "--format", "text"], capsys)
    assert code == 0
    options = out.split("THERAPY OPTIONS")[1].split("CLINICAL TRIALS")[0]
    first = [line for line in options.splitlines()[1:] if line.strip()][0]  # after the count
    assert "[1]" in first and "dabrafenib + trametinib" in first
    assert "NCT02034110" in out
    no_target = out.split("ALTERATIONS WITHOUT TARGETED THERAPY")[1]
    assert "TP53" in no_target and "No targeted therapy" in no_target


def test_json_output_is_the_result_schema(capsys):
    code, out, _ = run(["match", str(SAMPLE), "--format", "json", "--tumor-type", "COADREAD"],
                       capsys)
    (doc,) = json.loads(out)["results"]
    assert code == 0 and doc["tumor_type"]["code"] == "COADREAD"
    assert not any(o["name"] == "dabrafenib + trametinib" for o in doc["therapy_options"]), \
        "the tumor-agnostic approval excludes colorectal cancer"
    assert any(r["level"] == "R1" and r["name"] == "dabrafenib + trametinib"
               for r in doc["resistance"])
    assert doc["schema_version"] == "2.0" and doc["view"] == "compact"
    top = [o for o in doc["therapy_options"] if o["level"] == "1"]
    best = [doc["evidence"][o["evidence"][0]] for o in top]
    assert top and all(e["approval_date"] for e in best)  # the label's date
    assert all(any(u.startswith("https://www.accessdata.fda") for u in e["links"]) for e in best)
    assert doc["kb_version"] and len(doc["kb_hash"]) == 64


def test_json_full_view_is_the_schema_1_result(capsys):
    code, out, _ = run(["match", str(SAMPLE), "--format", "json", "--tumor-type", "COADREAD",
                        "--view", "full"], capsys)
    (doc,) = json.loads(out)["results"]
    assert code == 0 and doc["view"] == "full"
    assert any(r["level"] == "R1" and r["therapy"] == ["dabrafenib", "trametinib"]
               for r in doc["resistance"])
    top = [o for o in doc["therapy_options"] if o["level"] == "1"]
    assert top and all(o["matches"][0]["approval_date"] for o in top)  # the label's date
    assert all(any(c["kind"] == "label" and c["url"].startswith("https://www.accessdata.fda")
                   for c in o["matches"][0]["citations"]) for o in top)


def test_bad_report_exits_2_listing_every_problem(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"report_id": "X", "tumor_type": "THAP",
                               "variants": [{"gene": "BRAF", "protein_chnage": "V600E"},
                                            {"gene": "TP53", "protein_change": "R248Q",
                                             "vaf": 7}]}))
    code, out, err = run(["match", str(bad)], capsys)
    assert code == 2 and out == ""
    assert "variants[0].protein_chnage" in err and "variants[1].vaf" in err
    assert "Traceback" not in err


def test_unknown_tumor_type_exits_2_with_suggestions(capsys):
    code, _, err = run(["match", str(SAMPLE), "--tumor-type", "anaplastic"], capsys)
    assert code == 2 and "THAP" in err


def test_missing_file_and_bad_option_exit_2(tmp_path, capsys):
    assert run(["match", str(tmp_path / "nope.json")], capsys)[0] == 2
    assert run(["match", str(SAMPLE), "--format", "pdf"], capsys)[0] == 2


def test_invalid_kb_exits_2_naming_file_entry_and_field(tmp_path, capsys):
    kb_copy = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledgebase", kb_copy)
    braf = kb_copy / "genes" / "BRAF.yaml"
    braf.write_text(braf.read_text().replace("evidence_type: fda", "evidence_type: rumour", 1))
    code, _, err = run(["kb", "validate", "--kb", str(kb_copy)], capsys)
    assert code == 2
    assert "genes/BRAF.yaml" in err and "evidence_type" in err and "rumour" in err
    code, out, _ = run(["kb", "validate"], capsys)
    assert code == 0 and out.startswith("OK: knowledge base")


def test_kb_show_resolves_aliases(capsys):
    code, out, _ = run(["kb", "show", "TSC4"], capsys)
    assert code == 0 and out.startswith("TSC2") and "everolimus" in out
    code, _, err = run(["kb", "show", "TTN"], capsys)
    assert code == 1 and "no entry" in err


def test_internal_error_exits_1_without_traceback(monkeypatch, capsys):
    import matcher.pipeline

    def boom(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(matcher.pipeline, "match_report", boom)
    code, _, err = run(["match", str(SAMPLE)], capsys)
    assert code == 1 and "internal error" in err and "boom" in err
    assert "Traceback" not in err


def test_broken_kb_exits_1_naming_every_problem(tmp_path):
    kb_copy = tmp_path / "kb"
    kb_copy.mkdir()
    (kb_copy / "kb.yaml").write_text("version: [unclosed")
    proc = subprocess.run([sys.executable, "-m", "matcher.cli", "match", str(SAMPLE),
                           "--kb", str(kb_copy)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "kb.yaml" in proc.stderr and "hgnc_genes.tsv.gz" in proc.stderr


def _commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


def test_every_command_has_help():
    for path, cmd in _commands(cli):
        assert (cmd.help or "").strip(), f"matcher {' '.join(path)} has no help text"
        for param in cmd.params:
            if isinstance(param, click.Option):
                assert param.help, f"matcher {' '.join(path)} {param.opts[0]} has no help"


def test_multi_sample_maf_html_is_one_page_per_report(tmp_path, capsys):
    maf = ROOT / "vcf_samples" / "multi_sample.grch37.maf"
    clinical = ROOT / "vcf_samples" / "multi_sample.clinical.tsv"
    code, _, err = run(["match", str(maf), "--clinical", str(clinical), "-f", "html"], capsys)
    assert code == 2 and "--output" in err
    code, out, _ = run(["match", str(maf), "--clinical", str(clinical), "-f", "html",
                        "-o", str(tmp_path / "pages")], capsys)
    pages = sorted((tmp_path / "pages").glob("*.html"))
    assert code == 0 and len(pages) >= 2 and len(out.splitlines()) == len(pages)
    assert all(p.read_text().lstrip().lower().startswith("<!doctype html") for p in pages)


def test_match_shows_refreshed_trial_status(tmp_path, monkeypatch, capsys):
    from matcher.kb.trials import TrialStatus, save_status_cache

    cache = tmp_path / "trials.json"
    save_status_cache({"NCT02034110": TrialStatus("NCT02034110", "COMPLETED", "2", "ROAR",
                                                  "2025-01-02", "2026-11-20")}, cache)
    monkeypatch.setenv("MATCHER_TRIAL_CACHE", str(cache))
    code, out, _ = run(["match", str(SAMPLE), "--format", "json"], capsys)
    (doc,) = json.loads(out)["results"]
    trial = next(t for t in doc["trials"] if t["nct_id"] == "NCT02034110")
    assert code == 0 and trial["status"] == "COMPLETED"
    assert trial["status_verified"] == "2026-11-20"


def test_progress_goes_to_stderr_only_when_asked_off_a_terminal(capsys):
    vcf = ROOT / "vcf_samples" / "atc_braf_v600e.grch37.vcf"
    code, out, err = run(["match", str(vcf), "-f", "json"], capsys)
    assert code == 0 and err == "" and json.loads(out)["results"][0]["report_id"]
    code, out, err = run(["match", str(vcf), "-f", "json", "--progress"], capsys)
    assert code == 0 and "[matcher] reading atc_braf_v600e.grch37.vcf" in err
    assert "[matcher] matching" in err and json.loads(out)["results"][0]["report_id"]
