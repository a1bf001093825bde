"""Per-sample facts of a VCF record: genotype carriage, VAF and depth, value counts.

VAF and depth of an allele come from the first source below that yields a VAF in 0..1 (most
specific first); a malformed or out-of-range value never becomes a VAF, the next source is tried:

1. Ion Torrent TVC flow-corrected ``FAO``/``FDP`` (depth ``FDP``);
2. FORMAT ``AF`` (Mutect2, VarDict, DRAGEN, TVC);
3. VarScan2 ``FREQ`` (a percent such as ``25.5%``);
4. Pisces/TSO500 ``VF``; MuTect 1 ``FA``;
5. VarScan2 ``AD`` (ALT reads, one value) with ``RD`` (REF reads);
6. ``AD`` as the per-allele list REF,ALT1,… (Number=R);
7. FreeBayes ``AO``/``RO`` (``AO``/``DP`` without ``RO``);
8. Platypus ``NV``/``NR``;
9. Strelka2 tier-1 counts ``AU/CU/GU/TU`` (SNVs), ``TIR/TAR`` (indels);
10. sample-less files: INFO ``AF``.

Depth is FORMAT ``DP`` when given (TVC: ``FDP``), else the total the VAF was computed from, else
INFO ``DP``. A field holding one value is allele 1's only when the sample shows no second ALT
allele (GT index 2+, longer AD/AO/FAO/NV lists): a one-per-record value such as VarScan ``FREQ``
on a multi-allelic record cannot be attributed to either allele.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from matcher.untrusted import MAX_INT32, ascii_int, is_ascii_int

_FLOAT = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", re.ASCII)
Support = tuple[float, int | None]  # (VAF as found, depth), VAF not yet range-checked


def count_ok(number: str | None, value: str, n_alts: int, ploidy: int | None) -> bool:
    """Does a comma list have the count its header Number asks for ('.' and unknowns: yes)."""
    count = len(value.split(","))
    if number is None or number == ".":
        return True
    if is_ascii_int(number):
        return number == "0" or count == int(number)
    if number == "A":
        return count == n_alts
    if number == "R":
        return count == n_alts + 1
    if number == "G" and ploidy:
        from math import comb
        return count == comb(n_alts + ploidy, ploidy)
    return True


def carries(gt: str | None, k: int) -> bool:
    """False only when a called genotype lacks allele ``k`` (missing GT: assume carried)."""
    if not gt:
        return True
    alleles = re.split(r"[/|]", gt)
    if all(a == "." for a in alleles):
        return True
    return str(k) in alleles


def allele_support(fields: dict[str, str], ref: str, alt: str, k: int, info: dict
                   ) -> tuple[float | None, int | None]:
    """(VAF, depth) of allele ``k`` of one sample; see the module docstring for the sources."""
    dp = _count(fields.get("DP"))
    vaf, depth = None, dp
    for source in _SOURCES:
        found = source(fields, ref, alt, k, dp)
        if found is not None and _is_fraction(found[0]):
            vaf, depth = found
            break
    if vaf is None and not fields and isinstance(info.get("AF"), str):
        value = _float(_nth(info["AF"], k))
        vaf = value if _is_fraction(value) else None
    if depth is None and isinstance(info.get("DP"), str):
        depth = ascii_int(info["DP"], max_value=MAX_INT32)
    return vaf, depth


def normal_carries(fields: dict[str, str], ref: str, alt: str, k: int) -> bool:
    """The normal has the allele: its genotype carries it, or ≥2 ALT reads at ≥5% VAF."""
    gt = fields.get("GT")
    if gt and str(k) in re.split(r"[/|]", gt):
        return True
    vaf, depth = allele_support(fields, ref, alt, k, {})
    if vaf is None or depth is None:
        return False
    return vaf >= 0.05 and vaf * depth >= 1.5


# ------------------------------------------------------------------ sources, most specific first
def _flow_counts(fields: dict[str, str], ref: str, alt: str, k: int, dp: int | None
                 ) -> Support | None:
    """Ion Torrent TVC: flow-evaluated ALT reads ``FAO`` (Number=A) over ``FDP``; depth FDP."""
    fao = _count(_allele_value(fields, "FAO", k))
    fdp = _count(fields.get("FDP"))
    if fao is None or not fdp:
        return None
    return fao / fdp, fdp


def _format_af(fields: dict[str, str], ref: str, alt: str, k: int, dp: int | None
               ) -> Support | None:
    """FORMAT ``AF`` (Number=A): the caller's own allele fraction."""
    value = _float(_nth(fields.get("AF"), k))
    return None if value is None else (value, dp)


