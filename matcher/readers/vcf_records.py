"""What every VCF reader shares: the record reader (:class:`VcfReader`, one line at a time),
region filters, sample choice and the error helper. :mod:`~matcher.readers.vcf` (whole files),
:mod:`~matcher.readers.vcf_stream` (indexed files through htslib) and
:mod:`~matcher.readers.vcf_bgzf` (bgzipped bytes) build on it; it imports none of them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence

from matcher.errors import FileFormatError, PayloadTooLarge, Problem
from matcher.model import Report, VariantCall
from matcher.readers.options import ReadOptions
from matcher.readers.sv import SvCollector, SvRecord, is_sv_allele
from matcher.readers.vcf_annotations import Annotations
from matcher.readers.vcf_header import LENIENT_KEY, VcfHeader, infer_build
from matcher.readers.vcf_support import allele_support, carries, count_ok, normal_carries
from matcher.untrusted import MAX_INT32, ascii_int, is_ascii_int

Region = tuple[str, int, int]
_BASES = re.compile(r"^[ACGTNacgtn]+$")
_ALT = re.compile(r"^([ACGTNacgtn]+|\.|\*|<[^<>]+>|\.[ACGTNacgtn]+|[ACGTNacgtn]+\.|"
                  r"[ACGTNacgtn]*[\[\]][^\[\]]+[\[\]][ACGTNacgtn]*)$")
_GT = re.compile(r"^[/|]?(\.|\d+)([/|](\.|\d+))*[/|]?$", re.ASCII)
def _without_af(info: dict) -> dict:
    """INFO without its AF key (a population frequency, not this sample's VAF)."""
    return {k: v for k, v in info.items() if k != "AF"}


_INFO_KEY = re.compile(r"^([A-Za-z_][0-9A-Za-z_.]*|1000G)$")
# INFO keys whose values a reader takes as numbers (VAF, depth, SV ends, supporting reads): a
# value of the wrong type there is refused; elsewhere it cannot change a match and is a warning.
NUMBERS_READ = frozenset({"AF", "DP", "VF", "SU", "END", "POS2"})
_NUMERIC = {"Integer": re.compile(r"^[-+]?\d{1,10}$|^\.$", re.ASCII),  # at most 10 digits
            "Float": re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^\.$|^[-+]?(inf|nan)$",
                                re.I | re.ASCII)}
_MAX_PROBLEMS = 20
_SKIP_ALTS = {"*", ".", "<*>", "<NON_REF>", "<X>"}


Regions = Sequence[Region] | Callable[[str | None], Sequence[Region] | None] | None


def _fail(name: str | None, problems: list[Problem]) -> FileFormatError:
    problems = [Problem(p.message, field=p.field, line=p.line, expected=p.expected,
                        source=p.source or name) for p in problems]
    first = problems[0]
    where = f"line {first.line}: " if first.line else ""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return FileFormatError(f"invalid VCF: {where}{first.message}{more}", problems)


def bare_chrom(chrom: str) -> str:
    """'chr7' -> '7', 'chrM' -> 'MT'."""
    c = chrom[3:] if chrom[:3].lower() == "chr" else chrom
    c = c.upper()
    return "MT" if c == "M" else c


class RegionFilter:
    """Fast membership test of a VCF data line in 0-based half-open regions."""

    def __init__(self, regions: Iterable[Region]):
        self.by_chrom: dict[str, list[tuple[int, int]]] = {}
        for chrom, start, end in regions:
            self.by_chrom.setdefault(bare_chrom(chrom), []).append((start, end))
        # Merged, sorted spans per chromosome: a lookup is one binary search.
        self._starts: dict[str, list[int]] = {}
        self._ends: dict[str, list[int]] = {}
        for key, spans in self.by_chrom.items():
            spans.sort()
            merged: list[list[int]] = []
            for s, e in spans:
                if merged and s <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], e)
                else:
                    merged.append([s, e])
            self._starts[key] = [s for s, _ in merged]
            self._ends[key] = [e for _, e in merged]
        self._names: dict[str, str] = {}  # chrom as written -> bare name

    def merged(self) -> dict[str, list[tuple[int, int]]]:
        """Bare chromosome -> its merged, sorted, disjoint (start, end) spans."""
        return {c: list(zip(s, self._ends[c])) for c, s in self._starts.items()}

    def contains(self, chrom: str | bytes, pos: int) -> bool:
        """True if 1-based ``pos`` on ``chrom`` (text or bytes) lies in a region."""
        key = self._names.get(chrom)
        if key is None:
            key = self._names[chrom] = bare_chrom(
                chrom if isinstance(chrom, str) else chrom.decode("utf-8", "replace"))
        starts = self._starts.get(key)
        if not starts:
            return False
        i = bisect.bisect_left(starts, pos) - 1  # last span starting before pos (0-based start)
        return i >= 0 and pos <= self._ends[key][i]

    def line_in(self, line: str) -> bool:
        """True if the data line's CHROM/POS fall in a region (unparseable lines: True)."""
        parts = line.split("\t", 2)
        pos = ascii_int(parts[1]) if len(parts) == 3 else None
        if pos is None:
            return True
        return self.contains(parts[0], pos)


