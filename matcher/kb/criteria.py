"""Alteration criteria of the knowledge base: parsed from YAML, validated, described in words.

A criterion says which alterations an evidence item, annotation or trial applies to. The engine
asks :func:`matcher.engine` to test them; this module only knows their shape (docs/kb-schema.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matcher.model import CNV_STATES, CONSEQUENCES, LOSS_OF_FUNCTION, MMR_STATES, MSI_STATES
from matcher.reference.exons import SkipSites

# Allowed keys per criterion type (besides `type`).
FIELDS: dict[str, frozenset[str]] = {
    "variant": frozenset({"changes"}),
    "codon": frozenset({"codons", "consequences"}),
    "exon": frozenset({"exons", "consequences"}),
    "exon_skipping": frozenset({"exons"}),
    "region": frozenset({"start", "end", "consequences"}),
    "consequence": frozenset({"classes"}),
    "hotspot": frozenset({"changes"}),
    "any": frozenset(),
    "fusion": frozenset({"partner"}),
    "copy_number": frozenset({"states"}),
    "signature": frozenset({"signature", "min", "above", "values"}),
    "all_of": frozenset({"items"}),
    "any_of": frozenset({"items"}),
}
# Any gene criterion may also say `origin: germline` (or somatic): a call of the other origin
# does not meet it; a call of unknown origin does (tumor-only panels rarely say).
ORIGINS = ("germline", "somatic")
# Criteria made of {gene, alteration} parts: all_of (every part), any_of (at least one part).
COMPOSITE = frozenset({"all_of", "any_of"})
SIGNATURES = ("TMB", "MSI", "MMR", "PDL1_TPS", "PDL1_CPS")
CLASS_NAMES = frozenset(CONSEQUENCES) | {"loss_of_function"}
# Most specific first: used to rank matches of the same level.
SPECIFICITY = ("exact", "codon", "exon", "exon_skipping", "region", "hotspot", "consequence",
               "gene",
               "fusion_partner", "fusion_any", "copy_number", "signature", "combination")


@dataclass(frozen=True)
class Criterion:
    """One parsed alteration criterion."""

    type: str
    changes: frozenset[str] = frozenset()
    codons: frozenset[int] = frozenset()
    exons: frozenset[int] = frozenset()
    start: int | None = None
    end: int | None = None
    consequences: frozenset[str] = frozenset()  # expanded: loss_of_function -> its classes
    partner: str | None = None
    states: frozenset[str] = frozenset()
    signature: str | None = None
    min: float | None = None
    above: float | None = None
    values: frozenset[str] = frozenset()
    items: tuple[tuple[str, Criterion], ...] = field(default=())  # all_of/any_of: (gene, crit)
    # exon_skipping: each exon's splice sites and spans from the reference exon table, resolved
    # when the KB loader parses the criterion (empty without the table: then nothing meets it)
    sites: tuple[SkipSites, ...] = field(default=())
    origin: str | None = None  # 'germline' | 'somatic': a call of the other origin does not meet it

    def genes(self, gene: str | None) -> tuple[str | None, ...]:
        """The genes this criterion (filed under ``gene``) names: its parts' for all_of/any_of."""
        if self.type in COMPOSITE:
            return tuple(dict.fromkeys(g for g, _ in self.items))
        return (gene,)

    def describe(self, gene: str | None = None) -> str:
        """The criterion in words, e.g. 'BRAF V600E' or 'BRCA1 loss-of-function (germline)'."""
        text = self._describe(gene)
        return f"{text} ({self.origin})" if self.origin else text

    def _describe(self, gene: str | None = None) -> str:
        g = f"{gene} " if gene else ""
        t = self.type
        if t in ("variant", "hotspot") and self.changes:
            text = g + "/".join(sorted(self.changes))
            return text + (" or another hotspot" if t == "hotspot" else "")
        if t == "hotspot":
            return f"{g}activating hotspot"
        if t == "codon":
            return g + "codon " + "/".join(str(c) for c in sorted(self.codons)) + _cons(self)
        if t == "exon":
            return g + "exon " + "/".join(str(e) for e in sorted(self.exons)) + _cons(self)
        if t == "exon_skipping":
            return g + "exon " + "/".join(str(e) for e in sorted(self.exons)) + " skipping"
        if t == "region":
            return f"{g}residues {self.start}-{self.end}{_cons(self)}"
        if t == "consequence":
            if self.consequences == LOSS_OF_FUNCTION:
                return f"{g}loss-of-function"
            return g + "/".join(sorted(self.consequences)).replace("_", " ")
        if t == "any":
            return f"{g}any mutation"
        if t == "fusion":
            return f"{self.partner}::{gene} fusion" if self.partner else f"{g}fusion (any partner)"
        if t == "copy_number":
            return g + "/".join(sorted(self.states)).replace("_", " ")
        if t == "signature":
            if self.values:
                return f"{self.signature} " + "/".join(sorted(self.values))
            bound = f">= {self.min:g}" if self.min is not None else f"> {self.above:g}"
            return f"{self.signature} {bound}"
        if t == "all_of":
            return " AND ".join(c.describe(gn) for gn, c in self.items)
        if t == "any_of":
            return " or ".join(c.describe(gn) for gn, c in self.items)
        return t


