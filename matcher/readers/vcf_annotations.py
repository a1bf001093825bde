"""Annotator INFO fields: one chosen transcript per ALT allele.

VEP ``CSQ`` and snpEff ``ANN``: field order is read from the header Description (``Format:
Allele|Consequence|…`` for VEP, ``'Allele | Annotation | …'`` for snpEff). Per allele the
transcript chosen is the MANE Select one, else the canonical one, else the one VEP picked
(``PICK=1``), else the first listed (snpEff lists the most damaging first).

When a record has neither, GATK Funcotator ``FUNCOTATION`` (:class:`Funcotator`) and ANNOVAR
``table_annovar.pl -vcfinput`` keys (``Func.refGene``, ``AAChange.refGene`` …, :class:`Annovar`)
are read. Their transcript lists carry no MANE flag: the MANE Select transcript is found in the
project's MANE table (``mane_transcripts.tsv.gz``), else the first one listed is used.
Consequences are translated to the Sequence Ontology terms VEP writes, so that
:func:`matcher.reference.protein.consequence_from_so` classifies them like VEP's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from matcher.reference.transcripts import SELECT, TranscriptIndex, accession

_FORMAT = re.compile(r"(?:Format|annotations):\s*'?([^'\"]+)'?", re.I)
_HGVS_PREFIX = re.compile(r"^[^:]+:(?=[cgmnpr]\.)")


@dataclass(frozen=True)
class Annotation:
    """The facts taken from the chosen transcript of one allele."""

    gene: str | None
    protein_change: str | None
    cdna_change: str | None
    consequence: str | None
    exon: int | None
    transcript: str | None


class Annotations:
    """Parses one VCF's CSQ or ANN values using the header's field list, else its FUNCOTATION or
    ANNOVAR values.

    ``is_mane_select(transcript)`` tells whether an accession (any version) is a MANE Select
    transcript; by default the project's MANE table answers (loaded on first need, only when an
    ANNOVAR or Funcotator allele lists several transcripts).
    """

    def __init__(self, info_defs: dict[str, dict[str, str]],
                 is_mane_select: Callable[[str], bool] | None = None):
        select = is_mane_select or _mane_select
        self.funcotator = Funcotator.from_header(info_defs, select)
        self.pave = Pave.from_header(info_defs)
        self.annovar = Annovar(info_defs, select)
        self.key: str | None = None
        self.fields: list[str] = []
        for key in ("CSQ", "ANN", "EFF_ANN", "vep"):
            desc = info_defs.get(key, {}).get("Description", "")
            m = _FORMAT.search(desc)
            if m:
                self.key = key
                self.fields = [f.strip() for f in m.group(1).split("|")]
                break
        self._index = {f.lower().replace(".", "_"): i for i, f in enumerate(self.fields)}
        self.snpeff = self.key == "ANN" and "annotation" in self._index

    def __bool__(self) -> bool:
        return (self.key is not None or self.funcotator is not None or self.pave is not None
                or self.annovar.declared)

    def allele(self, info: dict, info_text: str, ref: str, alts: list[str], k: int
               ) -> Annotation | None:
        """The annotation of ALT allele ``k`` (1-based) of one record, or None.

        ``info`` is the parsed INFO column, ``info_text`` the raw one (ANNOVAR repeats its keys
        once per allele). A record's CSQ/ANN is used when it has one; else its FUNCOTATION; else
        its ANNOVAR keys.
        """
        if self.key is not None:
            value = info.get(self.key)
            if isinstance(value, str):
                return self.choose(value, ref, alts[k - 1], k, len(alts))
        if self.funcotator is not None:
            value = info.get(Funcotator.KEY)
            if isinstance(value, str):
                return self.funcotator.choose(value, ref, alts, k)
        if self.pave is not None:
            value = info.get(Pave.KEY)
            if value is not None:
                return self.pave.choose(value, len(alts))
        if self.annovar.declared or "ANNOVAR_DATE" in info:
            return self.annovar.choose(info, info_text, ref, alts, k)
        return None

    def _get(self, entry: list[str], *names: str) -> str | None:
        for name in names:
            i = self._index.get(name.lower())
            if i is not None and i < len(entry) and entry[i] not in ("", "."):
                return entry[i]
        return None

    def choose(self, value: str, ref: str, alt: str, allele_index: int, n_alts: int
               ) -> Annotation | None:
        """Pick the transcript annotation for ALT allele ``allele_index`` (1-based)."""
        entries = [e.split("|") for e in value.split(",") if e]
        mine = [e for e in entries if self._is_allele(e, ref, alt, allele_index)]
        if not mine and n_alts == 1:
            mine = entries
        if not mine:
            return None
        chosen = (_first(mine, lambda e: self._get(e, "MANE_SELECT", "MANE") is not None
                         and "plus" not in (self._get(e, "MANE") or "").lower())
                  or _first(mine, lambda e: (self._get(e, "CANONICAL") or "").upper() == "YES")
                  or _first(mine, lambda e: self._get(e, "PICK") == "1")
                  or mine[0])
        return self._annotation(chosen)

    def _is_allele(self, entry: list[str], ref: str, alt: str, allele_index: int) -> bool:
        num = self._get(entry, "ALLELE_NUM")
        if num is not None:
            return num == str(allele_index)
        allele = self._get(entry, "Allele") or ""
        if "-" in allele and self.snpeff:  # snpEff cancer mode 'ALT-REF'
            allele = allele.split("-")[0]
        return allele.upper() in {alt.upper(), _vep_allele(ref, alt).upper()}

    def _annotation(self, e: list[str]) -> Annotation:
        if self.snpeff:
            consequence = self._get(e, "Annotation")
            rank = self._get(e, "Rank")
            exon = _exon(rank) if rank and "intron" not in (consequence or "") else None
            return Annotation(
                gene=self._get(e, "Gene_Name"), protein_change=_hgvs(self._get(e, "HGVS_p"), "p."),
                cdna_change=_hgvs(self._get(e, "HGVS_c"), ("c.", "n.")), consequence=consequence,
                exon=exon, transcript=self._get(e, "Feature_ID"))
        return Annotation(
            gene=self._get(e, "SYMBOL", "Gene_Name", "Gene"),
            protein_change=_hgvs(self._get(e, "HGVSp"), "p."),
            cdna_change=_hgvs(self._get(e, "HGVSc"), ("c.", "n.")),
            consequence=self._get(e, "Consequence"), exon=_exon(self._get(e, "EXON")),
            transcript=self._get(e, "Feature"))


def _first(items: list[list[str]], test) -> list[str] | None:
    return next((e for e in items if test(e)), None)


def _vep_allele(ref: str, alt: str) -> str:
    """VEP drops the shared first base of REF and ALT and writes an empty allele as '-'."""
    if ref and alt and ref[0].upper() == alt[0].upper() and (len(ref) > 1 or len(alt) > 1):
        return alt[1:] or "-"
    return alt


def _hgvs(value: str | None, kind: str | tuple[str, ...]) -> str | None:
    """'ENSP00000288602.6:p.Val600Glu' -> 'p.Val600Glu'; '%3D' -> '='; other kinds -> None."""
    if not value:
        return None
    text = _HGVS_PREFIX.sub("", unquote(value))
    return text if text.startswith(kind) else None


def _exon(value: str | None) -> int | None:
    """'19/27' -> 19; ranges '2-3/10' -> 2; anything else None."""
    if not value:
        return None
    m = re.match(r"^([0-9]{1,9})", value)
    return int(m.group(1)) if m else None


# ----------------------------------------------------------------------------- shared helpers
_N = "[0-9]{1,9}"  # a position: ASCII digits, bounded (int() of 5,000 digits raises)
_HGVS_C = re.compile(rf"^c\.[-*]?{_N}(?:[+-]{_N})?(?:_[-*]?{_N}(?:[+-]{_N})?)?"
                     r"(?:[ACGTN]+>[ACGTN]+|(?:del|dup|ins|inv|delins)[ACGTN]*|=)$")
_SPLICE_OFFSET = re.compile(r"^c\.[-*]?[0-9]{1,9}([+-])([0-9]{1,9})")
_SNV_END = re.compile(r"([ACGT])>([ACGT])$")
_COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A"}
_NOT_SEQUENCE = ("*", ".", "<")


def _mane_select(transcript: str) -> bool:
    """True if the project's MANE table lists ``transcript`` (any version) as MANE Select."""
    index = _mane_index()
    if index is None:
        return False
    t = index.lookup(transcript)
    return t is not None and t.status == SELECT


