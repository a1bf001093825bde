"""Exit status of every command's failure path (issue 12, "the contract LIMS code against").

``cli.main()`` used to drop the code click returns for ``raise Exit(1)`` / ``ctx.exit(1)`` outside
standalone mode, so a stale ``kb import-civic --check`` (a step of ``make test``) and an offline
``trials refresh`` exited 0. Each failure is checked through ``main()`` and, for the ones a script
or CI step relies on, through the installed ``matcher`` console script in a real process.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest

from matcher.cli import cli, main

ROOT = Path(__file__).resolve().parent.parent
CIVIC_SOURCE = ROOT / "knowledgebase" / "civic" / "source"
SAMPLE = ROOT / "vcf_samples" / "atc_braf_v600e.json"
CONSOLE = Path(sys.executable).parent / "matcher"


def _closed_port() -> str:
    """A local URL nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _stale_civic(tmp_path: Path) -> Path:
    out = tmp_path / "civic"
    shutil.copytree(ROOT / "knowledgebase" / "civic", out, ignore=shutil.ignore_patterns("source"))
    pml = out / "genes" / "PML.yaml"
    pml.write_text(pml.read_text().replace("tretinoin", "tamibarotene", 1))
    return out


def _stale_approvals(tmp: Path) -> Path:
    out = tmp / "approvals"
    shutil.copytree(ROOT / "knowledgebase" / "approvals", out,
                    ignore=shutil.ignore_patterns("source"))
    stats = out / "stats.yaml"
    stats.write_text(stats.read_text() + "# edited by hand\n")
    return out


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_stale_civic_import_check_exits_1_through_the_console_script(tmp_path):
    out = _stale_civic(tmp_path)
    proc = subprocess.run([str(CONSOLE), "kb", "import-civic", str(CIVIC_SOURCE), "--check",
                           "--out", str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert f"out of date: {out / 'genes' / 'PML.yaml'}" in proc.stderr
    fresh = subprocess.run([str(CONSOLE), "kb", "import-civic", str(CIVIC_SOURCE), "--check"],
                           capture_output=True, text=True, cwd=ROOT)
    assert fresh.returncode == 0 and "up to date" in fresh.stdout


def test_offline_trials_refresh_exits_1_through_the_console_script(tmp_path):
    proc = subprocess.run([str(CONSOLE), "trials", "refresh", "NCT01234567", "--base-url",
                           _closed_port(), "--retries", "0", "--timeout", "2", "--cache",
                           str(tmp_path / "cache.json")], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 1
    assert "not refreshed NCT01234567" in proc.stderr and "Traceback" not in proc.stderr


def test_exit_and_ctx_exit_codes_are_kept(monkeypatch, capsys):
    """Any command's ``raise Exit(n)`` or ``ctx.exit(n)`` is the process's status."""

    @click.command("fail-exit")
    def fail_exit() -> None:
        """Fail with Exit(3)."""
        raise click.exceptions.Exit(3)

    @click.command("fail-ctx")
    @click.pass_context
    def fail_ctx(ctx) -> None:
        """Fail with ctx.exit(4)."""
        ctx.exit(4)

    @click.command("succeed")
    def succeed() -> None:
        """Succeed."""

    for command in (fail_exit, fail_ctx, succeed):
        cli.add_command(command)
    try:
        assert main(["fail-exit"]) == 3
        assert main(["fail-ctx"]) == 4
        assert main(["succeed"]) == 0
        assert main(["--version"]) == 0 and main(["--help"]) == 0
    finally:
        for name in ("fail-exit", "fail-ctx", "succeed"):
            cli.commands.pop(name)
    capsys.readouterr()


@pytest.fixture()
def bad_report(tmp_path) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"report_id": "X", "variants": [{"gene": "BRAF"}]}))
    return path


