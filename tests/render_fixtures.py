"""Hand-built ``MatchResult`` fixtures for the renderer tests.

Clinical content follows ``KNOWLEDGE.md`` and the CIViC snapshot (01-Aug-2024): PMIDs, NCT ids,
coordinates and HGVS strings are copied from there. Trial statuses and their "verified" dates are
placeholders for rendering tests only, not facts about the trials.
"""

from __future__ import annotations

import dataclasses

from matcher.model import (
    Alteration,
    AlterationOutcome,
    Citation,
    Match,
    MatchResult,
    ProteinChange,
    Specimen,
    TherapyOption,
    TrialMatch,
    TumorType,
    VariantDetail,
)

ATC = TumorType(code="THAP", name="Anaplastic Thyroid Cancer", main_type="Thyroid Cancer",
                tissue="Thyroid")

_COMMON = dict(kb_version="2026.11.0", kb_hash="sha256:3f2a9c0d1e4b5a6f", matcher_version="0.1.0",
               generated_at="2026-11-27T03:00:00Z")


def _trial_url(nct: str) -> str:
    return f"https://clinicaltrials.gov/study/{nct}"


# ----------------------------------------------------------------------------- ATC BRAF V600E
BRAF_V600E = Alteration(
    id="a1", kind="variant", gene="BRAF", label="BRAF V600E", original="BRAF p.Val600Glu",
    source="variants[0]", origin="somatic",
    variant=VariantDetail(
        protein=ProteinChange(canonical="V600E", hgvs="p.Val600Glu", consequence="missense",
                              ref_aa="V", position=600, alt_aa="E"),
        consequence="missense", cdna="c.1799T>A", transcript="NM_004333.4", chrom="7",
        pos=140453136, ref="A", alt="T", build="GRCh37", vaf=0.31, depth=812, hotspot=True),
)
TP53_R248Q = Alteration(
    id="a2", kind="variant", gene="TP53", label="TP53 R248Q", original="TP53 R248Q",
    source="variants[1]", origin="somatic",
    variant=VariantDetail(
        protein=ProteinChange(canonical="R248Q", hgvs="p.Arg248Gln", consequence="missense",
                              ref_aa="R", position=248, alt_aa="Q"),
        consequence="missense", build="GRCh37", vaf=0.44),
)
PIK3CA_FILTERED = Alteration(
    id="a3", kind="variant", gene="PIK3CA", label="PIK3CA E545K", original="PIK3CA E545K",
    source="variants[2]", origin="somatic",
    variant=VariantDetail(
        protein=ProteinChange(canonical="E545K", hgvs="p.Glu545Lys", consequence="missense",
                              ref_aa="E", position=545, alt_aa="K"),
        consequence="missense", build="GRCh37", vaf=0.012, depth=95),
    filter_reason="VAF 1.2% below the 5% reporting threshold",
)
XYZ_UNKNOWN = Alteration(
    id="a4", kind="variant", gene=None, label="FOO1 c.100A>G", original="FOO1 c.100A>G",
    source="variants[3]", gene_known=False,
    not_assessable="gene symbol FOO1 is not known to HGNC",
)

DT_LEVEL1 = Match(
    evidence_id="BRAF-V600E-DT-THAP", alteration_id="a1", gene="BRAF",
    therapy=("dabrafenib", "trametinib"), direction="sensitivity", evidence_type="fda",
    level="1", amp_tier="Tier I, level A", match_type="exact", label_status="on-label",
    criterion="BRAF V600E", scope=("THAP",), excluded=(),
    statement="FDA-approved for BRAF V600E anaplastic thyroid cancer.",
    citations=(
        Citation(kind="pmid", id="29072975", text="Subbiah 2018",
                 url="https://pubmed.ncbi.nlm.nih.gov/29072975/"),
        Citation(kind="label", id="Tafinlar/Mekinist", text="Tafinlar and Mekinist FDA labels"),
    ),
    trials=("NCT02034110",), source="curated", approval_year=2018,
)
DT_AGNOSTIC = dataclasses.replace(
    DT_LEVEL1, evidence_id="BRAF-V600E-DT-SOLID", label_status="tumor-agnostic",
    scope=("SOLID",), excluded=("COADREAD",),
    statement="FDA-approved tumor-agnostic for BRAF V600E solid tumors, colorectal excluded.",
    citations=(Citation(kind="label", id="Tafinlar/Mekinist",
                        text="Tafinlar and Mekinist FDA labels"),),
    trials=(), approval_year=2022,
)
VEM_3A = Match(
    evidence_id="BRAF-V600E-VEM-THAP", alteration_id="a1", gene="BRAF", therapy=("vemurafenib",),
    direction="sensitivity", evidence_type="clinical", level="3A", amp_tier="Tier I, level B",
    match_type="exact", label_status="off-label", criterion="BRAF V600E", scope=("THAP",),
    excluded=(), statement="Responses in the ATC cohort of the VE-BASKET study.",
    citations=(Citation(kind="pmid", id="26287849", text="Hyman 2015",
                        url="https://pubmed.ncbi.nlm.nih.gov/26287849/"),),
    trials=("NCT01524978",), source="curated",
)

