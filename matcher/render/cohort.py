"""The cohort summary of ``matcher cohort``: samples by highest level per tumor type, actionable
biomarkers, as TSV tables and as one HTML page with an inline SVG chart (no script, no image).

:class:`CohortSummary` is filled one sample at a time (:func:`sample_row` gives what a result
adds), so its size grows with the tumor types and biomarkers seen, never with the samples.
"""

from __future__ import annotations

from collections import Counter
from html import escape

from matcher.model import MatchResult

LEVELS = ("1", "2", "3A", "3B", "4", "R1", "R2")
SENSITIVE = LEVELS[:5]
NONE = "none"
SAMPLE_HEADER = ("SAMPLE", "TUMOR_TYPE", "HIGHEST_LEVEL", "LEVEL_1_THERAPIES", "ALTERATIONS")
# Colours of the chart, best level darkest; "none" grey. Text carries the same information.
COLOURS = {"1": "#1b5e20", "2": "#2e7d32", "3A": "#1565c0", "3B": "#64b5f6", "4": "#b39ddb",
           "R1": "#c62828", "R2": "#ef9a9a", NONE: "#bdbdbd"}


def best_level(levels) -> str:  # noqa: ANN001
    ranked = sorted(set(levels), key=LEVELS.index)
    return ranked[0] if ranked else ""


def highest_level(result: MatchResult) -> str:
    """The best level of the sample's options, else of its resistance, else ''."""
    sens = best_level(o.level for o in result.therapy_options)
    return sens or best_level(m.level for m in result.resistance)


def sample_row(result: MatchResult) -> tuple[list[str], str, str, dict[str, str]]:
    """(samples.tsv row, tumor type code, highest level, {biomarker label: best level}) of one
    sample's result; biomarkers are the alterations that some therapy option matched."""
    tumor = result.tumor_type.code if result.tumor_type else ""
    level = highest_level(result)
    row = [result.sample or result.report_id, tumor, level,
           ",".join(o.name for o in result.therapy_options if o.level == "1"),
           str(len(result.alterations))]
    labels = {o.alteration.id: o.alteration.label for o in result.alterations}
    markers: dict[str, str] = {}
    for option in result.therapy_options:
        for m in option.matches:
            label = labels.get(m.alteration_id, m.alteration_id)
            markers[label] = best_level((markers.get(label, m.level), m.level))
    return row, tumor, level, markers


