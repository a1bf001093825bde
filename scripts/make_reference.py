#!/usr/bin/env python3
"""Build knowledgebase/reference/ from the public data sets in a source folder.

Usage::

    python scripts/make_reference.py [--source /work/shared/data] [--out knowledgebase/reference]

Writes compact, sorted, byte-reproducible files (gzip with mtime 0 and no file name), so that
running it twice gives identical bytes and a diff shows real data changes only:

* ``oncotree.tsv``         the flat OncoTree table, copied as is; ``ONCOTREE_LICENSE.md`` beside it
* ``oncotree_history.tsv`` retired OncoTree codes and the current code each was replaced by
                           (``history``, ``precursors``, ``revocations`` of the OncoTree JSON)
* ``contig_lengths.tsv``   the length of each primary chromosome in GRCh37 and GRCh38 (UCSC chain
                           headers), for telling a file's build from its ``##contig`` lines
* ``hotspots.tsv.gz``      one row per hotspot allele, both builds (GRCh38 completed by liftover)
* ``hotspot_indels.tsv``   in-frame indel hotspot residue ranges (protein coordinates)
* ``hotspot_splice.tsv``   splice-site hotspots (cDNA positions), per build
* ``gene_spans.tsv.gz``    one span per gene and build (GRCh38: MANE Select; GRCh37: Ensembl 75,
                           other genes lifted from GRCh38 through the UCSC chain)
* ``protein_exons.tsv.gz`` the coding exons of each gene's MANE Select transcript: protein and
                           coding cDNA (c.) positions, GRCh37 span (Ensembl 75 exon structure),
                           GRCh38 span (lifted; round trip checked); checked against CIViC variants

Only this script reads the source folder; the product reads the files it writes.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import io
import re
import shutil
import sys
from collections import defaultdict
from pathlib import Path

BUILDS = {"hg19": "GRCh37", "hg38": "GRCh38"}
KINDS = ("HOTSPOT", "HOTSPOT3D", "HOTSPOTNC")
GENEPRED = "Ensembl-v75_build37-hg19_UcscGenePred_CIViC-Genes.ensGene"
# Rows whose HGVSp is this placeholder (a genomic position between 'SS') carry no protein change.
BROKEN_HGVSP = re.compile(r"^p\.SS\d+SS$")
COMPLEMENT = str.maketrans("ACGTacgt", "TGCAtgca")

HOTSPOT_HEADER = ("build", "chrom", "pos", "ref", "alt", "gene", "hgvsp", "hgvsc", "kind",
                  "source")


def chrom_key(chrom: str) -> tuple[int, str]:
    """Sort key: 1..22, X, Y, MT, then anything else alphabetically."""
    if chrom.isdigit():
        return (int(chrom), "")
    return ({"X": 23, "Y": 24, "MT": 25}.get(chrom, 99), chrom)


def bare_chrom(chrom: str) -> str:
    """'chr7' -> '7', 'chrM' -> 'MT'."""
    c = chrom[3:] if chrom.lower().startswith("chr") else chrom
    return "MT" if c.upper() in ("M", "MT") else c


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text with '\\n' line ends; gzip it reproducibly if the name ends in .gz."""
    data = text.encode("utf-8")
    if path.suffix == ".gz":
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(data)
        data = buf.getvalue()
    path.write_bytes(data)


