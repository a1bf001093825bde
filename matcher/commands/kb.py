"""`matcher kb …`: validate and inspect the knowledge base."""

from __future__ import annotations

import json

import click


@click.group("kb")
def kb_group() -> None:
    """Knowledge base: validate, show, import, statistics."""


@kb_group.command("validate")
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False), envvar="MATCHER_KB_DIR",
              help="Knowledge base folder (default: the shipped one).")
def validate_cmd(kb_dir) -> None:
    """Load the KB with every check; exit 2 listing each problem (file, entry, field)."""
    from matcher.errors import InputError, KnowledgeBaseError
    from matcher.kb.loader import load_kb

    try:
        kb = load_kb(kb_dir)
    except KnowledgeBaseError as exc:
        raise InputError(str(exc)) from None
    c = kb.counts()
    structured = sum(t.role == "biomarker" for t in kb.open_trials.values())
    click.echo(f"OK: knowledge base {kb.version} ({kb.hash[:12]}): {c['genes']} genes, "
               f"{c['evidence']} evidence items, {c['therapies']} therapies, "
               f"{c['trials']} trials, {c['tumor_types']} OncoTree tumor types; "
               f"{c['ctgov_trials']} ClinicalTrials.gov trials ({structured} with structured "
               "biomarker criteria)")


@kb_group.command("show")
@click.argument("gene")
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False), envvar="MATCHER_KB_DIR",
              help="Knowledge base folder (default: the shipped one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def show_cmd(gene, kb_dir, as_json) -> None:
    """Show what the KB holds for GENE (aliases resolved through HGNC)."""
    from matcher.errors import NotFound
    from matcher.kb.loader import load_kb

    kb = load_kb(kb_dir)
    entry = kb.gene_entry(gene)
    if entry is None:
        raise NotFound(f"{gene}: no entry in knowledge base {kb.version}")
    if as_json:
        click.echo(json.dumps(entry, indent=2))
        return
    click.echo(f"{entry['gene']} ({entry['role']}) — KB {kb.version}")
    if entry["summary"]:
        click.echo(f"  {entry['summary']}")
    if entry["no_therapy_reason"]:
        click.echo(f"  No therapy: {entry['no_therapy_reason']}")
    for e in entry["evidence"]:
        click.echo(f"  [{e['id']}] {e['alteration']} -> {' + '.join(e['therapy'])} "
                   f"({e['direction']}, {e['evidence_type']}, scope "
                   f"{', '.join(e['scope']) or e['disease']}"
                   + (f" excluding {', '.join(e['exclude'])}" if e["exclude"] else "") + ")")
        cites = ", ".join(c["text"] or c["id"] for c in e["citations"])
        click.echo(f"      {cites}" + (f"; trials {', '.join(e['trials'])}" if e["trials"] else ""))
    for a in entry["annotations"]:
        click.echo(f"  [{a['id']}] {a['kind']}: {a['alteration']} — {a['statement']}")


try:  # CIViC import and statistics live with the importer
    from matcher.commands.kb_civic import KB_COMMANDS
except ModuleNotFoundError as _exc:
    if _exc.name != "matcher.commands.kb_civic":
        raise
    KB_COMMANDS = []
from matcher.commands.kb_approvals import KB_COMMANDS as _APPROVAL_COMMANDS  # noqa: E402
from matcher.commands.kb_registry import KB_COMMANDS as _REGISTRY_COMMANDS  # noqa: E402
from matcher.commands.kb_trials import KB_COMMANDS as _TRIAL_COMMANDS  # noqa: E402

for _cmd in [*KB_COMMANDS, *_APPROVAL_COMMANDS, *_TRIAL_COMMANDS, *_REGISTRY_COMMANDS]:
    kb_group.add_command(_cmd)

COMMANDS = [kb_group]
