"""Report (the lab's words) -> normalised alterations (HGNC genes, canonical protein changes,
hotspot-resolved coordinates, oriented fusions, signatures).

For a lab JSON report an unparseable field is the lab's error: every such problem is collected and
raised as one :class:`ReportValidationError` naming the field path. For pipeline files (VCF, MAF …)
an annotation the normaliser cannot read makes that call ``not_assessable`` instead, with the
reason: the rest of the file is still matched. Nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matcher.errors import AmbiguousGeneError, InputError, Problem, ReportValidationError
from matcher.model import (
    Alteration,
    CopyNumberDetail,
    FusionDetail,
    Report,
    SignatureDetail,
    VariantCall,
    VariantDetail,
)

PROMOTER_NOTE = "TERT promoter"


@dataclass
class Normalized:
    """The outcome of normalising one report."""

    alterations: list[Alteration] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Ctx:
    def __init__(self, report: Report, kb):
        self.kb = kb
        self.strict = report.source_format == "labjson"
        self.problems: list[Problem] = []
        self.warnings: list[str] = list(report.warnings)
        self.out: list[Alteration] = []

    def unreadable(self, msg: str, field: str, expected: str) -> str | None:
        """A lab JSON field the normaliser cannot read is the lab's error (collected); in a
        pipeline file it makes the call not assessable: returns the reason, or None."""
        if self.strict:
            self.problems.append(Problem(msg, field=field, expected=expected))
            return None
        return msg

    def next_id(self) -> str:
        return f"A{len(self.out) + 1}"

    def gene(self, symbol: str | None, where: str) -> tuple[str | None, bool]:
        """Resolve a symbol through HGNC: (symbol, known). Ambiguity is a problem, not a guess."""
        if not symbol:
            return None, True
        try:
            look = self.kb.hgnc.resolve(symbol)
        except AmbiguousGeneError as exc:
            cands = ", ".join(getattr(exc, "candidates", ()) or ())
            msg = (f"{symbol!r} is an alias or previous symbol of several genes ({cands}); "
                   "not guessed")
            if self.strict:
                self.problems.append(Problem(msg, field=where, expected=f"one of {cands}"))
            else:
                self.warnings.append(f"{where}: {msg}")
            return None, False
        if look.status == "unknown":
            self.warnings.append(f"{where}: gene symbol {symbol!r} is not known to HGNC; "
                                 "kept as written and not matched")
            return look.symbol, False
        if look.status != "approved":  # an alias, a previous symbol
            article = "an" if look.status == "alias" else "a"
            self.warnings.append(f"{where}: {symbol!r} is {article} {look.status} symbol; "
                                 f"read as {look.symbol}")
        return look.symbol, True


def normalize_report(report: Report, kb) -> Normalized:
    """Normalise every call of a report; raise ReportValidationError (lab JSON) listing problems."""
    ctx = _Ctx(report, kb)
    for call in report.variants:
        _variant(ctx, call)
    for call in report.fusions:
        _fusion(ctx, call)
    for call in report.copy_numbers:
        gene, known = ctx.gene(call.gene, f"{call.source}.gene")
        ctx.out.append(Alteration(
            id=ctx.next_id(), kind="copy_number", gene=gene, gene_known=known,
            label=f"{gene or call.gene} {call.state.replace('_', ' ')}",
            original=f"{call.gene} {call.state}" + (f" ({call.copies:g} copies)"
                                                    if call.copies is not None else ""),
            source=call.source, copy_number=CopyNumberDetail(call.state, call.copies),
            filter_reason=call.filter_reason, not_assessable=call.not_assessable))
    _signatures(ctx, report)
    if ctx.problems:
        raise ReportValidationError(
            f"report failed validation ({len(ctx.problems)} problem(s))", ctx.problems)
    from matcher.kb.oncogenicity import classified

    return Normalized(classified(ctx.out, kb), ctx.warnings)


# ----------------------------------------------------------------------------- small variants
def _variant(ctx: _Ctx, call: VariantCall) -> None:
    from matcher.reference.hotspots import TERT_PROMOTER
    from matcher.reference.protein import (
        ITD_GENES,
        InvalidChange,
        classify_cdna,
        consequence_class,
        parse_protein_change,
    )

    gene, known = ctx.gene(call.gene, f"{call.source}.gene")
    protein = None
    consequence = None
    not_assessable = None
    notes: list[str] = []
    original = " ".join(x for x in (call.gene, call.protein_change or call.cdna_change) if x)
    if call.chrom:
        coord = f"{call.chrom}:{call.pos} {call.ref}>{call.alt}"
        original = f"{original} ({coord})" if original else coord

    if call.protein_change:
        pc = call.protein_change.strip()
        if gene == "TERT" and pc.upper().removeprefix("P.") in TERT_PROMOTER:
            protein = _tert(TERT_PROMOTER[pc.upper().removeprefix("P.")])
        else:
            try:
                protein = parse_protein_change(pc)
                if protein.canonical == "ITD" and gene not in ITD_GENES:
                    raise InvalidChange(pc, "'ITD' without HGVS is read for "
                                            f"{', '.join(sorted(ITD_GENES))} only")
            except InputError as exc:
                protein = None
                # Older VEP writes a c. change in HGVSp for synonymous calls: the SO term then
                # says enough. Any other unreadable change (a typo such as 'p.L858RR') makes
                # the call not assessable in every reader, never matched at gene level by its
                # consequence.
                cdna_in_hgvsp = "nucleotide change" in str(getattr(exc, "reason", ""))
                if ctx.strict or not (call.consequence and cdna_in_hgvsp):
                    where = ", ".join(x for x in (call.source, call.protein_field) if x)
                    not_assessable = ctx.unreadable(
                        f"{where}: cannot read protein change {pc!r}: "
                        f"{getattr(exc, 'reason', exc.message)}" if not ctx.strict else
                        f"cannot read protein change {pc!r}: "
                        f"{getattr(exc, 'reason', exc.message)}",
                        f"{call.source}.protein_change",
                        "HGVS protein notation such as p.Val600Glu or V600E")
    if protein is None and call.cdna_change:
        cd = call.cdna_change.strip()
        key = cd.split(":")[-1].upper()
        if gene == "TERT" and key in TERT_PROMOTER:
            protein = _tert(TERT_PROMOTER[key])
        else:
            try:
                consequence = classify_cdna(cd) or _cdna_indel(cd, notes)
            except InputError as exc:
                not_assessable = ctx.unreadable(
                    f"cannot read cDNA change {cd!r}: {getattr(exc, 'reason', exc.message)}",
                    f"{call.source}.cdna_change", "HGVS cDNA notation such as c.1799T>A")
    if protein is not None and gene and call.transcript and protein.position:
        why = ctx.kb.transcripts.check(gene, call.transcript)
        if why:
            not_assessable = why
    if protein is not None:
        consequence = protein.consequence
    elif call.consequence:
        consequence = consequence_class(call.consequence) or consequence

    hotspot = False
    if call.chrom and call.pos and call.ref and call.alt and call.build:
        hit = ctx.kb.hotspots.lookup(call.build, call.chrom, call.pos, call.ref, call.alt)
        if hit is not None:
            what = hit.protein or "non-coding hotspot"
            if gene and gene != hit.gene:
                ctx.warnings.append(f"{call.source}: coordinates are the {hit.gene} hotspot "
                                    f"{what}, but the gene was given as {gene}")
            if protein is None:
                if not_assessable and call.protein_change:  # the written change is unreadable
                    ctx.warnings.append(f"{not_assessable}; the call was identified from its "
                                        f"genomic coordinates instead ({hit.gene} {what}, "
                                        f"{call.build} hotspot)")
                gene, known = hit.gene, True
                if hit.protein:
                    protein = (_tert(hit.protein) if hit.gene == "TERT"
                               else parse_protein_change(hit.protein))
                    consequence = protein.consequence
                    notes.append(f"identified from genomic coordinates ({call.build} hotspot)")
                else:  # cancerhotspots' non-coding hotspots name a gene but no protein change
                    notes.append(f"non-coding hotspot listed for {hit.gene} ({call.build}, "
                                 "cancerhotspots.org): no protein change")
                not_assessable = None
            hotspot = True
        elif gene is None:
            in_genes = [g for g in ctx.kb.gene_spans.genes_at(call.build, call.chrom, call.pos)]
            kb_genes = [g for g in in_genes if g in ctx.kb.genes]
            if kb_genes:
                gene = kb_genes[0]
                not_assessable = (f"raw call inside {gene}: consequence unknown; annotate with "
                                  "VEP or snpEff to assess")
            elif in_genes:
                gene = in_genes[0]
    elif call.chrom and not call.build:
        not_assessable = ctx.unreadable("genomic coordinates without a genome build",
                                        "genome_build", "GRCh37 or GRCh38")

    if protein is not None and gene and not hotspot and protein.position:
        if protein.consequence in ("missense", "codon"):
            hotspot = ctx.kb.hotspots.is_hotspot_residue(gene, protein.position)
    if gene is None and not_assessable is None:
        not_assessable = "no gene: the position is outside every known gene span"
    exon = call.exon
    if exon is None and protein is not None and gene and not_assessable is None:
        exon = _exon_from_protein(ctx, gene, protein, call.transcript, notes)
    elif exon is None and protein is None and gene and not_assessable is None and call.cdna_change:
        exon = _exon_from_cdna(ctx, gene, call, consequence, notes)
    if protein is not None:
        label = f"{gene} {protein.canonical}"
        if gene == "TERT" and protein.canonical in ("C228T", "C250T"):
            label = f"TERT promoter {protein.canonical}"
    elif call.protein_change:  # written but unreadable: shown as written
        label = f"{gene} {call.protein_change.strip()}"
    elif call.cdna_change:
        label = f"{gene} {call.cdna_change}"
    elif call.exon and not call.chrom:  # an exon-level result: "EGFR exon 19 inframe deletion"
        what = (consequence or "alteration").replace("_", " ")
        label = f"{gene} exon {call.exon} {what}"
    elif call.chrom:
        label = f"{gene or 'intergenic'} {call.chrom}:{call.pos} {call.ref}>{call.alt}"
    else:
        label = f"{gene} (change not given)"
    if call.origin == "germline":
        notes.append("germline: inherited; consider genetic counselling")
    ctx.out.append(Alteration(
        id=ctx.next_id(), kind="variant", gene=gene, gene_known=known, label=label,
        original=original or label, source=call.source, origin=call.origin,
        variant=VariantDetail(
            protein=protein, consequence=consequence, cdna=call.cdna_change,
            transcript=call.transcript, exon=exon, chrom=call.chrom, pos=call.pos,
            ref=call.ref, alt=call.alt, build=call.build, vaf=call.vaf, depth=call.depth,
            hotspot=hotspot),
        filter_reason=call.filter_reason, not_assessable=not_assessable, notes=tuple(notes)))


def _cdna_indel(cd: str, notes: list[str]) -> str | None:
    """The consequence class of a cDNA-only indel from its length (frameshift or in-frame), with
    a note saying it was derived; None otherwise."""
    from matcher.reference.protein import cdna_indel_class

    found = cdna_indel_class(cd)
    if found:
        notes.append(f"{found.replace('_', ' ')} derived from the cDNA change's length (no "
                     "protein change given)")
    return found


def _exon_from_cdna(ctx: _Ctx, gene: str, call, consequence: str | None,
                    notes: list[str]) -> int | None:
    """The exon of an exonic cDNA-only indel (codons from its c. positions), as
    :func:`_exon_from_protein` does for a protein change."""
    from types import SimpleNamespace

    from matcher.reference.protein import parse_cdna

    c = parse_cdna(call.cdna_change)
    if consequence is None or c is None or c.start[1] or c.end[1]:
        return None  # (a splice-class call: _exon_from_protein says no)
    codons = SimpleNamespace(position=(c.start[0] + 2) // 3, end_position=(c.end[0] + 2) // 3,
                             consequence=consequence)
    return _exon_from_protein(ctx, gene, codons, call.transcript, notes)


def _exon_from_protein(ctx: _Ctx, gene: str, protein, transcript: str | None,
                       notes: list[str]) -> int | None:
    """The exon of a protein change on the gene's MANE Select transcript, for a call whose
    annotation gave none (lab reports, MAFs without Exon_Number, protein-only calls): only when
    the change is written on no transcript or on the MANE Select, never for a splice-site change
    (its bases lie in the intron). Adds a note saying so.
    See matcher/reference/exons.py for the rule."""
    from matcher.reference.transcripts import accession

    if not protein.position or protein.consequence == "splice":
        return None
    select = ctx.kb.transcripts.select(gene)
    if transcript and (select is None or accession(transcript) not in
                       {accession(a) for a in (select.refseq, select.ensembl) if a}):
        return None  # written on another transcript: its exons may be numbered otherwise
    exon = ctx.kb.protein_exons.exon_of(gene, protein.position, protein.end_position)
    if exon is not None:
        on = f" {select.refseq}" if select is not None and select.refseq else ""
        notes.append(f"exon {exon} derived from the protein position on the MANE Select "
                     f"transcript{on} (the call gave no exon)")
    return exon


def _tert(name: str):
    from matcher.model import ProteinChange

    return ProteinChange(canonical=name, hgvs=name, consequence="other")


# ----------------------------------------------------------------------------- fusions
def _fusion(ctx: _Ctx, call) -> None:
    from matcher.reference.fusion_names import (
        ParsedFusion,
        driver_gene,
        kinase_partner,
        orient,
        parse_fusion,
    )

    five, three, order_known = call.five_prime_gene, call.three_prime_gene, call.order_known
    exon5, exon3 = call.five_prime_exon, call.three_prime_exon
    if call.text and not (five or three):
        try:
            parsed = orient(parse_fusion(call.text, is_symbol=ctx.kb.hgnc.is_known))
        except InputError as exc:
            msg = ctx.unreadable(
                f"cannot read fusion {call.text!r}: {getattr(exc, 'reason', exc.message)}",
                f"{call.source}.fusion", "a fusion such as EML4::ALK")
            if msg is None:
                return
            ctx.out.append(Alteration(id=ctx.next_id(), kind="fusion", gene=None,
                                      label=call.text, original=call.text, source=call.source,
                                      not_assessable=msg))
            return
        five, three, order_known = parsed.five_prime, parsed.three_prime, parsed.order_known
        exon5 = exon5 or parsed.five_prime_exon
        exon3 = exon3 or parsed.three_prime_exon
    g5, k5 = ctx.gene(five, f"{call.source}.five_prime_gene")  # (None, True) for no gene
    g3, k3 = ctx.gene(three, f"{call.source}.three_prime_gene")
    if g5 and not g3 and not call.text:  # one side only given as 5': a rearrangement of it
        g5, g3 = None, g5
    if g5 and g3 and not order_known:
        o = orient(ParsedFusion(g5, g3, False, original_text(call)))
        g5, g3 = o.five_prime, o.three_prime
    if not order_known and g5 and g3:
        label = f"{g5}–{g3} fusion (partner order unknown)"
    elif g5 and g3:
        label = f"{g5}::{g3}"
    else:
        label = f"{g3 or g5} rearrangement"
    kinase = kinase_partner(g5, g3, order_known=order_known)
    # the gene the fusion is known by, which every reason names: its kinase, else the driver
    # CIViC files it under (PML of PML::RARA, KMT2A of KMT2A::MLLT3), else the 3' partner
    driver = driver_gene(g5, g3, order_known=order_known,
                         drivers=getattr(ctx.kb, "fusion_drivers", None))
    original = original_text(call)
    ctx.out.append(Alteration(
        id=ctx.next_id(), kind="fusion", gene=driver, gene_known=k5 and k3,
        label=label, original=original, source=call.source,
        fusion=FusionDetail(five_prime=g5, three_prime=g3, order_known=order_known,
                            kinase_gene=kinase, five_prime_exon=exon5, three_prime_exon=exon3,
                            supporting_reads=call.supporting_reads),
        filter_reason=call.filter_reason, not_assessable=call.not_assessable))


def original_text(call) -> str:
    """The fusion as the lab wrote it."""
    return call.text or "::".join(x for x in (call.five_prime_gene, call.three_prime_gene) if x)


# ----------------------------------------------------------------------------- signatures
def _signatures(ctx: _Ctx, report: Report) -> None:
    b = report.biomarkers
    items = []
    if b.tmb is not None:
        items.append(("TMB", b.tmb, "mut/Mb", f"TMB {b.tmb:g} mut/Mb", "biomarkers.tmb"))
    if b.msi is not None:
        items.append(("MSI", b.msi, None, b.msi, "biomarkers.msi"))
    if b.mmr is not None:
        items.append(("MMR", b.mmr, None, f"MMR {b.mmr}", "biomarkers.mmr"))
    if b.pdl1_tps is not None:
        items.append(("PDL1_TPS", b.pdl1_tps, "%", f"PD-L1 TPS {b.pdl1_tps:g}%",
                      "biomarkers.pdl1_tps"))
    if b.pdl1_cps is not None:
        items.append(("PDL1_CPS", b.pdl1_cps, None, f"PD-L1 CPS {b.pdl1_cps:g}",
                      "biomarkers.pdl1_cps"))
    if b.hrd is not None:
        items.append(("HRD", b.hrd, None, f"HRD {b.hrd}", "biomarkers.hrd"))
    for i, finding in enumerate(b.cytogenetics):
        items.append(("CYTOGENETICS", finding, None, finding, f"biomarkers.cytogenetics[{i}]"))
    for name, value, unit, label, source in items:
        gene = "CD274" if name.startswith("PDL1") else None
        ctx.out.append(Alteration(id=ctx.next_id(), kind="signature", gene=gene, label=label,
                                  original=label, source=source,
                                  signature=SignatureDetail(name, value, unit)))
