"""MANE transcripts: which transcript a protein change is written on matters.

The KB writes protein changes on the MANE Select transcript. The same residue has another number
on some other transcripts (BRAF V600E on NM_004333.6 is V640E on the MANE Plus Clinical
NM_001374258.1), so a change given on a known non-Select transcript is not matched by position.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

from matcher.errors import KnowledgeBaseError
from matcher.paths import default_reference_dir

SELECT = "MANE Select"
PLUS_CLINICAL = "MANE Plus Clinical"


def accession(transcript: str) -> str:
    """'NM_004333.6' -> 'NM_004333'; 'ENST00000646891.2' -> 'ENST00000646891'."""
    return transcript.strip().split(".")[0].upper()


@dataclass(frozen=True)
class Transcript:
    gene: str
    status: str
    refseq: str
    ensembl: str


class TranscriptIndex:
    """MANE v1.0 transcripts by gene and by accession (version ignored)."""

    def __init__(self, rows: list[Transcript]):
        self._by_acc: dict[str, Transcript] = {}
        self._select: dict[str, Transcript] = {}
        for t in rows:
            for acc in (t.refseq, t.ensembl):
                if acc:
                    self._by_acc[accession(acc)] = t
            if t.status == SELECT:
                self._select[t.gene] = t

    @classmethod
    def load(cls, reference_dir: Path | None = None) -> TranscriptIndex:
        """Read ``mane_transcripts.tsv.gz``."""
        path = (reference_dir or default_reference_dir()) / "mane_transcripts.tsv.gz"
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                rows = [Transcript(r["gene"], r["status"], r["refseq_nuc"], r["ensembl_nuc"])
                        for r in csv.DictReader(fh, delimiter="\t")]
        except (OSError, KeyError) as exc:
            raise KnowledgeBaseError(f"cannot read MANE transcripts {path}: {exc}") from None
        return cls(rows)

    def select(self, gene: str) -> Transcript | None:
        """The MANE Select transcript of a gene."""
        return self._select.get(gene)

    def lookup(self, transcript: str) -> Transcript | None:
        """The MANE record of a transcript accession (any version), or None."""
        return self._by_acc.get(accession(transcript))

    def check(self, gene: str, transcript: str) -> str | None:
        """Why a protein change on ``transcript`` cannot be read on the MANE Select, or None."""
        t = self.lookup(transcript)
        sel = self.select(gene)
        if t is None or sel is None or t.status == SELECT:
            return None
        return (f"protein change given on {transcript} ({t.status}), not on the MANE Select "
                f"transcript {sel.refseq} that the knowledge base uses: residue numbers differ; "
                "give the change on the MANE Select transcript")
