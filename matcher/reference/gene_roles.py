"""Cancer gene roles (oncogene, tumor suppressor, both) from
``knowledgebase/reference/gene_roles.tsv``: IntOGen 2020.02.02 driver roles, else CancerMine v47
citation counts (both CC0; knowledgebase/reference/README.md says how the role was decided).
"""

from __future__ import annotations

import csv
from pathlib import Path

from matcher.errors import KnowledgeBaseError

GENE_ROLES_FILE = "gene_roles.tsv"
ROLES = ("oncogene", "tumor_suppressor", "both")
SOURCE_WORDS = {"intogen": "IntOGen 2020.02.02", "cancermine": "CancerMine v47"}


class GeneRoles:
    """Role and source per gene symbol; genes the table calls 'unclear' have no role."""

    def __init__(self, rows: dict[str, tuple[str, str]]):
        self._roles = rows

    @classmethod
    def load(cls, reference_dir: Path) -> GeneRoles:
        path = Path(reference_dir) / GENE_ROLES_FILE
        rows: dict[str, tuple[str, str]] = {}
        try:
            with open(path, encoding="utf-8", newline="") as fh:
                for r in csv.DictReader(fh, delimiter="\t"):
                    if r["role"] in ROLES:
                        rows[r["gene"]] = (r["role"], SOURCE_WORDS.get(r["role_source"],
                                                                       r["role_source"]))
        except (OSError, KeyError) as exc:
            raise KnowledgeBaseError(f"cannot read reference file {path}: {exc}") from exc
        return cls(rows)

    def role(self, gene: str | None) -> tuple[str, str] | None:
        """(role, source words) of a gene, or None."""
        return self._roles.get(gene or "")

    def __len__(self) -> int:
        return len(self._roles)