@lru_cache(maxsize=1)
def _mane_index() -> TranscriptIndex | None:
    """The shipped MANE table, or None if it cannot be read (the first transcript is then used)."""
    try:
        return TranscriptIndex.load()
    except Exception:  # noqa: BLE001 - a missing table must not stop reading: first listed
        return None


def _pick(items: list, transcript_of: Callable[[object], str | None],
          is_mane_select: Callable[[str], bool]):
    """The item on a MANE Select transcript, else the first one."""
    if len(items) > 1:
        for item in items:
            tx = transcript_of(item)
            if tx and is_mane_select(tx):
                return item
    return items[0]


def _sequence_alts(alts: list[str]) -> list[int]:
    """1-based indexes of the ALT alleles that are bases (not '*', '.', or symbolic)."""
    return [i for i, a in enumerate(alts, start=1) if a and not a.startswith(_NOT_SEQUENCE)]


def _hgvs_c(text: str | None) -> str | None:
    """A plain coding HGVS change as written ('c.1799T>A', 'c.376-1G>A', 'c.2235_2249del')."""
    return text if text and _HGVS_C.match(text) else None


def _splice_term(cdna: str | None) -> str:
    """SO term of a change reported at a splice junction: the canonical ±1/±2 intron bases are
    donor ('+') or acceptor ('-') sites; farther into the intron, or an exon base next to the
    junction, or no usable cDNA, is only a splice region (not a splice site)."""
    m = _SPLICE_OFFSET.match(cdna or "")
    if m and int(m.group(2)) <= 2:
        return "splice_donor_variant" if m.group(1) == "+" else "splice_acceptor_variant"
    return "splice_region_variant"


