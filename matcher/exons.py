"""Which exon of a gene's MANE Select transcript holds a protein residue.

Exon-level evidence ("EGFR exon 19 deletion", "ERBB2 exon 20 insertion", "KIT exon 11") needs the
exon of a call. Annotated VCFs give it; a lab report, a MAF without ``Exon_Number`` or any
protein-only call (``EGFR p.E746_A750del``) does not. ``protein_exons.tsv.gz`` (written by
``scripts/make_reference.py``; see ``knowledgebase/reference/README.md``) lists, for each gene
whose MANE Select transcript Ensembl 75 has with a complete CDS, the codons each coding exon
holds: ``gene, transcript, exon, first_codon, last_codon``. Exons are numbered along the
transcript as Ensembl numbers them (UTR-only exons counted); the last coding exon's range ends
with the stop codon.

The rule of :meth:`ProteinExons.exon_of`: a residue belongs to every exon that holds at least one
base of its codon, so a codon split across a junction belongs to both exons. A residue range gets
the one exon that holds every residue of it:

* a single residue in one exon -> that exon; a single split residue -> None (ambiguous: which
  exon the base change hits is not known from the protein);
* a range (deletion, the two flanking residues of an insertion, delins) whose residues all lie
  in one exon -> that exon, also when an end residue is split with the neighbouring exon: the
  other residues pin the exon (only that exon holds all of them). The change may then reach a
  base or two into the neighbouring exon; it is still a change of this exon;
* a range that needs two exons, an unknown gene, or a residue beyond the protein -> None.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from matcher.errors import KnowledgeBaseError, Problem

PROTEIN_EXONS_FILE = "protein_exons.tsv.gz"
COLUMNS = ("gene", "transcript", "exon", "first_codon", "last_codon")


class ProteinExons:
    """Coding exons of MANE Select transcripts in protein coordinates, by gene."""

    def __init__(self, rows: list[tuple[str, str, int, int, int]]):
        """rows: (gene, transcript, exon, first_codon, last_codon)."""
        self._exons: dict[str, list[tuple[int, int, int]]] = {}
        self._transcript: dict[str, str] = {}
        for gene, transcript, exon, first, last in rows:
            self._exons.setdefault(gene, []).append((exon, first, last))
            self._transcript[gene] = transcript
        for exons in self._exons.values():
            exons.sort(key=lambda e: e[1])

    @classmethod
    def load(cls, reference_dir: Path | None = None) -> ProteinExons:
        """Read ``protein_exons.tsv.gz``; a missing or malformed file is a KnowledgeBaseError."""
        if reference_dir is None:
            from matcher.paths import default_reference_dir
            reference_dir = default_reference_dir()
        path = Path(reference_dir) / PROTEIN_EXONS_FILE
        rows = []
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                header = tuple(fh.readline().rstrip("\n").split("\t"))
                if header != COLUMNS:
                    raise KnowledgeBaseError(
                        f"{path}: unexpected header",
                        [Problem("unexpected header", line=1, source=str(path),
                                 expected="\t".join(COLUMNS))])
                for n, line in enumerate(fh, start=2):
                    f = line.rstrip("\n").split("\t")
                    try:
                        if len(f) != len(COLUMNS):
                            raise ValueError(f"{len(f)} fields, expected {len(COLUMNS)}")
                        exon, first, last = int(f[2]), int(f[3]), int(f[4])
                        if not 1 <= first <= last or exon < 1:
                            raise ValueError("exon and codons must be positive, first <= last")
                    except ValueError as exc:
                        raise KnowledgeBaseError(
                            f"{path}: malformed line {n}",
                            [Problem(f"malformed row: {exc}", line=n, source=str(path))]
                        ) from None
                    rows.append((f[0], f[1], exon, first, last))
        except OSError as exc:
            raise KnowledgeBaseError(f"cannot read reference file {path}: {exc}") from None
        return cls(rows)

    def __contains__(self, gene: str) -> bool:
        return gene in self._exons

    def __len__(self) -> int:
        return len(self._exons)

    def transcript(self, gene: str) -> str | None:
        """The (Ensembl 75, versioned) transcript the gene's exons were taken from, or None."""
        return self._transcript.get(gene)

    def exons(self, gene: str) -> tuple[tuple[int, int, int], ...]:
        """(exon, first_codon, last_codon) of the gene's coding exons, 5' to 3'."""
        return tuple(self._exons.get(gene, ()))

    def exon_of(self, gene: str, first_residue: int,
                last_residue: int | None = None) -> int | None:
        """The exon holding every residue of ``first_residue``..``last_residue`` (one residue when
        ``last_residue`` is None), or None: unknown gene, a range over two exons, a lone residue
        split across a junction, or a residue beyond the protein (see the module doc)."""
        last = first_residue if last_residue is None else last_residue
        if first_residue < 1 or last < first_residue:
            return None
        holding = [exon for exon, first, end in self._exons.get(gene, ())
                   if first <= first_residue and last <= end]
        return holding[0] if len(holding) == 1 else None
