"""CIViC evidence -> knowledge-base entries: the mapping rules, as pure functions.

The importer (:mod:`matcher.kb.civic_import`) reads a CIViC release and calls these functions; the
KB loader calls :func:`dedupe_against_curated` so that curated entries win where both speak.
Every rule is described in ``docs/civic-import.md``; a row that cannot be represented is never
dropped silently: :class:`Skip` carries the reason, which the importer writes to ``SKIPPED.tsv``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

CIVIC_RELEASE = "01-Aug-2024"
ACCEPTED_SIGNIFICANCE = {"Sensitivity/Response": "sensitivity", "Resistance": "resistance"}
LEVEL_TYPES = {"A": "clinical", "B": "clinical", "C": "case", "D": "preclinical"}
SKIPPED_ORIGINS = frozenset({"Common Germline"})  # pharmacogenomic, not a tumor biomarker

_FUSION = re.compile(r"^([A-Z0-9][A-Za-z0-9-]*)::([A-Z0-9][A-Za-z0-9-]*)$")
_EXON = re.compile(r"^exon (\d+)(?:\s*-\s*(\d+))? (deletion|insertion|mutation|frameshift)$", re.I)
_EXON_SKIPPING = re.compile(r"^exon (\d+) skipping(?: mutation)?$", re.I)
_CODON_PAIR = re.compile(r"^([A-Z])(\d+)/([A-Z])?(\d+)$")
_ALT_PAIR = re.compile(r"^([A-Z])(\d+)([A-Z])/([A-Z])$")  # S310F/Y: two changes at one residue
_WITH_CDNA = re.compile(r"^(\S+) \((c\.[^)]+)\)$")  # R200W (c.598C>T): keep the protein part
_EXON_CONSEQUENCE = {"deletion": ["inframe_deletion"], "insertion": ["inframe_insertion"],
                     "frameshift": ["frameshift"], "mutation": []}
_LOF_NAMES = frozenset({"loss-of-function", "loss of function", "truncating mutation",
                        "deleterious mutation", "inactivating mutation"})
_NOT_REPRESENTABLE = (
    (re.compile(r"expression|overexpression|underexpression|serum level", re.I),
     "expression profile not representable"),
    (re.compile(r"methylation", re.I), "methylation profile not representable"),
    (re.compile(r"phosphorylation|localization|mislocalization|translocation", re.I),
     "protein-level profile not representable"),
    (re.compile(r"^wild ?type$", re.I), "wild-type profile not representable"),
)
# FDA approval stated in the evidence text itself (level A only); diagnostic tests and package
# inserts about dosing do not count.
_FDA_TEXT = re.compile(
    r"(?<!not )(?<!non-)(?<!never )"
    r"\b(?:FDA|Food and Drug Administration)\b[- ](?:has\s+)?approv(?:ed|al)\b(?![- ]diagnostic)"
    r"(?!\s+(?:package|diagnostic|test|companion))"
    r"|\bapproved by the (?:US )?(?:FDA|Food and Drug Administration)\b"
    r"|\b(?:FDA|Food and Drug Administration)\b granted (?:accelerated |full )?approval\b", re.I)
_GUIDELINE_TEXT = re.compile(r"\bNCCN\b[^.]{0,40}\bguidelines?\b", re.I)


class Skip(Exception):
    """A CIViC row (or part of one) that the KB cannot represent; ``reason`` says why."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Variant:
    """One CIViC variant as the importer needs it."""

    id: str
    gene: str
    name: str
    types: str = ""  # CIViC variant_types (Sequence Ontology names), comma-separated
    chrom: str = ""  # CIViC's coordinates of the variant (VariantSummaries), "" / 0 if none
    start: int = 0
    stop: int = 0
    build: str = ""  # reference_build, e.g. GRCh37


# ----------------------------------------------------------------------------- criteria
def _canonical(text: str):
    """Parse a protein change with the project's parser (None when it is not one)."""
    from matcher.reference.protein import parse_protein_change

    try:
        return parse_protein_change(text)
    except Exception:  # InvalidChange (a ValueError) or anything odd in CIViC's text
        return None