def _snv_owner(cdna: str | None, ref: str, alts: list[str]) -> int | None:
    """The one ALT (1-based) that a cDNA SNV such as 'c.1799T>A' describes, or None.

    REF tells the strand (cDNA ref base = REF on the plus strand, its complement on the minus
    strand); the cDNA alt base, on that strand, must then be exactly one of the ALTs.
    """
    m = _SNV_END.search(cdna or "")
    if not m or len(ref) != 1:
        return None
    c_ref, c_alt = m.group(1), m.group(2)
    if c_ref == ref.upper():
        want = c_alt
    elif _COMPLEMENT[c_ref] == ref.upper():
        want = _COMPLEMENT[c_alt]
    else:
        return None
    owners = [i for i, a in enumerate(alts, start=1) if a.upper() == want]
    return owners[0] if len(owners) == 1 else None


# ----------------------------------------------------------------------------- Funcotator
_FUNCOTATOR_FIELD = re.compile(r"^Gencode_[^_|]+_(\w+)$")
_FUNCOTATOR_ESCAPE = re.compile(r"_%([0-9A-Fa-f]{2})_")
_FUNCOTATOR_INTRONIC = re.compile(r"^c\.e[0-9]{1,9}([+-])([0-9]{1,9})")
# Funcotator's variantClassification (MAF's Variant_Classification, upper case) -> SO term.
_FUNCOTATOR_SO = {
    "MISSENSE": "missense_variant", "NONSENSE": "stop_gained", "NONSTOP": "stop_lost",
    "SILENT": "synonymous_variant", "IN_FRAME_DEL": "inframe_deletion",
    "IN_FRAME_INS": "inframe_insertion", "FRAME_SHIFT_DEL": "frameshift_variant",
    "FRAME_SHIFT_INS": "frameshift_variant", "START_CODON_SNP": "start_lost",
    "START_CODON_INS": "start_lost", "START_CODON_DEL": "start_lost",
    "DE_NOVO_START_IN_FRAME": "5_prime_UTR_premature_start_codon_gain_variant",
    "DE_NOVO_START_OUT_FRAME": "5_prime_UTR_premature_start_codon_gain_variant",
    "FIVE_PRIME_UTR": "5_prime_UTR_variant", "THREE_PRIME_UTR": "3_prime_UTR_variant",
    "FIVE_PRIME_FLANK": "upstream_gene_variant", "THREE_PRIME_FLANK": "downstream_gene_variant",
    "INTRON": "intron_variant", "IGR": "intergenic_variant",
    "LINCRNA": "non_coding_transcript_exon_variant", "RNA": "non_coding_transcript_exon_variant",
}


