"""`matcher kb import-approvals` (added to the `kb` group by commands/kb.py)."""

from __future__ import annotations

from pathlib import Path

import click

from matcher.commands.kb_civic import import_options, report_stale, validated_kb


@click.command("import-approvals")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@import_options("Where to write the generated entries (default: <kb>/approvals).",
                "Also copy the three tables and their README into <out>/source/.")
def import_approvals(source, kb_dir, out_dir, copy_source, no_validate, check) -> None:
    """Import the approval fact tables in SOURCE (fda_approvals.tsv, fda_limitations.tsv,
    guideline_recommendations.tsv) into the KB's approvals/ folder.

    Deterministic: the same tables and approvals/additions.tsv give the same files. Rows that
    cannot be expressed are listed with their reason in approvals/SKIPPED.tsv, withdrawn and
    outdated ones in approvals/HISTORY.tsv (docs/approvals.md).
    """
    from matcher.errors import InputError
    from matcher.kb.approvals_import import check_import, copy_sources
    from matcher.kb.approvals_import import import_approvals as run
    from matcher.paths import default_kb_dir

    kb = (Path(kb_dir) if kb_dir else default_kb_dir()).resolve()
    out = Path(out_dir) if out_dir else kb / "approvals"
    missing = [n for n in ("fda_approvals.tsv", "fda_limitations.tsv",
                           "guideline_recommendations.tsv") if not (Path(source) / n).is_file()]
    if missing:
        raise InputError(f"{source}: missing {', '.join(missing)}")
    if check:
        report_stale(check_import(source, kb, out), lambda name: out / name,
                     f"{out}: up to date with {source}")
        return
    if copy_source:
        copy_sources(Path(source), out / "source")
    res = run(source, kb, out)
    st = res.stats()
    click.echo(f"approvals (data to {st['data_currency']}): "
               + ", ".join(f"{t} {n} rows, {st['imported_rows'].get(t, 0)} imported"
                           for t, n in st["rows"].items())
               + f"; {res.items} KB items in {res.genes} genes and signatures; "
               f"{len(res.skipped)} rows skipped (see {out / 'SKIPPED.tsv'}), "
               f"{len(res.history)} kept as history (HISTORY.tsv)")
    if no_validate or out != kb / "approvals":
        return
    loaded = validated_kb(kb)
    click.echo(f"validated: knowledge base {loaded.version} ({loaded.hash[:12]})")


KB_COMMANDS = [import_approvals]
