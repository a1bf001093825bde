"""Rules of the approvals import: one fact-table row -> KB evidence items, or a skip reason.

The tables (``knowledgebase/approvals/source/``: FDA biomarker approvals, label limitations, NCCN
recommendations) state each biomarker in words as the label does ("exon 19 deletion", "any
fusion", "deleterious or suspected deleterious variant, germline or somatic"). This module says
which alteration criterion (docs/kb-schema.md) is that biomarker, builds the evidence items in our
own words with the label (or guideline) as citation, and names the reason when a row cannot be
expressed. The file I/O is :mod:`matcher.kb.approvals_import`; docs/approvals.md describes both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SOURCE = "approvals"
LOF = {"type": "consequence", "classes": ["loss_of_function"]}
DEEP_DELETION = {"type": "copy_number", "states": ["deep_deletion"]}
INFRAME_SUBSTITUTIONS = ["missense", "inframe_deletion", "inframe_insertion", "inframe_delins"]
EXON19_DELETION = {"type": "exon", "exons": [19], "consequences": ["inframe_deletion",
                                                                    "inframe_delins"]}
EXON20_INSERTION = {"type": "exon", "exons": [20], "consequences": ["inframe_insertion"]}
L858R = {"type": "variant", "changes": ["L858R"]}
# "EGFR sensitizing mutation": the common sensitizing classes the labels name (exon 19 deletion,
# L858R) and the uncommon ones afatinib's label names (G719X, L861Q, S768I).
EGFR_SENSITIZING_PARTS = [EXON19_DELETION, L858R,
                          {"type": "codon", "codons": [719], "consequences": ["missense"]},
                          {"type": "variant", "changes": ["L861Q", "S768I"]}]
# "Resistant EGFR mutations" / "EGFR mutations other than exon 19 deletion or L858R" in the
# first- and second-generation TKI labels: read as the two resistance classes the NCCN rows name
# (T790M, exon 20 insertions). C797S is left out on purpose: without T790M it does not make
# first-generation TKIs ineffective.
EGFR_TKI_RESISTANT_PARTS = [{"type": "variant", "changes": ["T790M"]}, EXON20_INSERTION]
# "NTRK fusion with a known acquired resistance mutation" (larotrectinib, entrectinib labels):
# the label names none; these are the NTRK kinase-domain changes CIViC (01-Aug-2024) records as
# acquired resistance to larotrectinib or entrectinib (EID9593, EID11350-EID11359, EID9592,
# EID1874, EID10093, EID11515). NTRK2: none in our sources.
NTRK_RESISTANCE = {"NTRK1": ["G595R", "F589L", "G667S", "G667C"],
                   "NTRK3": ["G623R", "F617L"]}
FUSION_PARTNER = re.compile(r"^([A-Z0-9-]+)::([A-Z0-9-]+)")


class Skip(Exception):
    """A row that cannot become evidence; the message is the reason written to SKIPPED.tsv."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Mapped:
    """The criterion of one row's biomarker, the gene file it goes to, and what was read."""

    criterion: dict
    gene: str | None  # None: signatures.yaml
    note: str = ""  # how the biomarker was read, when not literally
    extra: list[str] = field(default_factory=list)


def any_of(gene: str, parts: list[dict]) -> dict:
    """An any_of criterion over alternatives of one gene."""
    return {"type": "any_of", "items": [{"gene": gene, "alteration": p} for p in parts]}


