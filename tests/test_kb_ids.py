"""KB ids are stable across versions: every issued id is still present or explicitly retired."""

from pathlib import Path

REGISTRY = Path(__file__).resolve().parent.parent / "knowledgebase" / "evidence-ids.txt"


def read_registry() -> tuple[set[str], set[str]]:
    active: set[str] = set()
    retired: set[str] = set()
    target = active
    for line in REGISTRY.read_text().splitlines():
        if line.strip() == "# retired":
            target = retired
        elif line.strip() and not line.startswith("#"):
            target.add(line.strip())
    return active, retired


def current_ids(kb) -> set[str]:
    ids = {e.id for e in kb.all_evidence() if e.source == "curated"}
    return ids | {a.id for g in kb.genes.values() for a in g.annotations}


def test_every_issued_id_is_present_or_retired(kb):
    active, retired = read_registry()
    missing = active - current_ids(kb)
    assert not missing, f"ids removed or renamed without retiring them: {sorted(missing)}"
    assert not active & retired


def test_every_current_id_is_registered(kb):
    active, retired = read_registry()
    new = current_ids(kb) - active
    assert not new, f"register new ids in knowledgebase/evidence-ids.txt: {sorted(new)}"
    assert not current_ids(kb) & retired, "a retired id must never be reused"
