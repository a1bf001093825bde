"""The HTML match summary: content and order, escaping of hostile input, CSP, self-containment."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from html.parser import HTMLParser

import pytest

from matcher.render.html import CSP, META_CSP, render_html
from tests import render_fixtures as fx


class Page(HTMLParser):
    """Collects elements (tag, attrs), text per element and the <title> and <style> text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.title = ""
        self.styles: list[str] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in ("meta", "link", "br", "img", "input", "hr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        where = self.stack[-1] if self.stack else ""
        if where == "title":
            self.title += data
        elif where == "style":
            self.styles.append(data)
        else:
            self.text.append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.elements if t == name]

    @property
    def body_text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


@pytest.fixture(scope="module")
def atc() -> tuple[str, Page]:
    html = render_html(fx.ATC_BRAF)
    return html, Page(html)


def test_sections_in_the_order_of_issue_5(atc) -> None:
    _, page = atc
    text = page.body_text
    order = ["PT-4471", "SP-77", "TUMOR-01", "RPT-ATC-0001", "Anaplastic Thyroid Cancer",
             "OncoTree THAP",
             "2026-11-27 03:00 UTC", "2026.11.0", "Therapy options", "dabrafenib + trametinib",
             "vemurafenib", "Clinical trials", "Matched to a biomarker", "NCT02034110",
             "Open to this tumor type", "NCT02657369", "Alterations without targeted therapy",
             "TP53 R248Q", "Filtered or unassessable calls", "PIK3CA E545K", "FOO1 c.100A>G",
             "Warnings", "Tumor content 20%", "Decision support for a qualified clinician"]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)


def test_levels_explained_and_citations_linked(atc) -> None:
    _, page = atc
    text = page.body_text
    assert "FDA-approved for this biomarker in this tumor type" in text
    assert "Clinical evidence (trial, cohort or case report) in this tumor type" in text
    hrefs = [a["href"] for a in page.tags("a") if a.get("href", "").startswith("http")]
    assert "https://pubmed.ncbi.nlm.nih.gov/29072975/" in hrefs
    assert "https://pubmed.ncbi.nlm.nih.gov/26287849/" in hrefs
    assert "https://clinicaltrials.gov/study/NCT02034110" in hrefs
    assert "https://clinicaltrials.gov/study/NCT02657369" in hrefs
    assert "Tafinlar and Mekinist FDA labels" in text  # a label: text, not a guessed link


def test_trial_status_with_as_of_date_or_not_verified(atc) -> None:
    text = atc[1].body_text
    assert "Active, not recruiting (as of 2026-10-01)" in text
    assert "Completed (status not verified)" in text


def test_reasons_for_alterations_without_therapy(atc) -> None:
    text = atc[1].body_text
    assert "no targeted therapy; not a reason to delay treatment" in text
    assert "VAF 1.2% below the 5% reporting threshold" in text
    assert "gene symbol FOO1 is not known to HGNC" in text


def test_options_ranked_by_level() -> None:
    flipped = dataclasses.replace(fx.ATC_BRAF, therapy_options=fx.ATC_BRAF.therapy_options[::-1])
    text = Page(render_html(flipped)).body_text
    assert text.index("dabrafenib + trametinib") < text.index("vemurafenib")


def test_resistance_shown() -> None:
    page = Page(render_html(fx.TSC2_MTOR))
    text = page.body_text
    assert "Resistance (R2):" in text and "MTOR F2108L" in text
    assert "Resistance: other clinical evidence that the therapy may not work." in text
    hrefs = [a["href"] for a in page.tags("a")]
    assert "https://civicdb.org/links/evidence_items/1108" in hrefs


def test_empty_result() -> None:
    text = Page(render_html(fx.EMPTY)).body_text
    # no call at all: nothing was assessed, which must not read as a negative result
    assert "No call in this report was assessed: it lists none." in text
    assert "not a negative result" in text
    assert "No targeted therapy matched this report." not in text
    assert "No clinical trial matched." in text
    assert "not given" in text


@pytest.mark.parametrize("result", [fx.ATC_BRAF, fx.hostile()], ids=["atc", "hostile"])
def test_title_never_carries_identifiers(result) -> None:
    page = Page(render_html(result))
    assert page.title == "Targeted therapy match summary"


def test_self_contained_and_accessible(atc) -> None:
    html, page = atc
    assert html.startswith("<!doctype html>")
    assert page.tags("html")[0]["lang"] == "en"
    assert not page.tags("script") and not page.tags("link") and not page.tags("img")
    assert not re.search(r"\b(src|srcset)=|@import|url\(", html)
    assert len(page.tags("h1")) == 1
    assert all(th.get("scope") in ("col", "row") for th in page.tags("th"))
    assert not any("style" in attrs for _, attrs in page.elements)  # CSP allows no style attrs
    for a in page.tags("a"):
        href = a["href"] or ""
        assert href.startswith(("https://", "#")), href
        if href.startswith("https://"):
            assert a.get("rel") == "noopener noreferrer"