ATC_BRAF = MatchResult(
    report_id="RPT-ATC-0001",
    tumor_type=ATC,
    alterations=(
        AlterationOutcome(BRAF_V600E, "matched", None,
                          ("BRAF-V600E-DT-THAP", "BRAF-V600E-DT-SOLID", "BRAF-V600E-VEM-THAP")),
        AlterationOutcome(TP53_R248Q, "no_evidence",
                          "no targeted therapy; not a reason to delay treatment"),
        AlterationOutcome(PIK3CA_FILTERED, "filtered", PIK3CA_FILTERED.filter_reason),
        AlterationOutcome(XYZ_UNKNOWN, "not_assessable", XYZ_UNKNOWN.not_assessable),
    ),
    therapy_options=(
        TherapyOption(therapy=("dabrafenib", "trametinib"), name="dabrafenib + trametinib",
                      level="1", amp_tier="Tier I, level A", alteration_ids=("a1",),
                      matches=(DT_LEVEL1, DT_AGNOSTIC)),
        TherapyOption(therapy=("vemurafenib",), name="vemurafenib", level="3A",
                      amp_tier="Tier I, level B", alteration_ids=("a1",), matches=(VEM_3A,)),
    ),
    resistance=(),
    trials=(
        TrialMatch(nct_id="NCT02034110",
                   title="Dabrafenib + trametinib basket study in rare BRAF V600E cancers",
                   phase="Phase 2", status="ACTIVE_NOT_RECRUITING", status_verified="2026-10-01",
                   reason="biomarker", alteration_ids=("a1",), url=_trial_url("NCT02034110")),
        TrialMatch(nct_id="NCT02657369", title="Lenvatinib in anaplastic thyroid cancer",
                   phase="Phase 2", status="COMPLETED", status_verified=None, reason="tumor_type",
                   url=_trial_url("NCT02657369")),
    ),
    warnings=("Tumor content 20% is below 30%: copy-number losses may be missed.",),
    sample="TUMOR-01", genome_build="GRCh37", lab="Example Molecular Lab",
    specimen=Specimen(id="SP-77", type="FFPE", tumor_content=20.0), patient_id="PT-4471",
    **_COMMON,
)

# ----------------------------------------------------------------- TSC2 + MTOR resistance
TSC2_Q1178 = Alteration(
    id="a1", kind="variant", gene="TSC2", label="TSC2 Q1178*", original="TSC2 p.Gln1178Ter",
    source="line 12", origin="somatic",
    variant=VariantDetail(
        protein=ProteinChange(canonical="Q1178*", hgvs="p.Gln1178Ter", consequence="nonsense",
                              ref_aa="Q", position=1178, alt_aa="*"),
        consequence="nonsense", cdna="c.3532C>T", transcript="NM_000548.4", chrom="16",
        pos=2130300, ref="C", alt="T", build="GRCh37", vaf=0.48),
)
MTOR_F2108L = Alteration(
    id="a2", kind="variant", gene="MTOR", label="MTOR F2108L", original="MTOR p.Phe2108Leu",
    source="line 15", origin="somatic",
    variant=VariantDetail(
        protein=ProteinChange(canonical="F2108L", hgvs="p.Phe2108Leu", consequence="missense",
                              ref_aa="F", position=2108, alt_aa="L"),
        consequence="missense", chrom="1", pos=11187094, ref="G", alt="T", build="GRCh37",
        vaf=0.21),
)
EVE_TSC2 = Match(
    evidence_id="TSC2-LOF-EVE-THAP", alteration_id="a1", gene="TSC2", therapy=("everolimus",),
    direction="sensitivity", evidence_type="case", level="3A", amp_tier="Tier I, level B",
    match_type="consequence", label_status="off-label", criterion="TSC2 loss-of-function",
    scope=("THAP",), excluded=(),
    statement="Near-complete response lasting 18 months in a patient with ATC and TSC2 Q1178*.",
    citations=(Citation(kind="pmid", id="25295501", text="Wagle 2014",
                        url="https://pubmed.ncbi.nlm.nih.gov/25295501/"),
               Citation(kind="civic", id="EID1108",
                        url="https://civicdb.org/links/evidence_items/1108")),
    trials=(), source="curated",
)
EVE_MTOR_RES = Match(
    evidence_id="MTOR-F2108L-EVE-RES", alteration_id="a2", gene="MTOR", therapy=("everolimus",),
    direction="resistance", evidence_type="case", level="R2", amp_tier="Tier II",
    match_type="exact", label_status="on-label", criterion="MTOR F2108L", scope=("THAP",),
    excluded=(), statement="Acquired resistance to everolimus in the same patient.",
    citations=(Citation(kind="pmid", id="25295501", text="Wagle 2014",
                        url="https://pubmed.ncbi.nlm.nih.gov/25295501/"),),
    trials=(), source="curated",
)
TSC2_MTOR = MatchResult(
    report_id="RPT-ATC-0002",
    tumor_type=ATC,
    alterations=(
        AlterationOutcome(TSC2_Q1178, "matched", None, ("TSC2-LOF-EVE-THAP",)),
        AlterationOutcome(MTOR_F2108L, "matched", None, ("MTOR-F2108L-EVE-RES",)),
    ),
    therapy_options=(
        TherapyOption(therapy=("everolimus",), name="everolimus", level="3A",
                      amp_tier="Tier I, level B", alteration_ids=("a1",), matches=(EVE_TSC2,),
                      resistance=(EVE_MTOR_RES,)),
    ),
    resistance=(EVE_MTOR_RES,),
    trials=(
        TrialMatch(nct_id="NCT01236547",
                   title="Chemoradiation with or without added targeted therapy in ATC",
                   phase="Phase 2", status="ACTIVE_NOT_RECRUITING", status_verified="2026-09-15",
                   reason="tumor_type", url=_trial_url("NCT01236547")),
    ),
    warnings=(),
    sample="T2", genome_build="GRCh37", lab="Example Molecular Lab", source_format="vcf",
    **_COMMON,
)

