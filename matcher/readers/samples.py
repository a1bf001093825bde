"""Multi-sample lab tables (MAF, copy-number and structural-variant tables): calls grouped by
sample, each sample's tumor type from a cBioPortal clinical sidecar, one Report per sample."""

from __future__ import annotations

from dataclasses import dataclass, field

from matcher.errors import PayloadTooLarge, Problem
from matcher.model import Report
from matcher.readers.options import ReadOptions
from matcher.readers.tables import cell, read_table, table_error

_LINE = "\x00line"  # the sidecar line of a sample (not a column name: no NUL in a header)


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


@dataclass
class SampleCalls:
    """The calls of one sample, in file order."""

    variants: list = field(default_factory=list)
    fusions: list = field(default_factory=list)
    copy_numbers: list = field(default_factory=list)
    build: str | None = None
    warnings: list[str] = field(default_factory=list)


class Samples:
    """Calls grouped by sample, in first-seen order, honouring ``options.sample`` and
    ``options.max_samples``."""

    def __init__(self, options: ReadOptions, name: str | None, what: str, column: str):
        self.options, self.name, self.what, self.column = options, name, what, column
        self.by_sample: dict[str, SampleCalls] = {}

    def get(self, sample: str | None, line: int) -> SampleCalls | None:
        """The calls of ``sample`` (None: not the sample the caller asked for)."""
        if not sample:
            raise table_error(self.name, self.what, f"{self.column} is empty", line, self.column)
        if self.options.sample and sample != self.options.sample:
            return None
        if sample not in self.by_sample:
            limit = self.options.max_samples
            if limit is not None and len(self.by_sample) >= limit:
                raise PayloadTooLarge(f"more than {limit} samples", [Problem(
                    f"more than {limit} tumor samples", line=line, field=self.column,
                    expected=f"at most {limit} (MATCHER_MAX_SAMPLES)")])
            self.by_sample[sample] = SampleCalls()
        return self.by_sample[sample]

    def reports(self, fmt: str) -> list[Report]:
        """One Report per sample; tumor types from the clinical sidecar, if any."""
        options = self.options
        if options.sample and not self.by_sample:
            raise table_error(self.name, self.what,
                              f"sample {options.sample!r} is not in the {self.what}", None,
                              "sample")
        clinical = read_clinical(options.clinical_sidecar, options.max_decompressed_bytes) \
            if options.clinical_sidecar else {}
        reports = []
        for sample, calls in self.by_sample.items():
            info = clinical.get(sample, {})
            warnings = list(calls.warnings)
            if clinical and not info:
                warnings.append(f"sample {sample} is not in the clinical sidecar; tumor type "
                                "unknown")
            report_id = sample if not options.report_id else (
                options.report_id if len(self.by_sample) == 1
                else f"{options.report_id}-{sample}")
            from_sidecar = not options.tumor_type and info.get("ONCOTREE_CODE")
            reports.append(Report(
                tumor_type_source=f"clinical sidecar line {info[_LINE]}, ONCOTREE_CODE"
                if from_sidecar else None,
                report_id=report_id,
                tumor_type=options.tumor_type or info.get("ONCOTREE_CODE") or None,
                genome_build=calls.build or options.genome_build, lab=options.lab,
                patient_id=info.get("PATIENT_ID") or None, variants=tuple(calls.variants),
                fusions=tuple(calls.fusions), copy_numbers=tuple(calls.copy_numbers),
                source_format=fmt, sample=sample, warnings=tuple(warnings)))
        return reports
