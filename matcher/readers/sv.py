"""Structural-variant VCF records (Manta, DELLY, GRIDSS styles) -> gene fusions.

A record becomes a :class:`FusionCall` when its two breakpoints fall in two different genes.
Partner order comes from the joined-strand geometry (BND bracket notation, DEL/DUP, Manta
INV3/INV5, DELLY ``CT``) together with the genes' strands: on the joined molecule, the gene read
in its own sense first is the 5' partner. If the geometry or the strands do not tell, the call
keeps ``order_known=False``. BND mate pairs are collapsed to one call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from matcher.model import FusionCall
from matcher.untrusted import MAX_INT32, is_ascii_int

# ALT bracket forms -> (mate chrom, mate pos, [first segment, second segment]) where a segment
# is ('self'|'mate', strand of that genome piece as read along the joined molecule).
_P = r"(\d{1,10})"  # a mate position: ASCII digits (re.A), at most 10
_BND = (
    (re.compile(rf"^[A-Za-z.*]+\[([^:\[\]]+):{_P}\[$", re.A), (("self", 1), ("mate", 1))),  # t[p[
    (re.compile(rf"^[A-Za-z.*]+\]([^:\[\]]+):{_P}\]$", re.A), (("self", 1), ("mate", -1))),  # t]p]
    (re.compile(rf"^\]([^:\[\]]+):{_P}\][A-Za-z.*]+$", re.A), (("mate", 1), ("self", 1))),  # ]p]t
    (re.compile(rf"^\[([^:\[\]]+):{_P}\[[A-Za-z.*]+$", re.A), (("mate", -1), ("self", 1))),  # [p[t
)
_DELLY_CT = {"3to5": (("self", 1), ("mate", 1)), "5to3": (("mate", 1), ("self", 1)),
             "3to3": (("self", 1), ("mate", -1)), "5to5": (("mate", -1), ("self", 1))}


class GeneLookup(Protocol):
    """What this module needs from :class:`matcher.reference.hotspots.GeneSpans`."""

    def genes_at(self, build: str, chrom: str, pos: int) -> list[str]: ...


@dataclass(frozen=True)
class SvRecord:
    """The parts of one SV VCF record (one ALT allele) that matter here."""

    source: str
    chrom: str
    pos: int
    ident: str
    alt: str
    info: dict[str, Any]
    sample: dict[str, str]
    filter_reason: str | None


_SINGLE_BREAKEND = re.compile(r"^\.[A-Za-z*]+$|^[A-Za-z*]+\.$", re.A)


def is_sv_allele(alt: str) -> bool:
    """Symbolic (``<DEL>``), breakend (``N[2:321[``) or single-breakend (``G.``, ``.TTAG``, VCF
    4.2 §5.4.9; GRIDSS writes them) ALT alleles. A single breakend is not an insertion of its
    bases: read as one, it became a sequence change in whatever gene it lies in."""
    return alt.startswith("<") or "[" in alt or "]" in alt or bool(_SINGLE_BREAKEND.match(alt))


def _bare(chrom: str) -> str:
    c = chrom[3:] if chrom[:3].lower() == "chr" else chrom
    return "MT" if c.upper() == "M" else c.upper()


class SvCollector:
    """Collects SV records of one VCF and turns them into fusions at the end."""

    def __init__(self, build: str | None, gene_spans: GeneLookup | None):
        self.build = build
        self.spans = gene_spans
        self.records: list[SvRecord] = []

    def add(self, record: SvRecord) -> None:
        """Queue one SV allele."""
        self.records.append(record)

    def fusions(self) -> tuple[list[FusionCall], list[str]]:
        """The fusions found and warnings about SV records that could not be assessed."""
        if not self.records:
            return [], []
        calls: list[FusionCall] = []
        seen_pairs: set[frozenset] = set()
        seen_ids: set[str] = set()
        records, notes = [], []
        for rec in self.records:
            named = _named_partners(rec)
            if named is None:
                records.append(rec)
            elif rec.ident not in seen_ids or rec.ident == ".":
                mate = rec.info.get("MATEID")
                if isinstance(mate, str):
                    seen_ids.update(mate.split(","))
                calls.append(self._named_call(rec, *named, notes))
        if records and (self.spans is None or self.build is None):
            why = "gene spans are not available" if self.spans is None else \
                "the genome build is unknown (give genome_build)"
            return calls, [*notes, f"{len(records)} structural-variant record(s) not assessed: "
                                   f"{why} ({_lines_of(records)})"]
        not_fusion: list[SvRecord] = []
        unplaced: list[SvRecord] = []
        for rec in records:
            ends = self._ends(rec)
            if ends is None:
                genes = self.spans.genes_at(self.build, rec.chrom, rec.pos)
                if genes and _SINGLE_BREAKEND.match(rec.alt):
                    calls.append(FusionCall(
                        source=rec.source, three_prime_gene=genes[0], order_known=False,
                        text=f"{rec.chrom}:{rec.pos} {rec.alt[:20]}",
                        supporting_reads=_reads(rec), filter_reason=rec.filter_reason,
                        not_assessable=f"a single breakend in {genes[0]} (its partner not "
                                       "resolved): not a two-gene fusion; not assessed"))
                else:
                    unplaced.append(rec)
                continue
            (chrom2, pos2), geometry = ends
            pair = frozenset({(_bare(rec.chrom), rec.pos), (_bare(chrom2), pos2)})
            mate = rec.info.get("MATEID") or rec.info.get("PARID")
            if pair in seen_pairs or rec.ident in seen_ids:
                continue
            seen_pairs.add(pair)
            if isinstance(mate, str):
                seen_ids.update(mate.split(","))
            g_self = self.spans.genes_at(self.build, rec.chrom, rec.pos)
            g_mate = self.spans.genes_at(self.build, chrom2, pos2)
            if not g_self or not g_mate or set(g_self) & set(g_mate):
                not_fusion.append(rec)
                continue
            calls.append(self._call(rec, g_self[0], g_mate[0], geometry))
        warnings = notes
        if not_fusion:
            warnings.append(f"{len(not_fusion)} structural-variant record(s) do not join two "
                            f"different genes and were not turned into fusions "
                            f"({_lines_of(not_fusion)})")
        if unplaced:
            warnings.append(f"{len(unplaced)} structural-variant record(s) have no second "
                            "breakpoint (single breakends or missing END/CHR2) and were not "
                            f"assessed ({_lines_of(unplaced)})")
        return calls, warnings

    def _ends(self, rec: SvRecord):
        """((mate chrom, mate pos), geometry or None) for one record, or None if unplaced."""
        for pattern, geometry in _BND:
            m = pattern.match(rec.alt)
            if m:
                return (m.group(1), int(m.group(2))), geometry
        svtype = str(rec.info.get("SVTYPE") or rec.alt.strip("<>").split(":")[0]).upper()
        end = rec.info.get("END")
        chr2 = rec.info.get("CHR2")
        pos2 = rec.info.get("POS2") or end
        if svtype in ("TRA", "BND", "CTX") or (chr2 and chr2 != rec.chrom):
            if not chr2 or not _is_int(pos2):
                return None
            return (str(chr2), int(pos2)), _DELLY_CT.get(str(rec.info.get("CT")))
        if not _is_int(end):
            return None
        end = int(end)
        if svtype == "DEL":
            return (rec.chrom, end), (("self", 1), ("mate", 1))
        if svtype == "DUP" or svtype.startswith("DUP"):
            return (rec.chrom, end), (("mate", 1), ("self", 1))
        if svtype == "INV":
            if rec.info.get("INV3") is True:
                return (rec.chrom, end), (("self", 1), ("mate", -1))
            if rec.info.get("INV5") is True:
                return (rec.chrom, end), (("mate", -1), ("self", 1))
            return (rec.chrom, end), _DELLY_CT.get(str(rec.info.get("CT")))
        return None

    @staticmethod
    def _named_call(rec: SvRecord, five: str, three: str, notes: list[str]) -> FusionCall:
        """A fusion its caller names (GENE5/GENE3); FusionCatcher's ``DESC`` labels filter it
        as they filter a row of its table."""
        from matcher.readers.fusion_tables import fusioncatcher_flags

        desc = rec.info.get("DESC")
        if isinstance(desc, list):
            desc = ",".join(str(x) for x in desc)
        flags, note = fusioncatcher_flags(desc if isinstance(desc, str) else None,
                                          f"{rec.source}: {five}--{three}")
        if note:
            notes.append(note)
        reason = rec.filter_reason or (
            f"FusionCatcher DESC={','.join(flags)}" if flags else None)
        return FusionCall(source=rec.source, five_prime_gene=five, three_prime_gene=three,
                          order_known=True, text=f"{five}--{three}",
                          supporting_reads=_reads(rec), filter_reason=reason)

    def _call(self, rec: SvRecord, g_self: str, g_mate: str, geometry) -> FusionCall:
        genes = {"self": g_self, "mate": g_mate}
        five = three = None
        strand_of = getattr(self.spans, "strand", None)
        if geometry is not None and strand_of is not None:
            (who1, read1), (who2, read2) = geometry
            s1 = _sign(strand_of(genes[who1], self.build))
            s2 = _sign(strand_of(genes[who2], self.build))
            if s1 and s2 and s1 == read1 and s2 == read2:
                five, three = genes[who1], genes[who2]
            elif s1 and s2 and s1 == -read1 and s2 == -read2:
                five, three = genes[who2], genes[who1]
        if five is None:
            a, b = sorted((g_self, g_mate))
            return FusionCall(source=rec.source, five_prime_gene=a, three_prime_gene=b,
                              order_known=False, text=f"{a}/{b}",
                              supporting_reads=_reads(rec), filter_reason=rec.filter_reason)
        return FusionCall(source=rec.source, five_prime_gene=five, three_prime_gene=three,
                          order_known=True, text=f"{five}--{three}",
                          supporting_reads=_reads(rec), filter_reason=rec.filter_reason)


def _lines_of(records: list[SvRecord], most: int = 5) -> str:
    """``line 12, line 14 and 3 more``: where the records not turned into fusions are."""
    shown = ", ".join(r.source for r in records[:most])
    return shown + (f" and {len(records) - most} more" if len(records) > most else "")


def _named_partners(rec: SvRecord) -> tuple[str, str] | None:
    """(5', 3') gene symbols a fusion caller's VCF states in INFO ``GENE5``/``GENE3``
    (FusionCatcher's ``final-list_candidate-fusion-genes.vcf``), else None. Read as stated, as
    its table is: a partner outside the gene spans (``IGH@``) or with an unknown strand (ROS1)
    is still a fusion, its order the caller's."""
    five, three = rec.info.get("GENE5"), rec.info.get("GENE3")
    if not (isinstance(five, str) and isinstance(three, str)):
        return None
    five, three = five.strip(), three.strip()
    if not five or not three or "." in (five, three) or five == three:
        return None
    return five, three


def _sign(strand: str | None) -> int | None:
    return {"+": 1, "-": -1}.get(strand or "")


def _is_int(value: Any) -> bool:
    return isinstance(value, str) and is_ascii_int(value, max_value=MAX_INT32)


def _reads(rec: SvRecord) -> int | None:
    """Alt-supporting reads: Manta PR/SR, DELLY DV/RV, GRIDSS VF, LUMPY SU."""
    total, found = 0, False
    for key in ("PR", "SR"):
        parts = rec.sample.get(key, "").split(",")
        if len(parts) >= 2 and is_ascii_int(parts[1], max_value=MAX_INT32):
            total += int(parts[1])
            found = True
    for key in ("DV", "RV"):
        if is_ascii_int(rec.sample.get(key, ""), max_value=MAX_INT32):
            total += int(rec.sample[key])
            found = True
    if found:
        return total
    for value in (rec.sample.get("VF"), rec.info.get("VF"), rec.info.get("SU")):
        if is_ascii_int(value, max_value=MAX_INT32):
            return int(value)
    return None