class Pave:
    """Hartwig PAVE ``IMPACT`` (PURPLE's somatic VCF): one value per record, its fields named in
    the header Description (``Variant Impact [Gene, Transcript, CanonicalEffect,
    CanonicalCodingEffect, SpliceRegion, HgvsCodingImpact, HgvsProteinImpact, …]``), on the
    gene's canonical transcript. Taken: gene, transcript, the SO terms of CanonicalEffect
    (``&``-joined, as VEP's), HGVS cDNA and protein change. A multi-allelic record's single value
    names no allele: not used (the alleles are matched by coordinates)."""

    KEY = "IMPACT"

    def __init__(self, names: list[str]):
        self.index = {name.strip(): i for i, name in enumerate(names)}

    @classmethod
    def from_header(cls, info_defs: dict[str, dict[str, str]]) -> Pave | None:
        m = re.search(r"\[([^\]]+)\]", info_defs.get(cls.KEY, {}).get("Description", ""))
        if not m:
            return None
        reader = cls(m.group(1).split(","))
        wanted = ("Gene", "Transcript", "CanonicalEffect", "HgvsCodingImpact",
                  "HgvsProteinImpact")
        return reader if all(w in reader.index for w in wanted) else None

    def choose(self, value, n_alts: int) -> Annotation | None:
        """The annotation of the record's only ALT allele, else None."""
        parts = value if isinstance(value, list) else str(value).split(",")
        if n_alts != 1 or len(parts) < len(self.index):
            return None

        def get(name: str) -> str | None:
            text = parts[self.index[name]].strip()
            return text if text and text != "." else None

        return Annotation(
            gene=get("Gene"), protein_change=_hgvs(get("HgvsProteinImpact"), "p."),
            cdna_change=_hgvs(get("HgvsCodingImpact"), ("c.", "n.")),
            consequence=get("CanonicalEffect"), exon=None, transcript=get("Transcript"))


