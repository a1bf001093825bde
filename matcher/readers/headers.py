"""What the header of a gene table says it is: copy-number layouts, structural-variant
tables, and the copy-number level of a cell. A leaf module: :mod:`.detect`, :mod:`.cna` and
:mod:`.sv_tables` all use it without importing each other."""

from __future__ import annotations

import re

GENE_COLUMNS = ("Hugo_Symbol", "Gene Symbol", "hugoGeneSymbol", "Gene")
ID_COLUMNS = ("Entrez_Gene_Id", "Locus ID", "Gene ID", "Cytoband", "entrezGeneId")
SAMPLE_COLUMNS = ("Tumor_Sample_Barcode", "Sample_Id", "sampleId")
VALUE_COLUMNS = ("Copy_Number_Alteration", "CNA", "GISTIC", "Value", "alteration")
# Value column names that say "copy number" by themselves; 'Value'/'alteration' need the values.
SPECIFIC_VALUE_COLUMNS = ("Copy_Number_Alteration", "CNA", "GISTIC")

_STATES = {"2": "amplification", "amplification": "amplification", "amp": "amplification",
           "-2": "deep_deletion", "deletion": "deep_deletion", "deep_deletion": "deep_deletion",
           "deepdeletion": "deep_deletion", "homdel": "deep_deletion",
           "1": "gain", "gain": "gain", "-1": "loss", "loss": "loss",
           "shallow_deletion": "loss", "shallowdeletion": "loss", "hetloss": "loss",
           "-1.5": "loss",  # not a cBioPortal level; some tools write it: listed, not assessed
           "0": None, "neutral": None, "diploid": None}
_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]*)?")


def level(value: str) -> tuple[bool, str | None]:
    """(is a copy-number level, state or None for no call) of one cell's text."""
    text = value.strip().lower()
    if _NUMBER.fullmatch(text) and text not in _STATES:
        number = float(text)
        if number.is_integer() and str(int(number)) in _STATES:
            text = str(int(number))  # '2.0', '+2'
    if text in _STATES:
        return True, _STATES[text]
    return False, None


def layout(columns: list[str], rows: list[list[str]] | None = None) -> str | None:
    """'wide', 'long' or None, from a header (and, for generic value columns, some rows)."""
    lower = [c.strip().lower() for c in columns]

    def has(names) -> int | None:
        return next((lower.index(n.lower()) for n in names if n.lower() in lower), None)

    gene, sample, value = has(GENE_COLUMNS), has(SAMPLE_COLUMNS), has(VALUE_COLUMNS)
    if gene is not None and sample is not None and value is not None:
        if columns[value].strip().lower() in {c.lower() for c in SPECIFIC_VALUE_COLUMNS}:
            return "long"
        values = [r[value] for r in (rows or []) if len(r) > value and r[value].strip()]
        if values and all(level(v)[0] or v.strip().upper() in ("NA", "NAN") for v in values):
            return "long"
        return None
    if lower and lower[0] in ("hugo_symbol", "gene symbol") and sample is None:
        # the sample cells hold numbers (discrete levels, or continuous values the reader then
        # refuses with their line) or OncoKB's words; text such as 'V600E' is something else
        ids = {c.lower() for c in ID_COLUMNS}
        cells = [r[i].strip() for r in rows or [] for i in range(1, min(len(r), len(lower)))
                 if lower[i] not in ids and r[i].strip()]
        if all(_is_number(c) or level(c)[0] or c.upper() in ("NA", "NAN") for c in cells):
            return "wide"
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


SV_SAMPLE_COLUMNS = ("Sample_Id", "Tumor_Sample_Barcode", "sampleId")
GENE_A = ("Site1_Hugo_Symbol", "Site1_Gene", "GeneA", "Gene1")
GENE_B = ("Site2_Hugo_Symbol", "Site2_Gene", "GeneB", "Gene2")
TYPE_COLUMNS = ("Class", "Sv_Type", "SV_Class_Name")
# MAF columns: a table with a Fusion column and one of these is a MAF, not a fusion list.
MUTATION_COLUMNS = ("HGVSp_Short", "HGVSp", "HGVSc", "Variant_Classification", "Start_Position",
                    "Reference_Allele", "Tumor_Seq_Allele2", "Protein_Change",
                    "amino_acid_change")


def is_sv_header(columns: list[str]) -> bool:
    """True for the header of a table this module reads."""
    lower = {c.strip().lower() for c in columns}

    def has(names) -> bool:
        return any(n.lower() in lower for n in names)

    if "site1_hugo_symbol" in lower or "site2_hugo_symbol" in lower:
        return True
    if not has(SV_SAMPLE_COLUMNS):
        return False
    return (has(GENE_A) and has(GENE_B)) or ("fusion" in lower and not has(MUTATION_COLUMNS))
