"""MAF (cBioPortal / GDC convention) -> one Report per Tumor_Sample_Barcode.

A clinical sidecar (cBioPortal ``data_clinical_sample.txt``: ``#`` header lines, then
``SAMPLE_ID``, ``PATIENT_ID``, ``ONCOTREE_CODE`` …) gives each sample its tumor type.
"""

from __future__ import annotations

from matcher.errors import PayloadTooLarge, Problem
from matcher.model import Report, VariantCall
from matcher.readers.options import ReadOptions
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


def read_clinical(data: bytes, limit: int) -> dict[str, dict[str, str]]:
    """SAMPLE_ID -> {ONCOTREE_CODE, PATIENT_ID, …} from a cBioPortal clinical sample file."""
    what = "clinical sidecar"
    t = read_table(data, limit, "clinical sidecar", what)
    i_sample = t.index("SAMPLE_ID")
    if i_sample is None:
        raise table_error("clinical sidecar", what, "column 'SAMPLE_ID' is missing",
                          t.header_line, "SAMPLE_ID", "SAMPLE_ID and ONCOTREE_CODE columns")
    out = {}
    for n, row in t.rows:
        sample = cell(row, i_sample)
        if sample:
            out[sample] = {c.upper(): (cell(row, i) or "") for i, c in enumerate(t.columns)}
            out[sample][_LINE] = str(n)
    return out


_LINE = "\x00line"  # the sidecar line of a sample (not a column name: no NUL in a header)


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
    clinical = read_clinical(options.clinical_sidecar, options.max_decompressed_bytes) \
        if options.clinical_sidecar else {}
    by_sample: dict[str, list[VariantCall]] = {}
    builds: dict[str, str | None] = {}
    for n, row in t.rows:
        sample = cell(row, col["sample"])
        if not sample:
            raise table_error(name, WHAT, "Tumor_Sample_Barcode is empty", n,
                              "Tumor_Sample_Barcode")
        if options.sample and sample != options.sample:
            continue
        call, build = _call(row, col, n, name, options, t.columns)
        if sample not in by_sample and options.max_samples is not None \
                and len(by_sample) >= options.max_samples:
            raise PayloadTooLarge(f"more than {options.max_samples} samples", [Problem(
                f"more than {options.max_samples} tumor samples", line=n,
                field="Tumor_Sample_Barcode",
                expected=f"at most {options.max_samples} (MATCHER_MAX_SAMPLES)")])
        by_sample.setdefault(sample, []).append(call)
        builds.setdefault(sample, build)
    if options.sample and not by_sample:
        raise table_error(name, WHAT, f"sample {options.sample!r} is not in the MAF", None,
                          "sample")
    reports = []
    for sample, calls in by_sample.items():
        info = clinical.get(sample, {})
        warnings = []
        if clinical and not info:
            warnings.append(f"sample {sample} is not in the clinical sidecar; tumor type unknown")
        report_id = sample if not options.report_id else (
            options.report_id if len(by_sample) == 1 else f"{options.report_id}-{sample}")
        from_sidecar = not options.tumor_type and info.get("ONCOTREE_CODE")
        reports.append(Report(
            tumor_type_source=f"clinical sidecar line {info[_LINE]}, ONCOTREE_CODE"
            if from_sidecar else None,
            report_id=report_id, tumor_type=options.tumor_type or info.get("ONCOTREE_CODE") or None,
            genome_build=builds.get(sample) or options.genome_build, lab=options.lab,
            patient_id=info.get("PATIENT_ID") or None, variants=tuple(calls),
            source_format="maf", sample=sample, warnings=tuple(warnings)))
    return reports


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
