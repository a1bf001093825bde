"""MAF (cBioPortal / GDC convention) -> one Report per Tumor_Sample_Barcode.

A clinical sidecar (cBioPortal ``data_clinical_sample.txt``: ``#`` header lines, then
``SAMPLE_ID``, ``PATIENT_ID``, ``ONCOTREE_CODE`` …) gives each sample its tumor type.
"""

from __future__ import annotations

from matcher.errors import PayloadTooLarge, Problem
from matcher.model import Report, VariantCall
from matcher.readers.options import ReadOptions
from matcher.readers.samples import Samples
from matcher.readers.tables import cell, int_cell, read_table, table_error
from matcher.untrusted import ascii_int

WHAT = "MAF"
# MAF Variant_Classification -> Sequence Ontology term (as vcf2maf maps them, reversed).
CLASSIFICATION_TO_SO = {
    "Missense_Mutation": "missense_variant", "Nonsense_Mutation": "stop_gained",
    "Frame_Shift_Del": "frameshift_variant", "Frame_Shift_Ins": "frameshift_variant",
    "In_Frame_Del": "inframe_deletion", "In_Frame_Ins": "inframe_insertion",
    "Splice_Site": "splice_acceptor_variant&splice_donor_variant",
    "Splice_Region": "splice_region_variant", "Translation_Start_Site": "start_lost",
    "Nonstop_Mutation": "stop_lost", "Silent": "synonymous_variant",
    "3'UTR": "3_prime_UTR_variant", "5'UTR": "5_prime_UTR_variant",
    "3'Flank": "downstream_gene_variant", "5'Flank": "upstream_gene_variant",
    "Intron": "intron_variant", "IGR": "intergenic_variant",
    "RNA": "non_coding_transcript_exon_variant", "Targeted_Region": None,
}
_BUILDS = {"37": "GRCh37", "grch37": "GRCh37", "hg19": "GRCh37", "grch37-lite": "GRCh37",
           "38": "GRCh38", "grch38": "GRCh38", "hg38": "GRCh38"}


def read_maf(data: bytes, options: ReadOptions = ReadOptions(), name: str | None = None
             ) -> list[Report]:
    """One unnormalised Report per tumor sample, in first-seen order."""
    t = read_table(data, options.max_decompressed_bytes, name, WHAT)
    col = {key: t.index(*names) for key, names in {
        "gene": ("Hugo_Symbol",), "sample": ("Tumor_Sample_Barcode",),
        "protein": ("HGVSp_Short", "HGVSp", "Protein_Change", "amino_acid_change"),
        "cdna": ("HGVSc",), "class": ("Variant_Classification",), "csq": ("Consequence",),
        "chrom": ("Chromosome",), "start": ("Start_Position", "Start_position"),
        "ref": ("Reference_Allele",), "alt2": ("Tumor_Seq_Allele2",),
        "alt1": ("Tumor_Seq_Allele1",), "build": ("NCBI_Build",),
        "t_alt": ("t_alt_count",), "t_ref": ("t_ref_count",), "t_depth": ("t_depth",),
        "status": ("Mutation_Status",), "filter": ("FILTER",),
        "transcript": ("Transcript_ID", "RefSeq"), "exon": ("Exon_Number",),
    }.items()}
    for key, column in (("gene", "Hugo_Symbol"), ("sample", "Tumor_Sample_Barcode")):
        if col[key] is None:
            raise table_error(name, WHAT, f"column {column!r} is missing", t.header_line, column,
                              "a MAF header with Hugo_Symbol and Tumor_Sample_Barcode")
    if len(t.rows) > options.max_variants:
        raise PayloadTooLarge(f"more than {options.max_variants} variants",
                              [Problem(f"{len(t.rows)} rows; the limit is {options.max_variants}")])
    samples = Samples(options, name, WHAT, "Tumor_Sample_Barcode")
    for n, row in t.rows:
        calls = samples.get(cell(row, col["sample"]), n)
        if calls is None:
            continue
        call, build = _call(row, col, n, name, options, t.columns)
        calls.variants.append(call)
        calls.build = calls.build or build
    return samples.reports("maf")


def _call(row: list[str], col: dict, n: int, name: str | None, options: ReadOptions,
          col_names: list[str]) -> tuple[VariantCall, str | None]:
    build_text = cell(row, col["build"])
    build = _BUILDS.get(build_text.lower()) if build_text else None
    if build_text and build is None:
        raise table_error(name, WHAT, f"NCBI_Build {build_text!r} is not known", n, "NCBI_Build",
                          "GRCh37 or GRCh38")
    if build and options.genome_build and build != options.genome_build:
        raise table_error(name, WHAT, f"NCBI_Build {build_text} contradicts the given genome "
                          f"build {options.genome_build}", n, "NCBI_Build")
    ref = cell(row, col["ref"])
    alt = cell(row, col["alt2"])
    if alt is not None and ref is not None and alt == ref:
        alt = cell(row, col["alt1"])
    t_alt = int_cell(row, col["t_alt"], name, WHAT, n, "t_alt_count")
    depth = int_cell(row, col["t_depth"], name, WHAT, n, "t_depth")
    if depth is None and t_alt is not None:
        t_ref = int_cell(row, col["t_ref"], name, WHAT, n, "t_ref_count")
        depth = t_alt + t_ref if t_ref is not None else None
    vaf = t_alt / depth if t_alt is not None and depth else None
    status = (cell(row, col["status"]) or "").lower()
    origin = status if status in ("somatic", "germline") else "unknown"
    classification = cell(row, col["class"])
    consequence = cell(row, col["csq"]) or CLASSIFICATION_TO_SO.get(classification or "")
    filt = cell(row, col["filter"])
    reason = f"FILTER={filt}" if filt and filt != "PASS" else None
    if reason is None and vaf is not None and vaf < options.min_vaf:
        reason = f"VAF {vaf:.3g} below the minimum {options.min_vaf:g}"
    if reason is None and depth is not None and depth < options.min_depth:
        reason = f"depth {depth} below the minimum {options.min_depth}"
    exon_text = cell(row, col["exon"])
    exon = ascii_int(exon_text.split("/")[0], max_value=500) if exon_text else None
    protein = cell(row, col["protein"])
    return VariantCall(
        source=f"line {n}", gene=cell(row, col["gene"]),
        protein_change=protein if protein not in (None, "p.") else None,
        protein_field=f"column {col['protein'] + 1} ({col_names[col['protein']]})"
        if col["protein"] is not None else None,
        cdna_change=cell(row, col["cdna"]), transcript=cell(row, col["transcript"]),
        consequence=consequence, exon=exon, chrom=cell(row, col["chrom"]),
        pos=int_cell(row, col["start"], name, WHAT, n, "Start_Position"),
        ref=ref, alt=alt, build=build,  # MAF indels keep their '-' alleles
        vaf=vaf, depth=depth, origin=origin, filter_reason=reason), build