def _varscan_freq(fields: dict[str, str], ref: str, alt: str, k: int, dp: int | None
                  ) -> Support | None:
    """VarScan2 ``FREQ``: a percent string such as ``25.5%`` (one value per record)."""
    text = _allele_value(fields, "FREQ", k, per_allele=False)
    if text is None or not text.endswith("%"):
        return None
    value = _float(text[:-1])
    if value is None:
        return None
    ad, rd = _count(fields.get("AD")), _count(fields.get("RD"))
    return value / 100, _first(dp, ad + rd if ad is not None and rd is not None else None)


def _pisces_vf(fields: dict[str, str], ref: str, alt: str, k: int, dp: int | None
               ) -> Support | None:
    """Illumina Pisces / TSO500 ``VF``: the variant frequency (AD/DP); depth from DP."""
    value = _float(_allele_value(fields, "VF", k))
    return None if value is None else (value, dp)


def _mutect1_fa(fields: dict[str, str], ref: str, alt: str, k: int, dp: int | None
                ) -> Support | None:
    """MuTect 1 ``FA`` (Number=A): the ALT allele fraction; depth from DP."""
    value = _float(_allele_value(fields, "FA", k))
    return None if value is None else (value, dp)


def _varscan_counts(fields: dict[str, str], ref: str, alt: str, k: int, dp: int | None
                    ) -> Support | None:
    """VarScan2 ``AD`` (ALT reads, a single value) with ``RD`` (REF reads)."""
    if "RD" not in fields:
        return None
    ad = _count(_allele_value(fields, "AD", k, per_allele=False))
    rd = _count(fields.get("RD"))
    if ad is None or rd is None or not ad + rd:
        return None
    return ad / (ad + rd), _first(dp, ad + rd)


def _allelic_depths(fields: dict[str, str], ref: str, alt: str, k: int, dp: int | None
                    ) -> Support | None:
    """``AD`` as the per-allele list REF,ALT1,ALT2,… (Number=R); a single value is not one."""
    ad = _counts(fields.get("AD"))
    if not ad or len(ad) <= k or not sum(ad):
        return None
    return ad[k] / sum(ad), _first(dp, sum(ad))


def _freebayes_counts(fields: dict[str, str], ref: str, alt: str, k: int, dp: int | None
                      ) -> Support | None:
    """FreeBayes ``AO`` (Number=A) over ``RO`` + all ``AO``, or over ``DP`` without ``RO``."""
    ao = _count(_allele_value(fields, "AO", k))
    if ao is None:
        return None
    every_ao, ro = _counts(fields.get("AO")), _count(fields.get("RO"))
    if ro is not None and every_ao is not None and ro + sum(every_ao):
        total = ro + sum(every_ao)
        return ao / total, _first(dp, total)
    return (ao / dp, dp) if dp else None


def _platypus_counts(fields: dict[str, str], ref: str, alt: str, k: int, dp: int | None
                     ) -> Support | None:
    """Platypus ``NV`` (variant reads) over ``NR`` (reads at the site), per ALT or one value."""
    nv = _count(_allele_value(fields, "NV", k))
    nr_all = _counts(fields.get("NR"))
    if nv is None or not nr_all:
        return None
    nr = nr_all[0] if len(nr_all) == 1 else _count(_nth(fields.get("NR"), k))
    if not nr:
        return None
    return nv / nr, _first(dp, nr)