def itd_criterion(v: Variant, exons=None) -> dict:
    """The criterion of a CIViC "ITD" variant: CIViC defines it as an in-frame insertion within
    the variant's coordinates. When those coordinates are exactly one coding exon of the gene's
    MANE Select transcript in ``exons``
    (:class:`~matcher.reference.exons.ProteinExons`, on CIViC's build),
    the criterion is ``{type: exon, exons: [N], consequences: [inframe_insertion]}``; for a gene
    whose calls may be written just "ITD"
    (:data:`matcher.reference.protein.ITD_GENES`: FLT3) it is an
    ``any_of`` of that and ``{type: variant, changes: [ITD]}``. Else raise :class:`Skip` naming
    what the coordinates cover."""
    if exons is None or not (v.chrom and v.start and v.stop and v.build):
        raise Skip("variant kind not representable",
                   f"{v.name.strip()}: no coordinates or reference exon table to place it")
    where = f"{v.gene} {v.name.strip()} {v.build} {v.chrom}:{v.start}-{v.stop}"
    if v.gene not in exons:
        raise Skip("ITD: gene not in the reference exon table", where)
    hits, touched = [], []
    for exon, _first, _last in exons.exons(v.gene):
        row = exons.row(v.gene, exon)
        span = next(((s, e) for b, s, e in row.spans if b == v.build), None)
        if span is None or row.chrom != v.chrom:
            continue
        if span == (v.start, v.stop):
            hits.append(exon)
        elif span[0] <= v.stop and v.start <= span[1]:
            touched.append(exon)
    if len(hits) != 1:
        what = (f"overlaps exon(s) {', '.join(map(str, touched))} of "
                f"{exons.transcript(v.gene)}" if touched else "overlaps no coding exon")
        raise Skip("ITD: coordinates are not exactly one exon", f"{where} {what}")
    from matcher.reference.protein import ITD_GENES

    crit = {"type": "exon", "exons": hits, "consequences": ["inframe_insertion"]}
    if v.gene not in ITD_GENES:  # a call named just "ITD" is read for these genes only
        return crit
    return {"type": "any_of", "items": [
        {"gene": v.gene, "alteration": crit},
        {"gene": v.gene, "alteration": {"type": "variant", "changes": ["ITD"]}}]}


def variant_criterion(v: Variant, exons=None) -> dict:
    """The KB criterion for one CIViC variant of gene ``v.gene``; raise :class:`Skip`.

    ``exons``: the reference exon table
    (:class:`matcher.reference.exons.ProteinExons`), for variants
    defined by CIViC's coordinates ("ITD", :func:`itd_criterion`); without it they are skipped.
    """
    name = v.name.strip()
    low = name.lower()
    if " ".join(low.split()) in ("itd", "internal tandem duplication"):
        return itd_criterion(v, exons)
    m = _FUSION.match(name)
    if m:
        five, three = m.groups()
        if v.gene not in (five, three):
            raise Skip("fusion does not name its gene", name)
        partner = three if v.gene == five else five
        return {"type": "fusion", "partner": partner}
    if "::" in name:
        raise Skip("fusion with exon or breakpoint detail not representable", name)
    if low in ("fusion", "rearrangement", "fusions"):
        return {"type": "fusion"}
    if low in ("amplification", "copy number gain"):
        return {"type": "copy_number", "states": ["amplification"]}
    if low == "deletion" and ("transcript_ablation" in v.types or "copy_number_loss" in v.types
                              or "feature_ablation" in v.types):
        return {"type": "copy_number", "states": ["deep_deletion"]}
    if low == "loss" and "loss_of_function_variant" in v.types:
        return {"type": "consequence", "classes": ["loss_of_function"]}
    if low == "loss":
        raise Skip("'Loss' without a variant type is ambiguous (copy number or expression)", name)
    if low in ("mutation", "mutations"):
        return {"type": "any"}
    if low in _LOF_NAMES:
        return {"type": "consequence", "classes": ["loss_of_function"]}
    if low in ("frameshift", "frameshift truncation"):
        return {"type": "consequence", "classes": ["frameshift"]}
    m = _EXON_SKIPPING.match(name)
    if m:
        # "MET Exon 14 Skipping Mutation": the changes that make exon N skipped, by the rule of
        # matcher/reference/exons.py (the importer checks that the reference exon table has exon N).
        return {"type": "exon_skipping", "exons": [int(m.group(1))]}
    m = _EXON.match(name)
    if m:
        first, last, kind = int(m.group(1)), int(m.group(2) or m.group(1)), m.group(3).lower()
        if last < first or last - first > 30:
            raise Skip("exon range not understood", name)
        crit: dict = {"type": "exon", "exons": list(range(first, last + 1))}
        if _EXON_CONSEQUENCE[kind]:
            crit["consequences"] = _EXON_CONSEQUENCE[kind]
        return crit
    for pattern, reason in _NOT_REPRESENTABLE:
        if pattern.search(name):
            raise Skip(reason, name)
    m = _ALT_PAIR.match(name)
    if m:
        return {"type": "variant", "changes": [f"{m.group(1)}{m.group(2)}{m.group(3)}",
                                               f"{m.group(1)}{m.group(2)}{m.group(4)}"]}
    m = _WITH_CDNA.match(name)
    if m and not name.lower().startswith("splice"):
        name = m.group(1)
    m = _CODON_PAIR.match(name)
    if m:
        return {"type": "codon", "codons": sorted({int(m.group(2)), int(m.group(4))})}
    change = _canonical(name)
    if change is not None:
        if change.consequence == "codon":
            return {"type": "codon", "codons": [change.position]}
        if change.consequence in ("synonymous",) or change.canonical in ("0", "=", "splice"):
            raise Skip("variant kind not representable", name)
        return {"type": "variant", "changes": [change.canonical]}
    raise Skip("variant kind not representable", name)