def biomarker_criterion(row: dict) -> Mapped:
    """The alteration criterion of a row's biomarker (Skip when it cannot be expressed)."""
    gene, kind = row["gene"].strip(), row["biomarker_kind"].strip()
    text = row["biomarker"].strip()
    low = text.lower()
    germline = row.get("origin", "").strip() == "germline"
    if kind == "signature":
        return Mapped(_signature(text), None)
    if kind == "deletion" and not gene:
        raise Skip("cytogenetic arm deletion: no criterion",
                   f"{text}: a karyotype/FISH result; lab JSON and VCF carry no arm-level call")
    if not gene:
        raise Skip("no gene", text)
    if kind in ("fusion", "rearrangement"):
        return Mapped(_fusion(gene, text), gene)
    if kind == "amplification":
        return Mapped({"type": "copy_number", "states": ["amplification"]}, gene,
                      "an amplification call stands for the label's ISH-amplified test"
                      if "ish" in low else "")
    if kind == "exon_deletion" and gene == "EGFR" and "exon 19" in low:
        return Mapped(EXON19_DELETION, gene, "any in-frame deletion (or deletion-insertion) in "
                      "exon 19")
    if kind == "exon_insertion" and "exon 20" in low:
        return Mapped(EXON20_INSERTION, gene, "any in-frame insertion or duplication in exon 20")
    if kind == "exon_skipping" and gene == "MET":
        return Mapped({"type": "exon_skipping", "exons": [14]}, gene)
    if kind == "protein_change":
        return Mapped(_protein_changes(gene, text), gene)
    if kind == "codon":
        m = re.match(r"^([A-Z])(\d+) mutation", text)
        if not m:
            raise Skip("codon not understood", text)
        return Mapped({"type": "codon", "codons": [int(m.group(2))],
                       "consequences": ["missense"]}, gene, f"any substitution at codon "
                      f"{m.group(1)}{m.group(2)}")
    if kind in ("germline_pathogenic", "loss_of_function"):
        return _loss_of_function(gene, text, germline)
    if kind == "mutation_class":
        return _mutation_class(gene, text)
    if kind == "deletion":
        raise Skip("deletion not understood", text)
    raise Skip(f"biomarker kind {kind!r} not understood", text)


def _signature(text: str) -> dict:
    low = text.lower()
    if low.startswith("msi-h"):
        return {"type": "signature", "signature": "MSI", "values": ["MSI-H"]}
    if low.startswith("dmmr"):
        return {"type": "signature", "signature": "MMR", "values": ["deficient"]}
    m = re.match(r"^tmb\s*>=\s*(\d+(?:\.\d+)?)", low)
    if m:
        return {"type": "signature", "signature": "TMB", "min": float(m.group(1))}
    if low.startswith("tmb-high"):
        raise Skip("TMB-high without a threshold", text)
    if low.startswith("hrd"):
        raise Skip("HRD score: not a signature Matcher reads",
                   f"{text}: a genomic-instability score from a companion test; lab JSON has no "
                   "HRD field (BRCA1/BRCA2 rows of the same label are imported)")
    raise Skip("signature not understood", text)


def _fusion(gene: str, text: str) -> dict:
    m = FUSION_PARTNER.match(text)
    if m:
        five, three = m.groups()
        partner = five if three == gene else three
        return {"type": "fusion", "partner": partner}
    return {"type": "fusion"}  # any partner, or a rearrangement with no partner named


def _protein_changes(gene: str, text: str) -> dict:
    if text.startswith("K27M (histone numbering"):
        # Labs write H3 K27M in histone numbering; HGVS counts the initiator Met (p.K28M).
        return {"type": "variant", "changes": ["K27M", "K28M"]}
    changes = [c.strip() for c in text.split("|") if c.strip()]
    if not changes or not all(re.fullmatch(r"[A-Z]\d+(?:[A-Z*]|del|fs\*\d+|Cfs\*\d+)", c)
                              or re.fullmatch(r"[A-Z]\d+[A-Z]fs\*\d+", c) for c in changes):
        raise Skip("protein change not understood", text)
    return {"type": "variant", "changes": changes}


def _loss_of_function(gene: str, text: str, germline: bool) -> Mapped:
    low = text.lower()
    if germline:
        crit = dict(LOF, origin="germline")
        return Mapped(crit, gene, "germline loss-of-function variant (nonsense, frameshift, "
                      "canonical splice site, start loss); a call of unknown origin meets it, a "
                      "somatic call does not")
    if "deleterious" in low or "loss-of-function" in low:
        return Mapped(any_of(gene, [LOF, DEEP_DELETION]), gene,
                      "loss-of-function variant (nonsense, frameshift, canonical splice site, "
                      "start loss) or homozygous (deep) deletion, germline or somatic")
    if "nonsense" in low or "frameshift" in low:  # NCCN rows: "nonsense|frameshift|splice site"
        return Mapped(LOF, gene, "a truncating (nonsense, frameshift or canonical splice-site) "
                      "variant")
    raise Skip("loss-of-function class not understood", text)


