"""Which parts of a genome a VCF reader needs: the KB genes' spans in the file's own build."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

Region = tuple[str, int, int]


def gene_regions(genes: Iterable[str], *, pad: int = 2000, reference_dir: Path | None = None,
                 gene_spans=None) -> Callable[[str | None], list[Region] | None]:
    """A ``regions`` argument for :func:`matcher.readers.vcf.read_vcf` / ``read_file``.

    Returns a function of the VCF's genome build giving the spans of ``genes`` (± ``pad`` bases,
    enough for promoter hotspots such as TERT C228T) in that build, or None (= read every record)
    when the build is unknown, so nothing is silently skipped.
    """
    wanted = sorted(set(genes))

    def regions(build: str | None) -> list[Region] | None:
        if build is None:
            return None
        spans = gene_spans
        if spans is None:
            from matcher.reference.hotspots import load_gene_spans
            from matcher.reference.tumors import default_reference_dir
            spans = load_gene_spans(str(reference_dir or default_reference_dir()))
        return spans.regions(build, wanted, pad=pad)

    return regions
