"""`exon_skipping` criteria (CIViC "MET Exon 14 Skipping Mutation"): parsing and KB validation,
the matching rule of matcher/reference/exons.py,
the CIViC mapping, and end to end with the shipped KB.

MET exon 14 on the MANE Select transcript (NM_000245.4 / ENST00000397752): codons 963-1010,
c.2888-c.3028, GRCh37 7:116411903-116412043 (CIViC variant 324), GRCh38 7:116771849-116771989.
Canonical splice sites: c.2888-2, c.2888-1 (acceptor), c.3028+1, c.3028+2 (donor).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from matcher.engine import _features, criterion_match
from matcher.errors import KnowledgeBaseError
from matcher.kb import civic
from matcher.kb.civic import Skip, Variant
from matcher.kb.criteria import parse_criterion
from matcher.kb.loader import _canonical_change, load_kb
from matcher.model import Alteration, VariantDetail
from matcher.pipeline import run
from matcher.readers import ReadOptions
from matcher.reference.exons import ProteinExons, SitesResolver, skipping_rule
from matcher.reference.protein import consequence_from_so, parse_protein_change

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "knowledgebase" / "reference"
SKIPPING = {"type": "exon_skipping", "exons": [14]}
CAPMATINIB_A = "CIVIC-EID8847"  # CIViC level A: capmatinib, MET exon 14 skipping, NSCLC
TEPOTINIB_B = "CIVIC-EID7272"  # CIViC level B: tepotinib, MET exon 14 skipping, NSCLC
MET_EX14_EVIDENCE = {CAPMATINIB_A, TEPOTINIB_B}


@pytest.fixture(scope="module")
def resolver():
    return SitesResolver(REFERENCE)


def parse(raw, gene="MET", exon_sites=None):
    problems: list[str] = []
    crit = parse_criterion(raw, "x.alteration", problems, _canonical_change, gene, exon_sites)
    return crit, problems


@pytest.fixture(scope="module")
def met14(resolver):
    crit, problems = parse(SKIPPING, exon_sites=resolver)
    assert problems == []
    return crit


def alt(gene="MET", *, cdna=None, protein=None, consequence=None, exon=None, transcript=None,
        chrom=None, pos=None, ref=None, alt_=None, build=None) -> Alteration:
    p = parse_protein_change(protein) if protein else None
    return Alteration(
        id="A1", kind="variant", gene=gene, label="test", original="test", source="test",
        variant=VariantDetail(protein=p, consequence=consequence or (p.consequence if p else None),
                              cdna=cdna, transcript=transcript, exon=exon, chrom=chrom, pos=pos,
                              ref=ref, alt=alt_, build=build))


def meets(crit, a: Alteration) -> bool:
    return criterion_match(crit, "MET", a) == "exon_skipping"


# ----------------------------------------------------------------------------- parsing
def test_parses_resolves_the_exon_and_describes_itself(met14):
    assert met14.type == "exon_skipping" and met14.exons == frozenset({14})
    (sites,) = met14.sites
    assert (sites.gene, sites.exon, sites.first_c, sites.last_c) == ("MET", 14, 2888, 3028)
    assert sites.transcripts == frozenset({"NM_000245", "ENST00000397752"})  # MANE Select
    assert met14.describe("MET") == "MET exon 14 skipping"


@pytest.mark.parametrize("raw, message", [
    ({"type": "exon_skipping"}, "at least one exon is required"),
    ({"type": "exon_skipping", "exons": [0]}, "expected a list of positive integers"),
    ({"type": "exon_skipping", "exons": [14], "consequences": ["splice"]},
     "unexpected key(s) consequences"),
    ({"type": "exon_skipping", "exons": [30]}, "MET exon 30: exon 30 is not a coding exon"),
])
def test_invalid_criteria_are_refused(resolver, raw, message):
    _crit, problems = parse(raw, exon_sites=resolver)
    assert any(message in p for p in problems), problems


def test_a_gene_missing_from_the_exon_table_is_refused(resolver):
    # BRAF's MANE Select transcript is not in the Ensembl 75 genePred: no exon table rows
    _crit, problems = parse(SKIPPING, gene="BRAF", exon_sites=resolver)
    assert any("BRAF is not in protein_exons.tsv.gz" in p for p in problems), problems


def test_without_the_table_the_criterion_meets_nothing():
    crit, problems = parse(SKIPPING)  # no resolver: as a bare parse, outside the KB loader
    assert problems == [] and crit.sites == ()
    assert not meets(crit, alt(cdna="c.3028+1G>A"))


def _kb_with_met(tmp_path, alteration) -> Path:
    kb_dir = tmp_path / "knowledgebase"
    shutil.copytree(ROOT / "knowledgebase", kb_dir, ignore=shutil.ignore_patterns("civic"))
    (kb_dir / "genes" / "MET.yaml").write_text(yaml.safe_dump({
        "gene": "MET", "role": "oncogene", "summary": "Test file.", "evidence": [{
            "id": "MET-TEST-1", "alteration": alteration, "therapy": ["crizotinib"],
            "direction": "sensitivity", "evidence_type": "clinical", "scope": ["NSCLC"],
            "statement": "Validation test entry.", "citations": [{"civic": "EID7642"}],
            "last_reviewed": dt.date(2026, 11, 27)}]}))
    return kb_dir


def test_kb_loader_resolves_and_validates(tmp_path):
    kb = load_kb(_kb_with_met(tmp_path / "ok", SKIPPING), imported=False)
    (ev,) = [e for e in kb.genes["MET"].evidence if e.source == "curated"]
    assert ev.criterion.sites[0].spans[0] == ("GRCh37", 116411903, 116412043)
    assert "protein_exons" in kb.__dict__  # read once by the loader, handed to the KB
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(_kb_with_met(tmp_path / "bad", {"type": "exon_skipping", "exons": [1]}),
                imported=False)
    assert "MET-TEST-1.alteration.exons: MET exon 1" in str(info.value)  # UTR-only exon


# ----------------------------------------------------------------------------- the rule
@pytest.mark.parametrize("cdna", [
    "c.3028+1G>A", "c.3028+1G>T", "c.3028+2T>C",  # donor +1/+2
    "c.2888-1G>A", "c.2888-2A>G",  # acceptor -1/-2
    "c.2888-10_2888+5del",  # a deletion spanning the acceptor into the exon
    "c.2888-5_2888-1del",
    "c.3020_3028+10del", "c.3028+1_3028+4delinsA",  # donor covered by a deletion/delins
    "c.3028+1_3028+2insT",  # an insertion inside the donor site
    "NM_000245.4:c.3028+1G>A", "ENST00000397752.8:c.3028+1G>A",  # MANE Select, any version
])
def test_canonical_splice_sites_of_exon_14_meet_it(met14, cdna):
    assert meets(met14, alt(cdna=cdna, consequence="splice"))
    assert skipping_rule(met14.sites[0], alt(cdna=cdna).variant) == "splice_site"


@pytest.mark.parametrize("cdna, consequence", [
    ("c.3028+5G>A", None),  # outside the canonical ±1/±2
    ("c.3028+3A>G", "other"),
    ("c.2888-3C>T", None),
    ("c.2888-19_2888-3del", "other"),  # ends before the acceptor
    ("c.3028+2_3028+3insT", None),  # after the donor's two bases: GT kept
    ("c.3028+1_3028+2dup", "splice"),  # a duplication keeps the GT
    ("c.2887+1G>A", "splice"),  # exon 13 donor
    ("c.2731-1G>A", "splice"),  # exon 13 acceptor
    ("c.3029-1G>A", "splice"),  # exon 15 acceptor
    ("c.3259+1G>A", "splice"),  # exon 15 donor
    ("c.2950A>G", "missense"),  # exonic, in exon 14
    ("NM_001127500.3:c.3082+1G>A", "splice"),  # another transcript: positions differ
])
def test_other_cdna_changes_do_not(met14, cdna, consequence):
    assert not meets(met14, alt(cdna=cdna, consequence=consequence))


def test_cdna_on_another_transcript_is_not_read(met14):
    # ENST00000318493 is the longer MET isoform (exon 14 = c.2942-c.3082 there): the call's
    # transcript decides which numbering its c. change uses
    assert not meets(met14, alt(cdna="c.3028+1G>A", consequence="splice",
                                transcript="ENST00000318493"))
    assert meets(met14, alt(cdna="c.3028+1G>A", consequence="splice",
                            transcript="NM_000245.4"))


def test_last_exonic_base_only_when_annotated_as_splice_site(met14):
    # CIViC variant 4386 "Splice Site (c.3028G>A)" is typed splice_donor_variant: the annotation
    # decides, not the position
    assert meets(met14, alt(cdna="c.3028G>A", consequence="splice"))
    assert not meets(met14, alt(cdna="c.3028G>A"))  # no annotation
    assert not meets(met14, alt(cdna="c.3028G>A", consequence="missense"))
    assert not meets(met14, alt(cdna="c.3028G>A", protein="D1010N"))  # the protein says missense
    assert not meets(met14, alt(cdna="c.2888G>A", consequence="splice"))  # first base: no rule
    # a splice name given with it counts as the annotation
    assert meets(met14, alt(cdna="c.3028G>A", protein="X1010_splice"))


def test_splice_names_at_split_codons_are_ambiguous(met14):
    # cancerhotspots lists MET X1010_splice (its alleles are at the exon 14 donor), but codon
    # 1010 spans the exon 14/15 junction (c.3028 | c.3029-3030): the name alone also fits the
    # exon 15 acceptor. Codon 963 likewise spans the exon 13/14 junction.
    with gzip.open(REFERENCE / "hotspots.tsv.gz", "rt") as fh:
        assert any("\tMET\tX1010_splice\t" in line for line in fh)
    exons = ProteinExons.load(REFERENCE)
    assert exons.row("MET", 14).last_codon == exons.row("MET", 15).first_codon == 1010
    assert exons.row("MET", 13).last_codon == exons.row("MET", 14).first_codon == 963
    assert not meets(met14, alt(protein="X1010_splice"))
    assert not meets(met14, alt(protein="X963_splice"))
    # with the genomic allele (the cancerhotspots donor allele), the coordinates decide
    assert meets(met14, alt(protein="X1010_splice", chrom="7", pos=116412044, ref="G", alt_="T",
                            build="GRCh37"))


def test_splice_names_at_whole_boundary_codons_meet_the_exon():
    # A made-up gene whose exon 3 starts and ends on codon boundaries: c.31-c.60, codons 11-20
    rows = [("GENE1", "ENST1", n, (a - 1) // 3 + 1, (z - 1) // 3 + 1, a, z, "1", "+",
             1000 * n, 1000 * n + z - a, None, None)
            for n, a, z in ((2, 1, 30), (3, 31, 60), (4, 61, 90))]
    sites = ProteinExons(rows).skip_sites("GENE1", 3, frozenset({"ENST1"}))
    assert (sites.first_codon, sites.last_codon) == (11, 20)
    detail = alt("GENE1", protein="X20_splice").variant
    assert skipping_rule(sites, detail) == "splice_name"
    assert skipping_rule(sites, alt("GENE1", protein="X11_splice").variant) == "splice_name"
    assert skipping_rule(sites, alt("GENE1", protein="X21_splice").variant) is None  # exon 4's
    assert skipping_rule(sites, replace(detail, transcript="ENST9")) is None  # other transcript
    # the first and last coding exons have no acceptor / donor in coding notation
    first = ProteinExons(rows).skip_sites("GENE1", 2, frozenset({"ENST1"}))
    assert (first.acceptor, first.donor, first.c_sites()) == (False, True, ((30, 1), (30, 2)))


@pytest.mark.parametrize("build, chrom, pos, ref, expected", [
    ("GRCh37", "7", 116412044, "G", True),  # donor +1
    ("GRCh37", "7", 116412045, "T", True),  # donor +2
    ("GRCh37", "chr7", 116411902, "A", True),  # acceptor -1, chr-prefixed name
    ("GRCh37", "7", 116411901, "A", True),  # acceptor -2
    ("GRCh37", "7", 116412042, "AAGGT", True),  # a deletion over the donor (cancerhotspots)
    ("GRCh37", "7", 116412046, "A", False),  # donor +3
    ("GRCh37", "7", 116411899, "T", False),  # acceptor -4
    ("GRCh37", "7", 116411708, "G", False),  # exon 13 end
    ("GRCh37", "8", 116412044, "G", False),  # another chromosome
    ("GRCh38", "7", 116771990, "G", True),  # donor +1 on GRCh38
    ("GRCh38", "7", 116412044, "G", False),  # the GRCh37 position, read as GRCh38
    ("hg19", "7", 116412044, "G", True),
])
def test_genomic_coordinates_of_a_splice_class_call(met14, build, chrom, pos, ref, expected):
    a = alt(chrom=chrom, pos=pos, ref=ref, alt_="C", build=build, consequence="splice")
    assert meets(met14, a) is expected
    # the genomic rule needs a splice-class call: the same allele as missense never meets it
    assert not meets(met14, alt(chrom=chrom, pos=pos, ref=ref, alt_="C", build=build,
                                consequence="missense"))


def test_exon_loss_annotation(met14):
    assert consequence_from_so("exon_loss_variant") == "exon_loss"
    sites = met14.sites[0]
    # c.3028+5G>A: outside the canonical sites, but annotated exon_loss_variant
    assert meets(met14, alt(cdna="c.3028+5G>A", consequence="exon_loss"))
    assert skipping_rule(sites, alt(cdna="c.3028+5G>A", consequence="exon_loss").variant) \
        == "annotation"
    assert meets(met14, alt(exon=14, consequence="exon_loss"))
    assert meets(met14, alt(chrom="7", pos=116411800, ref="A" * 300, build="GRCh37",
                            consequence="exon_loss"))  # a deletion of the whole exon
    assert not meets(met14, alt(exon=13, consequence="exon_loss"))
    assert not meets(met14, alt(cdna="c.3029-5G>A", consequence="exon_loss"))  # exon 15's
    assert not meets(met14, alt(exon=14, consequence="exon_loss", transcript="ENST00000318493"))
    assert not meets(met14, alt(chrom="7", pos=116411000, ref="A", build="GRCh37",
                                consequence="exon_loss"))  # deep in intron 13


def test_missense_in_exon_14_and_other_genes_do_not_meet_it(met14):
    assert not meets(met14, alt(protein="Y1003C", exon=14))
    assert not meets(met14, alt(protein="D1010N", exon=14, cdna="c.3028G>A"))
    assert criterion_match(met14, "MET", alt("EGFR", cdna="c.3028+1G>A",
                                                consequence="splice")) is None


def test_memo_key_covers_what_the_rule_reads():
    a = alt(cdna="c.3028+1G>A", consequence="splice")
    for other in (alt(cdna="c.2887+1G>A", consequence="splice"),
                  replace(a, variant=replace(a.variant, transcript="ENST00000318493")),
                  alt(chrom="7", pos=116412044, ref="G", alt_="A", build="GRCh37",
                      consequence="splice"),
                  alt(chrom="7", pos=116412044, ref="G", alt_="A", build="GRCh38",
                      consequence="splice"),
                  alt(chrom="7", pos=116412046, ref="G", alt_="A", build="GRCh37",
                      consequence="splice")):
        assert _features(a) != _features(other)


# ----------------------------------------------------------------------------- CIViC import
def test_civic_exon_skipping_variant_maps_to_the_criterion():
    assert civic.variant_criterion(Variant("324", "MET", "Exon 14 Skipping Mutation",
                                           "exon_loss_variant")) == SKIPPING
    assert civic.variant_criterion(Variant("9", "MET", "Exon 14 Skipping")) == SKIPPING
    with pytest.raises(Skip, match="variant kind not representable"):
        civic.variant_criterion(Variant("4386", "MET", "Splice Site (c.3028G>A)"))


def test_importer_skips_an_exon_the_table_lacks():
    from matcher.kb.civic_import import Importer

    imp = Importer(ROOT / "knowledgebase" / "civic" / "source", ROOT / "knowledgebase")
    gene, crit = imp._criterion({"name": "MET Exon 14 Skipping Mutation", "variant_ids": "324"},
                                {"324": Variant("324", "MET", "Exon 14 Skipping Mutation")})
    assert (gene, crit) == ("MET", SKIPPING)
    with pytest.raises(Skip) as info:  # BRAF: no rows in the exon table
        imp._criterion({"name": "BRAF Exon 9 Skipping Mutation", "variant_ids": "1"},
                       {"1": Variant("1", "BRAF", "Exon 9 Skipping Mutation")})
    assert info.value.reason == "exon skipping: exon not in the reference exon table"
    assert info.value.detail.startswith("BRAF exon 9: ")


def test_shipped_import_has_the_met_exon_14_evidence():
    doc = yaml.safe_load((ROOT / "knowledgebase" / "civic" / "genes" / "MET.yaml").read_text())
    items = {e["id"]: e for e in doc["evidence"]}
    e = items[CAPMATINIB_A]
    assert (e["alteration"], e["therapy"], e["scope"]) == (SKIPPING, ["capmatinib"], ["NSCLC"])
    assert e["citations"] == [{"civic": "EID8847"}, {"pmid": "32877583"}]
    skipping = [i for i in items.values() if i["alteration"] == SKIPPING]
    assert len(skipping) == 12
    skipped = (ROOT / "knowledgebase" / "civic" / "SKIPPED.tsv").read_text()
    assert "Exon 14 Skipping" not in skipped


# ----------------------------------------------------------------------------- end to end
def _match_json(kb, variant: dict, tumor: str = "LUAD"):
    doc = {"report_id": "METEX14", "tumor_type": tumor, "variants": [variant]}
    return run(json.dumps(doc).encode(), kb=kb)[0]


def _matches(result):
    return {m.evidence_id: m for o in result.therapy_options for m in o.matches}


def test_lab_report_met_donor_site_gets_capmatinib_with_citation(full_kb):
    result = _match_json(full_kb, {"gene": "MET", "cdna_change": "c.3028+1G>A"})
    outcome = result.alterations[0]
    assert outcome.status == "matched" and CAPMATINIB_A in outcome.match_ids
    capmatinib = next(o for o in result.therapy_options if o.name == "capmatinib")
    m = next(m for m in capmatinib.matches if m.evidence_id == CAPMATINIB_A)
    assert (m.match_type, m.gene, m.criterion, m.label_status) == (
        "exon_skipping", "MET", "MET exon 14 skipping", "on-label")
    assert m.level == "3A"  # CIViC level A without an approval stated: clinical, in LUAD
    assert [(c.kind, c.id) for c in m.citations] == [("civic", "EID8847"), ("pmid", "32877583")]
    assert TEPOTINIB_B in _matches(result)
    assert "NCT02414139" in {t.nct_id for t in result.trials}  # the trial EID8847 cites


@pytest.mark.parametrize("variant", [
    {"gene": "MET", "cdna_change": "c.3028+5G>A"},
    {"gene": "MET", "cdna_change": "c.2887+1G>A"},  # exon 13 donor
    {"gene": "MET", "protein_change": "Y1003C"},  # missense in exon 14
    {"gene": "MET", "protein_change": "X1010_splice"},  # split codon: ambiguous
    {"gene": "EGFR", "cdna_change": "c.3028+1G>A"},
])
def test_lab_reports_that_do_not_show_exon_14_skipping(full_kb, variant):
    assert not MET_EX14_EVIDENCE & set(_matches(_match_json(full_kb, variant)))


CSQ = "Allele|Consequence|SYMBOL|Feature|EXON|INTRON|HGVSc|HGVSp|CANONICAL|PICK|MANE_SELECT"


def _vep_vcf(build: str, pos: int, consequence: str, feature: str, hgvsc: str,
             ref: str = "G", alt_: str = "A") -> bytes:
    return (
        f"##fileformat=VCFv4.2\n##reference={build}\n"
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'Ensembl VEP. Format: {CSQ}">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"7\t{pos}\t.\t{ref}\t{alt_}\t.\tPASS\tCSQ={alt_}|{consequence}|MET|{feature}||14/20|"
        f"{feature}:{hgvsc}||YES|1|\n").encode()


@pytest.mark.parametrize("build, pos, feature, hgvsc", [
    # on the MANE Select transcript: the c. donor site
    ("GRCh37", 116412044, "ENST00000397752", "c.3028+1G>A"),
    # on the longer isoform (GRCh37 VEP's canonical): c.3082+1 there; the coordinates decide
    ("GRCh37", 116412044, "ENST00000318493", "c.3082+1G>A"),
    ("GRCh38", 116771990, "ENST00000318493", "c.3082+1G>A"),
])
def test_vep_splice_donor_at_met_intron_14_gets_capmatinib(full_kb, build, pos, feature, hgvsc):
    vcf = _vep_vcf(build, pos, "splice_donor_variant", feature, hgvsc)
    result = run(vcf, kb=full_kb, filename="tumor.vep.vcf",
                 options=ReadOptions(tumor_type="LUAD"))[0]
    a = result.alterations[0].alteration
    assert (a.gene, a.variant.consequence, a.variant.protein) == ("MET", "splice", None)
    assert _matches(result)[CAPMATINIB_A].match_type == "exon_skipping"


def test_vep_intronic_call_near_the_donor_only_when_annotated_exon_loss(full_kb):
    def result_for(consequence):
        vcf = _vep_vcf("GRCh37", 116412048, consequence, "ENST00000397752", "c.3028+5G>A")
        return run(vcf, kb=full_kb, filename="tumor.vep.vcf",
                   options=ReadOptions(tumor_type="LUAD"))[0]

    assert CAPMATINIB_A not in _matches(result_for("splice_region_variant&intron_variant"))
    assert CAPMATINIB_A in _matches(result_for("exon_loss_variant"))


def test_same_report_twice_same_result_and_memo_does_not_mix_calls():
    kb = load_kb()  # a fresh engine memo
    donor14 = {"gene": "MET", "cdna_change": "c.3028+1G>A"}
    donor13 = {"gene": "MET", "cdna_change": "c.2887+1G>A"}  # same class (splice), exon 13
    first = _match_json(kb, donor13)
    assert CAPMATINIB_A not in _matches(first)
    second = _match_json(kb, donor14)  # memo key must tell it from the exon 13 call
    assert CAPMATINIB_A in _matches(second)
    third = _match_json(kb, donor14)
    assert CAPMATINIB_A in _matches(third)
    strip = lambda r: {k: v for k, v in r.to_dict().items() if k != "generated_at"}  # noqa: E731
    assert strip(second) == strip(third)
    assert CAPMATINIB_A not in _matches(_match_json(kb, donor13))  # and back again
