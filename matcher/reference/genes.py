"""HGNC gene symbols: approved, previous and alias symbols, resolved without guessing.

The table is ``knowledgebase/reference/hgnc_genes.tsv.gz``, built by ``scripts/make_hgnc.py`` from
the HGNC complete set of 2024-10-18 with the renames up to HGNC 2025-10-07 applied (HUGO Gene
Nomenclature Committee, freely reusable): ``H3-3A`` (previously ``H3F3A``) and ``WHR1``
(previously ``STK19``) are current. The reference tables name genes the same way
(``scripts/current_symbols.py``).

How a symbol resolves (case-insensitive), first rule that applies:

1. an approved symbol is that gene, even when another gene lists it as a previous symbol or
   alias (``MET`` is MET, although SLTM has the alias MET);
2. a previous symbol of exactly one gene is that gene; previous symbols outrank aliases, as in
   HGNC's own symbol checker (``HRAS1`` is a previous symbol of HRAS and an alias of RASSF7: HRAS);
3. an alias of exactly one gene is that gene (``CD246`` → ALK);
4. a previous symbol of several genes, or (failing 2) an alias of several genes, is ambiguous and
   raises :class:`~matcher.errors.AmbiguousGeneError` (``LAM``: alias of TSC1 and of TSC2);
5. anything else is ``unknown`` and kept as given (upper-cased), never guessed.

``GeneLookup.candidates`` lists every gene the symbol names, the chosen one first, so that a caller
can say "HRAS1 read as HRAS (previous symbol; also an alias of RASSF7)".
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from matcher.errors import AmbiguousGeneError, InputError, KnowledgeBaseError, Problem
from matcher.paths import default_reference_dir

__all__ = [
    "GENE_TABLE", "GeneIndex", "GeneLookup", "GeneRecord", "LOOKUP_STATUSES",
    "default_reference_dir",
]

GENE_TABLE = "hgnc_genes.tsv.gz"
COLUMNS = ("hgnc_id", "symbol", "alias_symbol", "prev_symbol", "locus_group", "entrez_id",
           "ensembl_gene_id")
LOOKUP_STATUSES = ("approved", "previous", "alias", "unknown")


@dataclass(frozen=True)
class GeneLookup:
    """The outcome of resolving one symbol; ``symbol`` is the approved symbol when known."""

    symbol: str
    status: str  # one of LOOKUP_STATUSES
    input: str
    candidates: tuple[str, ...] = ()  # every gene the input names, chosen one first


@dataclass(frozen=True)
class GeneRecord:
    """One approved HGNC gene."""

    hgnc_id: str
    symbol: str
    alias_symbols: tuple[str, ...]
    prev_symbols: tuple[str, ...]
    locus_group: str
    entrez_id: str | None
    ensembl_gene_id: str | None


class GeneIndex:
    """Approved, previous and alias symbols of every approved HGNC gene; load once per process."""

    def __init__(self, rows: dict[str, tuple[str, ...]]):
        # rows: approved symbol -> the row as stored (COLUMNS order). Indexes are upper-cased.
        self._rows = rows
        self._approved: dict[str, str] = {}
        self._previous: dict[str, list[str]] = {}
        self._alias: dict[str, list[str]] = {}
        self._resolved: dict[str, GeneLookup] = {}  # memo of resolve(), errors excluded
        for symbol, row in rows.items():
            self._approved[symbol.upper()] = symbol
            for field, index in ((row[3], self._previous), (row[2], self._alias)):
                if field:
                    for other in field.split("|"):
                        names = index.setdefault(other.upper(), [])
                        if symbol not in names:
                            names.append(symbol)

    @classmethod
    def load(cls, path: Path | str | None = None) -> GeneIndex:
        """Read the slim HGNC table: a file, a directory holding it, or the shipped default."""
        path = Path(path) if path is not None else default_reference_dir()
        if path.is_dir():
            path = path / GENE_TABLE
        try:
            with gzip.open(path, "rt", encoding="utf-8", newline="\n") as handle:
                text = handle.read()
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise KnowledgeBaseError(
                f"cannot read the HGNC gene table {path}: {exc}", source=str(path)) from exc
        lines = text.split("\n")
        if lines[0].split("\t") != list(COLUMNS):
            raise KnowledgeBaseError(
                f"{path}: not an HGNC gene table (header {lines[0][:80]!r})",
                [Problem("unexpected header", line=1, expected="\t".join(COLUMNS),
                         source=str(path))])
        rows: dict[str, tuple[str, ...]] = {}
        for number, line in enumerate(lines[1:], start=2):
            if not line:
                continue
            row = tuple(line.split("\t"))
            if len(row) != len(COLUMNS) or not row[1]:
                raise KnowledgeBaseError(
                    f"{path}: line {number} is malformed",
                    [Problem("wrong number of fields or no symbol", line=number,
                             expected=f"{len(COLUMNS)} tab-separated fields", source=str(path))])
            rows[row[1]] = row
        return cls(rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[str]:
        """Approved symbols, in table order."""
        return iter(self._rows)

    def __contains__(self, symbol: object) -> bool:
        return isinstance(symbol, str) and self.is_known(symbol)

    def is_approved(self, symbol: str) -> bool:
        """True for an approved symbol written exactly as HGNC writes it (not ``C1ORF112``)."""
        return symbol in self._rows

    def is_known(self, symbol: str) -> bool:
        """True when the symbol (any case) is approved, previous or alias of some gene."""
        key = symbol.strip().upper()
        return key in self._approved or key in self._previous or key in self._alias

    def record(self, symbol: str) -> GeneRecord | None:
        """The HGNC record of an approved symbol (any case), or None."""
        approved = self._approved.get(symbol.strip().upper())
        if approved is None:
            return None
        row = self._rows[approved]
        return GeneRecord(
            hgnc_id=row[0], symbol=row[1],
            alias_symbols=tuple(row[2].split("|")) if row[2] else (),
            prev_symbols=tuple(row[3].split("|")) if row[3] else (),
            locus_group=row[4], entrez_id=row[5] or None, ensembl_gene_id=row[6] or None)

    def resolve(self, symbol: str) -> GeneLookup:
        """Resolve a symbol to its approved symbol; raise AmbiguousGeneError rather than guess."""
        if isinstance(symbol, str):
            found = self._resolved.get(symbol)
            if found is not None:
                return found
        found = self._resolve(symbol)
        if isinstance(symbol, str) and len(self._resolved) < 65536:
            self._resolved[symbol] = found  # a frozen value of the symbol alone
        return found

    def _resolve(self, symbol: str) -> GeneLookup:
        given = symbol.strip() if isinstance(symbol, str) else ""
        if not given:
            raise InputError(f"empty gene symbol {symbol!r}",
                             [Problem("empty gene symbol", expected="an HGNC symbol such as BRAF")])
        key = given.upper()
        approved = self._approved.get(key)
        previous = self._previous.get(key, [])
        alias = self._alias.get(key, [])
        if approved is not None:
            others = [s for s in sorted({*previous, *alias}) if s != approved]
            return GeneLookup(approved, "approved", symbol, (approved, *others))
        for status, genes in (("previous", previous), ("alias", alias)):
            if len(genes) == 1:
                others = [s for s in sorted({*previous, *alias}) if s != genes[0]]
                return GeneLookup(genes[0], status, symbol, (genes[0], *others))
            if len(genes) > 1:
                candidates = tuple(sorted(genes)) + tuple(
                    s for s in sorted(set(alias) - set(genes)))
                kind = "a previous symbol" if status == "previous" else "an alias"
                message = (f"gene symbol {given!r} is {kind} of {len(genes)} genes "
                           f"({', '.join(sorted(genes))}); name the gene by its approved symbol")
                error = AmbiguousGeneError(
                    message,
                    [Problem(message, expected="one of " + ", ".join(candidates))],
                    symbol=given, candidates=list(candidates))
                error.candidates = candidates
                error.symbol = given
                raise error
        return GeneLookup(key, "unknown", symbol, ())
