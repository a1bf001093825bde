"""Protein-change notation: parse what labs and annotators write into one canonical form.

A hand-written grammar, tested case by case from ``tests/data/protein_cases.tsv``. The reference
HGVS implementation (biocommons ``hgvs``) needs a transcript database to validate against, which
Matcher cannot assume offline; here we only need the syntax, and we check what the syntax can
check (positions ≥ 1, ranges in order, written deleted residues matching the range).

Accepted: 1-letter or 3-letter residues (3-letter case-insensitive: ``p.val600glu``; 1-letter upper
case; one style per string, ``*``/``X``/``Ter`` for stop in either), optional ``p.``, optional
predicted-parentheses ``p.(…)``, an optional protein accession prefix (``ENSP…:p.``, ``NP_…:p.``),
VEP's URL-escaped ``%3D`` for ``=``, surrounding whitespace.

Canonical form (``ProteinChange.canonical``): 1-letter, no ``p.``, ``*`` for stop. Equal changes
get equal canonical forms; ``ProteinChange.hgvs`` is the 3-letter rendering of the canonical form.

========================  =====================  ======================  ===================
form                      examples               canonical               consequence
========================  =====================  ======================  ===================
substitution              V600E, p.Val600Glu     V600E                   missense
nonsense                  Q1178*, Q1178X,        Q1178*                  nonsense
                          p.Gln1178Ter
synonymous                V600=, V600V,          V600=                   synonymous
                          p.Val600%3D
codon only (shorthand)    V600, p.Val600?        V600                    codon
start loss                M1?, p.Met1?, M1       M1?                     start_lost
start codon changed       M1I, p.Met1Ile         M1I                     start_lost
N-terminal extension      p.Met1ext-5            M1ext-5                 start_lost
stop loss / extension     *757Qext*?, X757Q,     *757Qext*?              stop_lost
                          p.Ter757GlnextTer?
frameshift                L747fs, L747Pfs*13,    L747fs                  frameshift
                          p.Leu747ProfsTer13
in-frame deletion         E746_A750del, V600del  E746_A750del            inframe_deletion
insertion                 A767_V769insASV        A767_V769insASV         inframe_insertion
duplication               A767_V769dup           A767_V769dup            inframe_insertion
deletion-insertion        E746_S752delinsV,      E746_S752delinsV        inframe_delins
                          E746_S752>V
splice (cBioPortal, MAF)  X963_splice,           X963_splice             splice
                          963_splice, splice
no protein                p.0, p.0?              0                       start_lost
internal tandem dup.      ITD, itd, Internal     ITD                     inframe_insertion
                          Tandem Duplication
whole protein unchanged   p.=                    =                       synonymous
========================  =====================  ======================  ===================

Decisions worth knowing:

* Codon-only is a 1-letter shorthand (``V600``; the KB's codon criterion). ``Val600`` / ``VAL600``
  are refused: they are not HGVS, and the HGVS spelling of "residue 600 changed, effect unknown"
  is ``p.Val600?``, which is accepted and is the ``hgvs`` of a codon.
* At Met1 any change but a synonymous one is ``start_lost``: ``M1``, ``M1?`` and ``p.Met1?`` are
  the same change (canonical ``M1?``); ``M1I`` keeps its residue (canonical ``M1I``).
* ``p.0`` (no protein is made) is classed ``start_lost``, the loss-of-function class that means
  "no protein from this allele", so tumour-suppressor evidence applies; its canonical form ``0``
  keeps it apart from ``M1?``. ``p.?`` (effect unknown) is refused.
* A delins that replaces one residue by one is a substitution (``V600delinsE`` → ``V600E``); an
  insertion or delins whose new residues include a stop is ``nonsense``; a deletion, duplication
  or delins that covers Met1 is ``start_lost``.
* Frameshifts are canonicalised to ``<ref><pos>fs`` (the new residue and the distance to the new
  stop depend on the transcript and add nothing to matching); stop losses to ``*<pos><aa>ext*?``.
* Splice changes have no HGVS protein description other than ``p.?``; that is their ``hgvs``.
* ``ITD`` (internal tandem duplication, case-insensitive; also spelled out) is how labs report
  FLT3-ITD, whose length and position vary: an in-frame insertion (a tandem duplication, as
  ``dup``) with no position; its ``hgvs`` is ``p.?``. The syntax is gene-blind: the reader of a
  call (:mod:`matcher.normalize`) accepts it only for :data:`ITD_GENES`.

Also here: :func:`consequence_from_so` (VEP/snpEff Sequence Ontology terms, MAF
``Variant_Classification``), :func:`classify_cdna` (canonical splice-site cDNA changes) and
:func:`parse_cdna` (the positions a coding cDNA change covers, for exon-skipping evidence).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from matcher.errors import InputError, Problem
from matcher.model import CONSEQUENCES, ProteinChange

__all__ = [
    "ITD_GENES", "CdnaChange", "InvalidChange", "cdna_indel_class", "classify_cdna",
    "consequence_from_so",
    "parse_cdna", "parse_protein_change",
]

# Genes whose calls may be written just "ITD" (no HGVS): FLT3-ITD, matched by CIViC's FLT3 ITD
# criterion (matcher.kb.civic.itd_criterion). For other genes "ITD" stays unreadable.
ITD_GENES = frozenset({"FLT3"})
ITD_NAMES = frozenset({"itd", "internal tandem duplication"})

# Longest human protein (titin) has ~36,000 residues; anything far beyond is a typo.
MAX_POSITION = 100_000

AA3 = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Sec": "U",
    "Pyl": "O", "Ter": "*",
}
AA1 = {one: three for three, one in AA3.items()}

EXPECTED = ("a protein change such as V600E, p.Val600Glu, Q1178*, V600, L747fs, E746_A750del, "
            "A767_V769insASV, E746_S752delinsV, A767_V769dup, M1?, *757Qext*? or X963_splice")


class InvalidChange(InputError):
    """A protein or cDNA change that cannot be read; says what was given and what was expected."""

    title = "Invalid variant notation"

    def __init__(self, text: object, reason: str, expected: str = EXPECTED,
                 what: str = "protein change"):
        self.text = text
        self.reason = reason
        self.expected = expected
        problem = f"invalid {what} {text!r}: {reason}"
        super().__init__(f"{problem}; expected {expected}",
                         [Problem(problem, expected=expected)])


# ----------------------------------------------------------------------------- grammar
def _grammar(residue: str, stop: str, seq: str, codon_only: bool) -> list[tuple[str, re.Pattern]]:
    """The patterns of one residue style, most specific first; each is matched in full."""
    R, S = f"(?:{residue})", f"(?:{stop})"
    SEQ = f"(?:{seq})"
    P = r"(?P<pos>\d+)"
    RANGE = rf"(?P<ref>{R}){P}(?:_(?P<ref2>{R})(?P<end>\d+))?"
    patterns = [
        ("splice", rf"(?P<ref>{R}|X|Xaa)?{P}_(?i:splice)"),
        ("unknown_effect", rf"(?P<ref>{R}){P}\?"),
        ("n_extension", rf"(?P<ref>{R}){P}(?i:ext)-(?P<n>\d+)"),
        ("extension", rf"(?P<ref>{S}){P}(?P<alt>{R})(?i:ext){S}?(?:\d+|\?)?"),
        ("frameshift", rf"(?P<ref>{R}){P}{R}?(?i:fs)(?:{S}(?:\d+|\?)?)?"),
        ("delins", rf"{RANGE}(?:(?i:del)(?P<seq>{SEQ})?(?i:ins)|>)(?P<alt>{SEQ})"),
        ("deletion", rf"{RANGE}(?i:del)(?P<seq>{SEQ})?"),
        ("insertion", rf"(?P<ref>{R}){P}_(?P<ref2>{R})(?P<end>\d+)(?i:ins)(?P<alt>{SEQ})"),
        ("duplication", rf"{RANGE}(?i:dup)(?P<seq>{SEQ})?"),
        ("substitution", rf"(?P<ref>{R}|{S}){P}(?P<alt>{R}|{S}|=)"),
    ]
    if codon_only:
        # Not HGVS, written in MAFs: the residues a frameshift deletion removes before the
        # position ('PDTSEKF401fs'). The frameshift starts at the first residue, which a range
        # numbers (as 'E746_A750'): read as P401fs. ('IL517del' has no such reading: which
        # residue is 517? It stays unreadable.)
        patterns.append(("frameshift", rf"(?P<ref>{R}){R}+{P}(?i:fs)(?:{S}(?:\d+|\?)?)?"))
        patterns.append(("codon", rf"(?P<ref>{R}){P}"))
    else:  # recognised only to refuse it with a useful message
        patterns.append(("codon3", rf"(?P<ref>{R}){P}"))
    return [(kind, re.compile(pattern)) for kind, pattern in patterns]


_ONE = "ACDEFGHIKLMNPQRSTVWYUO"
_THREE = "|".join(k for k in AA3 if k != "Ter")
GRAMMARS = (
    # 3-letter: residues case-insensitive; stop Ter, * or X.
    ("3", _grammar(f"(?i:{_THREE})", r"\*|X|(?i:Ter)", rf"(?:(?i:{_THREE}|Ter)|\*)+", False)),
    # 1-letter: residues upper case; stop *, X or Ter; sequences of 1-letter residues and *.
    ("1", _grammar(f"[{_ONE}]", r"\*|X|(?i:Ter)", rf"[{_ONE}*]+", True)),
)
_SEQ3 = re.compile(rf"(?i:{_THREE}|Ter)|\*")
_ACCESSION = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.\d+)?:(?=[pP]\.)")


def _residue(token: str) -> str:
    """1-letter code of a residue token ('Glu', 'E', 'Ter', 'X' as stop, '*')."""
    if token in ("*", "X") or token.lower() == "ter":
        return "*"
    if len(token) == 3:
        return AA3[token.capitalize()]
    return token


def _sequence(text: str | None, style: str) -> str:
    if not text:
        return ""
    if style == "1":
        return text
    return "".join(_residue(t) for t in _SEQ3.findall(text))


def _three(seq: str) -> str:
    return "".join(AA1[aa] for aa in seq)


def _span(ref: str, pos: int, ref2: str | None, end: int | None) -> tuple[str, str]:
    """'E746_A750' in 1-letter and 'Glu746_Ala750' in 3-letter."""
    one, three = f"{ref}{pos}", f"{AA1[ref]}{pos}"
    if end is not None:
        one += f"_{ref2}{end}"
        three += f"_{AA1[ref2]}{end}"
    return one, three


# ----------------------------------------------------------------------------- parse
def parse_protein_change(text: str) -> ProteinChange:
    """Parse a protein change in any accepted spelling; raise InvalidChange otherwise."""
    if not isinstance(text, str):
        raise InvalidChange(text, f"expected a string, got {type(text).__name__}")
    _check_text(text, "protein change", EXPECTED)
    return _parse_protein_change(text)


_LONG_NUMBER = re.compile(r"[0-9]{19}")  # a position of 19+ digits: past 64-bit


def _check_text(text: str, what: str, expected: str) -> None:
    """HGVS is ASCII with positions of a few digits: other scripts' digits ('p.V٦٠٠E') are not
    positions, and a 5,000-digit one is no position either (nor convertible by int())."""
    if not text.isascii():
        raise InvalidChange(text[:40], "holds non-ASCII characters (only 0-9 are digits)",
                            expected, what)
    if _LONG_NUMBER.search(text):
        raise InvalidChange(text[:40], "a number of 19 or more digits", expected, what)


@functools.lru_cache(maxsize=16384)
def _parse_protein_change(text: str) -> ProteinChange:
    # Memoised: the result is a frozen value of the text alone, and panels repeat the same
    # changes (V600E, G12D …) in report after report. Errors are raised again, not cached.
    body = text.strip()
    if not body:
        raise InvalidChange(text, "empty")
    body = _ACCESSION.sub("", body).replace("%3D", "=").replace("%3d", "=")
    if re.match(r"(?:[A-Za-z][A-Za-z0-9_]*(?:\.\d+)?:)?[cgnmr]\.", body):
        raise InvalidChange(text, "this is a nucleotide change, not a protein (p.) change")
    if body[:2] in ("p.", "P."):
        body = body[2:]
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1].strip()
    if not body:
        raise InvalidChange(text, "nothing after 'p.'")
    if body == "?":
        raise InvalidChange(text, "p.? says the effect on the protein is unknown")
    if body in ("0", "0?"):
        return ProteinChange("0", "p.0", "start_lost")
    if body == "=":
        return ProteinChange("=", "p.=", "synonymous")
    if body.lower() == "splice":
        return ProteinChange("splice", "p.?", "splice")
    if " ".join(body.split()).lower() in ITD_NAMES:
        return ProteinChange("ITD", "p.?", "inframe_insertion")
    for style, patterns in GRAMMARS:
        for kind, pattern in patterns:
            match = pattern.fullmatch(body)
            if match:
                return _build(text, style, kind, match)
    upper = body.upper()
    if upper != body and any(p.fullmatch(upper) for _, p in GRAMMARS[1][1]):
        raise InvalidChange(text, f"1-letter residues are written in upper case ({upper})")
    raise InvalidChange(text, "not a recognised protein change")


def _build(text: str, style: str, kind: str, m: re.Match) -> ProteinChange:
    groups = m.groupdict()
    pos = int(groups["pos"])
    if not 1 <= pos <= MAX_POSITION:
        raise InvalidChange(text, f"position {pos} is out of range (1 to {MAX_POSITION})")
    end = int(groups["end"]) if groups.get("end") else None
    if end is not None and not pos < end <= MAX_POSITION:
        raise InvalidChange(text, f"range end {end} must come after start {pos}")
    if kind == "splice":
        # The position is the codon nearest the intronic change; the residue written there (or
        # 'X', a placeholder here, not a stop) says nothing more, so it is not kept.
        return ProteinChange(f"X{pos}_splice", "p.?", "splice", position=pos)
    ref = _residue(groups["ref"]) if groups.get("ref") else None
    ref2 = _residue(groups["ref2"]) if groups.get("ref2") else None

    if kind == "codon3":
        raise InvalidChange(text, "a codon on its own is written with a 1-letter residue "
                                  f"({ref}{pos}) or in HGVS as p.{AA1[ref]}{pos}?")
    if kind == "n_extension":
        if ref != "M" or pos != 1:
            raise InvalidChange(text, "an N-terminal extension starts at Met1 (p.Met1ext-5)")
        n = int(groups["n"])
        return ProteinChange(f"M1ext-{n}", f"p.Met1ext-{n}", "start_lost", ref_aa="M", position=1)
    if kind == "codon" or kind == "unknown_effect":
        if pos == 1 and ref == "M":
            return ProteinChange("M1?", "p.Met1?", "start_lost", ref_aa="M", position=1)
        return ProteinChange(f"{ref}{pos}", f"p.{AA1[ref]}{pos}?", "codon", ref_aa=ref,
                             position=pos)
    if kind == "extension" or (kind == "substitution" and ref == "*"):
        alt = _residue(groups["alt"])
        if alt == "=" or alt == "*":
            return ProteinChange(f"*{pos}=", f"p.Ter{pos}=", "synonymous", ref_aa="*",
                                 position=pos, alt_aa="*")
        return ProteinChange(f"*{pos}{alt}ext*?", f"p.Ter{pos}{AA1[alt]}extTer?", "stop_lost",
                             ref_aa="*", position=pos, alt_aa=alt)
    if kind == "frameshift":
        return ProteinChange(f"{ref}{pos}fs", f"p.{AA1[ref]}{pos}fs", "frameshift", ref_aa=ref,
                             position=pos)
    if kind == "substitution":
        alt = groups["alt"]
        alt = ref if alt == "=" else _residue(alt)
        return _substitution(ref, pos, alt)

    # ranges: deletion, duplication, insertion, delins
    if end is None:
        ref2 = None
    length = 1 if end is None else end - pos + 1
    one, three = _span(ref, pos, ref2, end)
    covers_start = pos == 1
    if kind in ("deletion", "duplication"):
        written = _sequence(groups.get("seq"), style)
        if written and (len(written) != length or written[0] != ref
                        or written[-1] != (ref2 or ref)):
            word = "deleted" if kind == "deletion" else "duplicated"
            raise InvalidChange(text, f"{word} residues {written} do not match {one}")
        op, consequence = (("del", "inframe_deletion") if kind == "deletion"
                           else ("dup", "inframe_insertion"))
        if covers_start:
            consequence = "start_lost"
        return ProteinChange(f"{one}{op}", f"p.{three}{op}", consequence, ref_aa=ref,
                             position=pos, end_position=end)
    alt = _sequence(groups["alt"], style)
    if kind == "delins" and groups.get("seq"):
        written = _sequence(groups["seq"], style)
        if len(written) != length or written[0] != ref or written[-1] != (ref2 or ref):
            raise InvalidChange(text, f"deleted residues {written} do not match {one}")
    if kind == "insertion":
        consequence = "nonsense" if "*" in alt else "inframe_insertion"
        return ProteinChange(f"{one}ins{alt}", f"p.{three}ins{_three(alt)}", consequence,
                             ref_aa=ref, position=pos, end_position=end)
    # delins
    if end is None and len(alt) == 1:
        return _substitution(ref, pos, alt)
    consequence = "nonsense" if "*" in alt else "inframe_delins"
    if covers_start:
        consequence = "start_lost"
    return ProteinChange(f"{one}delins{alt}", f"p.{three}delins{_three(alt)}", consequence,
                         ref_aa=ref, position=pos, end_position=end)


def _substitution(ref: str, pos: int, alt: str) -> ProteinChange:
    if alt == ref:
        return ProteinChange(f"{ref}{pos}=", f"p.{AA1[ref]}{pos}=", "synonymous", ref_aa=ref,
                             position=pos, alt_aa=alt)
    if alt == "*":
        consequence = "nonsense"
    elif pos == 1 and ref == "M":
        consequence = "start_lost"
    else:
        consequence = "missense"
    return ProteinChange(f"{ref}{pos}{alt}", f"p.{AA1[ref]}{pos}{AA1[alt]}", consequence,
                         ref_aa=ref, position=pos, alt_aa=alt)


# ----------------------------------------------------------------------------- SO terms
# Our classes from most to least severe; among several terms the most severe class wins.
# exon_loss (SO exon_loss_variant, read by exon-skipping evidence) ranks just above 'other', the
# class the term had before: with any other known term the call keeps the class it had then.
_SEVERITY = ("splice", "nonsense", "frameshift", "stop_lost", "start_lost", "inframe_delins",
             "inframe_insertion", "inframe_deletion", "missense", "synonymous", "exon_loss",
             "other")
assert set(_SEVERITY) <= set(CONSEQUENCES) and "codon" not in _SEVERITY

_TERMS: dict[str, str] = {}
for _class, _terms in {
    "splice": "splice_acceptor_variant splice_donor_variant",
    "nonsense": "stop_gained",
    "frameshift": "frameshift_variant",
    "stop_lost": "stop_lost",
    # transcript_ablation: the whole transcript is deleted, no protein (as p.0).
    "start_lost": "start_lost initiator_codon_variant transcript_ablation",
    # protein_altering_variant is VEP's term for an in-frame change that is neither a pure
    # insertion nor a pure deletion.
    "inframe_delins": "protein_altering_variant",
    "inframe_insertion": "inframe_insertion conservative_inframe_insertion "
                         "disruptive_inframe_insertion",
    "inframe_deletion": "inframe_deletion conservative_inframe_deletion "
                        "disruptive_inframe_deletion",
    "missense": "missense_variant rare_amino_acid_variant",
    "synonymous": "synonymous_variant stop_retained_variant start_retained_variant "
                  "start_retained",
    # A whole exon deleted (or skipped): read by exon_skipping criteria (docs/kb-schema.md).
    "exon_loss": "exon_loss_variant",
    # Non-coding and region terms (VEP and snpEff). splice_region alone is not a splice site.
    "other": "splice_region_variant splice_donor_5th_base_variant splice_donor_region_variant "
             "splice_polypyrimidine_tract_variant incomplete_terminal_codon_variant "
             "coding_sequence_variant coding_transcript_variant 5_prime_UTR_variant "
             "3_prime_UTR_variant 5_prime_UTR_premature_start_codon_gain_variant "
             "non_coding_transcript_exon_variant non_coding_transcript_variant "
             "non_coding_exon_variant nc_transcript_variant intron_variant "
             "conserved_intron_variant NMD_transcript_variant mature_miRNA_variant "
             "upstream_gene_variant downstream_gene_variant intergenic_variant "
             "intergenic_region conserved_intergenic_variant intragenic_variant "
             "regulatory_region_variant regulatory_region_ablation "
             "regulatory_region_amplification TF_binding_site_variant TFBS_ablation "
             "TFBS_amplification transcript_amplification feature_elongation "
             "feature_truncation exon_variant gene_variant "
             "non_canonical_start_codon sequence_feature structural_interaction_variant "
             "protein_protein_contact gene_fusion bidirectional_gene_fusion feature_fusion "
             "transcript_variant miRNA",
}.items():
    for _term in _terms.split():
        _TERMS[_term.lower()] = _class
# snpEff's older EFF names and MAF Variant_Classification values (vcf2maf).
_TERMS.update({k.lower(): v for k, v in {
    "NON_SYNONYMOUS_CODING": "missense", "SYNONYMOUS_CODING": "synonymous",
    "FRAME_SHIFT": "frameshift", "SPLICE_SITE_ACCEPTOR": "splice", "SPLICE_SITE_DONOR": "splice",
    "SPLICE_SITE_REGION": "other", "CODON_DELETION": "inframe_deletion",
    "CODON_INSERTION": "inframe_insertion", "CODON_CHANGE_PLUS_CODON_DELETION": "inframe_delins",
    "CODON_CHANGE_PLUS_CODON_INSERTION": "inframe_delins", "NON_SYNONYMOUS_START": "start_lost",
    "SYNONYMOUS_START": "synonymous", "SYNONYMOUS_STOP": "synonymous",
    "UTR_5_PRIME": "other", "UTR_3_PRIME": "other", "INTRON": "other", "INTERGENIC": "other",
    "UPSTREAM": "other", "DOWNSTREAM": "other", "EXON": "other", "INTRAGENIC": "other",
    "Missense_Mutation": "missense", "Nonsense_Mutation": "nonsense",
    "Nonstop_Mutation": "stop_lost", "Silent": "synonymous", "Frame_Shift_Del": "frameshift",
    "Frame_Shift_Ins": "frameshift", "In_Frame_Del": "inframe_deletion",
    "In_Frame_Ins": "inframe_insertion", "Splice_Site": "splice",
    "Translation_Start_Site": "start_lost", "Splice_Region": "other", "3'UTR": "other",
    "5'UTR": "other", "3'Flank": "other", "5'Flank": "other", "Intron": "other", "IGR": "other",
    "RNA": "other", "lincRNA": "other", "Targeted_Region": "other",
}.items()})
_SEPARATORS = re.compile(r"[&,]")


def consequence_class(text: str | None) -> str | None:
    """Our consequence class for a class name ('inframe_deletion', 'missense') or SO term(s)."""
    if not text:
        return None
    name = text.strip().lower()
    return name if name in CONSEQUENCES else consequence_from_so(name)


def consequence_from_so(terms: str | None) -> str | None:
    """Our consequence class for SO term(s) ('&'- or ','-joined); None if no term is known."""
    if not terms:
        return None
    classes = {_TERMS.get(t.strip().lower()) for t in _SEPARATORS.split(terms)} - {None}
    if not classes:
        return None
    # A change that both deletes and inserts residues in frame is a delins.
    if {"inframe_insertion", "inframe_deletion"} <= classes:
        classes.add("inframe_delins")
    return min(classes, key=_SEVERITY.index)


# ----------------------------------------------------------------------------- cDNA
_CDNA = re.compile(r"^(?:(?P<tx>[A-Za-z][A-Za-z0-9_]*(?:\.\d+)?(?:\([A-Za-z0-9\-_.]+\))?):)?"
                   r"[cC]\.(?P<body>.*)$")
_NONCODING = re.compile(r"^(?:[A-Za-z][A-Za-z0-9_]*(?:\.\d+)?(?:\([A-Za-z0-9\-_.]+\))?:)?n\.\S")
_CDNA_POS = r"(?P<a{n}>[-*]?\d+)(?P<o{n}>[+-]\d+)?"
_CDNA_CHANGE = re.compile(
    "^" + _CDNA_POS.format(n=1) + "(?:_" + _CDNA_POS.format(n=2) + ")?"
    r"(?P<change>[ACGTNacgtn]*>[ACGTNacgtn]+|(?i:del|dup|ins|inv|con)\S*|=|\[\d+\]"
    r"|[ACGTacgt]+\[\d+\])$")
_CDNA_EXPECTED = "a cDNA change such as c.1234+1G>A, NM_000548.5:c.1235-2A>G or c.76_78del"


def classify_cdna(text: str) -> str | None:
    """'splice' for a change touching a canonical splice site (intron ±1/±2), else None.

    Accepts an optional transcript prefix (``NM_000548.5:``, ``ENST…:``, ``NM_…(TSC2):``). A
    non-coding transcript change (``ENST…:n.…``, as VEP writes for non-coding transcripts) gives
    None; anything that is not ``c.``/``n.`` HGVS raises InvalidChange.
    """
    if not isinstance(text, str):
        raise InvalidChange(text, f"expected a string, got {type(text).__name__}",
                            _CDNA_EXPECTED, "cDNA change")
    _check_text(text, "cDNA change", _CDNA_EXPECTED)
    stripped = text.strip()
    if _NONCODING.match(stripped):  # a non-coding transcript: no protein, no coding splice site
        return None
    match = _CDNA.match(stripped)
    if not match:
        raise InvalidChange(text, "not a cDNA (c.) change", _CDNA_EXPECTED, "cDNA change")
    body = match["body"].strip()
    if body in ("?", "(?)", "=", "0", "0?"):
        return None
    if body.startswith(("(", "[")):  # uncertain positions or an allele: cannot tell
        return None
    change = _CDNA_CHANGE.match(body)
    if not change:
        raise InvalidChange(text, "positions or change not understood", _CDNA_EXPECTED,
                            "cDNA change")
    start = _cdna_position(change["a1"], change["o1"])
    end = _cdna_position(change["a2"], change["o2"]) if change["a2"] else start
    if start is None or end is None:  # a UTR-anchored intron: no coding splice site
        return None
    if end < start:
        raise InvalidChange(text, "range end before start", _CDNA_EXPECTED, "cDNA change")
    # The splice sites an offset implies: after an exon end (anchor a, '+' offset) the donor is
    # a+1, a+2 and the next exon starts at a+1 with acceptor (a+1)-2, (a+1)-1; symmetrically
    # before an exon start. A range that covers one of them touches a canonical splice site.
    sites = []
    for anchor, offset in (start, end):
        if offset > 0:
            sites += [(anchor, 1), (anchor, 2), (anchor + 1, -2), (anchor + 1, -1)]
        elif offset < 0:
            sites += [(anchor, -2), (anchor, -1), (anchor - 1, 1), (anchor - 1, 2)]
    return "splice" if any(start <= site <= end for site in sites) else None


def _cdna_position(anchor: str, offset: str | None) -> tuple[int, int] | None:
    """(coding anchor, intron offset); None for 5'/3' UTR anchors (c.-15+1, c.*12-2)."""
    if anchor.startswith(("-", "*")):
        return None
    return int(anchor), int(offset) if offset else 0


@dataclass(frozen=True)
class CdnaChange:
    """The positions a coding cDNA change covers: ``(anchor, offset)`` pairs, ``c.3028+1`` =
    ``(3028, 1)``, ``c.2888-2`` = ``(2888, -2)``, an exonic ``c.3028`` = ``(3028, 0)``. Pairs
    compare in transcript order (``(3028, 2) < (3029, -2)``, as HGVS splits an intron between
    its two exons). ``kind``: substitution, deletion, delins, insertion (between ``start`` and
    ``end``), duplication, inversion or other (conversions, repeats, ``=``)."""

    transcript: str | None  # the accession written before 'c.', if any ('NM_000245.4')
    start: tuple[int, int]
    end: tuple[int, int]
    kind: str


def parse_cdna(text: object) -> CdnaChange | None:
    """The positions of a coding cDNA change, or None: not ``c.`` HGVS, not understood, uncertain
    positions, or a position anchored in a UTR (``c.-15+1``, ``c.*12-2``). Never raises."""
    if not isinstance(text, str):
        return None
    return _parse_cdna(text.strip())


@functools.lru_cache(maxsize=4096)
def _parse_cdna(text: str) -> CdnaChange | None:
    match = _CDNA.match(text)
    if not match:
        return None
    change = _CDNA_CHANGE.match(match["body"].strip())
    if not change:
        return None
    start = _cdna_position(change["a1"], change["o1"])
    end = _cdna_position(change["a2"], change["o2"]) if change["a2"] else start
    if start is None or end is None or end < start:
        return None
    op = change["change"].lower()
    if ">" in op:
        kind = "substitution"
    elif op.startswith("delins"):
        kind = "delins"
    else:
        kind = {"del": "deletion", "ins": "insertion", "dup": "duplication",
                "inv": "inversion"}.get(op[:3], "other")
    tx = match["tx"].split("(")[0] if match["tx"] else None
    return CdnaChange(tx, start, end, kind)


_INSERTED = re.compile(r"^(?:delins|ins|dup|del)(?P<seq>[ACGTNacgtn]+|\d+)?$")


def cdna_indel_class(text: object) -> str | None:
    """Consequence class of an exonic coding indel written in cDNA only (``c.2235_2249del``,
    ``c.5266dupC``, ``c.2300_2308dup``), from its length: ``frameshift`` when the net length
    change is not a multiple of 3, else ``inframe_deletion`` / ``inframe_insertion`` /
    ``inframe_delins``. None for substitutions, intronic or UTR positions, changes at the start
    codon, and insertions whose length is not written. Never raises."""
    c = parse_cdna(text)
    if c is None or c.start[1] or c.end[1] or c.start[0] <= 3:
        return None
    body = _CDNA.match(str(text).strip())["body"].strip()
    op = _CDNA_CHANGE.match(body)["change"]
    written = _INSERTED.match(op)
    if c.kind not in ("deletion", "duplication", "insertion", "delins") or written is None:
        return None
    span = c.end[0] - c.start[0] + 1
    seq = written["seq"] or ""
    length = int(seq) if seq.isdigit() else len(seq)
    if c.kind == "deletion":
        net, kind = -span, "inframe_deletion"
    elif c.kind == "duplication":
        net, kind = span, "inframe_insertion"
    elif c.kind == "insertion":
        if not length:
            return None
        net, kind = length, "inframe_insertion"
    else:
        if not length:
            return None
        net, kind = length - span, "inframe_delins"
    return "frameshift" if net % 3 else kind