class Funcotator:
    """GATK Funcotator ``FUNCOTATION`` values.

    One ``[v1|v2|…]`` group per ALT allele, comma-separated (``Number=A``); with
    ``--transcript-selection-mode ALL`` an allele's transcripts are ``#``-joined groups,
    Funcotator's own choice first. Field names come from the header Description (``Funcotation
    fields are: Gencode_34_hugoSymbol|…``); the GENCODE fields are found whatever the release
    number. Values escape ``, ; = | # space`` as ``_%2C_``, ``_%3B_``, ``_%3D_``, ``_%7C_`` ….

    Taken: hugoSymbol (not for IGR / ``Unknown``), annotationTranscript, transcriptExon,
    cDnaChange (plain HGVS only: Funcotator's intronic ``c.e5-1G>A`` and exonic
    ``c.1234_splice`` are not transcript positions), proteinChange (not ``p.X125_splice``, which
    names no amino-acid change) and variantClassification as an SO term. A SPLICE_SITE call
    within 2 intron bases of an exon is a splice site (MAF ``Splice_Site``); one on exon bases
    next to the junction is a splice region plus its secondary classification (e.g. missense).
    """

    KEY = "FUNCOTATION"

    def __init__(self, names: list[str], is_mane_select: Callable[[str], bool]):
        self.index: dict[str, int] = {}
        for i, name in enumerate(names):
            m = _FUNCOTATOR_FIELD.match(name.strip())
            if m:
                self.index.setdefault(m.group(1), i)
        self.is_mane_select = is_mane_select

    @classmethod
    def from_header(cls, info_defs: dict[str, dict[str, str]],
                    is_mane_select: Callable[[str], bool]) -> Funcotator | None:
        desc = info_defs.get(cls.KEY, {}).get("Description", "")
        if ": " not in desc:
            return None
        reader = cls(desc.split(": ", 1)[1].split("|"), is_mane_select)
        return reader if "hugoSymbol" in reader.index else None

    def choose(self, value: str, ref: str, alts: list[str], k: int) -> Annotation | None:
        """The annotation of ALT allele ``k`` (1-based)."""
        groups = value.split(",")
        if len(groups) == len(alts):
            mine = groups[k - 1]
        elif len(groups) == 1 and _sequence_alts(alts) == [k]:
            mine = groups[0]
        else:
            return None
        transcripts = [t.strip().removeprefix("[").removesuffix("]").split("|")
                       for t in mine.split("#")]
        transcripts = [t for t in transcripts if any(t)]
        if not transcripts:
            return None
        chosen = _pick(transcripts, lambda t: self._get(t, "annotationTranscript"),
                       self.is_mane_select)
        alt = alts[k - 1]
        seq_alt = self._get(chosen, "tumorSeqAllele2")
        if len(ref) == len(alt) and seq_alt and seq_alt.upper() != alt.upper():
            return None  # a substitution annotated for another allele: not this one's
        return self._annotation(chosen)

    def _get(self, values: list[str], name: str) -> str | None:
        i = self.index.get(name)
        if i is None or i >= len(values):
            return None
        v = _FUNCOTATOR_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), values[i]).strip()
        return v if v not in ("", ".", "NA") else None

    def _annotation(self, values: list[str]) -> Annotation:
        cls = (self._get(values, "variantClassification") or "").upper()
        gene = self._get(values, "hugoSymbol")
        if cls == "IGR" or (gene or "").lower() == "unknown":
            gene = None
        transcript = self._get(values, "annotationTranscript")
        if transcript == "no_transcript":
            transcript = None
        cdna_text = self._get(values, "cDnaChange")
        protein = self._get(values, "proteinChange")
        if protein and (not protein.startswith("p.") or len(protein) < 4
                        or "splice" in protein.lower()):
            protein = None
        exon_text = self._get(values, "transcriptExon")
        intronic = (cdna_text or "").startswith("c.e")
        return Annotation(
            gene=gene, protein_change=protein, cdna_change=_hgvs_c(cdna_text),
            consequence=self._consequence(cls, values, cdna_text),
            exon=None if intronic else _exon(exon_text), transcript=transcript)

    def _consequence(self, cls: str, values: list[str], cdna_text: str | None) -> str | None:
        if cls != "SPLICE_SITE":
            return _FUNCOTATOR_SO.get(cls)
        m = _FUNCOTATOR_INTRONIC.match(cdna_text or "")
        if m:
            return "Splice_Site" if int(m.group(2)) <= 2 else "splice_region_variant"
        secondary = _FUNCOTATOR_SO.get(
            (self._get(values, "secondaryVariantClassification") or "").upper())
        if secondary and secondary != "intron_variant":
            return f"splice_region_variant&{secondary}"
        return "splice_region_variant"


# ----------------------------------------------------------------------------- ANNOVAR
_ANNOVAR_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})")
_ANNOVAR_SNV = re.compile(r"^c\.([ACGTN])(-?[0-9]{1,9})([ACGTN])$")
_ANNOVAR_LIST = re.compile(r"[,;]")
# Preferred gene model when several were annotated (RefSeq first: what clinical reports cite).
_ANNOVAR_MODELS = {"refGeneWithVer": 0, "refGene": 1, "ncbiRefSeq": 2, "ensGeneWithVer": 3,
                   "ensGene": 4, "knownGene": 5}
