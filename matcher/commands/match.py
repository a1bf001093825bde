"""`matcher match FILE`: the whole pipeline offline, for every supported file format."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from matcher.readers import FORMATS, ReadOptions

OUTPUT_FORMATS = ("text", "json", "html", "fhir")


def render(results: list, fmt: str, color: bool, view: str = "compact") -> str:
    """Render match results in one of OUTPUT_FORMATS, in a shape that does not depend on how many
    samples the file held: JSON ``{"results": [...]}`` (each result in ``view``, compact or full,
    docs/result-schema.md), FHIR one ``collection`` Bundle, text one summary after the other."""
    if fmt == "json":
        from matcher.render.json import render_json_results

        return render_json_results(results, view)
    if fmt == "fhir":
        from matcher.render.fhir import to_fhir_collection

        return json.dumps(to_fhir_collection(results), indent=2)
    if fmt == "html":
        from matcher.render.html import render_html

        if len(results) > 1:
            raise click.UsageError("the file holds several reports: HTML is one page per report, "
                                   "so give --output DIR to write one file per report")
        return render_html(results[0])
    from matcher.render.text import render_text

    return "\n\n".join(render_text(r, color=color) for r in results)


@click.command("match")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--tumor-type", "-t", help="OncoTree code or name (overrides the file's own).")
@click.option("--format", "-f", "out_format", type=click.Choice(OUTPUT_FORMATS),
              default="text", show_default=True, help="Output format.")
@click.option("--view", type=click.Choice(("compact", "full")), default="compact",
              show_default=True, help="JSON result view: compact (each evidence item once, the "
              "best shown per option) or full (every matched evidence item in full).")
@click.option("--input-format", type=click.Choice(FORMATS),
              help="Input format (default: detected from the content).")
@click.option("--sample", help="Tumor sample name in a multi-sample VCF or MAF.")
@click.option("--normal-sample", help="Normal sample name in a tumor/normal VCF.")
@click.option("--genome-build", type=click.Choice(("GRCh37", "GRCh38")),
              help="Genome build, when the file does not say.")
@click.option("--report-id", help="Report id (default: from the file).")
@click.option("--min-vaf", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Calls below this variant allele fraction are listed as filtered.")
@click.option("--min-depth", type=click.IntRange(0), default=0, show_default=True,
              help="Calls below this read depth are listed as filtered.")
@click.option("--clinical", type=click.Path(exists=True, dir_okay=False),
              help="MAF clinical sidecar (SAMPLE_ID, ONCOTREE_CODE).")
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False), envvar="MATCHER_KB_DIR",
              help="Knowledge base folder (default: the shipped one).")
@click.option("--progress/--no-progress", default=None,
              help="Progress on stderr (default: on a terminal, once a run takes over a second).")
@click.option("--output", "-o", type=click.Path(),
              help="Write here, not stdout (HTML for several reports: a folder, one page each).")
def match_cmd(file, tumor_type, out_format, view, input_format, sample, normal_sample, genome_build,
              report_id, min_vaf, min_depth, clinical, kb_dir, progress, output) -> None:
    """Match a lab report (JSON, VCF, MAF or fusion table) and print the summary."""
    from matcher.kb.loader import load_kb
    from matcher.kb.trials import with_trial_status
    from matcher.pipeline import read_reports
    from matcher.progress import Progress

    kb = with_trial_status(load_kb(kb_dir))  # trial statuses last refreshed, if any
    options = ReadOptions(report_id=report_id, tumor_type=tumor_type, sample=sample,
                          normal_sample=normal_sample, genome_build=genome_build,
                          min_vaf=min_vaf, min_depth=min_depth,
                          clinical_sidecar=Path(clinical).read_bytes() if clinical else None)
    with Progress(progress) as bar:
        if file == "-":
            bar.phase("reading standard input")
            reports = read_reports(sys.stdin.buffer.read(), fmt=input_format, options=options,
                                   kb=kb)
        else:
            if not Path(file).exists():
                raise click.BadParameter(f"{file}: no such file", param_hint="FILE")
            size = Path(file).stat().st_size
            bar.phase(f"reading {Path(file).name} ({size / 1e6:.1f} MB)")
            reports = read_reports(path=file, filename=Path(file).name, fmt=input_format,
                                   options=options, kb=kb)
        calls = sum(len(r.variants) + len(r.fusions) + len(r.copy_numbers) for r in reports)
        bar.phase(f"matching {calls:,} calls in {len(reports)} report(s)")
        results, failed = _match_each(reports, kb)
        bar.phase("rendering")
        if out_format == "html" and output and len(results) > 1:
            _write_pages(results, Path(output))
            results = []
        text = render(results, out_format, color=output is None and sys.stdout.isatty(),
                      view=view) if results else None
    if text is not None and output:
        Path(output).write_text(text + "\n", encoding="utf-8")
    elif text is not None:
        click.echo(text)
    for exc in failed:  # the other samples are reported; this one fails, by name and line
        click.echo(f"error: {file}: {exc}", err=True)
    if failed:
        raise click.exceptions.Exit(2)


def _match_each(reports: list, kb) -> tuple[list, list]:
    """Match every report; in a multi-sample file a sample whose tumor type is unknown fails
    alone (its error is returned, the other samples are matched)."""
    from matcher.errors import UnknownTumorTypeError
    from matcher.pipeline import match_report

    results, failed = [], []
    for report in reports:
        try:
            results.append(match_report(report, kb))
        except UnknownTumorTypeError as exc:
            if len(reports) == 1:
                raise
            failed.append(exc)
    return results, failed


def _write_pages(results: list, folder: Path) -> None:
    import re

    from matcher.render.html import render_html

    folder.mkdir(parents=True, exist_ok=True)
    for r in results:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", r.sample or r.report_id) or "report"
        (folder / f"{name}.html").write_text(render_html(r), encoding="utf-8")
        click.echo(str(folder / f"{name}.html"))


COMMANDS = [match_cmd]
