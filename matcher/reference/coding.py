"""Coding exons (and non-coding hotspot promoters) of the KB genes in both builds.

Read from ``knowledgebase/reference/coding_exons.tsv.gz`` (made by
``scripts/make_coding_exons.py`` from the MANE v1.4 models): the parts of a whole genome the
knowledge base can assess for small variants. Rows are 1-based inclusive; :meth:`CodingExons.
regions` returns 0-based half-open regions as the VCF readers take them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from matcher.reference.hotspots import (
    Region,
    _bad_row,
    _read_tsv,
    canonical_build,
    merge_regions,
)

CODING_FILE = "coding_exons.tsv.gz"
KINDS = ("coding_exon", "hotspot", "promoter", "no_model")


class CodingExons:
    """Per (gene, build): its coding-exon blocks and promoter stretch, or 'no model'."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str, int, int]]):
        self._parts: dict[tuple[str, str], dict[str, list[tuple[str, int, int]]]] = {}
        for gene, build, kind, chrom, start, end in rows:
            parts = self._parts.setdefault((gene, build), {})
            if kind != "no_model":
                parts.setdefault(kind, []).append((chrom, start, end))

    @classmethod
    def load(cls, reference_dir: Path) -> CodingExons:
        """Read coding_exons.tsv.gz."""
        path = Path(reference_dir) / CODING_FILE
        rows = []
        for n, row in enumerate(_read_tsv(path), start=1):
            try:
                kind = row["kind"]
                if kind not in KINDS:
                    raise ValueError(f"unknown kind {kind!r}")
                coords = (row["chrom"], int(row["start"]), int(row["end"])) \
                    if kind != "no_model" else ("", 0, 0)
                rows.append((row["gene"], canonical_build(row["build"]), kind, *coords))
            except (KeyError, TypeError, ValueError) as exc:
                raise _bad_row(path, n, exc) from exc
        return cls(rows)

    def genes(self, build: str) -> list[str]:
        """Every gene with a row in this build (with or without a model), sorted."""
        b = canonical_build(build)
        return sorted(g for g, gb in self._parts if gb == b)

    def has_model(self, gene: str, build: str) -> bool:
        """True if the gene has coding exons in this build."""
        return bool(self._parts.get((gene, canonical_build(build)), {}).get("coding_exon"))

    def regions(self, build: str, genes: Iterable[str], *, pad: int,
                kinds: tuple[str, ...] = ("coding_exon", "promoter")) -> list[Region]:
        """Merged 0-based half-open regions of these genes' parts of ``kinds``, ± ``pad``."""
        b = canonical_build(build)
        found = (part for g in genes for kind in kinds
                 for part in self._parts.get((g, b), {}).get(kind, ()))
        return merge_regions((c, max(0, s - 1 - pad), e + pad) for c, s, e in found)


@lru_cache(maxsize=2)
def load_coding_exons(reference_dir: str) -> CodingExons:
    """The coding-exon table of one reference folder, loaded once per process."""
    return CodingExons.load(Path(reference_dir))