def profile_criterion(profile_name: str, variants: Sequence[Variant],
                      exons=None) -> tuple[str, dict]:
    """(gene file, criterion) for a CIViC molecular profile; raise :class:`Skip`.

    A single-variant profile maps to that variant's criterion. ``A AND B`` maps to
    ``{type: all_of, items: [{gene, alteration}, ...]}`` filed under the first variant's gene.
    ``OR`` profiles do not come here: the importer maps them to ``any_of`` first
    (:func:`matcher.kb.civic_import.or_profile_criterion`), and skips ``NOT`` profiles and profiles
    mixing ``AND`` with ``OR`` (:func:`matcher.kb.civic_import.profile_kind`). A name with ``OR`` or
    ``NOT`` given here anyway raises :class:`Skip` ("OR/NOT profile not supported").
    """
    words = profile_name.split()
    if "OR" in words or "NOT" in words:
        raise Skip("OR/NOT profile not supported", profile_name)
    if not variants:
        raise Skip("profile has no variants", profile_name)
    if len(variants) == 1:
        v = variants[0]
        return v.gene, variant_criterion(v, exons)
    if "AND" not in words:
        raise Skip("multi-variant profile without AND", profile_name)
    items = []
    for v in variants:
        crit = variant_criterion(v, exons)
        if crit["type"] == "all_of":  # pragma: no cover - CIViC profiles do not nest
            raise Skip("nested combination profile not supported", profile_name)
        if crit["type"] == "any_of":  # an ITD part: all_of parts cannot be composite
            raise Skip("combination profile with an any_of part (ITD) not supported",
                       f"{v.gene} {v.name}")
        items.append({"gene": v.gene, "alteration": crit})
    if len({(i["gene"], repr(i["alteration"])) for i in items}) < len(items):
        raise Skip("combination profile repeats a variant", profile_name)
    return variants[0].gene, {"type": "all_of", "items": items}


# ----------------------------------------------------------------------------- evidence fields
def accept_row(row: dict) -> None:
    """Raise :class:`Skip` unless the evidence row is accepted predictive evidence we import."""
    if row.get("evidence_type") != "Predictive":
        raise Skip(f"evidence type {row.get('evidence_type') or 'missing'} (only Predictive)")
    if row.get("evidence_status", "accepted") != "accepted":
        raise Skip("evidence not accepted")
    if row.get("evidence_direction") != "Supports":
        raise Skip("direction Does Not Support" if row.get("evidence_direction")
                   == "Does Not Support" else "direction missing")
    if row.get("significance") not in ACCEPTED_SIGNIFICANCE:
        raise Skip(f"significance {row.get('significance') or 'missing'} not imported")
    level = row.get("evidence_level", "")
    if level == "E":
        raise Skip("level E (inferential) not imported")
    if level not in LEVEL_TYPES:
        raise Skip(f"level {level or 'missing'} not understood")
    if row.get("variant_origin") in SKIPPED_ORIGINS:
        raise Skip("common germline variant (pharmacogenomic) not imported")
    if str(row.get("is_flagged", "")).lower() == "true":
        raise Skip("flagged in CIViC for review")


def evidence_type(row: dict, assertion: dict | None = None) -> str:
    """Our evidence type for a CIViC level; level A is fda/guideline only when the source says so.

    ``assertion``: a CIViC predictive assertion that lists this evidence item for the same
    disease; its ``regulatory_approval`` / ``nccn_guideline`` fields count as the source saying so.
    """
    level = row.get("evidence_level", "")
    if level != "A":
        return LEVEL_TYPES[level]
    if assertion is not None and assertion.get("regulatory_approval") == "true":
        return "fda"
    statement = row.get("evidence_statement", "")
    if _FDA_TEXT.search(statement):
        return "fda"
    if (assertion is not None and assertion.get("nccn_guideline")) or \
            _GUIDELINE_TEXT.search(statement):
        return "guideline"
    return "clinical"


