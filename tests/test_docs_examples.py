"""Every command and program the README and docs/ show is run, in order, against a live server.

A new user copies the examples one after another: the README's quick check, then docs/api.md's
`matcher serve`, the curl it prints, key management, raw and multipart uploads, the Python
client; docs/cohort.md's `matcher find`, `matcher rematch`, `matcher cohort`. This test does the
same in a scratch folder beside a real `matcher serve` (gunicorn, SQLite store in ``var/``, as on
a fresh machine), so an example that no longer works fails the suite.

Which fenced blocks run: every ``sh`` and ``python`` block of README.md and docs/*.md. Other
blocks (output shown, ``json``, ``yaml``, plain) are not commands. A block may be preceded by
directives (HTML comments, invisible in the rendered page):

- ``<!-- docs-test: skip REASON -->``: not run; the reason says why (the suite itself, a
  long-running server the test starts in its own way). A skip without a reason fails.
- ``<!-- docs-test: expect TEXT -->``: the block's output must contain TEXT.
- ``<!-- docs-test: sub OLD SHELL-WORD -->``: OLD in the block is replaced by the shell word
  (e.g. a key prefix only known at run time) before it runs.

What is substituted everywhere: the documented address ``http://127.0.0.1:8000`` by the live
server's, the placeholder key ``mk_…`` by ``$KEY`` (the demo key ``matcher serve`` printed), and
``make install`` does nothing (the suite already runs inside the installed ``.venv``). Shell
blocks run under ``set -euo pipefail`` with ``curl`` failing on any 4xx/5xx answer.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTED_URL = "http://127.0.0.1:8000"
RUN_LANGS = ("sh", "python")

_FENCE = re.compile(r"^```(\S*)\s*$")
_DIRECTIVE = re.compile(r"^<!--\s*docs-test:\s*(skip|expect|sub)\b\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    path: Path
    line: int
    lang: str
    code: str
    skip: str | None = None
    expect: list[str] = field(default_factory=list)
    subs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks_of(path: Path) -> list[Block]:
    """The fenced blocks of one Markdown file with the directives just above each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        block = Block(path, start + 1, lang, "\n".join(lines[start + 1:j]) + "\n")
        k = start - 1
        while k >= 0 and (not lines[k].strip() or _DIRECTIVE.match(lines[k])):
            d = _DIRECTIVE.match(lines[k])
            if d:
                kind, arg = d.groups()
                if kind == "skip":
                    block.skip = arg
                elif kind == "expect":
                    block.expect.append(arg)
                else:
                    old, _, new = arg.partition(" ")
                    block.subs.append((old, new))
            k -= 1
        out.append(block)
        i = j + 1
    return out


ALL_BLOCKS = [b for p in DOCS for b in blocks_of(p)]
RUN_BLOCKS = [b for b in ALL_BLOCKS if b.lang in RUN_LANGS]


def test_every_directive_is_well_formed():
    """A skip names its reason; an expect names text; a sub names what and by what."""
    assert len(RUN_BLOCKS) >= 10  # the docs do show commands; the parser finds them
    for b in ALL_BLOCKS:
        assert b.skip is None or b.skip.strip(), f"{b.where}: a skip without a reason"
        assert all(e.strip() for e in b.expect), f"{b.where}: an empty expect"
        assert all(o and n for o, n in b.subs), f"{b.where}: a sub needs OLD and NEW"
        if b.skip or b.expect or b.subs:
            assert b.lang in RUN_LANGS, f"{b.where}: a directive on a block that never runs"