def _cons(c: Criterion) -> str:
    return f" ({'/'.join(sorted(c.consequences))})" if c.consequences else ""


def parse_criterion(raw: object, path: str, problems: list[str],
                    canonical_change=None, gene: str | None = None,
                    exon_sites=None) -> Criterion | None:
    """Parse a YAML criterion mapping; append 'path: message' strings to problems on error.

    ``canonical_change`` maps a written protein change to its canonical form (or raises
    ValueError); changes are stored canonical so that the engine compares like with like.
    ``exon_sites(gene, exon)`` gives the
    :class:`~matcher.reference.exons.SkipSites` of an exon_skipping
    criterion's exon (or raises ValueError saying why the reference cannot): the KB loader
    passes it; without it an exon_skipping criterion parses with no sites and meets nothing.
    """
    if not isinstance(raw, dict) or "type" not in raw:
        problems.append(f"{path}: expected a mapping with a 'type'")
        return None
    ctype = raw["type"]
    if ctype not in FIELDS:
        problems.append(f"{path}.type: unknown criterion type {ctype!r} "
                        f"(expected one of {', '.join(FIELDS)})")
        return None
    extra = set(raw) - FIELDS[ctype] - {"type"} - (
        {"origin"} if ctype not in COMPOSITE and ctype != "signature" else set())
    if extra:
        problems.append(f"{path}: unexpected key(s) {', '.join(sorted(extra))} for type {ctype}")
    kw: dict = {"type": ctype}
    if "origin" in raw and "origin" not in extra:
        if raw["origin"] not in ORIGINS:
            problems.append(f"{path}.origin: expected one of {', '.join(ORIGINS)}")
        else:
            kw["origin"] = raw["origin"]

    def ints(key: str) -> frozenset[int]:
        vals = raw.get(key) or []
        if not isinstance(vals, list) or not all(isinstance(v, int) and v > 0 for v in vals):
            problems.append(f"{path}.{key}: expected a list of positive integers")
            return frozenset()
        return frozenset(vals)

    def strs(key: str, allowed=None) -> frozenset[str]:
        vals = raw.get(key) or []
        if not isinstance(vals, list) or not all(isinstance(v, str) and v for v in vals):
            problems.append(f"{path}.{key}: expected a list of strings")
            return frozenset()
        if allowed is not None:
            bad = [v for v in vals if v not in allowed]
            if bad:
                problems.append(f"{path}.{key}: unknown value(s) {', '.join(bad)} "
                                f"(expected {', '.join(sorted(allowed))})")
        return frozenset(vals)

    if "changes" in raw:
        changes = set()
        for v in strs("changes"):
            try:
                changes.add(canonical_change(v) if canonical_change else v)
            except ValueError as exc:
                problems.append(f"{path}.changes: {v!r} is not a protein change ({exc})")
        kw["changes"] = frozenset(changes)
        if ctype == "variant" and not changes:
            problems.append(f"{path}.changes: a variant criterion needs at least one change")
    if ctype == "codon":
        kw["codons"] = ints("codons")
        if not kw["codons"]:
            problems.append(f"{path}.codons: at least one codon is required")
    if ctype == "exon":
        kw["exons"] = ints("exons")
        if not kw["exons"]:
            problems.append(f"{path}.exons: at least one exon is required")
    if ctype == "exon_skipping":
        kw["exons"] = ints("exons")
        if not kw["exons"]:
            problems.append(f"{path}.exons: at least one exon is required")
        if exon_sites is not None and gene:
            sites = []
            for exon in sorted(kw["exons"]):
                try:
                    sites.append(exon_sites(gene, exon))
                except ValueError as exc:
                    problems.append(f"{path}.exons: {gene} exon {exon}: {exc}")
            kw["sites"] = tuple(sites)
    if ctype == "region":
        start, end = raw.get("start"), raw.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 < start <= end):
            problems.append(f"{path}: region needs integer start <= end")
        kw["start"], kw["end"] = start, end
    if "consequences" in raw or "classes" in raw:
        key = "consequences" if "consequences" in raw else "classes"
        vals = strs(key, CLASS_NAMES)
        expanded = set(vals - {"loss_of_function"})
        if "loss_of_function" in vals:
            expanded |= LOSS_OF_FUNCTION
        kw["consequences"] = frozenset(expanded)
        if ctype == "consequence" and not expanded:
            problems.append(f"{path}.classes: at least one class is required")
    if ctype == "fusion" and raw.get("partner") is not None:
        if not isinstance(raw["partner"], str):
            problems.append(f"{path}.partner: expected a gene symbol")
        else:
            kw["partner"] = raw["partner"]
    if ctype == "copy_number":
        kw["states"] = strs("states", frozenset(CNV_STATES))
    if ctype == "signature":
        _parse_signature(raw, path, problems, kw, strs)
    if ctype in COMPOSITE:
        kw["items"] = _parse_items(raw, ctype, path, problems, canonical_change, exon_sites)
    return Criterion(**kw)