# (argv, expected exit status, text expected on stderr): every command's failure path.
def _failures(tmp: Path, bad: Path) -> list[tuple[list[str], int, str]]:
    db = f"sqlite:///{tmp / 'empty.sqlite3'}"
    (tmp / "cache.json").write_text("not json")
    (tmp / "report.json").write_text(SAMPLE.read_text())
    return [
        (["match", str(bad)], 2, "variants[0]"),
        (["match", str(tmp / "missing.json")], 2, "no such file"),
        (["match", str(SAMPLE), "--tumor-type", "no such tumor"], 2, "tumor type"),
        (["kb", "validate", "--kb", str(tmp / "nokb")], 2, "no knowledge base folder"),
        (["kb", "show", "TTN"], 1, "no entry"),
        (["kb", "stats", "--kb", str(tmp / "nokb")], 1, "no knowledge base folder"),
        (["kb", "import-civic", str(tmp / "nosource")], 2, "does not exist"),
        (["kb", "import-approvals", str(ROOT / "knowledgebase" / "approvals" / "source"),
          "--check", "--out", str(_stale_approvals(tmp))], 1, "out of date"),
        (["kb", "import-approvals", str(tmp / "nosource")], 2, "does not exist"),
        (["kb", "import-trials", str(tmp / "nosource.tsv")], 2, "does not exist"),
        (["kb", "import-registry", str(tmp / "report.json")], 2,
         "cannot import registry facts (missing column(s) nct_id"),
        (["find", "--lab", "lab-a", "--database-url", db], 2,
         "at least one of --gene, --alteration, --tumor-type"),
        (["db", "backfill-alterations", "--database-url", "bogus://x"], 2, "database_url"),
        (["kb", "import-approvals", str(tmp)], 2, "missing fda_approvals.tsv"),
        (["keys", "create", "--lab", "bad lab!", "--database-url", db], 2, "lab name"),
        (["keys", "revoke", "nope", "--database-url", db], 2, "no active key"),
        (["keys", "list", "--database-url", "bogus://x"], 2, "database_url"),
        (["db", "current", "--database-url", "bogus://x"], 2, "database_url"),
        (["db", "upgrade", "--database-url", "bogus://x"], 2, "database_url"),
        (["submit", str(tmp / "report.json"), "--url", _closed_port(), "--key", "x",
          "--retries", "0"], 1, "cannot reach"),
        (["submit", str(tmp / "report.json")], 2, "--key"),
        (["find", "--lab", "lab-a", "--gene", "BRAF", "--database-url",
          f"sqlite:///{tmp / 'other.sqlite3'}"], 2, "not a report store"),
        (["rematch", "--database-url", f"sqlite:///{tmp / 'other.sqlite3'}"], 2,
         "not a report store"),
        (["rematch", "--database-url", "bogus://x"], 2, "database_url"),
        (["find", "--lab", "lab-a", "--gene", "BRAF", "--database-url", "bogus://x"], 2,
         "database_url"),
        (["cohort", str(tmp / "missing.maf"), "-o", str(tmp / "out")], 2, "does not exist"),
        (["trials", "show", "--cache", str(tmp / "cache.json")], 2, "not a trial status cache"),
        (["trials", "refresh", "NCT01234567", "--base-url", _closed_port(), "--retries", "0",
          "--timeout", "2", "--cache", str(tmp / "c2.json")], 1, "not refreshed"),
        (["trials", "export", "NCT01234567", "--base-url", _closed_port(), "--retries", "0",
          "--timeout", "2", "--out", str(tmp / "new.tsv")], 1, "not fetched"),
        (["config", "--nope"], 2, "No such option"),
        (["serve", "--workers", "x"], 2, "--workers"),
    ]


def test_every_command_failure_path_has_its_exit_status(tmp_path, bad_report, capsys,
                                                        monkeypatch):
    monkeypatch.delenv("MATCHER_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    covered = set()
    for argv, status, text in _failures(tmp_path, bad_report):
        code, _out, err = run(argv, capsys)
        assert code == status, (argv, code, err)
        assert text in err, (argv, err)
        assert "Traceback" not in err and "internal error" not in err, (argv, err)
        covered.add(argv[0] if argv[0] not in ("kb", "keys", "db", "trials")
                    else " ".join(argv[:2]))
    every = {n if not isinstance(c, click.Group) else f"{n} {s}"
             for n, c in cli.commands.items()
             for s in (c.commands if isinstance(c, click.Group) else [None])}
    assert every - covered == set(), f"commands without a failure-path test: {every - covered}"


def test_configuration_error_exits_2(monkeypatch, capsys):
    monkeypatch.setenv("MATCHER_MAX_CONTENT_LENGTH", "abc")
    for argv in (["config"], ["serve", "--bind", "127.0.0.1:0"]):
        code, _out, err = run(argv, capsys)
        assert code == 2 and "MATCHER_MAX_CONTENT_LENGTH" in err


def test_find_on_a_store_of_an_older_schema_exits_2(tmp_path, capsys):
    """A store migrated by an older Matcher lacks the alterations table: say so, exit 2."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    assert main(["db", "upgrade", "--database-url", url, "--revision", "0001"]) == 0
    code, _out, err = run(["find", "--lab", "lab-a", "--gene", "BRAF", "--database-url", url],
                          capsys)
    assert code == 2 and "schema at revision 0001" in err and "matcher db upgrade" in err
    assert "internal error" not in err
