"""Fusion names: read the ways labs and callers write a gene fusion, and find its kinase partner.

==========================  ==========================================  ==================
spelling                    who writes it                               5'→3' order
==========================  ==========================================  ==================
``EML4::ALK``               HGVS / HGNC gene-fusion nomenclature        established
``EML4--ALK``               STAR-Fusion (``^ENSG…`` suffixes allowed)   established
``EML4-ALK``                most reports and papers                     by convention
``EML4/ALK``, ``EML4:ALK``  some reports; JAFFA                         by convention
``EML4_ALK``                some pipelines                              by convention
``ALK fusion``,             a rearrangement with an unnamed partner     none (one-sided)
``ALK rearrangement``,      (break-apart FISH, DNA panels)
``ALK-rearranged``
``?::ALK``                  partner unknown, order stated               established
==========================  ==========================================  ==================

Exons may follow each gene: ``EML4(13)::ALK(20)``, ``EML4(e13)-ALK(e20)``,
``EML4 exon 13::ALK exon 20``. A trailing ``fusion``/``rearrangement``/``translocation`` is
ignored (``EML4-ALK fusion``).

By convention, a single separator is read 5'→3' (``order_known=True``); the separator is kept in
``ParsedFusion.notation`` so that :func:`orient` can still correct a name written kinase first
(``ALK-EML4``): when only the 5' gene is a kinase that acts as a 3' partner, the genes are swapped
and ``order_known`` becomes False. ``::`` and ``--`` are never reordered.

Gene symbols may contain ``-`` (``HLA-A``, ``NKX2-1``, read-through genes such as ``COMMD3-BMI1``)
and, rarely, ``_`` (``C4B_2``). Pass ``is_symbol`` (e.g. ``GeneIndex.is_known``) to split such
names correctly: a name that is itself a symbol is one gene; otherwise the one split whose two
sides are both symbols wins. Without ``is_symbol`` a split is accepted only if it is the only one
whose sides look like symbols (start with a letter), and several possible splits raise rather
than guess. ``_`` is accepted as a separator on the same terms as ``-``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from matcher.errors import InputError, Problem

__all__ = [
    "FIVE_PRIME_KINASES", "FUSION_DRIVERS_FILE", "KINASE_GENES", "ORIENTED_GENES",
    "FusionDrivers", "InvalidFusion", "ParsedFusion", "acts_from_five_prime", "driver_gene",
    "kinase_partner", "orient", "parse_fusion",
]

# Kinase genes whose fusions are actionable because the fusion keeps their kinase domain. Most
# are the 3' partner (the breakpoint lies upstream of the kinase domain): ALK, ROS1, RET,
# NTRK1/2/3, BRAF, MET, ABL1, JAK2, PDGFRA, PDGFRB. FGFR1 is 3' in myeloid/lymphoid neoplasms
# (BCR::FGFR1, ZMYM2::FGFR1) but 5' in gliomas (FGFR1::TACC1). NRG1 fusions are actionable but
# NRG1 is a ligand, not a kinase, so it is not listed here.
KINASE_GENES = frozenset({
    "ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3", "BRAF", "MET", "FGFR1", "FGFR2", "FGFR3",
    "EGFR", "ABL1", "JAK2", "PDGFRA", "PDGFRB",
})
# The exception: kinases that are usually the 5' partner, keeping their kinase domain and
# losing their C-terminus (FGFR2::BICC1 in cholangiocarcinoma, FGFR3::TACC3 in glioma and
# bladder cancer, FGFR1::TACC1, EGFR::SEPTIN14). A name with one of these first is not reordered.
FIVE_PRIME_KINASES = frozenset({"FGFR1", "FGFR2", "FGFR3", "EGFR"})
# The genes whose fusions act through the part a 3' partner keeps, so that one written as the
# stated 5' partner is not expected to act: the kinases (but FIVE_PRIME_KINASES), and NRG1, a
# ligand whose EGF-like domain is its 3' part (every NRG1 fusion in CIViC has NRG1 3':
# CD74::NRG1, SLC3A2::NRG1 …). Other fusion drivers (PML::RARA, KMT2A::MLLT3, BRD4::NUTM1,
# EWSR1::FLI1) have no such rule: they are matched by the driver gene whichever side is named.
ORIENTED_GENES = (KINASE_GENES - FIVE_PRIME_KINASES) | {"NRG1"}
FUSION_DRIVERS_FILE = "fusion_drivers.tsv"

ESTABLISHED = ("::", "--")  # notations that state the 5'→3' order
CONVENTIONAL = ("-", "/", ":", "_")  # read 5'→3' by convention; orient() may correct them
EXPECTED = ("a fusion such as EML4::ALK, EML4--ALK, EML4-ALK, EML4(13)::ALK(20) "
            "or 'ALK fusion'")


class InvalidFusion(InputError):
    """A fusion name that cannot be read; says what was given and what was expected."""

    title = "Invalid fusion name"

    def __init__(self, text: object, reason: str, expected: str = EXPECTED):
        self.text = text
        self.reason = reason
        self.expected = expected
        problem = f"invalid fusion {text!r}: {reason}"
        super().__init__(f"{problem}; expected {expected}", [Problem(problem, expected=expected)])


@dataclass(frozen=True)
class ParsedFusion:
    """Partners as written (None: not named); ``notation`` is the separator ('' one-sided)."""

    five_prime: str | None
    three_prime: str | None
    order_known: bool
    text: str
    five_prime_exon: int | None = None
    three_prime_exon: int | None = None
    notation: str = ""


_DESCRIPTOR = re.compile(
    r"(?:^|\s+|\s*-\s*)(?:gene\s+)?(?:fusions?|rearrangements?|rearranged|translocations?"
    r"|translocated)(?:\s+positive)?$", re.IGNORECASE)
_SIDE = re.compile(
    r"""^(?P<gene>[A-Za-z][A-Za-z0-9_@\-]*?)
    (?:\^\S+?)?                                        # STAR-Fusion '^ENSG…' suffix
    (?:\s*\(\s*(?:exon|ex|e)?\s*(?P<e1>\d{1,3})\s*\)   # (13), (e13), (exon 13)
      |\s+(?:exon|ex|e)\s*(?P<e2>\d{1,3}))?$            # ' exon 13', ' e13'
    """, re.IGNORECASE | re.VERBOSE | re.ASCII)  # ASCII: other scripts' digits are no exon
_UNNAMED = frozenset({"?", "unknown", "intergenic"})


def _side(part: str) -> tuple[str | None, int | None] | None:
    """(gene or None if unnamed, exon) of one side, or None if it does not look like one."""
    part = part.strip()
    if part.lower() in _UNNAMED:
        return None, None
    match = _SIDE.match(part)
    if not match:
        return None
    exon = match["e1"] or match["e2"]
    return match["gene"], int(exon) if exon else None


def parse_fusion(text: str, *, is_symbol: Callable[[str], bool] | None = None,
                 allow_single: bool = False) -> ParsedFusion:
    """Read a fusion name; ``allow_single`` accepts a bare gene (``ALK``) as a one-sided fusion."""
    if not isinstance(text, str):
        raise InvalidFusion(text, f"expected a string, got {type(text).__name__}")
    body = text.strip()
    described = False
    match = _DESCRIPTOR.search(body)
    if match:
        body, described = body[:match.start()].strip(), True
    if not body:
        raise InvalidFusion(text, "no gene named")

    for sep in ESTABLISHED + ("/", ":"):
        if sep in body:
            parts = body.split(sep)
            if len(parts) != 2:
                raise InvalidFusion(text, f"expected two partners around {sep!r}, "
                                          f"found {len(parts)}")
            five, three = _side(parts[0]), _side(parts[1])
            if five is None or three is None:
                raise InvalidFusion(text, "a partner is not a gene symbol")
            if five[0] is None and three[0] is None:
                raise InvalidFusion(text, "neither partner is named")
            return _two(text, five, three, sep)

    whole = _side(body)
    if whole is not None and whole[0] is not None and is_symbol and is_symbol(whole[0]):
        return _single(text, whole, described or allow_single)
    splits = []  # (five, three) sides of every split point that reads as two genes
    for index, char in enumerate(body):
        if char in "-_":
            five, three = _side(body[:index]), _side(body[index + 1:])
            if five and three and five[0] and three[0]:
                splits.append((char, five, three))
    if is_symbol:
        known = [s for s in splits if is_symbol(s[1][0]) and is_symbol(s[2][0])]
        if len(known) == 1:
            return _two(text, known[0][1], known[0][2], known[0][0])
        if len(known) > 1:
            _ambiguous(text, known)
    if len(splits) == 1:
        return _two(text, splits[0][1], splits[0][2], splits[0][0])
    if len(splits) > 1:
        _ambiguous(text, splits)
    if whole is not None and whole[0] is not None:
        return _single(text, whole, described or allow_single)
    raise InvalidFusion(text, "not a fusion name")


def _two(text: str, five: tuple, three: tuple, notation: str) -> ParsedFusion:
    return ParsedFusion(five[0], three[0], True, text, five[1], three[1], notation)


def _single(text: str, side: tuple, allowed: bool) -> ParsedFusion:
    if not allowed:
        raise InvalidFusion(
            text, f"names one gene; name both partners (e.g. EML4::ALK) or write "
                  f"'{side[0]} fusion' for a rearrangement with an unknown partner")
    return ParsedFusion(None, side[0], False, text, None, side[1], "")


def _ambiguous(text: str, splits: Iterable[tuple]) -> None:
    options = ", ".join(f"{five[0]}::{three[0]}" for _, five, three in splits)
    raise InvalidFusion(text, f"can be split several ways ({options})",
                        expected="the partners separated by '::', e.g. " +
                        next(iter(options.split(", "))))


def orient(parsed: ParsedFusion, kinases: Iterable[str] = KINASE_GENES, *,
           five_prime_kinases: Iterable[str] = FIVE_PRIME_KINASES) -> ParsedFusion:
    """Put a 3'-acting kinase written first (``ALK-EML4``) on the 3' side unless order is stated."""
    stated = parsed.order_known and parsed.notation not in CONVENTIONAL
    if stated or parsed.five_prime is None or parsed.three_prime is None:
        return parsed
    kinases = {k.upper() for k in kinases}
    five, three = parsed.five_prime.upper(), parsed.three_prime.upper()
    if three in kinases or five not in kinases or five in {k.upper() for k in five_prime_kinases}:
        return parsed
    return dataclasses.replace(
        parsed, five_prime=parsed.three_prime, three_prime=parsed.five_prime, order_known=False,
        five_prime_exon=parsed.three_prime_exon, three_prime_exon=parsed.five_prime_exon)


def kinase_partner(five: str | None, three: str | None, *, order_known: bool = True) -> str | None:
    """The actionable kinase of a fusion: a 3' kinase, a 5'-acting kinase (FGFR, EGFR), or None.

    With ``order_known=False`` a kinase on either side counts (the 3' one first).
    """
    five_key = five.upper() if five else None
    three_key = three.upper() if three else None
    if three_key in KINASE_GENES:
        return three
    if five_key in FIVE_PRIME_KINASES or (not order_known and five_key in KINASE_GENES):
        return five
    return None


def acts_from_five_prime(gene: str | None) -> bool:
    """False for a gene of :data:`ORIENTED_GENES` (it acts as the 3' partner); else True."""
    return bool(gene) and gene.upper() not in ORIENTED_GENES


@dataclass(frozen=True)
class FusionDrivers:
    """The genes CIViC files fusions under (``knowledgebase/reference/fusion_drivers.tsv``,
    made by ``scripts/make_fusion_drivers.py``), each with the partners listed with it."""

    partners: dict[str, frozenset[str]]

    @classmethod
    def load(cls, reference_dir) -> FusionDrivers:
        """Read the table from a reference folder; a missing table is an empty one."""
        from pathlib import Path

        path = Path(reference_dir) / FUSION_DRIVERS_FILE
        if not path.exists():
            return cls({})
        rows = path.read_text(encoding="utf-8").splitlines()
        if not rows or rows[0].split("\t")[:3] != ["gene", "side", "partners"]:
            from matcher.errors import KnowledgeBaseError

            raise KnowledgeBaseError(f"{path}: not a fusion driver table",
                                     [Problem("unexpected header", line=1, source=str(path))])
        out = {}
        for line in rows[1:]:
            gene, _side, partners, *_ = line.split("\t")
            out[gene.upper()] = frozenset(p.upper() for p in partners.split("|") if p)
        return cls(out)

    def driver(self, five: str | None, three: str | None) -> str | None:
        """The driver among two partners, or None if neither is a known fusion driver.

        The gene CIViC files this very pair under first (``PML::RARA``: PML), then a gene that
        CIViC files fusions under; where both qualify, the one with more partners (the recurrent
        gene: EWSR1 of EWSR1::FLI1), then the 3' partner.
        """
        named = [g for g in (three, five) if g]
        known = [g for g in named if g.upper() in self.partners]
        pair = [g for g in known if ({x.upper() for x in named} - {g.upper()})
                & self.partners[g.upper()]]
        pool = pair or known
        if not pool:
            return None
        return max(pool, key=lambda g: len(self.partners[g.upper()]))


def driver_gene(five: str | None, three: str | None, *, order_known: bool = True,
                drivers: FusionDrivers | None = None) -> str | None:
    """The gene a fusion is known by: its actionable kinase (:func:`kinase_partner`), else a
    known fusion driver (:class:`FusionDrivers`, any side), else the 3' partner, else the 5'."""
    kinase = kinase_partner(five, three, order_known=order_known)
    if kinase:
        return kinase
    found = drivers.driver(five, three) if drivers is not None else None
    return found or three or five