_ANNOVAR_EXONIC = {
    "nonsynonymous_snv": "missense_variant", "synonymous_snv": "synonymous_variant",
    "stopgain": "stop_gained", "stoploss": "stop_lost", "startloss": "start_lost",
    "frameshift_insertion": "frameshift_variant", "frameshift_deletion": "frameshift_variant",
    "frameshift_substitution": "frameshift_variant",
    "frameshift_block_substitution": "frameshift_variant",
    "nonframeshift_insertion": "inframe_insertion", "nonframeshift_deletion": "inframe_deletion",
    "nonframeshift_substitution": "protein_altering_variant",
    "nonframeshift_block_substitution": "protein_altering_variant",
}
_ANNOVAR_FUNC = {
    "ncRNA_exonic": "non_coding_transcript_exon_variant",
    "ncRNA_intronic": "intron_variant&non_coding_transcript_variant",
    "ncRNA_splicing": "splice_region_variant&non_coding_transcript_variant",
    "ncRNA_UTR5": "non_coding_transcript_exon_variant",
    "ncRNA_UTR3": "non_coding_transcript_exon_variant",
    "UTR5": "5_prime_UTR_variant", "UTR3": "3_prime_UTR_variant", "intronic": "intron_variant",
    "upstream": "upstream_gene_variant", "downstream": "downstream_gene_variant",
    "intergenic": "intergenic_variant",
}


class Annovar:
    """ANNOVAR ``table_annovar.pl -vcfinput`` INFO keys, per ALT allele.

    Keys are ``Func.<model>``, ``Gene.<model>``, ``GeneDetail.<model>``, ``ExonicFunc.<model>``
    and ``AAChange.<model>`` for each gene model (``refGene``, ``refGeneWithVer``, ``ensGene``,
    ``knownGene`` …; RefSeq preferred when several); ``.`` is a missing value; ``\\x3b`` and
    ``\\x3d`` stand for ``;`` and ``=``.

    **Which allele.** table_annovar writes one block of keys per ALT allele, in ALT order, each
    opened by ``ANNOVAR_DATE`` and closed by the ``ALLELE_END`` flag. So:

    - as many blocks as ALT alleles (or as ALTs that are bases, when ``*``/symbolic ALTs were
      not annotated): block *k* annotates ALT *k*;
    - a single set of keys on a record with several ALTs (an older ANNOVAR, or keys copied
      from a multianno table) is used only for the allele it provably describes: the chosen
      transcript's cDNA change is a substitution (``c.T1799A``) whose bases, read on the strand
      REF fixes, are exactly one of the ALTs. Any other case leaves every allele of the record
      un-annotated (gene and protein empty), so that the normaliser falls back to hotspot
      coordinates and gene spans instead of pinning one allele's protein change on another.

    **What is taken.** For exonic calls, one ``AAChange`` entry
    (``GENE:transcript:exonN:c.T1799A:p.V600E``): the one on the MANE Select transcript, else
    the first listed; it gives gene, transcript (as written, versioned or not), exon, cDNA
    (``c.T1799A`` rewritten as HGVS ``c.1799T>A``) and protein change. ``UNKNOWN``, ``.`` and
    splicing-only calls give no protein change: for those the ``GeneDetail`` entry
    (``NM_000546:exon5:c.376-1G>A``) gives transcript and cDNA, and ``Gene`` the gene when it
    names exactly one (never for intergenic calls, whose ``Gene`` lists the flanking genes).
    ``Func``/``ExonicFunc`` become SO terms; ``splicing`` is a donor/acceptor site only when the
    cDNA shows the canonical ±1/±2 intron bases, else a splice region.
    """

    def __init__(self, info_defs: dict[str, dict[str, str]],
                 is_mane_select: Callable[[str], bool]):
        self.declared = "ANNOVAR_DATE" in info_defs or any(
            key.startswith(("Func.", "AAChange.")) for key in info_defs)
        self.is_mane_select = is_mane_select

    def choose(self, info: dict, info_text: str, ref: str, alts: list[str], k: int
               ) -> Annotation | None:
        """The annotation of ALT allele ``k`` (1-based), following the rule above."""
        blocks = _annovar_blocks(info, info_text)
        if not blocks:
            return None
        if len(blocks) == len(alts):
            return self._annotation(blocks[k - 1])
        seq = _sequence_alts(alts)
        if len(blocks) == len(seq):
            return self._annotation(blocks[seq.index(k)]) if k in seq else None
        if len(blocks) != 1:
            return None
        a = self._annotation(blocks[0])
        return a if a is not None and _snv_owner(a.cdna_change, ref, alts) == k else None

    def _annotation(self, block: dict) -> Annotation | None:
        models = sorted((key[5:] for key in block if key.startswith("Func.")),
                        key=lambda m: _ANNOVAR_MODELS.get(m, len(_ANNOVAR_MODELS)))
        model = next((m for m in models if _annovar_value(block.get(f"Func.{m}"))), None)
        if model is None:
            return None
        funcs = _annovar_value(block.get(f"Func.{model}")).split(";")
        gene_text = _annovar_value(block.get(f"Gene.{model}"))
        exonic = _annovar_value(block.get(f"ExonicFunc.{model}"))
        aachange = _annovar_value(block.get(f"AAChange.{model}"))
        detail_text = _annovar_value(block.get(f"GeneDetail.{model}"))
        details = [d.split(":") for d in _ANNOVAR_LIST.split(detail_text or "")
                   if d.split(":")[-1].startswith("c.")]
        entries = [e.split(":") for e in _ANNOVAR_LIST.split(aachange or "")]
        entries = [e for e in entries if len(e) >= 4 and e[3].startswith("c.")]

        gene = transcript = cdna = protein = exon = None
        if "exonic" in funcs and entries:
            e = _pick(entries, lambda e: e[1], self.is_mane_select)
            gene, transcript, exon = e[0], e[1], _exon(e[2].removeprefix("exon"))
            cdna = _annovar_cdna(e[3])
            protein = e[4] if len(e) > 4 and e[4].startswith("p.") and len(e[4]) > 3 else None
        detail = None
        if details:
            same = [d for d in details if transcript and accession(d[0]) == accession(transcript)]
            detail = same[0] if same else _pick(details, lambda d: d[0], self.is_mane_select)
            if transcript is None:
                transcript, cdna = detail[0], _hgvs_c(detail[-1])
                exon_part = next((p for p in detail[1:-1] if p.startswith("exon")), None)
                if exon_part and not _SPLICE_OFFSET.match(detail[-1]):
                    exon = _exon(exon_part.removeprefix("exon"))
        if gene is None and "intergenic" not in funcs:
            symbols = {g for g in _ANNOVAR_LIST.split(gene_text or "") if g and g != "NONE"}
            gene = symbols.pop() if len(symbols) == 1 else None

        terms: list[str] = []
        for func in funcs:
            if func == "exonic":
                found = [_ANNOVAR_EXONIC.get(x.lower()) for x in (exonic or "").split(";")]
            elif func == "splicing":
                found = [_splice_term(detail[-1] if detail else None)]
            else:
                found = [_ANNOVAR_FUNC.get(func)]
            terms.extend(t for t in found if t and t not in terms)
        return Annotation(gene=gene, protein_change=protein, cdna_change=cdna,
                          consequence="&".join(terms) or None, exon=exon,
                          transcript=transcript)


