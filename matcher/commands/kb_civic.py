"""`matcher kb import-civic` and `matcher kb stats` (added to the `kb` group by commands/kb.py)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click
import yaml

KB_OPTION = click.option("--kb", "kb_dir", type=click.Path(file_okay=False),
                         envvar="MATCHER_KB_DIR",
                         help="Knowledge base folder (default: the shipped one).")
NO_VALIDATE_OPTION = click.option("--no-validate", is_flag=True,
                                  help="Skip loading the KB after the import.")
CHECK_OPTION = click.option(
    "--check", is_flag=True,
    help="Write nothing: exit 1 if the committed output differs from a fresh import.")

def import_options(out_help: str, copy_help: str):
    """The options every folder importer takes: --kb, --out, --copy-source, --no-validate and
    --check (in that order in --help)."""
    options = [
        KB_OPTION,
        click.option("--out", "out_dir", type=click.Path(file_okay=False),
                     help=out_help),
        click.option("--copy-source/--no-copy-source", default=False, help=copy_help),
        NO_VALIDATE_OPTION,
        CHECK_OPTION,
    ]

    def apply(command):
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def report_stale(stale: list[str], shown, up_to_date: str) -> None:
    """--check: name each out-of-date file on stderr and exit 1, or say all is up to date."""
    for name in stale:
        click.echo(f"out of date: {shown(name)}", err=True)
    if stale:
        raise click.exceptions.Exit(1)
    click.echo(up_to_date)


def validated_kb(kb: Path, **load_options):
    """Load the KB after an import; an invalid one is an input error naming what is wrong."""
    from matcher.errors import InputError, KnowledgeBaseError
    from matcher.kb.loader import load_kb

    try:
        return load_kb(kb, **load_options)
    except KnowledgeBaseError as exc:
        raise InputError(str(exc)) from None



@click.command("import-civic")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@import_options("Where to write the imported entries (default: <kb>/civic).",
                "Also copy the release TSVs the importer reads into <out>/source/.")
def import_civic(source, kb_dir, out_dir, copy_source, no_validate, check) -> None:
    """Import the CIViC release in SOURCE (a folder of CIViC TSVs) into the KB's civic/ folder.

    Re-runnable and deterministic: the same release and disease map give the same files. Hand
    overrides in civic/disease_map.tsv (how = curated) are kept.
    """
    from matcher.kb.civic_import import copy_sources
    from matcher.kb.civic_import import import_civic as run
    from matcher.paths import default_kb_dir

    kb = (Path(kb_dir) if kb_dir else default_kb_dir()).resolve()
    out = Path(out_dir) if out_dir else kb / "civic"
    if check:
        report_stale(check_import(source, kb, out), lambda name: out / name,
                     f"{out}: up to date with {source}")
        return
    if copy_source:
        copy_sources(Path(source), out / "source")
    res = run(source, kb, out)
    skipped = sum(len(v) for v in res.skipped.values())
    click.echo(f"CIViC {res.release}: {res.rows} evidence rows, {res.imported_rows} imported as "
               f"{res.items} KB items in {res.genes} genes; {skipped} rows skipped "
               f"(see {out / 'SKIPPED.tsv'}); {res.new_therapies} new therapies, "
               f"{res.new_trials} new trials")
    if no_validate or out != kb / "civic":
        return
    loaded = validated_kb(kb, imported=True)  # validate the import even if MATCHER_KB_IMPORTED=0
    click.echo(f"validated: knowledge base {loaded.version} ({loaded.hash[:12]}); "
               f"{len(loaded.dropped_civic)} imported items dropped where curated entries speak")


def check_import(source, kb: Path, out: Path) -> list[str]:
    """Files of ``out`` that a fresh import of ``source`` would change, add or remove."""
    from matcher.kb.civic_import import import_civic as run
    from matcher.kb.import_check import stale_files

    return stale_files(out, lambda fresh: run(source, kb, fresh), kept=("disease_map.tsv",))


def collect_stats(kb) -> dict:
    """Counts of a loaded KB: evidence by gene, type and source; the last import's skips."""
    ev = kb.all_evidence()
    by_gene = Counter(e.gene or "(signatures)" for e in ev)
    out = {
        "version": kb.version, "hash": kb.hash,
        "evidence": len(ev),
        "by_source": dict(sorted(Counter(e.source for e in ev).items())),
        "by_evidence_type": dict(sorted(Counter(e.evidence_type for e in ev).items())),
        "by_source_and_type": {f"{s}/{t}": n for (s, t), n in
                               sorted(Counter((e.source, e.evidence_type) for e in ev).items())},
        "by_direction": dict(sorted(Counter(e.direction for e in ev).items())),
        "by_gene": dict(sorted(by_gene.items(), key=lambda kv: (-kv[1], kv[0]))),
        "civic_dropped_as_curated_duplicates": len(getattr(kb, "dropped_civic", ())),
    }
    stats_file = Path(kb.path) / "civic" / "stats.yaml"
    if stats_file.exists():
        out["civic_import"] = yaml.safe_load(stats_file.read_text(encoding="utf-8"))
    approvals = Path(kb.path) / "approvals" / "stats.yaml"
    if approvals.exists():
        out["approvals_import"] = yaml.safe_load(approvals.read_text(encoding="utf-8"))
    return out


