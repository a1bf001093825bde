"""Terminal text: 80 columns, colour only on request, every section present, control chars out."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from matcher.render.json import render_json
from matcher.render.text import render_text
from tests import render_fixtures as fx

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("name", [*fx.ALL, "hostile"])
@pytest.mark.parametrize("color", [False, True])
def test_every_line_fits_80_columns(name: str, color: bool) -> None:
    result = fx.hostile() if name == "hostile" else fx.ALL[name]
    out = render_text(result, color=color)
    for line in ANSI.sub("", out).splitlines():
        assert len(line) <= 80, line


def test_narrow_width_is_honoured() -> None:
    out = render_text(fx.ATC_BRAF, width=50)
    assert max(len(line) for line in out.splitlines()) <= 50


def test_colour_codes_only_when_asked() -> None:
    plain = render_text(fx.ATC_BRAF)
    coloured = render_text(fx.ATC_BRAF, color=True)
    assert "\x1b" not in plain
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == plain


def test_atc_braf_sections_in_order() -> None:
    out = render_text(fx.ATC_BRAF)
    order = ["RPT-ATC-0001", "Patient      PT-4471", "Anaplastic Thyroid Cancer (THAP)",
             "KB 2026.11.0",
             "THERAPY OPTIONS", "[1]", "dabrafenib + trametinib", "[3A]", "vemurafenib",
             "CLINICAL TRIALS", "Matched to a biomarker", "NCT02034110",
             "Open to the tumor type", "NCT02657369",
             "ALTERATIONS WITHOUT TARGETED THERAPY", "TP53 R248Q",
             "FILTERED OR NOT ASSESSABLE", "PIK3CA E545K", "FOO1",
             "WARNINGS", "Tumor content 20%", "Decision support for a qualified clinician"]
    positions = [out.index(s) for s in order]
    assert positions == sorted(positions)
    assert "FDA-approved for this biomarker in this tumor type" in out
    assert "https://pubmed.ncbi.nlm.nih.gov/29072975/" in out
    assert "https://clinicaltrials.gov/study/NCT02034110" in out
    assert "Active, not recruiting (as of 2026-10-01)" in out
    assert "Completed (status not verified)" in out
    assert "no targeted therapy; not a reason to delay treatment" in out
    assert "VAF 1.2% below the 5% reporting threshold" in out


def test_options_ranked_by_level_even_if_given_out_of_order() -> None:
    shuffled = dataclasses.replace(fx.ATC_BRAF,
                                   therapy_options=fx.ATC_BRAF.therapy_options[::-1])
    out = render_text(shuffled)
    assert out.index("dabrafenib + trametinib") < out.index("vemurafenib")


def test_resistance_is_shown_with_its_option() -> None:
    out = render_text(fx.TSC2_MTOR)
    assert "RESISTANCE" in out
    assert "[R2] everolimus, MTOR F2108L" in out
    assert "Resistance [R2] MTOR F2108L" in out
    assert "https://civicdb.org/links/evidence_items/1108" in out


def test_empty_result_says_nothing_found() -> None:
    out = render_text(fx.EMPTY)
    flat = " ".join(out.split())  # the 80-column text wraps sentences
    assert "No call in this report was assessed: it lists none." in flat
    assert "not a negative result" in flat
    assert "No targeted therapy matched this report." not in flat
    assert "No trial matched." in out
    assert "Tumor type   not given" in out
    assert "WARNINGS" not in out


def test_terminal_control_sequences_from_report_are_neutralised() -> None:
    evil = dataclasses.replace(fx.EMPTY, report_id="R1\x1b]0;pwned\x07\x1b[2J",
                               warnings=("bad\rline\x1b[31m",))
    out = render_text(evil, color=False)
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "R1?]0;pwned??[2J" in out


def test_unsafe_urls_are_not_printed() -> None:
    out = render_text(fx.hostile())
    assert "javascript:alert(1)" not in out.replace("! javascript:alert(1)", "")
    assert "data:text/html" not in out


def test_json_round_trips() -> None:
    data = json.loads(render_json(fx.ATC_BRAF))
    assert data["report_id"] == "RPT-ATC-0001"
    assert data["therapy_options"][0]["name"] == "dabrafenib + trametinib"
    full = json.loads(render_json(fx.ATC_BRAF, view="full"))
    assert list(full) == ["schema_version", "view"] + [
        f.name for f in dataclasses.fields(fx.ATC_BRAF)]


def test_many_set_aside_calls_are_grouped_by_reason():
    from dataclasses import replace

    from matcher.model import Alteration, AlterationOutcome
    from matcher.render.text import render_text
    from tests.render_fixtures import ATC_BRAF

    base = ATC_BRAF
    why = "raw call inside TSC2: consequence unknown; annotate with VEP or snpEff to assess"
    raw = tuple(AlterationOutcome(
        Alteration(id=f"R{i}", kind="variant", gene="TSC2", label=f"TSC2 16:{2100000 + i} A>G",
                   original=f"16:{2100000 + i} A>G", source=f"line {i}", not_assessable=why),
        "not_assessable", why) for i in range(40))
    text = render_text(replace(base, alterations=base.alterations + raw))
    section = text.split("FILTERED OR NOT ASSESSABLE")[1]
    assert "40 calls in TSC2 (not assessable)" in section
    assert section.count("16:21000") == 3  # three examples, not forty lines


def _many_no_evidence(n: int, gene: str = "RNF223"):
    from matcher.model import Alteration, AlterationOutcome

    why = f"No targeted-therapy evidence for {gene} in the knowledge base."
    return tuple(AlterationOutcome(
        Alteration(id=f"N{i}", kind="variant", gene=gene, label=f"{gene} 1:{1006000 + i} A>G",
                   original=f"1:{1006000 + i} A>G", source=f"line {i}"),
        "no_evidence", why) for i in range(n))


def test_many_calls_without_therapy_share_a_row_per_reason_and_notes_stand_alone():
    """A raw exome VCF lists thousands of calls in genes the KB has no evidence for: the text
    and HTML summaries group them (the JSON keeps every call); a reason only one call has, such
    as TP53's note, keeps its own row, first."""
    from dataclasses import replace

    from matcher.render.html import render_html
    from matcher.render.text import render_text
    from tests.render_fixtures import ATC_BRAF

    many = replace(ATC_BRAF, alterations=ATC_BRAF.alterations + _many_no_evidence(1200))
    text = render_text(many)
    section = text.split("ALTERATIONS WITHOUT TARGETED THERAPY")[1].split("FILTERED OR")[0]
    assert "1,200 calls in RNF223: No targeted-therapy evidence for RNF223" in section
    assert section.count("1:1006") == 3
    singles = [o for o in ATC_BRAF.alterations if o.status == "no_evidence"]
    assert singles and all(o.alteration.label in section for o in singles)
    assert section.index(singles[0].alteration.label) < section.index("1,200 calls")
    page = render_html(many)
    assert "1,200 calls in RNF223" in page and page.count("1:1006") == 3
    few = replace(ATC_BRAF, alterations=ATC_BRAF.alterations + _many_no_evidence(5))
    assert render_text(few).count("No targeted-therapy evidence for RNF223") == 5


def test_notes_on_matched_alterations_are_shown_in_text_and_html():
    """A matched alteration's outcome can say more (evidence set aside by specific resistance,
    a resistance-only marker): both summaries show it, escaped in HTML."""
    from dataclasses import replace

    from matcher.render.html import render_html
    from matcher.render.text import render_text
    from tests.render_fixtures import ATC_BRAF

    i, first = next((i, o) for i, o in enumerate(ATC_BRAF.alterations) if o.status == "matched")
    noted = replace(first, reason="Broader sensitivity evidence for <x> is set aside.")
    alts = ATC_BRAF.alterations[:i] + (noted,) + ATC_BRAF.alterations[i + 1:]
    result = replace(ATC_BRAF, alterations=alts)
    text = render_text(result)
    assert "NOTES ON MATCHED ALTERATIONS" in text
    assert f"{first.alteration.label}: Broader sensitivity evidence for <x>" in text
    page = render_html(result)
    assert "Notes on matched alterations" in page and "for &lt;x&gt; is set aside" in page
    assert "NOTES ON MATCHED" not in render_text(ATC_BRAF)