def _annovar_blocks(info: dict, text: str) -> list[dict]:
    """The per-allele key blocks (``ANNOVAR_DATE`` … ``ALLELE_END``) of one INFO column; without
    those markers, the INFO keys as one block (if any ANNOVAR key is there)."""
    if "ANNOVAR_DATE" not in info:
        return [info] if any(key.startswith("Func.") for key in info) else []
    blocks: list[dict] = []
    current: dict | None = None
    for item in text.split(";"):
        key, _, value = item.partition("=")
        if key == "ANNOVAR_DATE":
            current = {}
            blocks.append(current)
        elif key == "ALLELE_END":
            current = None
        elif current is not None:
            current[key] = value
    return blocks


def _annovar_value(value) -> str | None:
    """Unescape ``\\x3b``-style bytes; ``.`` (ANNOVAR's missing value) -> None."""
    if not isinstance(value, str):
        return None
    value = _ANNOVAR_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value).strip()
    return value if value not in ("", ".") else None


def _annovar_cdna(text: str) -> str | None:
    """ANNOVAR's 'c.T1799A' -> HGVS 'c.1799T>A'; HGVS forms kept; anything else None."""
    m = _ANNOVAR_SNV.match(text)
    if m:
        return f"c.{m.group(2)}{m.group(1)}>{m.group(3)}"
    return _hgvs_c(text)