# ----------------------------------------------------------------------------- nothing found
EMPTY = MatchResult(
    report_id="RPT-EMPTY-0003", tumor_type=None, alterations=(), therapy_options=(),
    resistance=(), trials=(), warnings=(), **_COMMON,
)

# ----------------------------------------------------------------------------- hostile input
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"


def hostile() -> MatchResult:
    """ATC_BRAF with markup and ``javascript:`` URLs in every free-text and URL field."""
    alt = dataclasses.replace(BRAF_V600E, gene="BRAF" + SCRIPT, label="BRAF V600E" + IMG,
                              original=SCRIPT + IMG, source=IMG)
    cit = Citation(kind="pmid", id="1" + IMG, text=SCRIPT, url=JS_URL)
    cit2 = Citation(kind="label", id=SCRIPT, text=IMG, url="  JavaScript:alert(1)")
    cit3 = Citation(kind="civic", id="EID" + IMG, url="data:text/html,<script>alert(1)</script>")
    match = dataclasses.replace(DT_LEVEL1, gene="BRAF" + SCRIPT, statement=SCRIPT + IMG,
                                citations=(cit, cit2, cit3), evidence_id=IMG)
    option = TherapyOption(therapy=(SCRIPT,), name="dabrafenib" + SCRIPT, level="1",
                           amp_tier="Tier I, level A" + IMG, alteration_ids=("a1",),
                           matches=(match,), resistance=(match,))
    trial = TrialMatch(nct_id="NCT0" + IMG, title=SCRIPT, phase=IMG, status=SCRIPT,
                       status_verified=IMG, reason="biomarker", alteration_ids=("a1",),
                       url=JS_URL)
    tp53 = dataclasses.replace(TP53_R248Q, gene=IMG, label=SCRIPT, original=IMG)
    return MatchResult(
        report_id="RPT" + SCRIPT + IMG,
        tumor_type=TumorType(code="THAP" + IMG, name=SCRIPT),
        alterations=(AlterationOutcome(alt, "matched", IMG, (IMG,)),
                     AlterationOutcome(tp53, "no_evidence", SCRIPT),
                     AlterationOutcome(tp53, "filtered", IMG)),
        therapy_options=(option,), resistance=(match,), trials=(trial,),
        warnings=(SCRIPT, IMG, JS_URL),
        kb_version=SCRIPT, kb_hash=IMG, matcher_version=IMG, generated_at=SCRIPT,
        sample=SCRIPT + IMG, genome_build=IMG, lab=SCRIPT + IMG,
        specimen=Specimen(id=IMG, type=SCRIPT, tumor_content=None), patient_id=SCRIPT + IMG,
    )


ALL = {"atc_braf": ATC_BRAF, "tsc2_mtor": TSC2_MTOR, "empty": EMPTY}
