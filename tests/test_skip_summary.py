"""`make test` on a machine without PostgreSQL says so at the very end, with how to fix it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pytest(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("MATCHER_TEST_POSTGRES_URL", "MATCHER_STRICT_SKIPS")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
                          timeout=300)


def test_skipped_postgres_group_is_named_last_with_the_way_to_run_it():
    proc = _pytest("tests/test_concurrency_pg.py")
    assert proc.returncode == 0, proc.stdout
    tail = proc.stdout.strip().splitlines()[-3:]
    assert "NOT TESTED ON THIS MACHINE" in tail[0]
    assert tail[1].startswith("1 postgres test(s) skipped. To run them:")
    assert ".ci/postgres.sh" in tail[1]


def test_strict_skips_fail_the_run():
    proc = _pytest("tests/test_concurrency_pg.py", MATCHER_STRICT_SKIPS="1")
    assert proc.returncode == 1, proc.stdout
    assert "required test skipped under CI" in proc.stdout


def test_no_banner_when_nothing_optional_skipped():
    proc = _pytest("tests/test_skip_summary.py::test_strict_skips_fail_the_run")
    assert proc.returncode == 0, proc.stdout
    assert "NOT TESTED ON THIS MACHINE" not in proc.stdout