class CohortSummary:
    """Counts over the samples added: by (tumor type, highest level), and per biomarker and
    tumor type the samples carrying it and its best level."""

    def __init__(self) -> None:
        self.samples = 0
        self.by_level: Counter[tuple[str, str]] = Counter()
        self.markers: dict[tuple[str, str], list] = {}  # (label, tumor) -> [samples, level]

    def add(self, tumor: str, level: str, markers: dict[str, str]) -> None:
        self.samples += 1
        self.by_level[(tumor, level or NONE)] += 1
        for label, lv in markers.items():
            entry = self.markers.setdefault((label, tumor), [0, lv])
            entry[0] += 1
            entry[1] = best_level((entry[1], lv))

    def add_result(self, result: MatchResult) -> list[str]:
        """Add one result; return its samples.tsv row."""
        row, tumor, level, markers = sample_row(result)
        self.add(tumor, level, markers)
        return row

    # ------------------------------------------------------------------ tables
    def levels_table(self) -> list[list[str]]:
        order = (*LEVELS, NONE)
        return [["TUMOR_TYPE", "HIGHEST_LEVEL", "SAMPLES"]] + [
            [t, lv, str(n)] for (t, lv), n in sorted(
                self.by_level.items(), key=lambda kv: (kv[0][0], order.index(kv[0][1])))]

    def biomarkers_table(self) -> list[list[str]]:
        return [["BIOMARKER", "TUMOR_TYPE", "SAMPLES", "HIGHEST_LEVEL"]] + [
            [label, tumor, str(n), lv] for (label, tumor), (n, lv) in sorted(
                self.markers.items(), key=lambda kv: (LEVELS.index(kv[1][1]), -kv[1][0], kv[0]))]

    def tables(self) -> dict[str, list[list[str]]]:
        return {"levels": self.levels_table(), "biomarkers": self.biomarkers_table()}

    # ------------------------------------------------------------------ HTML
    def html(self, *, title: str = "Cohort summary", top: int = 25) -> str:
        """One self-contained page: the chart, the table behind it, the top biomarkers."""
        tumors = sorted({t for t, _ in self.by_level})
        order = (*LEVELS, NONE)
        parts = [
            "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{escape(title)}</title>", f"<style>{_CSS}</style></head><body>",
            f"<h1>{escape(title)}</h1>",
            f"<p>{self.samples} sample(s) in {len(tumors)} tumor type(s). Highest level: the "
            "best level of a sample's therapy options, else of its resistance evidence; "
            "&ldquo;none&rdquo;: no option and no resistance evidence.</p>",
            "<h2>Samples by highest level, per tumor type</h2>", self._chart(tumors, order),
            '<table><thead><tr><th scope="col">Tumor type</th>'
            + "".join(f'<th scope="col">{escape(lv)}</th>' for lv in order)
            + '<th scope="col">Samples</th></tr></thead><tbody>']
        for t in tumors:
            counts = [self.by_level.get((t, lv), 0) for lv in order]
            parts.append(f"<tr><th scope=\"row\">{escape(t or '(unknown)')}</th>"
                         + "".join(f"<td>{n}</td>" for n in counts)
                         + f"<td>{sum(counts)}</td></tr>")
        parts.append("</tbody></table>")
        rows = self.biomarkers_table()[1:top + 1]
        parts.append(f"<h2>Top actionable biomarkers (first {len(rows)} of "
                     f"{len(self.markers)})</h2>")
        parts.append('<table><thead><tr><th scope="col">Biomarker</th><th scope="col">Tumor '
                     'type</th><th scope="col">Samples</th><th scope="col">Best level</th>'
                     "</tr></thead><tbody>")
        for label, tumor, n, lv in rows:
            parts.append(f"<tr><td>{escape(label)}</td><td>{escape(tumor or '(unknown)')}"
                         f"</td><td>{n}</td><td>{escape(lv)}</td></tr>")
        parts.append("</tbody></table>")
        parts.append("<p class=\"note\">Levels are derived per sample by the matcher from its "
                     "knowledge base; see each sample's own report before any decision.</p>")
        parts.append("</body></html>")
        return "\n".join(parts) + "\n"

    def _chart(self, tumors: list[str], order: tuple[str, ...]) -> str:
        """Horizontal stacked bars, one per tumor type, as inline SVG with text labels."""
        bar, gap, left, width = 18, 6, 110, 420
        totals = {t: sum(self.by_level.get((t, lv), 0) for lv in order) for t in tumors}
        most = max(totals.values(), default=0) or 1
        height = (bar + gap) * len(tumors) + 40
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{left + width + 60}"'
               f' height="{height}" aria-label="Samples by highest level per tumor type">']
        for i, t in enumerate(tumors):
            y = i * (bar + gap)
            out.append(f'<text x="{left - 6}" y="{y + bar - 5}" text-anchor="end">'
                       f"{escape(t or '(unknown)')}</text>")
            x = float(left)
            for lv in order:
                n = self.by_level.get((t, lv), 0)
                if not n:
                    continue
                w = width * n / most
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" '
                           f'fill="{COLOURS[lv]}"><title>{escape(t or "(unknown)")}: level '
                           f"{escape(lv)}, {n} sample(s)</title></rect>")
                x += w
            out.append(f'<text x="{x + 4:.1f}" y="{y + bar - 5}">{totals[t]}</text>')
        y = len(tumors) * (bar + gap) + 14
        x = 0
        for lv in order:
            out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{COLOURS[lv]}"/>'
                       f'<text x="{x + 16}" y="{y + 11}">{escape(lv)}</text>')
            x += 58
        out.append("</svg>")
        return "".join(out)


_CSS = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}"
        "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;"
        "padding:.2em .5em;text-align:right}td:first-child,th[scope=row]{text-align:left}"
        "svg text{font-size:12px}.note{color:#555}")
