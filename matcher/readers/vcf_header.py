"""VCF header: meta lines, INFO/FORMAT definitions, contigs, samples and the genome build.

Parsed in Python (not htslib) so every problem names its line; htslib is left the I/O, the
decompression and index queries.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from matcher.errors import FileFormatError, Problem
from matcher.reference.hotspots import canonical_chrom
from matcher.untrusted import is_ascii_int

FIXED_COLUMNS = ("CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")
_VERSION = re.compile(r"^##fileformat=VCFv(4\.\d)\s*$")
_TYPES = {"Integer", "Float", "Flag", "Character", "String"}
_NUMBER = re.compile(r"^(\d+|[ARGP.]|M)$")
_KEY = re.compile(r"^[A-Za-z_][0-9A-Za-z_.]*$|^1000G$")
LENIENT_KEY = re.compile(r"^[^\s;=,:<>\"]+$")  # usable as an INFO/FORMAT key all the same
_META_KEY = re.compile(r"^[A-Za-z0-9_.\-]+$")
_FIELD_KEY = re.compile(r"^[A-Za-z0-9_.\-]+$")
# Reserved keys whose Number/Type the spec fixes (VCF 4.3 tables 1 and 2).
RESERVED = {
    "INFO": {"AA": ("1", "String"), "AC": ("A", "Integer"), "AD": ("R", "Integer"),
             "ADF": ("R", "Integer"), "ADR": ("R", "Integer"), "AF": ("A", "Float"),
             "AN": ("1", "Integer"), "BQ": ("1", "Float"), "CIGAR": ("A", "String"),
             "DB": ("0", "Flag"), "DP": ("1", "Integer"), "END": ("1", "Integer"),
             "H2": ("0", "Flag"), "H3": ("0", "Flag"), "MQ": ("1", "Float"),
             "MQ0": ("1", "Integer"), "NS": ("1", "Integer"), "SB": ("4", "Integer"),
             "SOMATIC": ("0", "Flag"), "VALIDATED": ("0", "Flag"), "1000G": ("0", "Flag")},
    "FORMAT": {"AD": ("R", "Integer"), "ADF": ("R", "Integer"), "ADR": ("R", "Integer"),
               "DP": ("1", "Integer"), "EC": ("A", "Integer"), "FT": ("1", "String"),
               "GL": ("G", "Float"), "GP": ("G", "Float"), "GQ": ("1", "Integer"),
               "GT": ("1", "String"), "HQ": ("2", "Integer"), "MQ": ("1", "Integer"),
               "PL": ("G", "Integer"), "PQ": ("1", "Integer"), "PS": ("1", "Integer")},
}

# Every primary chromosome's length tells the build apart: knowledgebase/reference/
# contig_lengths.tsv (from the UCSC chain headers; read by contig_lengths()). These few stay as
# the fallback when that table is absent (UCSC/GRC assembly reports).
CONTIG_LENGTHS = {
    "1": {249250621: "GRCh37", 248956422: "GRCh38"},
    "2": {243199373: "GRCh37", 242193529: "GRCh38"},
    "7": {159138663: "GRCh37", 159345973: "GRCh38"},
    "17": {81195210: "GRCh37", 83257441: "GRCh38"},
    "X": {155270560: "GRCh37", 156040895: "GRCh38"},
}
_BUILD_WORDS = (
    (re.compile(r"grch37|hg19|\bb37\b|hs37|g1k_v37|human_g1k|ncbi37|\bgrch37\b", re.I), "GRCh37"),
    (re.compile(r"grch38|hg38|\bb38\b|hs38|assembly38|ncbi38", re.I), "GRCh38"),
)


@dataclass
class VcfHeader:
    """Everything the reader needs from the header lines."""

    version: str
    n_lines: int  # line number of the #CHROM line
    info: dict[str, dict[str, str]] = field(default_factory=dict)
    formats: dict[str, dict[str, str]] = field(default_factory=dict)
    contigs: dict[str, int | None] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)  # last value of each simple ##key=value
    samples: list[str] = field(default_factory=list)
    has_format: bool = False
    build: str | None = None  # what the header says, checked against the contigs
    warnings: list[str] = field(default_factory=list)


def parse_structured(body: str) -> dict[str, str] | None:
    """Parse ``ID=X,Number=1,Description="a, b"`` (without the angle brackets); None if broken."""
    out: dict[str, str] = {}
    i, n = 0, len(body)
    while i < n:
        eq = body.find("=", i)
        if eq < 0:
            return None
        key = body[i:eq].strip()
        if not _FIELD_KEY.match(key):
            return None
        j = eq + 1
        if j < n and body[j] == '"':
            k = j + 1
            buf = []
            while k < n and body[k] != '"':
                if body[k] == "\\" and k + 1 < n:
                    k += 1
                buf.append(body[k])
                k += 1
            if k >= n:
                return None
            value = "".join(buf)
            k += 1
            if k < n and body[k] != ",":
                return None
        else:
            k = body.find(",", j)
            k = n if k < 0 else k
            value = body[j:k]
        out[key] = value
        i = k + 1
    return out


def parse_header(lines: list[str], name: str | None = None) -> VcfHeader:
    """Parse header lines (``##`` meta lines then ``#CHROM``); raise FileFormatError with lines."""
    problems: list[Problem] = []
    if not lines or not lines[0].startswith("##fileformat="):
        raise _error(name, [Problem("the first line must be ##fileformat=VCFv4.x", line=1,
                                    expected="a VCF file")])
    m = _VERSION.match(lines[0])
    if not m:
        raise _error(name, [Problem(f"unsupported file format {lines[0][13:60]!r}", line=1,
                                    expected="VCFv4.0 to VCFv4.4")])
    header = VcfHeader(version=m.group(1), n_lines=0)
    if header.version not in ("4.1", "4.2", "4.3", "4.4"):
        header.warnings.append(f"VCF version {header.version} is outside 4.1-4.4; read anyway")
    for n, line in enumerate(lines[1:], start=2):
        if line.startswith("#CHROM") or (line.startswith("#") and not line.startswith("##")):
            header.n_lines = n
            _columns(line, n, header, problems)
            break
        _meta_line(line, n, header, problems)
    else:
        problems.append(Problem("no #CHROM header line before the data", line=len(lines) + 1,
                                expected="#CHROM POS ID REF ALT QUAL FILTER INFO …"))
    if problems:
        raise _error(name, problems)
    return header


def _meta_line(line: str, n: int, header: VcfHeader, problems: list[Problem]) -> None:
    if not line.startswith("##"):
        problems.append(Problem("header line does not start with ##", line=n,
                                expected="##key=value meta line or the #CHROM line"))
        return
    key, eq, value = line[2:].partition("=")
    if not eq or not key.strip():
        problems.append(Problem(f"malformed meta line {line[:60]!r}", line=n,
                                expected="##key=value"))
        return
    if not _META_KEY.match(key):
        # Tools write such lines (Funcotator: '##Funcotator Version=4.1 | Gencode 34 …'); an
        # unstructured line we do not use is no reason to refuse the file.
        header.warnings.append(f"line {n}: meta line key {key[:40]!r} is not a valid key; "
                               "line ignored")
        return
    if not value.startswith("<"):
        if not value.strip():
            header.warnings.append(f"line {n}: ##{key} has an empty value")
        header.meta[key] = value
        return
    if not value.endswith(">"):
        problems.append(Problem(f"##{key} line does not end with '>'", line=n))
        return
    fields = parse_structured(value[1:-1])
    standard = key in ("INFO", "FORMAT", "FILTER", "contig", "ALT")
    if fields is None or ("ID" not in fields and standard):
        if standard:
            problems.append(Problem(f"malformed ##{key}=<…> line", line=n,
                                    expected='ID=…,Number=…,Type=…,Description="…"'))
        else:
            header.warnings.append(f"line {n}: malformed ##{key}=<…> line ignored")
        return
    if fields and next(iter(fields)) != "ID" and "ID" in fields:
        header.warnings.append(f"line {n}: ##{key}: ID is not the first field")
    if "Description" in fields and 'Description="' not in value:
        header.warnings.append(f"line {n}: ##{key} {fields.get('ID')!r}: Description is not "
                               "quoted")
    if any(ch.isspace() for ch in fields.get("ID", "")):
        header.warnings.append(f"line {n}: ##{key} ID {fields['ID']!r} contains whitespace")
    if key == "ALT" and ("Number" in fields or "Type" in fields):
        header.warnings.append(f"line {n}: ##ALT {fields['ID']!r} has Number/Type fields")
    if key in ("INFO", "FORMAT"):
        _definition(key, fields, n, header, problems)
    elif key == "contig":
        length = fields.get("length")
        if length is not None and not is_ascii_int(length):
            problems.append(Problem(f"contig {fields['ID']!r}: length {length!r} is not a "
                                    "number", line=n, expected="a positive integer"))
            return
        header.contigs[fields["ID"]] = int(length) if length else None
    elif key == "FILTER" and "Description" not in fields:
        header.warnings.append(f"line {n}: ##FILTER {fields['ID']!r} has no Description")


def _definition(key: str, fields: dict[str, str], n: int, header: VcfHeader,
                problems: list[Problem]) -> None:
    ident = fields["ID"]
    where = f"##{key} {ident!r}"
    if not _KEY.match(ident):
        if LENIENT_KEY.match(ident):
            # ANNOVAR writes '1000g2015aug_all', dbNSFP 'GERP++_RS': outside the VCF 4.3 ID
            # grammar, yet unambiguous in the record (no ';', '=', ',' or whitespace).
            header.warnings.append(f"line {n}: {where}: ID is outside the VCF ID grammar "
                                   "[A-Za-z_][0-9A-Za-z_.]*")
        else:
            problems.append(Problem(f"{where}: invalid ID", line=n,
                                    expected="[A-Za-z_][0-9A-Za-z_.]*"))
    number, typ = fields.get("Number"), fields.get("Type")
    if number == "-1":
        # samtools before 1.0 wrote Number=-1 for "varies"; VCF 4.1 spells it '.'
        header.warnings.append(f"line {n}: {where}: Number=-1 (old samtools) read as Number=.")
        number = fields["Number"] = "."
    if number is None or not _NUMBER.match(number):
        problems.append(Problem(f"{where}: Number {number!r} is invalid", line=n,
                                expected="an integer, A, R, G or ."))
    if typ not in _TYPES or (key == "FORMAT" and typ == "Flag"):
        problems.append(Problem(f"{where}: Type {typ!r} is invalid", line=n,
                                expected="Integer, Float, Character or String (or Flag in INFO)"))
    if typ == "Flag" and number not in ("0", None):
        header.warnings.append(f"line {n}: {where}: a Flag should have Number=0")
    spec = RESERVED[key].get(ident)
    if spec and (number, typ) != spec and not (ident in ("AD", "ADF", "ADR") and number == "."):
        header.warnings.append(f"line {n}: {where} is reserved as Number={spec[0]},"
                               f"Type={spec[1]} but defined as Number={number},Type={typ}")
    if "Description" not in fields:
        header.warnings.append(f"line {n}: {where} has no Description")
    table = header.info if key == "INFO" else header.formats
    if ident in table:
        header.warnings.append(f"line {n}: {where} is defined twice; the later one is used")
    table[ident] = fields


def _columns(line: str, n: int, header: VcfHeader, problems: list[Problem]) -> None:
    cols = line[1:].rstrip("\r").split("\t")
    if tuple(cols) == FIXED_COLUMNS[:7]:
        header.warnings.append(f"line {n}: the column header line has no INFO column; records "
                               "are read with an empty INFO")
        return
    if tuple(cols[:8]) != FIXED_COLUMNS:
        problems.append(Problem("the column header line is wrong", line=n,
                                expected="#CHROM POS ID REF ALT QUAL FILTER INFO, tab-separated"))
        return
    if len(cols) > 8:
        if cols[8] != "FORMAT":
            problems.append(Problem(f"column 9 is {cols[8]!r}", line=n, expected="FORMAT"))
            return
        header.has_format = True
        samples = cols[9:]
        seen: set[str] = set()
        for s in samples:
            if not s or s in seen:
                problems.append(Problem(f"sample name {s!r} is empty or repeated", line=n,
                                        expected="unique sample names"))
            seen.add(s)
        header.samples = samples
        if not samples:
            header.warnings.append(f"line {n}: FORMAT column without sample columns")


@functools.cache
def contig_lengths() -> dict[str, dict[int, str]]:
    """Chromosome -> {length: build} from the shipped ``contig_lengths.tsv`` (``chrom, GRCh37,
    GRCh38``), over the built-in CONTIG_LENGTHS."""
    from matcher.paths import default_reference_dir

    out = {k: dict(v) for k, v in CONTIG_LENGTHS.items()}
    path = default_reference_dir() / "contig_lengths.tsv"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    if lines and lines[0].split("\t") == ["chrom", "GRCh37", "GRCh38"]:
        for line in lines[1:]:
            chrom, g37, g38 = line.split("\t")
            out[chrom.upper()] = {int(g37): "GRCh37", int(g38): "GRCh38"}
    return out


def infer_build(header: VcfHeader, stated: str | None, name: str | None = None) -> str | None:
    """The build from contigs, checked against ##reference/##assembly and the caller's word."""
    from_contigs: str | None = None
    lengths = contig_lengths()
    for contig, length in header.contigs.items():
        known = lengths.get(canonical_chrom(contig), {})
        if length in known:
            from_contigs = known[length]
            break
    from_header = None
    for key in ("reference", "assembly", "genome_build", "genomeBuild", "VEP"):
        text = header.meta.get(key)
        if not text:
            continue
        for pattern, build in _BUILD_WORDS:
            if pattern.search(text):
                from_header = build
                break
        if from_header:
            break
    problems = []
    if from_contigs and from_header and from_contigs != from_header:
        problems.append(Problem(f"the header names {from_header} but the contig lengths are "
                                f"{from_contigs}", field="##reference"))
    if stated and from_contigs and stated != from_contigs:
        problems.append(Problem(f"genome build {stated} was given but the contig lengths are "
                                f"{from_contigs}", field="genome_build", expected=from_contigs))
    elif stated and from_header and stated != from_header and not from_contigs:
        problems.append(Problem(f"genome build {stated} was given but the header says "
                                f"{from_header}", field="genome_build", expected=from_header))
    if problems:
        raise _error(name, problems, "contradictory genome build")
    return stated or from_contigs or from_header


def _error(name: str | None, problems: list[Problem], what: str = "invalid VCF header"
           ) -> FileFormatError:
    for i, p in enumerate(problems):
        if name and p.source is None:
            problems[i] = Problem(p.message, field=p.field, line=p.line, expected=p.expected,
                                  source=name)
    first = problems[0]
    where = f"line {first.line}: " if first.line else ""
    return FileFormatError(f"{what}: {where}{first.message}", problems)
