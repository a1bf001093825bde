"""The cache of the loaded KB (matcher.kb.cache): a cached load equals a fresh load, and a stale,
corrupt or foreign cache file is never used."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from matcher.kb import cache
from matcher.kb.loader import Loader, load_kb
from matcher.paths import default_kb_dir


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHER_KB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MATCHER_KB_CACHE", raising=False)
    return tmp_path / "cache"


def _same(a, b) -> None:
    assert a.hash == b.hash and a.version == b.version and a.released == b.released
    assert a.all_evidence() == b.all_evidence()
    assert [e.id for e in a.all_evidence()] == [e.id for e in b.all_evidence()]
    assert a.trials == b.trials and a.open_trials == b.open_trials
    assert a.therapies == b.therapies and a.genes == b.genes
    assert a.signatures == b.signatures and a.dropped_civic == b.dropped_civic


@pytest.mark.parametrize("imported", [True, False])
def test_a_cached_load_equals_a_fresh_load(cache_dir, imported):
    fresh = Loader(default_kb_dir(), imported=imported).load()
    first = load_kb(imported=imported)  # loads the files, writes the cache
    files = list(cache_dir.glob("kb-*.pickle"))
    assert len(files) == 1
    cached = load_kb(imported=imported)
    assert cached is not first  # read back from the file
    for kb in (first, cached):
        _same(kb, fresh)
    assert cached.hgnc.resolve("BRAF") == fresh.hgnc.resolve("BRAF")
    assert cached.oncotree.resolve("LUAD") == fresh.oncotree.resolve("LUAD")
    for table in cache.PICKLED_TABLES:  # kept in the pickle, equal to the tables' files
        assert table in cached.__dict__
        built = getattr(fresh, table)
        if hasattr(built, "preload"):  # ClinVar: pickled with its allele index built
            built.preload()
        assert vars(getattr(cached, table)) == vars(built), table


def test_the_vcf_reader_gets_the_cached_gene_spans(cache_dir, tmp_path):
    from matcher.reference.hotspots import load_gene_spans
    kb_dir = _kb_copy(tmp_path)
    load_kb(kb_dir, imported=False)
    cached = load_kb(kb_dir, imported=False)
    load_gene_spans.cache_clear()
    assert load_gene_spans(str(kb_dir / "reference")) is cached.gene_spans
    load_gene_spans.cache_clear()  # offered once: a later load reads the file
    assert load_gene_spans(str(kb_dir / "reference")) is not cached.gene_spans
    load_gene_spans.cache_clear()


def _kb_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(default_kb_dir(), dst, ignore=shutil.ignore_patterns("civic"))
    return dst


def test_a_changed_kb_is_loaded_from_its_files(cache_dir, tmp_path):
    kb_dir = _kb_copy(tmp_path)
    before = load_kb(kb_dir, imported=False)
    meta = kb_dir / "kb.yaml"
    meta.write_text(meta.read_text().replace(before.version, f"{before.version}-edited", 1))
    after = load_kb(kb_dir, imported=False)
    assert after.version == f"{before.version}-edited" and after.hash != before.hash
    assert len(list(cache_dir.glob("kb-*.pickle"))) == 2


def test_a_cached_kb_has_the_path_its_caller_gave(cache_dir, tmp_path, monkeypatch):
    kb_dir = _kb_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    first = load_kb("kb", imported=False)  # relative: the pickle holds Path('kb')
    assert first.path == Path("kb")
    monkeypatch.chdir(kb_dir)
    cached = load_kb(kb_dir, imported=False)
    assert cached.path == kb_dir and cached.hash == first.hash
    assert cached.hotspots is not None  # read from kb_dir / 'reference'


def test_a_corrupt_or_foreign_cache_file_is_ignored(cache_dir, tmp_path):
    kb_dir = _kb_copy(tmp_path)
    fresh = load_kb(kb_dir, imported=False)
    (path,) = cache_dir.glob("kb-*.pickle")
    for junk in (b"", b"not a pickle", path.read_bytes()[:1000]):
        path.write_bytes(junk)
        _same(load_kb(kb_dir, imported=False), fresh)
        assert path.read_bytes() != junk  # rewritten by the fresh load
    # a pickle of another key (another KB, code or version) under this name
    key = cache.cache_key(kb_dir, False, fresh.hash)
    path.write_bytes(pickle.dumps(("another key", fresh)))
    assert load_kb(kb_dir, imported=False) is not None
    assert pickle.loads(path.read_bytes())[0] == key
    # a KB whose hash is not the folder's (files edited behind the key) is not used
    other = Loader(kb_dir, imported=False).load()
    object.__setattr__(other, "hash", "0" * 64)
    path.write_bytes(pickle.dumps((key, other)))
    assert load_kb(kb_dir, imported=False).hash == fresh.hash


def test_the_key_covers_code_and_python(monkeypatch, tmp_path):
    kb_dir = _kb_copy(tmp_path)
    key = cache.cache_key(kb_dir, False, "h")
    assert cache.cache_key(kb_dir, True, "h") != key
    assert cache.cache_key(kb_dir, False, "h2") != key
    assert cache.cache_key(tmp_path, False, "h") != key
    monkeypatch.setattr(cache.sys, "version", "9.9.9")
    assert cache.cache_key(kb_dir, False, "h") != key
    monkeypatch.undo()
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "edited")
    assert cache.cache_key(kb_dir, False, "h") != key


def test_off_switch_and_an_unwritable_folder(cache_dir, monkeypatch, tmp_path):
    kb_dir = _kb_copy(tmp_path)
    monkeypatch.setenv("MATCHER_KB_CACHE", "0")
    load_kb(kb_dir, imported=False)
    assert not cache_dir.exists()
    monkeypatch.setenv("MATCHER_KB_CACHE", "1")
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("MATCHER_KB_CACHE_DIR", str(blocker / "sub"))  # cannot be created
    assert load_kb(kb_dir, imported=False).version


def test_old_cache_files_are_pruned(cache_dir, tmp_path):
    kb_dir = _kb_copy(tmp_path)
    cache_dir.mkdir(parents=True)
    for i in range(10):
        old = cache_dir / f"kb-old{i}.pickle"
        old.write_bytes(b"x")
        os.utime(old, (1000 + i, 1000 + i))
    other = cache_dir / "notes.txt"
    other.write_text("kept")
    load_kb(kb_dir, imported=False)
    left = sorted(p.name for p in cache_dir.glob("kb-*.pickle"))
    assert len(left) == cache.KEEP and other.exists()
    assert [n for n in left if n.startswith("kb-old")] == [f"kb-old{i}.pickle"
                                                         for i in range(11 - cache.KEEP, 10)]
