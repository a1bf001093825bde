"""What a caller tells a reader beyond the file itself, and the formats there are readers for.

Its own module so that every reader can import it without importing the package that
dispatches to the readers.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = ("labjson", "vcf", "bcf", "maf", "star-fusion", "arriba", "fusioncatcher", "cna",
           "sv")


@dataclass(frozen=True)
class ReadOptions:
    """What the caller tells a reader beyond the file itself (CLI flags, API form fields)."""

    report_id: str | None = None  # default: derived from the sample / file name
    tumor_type: str | None = None  # overrides the file's own
    sample: str | None = None  # which sample of a multi-sample file is the tumor
    normal_sample: str | None = None
    genome_build: str | None = None  # stated build; must agree with the file's contigs
    min_vaf: float = 0.0  # calls below are listed as filtered
    min_depth: int = 0
    max_variants: int = 100_000  # more records than this in a report: PayloadTooLarge
    max_samples: int | None = None  # more sample columns / MAF samples: PayloadTooLarge
    max_decompressed_bytes: int = 2 * 1024**3  # gzip-bomb guard
    lab: str | None = None
    clinical_sidecar: bytes | None = None  # MAF: SAMPLE_ID -> ONCOTREE_CODE table
    # A VCF larger than this (bytes as given, compressed or not) is read only in the KB genes'
    # regions, with a warning saying so; smaller files are read whole.
    region_threshold_bytes: int = 20 * 1024**2
