"""`matcher kb import-trials` (added to the `kb` group by commands/kb.py)."""

from __future__ import annotations

from pathlib import Path

import click

from matcher.commands.kb_civic import KB_OPTION


@click.command("import-trials")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@KB_OPTION
@click.option("--check", is_flag=True,
              help="Write nothing: exit 1 if the committed output differs from a fresh import.")
@click.option("--no-validate", is_flag=True, help="Skip loading the KB after the import.")
def import_trials(source, kb_dir, check, no_validate) -> None:
    """Structure the ClinicalTrials.gov records of SOURCE (TSV, gzip allowed) into ctgov/.

    Deterministic: the same records, conditions.tsv and overrides.yaml give the same
    ctgov/trials.yaml and ctgov/stats.yaml (docs/trials.md).
    """
    from matcher.errors import InputError, KnowledgeBaseError
    from matcher.kb import ctgov_import
    from matcher.kb.loader import load_kb
    from matcher.paths import default_kb_dir

    kb = (Path(kb_dir) if kb_dir else default_kb_dir()).resolve()
    try:
        files = ctgov_import.build(Path(source), kb)
    except (KeyError, ValueError, OSError) as exc:
        raise InputError(f"{source}: cannot import ClinicalTrials.gov records ({exc})") from None
    if check:
        stale = ctgov_import.check(files, kb)
        for name in stale:
            click.echo(f"out of date: {kb / name.split(':')[0]} ({name})", err=True)
        if stale:
            raise click.exceptions.Exit(1)
        click.echo(f"{kb / 'ctgov'}: up to date with {source}")
        return
    ctgov_import.write(files, kb)
    click.echo(f"wrote {', '.join(str(kb / f) for f in files)}")
    if no_validate:
        return
    try:
        loaded = load_kb(kb)
    except KnowledgeBaseError as exc:
        raise InputError(str(exc)) from None
    roles: dict[str, int] = {}
    for t in loaded.open_trials.values():
        roles[t.role] = roles.get(t.role, 0) + 1
    click.echo(f"validated: knowledge base {loaded.version} ({loaded.hash[:12]}); "
               f"{len(loaded.open_trials)} ClinicalTrials.gov trials: "
               + ", ".join(f"{n} {r}" for r, n in sorted(roles.items())))


KB_COMMANDS = [import_trials]