def _parse_items(raw: dict, ctype: str, path: str, problems: list[str],
                 canonical_change, exon_sites=None) -> tuple[tuple[str, Criterion], ...]:
    """The {gene, alteration} parts of an all_of / any_of criterion.

    A part is a plain gene criterion: no all_of / any_of inside another (the engine indexes a
    composite by its parts' genes, one level deep), and no signature in an any_of (a signature
    names no gene, so no part gene would find it).
    """
    items = raw.get("items")
    if not isinstance(items, list) or len(items) < 2:
        problems.append(f"{path}.items: expected a list of at least two {{gene, alteration}}")
        return ()
    parsed = []
    for i, item in enumerate(items):
        ipath = f"{path}.items[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("gene"), str) \
                or not item["gene"]:
            problems.append(f"{ipath}: expected {{gene: SYMBOL, alteration: {{...}}}}")
            continue
        extra = set(item) - {"gene", "alteration"}
        if extra:
            problems.append(f"{ipath}: unexpected key(s) {', '.join(sorted(extra))}")
        sub = parse_criterion(item.get("alteration"), ipath + ".alteration", problems,
                              canonical_change, item["gene"], exon_sites)
        if sub is None:
            continue
        if sub.type in COMPOSITE:
            problems.append(f"{ipath}.alteration.type: {sub.type} cannot be nested in "
                            f"{ctype} (list its parts here instead)")
            continue
        if ctype == "any_of" and sub.type == "signature":
            problems.append(f"{ipath}.alteration.type: signature criteria cannot be part of "
                            "any_of")
            continue
        parsed.append((item["gene"], sub))
    return tuple(parsed)


def _parse_signature(raw: dict, path: str, problems: list[str], kw: dict, strs) -> None:
    sig = raw.get("signature")
    if sig not in SIGNATURES:
        problems.append(f"{path}.signature: expected one of {', '.join(SIGNATURES)}")
        return
    kw["signature"] = sig
    if sig in ("MSI", "MMR"):
        kw["values"] = strs("values", frozenset(MSI_STATES if sig == "MSI" else MMR_STATES))
        if not kw["values"]:
            problems.append(f"{path}.values: required for {sig}")
        return
    for key in ("min", "above"):
        if key in raw and not isinstance(raw[key], (int, float)):
            problems.append(f"{path}.{key}: expected a number")
        elif key in raw:
            kw[key] = float(raw[key])
    if ("min" in kw) == ("above" in kw):
        problems.append(f"{path}: {sig} needs exactly one of 'min' or 'above'")