def choose_samples(header: VcfHeader, options: ReadOptions, name: str | None
                   ) -> tuple[int | None, int | None]:
    """(tumor column index, normal column index) among the samples; never a guess."""
    samples = header.samples
    if not samples:
        if options.sample:
            raise _fail(name, [Problem(f"sample {options.sample!r} asked for, but the VCF has no "
                                       "sample columns", field="sample")])
        return None, None

    def index(sample: str | None, what: str) -> int | None:
        if sample is None:
            return None
        if sample not in samples:
            raise _fail(name, [Problem(f"{what} sample {sample!r} is not in the VCF", field=what,
                                       expected="one of " + ", ".join(samples))])
        return samples.index(sample)

    tumor = options.sample or header.meta.get("tumor_sample")
    normal = options.normal_sample or header.meta.get("normal_sample")
    if tumor is None and "TUMOR" in samples:
        tumor, normal = "TUMOR", normal or ("NORMAL" if "NORMAL" in samples else None)
    if tumor is None and len(samples) == 1:
        tumor = samples[0]
    if tumor is None and normal is not None and len(samples) == 2 and normal in samples:
        tumor = samples[1 - samples.index(normal)]
    if tumor is None:
        raise _fail(name, [Problem(f"the VCF has {len(samples)} samples and none is marked as the "
                                   "tumor (##tumor_sample, a TUMOR column, or the sample option)",
                                   field="sample", expected="one of " + ", ".join(samples))])
    t, n = index(tumor, "sample"), index(normal, "normal_sample")
    if t == n:
        raise _fail(name, [Problem("the tumor and normal sample are the same column",
                                   field="normal_sample")])
    return t, n