def test_parser_reads_directives(tmp_path):
    md = tmp_path / "x.md"
    md.write_text("text\n<!-- docs-test: skip it serves forever -->\n\n```sh\nmake serve\n```\n"
                  "<!-- docs-test: expect level 1 -->\n<!-- docs-test: sub AbC \"$P\" -->\n"
                  "```python\nprint(1)\n```\n```json\n{}\n```\n")
    a, b, c = blocks_of(md)
    assert (a.lang, a.skip, a.code, a.line) == ("sh", "it serves forever", "make serve\n", 4)
    assert (b.lang, b.skip, b.expect, b.subs) == ("python", None, ["level 1"], [("AbC", '"$P"')])
    assert (c.lang, c.skip, c.expect) == ("json", None, [])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    dir: Path
    url: str
    key: str
    env: dict[str, str]
    banner: str


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A scratch folder laid out like a checkout, and `matcher serve` started in it."""
    work = tmp_path_factory.mktemp("docs-run")
    for name in ("vcf_samples", "knowledgebase", "tests"):
        (work / name).symlink_to(ROOT / name)
    (work / ".venv").symlink_to(Path(sys.prefix))
    shutil.copytree(ROOT / "docs", work / "docs")  # an example may regenerate a docs file
    # the files the examples name, made from the shipped samples
    shutil.copy(ROOT / "vcf_samples" / "atc_braf_v600e.grch38.vcf.gz", work / "tumor.vcf.gz")
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHER_")}
    env.update(PATH=bin_dir + os.pathsep + env.get("PATH", ""), PYTHONUNBUFFERED="1",
               MATCHER_LOG_LEVEL="WARNING")
    port = _free_port()
    log = open(work / "serve.log", "w+b")  # noqa: SIM115 (closed at teardown)
    proc = subprocess.Popen([str(Path(bin_dir) / "matcher"), "serve", "-b", f"127.0.0.1:{port}",
                             "-w", "1"], cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, (work / "serve.log").read_text()
            assert time.monotonic() < deadline, (work / "serve.log").read_text()
            time.sleep(0.3)
        banner = (work / "serve.log").read_text()
        keys = re.findall(r"^\s+(mk_[A-Za-z0-9_-]{43})\s*$", banner, re.M)
        assert len(keys) == 1, f"matcher serve printed no demo key:\n{banner}"
        env["KEY"] = keys[0]
        yield Live(work, url, keys[0], env, banner)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _run(live: Live, lang: str, code: str, where: str) -> subprocess.CompletedProcess:
    if lang == "sh":
        prelude = ("set -euo pipefail\n"
                   'curl() { command curl --fail-with-body "$@"; }\n'
                   'make() { if [ "$*" = install ]; then return 0; fi; '
                   'echo "docs test: make $* is not run here" >&2; return 99; }\n')
        argv = ["bash", "-c", prelude + code]
    else:
        argv = [sys.executable, "-c", "import os\nKEY = os.environ['KEY']\n" + code]
    proc = subprocess.run(argv, cwd=live.dir, env=live.env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, (
        f"{where}: the example exits {proc.returncode}\n--- code\n{code}\n--- stdout\n"
        f"{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}")
    return proc


def _prepare(block: Block, live: Live) -> str:
    code = (block.code.replace(DOCUMENTED_URL, live.url)
            .replace("'Authorization: Bearer mk_…'", '"Authorization: Bearer $KEY"')
            .replace("mk_…", "$KEY"))
    if block.lang == "python":
        code = code.replace('api_key="$KEY"', "api_key=KEY")
    for old, new in block.subs:
        assert old in code, f"{block.where}: sub {old!r} is not in the block"
        code = code.replace(old, new)
    return code


def test_the_banner_of_matcher_serve_is_a_working_command(live):
    """The ready-to-paste curl `matcher serve` prints on first start submits the sample."""
    lines = live.banner.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.strip().startswith("curl "))
    command = []
    for ln in lines[start:]:
        command.append(ln.strip().rstrip("\\"))
        if not ln.rstrip().endswith("\\"):
            break
    proc = _run(live, "sh", " ".join(command) + "\n", "matcher serve banner")
    assert '"report_id"' in proc.stdout and "BRAF" in proc.stdout


@pytest.mark.parametrize("block", [b for b in RUN_BLOCKS if not b.skip],
                         ids=lambda b: b.where)
def test_documented_example_runs(live, block):
    proc = _run(live, block.lang, _prepare(block, live), block.where)
    for text in block.expect:
        assert text in proc.stdout, f"{block.where}: output lacks {text!r}:\n{proc.stdout[-4000:]}"


def test_skipped_examples_say_why():
    """The blocks not run, listed with their reasons (and few: the rest run)."""
    skipped = [b for b in RUN_BLOCKS if b.skip]
    assert all(b.skip for b in skipped)
    assert len(skipped) <= len(RUN_BLOCKS) // 3, [b.where for b in skipped]
