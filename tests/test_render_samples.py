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


def _lab_identifiers(name: str) -> dict[str, str]:
    """{'Patient': …, 'Specimen': …} as the lab JSON file gives them (read here, not by Matcher)."""
    if not name.endswith(".json"):
        return {}
    doc = json.loads((SAMPLES / name).read_text())
    found = {"Patient": (doc.get("patient") or {}).get("id"),
             "Specimen": (doc.get("specimen") or {}).get("id")}
    return {k: v for k, v in found.items() if v}


def test_some_samples_carry_identifiers() -> None:
    """The check above is not vacuous: most lab JSON samples give both identifiers."""
    assert sum(len(_lab_identifiers(n)) == 2 for n in FILES) >= 10


def test_cohort_pages_carry_each_samples_patient(kb) -> None:
    """A multi-sample MAF with its clinical sidecar: each page names its own patient and sample,
    as the sidecar's rows give them."""
    from matcher.pipeline import run
    from matcher.readers import ReadOptions

    rows = [line.split("\t") for line in
            (SAMPLES / "multi_sample.clinical.tsv").read_text().splitlines()
            if line and not line.startswith("#")]
    header, rows = rows[0], rows[1:]
    patients = {r[header.index("SAMPLE_ID")]: r[header.index("PATIENT_ID")] for r in rows}
    options = ReadOptions(clinical_sidecar=(SAMPLES / "multi_sample.clinical.tsv").read_bytes())
    results = run((SAMPLES / "multi_sample.grch37.maf").read_bytes(), kb=kb, fmt="maf",
                  options=options)
    assert {r.sample for r in results} == set(patients)
    for result in results:
        head = Page(render_html(result).split("</header>", 1)[0]).body_text
        assert f"Patient {patients[result.sample]}" in head
        assert f"Sample {result.sample}" in head
        others = set(patients.values()) - {patients[result.sample]}
        assert not any(p in head for p in others)


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

        html = render_html(result)
        page = Page(html)
        assert not page.tags("script") and not page.tags("img")
        # The identifiers the lab sent head the page; no machine detail anywhere on it.
        head = Page(html.split("</header>", 1)[0]).body_text
        for label, value in _lab_identifiers(name).items():
            assert f"{label} {value}" in head, (name, label, value)
        assert not re.search(r"[0-9a-f]{64}", html), name
        assert not re.search(r"JSON|\.json\b|\.vcf\b", page.body_text), name
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
        patients = [e["resource"]["identifier"][0]["value"] for e in bundle["entry"]
                    if e["resource"]["resourceType"] == "Patient"]
        lab_patient = _lab_identifiers(name).get("Patient")
        assert patients == ([lab_patient] if lab_patient else []), name
        observations = [e for e in bundle["entry"]
                        if e["resource"]["resourceType"] == "Observation"]
        assert len(observations) == (len(result.alterations) + len(result.therapy_options)
                                     + len(result.resistance))

        assert json.loads(render_json(result))["report_id"] == result.report_id
