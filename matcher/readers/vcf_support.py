"""Per-sample facts of a VCF record: genotype carriage, VAF and depth, value counts."""

from __future__ import annotations

import re


def count_ok(number: str | None, value: str, n_alts: int, ploidy: int | None) -> bool:
    """Does a comma list have the count its header Number asks for ('.' and unknowns: yes)."""
    count = len(value.split(","))
    if number is None or number == ".":
        return True
    if number.isdigit():
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


def _ints(value: str | None) -> list[int] | None:
    if not value:
        return None
    try:
        return [int(x) for x in value.split(",")]
    except ValueError:
        return None


def allele_support(fields: dict[str, str], ref: str, alt: str, k: int, info: dict
                   ) -> tuple[float | None, int | None]:
    """(VAF, depth) of allele ``k`` from FORMAT AF/AD/DP, Strelka tier counts, or INFO AF/DP."""
    vaf = depth = None
    dp = _ints(fields.get("DP"))
    if dp and len(dp) == 1:
        depth = dp[0]
    af = fields.get("AF", "").split(",")
    ad = _ints(fields.get("AD"))
    if len(af) >= k and _is_float(af[k - 1]):
        vaf = float(af[k - 1])
    elif ad and len(ad) > k and sum(ad) > 0:
        vaf = ad[k] / sum(ad)
        depth = depth if depth is not None else sum(ad)
    elif len(ref) == 1 and len(alt) == 1 and f"{alt.upper()}U" in fields:
        tiers = {b: _ints(fields.get(f"{b}U")) for b in "ACGT"}
        if all(t for t in tiers.values()):
            total = sum(t[0] for t in tiers.values())
            if total:
                vaf, depth = tiers[alt.upper()][0] / total, depth if depth is not None else total
    elif "TIR" in fields and "TAR" in fields:
        tir, tar = _ints(fields["TIR"]), _ints(fields["TAR"])
        if tir and tar and tir[0] + tar[0]:
            vaf = tir[0] / (tir[0] + tar[0])
    if vaf is None and not fields and isinstance(info.get("AF"), str):
        parts = info["AF"].split(",")
        if len(parts) >= k and _is_float(parts[k - 1]):
            vaf = float(parts[k - 1])
    if depth is None and isinstance(info.get("DP"), str) and info["DP"].isdigit():
        depth = int(info["DP"])
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


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
