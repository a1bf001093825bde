"""`matcher kb import-trials` (added to the `kb` group by commands/kb.py)."""

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


@click.command("import-trials")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@KB_OPTION
@CHECK_OPTION
@NO_VALIDATE_OPTION
def import_trials(source, kb_dir, check, no_validate) -> None:
    """Structure the ClinicalTrials.gov records of SOURCE (TSV, gzip allowed) into ctgov/.

    Deterministic: the same records, conditions.tsv and overrides.yaml give the same
    ctgov/trials.yaml and ctgov/stats.yaml (docs/trials.md).
    """
    from matcher.errors import InputError
    from matcher.kb import ctgov_import
    from matcher.paths import default_kb_dir

    kb = (Path(kb_dir) if kb_dir else default_kb_dir()).resolve()
    try:
        files = ctgov_import.build(Path(source), kb)
    except (KeyError, ValueError, OSError) as exc:
        raise InputError(f"{source}: cannot import ClinicalTrials.gov records ({exc})") from None
    if check:
        report_stale(ctgov_import.check(files, kb),
                     lambda name: f"{kb / name.split(':')[0]} ({name})",
                     f"{kb / 'ctgov'}: up to date with {source}")
        return
    ctgov_import.write(files, kb)
    click.echo(f"wrote {', '.join(str(kb / f) for f in files)}")
    if no_validate:
        return
    loaded = validated_kb(kb)
    roles: dict[str, int] = {}
    for t in loaded.open_trials.values():
        roles[t.role] = roles.get(t.role, 0) + 1
    click.echo(f"validated: knowledge base {loaded.version} ({loaded.hash[:12]}); "
               f"{len(loaded.open_trials)} ClinicalTrials.gov trials: "
               + ", ".join(f"{n} {r}" for r, n in sorted(roles.items())))


KB_COMMANDS = [import_trials]
