"""The `--check` of the KB importers: which generated files a fresh import would change."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def stale_files(out: Path, regenerate: Callable[[Path], None], *, kept: tuple[str, ...] = (),
                ignored: tuple[str, ...] = ()) -> list[str]:
    """Files of ``out`` that ``regenerate(fresh_folder)`` would change, add or remove.

    ``kept``: hand-maintained files of ``out`` the import reads, copied into the fresh folder
    first; ``ignored``: names never compared. ``source/`` and Markdown files are not compared.
    """

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
                if p.is_file() and p.relative_to(folder).parts[0] != "source"
                and p.suffix != ".md" and p.name not in ignored}

    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / out.name
        fresh.mkdir()
        for name in kept:
            if (out / name).exists():
                shutil.copyfile(out / name, fresh / name)
        regenerate(fresh)
        new = files(fresh)
    old = files(out) if out.is_dir() else {}
    return sorted(n for n in set(new) | set(old) if new.get(n) != old.get(n))


def write_files(files: dict[str, str], kb_dir: Path) -> None:
    """Write generated files given as {path relative to the KB: text}."""
    for rel, text in files.items():
        p = kb_dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def changed_files(files: dict[str, str], kb_dir: Path) -> list[str]:
    """Generated files (as for :func:`write_files`) that differ from or are missing in the KB."""
    out = []
    for rel, text in files.items():
        p = kb_dir / rel
        if not p.exists():
            out.append(f"{rel}: missing")
        elif p.read_text(encoding="utf-8") != text:
            out.append(f"{rel}: differs from a fresh import")
    return out