def _mutation_class(gene: str, text: str) -> Mapped:
    low = text.lower()
    if gene in ("KRAS", "NRAS") and ("activating" in low or "any" in low) \
            and "exon" not in low:
        if low.startswith("any kras mutation"):
            return Mapped({"type": "any"}, gene, "any KRAS mutation (label: KRAS-mutated)")
        return Mapped({"type": "hotspot"}, gene, "an activating (hotspot) RAS mutation")
    if re.search(r"exon \d+ mutation", low):
        exons = sorted({int(x) for x in re.findall(r"exon (\d+) mutation", low)})
        return Mapped({"type": "exon", "exons": exons, "consequences": INFRAME_SUBSTITUTIONS},
                      gene, "a missense or in-frame change in exon " + "/".join(map(str, exons)))
    if gene == "EGFR":
        if "sensitizing" in low or low.startswith("activating mutation"):
            return Mapped(any_of(gene, EGFR_SENSITIZING_PARTS), gene,
                          "an EGFR sensitizing mutation: exon 19 deletion, L858R, G719X, L861Q "
                          "or S768I")
        if "resistant" in low or "other than exon 19" in low:
            return Mapped(any_of(gene, EGFR_TKI_RESISTANT_PARTS), gene,
                          "read as the resistance classes T790M and exon 20 insertion (the "
                          "label does not list them; the NCCN rows for gefitinib name these two)")
    if gene == "ERBB2" and ("activating" in low):
        return Mapped(any_of(gene, [{"type": "hotspot"}, EXON20_INSERTION]), gene,
                      "an activating (hotspot) ERBB2 mutation or exon 20 insertion")
    if gene == "FLT3" and "itd" in low:
        return Mapped(any_of(gene, [{"type": "variant", "changes": ["ITD"]},
                                    {"type": "exon", "exons": [14],
                                     "consequences": ["inframe_insertion"]}]), gene,
                      "FLT3 ITD as written, or an in-frame insertion in exon 14 (the "
                      "juxtamembrane domain)")
    if gene == "NPM1" and "frameshift" in low:
        # The label's exon 12 (older NPM1 transcript) is exon 11 of MANE Select, codons 283-295.
        return Mapped({"type": "region", "start": 283, "end": 295,
                       "consequences": ["frameshift"]}, gene,
                      "a frameshift in the C-terminal exon (codons 283-295; exon 12 of the label "
                      "= exon 11 of the MANE Select transcript)")
    if "nonsense" in low or "frameshift" in low:
        raise Skip("loss-of-function class in a prognostic row", text)
    if "wild-type" in low:
        raise Skip("wild-type: the absence of a mutation is not a criterion", text)
    if "acquired resistance mutation" in low:
        if gene in NTRK_RESISTANCE:
            changes = NTRK_RESISTANCE[gene]
            return Mapped({"type": "variant", "changes": changes}, gene,
                          "the kinase-domain mutations CIViC records as acquired resistance to "
                          f"TRK inhibitors ({', '.join(changes)}); the label names none")
        raise Skip("names no mutation", f"{text}: the label lists no specific mutation and "
                   f"our sources record none for {gene}")
    m = re.search(r"e\.g\. ([A-Z]\d+[A-Z])", text)
    if "activating" in low or "oncogenic" in low or "any" in low:
        if m:
            return Mapped({"type": "hotspot", "changes": [m.group(1)]}, gene,
                          f"{m.group(1)} or another activating (hotspot) mutation")
        if "oncogenic" in low or low.startswith("any"):
            return Mapped({"type": "any"}, gene, "any mutation of the gene (the oncogenicity "
                          "rules decide which variants count)")
        return Mapped({"type": "hotspot"}, gene, "an activating (hotspot) mutation")
    if "missense" in low:
        return Mapped({"type": "consequence", "classes": ["missense"]}, gene)
    raise Skip("mutation class not understood", text)
