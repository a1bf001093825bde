"""The Pythons Matcher supports, and the one `make` (so CI) builds .venv with.

setup.cfg declares the range (classifiers, python_requires); scripts/find-python.sh picks the
newest of it that runs on the machine (the Makefile builds .venv with it, so `.ci/run` → `make
test` runs the suite on the newest); the README says which. These tests keep the three in step
and run the probe and the Makefile's stamp against fake interpreters: a pyenv shim that fails for
a version not selected, pyenv installs, a misnamed interpreter.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = ROOT / "scripts" / "find-python.sh"


def _setup_cfg() -> configparser.ConfigParser:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg


def declared_versions() -> list[str]:
    """setup.cfg's `Programming Language :: Python :: 3.x` classifiers, newest first."""
    found = re.findall(r"Programming Language :: Python :: (3\.\d+)\s*$",
                       _setup_cfg()["metadata"]["classifiers"], re.M)
    return sorted(found, key=lambda v: tuple(map(int, v.split("."))), reverse=True)


def probe_versions() -> list[str]:
    (line,) = re.findall(r'^VERSIONS="([^"]*)"', PROBE.read_text(), re.M)
    return line.split()


def test_declared_range_is_consistent():
    versions = declared_versions()
    assert versions == ["3.13", "3.12", "3.11"]
    newest_minor = int(versions[0].split(".")[1])
    oldest = versions[-1]
    requires = _setup_cfg()["options"]["python_requires"].replace(" ", "")
    assert requires == f">={oldest},<3.{newest_minor + 1}"
    # every minor version between is declared too
    assert [int(v.split(".")[1]) for v in versions] == list(
        range(newest_minor, int(oldest.split(".")[1]) - 1, -1))


def test_the_running_interpreter_is_in_the_declared_range():
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in declared_versions()


def test_probe_tries_the_declared_versions_newest_first():
    assert probe_versions() == declared_versions()


def test_readme_says_which_python_ci_runs_and_which_are_supported():
    readme = (ROOT / "README.md").read_text()
    newest, *older = declared_versions()
    assert f"CI runs the suite on Python {newest}" in readme
    supported = ", ".join(sorted(older, key=lambda v: int(v.split(".")[1]))) + f" and {newest}"
    assert f"Python {supported} are supported" in readme


# ------------------------------------------------------------------------------ the probe
def _fake(path: Path, answer: str | None, exit_code: int = 0) -> Path:
    """A fake interpreter: prints ``answer`` (major minor executable) whatever it is asked;
    ``answer=None`` behaves like a pyenv shim of a version that is not selected."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if answer is None:
        body = f'echo "pyenv: {path.name}: command not found" >&2\nexit 127\n'
    else:
        body = f'echo "{answer}"\nexit {exit_code}\n'
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path):
    """A scratch machine: PATH holds bin/ and a folder with `sort` only; pyenv lives in pyenv/."""
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "sort").symlink_to(shutil.which("sort"))
    (tmp_path / "bin").mkdir()
    env = {"PATH": f"{tmp_path / 'bin'}:{tools}", "PYENV_ROOT": str(tmp_path / "pyenv"),
           "HOME": str(tmp_path)}

    def probe() -> tuple[int, str]:
        proc = subprocess.run(["/bin/sh", str(PROBE)], env=env, capture_output=True, text=True,
                              timeout=30)
        return proc.returncode, proc.stdout.strip()

    return tmp_path, probe


def test_probe_skips_a_failing_shim_for_the_pyenv_install(machine):
    root, probe = machine
    _fake(root / "bin" / "python3.13", None)  # the shim: 3.13 installed but not selected
    _fake(root / "bin" / "python3.11", "3 11 /usr/bin/python3.11")
    _fake(root / "pyenv/versions/3.12.1/bin/python3.12", "3 12 /pyenv/3.12.1")
    _fake(root / "pyenv/versions/3.13.0/bin/python3.13", "3 13 /pyenv/3.13.0")
    assert probe() == (0, "/pyenv/3.13.0")


def test_probe_takes_the_newest_patch_release_of_pyenv(machine):
    root, probe = machine
    for patch in ("3.13.2", "3.13.10", "3.13.9"):
        _fake(root / f"pyenv/versions/{patch}/bin/python3.13", f"3 13 /pyenv/{patch}")
    assert probe() == (0, "/pyenv/3.13.10")


def test_probe_falls_back_to_an_older_version_and_prefers_path(machine):
    root, probe = machine
    _fake(root / "bin" / "python3.12", "3 12 /usr/local/bin/python3.12")
    _fake(root / "pyenv/versions/3.12.1/bin/python3.12", "3 12 /pyenv/3.12.1")
    _fake(root / "pyenv/versions/3.11.7/bin/python3.11", "3 11 /pyenv/3.11.7")
    assert probe() == (0, "/usr/local/bin/python3.12")


def test_probe_refuses_a_misnamed_or_broken_interpreter(machine):
    root, probe = machine
    _fake(root / "bin" / "python3.13", "3 12 /really/python3.12")  # says it is 3.12
    _fake(root / "pyenv/versions/3.12.1/bin/python3.12", "3 12 /pyenv/3.12.1", exit_code=1)
    _fake(root / "pyenv/versions/3.11.7/bin/python3.11", "3 11 /pyenv/3.11.7")
    assert probe() == (0, "/pyenv/3.11.7")


def test_probe_fails_when_no_supported_python_runs(machine):
    root, probe = machine
    _fake(root / "bin" / "python3.13", None)
    _fake(root / "pyenv/versions/3.10.13/bin/python3.10", "3 10 /pyenv/3.10.13")
    assert probe() == (1, "")


def test_probe_finds_a_supported_python_on_this_machine():
    proc = subprocess.run(["/bin/sh", str(PROBE)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    version = subprocess.run([proc.stdout.strip(), "-c",
                              "import sys; print(*sys.version_info[:2], sep='.')"],
                             capture_output=True, text=True, timeout=60).stdout.strip()
    assert version in declared_versions()


# ------------------------------------------------------------------------------ the Makefile
def _make(*args: str, python: Path, venv: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(["make", "-C", str(ROOT), *args, f"PYTHON={python}", f"VENV={venv}"],
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_makefile_stamp_notices_another_python(tmp_path):
    py = tmp_path / "python3.12"
    py.write_text("#!/bin/sh\necho '3.12.1 /pyenv/3.12.1/bin/python3.12'\n")
    py.chmod(0o755)
    venv = tmp_path / "venv"
    venv.mkdir()
    stamp = venv / ".installed-stamp"
    stamp.write_text("3.12.1 /pyenv/3.12.1/bin/python3.12\n")
    assert _make("-q", "install", python=py, venv=venv).returncode == 0  # up to date
    stamp.write_text("3.11.7 /pyenv/3.11.7/bin/python3.11\n")
    assert _make("-q", "install", python=py, venv=venv).returncode == 1  # another Python
    stamp.write_text("")  # a stamp of the old Makefile (touch): rebuilt once
    assert _make("-q", "install", python=py, venv=venv).returncode == 1


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_makefile_refuses_an_unsupported_python(tmp_path):
    py = tmp_path / "python3.10"
    py.write_text("#!/bin/sh\necho '3.10.13 /pyenv/3.10.13/bin/python3.10'\n")
    py.chmod(0o755)
    venv = tmp_path / "venv"
    proc = _make("install", python=py, venv=venv)
    assert proc.returncode != 0
    assert "no Python 3.11-3.13 runs here" in proc.stderr
    assert not venv.exists()
