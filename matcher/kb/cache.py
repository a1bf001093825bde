"""A cache of the loaded KB (issue 13): a pickle of the :class:`KnowledgeBase` as the loader
returns it, with its hotspot and gene-span tables, read instead of parsing ~150 YAML files and
the reference tables again.

Keyed by everything the loaded object depends on: the KB folder's content hash (every data file,
reference tables included; :func:`matcher.kb.knowledge.content_hash`), the folder, whether the
CIViC import is loaded, the matcher version, the Python version and a hash of the matcher's own
source files (a code change that alters the model never meets an older pickle). Written
atomically (temporary file + rename) in ``$MATCHER_KB_CACHE_DIR``, else
``$XDG_CACHE_HOME/matcher`` or ``~/.cache/matcher``; a cache file that is missing, unreadable,
stale or of another key is ignored and the KB is loaded from its files. ``MATCHER_KB_CACHE=0``
turns it off. Only a KB that loaded without problems is cached; the folder keeps the newest six
files.

The pickle is read from a folder only the user can write (created 0700): the same trust as the
installed code.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import matcher
from matcher.kb.knowledge import KnowledgeBase, content_hash
from matcher.reference.hotspots import share_gene_spans

_FORMAT = 2  # bump when what is pickled changes shape
# lazy KnowledgeBase tables kept in the pickle (ClinVar with its allele index built: 0.3 s of
# CPU to build from its file, a few ms to unpickle)
PICKLED_TABLES = ("hotspots", "gene_spans", "clinvar")
KEEP = 6  # cache files kept in the folder (KB folders x code versions in use)


def enabled() -> bool:
    return os.environ.get("MATCHER_KB_CACHE", "1").strip().lower() not in ("0", "false", "no",
                                                                           "off")


def cache_dir() -> Path:
    given = os.environ.get("MATCHER_KB_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "matcher"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over the matcher package's Python sources (path and bytes)."""
    root = Path(matcher.__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def cache_key(kb_dir: Path, imported: bool, kb_hash: str) -> str:
    parts = (str(_FORMAT), matcher.__version__, sys.version, code_fingerprint(),
             str(Path(kb_dir).resolve()), str(bool(imported)), kb_hash)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cache_path(kb_dir: Path, imported: bool, kb_hash: str) -> Path:
    return cache_dir() / f"kb-{cache_key(kb_dir, imported, kb_hash)[:32]}.pickle"


def _read(path: Path, key: str, kb_hash: str) -> KnowledgeBase | None:
    try:
        with open(path, "rb") as fh:
            stored_key, kb = pickle.load(fh)
    except Exception:  # noqa: BLE001 - missing, truncated, corrupt, another format: load afresh
        return None
    if stored_key != key or not isinstance(kb, KnowledgeBase) or kb.hash != kb_hash:
        return None
    return kb


def _write(path: Path, key: str, kb: KnowledgeBase) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kb-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((key, kb), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        _prune(path.parent, keep=path)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache, not an error
        return


def _prune(folder: Path, keep: Path) -> None:
    """Keep the newest KEEP cache files (each code or KB change writes a new one)."""
    found = sorted(folder.glob("kb-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in found if p != keep][KEEP - 1:]:
        old.unlink(missing_ok=True)


def cached_load(kb_dir: Path, imported: bool, load: Callable[[], KnowledgeBase]
                ) -> KnowledgeBase:
    """The KB from the cache if a fresh entry exists, else ``load()`` (then cached)."""
    if not enabled() or not Path(kb_dir).is_dir():
        return load()
    try:
        kb_hash = content_hash(Path(kb_dir), () if imported else ("civic",))
    except OSError:
        return load()
    key = cache_key(kb_dir, imported, kb_hash)
    path = cache_dir() / f"kb-{key[:32]}.pickle"
    kb = _read(path, key, kb_hash)
    if kb is not None:
        kb.path = Path(kb_dir)  # as this caller named it (the writer's may be relative elsewhere)
        if "gene_spans" in kb.__dict__:  # the VCF reader loads them by folder: the same object
            share_gene_spans(str(kb.path / "reference"), kb.__dict__["gene_spans"])
        return kb
    kb = load()
    if kb.hash == kb_hash:  # the files did not change while they were loaded
        # Reference tables nearly every run needs (normalising calls, reading VCFs), read from
        # the pickle ~5x faster than from their TSV files (the hash covers them too).
        for table in PICKLED_TABLES:
            loaded = getattr(kb, table)
            if hasattr(loaded, "preload"):
                loaded.preload()
        _write(path, key, kb)
    return kb