def split_therapies(therapies: str, interaction: str) -> list[list[str]]:
    """Therapy options of one row: a Combination is one option; Substitutes/Sequential one each."""
    drugs = [t.strip() for t in therapies.split(",") if t.strip()]
    if not drugs:
        raise Skip("no therapy")
    if len(drugs) > 1 and interaction == "Combination":
        return [drugs]
    return [[d] for d in drugs]


def drug_key(name: str, known: dict[str, str]) -> str:
    """Our therapy name for a CIViC drug: a curated name or synonym if one matches, else lower case.

    ``known`` maps lower-cased curated names and synonyms to the curated name.
    """
    low = " ".join(name.split()).lower()
    return known.get(low, low)


def slug(text: str) -> str:
    """Upper-case id fragment: 'Trastuzumab Deruxtecan' -> 'TRASTUZUMAB-DERUXTECAN'."""
    return re.sub(r"[^A-Z0-9]+", "-", text.upper()).strip("-")


def evidence_ids(eid: str, options: list[list[str]]) -> list[str]:
    """Stable ids: ``CIVIC-EID<n>`` for one option, else ``CIVIC-EID<n>-<DRUG>`` per option."""
    base = f"CIVIC-EID{eid}"
    if len(options) == 1:
        return [base]
    return [f"{base}-{'-'.join(slug(d) for d in opt)}" for opt in options]


def statement(row: dict, level_type: str, therapy: list[str], disease: str) -> str:
    """A neutral one-liner from structured fields (CIViC's own prose is not copied)."""
    direction = ACCEPTED_SIGNIFICANCE[row["significance"]]
    what = "sensitivity" if direction == "sensitivity" else "resistance"
    return (f"CIViC evidence (level {row['evidence_level']}, {level_type}): {what} of "
            f"{row['molecular_profile']} to {' + '.join(therapy)} in {disease}.")


def nct_ids(text: str) -> list[str]:
    """NCT ids listed in CIViC's ``nct_ids`` column, in order, each once."""
    return list(dict.fromkeys(re.findall(r"NCT\d{8}", text or "")))


# ----------------------------------------------------------------------------- dedupe
@lru_cache(maxsize=1)
def _default_oncotree():
    from matcher.paths import default_reference_dir
    from matcher.reference.tumors import OncoTree

    try:
        return OncoTree.load(default_reference_dir())
    except Exception:  # no reference data: fall back to shared codes only
        return None


def scopes_overlap(a: Iterable[str], b: Iterable[str], oncotree=None) -> bool:
    """True when two scopes share a tumor type (a code within the other's, SOLID included)."""
    a, b = list(a), list(b)
    if not a or not b:
        return False
    if set(a) & set(b):
        return True
    if oncotree is None:
        return False
    for x in a:
        for y in b:
            if "SOLID" in (x, y):
                other = y if x == "SOLID" else x
                if other == "SOLID" or oncotree.is_solid(other) or other == "TISSUE":
                    return True
                continue
            if oncotree.is_within(x, y) or oncotree.is_within(y, x):
                return True
    return False


def dedupe_against_curated(curated_items: Sequence, civic_items: Sequence,
                           oncotree=None) -> tuple[list, list]:
    """Split imported evidence into (kept, dropped): curated wins where both speak.

    A CIViC item is dropped when a curated item of the same gene has the same alteration
    criterion, the same set of drugs and a scope that overlaps (one code within the other;
    ``SOLID`` overlaps every solid tumor type). Direction and evidence type are not compared:
    a curator who reviewed that biomarker, therapy and tumor type has the last word. An imported
    item with an empty scope (disease kept by name) never overlaps. ``oncotree`` defaults to the
    shipped OncoTree; without one, scopes overlap only when they share a code.
    """
    tree = oncotree if oncotree is not None else _default_oncotree()
    index: dict[tuple, list] = {}
    for c in curated_items:
        index.setdefault((c.gene, c.criterion, frozenset(c.therapy)), []).append(c)
    kept, dropped = [], []
    for e in civic_items:
        same = index.get((e.gene, e.criterion, frozenset(e.therapy)), [])
        if any(scopes_overlap(c.scope, e.scope, tree) for c in same):
            dropped.append(e)
        else:
            kept.append(e)
    return kept, dropped