def _strelka_tiers(fields: dict[str, str], ref: str, alt: str, k: int, dp: int | None
                   ) -> Support | None:
    """Strelka2 SNVs: tier-1 count of the ALT base over the four ``AU/CU/GU/TU`` counts."""
    if len(ref) != 1 or len(alt) != 1 or f"{alt.upper()}U" not in fields:
        return None
    tiers = {b: _counts(fields.get(f"{b}U")) for b in "ACGT"}
    if not all(tiers.values()):
        return None
    total = sum(t[0] for t in tiers.values())
    return (tiers[alt.upper()][0] / total, _first(dp, total)) if total else None


def _strelka_indel(fields: dict[str, str], ref: str, alt: str, k: int, dp: int | None
                   ) -> Support | None:
    """Strelka2 indels: tier-1 ``TIR`` over ``TIR`` + ``TAR``; depth from DP only."""
    tir, tar = _counts(fields.get("TIR")), _counts(fields.get("TAR"))
    if not tir or not tar or not tir[0] + tar[0]:
        return None
    return tir[0] / (tir[0] + tar[0]), dp


_SOURCES: tuple[Callable[[dict[str, str], str, str, int, int | None], Support | None], ...] = (
    _flow_counts, _format_af, _varscan_freq, _pisces_vf, _mutect1_fa, _varscan_counts,
    _allelic_depths, _freebayes_counts, _platypus_counts, _strelka_tiers, _strelka_indel)


# ------------------------------------------------------------------ small parsers
def _nth(value: str | None, k: int) -> str | None:
    """The ``k``-th (1-based) item of a comma list, or None."""
    if not value:
        return None
    parts = value.split(",")
    return parts[k - 1] if len(parts) >= k else None


def _allele_value(fields: dict[str, str], key: str, k: int, per_allele: bool = True
                  ) -> str | None:
    """The value of FORMAT ``key`` for allele ``k``.

    ``per_allele`` (Number=A) lists give their ``k``-th item. A single value is allele 1's only
    when the sample shows no second ALT allele (a one-per-record field on a multi-allelic record
    cannot be attributed). Lists of a one-per-record field give nothing.
    """
    value = fields.get(key)
    if not value:
        return None
    parts = value.split(",")
    if len(parts) == 1:
        return value if k == 1 and not _second_alt_seen(fields) else None
    return parts[k - 1] if per_allele and len(parts) >= k else None


def _second_alt_seen(fields: dict[str, str]) -> bool:
    """Does the sample show an ALT allele beyond the first (GT index ≥2, longer count lists)?"""
    gt = re.split(r"[/|]", fields.get("GT", ""))
    if any(is_ascii_int(a) and int(a) > 1 for a in gt):
        return True
    if len(fields.get("AD", "").split(",")) > 2:
        return True
    return any(len(fields.get(key, "").split(",")) > 1
               for key in ("AF", "AO", "FAO", "FA", "NV", "NR"))


def _float(text: str | None) -> float | None:
    """A finite number, or None ('.', empty, 'abc', 'nan', 'inf')."""
    if not text:
        return None
    if not _FLOAT.fullmatch(text):  # ASCII only: float() also reads '٠.٥' and '1_0'
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _count(text: str | None) -> int | None:
    """A single non-negative integer, or None."""
    counts = _counts(text)
    return counts[0] if counts and len(counts) == 1 else None


def _counts(text: str | None) -> list[int] | None:
    """A comma list of non-negative integers, or None if any item is not one."""
    if not text:
        return None
    counts = [ascii_int(x, max_value=MAX_INT32) for x in text.split(",")]
    return None if None in counts else counts  # type: ignore[return-value]


def _first(*values: int | None) -> int | None:
    """The first value that is not None."""
    return next((v for v in values if v is not None), None)


def _is_fraction(value: float | None) -> bool:
    """A VAF must lie in 0..1."""
    return value is not None and 0.0 <= value <= 1.0