def tsv(header: tuple[str, ...], rows: list[tuple]) -> str:
    """Rows as TSV text with a header line."""
    lines = ["\t".join(header)]
    lines += ["\t".join("" if v is None else str(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- hotspots
def parse_info(info: str) -> dict[str, str]:
    """VCF INFO column as a dict (flags map to '')."""
    out = {}
    for item in info.split(";"):
        key, _, value = item.partition("=")
        out[key] = value
    return out


def tert_promoter_name(ref: str, alt: str, grch37_pos: int) -> str:
    """Conventional TERT promoter name, e.g. C228T for GRCh37 5:1295228 G>A.

    The names count the last three digits of the GRCh37 position and spell the bases on the
    coding (minus) strand, hence the complement of the genomic G>A.
    """
    return f"{ref.translate(COMPLEMENT)}{grch37_pos % 1000}{alt.translate(COMPLEMENT)}"


def read_hotspot_vcf(path: Path, build: str, stats: dict[str, int]) -> list[list]:
    """Rows [build, chrom, pos, ref, alt, gene, hgvsp, hgvsc, kind] of one hotspot VCF."""
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            chrom, pos, _id, ref, alt, _q, _f, info = line.rstrip("\n").split("\t")[:8]
            fields = parse_info(info)
            kinds = [k for k in KINDS if k in fields]
            if len(kinds) != 1 or "," in alt:
                raise SystemExit(f"{path}: unexpected record {chrom}:{pos} {ref}>{alt}")
            kind = kinds[0]
            gene = fields[f"{kind}_GENE"]
            hgvsp = fields.get(f"{kind}_HGVSp", "")
            hgvsc = fields.get(f"{kind}_HGVSc", "")
            if hgvsc == ".":
                hgvsc = ""
            if BROKEN_HGVSP.match(hgvsp):
                stats[f"{build} dropped: HGVSp placeholder p.SS<pos>SS"] += 1
                continue
            hgvsp = hgvsp.removeprefix("p.")
            rows.append([build, bare_chrom(chrom), int(pos), ref.upper(), alt.upper(), gene,
                         hgvsp, hgvsc, kind, "vcf"])
    return rows


def canonical_cds_start(genepred: Path, gene: str) -> tuple[str, int]:
    """(strand, 1-based genomic position of c.1) of a gene's canonical ('***') transcript."""
    with genepred.open(encoding="utf-8") as fh:
        header = fh.readline().lstrip("#").rstrip("\n").split("\t")
        col = {name.rsplit(".", 1)[-1]: i for i, name in enumerate(header)}
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if f[col["name2"]].startswith(f"***{gene}_"):
                strand = f[col["strand"]]
                first = int(f[col["cdsStart"]]) + 1 if strand == "+" else int(f[col["cdsEnd"]])
                return strand, first
    raise SystemExit(f"{genepred}: no canonical transcript for {gene}")


def upstream_hgvsc(pos: int, ref: str, alt: str, strand: str, cds_first: int) -> str:
    """HGVS c. of a SNV upstream of the start codon, e.g. 'c.-124C>T'."""
    if strand == "-":
        return f"c.-{pos - cds_first}{ref.translate(COMPLEMENT)}>{alt.translate(COMPLEMENT)}"
    return f"c.-{cds_first - pos}{ref}>{alt}"


def name_tert_rows(rows: list[list], strand: str, cds_first: int) -> None:
    """Give the TERT promoter rows of both builds their conventional names (C228T, C250T).

    GRCh37 rows are named from their own coordinate; GRCh38 rows take the name of the GRCh37
    row with the same source HGVSc. The source HGVSc values (c.-150C>T for 5:1295228, c.-128C>T
    for 5:1295250) do not fit the canonical TERT transcript ENST00000310581 (= MANE Select
    NM_198253), whose c.1 is GRCh37 5:1295104 on the minus strand; both builds' hgvsc are
    replaced by the c. position on that transcript (c.-124C>T and c.-146C>T).
    """
    named = {}
    for r in rows:
        if r[0] == "GRCh37" and r[5] == "TERT" and r[8] == "HOTSPOTNC":
            named[r[7]] = (tert_promoter_name(r[3], r[4], r[2]),
                           upstream_hgvsc(r[2], r[3], r[4], strand, cds_first))
    for r in rows:
        if r[5] == "TERT" and r[8] == "HOTSPOTNC":
            if r[7] not in named:
                raise SystemExit(f"{r[0]} TERT row {r} has no GRCh37 counterpart")
            r[6], r[7] = named[r[7]]


def lift_point(chains: dict[str, list[tuple]], chrom: str, pos: int,
               length: int) -> tuple[str, int] | None:
    """Lift 1-based ``pos``..``pos+length-1``: only if one forward-strand aligned block holds it."""
    s0, found = pos - 1, set()
    for t_start, t_end, q_name, _size, q_strand, blocks in chains.get(chrom, ()):
        if q_strand != "+" or t_start > s0 or t_end < s0 + length:
            continue
        i = bisect.bisect_right(blocks, (s0, float("inf"))) - 1
        if i >= 0 and blocks[i][0] <= s0 and s0 + length <= blocks[i][1]:
            found.add((q_name, blocks[i][2] + (s0 - blocks[i][0]) + 1))
    return found.pop() if len(found) == 1 else None


def lift_missing_grch38(rows: list[list], chains: dict[str, list[tuple]],
                        stats: dict[str, int]) -> list[list]:
    """GRCh38 rows lifted from GRCh37 rows the GRCh38 VCF lacks (mostly deletions).

    The lift is checked first on every allele both VCFs list: each must land on the GRCh38
    allele with the same gene and protein change, or the build stops.
    """
    grch38 = {(r[1], r[2], r[3], r[4]): r for r in rows if r[0] == "GRCh38"}
    lifted = []
    for r in rows:
        if r[0] != "GRCh37":
            continue
        to = lift_point(chains, r[1], r[2], len(r[3]))
        if to is None:
            stats["GRCh37 hotspot alleles that do not lift over"] += 1
            continue
        twin = grch38.get((to[0], to[1], r[3], r[4]))
        if twin is None:
            lifted.append(["GRCh38", to[0], to[1], *r[3:9], "lifted"])
        elif (twin[5], twin[6]) != (r[5], r[6]):
            raise SystemExit(f"liftover check failed: {r} -> {twin}")
        else:
            stats["GRCh37 hotspot alleles lifted onto the GRCh38 listing (check)"] += 1
    stats["GRCh38 alleles added by liftover"] = len(lifted)
    return lifted


def build_hotspots(src: Path, genepred: Path, chain: Path, out: Path,
                   stats: dict[str, int]) -> None:
    """hotspots.tsv.gz, hotspot_indels.tsv and hotspot_splice.tsv."""
    rows: list[list] = []
    for prefix, build in BUILDS.items():
        rows += read_hotspot_vcf(src / f"{prefix}.hotspots_changv2_gao_nc.vcf.gz", build, stats)
    name_tert_rows(rows, *canonical_cds_start(genepred, "TERT"))
    rows += lift_missing_grch38(rows, read_chain(chain), stats)
    rows.sort(key=lambda r: (r[0], chrom_key(r[1]), r[2], r[3], r[4]))
    for r in rows:
        stats[f"{r[0]} {r[8]}"] += 1
    write_text(out / "hotspots.tsv.gz", tsv(HOTSPOT_HEADER, [tuple(r) for r in rows]))

    indels = []
    for line in (src / "hotspots_indel.txt").read_text().splitlines()[1:]:
        chrom, gene, start, end, kind, _mtype = line.split("\t")
        indels.append((gene, int(start), int(end), kind, bare_chrom(chrom)))
    indels.sort()
    write_text(out / "hotspot_indels.tsv",
               tsv(("gene", "aa_start", "aa_end", "kind", "chrom"), indels))

    splice = []
    for prefix, build in BUILDS.items():
        for line in (src / f"hotspots_splice.{prefix}.txt").read_text().splitlines()[1:]:
            chrom, gene, c_pos, kind, _mtype = line.split("\t")
            splice.append((build, bare_chrom(chrom), gene, c_pos, kind))
    splice.sort(key=lambda r: (r[0], chrom_key(r[1]), r[2], r[3]))
    write_text(out / "hotspot_splice.tsv",
               tsv(("build", "chrom", "gene", "c_pos", "kind"), splice))


# ----------------------------------------------------------------------------- gene spans
def mane_spans(path: Path) -> list[tuple]:
    """(gene, 'GRCh38', chrom, start, end, strand) of every MANE Select transcript."""
    spans = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        header = fh.readline().lstrip("#").rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if f[col["MANE_status"]] != "MANE Select":
                continue
            spans.append((f[col["symbol"]], "GRCh38", bare_chrom(f[col["GRCh38_chr"]]),
                          int(f[col["chr_start"]]), int(f[col["chr_end"]]), f[col["chr_strand"]]))
    return spans


def ensembl75_spans(path: Path, stats: dict[str, int]) -> list[tuple]:
    """(gene, 'GRCh37', chrom, start, end, strand): union of each gene's transcripts.

    name2 reads 'SYMBOL_ENST…' (wrapped in '***' for the canonical transcript). Alternate
    haplotype contigs (chr6_*_hap*) are skipped; txStart is 0-based, so start = txStart + 1.
    """
    union: dict[tuple[str, str, str], list[int]] = {}
    with path.open(encoding="utf-8") as fh:
        header = fh.readline().lstrip("#").rstrip("\n").split("\t")
        col = {name.rsplit(".", 1)[-1]: i for i, name in enumerate(header)}
        for line in fh:
            f = line.rstrip("\n").split("\t")
            chrom = f[col["chrom"]]
            if "_" in chrom:
                stats["GRCh37 transcripts on alternate haplotypes skipped"] += 1
                continue
            gene = f[col["name2"]].strip("*").split("_ENST")[0]
            key = (gene, bare_chrom(chrom), f[col["strand"]])
            start, end = int(f[col["txStart"]]) + 1, int(f[col["txEnd"]])
            span = union.setdefault(key, [start, end])
            span[0], span[1] = min(span[0], start), max(span[1], end)
    genes = defaultdict(list)
    for (gene, chrom, strand), (start, end) in union.items():
        genes[gene].append((gene, "GRCh37", chrom, start, end, strand))
    for gene, spans in genes.items():
        if len(spans) > 1:
            raise SystemExit(f"GRCh37 gene {gene} on several chromosomes/strands: {spans}")
    return [s[0] for s in genes.values()]


PRIMARY = {str(n) for n in range(1, 23)} | {"X", "Y", "MT"}


def read_chain(path: Path) -> dict[str, list[tuple]]:
    """Chain file -> {source chrom: [(tStart, tEnd, qName, qSize, qStrand, blocks)]}.

    ``blocks`` is a list of aligned (tStart, tEnd, qStart) triples, 0-based, q on its strand.
    Chains to other than primary chromosomes are dropped; chains are sorted by tStart.
    """
    chains: dict[str, list[tuple]] = defaultdict(list)
    blocks: list[tuple[int, int, int]] = []
    with path.open(encoding="ascii") as fh:
        for line in fh:
            f = line.split()
            if not f:
                continue
            if f[0] == "chain":
                t_name, t_start, t_end = bare_chrom(f[2]), int(f[5]), int(f[6])
                q_name, q_size, q_strand, q_start = bare_chrom(f[7]), int(f[8]), f[9], int(f[10])
                blocks = []
                if q_name in PRIMARY:  # the file also aligns to alt and patch contigs
                    chains[t_name].append((t_start, t_end, q_name, q_size, q_strand, blocks))
                t, q = t_start, q_start
                continue
            size = int(f[0])
            blocks.append((t, t + size, q))
            if len(f) == 3:
                t, q = t + size + int(f[1]), q + size + int(f[2])
    for items in chains.values():
        items.sort(key=lambda c: (c[0], c[1]))
    return chains


def lift_span(chains: dict[str, list[tuple]], chrom: str, start: int, end: int,
              strand: str) -> tuple[str, int, int, str] | None:
    """Lift a 1-based span through the chain covering most of it; None if it does not lift well.

    The span must be at least half covered by aligned blocks of one chain, land on a primary
    chromosome, and keep its length within a factor of two.
    """
    s0 = start - 1
    best = None
    for t_start, t_end, q_name, q_size, q_strand, blocks in chains.get(chrom, ()):
        if t_start >= end or t_end <= s0:
            continue
        i = max(0, bisect.bisect_right(blocks, (s0,)) - 1)
        covered, lo, hi = 0, None, None
        for b_start, b_end, q in blocks[i:]:
            if b_start >= end:
                break
            a, z = max(s0, b_start), min(end, b_end)
            if a >= z:
                continue
            covered += z - a
            qa, qz = q + (a - b_start), q + (z - b_start)
            if q_strand == "-":
                qa, qz = q_size - qz, q_size - qa
            lo = qa if lo is None else min(lo, qa)
            hi = qz if hi is None else max(hi, qz)
        if covered and (best is None or covered > best[0]):
            flipped = {"+": "-", "-": "+"}[strand] if q_strand == "-" else strand
            best = (covered, q_name, lo, hi, flipped)
    if best is None:
        return None
    covered, q_name, lo, hi, new_strand = best
    length = end - s0
    if covered * 2 < length or not length / 2 <= hi - lo <= length * 2:
        return None
    return q_name, lo + 1, hi, new_strand


def build_gene_spans(src: Path, chain: Path, out: Path, stats: dict[str, int]) -> None:
    """gene_spans.tsv.gz for both builds; GRCh37 = Ensembl 75, else MANE lifted over."""
    grch38 = mane_spans(src / "MANE.GRCh38.v1.0.summary.txt.gz")
    spans = [(*s, "MANE v1.0") for s in grch38]
    ensembl = ensembl75_spans(src / GENEPRED, stats)
    spans += [(*s, "Ensembl 75") for s in ensembl]
    have = {s[0] for s in ensembl}
    chains = read_chain(chain)
    for gene, _build, chrom, start, end, strand in grch38:
        if gene in have:
            continue
        lifted = lift_span(chains, chrom, start, end, strand)
        if lifted is None:
            stats["GRCh37 MANE spans that do not lift over"] += 1
            continue
        spans.append((gene, "GRCh37", *lifted, "MANE v1.0 lifted"))
    spans.sort(key=lambda s: (s[1], chrom_key(s[2]), s[3], s[4], s[0]))
    for s in spans:
        stats[f"{s[1]} gene spans ({s[6]})"] += 1
    write_text(out / "gene_spans.tsv.gz",
               tsv(("gene", "build", "chrom", "start", "end", "strand", "source"), spans))


# ----------------------------------------------------------------------------- protein exons
PROTEIN_EXON_HEADER = ("gene", "transcript", "exon", "first_codon", "last_codon", "first_c",
                       "last_c", "chrom", "strand", "grch37_start", "grch37_end", "grch38_start",
                       "grch38_end")
CIVIC_VARIANTS = "01-Aug-2024-VariantSummaries.tsv"
# The canonical splice sites: 2 intron bases beside each exon end. An exon's GRCh38 span is given
# only when the exon with these flanks lifts as one block (matcher/reference/exons.py reads them).
SPLICE_FLANK = 2


def ordered_exons(strand: str, starts: str, ends: str) -> list[tuple[int, int]]:
    """genePred exonStarts/exonEnds ('1,5,') as (0-based start, end) pairs in transcript order:
    5' to 3' on the transcript's own strand, so that exon n is item n - 1."""
    pairs = zip((int(x) for x in starts.rstrip(",").split(",")),
                (int(x) for x in ends.rstrip(",").split(",")))
    return sorted(pairs, reverse=strand == "-")


def coding_exons(exons: list[tuple[int, int]], cds_start: int,
                 cds_end: int) -> list[tuple[int, int, int]]:
    """(exon number, first codon, last codon) of each exon that holds part of the CDS.

    ``exons`` in transcript order (:func:`ordered_exons`); ``cds_start``..``cds_end`` is the
    genePred CDS (0-based, end exclusive; it includes the stop codon). Every exon is counted in
    the numbering, UTR-only ones too, but only exons with CDS give a row. A codon split across a
    junction is listed in both exons: one exon's last codon is then the next one's first.
    """
    rows, done = [], 0
    for number, (start, end) in enumerate(exons, 1):
        length = min(end, cds_end) - max(start, cds_start)
        if length <= 0:
            continue
        rows.append((number, done // 3 + 1, (done + length - 1) // 3 + 1))
        done += length
    return rows


def coding_positions(exons: list[tuple[int, int]], cds_start: int,
                     cds_end: int) -> list[tuple[int, int, int]]:
    """(exon number, first c. position, last c. position) of each exon that holds part of the
    CDS: the coding cDNA positions (c.1 = A of the start codon) of the exon's coding bases, the
    rows of :func:`coding_exons` in cDNA instead of protein coordinates."""
    rows, done = [], 0
    for number, (start, end) in enumerate(exons, 1):
        length = min(end, cds_end) - max(start, cds_start)
        if length <= 0:
            continue
        rows.append((number, done + 1, done + length))
        done += length
    return rows


def lift_exon(to38: dict[str, list[tuple]], to37: dict[str, list[tuple]], chrom: str,
              start: int, end: int) -> tuple[int, int] | None:
    """GRCh38 (start, end) of the GRCh37 exon ``chrom:start-end`` (1-based), or None.

    Only when the exon and its canonical splice sites (``SPLICE_FLANK`` bases each side) lie in
    one forward-strand aligned block of one GRCh37->GRCh38 chain (so every base keeps its
    offset), on the same chromosome, and the GRCh38->GRCh37 chain takes that block back to the
    same place (round trip)."""
    lo, length = start - SPLICE_FLANK, end - start + 1 + 2 * SPLICE_FLANK
    there = lift_point(to38, chrom, lo, length)
    if there is None or there[0] != chrom:
        return None
    if lift_point(to37, there[0], there[1], length) != (chrom, lo):
        return None
    start38 = there[1] + SPLICE_FLANK
    return start38, start38 + (end - start)


def codon_at(exons: list[tuple[int, int]], cds_start: int, cds_end: int, strand: str,
             pos: int) -> tuple[int, int] | None:
    """(exon number, codon number) of the 1-based genomic position ``pos``; None outside the CDS."""
    done = 0
    for number, (start, end) in enumerate(exons, 1):
        a, z = max(start, cds_start), min(end, cds_end)
        if z <= a:
            continue
        if a < pos <= z:
            offset = pos - 1 - a if strand == "+" else z - pos
            return number, (done + offset) // 3 + 1
        done += z - a
    return None


def read_genepred(path: Path) -> list[dict[str, str]]:
    """The genePred rows as dicts keyed by the bare column name (``name``, ``exonStarts`` …)."""
    with path.open(encoding="utf-8") as fh:
        header = [name.rsplit(".", 1)[-1]
                  for name in fh.readline().lstrip("#").rstrip("\n").split("\t")]
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in fh]


def mane_select_ensembl(path: Path) -> dict[str, tuple[str, str, str]]:
    """{unversioned Ensembl transcript id: (gene symbol, unversioned RefSeq protein, unversioned
    RefSeq transcript)} of every MANE Select transcript."""
    select = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        header = fh.readline().lstrip("#").rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if f[col["MANE_status"]] == "MANE Select":
                select[f[col["Ensembl_nuc"]].split(".")[0]] = (
                    f[col["symbol"]], f[col["RefSeq_prot"]].split(".")[0],
                    f[col["RefSeq_nuc"]].split(".")[0])
    return select


def protein_exon_transcripts(genepred: Path, select: dict[str, tuple[str, str]],
                             stats: dict[str, int]) -> dict[str, dict[str, str]]:
    """{MANE gene symbol: genePred row} of the transcripts protein_exons.tsv.gz is made from.

    One per Ensembl 75 gene: the transcript whose unversioned id is the gene's MANE Select
    Ensembl id, used only with a complete CDS (cdsStartStat and cdsEndStat 'cmpl') whose length
    is a multiple of 3. The symbol is MANE's, as everywhere else in the matcher. Stats count the
    Ensembl 75 genes mapped and skipped, by reason.
    """
    by_gene: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in read_genepred(genepred):
        if "_" not in r["chrom"]:  # alternate haplotype contigs (chr6_*_hap*)
            by_gene[r["name2"].strip("*").split("_ENST")[0]].append(r)
    chosen = {}
    for e75_gene in sorted(by_gene):
        hits = [r for r in by_gene[e75_gene] if r["name"].split(".")[0] in select]
        if len(hits) != 1:
            stats["protein exons: genes skipped, MANE Select transcript not in Ensembl 75"
                  if not hits else "protein exons: genes skipped, several MANE transcripts"] += 1
            continue
        r = hits[0]
        exons = ordered_exons(r["strand"], r["exonStarts"], r["exonEnds"])
        cds_start, cds_end = int(r["cdsStart"]), int(r["cdsEnd"])
        cds_length = sum(max(0, min(e, cds_end) - max(s, cds_start)) for s, e in exons)
        if (r["cdsStartStat"], r["cdsEndStat"]) != ("cmpl", "cmpl"):
            stats["protein exons: genes skipped, CDS incomplete in Ensembl 75 (cdsStartStat/"
                  f"cdsEndStat), length {'not ' if cds_length % 3 else ''}a multiple of 3"] += 1
            continue
        if cds_length % 3:
            stats["protein exons: genes skipped, CDS length not a multiple of 3"] += 1
            continue
        gene = select[r["name"].split(".")[0]][0]
        if gene != e75_gene:
            stats[f"protein exons: genes mapped under the MANE symbol ({e75_gene} -> {gene})"] += 1
        stats["protein exons: genes mapped (Ensembl 75 CIViC genes)"] += 1
        chosen[gene] = r
    return chosen


def check_protein_exons(civic_variants: Path, chosen: dict[str, dict[str, str]],
                        select: dict[str, tuple[str, str]], rows: list[tuple],
                        stats: dict[str, int]) -> None:
    """Check the table against CIViC's variant list (GRCh37, Ensembl 75 transcripts); stop on
    any disagreement.

    * every missense SNV on one of our transcripts whose HGVS names the MANE Select RefSeq
      protein: the residue its genomic position falls in is the residue CIViC names, and the
      table lists that residue in the exon the position falls in;
    * every 'Exon N …' variant with coordinates on one of our transcripts lies within exon N.
    """
    by_tx = {r["name"].split(".")[0]: (gene, r) for gene, r in chosen.items()}
    spans = {(row[0], row[2]): (row[3], row[4]) for row in rows}
    with civic_variants.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            v = dict(zip(header, line.rstrip("\n").split("\t")))
            tx = v["representative_transcript"].split(".")[0]
            if tx not in by_tx or not v["start"].isdigit() or not v["stop"].isdigit():
                continue
            gene, r = by_tx[tx]
            exons = ordered_exons(r["strand"], r["exonStarts"], r["exonEnds"])
            cds = (int(r["cdsStart"]), int(r["cdsEnd"]), r["strand"])
            start, stop = int(v["start"]), int(v["stop"])
            named_exon = re.match(r"Exon (\d+) ", v["variant"])
            if named_exon:
                number = int(named_exon.group(1))
                lo, hi = exons[number - 1] if 1 <= number <= len(exons) else (0, 0)
                if not lo < start <= stop <= hi:
                    raise SystemExit(f"protein exons: CIViC {gene} {v['variant']} "
                                     f"{start}-{stop} is not in exon {named_exon.group(1)}")
                stats["protein exons: CIViC 'Exon N' variants within exon N (check)"] += 1
                continue
            hgvsp = re.search(r"(NP_\d+)\.\d+:p\.[A-Z][a-z]{2}(\d+)[A-Z][a-z]{2}(,|$)",
                              v["hgvs_descriptions"])
            if (v["variant_types"] != "missense_variant" or start != stop or hgvsp is None
                    or hgvsp.group(1) != select[tx][1]):
                continue
            at = codon_at(exons, *cds, start)
            residue = int(hgvsp.group(2))
            first, last = spans.get((gene, at[0]), (0, 0)) if at else (0, 0)
            if at is None or at[1] != residue or not first <= residue <= last:
                raise SystemExit(f"protein exons: CIViC {gene} {v['variant']} at {start} "
                                 f"({hgvsp.group(0)}) falls on codon/exon {at}")
            stats["protein exons: CIViC missense SNVs on the residue CIViC names (check)"] += 1


_SKIPPING = re.compile(r"^Exon (\d+) Skipping", re.I)
_HGVS_C_SNV = re.compile(r"^(?P<acc>(?:NM_|ENST)\d+)\.\d+:c\.(?P<anchor>\d+)(?P<offset>[+-]\d+)?"
                         r"(?P<ref>[ACGT])>(?P<alt>[ACGT])$")
_HGVS_G_SNV = re.compile(r"^NC_0*(?P<chrom>\d+)\.(?P<version>\d+):g\.(?P<pos>\d+)"
                         r"(?P<ref>[ACGT])>(?P<alt>[ACGT])$")
# The gene whose exon boundaries the build must check against CIViC (docs/kb-schema.md,
# exon_skipping): CIViC's "MET Exon 14 Skipping Mutation" (variant 324) gives MET exon 14 as
# GRCh37 7:116411903-116412043.
REQUIRED_SKIPPING = (("MET", 14),)


def c_to_grch37(row: tuple, anchor: int, offset: int) -> int | None:
    """GRCh37 position of ``c.<anchor><offset>`` from a table row whose exon holds c.<anchor>,
    measured from an exon end that is coding (not the start codon's or stop codon's exon end,
    which may lie in UTR); None for a gene with a single coding exon."""
    first_c, last_c, _chrom, strand, start, end = row[5:11]
    last_coding = row[-1]
    if first_c > 1:  # not the first coding exon: the exon's 5' end is its first coding base
        from_5 = anchor - first_c
    elif not last_coding:  # the first coding exon: measure from its (coding) 3' end
        from_5 = None
    else:
        return None
    if strand == "+":
        base = start + from_5 if from_5 is not None else end - (last_c - anchor)
        return base + offset
    base = end - from_5 if from_5 is not None else start + (last_c - anchor)
    return base - offset


def check_exon_boundaries(civic_variants: Path, select: dict[str, tuple[str, str, str]],
                          rows: list[tuple], stats: dict[str, int]) -> None:
    """Check the c. and genomic columns against CIViC's variant list; stop on any disagreement.

    * every CIViC "Exon N Skipping …" variant with coordinates spans exactly exon N's GRCh37
      exon (``REQUIRED_SKIPPING`` must be among them: MET exon 14 = 7:116411903-116412043);
    * every single-base substitution CIViC gives in HGVS on a MANE Select transcript (RefSeq or
      Ensembl, any version) with the bases of its GRCh37 coordinates (a CIViC variant may list
      the HGVS of several alleles): its c. position, counted from the table's exon ends, is
      that GRCh37 position;
    * every such substitution with a GRCh37 and a GRCh38 genomic HGVS (NC_ accession, two
      versions, the same bases) inside an exon (with its splice sites) whose GRCh38 span is
      given: it lies at the same offset from the exon start in both builds.
    ``rows`` are the table rows plus a last item: is this the gene's last coding exon.
    """
    by_gene_exon = {(r[0], r[2]): r for r in rows}
    by_acc: dict[str, str] = {}
    for ens, (gene, _prot, refseq) in select.items():
        by_acc[ens] = by_acc[refseq] = gene
    by_gene: dict[str, list[tuple]] = {}
    by_chrom: dict[str, list[tuple]] = defaultdict(list)
    for r in rows:
        by_gene.setdefault(r[0], []).append(r)
        by_chrom[r[7]].append(r)
    checked_skipping = set()
    with civic_variants.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            v = dict(zip(header, line.rstrip("\n").split("\t")))
            if not (v["start"].isdigit() and v["stop"].isdigit()):
                continue
            start, stop = int(v["start"]), int(v["stop"])
            skipping = _SKIPPING.match(v["variant"])
            if skipping:
                key = (v["gene"], int(skipping.group(1)))
                r = by_gene_exon.get(key)
                if r is None or (r[7], r[9], r[10]) != (v["chromosome"], start, stop):
                    raise SystemExit(f"exon boundaries: CIViC {v['gene']} {v['variant']} "
                                     f"{v['chromosome']}:{start}-{stop} is not exon "
                                     f"{key[1]} of the table ({r})")
                checked_skipping.add(key)
                stats["exon boundaries: CIViC 'Exon N Skipping' variants = exon N (check)"] += 1
            descriptions = [d.strip() for d in v["hgvs_descriptions"].split(",") if d.strip()]
            bases = (v["reference_bases"], v["variant_bases"])
            if start == stop and len(bases[0]) == len(bases[1]) == 1:
                for d in descriptions:
                    m = _HGVS_C_SNV.match(d)
                    gene_rows = by_gene.get(by_acc.get(m["acc"], "")) if m else None
                    if not gene_rows:  # not on a MANE Select transcript of the table
                        continue
                    strand = gene_rows[0][8]
                    c_bases = (m["ref"], m["alt"])
                    if strand == "-":
                        c_bases = tuple(b.translate(COMPLEMENT) for b in c_bases)
                    if c_bases != bases:
                        continue  # the HGVS of another allele of the same protein change
                    anchor = int(m["anchor"])
                    r = next((x for x in gene_rows if x[5] <= anchor <= x[6]), None)
                    if r is None or r[7] != v["chromosome"]:
                        continue
                    at = c_to_grch37(r, anchor, int(m["offset"] or 0))
                    if at is None:
                        continue
                    if at != start:
                        raise SystemExit(f"exon boundaries: CIViC {v['gene']} {v['variant']} "
                                         f"{d} is at GRCh37 {start}, the table puts it at {at}")
                    stats["exon boundaries: CIViC c. substitutions on MANE Select at their "
                          "GRCh37 position (check)"] += 1
            genomic: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
            for d in descriptions:
                m = _HGVS_G_SNV.match(d)
                if m and start == stop and (m["ref"], m["alt"]) == bases:
                    genomic[m["chrom"]][int(m["version"])].add(int(m["pos"]))
            for number, by_version in genomic.items():
                if len(by_version) != 2 or any(len(p) != 1 for p in by_version.values()):
                    continue
                p37, p38 = (next(iter(by_version[k])) for k in sorted(by_version))
                chrom = {"23": "X", "24": "Y"}.get(number, number)
                if p37 != start or chrom != v["chromosome"]:
                    continue
                for r in by_chrom.get(chrom, ()):
                    if r[11] is not None and r[9] - SPLICE_FLANK <= p37 <= r[10] + SPLICE_FLANK:
                        if p38 - r[11] != p37 - r[9]:
                            raise SystemExit(f"exon boundaries: CIViC {v['gene']} "
                                             f"{v['variant']} GRCh38 {p38} is not at the "
                                             f"lifted offset in {r[:3]}")
                        stats["exon boundaries: CIViC GRCh38 positions at the lifted exon "
                              "offset (check)"] += 1
    for key in REQUIRED_SKIPPING:
        if key not in checked_skipping:
            raise SystemExit(f"exon boundaries: CIViC gives no coordinates for {key[0]} exon "
                             f"{key[1]} skipping to check the table against")


def build_protein_exons(src: Path, out: Path, stats: dict[str, int]) -> None:
    """protein_exons.tsv.gz: the coding exons of each gene's MANE Select transcript, in protein
    and coding cDNA coordinates with their GRCh37 and GRCh38 spans, from the Ensembl 75
    genePred, the MANE v1.0 summary and the UCSC chains (checked against CIViC).
    """
    select = mane_select_ensembl(src / "transcripts" / "MANE.GRCh38.v1.0.summary.txt.gz")
    chosen = protein_exon_transcripts(src / "transcripts" / GENEPRED, select, stats)
    to38 = read_chain(src / "liftover" / "GRCh37_to_GRCh38.chain")
    to37 = read_chain(src / "liftover" / "GRCh38_to_GRCh37.chain")
    rows = []
    for gene, r in chosen.items():
        exons = ordered_exons(r["strand"], r["exonStarts"], r["exonEnds"])
        cds = int(r["cdsStart"]), int(r["cdsEnd"])
        chrom = bare_chrom(r["chrom"])
        coding = coding_exons(exons, *cds)
        positions = coding_positions(exons, *cds)
        for (number, first, last), (_n, first_c, last_c) in zip(coding, positions, strict=True):
            start0, end = exons[number - 1]
            lifted = lift_exon(to38, to37, chrom, start0 + 1, end)
            stats["exon boundaries: exons with a GRCh38 span (lifted, round trip checked)"
                  if lifted else "exon boundaries: exons without a GRCh38 span (no one-block "
                  "lift with the splice sites)"] += 1
            rows.append((gene, r["name"].removesuffix(".v75"), number, first, last, first_c,
                         last_c, chrom, r["strand"], start0 + 1, end,
                         *(lifted or (None, None)), number == coding[-1][0]))
    rows.sort(key=lambda row: (row[0], row[2]))
    stats["protein exons: rows (coding exons)"] = len(rows)
    check_protein_exons(src / "civic" / CIVIC_VARIANTS, chosen, select, rows, stats)
    check_exon_boundaries(src / "civic" / CIVIC_VARIANTS, select, rows, stats)
    write_text(out / "protein_exons.tsv.gz", tsv(PROTEIN_EXON_HEADER, [r[:-1] for r in rows]))


# ----------------------------------------------------------------------------- OncoTree history
HISTORY_KINDS = (("history", "previous"), ("precursors", "precursor"),
                 ("revocations", "revoked"))


def build_oncotree_history(tree_json: Path, out: Path) -> None:
    """oncotree_history.tsv: (retired code, current code, kind) from every node's history."""
    import json

    rows = set()
    stack = [json.loads(tree_json.read_text(encoding="utf-8"))["TISSUE"]]
    current = set()
    while stack:
        node = stack.pop()
        current.add(node["code"])
        for key, kind in HISTORY_KINDS:
            for old in node.get(key) or ():
                rows.add((old, node["code"], kind))
        stack.extend((node.get("children") or {}).values())
    # a retired code OncoTree gave again to a current type (PTCL), or that differs from the
    # current one in letter case only (SpCC, aCML; codes are read case-insensitively), is that
    # type: no history row
    upper = {c.upper() for c in current}
    kept = sorted(r for r in rows if r[0].upper() not in upper)
    write_text(out / "oncotree_history.tsv", tsv(("code", "current", "kind"), kept))


# ----------------------------------------------------------------------------- contig lengths
def build_contig_lengths(chain: Path, out: Path) -> None:
    """contig_lengths.tsv: chromosome, GRCh37 and GRCh38 length, from the GRCh37→GRCh38 chain
    headers (``chain score tName tSize … qName qSize …``), primary chromosomes whose two
    lengths differ (MT is the same 16,569 bp in both and tells nothing)."""
    sizes: dict[str, list] = {}
    with chain.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("chain"):
                f = line.split()
                t, q = bare_chrom(f[2]), bare_chrom(f[7])
                if t == q and "_" not in t:
                    sizes[t] = [int(f[3]), int(f[8])]
    rows = [(c, *sizes[c]) for c in sorted(sizes, key=chrom_key) if sizes[c][0] != sizes[c][1]]
    write_text(out / "contig_lengths.tsv", tsv(("chrom", "GRCh37", "GRCh38"), rows))


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    """Build every reference file; print a summary of row counts."""
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=Path("/work/shared/data"),
                        help="folder holding oncotree/, hotspots/, transcripts/, liftover/, "
                             "civic/")
    parser.add_argument("--out", type=Path, default=here / "knowledgebase" / "reference")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    stats: dict[str, int] = defaultdict(int)

    shutil.copyfile(args.source / "oncotree" / "oncotree_2025_10_03.flat.tsv",
                    args.out / "oncotree.tsv")
    shutil.copyfile(args.source / "oncotree" / "LICENSE_CC-BY-4.0.md",
                    args.out / "ONCOTREE_LICENSE.md")
    build_oncotree_history(args.source / "oncotree" / "oncotree_2025_10_03.json", args.out)
    build_contig_lengths(args.source / "liftover" / "GRCh37_to_GRCh38.chain", args.out)
    build_hotspots(args.source / "hotspots", args.source / "transcripts" / GENEPRED,
                   args.source / "liftover" / "GRCh37_to_GRCh38.chain", args.out, stats)
    build_gene_spans(args.source / "transcripts",
                     args.source / "liftover" / "GRCh38_to_GRCh37.chain", args.out, stats)
    build_protein_exons(args.source, args.out, stats)
    for key in sorted(stats):
        print(f"{stats[key]:>7}  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
