"""VEP ``CSQ`` and snpEff ``ANN`` INFO annotations: one chosen transcript per ALT allele.

Field order is read from the header Description (``Format: Allele|Consequence|…`` for VEP,
``'Allele | Annotation | …'`` for snpEff). Per allele the transcript chosen is the MANE Select
one, else the canonical one, else the one VEP picked (``PICK=1``), else the first listed (snpEff
lists the most damaging first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_FORMAT = re.compile(r"(?:Format|annotations):\s*'?([^'\"]+)'?", re.I)
_HGVS_PREFIX = re.compile(r"^[^:]+:(?=[cgmnpr]\.)")


@dataclass(frozen=True)
class Annotation:
    """The facts taken from the chosen transcript of one allele."""

    gene: str | None
    protein_change: str | None
    cdna_change: str | None
    consequence: str | None
    exon: int | None
    transcript: str | None


class Annotations:
    """Parses one VCF's CSQ or ANN values using the header's field list."""

    def __init__(self, info_defs: dict[str, dict[str, str]]):
        self.key: str | None = None
        self.fields: list[str] = []
        for key in ("CSQ", "ANN", "EFF_ANN", "vep"):
            desc = info_defs.get(key, {}).get("Description", "")
            m = _FORMAT.search(desc)
            if m:
                self.key = key
                self.fields = [f.strip() for f in m.group(1).split("|")]
                break
        self._index = {f.lower().replace(".", "_"): i for i, f in enumerate(self.fields)}
        self.snpeff = self.key == "ANN" and "annotation" in self._index

    def __bool__(self) -> bool:
        return self.key is not None

    def _get(self, entry: list[str], *names: str) -> str | None:
        for name in names:
            i = self._index.get(name.lower())
            if i is not None and i < len(entry) and entry[i] not in ("", "."):
                return entry[i]
        return None

    def choose(self, value: str, ref: str, alt: str, allele_index: int, n_alts: int
               ) -> Annotation | None:
        """Pick the transcript annotation for ALT allele ``allele_index`` (1-based)."""
        entries = [e.split("|") for e in value.split(",") if e]
        mine = [e for e in entries if self._is_allele(e, ref, alt, allele_index)]
        if not mine and n_alts == 1:
            mine = entries
        if not mine:
            return None
        chosen = (_first(mine, lambda e: self._get(e, "MANE_SELECT", "MANE") is not None
                         and "plus" not in (self._get(e, "MANE") or "").lower())
                  or _first(mine, lambda e: (self._get(e, "CANONICAL") or "").upper() == "YES")
                  or _first(mine, lambda e: self._get(e, "PICK") == "1")
                  or mine[0])
        return self._annotation(chosen)

    def _is_allele(self, entry: list[str], ref: str, alt: str, allele_index: int) -> bool:
        num = self._get(entry, "ALLELE_NUM")
        if num is not None:
            return num == str(allele_index)
        allele = self._get(entry, "Allele") or ""
        if "-" in allele and self.snpeff:  # snpEff cancer mode 'ALT-REF'
            allele = allele.split("-")[0]
        return allele.upper() in {alt.upper(), _vep_allele(ref, alt).upper()}

    def _annotation(self, e: list[str]) -> Annotation:
        if self.snpeff:
            consequence = self._get(e, "Annotation")
            rank = self._get(e, "Rank")
            exon = _exon(rank) if rank and "intron" not in (consequence or "") else None
            return Annotation(
                gene=self._get(e, "Gene_Name"), protein_change=_hgvs(self._get(e, "HGVS_p"), "p."),
                cdna_change=_hgvs(self._get(e, "HGVS_c"), ("c.", "n.")), consequence=consequence,
                exon=exon, transcript=self._get(e, "Feature_ID"))
        return Annotation(
            gene=self._get(e, "SYMBOL", "Gene_Name", "Gene"),
            protein_change=_hgvs(self._get(e, "HGVSp"), "p."),
            cdna_change=_hgvs(self._get(e, "HGVSc"), ("c.", "n.")),
            consequence=self._get(e, "Consequence"), exon=_exon(self._get(e, "EXON")),
            transcript=self._get(e, "Feature"))


def _first(items: list[list[str]], test) -> list[str] | None:
    return next((e for e in items if test(e)), None)


def _vep_allele(ref: str, alt: str) -> str:
    """VEP drops the shared first base of REF and ALT and writes an empty allele as '-'."""
    if ref and alt and ref[0].upper() == alt[0].upper() and (len(ref) > 1 or len(alt) > 1):
        return alt[1:] or "-"
    return alt


def _hgvs(value: str | None, kind: str | tuple[str, ...]) -> str | None:
    """'ENSP00000288602.6:p.Val600Glu' -> 'p.Val600Glu'; '%3D' -> '='; other kinds -> None."""
    if not value:
        return None
    text = _HGVS_PREFIX.sub("", unquote(value))
    return text if text.startswith(kind) else None


def _exon(value: str | None) -> int | None:
    """'19/27' -> 19; ranges '2-3/10' -> 2; anything else None."""
    if not value:
        return None
    m = re.match(r"^(\d+)", value)
    return int(m.group(1)) if m else None