def test_csp_hash_matches_the_inline_stylesheet(atc) -> None:
    html, page = atc
    assert len(page.styles) == 1
    digest = base64.b64encode(hashlib.sha256(page.styles[0].encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in CSP
    assert CSP.startswith("default-src 'none';")
    assert "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP
    metas = [m for m in page.tags("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert metas[0]["content"] == META_CSP and "frame-ancestors" not in META_CSP


def test_hostile_input_is_escaped() -> None:
    result = fx.hostile()
    html = render_html(result)
    page = Page(html)
    # No element came from the data: the fixed template has no script or img at all.
    assert not page.tags("script") and not page.tags("img")
    assert not any(k.startswith("on") for _, attrs in page.elements for k in attrs)
    assert "<script>alert" not in html and "<img src=x" not in html
    values = [v or "" for _, attrs in page.elements for v in attrs.values()]
    assert not any("javascript:" in v.lower() or "data:" in v for v in values)
    assert "data:text/html" not in html  # the unsafe citation URL is dropped, not shown
    hrefs = [a["href"] for a in page.tags("a")]
    assert all(h.startswith(("https://", "#")) for h in hrefs), hrefs
    # The data is still shown, as text.
    text = page.body_text
    assert fx.SCRIPT in text and fx.IMG.strip() in text
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 10


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_colour_pairs_meet_wcag_aa() -> None:
    from matcher.render.html import _CSS

    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", _CSS))
    pairs = [("ink", None), ("muted", None), ("muted", "panel"), ("accent", None),
             ("good", "good-bg"), ("mid", "mid-bg"), ("low", "low-bg"), ("bad", "bad-bg"),
             ("mid", None)]
    for fg, bg in pairs:
        a, b = _luminance(colours[fg]), _luminance(colours[bg] if bg else "#ffffff")
        ratio = (max(a, b) + 0.05) / (min(a, b) + 0.05)
        assert ratio >= 4.5, (fg, bg, ratio)


def _header_text(html: str) -> str:
    return Page(html.split("</header>", 1)[0]).body_text


def test_patient_and_specimen_identifiers_head_the_page(atc) -> None:
    html, page = atc
    head = _header_text(html)
    for label, value in [("Patient", "PT-4471"), ("Specimen", "SP-77 (FFPE, tumor content 20%)"),
                         ("Sample", "TUMOR-01"), ("Report", "RPT-ATC-0001")]:
        assert f"{label} {value}" in head, (label, head)
    assert page.body_text.index("PT-4471") < page.body_text.index("Therapy options")
    # Not given: said so, never left blank (a blank reads like a page that lost its header).
    empty = _header_text(render_html(fx.EMPTY))
    assert "Patient not given by the lab" in empty
    assert "Specimen not given by the lab" in empty


def test_hostile_patient_id_is_escaped_in_the_header() -> None:
    html = render_html(fx.hostile())
    head = html.split("</header>", 1)[0]
    assert "<script>alert" not in head and "<img src=x" not in head
    assert f"Patient {fx.SCRIPT}{fx.IMG}" in _header_text(html)


def test_no_machine_detail_on_the_page() -> None:
    digest = hashlib.sha256(b"kb").hexdigest()
    result = dataclasses.replace(fx.ATC_BRAF, kb_hash=f"sha256:{digest}")
    html = render_html(result)
    text = Page(html).body_text
    assert not re.search(r"[0-9a-f]{64}", html)
    assert not re.search(r"JSON|FHIR|\.json|\.vcf|\.maf", text)
    # The footer names the KB content by a short prefix, for whoever must reproduce it.
    footer = Page(html.split("<footer>", 1)[1]).body_text
    assert f"Technical details: Matcher 0.1.0 · knowledge base 2026.11.0 (content " \
           f"sha256:{digest[:12]}…)" in footer
    assert "sha256" not in _header_text(html)


def _print_rules(css: str) -> list[tuple[str, str]]:
    """(selector list, declarations) of every rule inside an @media print block."""
    rules = []
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for block in re.finditer(r"@media print\s*\{((?:[^{}]|\{[^{}]*\})*)\}", css):
        rules += re.findall(r"([^{}]+)\{([^{}]*)\}", block.group(1))
    return [(sel.strip(), body) for sel, body in rules]


def test_headings_stay_with_their_section_in_print(atc) -> None:
    from matcher.render.html import _CSS

    rules = _print_rules(_CSS)
    keep_after = {s.strip() for sel, body in rules if "break-after: avoid" in body
                  for s in sel.split(",")}
    keep_before = {s.strip() for sel, body in rules if "break-before: avoid" in body
                   for s in sel.split(",")}
    used = {tag for tag, _ in atc[1].elements if re.fullmatch(r"h[1-6]", tag)}
    assert used and used <= keep_after, used - keep_after
    assert {f"{h} + *" for h in used - {"h1"}} <= keep_before


def test_drug_names_wrap_at_spaces_on_a_phone(atc) -> None:
    from matcher.render.html import _CSS

    viewport = [m for m in atc[1].tags("meta") if m.get("name") == "viewport"]
    assert viewport and "width=device-width" in viewport[0]["content"]
    # 'anywhere' lets a table column shrink below a word's width and split it mid-word;
    # break-word splits a word only when it cannot fit a line of its own.
    cells = re.search(r"\nth, td \{([^}]*)\}", _CSS)
    assert cells and "overflow-wrap: break-word" in cells[1] and "anywhere" not in cells[1]
    therapy = re.search(r"\n\.therapy \{ hyphens: ([a-z]+); \}", _CSS)
    assert therapy and therapy[1] == "manual"
    phone = re.search(r"@media \(max-width: 40rem\)\s*\{((?:[^{}]|\{[^{}]*\})*)\}", _CSS)
    assert phone and re.search(r"table, thead, tbody, tr, th, td \{ display: block", phone[1])