@click.command("stats")
@KB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--top", default=20, show_default=True, help="Genes to list (0 = all).")
def stats(kb_dir, as_json, top) -> None:
    """Entries by gene, evidence type and source; CIViC rows skipped, by reason with examples."""
    from matcher.kb.loader import load_kb

    s = collect_stats(load_kb(kb_dir))
    if as_json:
        click.echo(json.dumps(s, indent=2, default=str))
        return
    click.echo(f"Knowledge base {s['version']} ({s['hash'][:12]}): {s['evidence']} evidence items")
    for key, title in (("by_source", "by source"), ("by_evidence_type", "by evidence type"),
                       ("by_source_and_type", "by source/type"),
                       ("by_direction", "by direction")):
        click.echo(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in s[key].items()))
    genes = list(s["by_gene"].items())
    shown = genes if top == 0 else genes[:top]
    click.echo(f"  by gene ({len(genes)} genes" + (f", top {len(shown)}" if len(shown) <
                                                   len(genes) else "") + "): "
               + ", ".join(f"{g} {n}" for g, n in shown))
    click.echo(f"  CIViC items dropped where curated entries speak: "
               f"{s['civic_dropped_as_curated_duplicates']}")
    appr = s.get("approvals_import")
    if appr:
        click.echo(f"Approvals import (data to {appr['data_currency']}): "
                   + ", ".join(f"{t} {n} rows, {appr['imported_rows'].get(t, 0)} imported"
                               for t, n in appr["rows"].items())
                   + f"; {appr['evidence_items']} items; {appr['history_rows']} history rows")
        click.echo("  skipped (count, reason, rows):")
        for reason, info in appr["skipped"].items():
            click.echo(f"    {info['count']:5d}  {reason}  ({', '.join(info['rows'][:6])})")
    imp = s.get("civic_import")
    if imp:
        click.echo(f"CIViC import {imp['release']}: {imp['evidence_rows']} rows, "
                   f"{imp['imported_rows']} imported as {imp['evidence_items']} items; by CIViC "
                   "level: " + ", ".join(f"{k} {v}" for k, v in imp["by_civic_level"].items()))
        click.echo(f"  items whose disease has no OncoTree code: "
                   f"{imp['items_with_unmapped_disease']}")
        click.echo("  skipped (count, reason, examples):")
        for reason, info in imp["skipped"].items():
            click.echo(f"    {info['count']:5d}  {reason}  ({', '.join(info['examples'])})")


KB_COMMANDS = [import_civic, stats]
