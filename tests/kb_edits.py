"""Knowledge-base copies with entries edited, for tests of what a KB change does to results."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def curated_copy(dest: Path) -> Path:
    """A copy of the shipped KB without the CIViC and approvals imports: the curated entries alone
    decide the levels an edit is about (and it loads fast)."""
    shutil.copytree(ROOT / "knowledgebase", dest,
                    ignore=shutil.ignore_patterns("civic", "approvals"))
    return dest


def edit_entries(kb_dir: Path, gene: str, edits: dict[str, Callable[[str], str]],
                 version_prefix: str) -> Path:
    """Rewrite the YAML block of each entry id in ``genes/<gene>.yaml`` with its function, and
    give the KB a new version (``version_prefix`` + the old one) so that results tell them apart."""
    path = kb_dir / "genes" / f"{gene}.yaml"
    text = path.read_text()
    for entry, edit in edits.items():
        start = text.index(f"id: {entry}")
        end = text.index("- id:", start)
        text = text[:start] + edit(text[start:end]) + text[end:]
    path.write_text(text)
    meta = kb_dir / "kb.yaml"
    meta.write_text(meta.read_text().replace('version: "', f'version: "{version_prefix}', 1))
    return kb_dir
