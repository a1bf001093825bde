"""`matcher kb import-registry` (added to the `kb` group by commands/kb.py)."""

from __future__ import annotations

from pathlib import Path

import click

from matcher.commands.kb_civic import (
    CHECK_OPTION,
    KB_OPTION,
    NO_VALIDATE_OPTION,
    report_stale,
    validated_kb,
)


@click.command("import-registry")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@KB_OPTION
@click.option("--copy-source/--no-copy-source", default=False,
              help="Also copy SOURCE's rows of KB-cited trials into <kb>/registry/source/.")
@NO_VALIDATE_OPTION
@CHECK_OPTION
def import_registry(source, kb_dir, copy_source, no_validate, check) -> None:
    """Copy the registry facts of the KB's cited trials from the trial table SOURCE (TSV:
    nct_id, brief_title, phase, overall_status, status_verified_date, sponsor, source,
    data_date …) into <kb>/registry/registry.tsv.

    Deterministic: the same table and trial files give the same file. The loader fills a cited
    trial's missing title, phase, sponsor and status (as of its date) from it (docs/trials.md).
    """
    from matcher.errors import InputError
    from matcher.kb import registry
    from matcher.paths import default_kb_dir

    kb = (Path(kb_dir) if kb_dir else default_kb_dir()).resolve()
    try:
        files = registry.build(Path(source), kb)
    except (KeyError, ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: cannot import registry facts ({exc})") from None
    if check:
        report_stale(registry.check(files, kb), lambda name: f"{kb / name.split(':')[0]} ({name})",
                     f"{kb / registry.FOLDER}: up to date with {source}")
        return
    if copy_source:
        copied = registry.copy_source(Path(source), kb)
        click.echo(f"copied the rows of KB-cited trials to {copied}")
    registry.write(files, kb)
    rows = sum(1 for line in next(iter(files.values())).splitlines()
               if line.startswith("NCT"))
    click.echo(f"wrote {', '.join(str(kb / f) for f in files)}: {rows} cited trial(s) found "
               f"of {len(registry.cited_ids(kb))}")
    if no_validate:
        return
    loaded = validated_kb(kb)
    filled = sum(1 for t in loaded.trials.values() if t.registry_fields)
    click.echo(f"validated: knowledge base {loaded.version} ({loaded.hash[:12]}); "
               f"{filled} cited trial(s) take facts from the registry snapshot")


KB_COMMANDS = [import_registry]