class VcfReader:
    """Turns validated data lines into calls; collects problems and warnings."""

    def __init__(self, header: VcfHeader, options: ReadOptions, name: str | None,
                 gene_spans=None):
        self.header, self.options, self.name = header, options, name
        if options.max_samples is not None and len(header.samples) > options.max_samples:
            raise PayloadTooLarge(f"the VCF has {len(header.samples)} samples", [Problem(
                f"{len(header.samples)} sample columns", field="#CHROM",
                expected=f"at most {options.max_samples} (MATCHER_MAX_SAMPLES)")])
        self.build = infer_build(header, options.genome_build, name)
        self.tumor, self.normal = choose_samples(header, options, name)
        self.ann = Annotations(header.info)
        # INFO AF is a sites-only file's VAF, unless an annotator put a population frequency
        # there (ANNOVAR's gnomAD/ExAC protocols write 'AF … provided by ANNOVAR').
        af_text = header.info.get("AF", {}).get("Description", "")
        self._info_af_is_vaf = not re.search(r"ANNOVAR|gnomAD|ExAC|1000 ?Genomes|population",
                                             af_text, re.I)
        self.sv = SvCollector(self.build, gene_spans)  # default spans loaded only if needed
        self.variants: list[VariantCall] = []
        self.problems: list[Problem] = []
        self.warnings: list[str] = list(header.warnings)
        self.n_columns = 9 + len(header.samples) if header.has_format else 8
        self.hom_ref = 0
        self.undeclared: set[str] = set()
        self.notes: dict[str, list[int]] = {}  # spec bend -> [first line, count]
        self.sv_only: RegionFilter | None = None  # see restrict()
        self.skipped_not_sv = 0

    def restrict(self, regions) -> None:
        """Parse only structural-variant records in ``regions.sv_only``, if the regions have it
        (:class:`matcher.readers.regions.ReadRegions`): other records there are counted."""
        sv_only = getattr(regions, "sv_only", None)
        self.sv_only = RegionFilter(sv_only) if sv_only else None

    def note(self, message: str, n: int) -> None:
        """Remember a spec bend once, with its first line and how often it occurs."""
        seen = self.notes.setdefault(message, [n, 0])
        seen[1] += 1

    def add_line(self, line: str, lineno: int, source: str | None = None) -> None:
        """Validate one data line and add its calls (``source`` defaults to ``line N``)."""
        line = line.rstrip("\r\n")
        # No '<', '[' or ']' anywhere: no ALT of the line can be symbolic or a breakend.
        if self.sv_only is not None and "<" not in line and "[" not in line \
                and "]" not in line:
            parts = line.split("\t", 2)
            pos = ascii_int(parts[1]) if len(parts) == 3 else None  # else: parsed, to report
            if pos is not None and self.sv_only.contains(parts[0], pos):
                self.skipped_not_sv += 1
                return
        if not line.strip():
            self.note("empty line skipped", lineno)
            return
        problems = self._parse(line, lineno, source or f"line {lineno}")
        if problems:
            self.problems.extend(problems)
            if len(self.problems) >= _MAX_PROBLEMS:
                raise _fail(self.name, self.problems)

    def report(self) -> Report:
        """The Report, or FileFormatError listing every problem seen."""
        if self.problems:
            raise _fail(self.name, self.problems)
        if self.sv.records and self.sv.spans is None:
            self.sv.spans = _default_spans()
        fusions, sv_warnings = self.sv.fusions()
        warnings = self.warnings + sv_warnings
        if self.skipped_not_sv:
            n = self.skipped_not_sv
            warnings.append(
                f"{n} record{'s' if n > 1 else ''} inside whole gene spans but outside the "
                "coding exons and promoters, not structural variants, "
                f"{'were' if n > 1 else 'was'} skipped without being parsed or listed: no "
                "criterion of the knowledge base can assess them there")
        if self.hom_ref:
            warnings.append(f"{self.hom_ref} allele(s) not carried by the tumor sample (genotype "
                            "without that allele) were skipped")
        for message, (first, count) in self.notes.items():
            more = f" (and {count - 1} more line(s))" if count > 1 else ""
            warnings.append(f"line {first}: {message}{more}")
        if self.undeclared:
            warnings.append("contig(s) not declared in the header: "
                            + ", ".join(sorted(self.undeclared)[:10]))
        if self.build is None and self.variants:
            warnings.append("genome build unknown: no ##reference/##contig lengths and none given; "
                            "coordinates cannot be matched")
        samples = self.header.samples
        sample = samples[self.tumor] if self.tumor is not None else None
        report_id = self.options.report_id or sample or (
            self.name.split(".")[0] if self.name else "vcf")
        return Report(report_id=report_id, tumor_type=self.options.tumor_type,
                      genome_build=self.build, lab=self.options.lab,
                      variants=tuple(self.variants), fusions=tuple(fusions),
                      source_format="vcf", sample=sample, warnings=tuple(warnings))

    # ------------------------------------------------------------------ one line
    def _parse(self, line: str, n: int, source: str) -> list[Problem]:
        cols = line.split("\t")
        if len(cols) == 7 and self.n_columns == 8:
            self.note("no INFO column (7 columns); read with an empty INFO", n)
            cols.append(".")
        if len(cols) != self.n_columns:
            return [Problem(f"{len(cols)} tab-separated columns", line=n,
                            expected=f"{self.n_columns} (8 fixed"
                                     + (f" + FORMAT + {len(self.header.samples)} samples)"
                                        if self.header.has_format else ")"))]
        chrom, pos, _ident, ref, alt, qual, filt, info_text = cols[:8]
        bad = []
        if not chrom or any(ch.isspace() for ch in chrom):
            bad.append(Problem(f"CHROM {chrom!r} is invalid", line=n, field="CHROM",
                               expected="a contig name without spaces"))
        if not is_ascii_int(pos, max_value=MAX_INT32):
            bad.append(Problem(f"POS {pos[:40]!r} is not a position", line=n, field="POS",
                               expected=f"ASCII digits 0-9, at most {MAX_INT32}"))
        if not _BASES.match(ref):
            bad.append(Problem(f"REF {ref!r} is not a base sequence", line=n, field="REF",
                               expected="A, C, G, T or N"))
        alts = alt.split(",")
        for a in alts:
            if not _ALT.match(a):
                bad.append(Problem(f"ALT allele {a!r} is invalid", line=n, field="ALT",
                                   expected="bases, *, <ID> or a breakend"))
            elif a.upper() == ref.upper():
                bad.append(Problem(f"ALT allele {a!r} equals REF", line=n, field="ALT"))
        if len(alts) != len({a for a in alts if not a.startswith("<")}) + sum(
                a.startswith("<") for a in alts):
            bad.append(Problem("an ALT allele is listed twice", line=n, field="ALT"))
        if qual != "." and not _NUMERIC["Float"].match(qual):
            bad.append(Problem(f"QUAL {qual!r} is not a number", line=n, field="QUAL",
                               expected="a number or '.'"))
        if not filt or any(ch.isspace() for ch in filt) or (filt != "." and "" in filt.split(";")):
            bad.append(Problem(f"FILTER {filt!r} is invalid", line=n, field="FILTER",
                               expected="PASS, '.' or ';'-separated filter names"))
        info = self._info(info_text, n, len(alts), bad)
        fmt = self._samples(cols, len(alts), n, bad)
        if bad:
            return bad
        if self.header.contigs and chrom not in self.header.contigs:
            self.undeclared.add(chrom)
        filter_reason = None if filt in ("PASS", ".") else f"FILTER={filt}"
        self._calls(chrom, int(pos), cols[2], ref, alts, info, fmt, filter_reason, source,
                    info_text)
        return []

    def _info(self, text: str, n: int, n_alts: int, bad: list[Problem]) -> dict:
        info: dict = {}
        if text == "":
            self.note("the INFO column is empty; read as '.'", n)
            return info
        if text == ".":
            return info
        for item in text.split(";"):
            key, eq, value = item.partition("=")
            spec = self.header.info.get(key)
            if key == "." and not eq:
                # ANNOVAR appends its keys to an empty INFO: '.;ANNOVAR_DATE=…'
                self.note("INFO holds '.' beside other keys", n)
                continue
            if not _INFO_KEY.match(key) and spec is None:
                if not LENIENT_KEY.match(key):
                    bad.append(Problem(f"INFO key {key!r} is invalid", line=n, field="INFO",
                                       expected="key=value pairs separated by ';'"))
                    continue
                # SnpSift dbNSFP writes 'dbNSFP_GERP++_RS', 'dbNSFP_SIFT_score(rankscore)':
                # outside the key grammar, yet unambiguous (no ';', '=', ',' or whitespace)
                self.note(f"INFO key {key!r} is outside the VCF key grammar", n)
            if spec is None:
                self.note(f"INFO {key} is not defined in the header", n)
            typ = (spec or {}).get("Type")
            if spec and eq and not count_ok(spec.get("Number"), value, n_alts, None):
                self.note(f"INFO {key} has the wrong number of values for "
                          f"Number={spec.get('Number')}", n)
            if eq and typ in _NUMERIC and not all(_NUMERIC[typ].match(v) for v in value.split(",")):
                if key in NUMBERS_READ:
                    bad.append(Problem(f"INFO {key}={value[:40]!r} is not of Type={typ}",
                                       line=n, field=f"INFO/{key}"))
                else:  # GRIDSS/PURPLE: SEGID=40963_0 declared Integer; never read here
                    self.note(f"INFO {key} is not of its declared Type={typ} (not used in "
                              "matching: ignored)", n)
            if typ == "Flag" and eq:
                self.note(f"INFO flag {key} has a value", n)
            info[key] = value if eq else True
        return info

    def _samples(self, cols: list[str], n_alts: int, n: int, bad: list[Problem]
                 ) -> list[dict[str, str]]:
        if not self.header.has_format:
            return []
        keys = cols[8].split(":")
        if not cols[8] or "" in keys:
            bad.append(Problem(f"FORMAT {cols[8]!r} is invalid", line=n, field="FORMAT"))
            return []
        out = []
        for i, (s, value) in enumerate(zip(self.header.samples, cols[9:])):
            used = i in (self.tumor, self.normal)
            mine: list[Problem] = bad if used else []
            fields = self._sample(s, value, keys, n_alts, n, mine)
            if not used and mine:
                # a third sample (RNA, a second tumor) is not read: its quirks cannot matter
                self.note(f"malformed {mine[0].field} value in sample {s!r}, which is neither "
                          "the tumor nor the normal: ignored", n)
                fields = {}
            out.append(fields)
        return out

    def _sample(self, s: str, value: str, keys: list[str], n_alts: int, n: int,
                bad: list[Problem]) -> dict[str, str]:
        """One sample's FORMAT fields, problems added to ``bad``."""
        values = value.split(":")
        if len(values) > len(keys):
            bad.append(Problem(f"sample {s!r} has more fields than FORMAT", line=n,
                               field="FORMAT"))
            return {}
        fields = dict(zip(keys, values))
        gt = fields.get("GT")
        ploidy = len([a for a in re.split(r"[/|]", gt) if a]) if gt else None
        for key, val in fields.items():
            spec = self.header.formats.get(key)
            if spec is None:
                self.note(f"FORMAT {key} is not defined in the header", n)
                continue
            typ = spec.get("Type")
            if typ in _NUMERIC and not all(_NUMERIC[typ].match(v) for v in val.split(",")):
                bad.append(Problem(f"sample {s!r}: {key}={val[:40]!r} is not of Type={typ}",
                                   line=n, field=f"FORMAT/{key}"))
            elif val != "." and not count_ok(spec.get("Number"), val, n_alts, ploidy):
                self.note(f"FORMAT {key} has the wrong number of values for "
                          f"Number={spec.get('Number')}", n)
        if gt is not None and (not _GT.match(gt) or any(
                a != "." and int(a) > n_alts for a in re.split(r"[/|]", gt) if a)):
            bad.append(Problem(f"sample {s!r}: genotype {gt!r} is invalid", line=n,
                               field="GT", expected=f"allele indexes 0-{n_alts}"))
        return fields

    def _calls(self, chrom: str, pos: int, ident: str, ref: str, alts: list[str], info: dict,
               fmt: list[dict[str, str]], filter_reason: str | None, source: str,
               info_text: str = "") -> None:
        tumor = fmt[self.tumor] if self.tumor is not None and fmt else {}
        normal = fmt[self.normal] if self.normal is not None and fmt else None
        multi = len(alts) > 1
        for k, alt in enumerate(alts, start=1):
            src = f"{source}, allele {k}" if multi else source
            if alt in _SKIP_ALTS:
                continue
            if is_sv_allele(alt):
                self.sv.add(SvRecord(src, chrom, pos, ident, alt, info, tumor, filter_reason))
                continue
            if not carries(tumor.get("GT"), k):
                self.hom_ref += 1
                continue
            if len(self.variants) >= self.options.max_variants:
                raise PayloadTooLarge(
                    f"more than {self.options.max_variants} variants",
                    [Problem(f"over the limit of {self.options.max_variants} variants",
                             line=None, expected="a smaller file, or restrict to regions")])
            vaf, depth = allele_support(tumor, ref, alt, k,
                                        info if self._info_af_is_vaf else _without_af(info))
            origin = "unknown"
            if normal is not None:
                origin = "germline" if normal_carries(normal, ref, alt, k) else "somatic"
            elif info.get("SOMATIC") is True:
                origin = "somatic"
            a = self.ann.allele(info, info_text, ref, alts, k)
            self.variants.append(VariantCall(
                source=src, gene=a.gene if a else None,
                protein_change=a.protein_change if a else None,
                protein_field=f"INFO {self.ann.key or 'annotation'}"
                if a and a.protein_change else None,
                cdna_change=a.cdna_change if a else None, transcript=a.transcript if a else None,
                consequence=a.consequence if a else None, exon=a.exon if a else None,
                chrom=chrom, pos=pos, ref=ref.upper(), alt=alt.upper(), build=self.build,
                vaf=vaf, depth=depth, origin=origin,
                filter_reason=filter_reason or self._threshold(vaf, depth)))

    def _threshold(self, vaf: float | None, depth: int | None) -> str | None:
        if vaf is not None and vaf < self.options.min_vaf:
            return f"VAF {vaf:.3g} below the minimum {self.options.min_vaf:g}"
        if depth is not None and depth < self.options.min_depth:
            return f"depth {depth} below the minimum {self.options.min_depth}"
        return None


def _default_spans():
    """The project's gene spans, or None if they cannot be loaded (SVs then only warned)."""
    try:
        from matcher.reference.hotspots import load_gene_spans
        from matcher.reference.tumors import default_reference_dir
        return load_gene_spans(str(default_reference_dir()))
    except Exception:  # noqa: BLE001 - missing reference data must not break small-variant reading
        return None
