"""The wheel a lab installs (`pip install 'matcher[server]'`) carries the whole knowledge base.

A KB layer missing from the wheel (approvals, trials) would load without an error and lose every
level-1 option it holds, so the test builds the real wheel, unpacks it, and compares the KB in it
with the source tree's: same content hash, same evidence, same open trials. It also fails on the
packaging warnings setuptools prints while building.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from matcher.kb.loader import load_kb

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[Path, str]:
    # a clean copy: setuptools reuses a stale build/ folder of the checkout
    src = tmp_path_factory.mktemp("src") / "matcher"
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "var", "*.egg-info", "test-artifacts", "__pycache__",
        ".pytest_cache", ".ruff_cache", "node_modules", "bench", "tests", "docs", "vcf_samples"))
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (built,) = out.glob("matcher-*.whl")
    return built, proc.stdout + proc.stderr


def test_wheel_builds_without_packaging_warnings(wheel):
    _, log = wheel
    for marker in ("BuildBackendWarning", "SetuptoolsDeprecationWarning", "would be ignored"):
        assert marker not in log, f"{marker} while building the wheel:\n{log}"


def test_wheel_ships_the_whole_knowledge_base(wheel, tmp_path):
    built, _ = wheel
    with zipfile.ZipFile(built) as zf:
        zf.extractall(tmp_path)
    shipped = tmp_path / "matcher" / "knowledgebase"
    source = ROOT / "knowledgebase"
    data_files = {p.relative_to(source).as_posix() for p in source.rglob("*")
                  if p.is_file() and p.suffix != ".md" and "__pycache__" not in p.parts}
    in_wheel = {p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file()}
    assert sorted(data_files - in_wheel) == []

    ours, theirs = load_kb(source), load_kb(shipped)
    assert theirs.hash == ours.hash
    assert theirs.version == ours.version
    assert sorted(e.id for e in theirs.all_evidence()) == sorted(e.id for e in ours.all_evidence())
    assert len(theirs.open_trials) == len(ours.open_trials) > 0
    assert sorted(e.id for e in theirs.signatures) == sorted(e.id for e in ours.signatures)
