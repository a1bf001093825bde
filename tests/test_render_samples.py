"""Every renderer on real engine output: each sample in vcf_samples/ through the whole pipeline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from matcher.render.fhir import to_fhir
from matcher.render.html import render_html
from matcher.render.json import render_json
from matcher.render.text import render_text
from tests.test_render_fhir import validate
from tests.test_render_html import Page

SAMPLES = Path(__file__).resolve().parent.parent / "vcf_samples"
FILES = sorted(p.name for p in SAMPLES.iterdir()
               if p.suffix == ".json" or p.name.endswith((".vcf", ".vcf.gz")))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def kb():
    from matcher.kb.loader import load_kb

    return load_kb()


@pytest.mark.parametrize("name", FILES)
def test_sample_renders_everywhere(kb, name: str) -> None:
    from matcher.pipeline import run

    results = run((SAMPLES / name).read_bytes(), kb=kb, filename=name)
    assert results
    for result in results:
        for color in (False, True):
            text = render_text(result, color=color)
            assert all(len(line) <= 80 for line in ANSI.sub("", text).splitlines())
        assert result.report_id in render_text(result)

        page = Page(render_html(result))
        assert not page.tags("script") and not page.tags("img")
        assert page.title == "Targeted therapy match summary"
        text = page.body_text
        # Options at 1/2/3A are all on the page; 3B/4 ones are named up to a cap, the rest
        # counted ("And N more options …"): none disappears without a trace.
        from matcher.render.common import COMPACT_ROWS

        others = [o for o in result.therapy_options if o.level not in ("1", "2", "3A")]
        for option in result.therapy_options:
            if option.level in ("1", "2", "3A") or option in others[:COMPACT_ROWS]:
                assert option.name in text
        hidden = len(others) - COMPACT_ROWS
        if hidden > 0:
            assert re.search(rf"And {hidden} more options? at level 3B or 4", text), hidden
        for trial in result.trials:
            assert trial.nct_id in text

        bundle = to_fhir(result)
        validate(bundle)
        observations = [e for e in bundle["entry"]
                        if e["resource"]["resourceType"] == "Observation"]
        assert len(observations) == (len(result.alterations) + len(result.therapy_options)
                                     + len(result.resistance))

        assert json.loads(render_json(result))["report_id"] == result.report_id
