"""`matcher find`: which of a lab's stored reports carry an alteration (queryable store)."""

from __future__ import annotations

import json

import click


def open_store(database_url: str | None):  # noqa: ANN201
    """The configured report store; exit 2 when the URL holds no migrated store."""
    from matcher.errors import InputError
    from matcher.service.config import load_config, mask_url
    from matcher.service.store import Store

    cfg = load_config({"DATABASE_URL": database_url} if database_url else None)
    store = Store(cfg["DATABASE_URL"])
    if store.schema_revision() is None:
        store.engine.dispose()
        raise InputError(f"{mask_url(cfg['DATABASE_URL'])}: not a report store "
                         "(no schema; run `matcher db upgrade` or check --database-url)")
    return store


DB_OPTION = click.option(
    "--database-url", envvar="MATCHER_DATABASE_URL", default=None, metavar="URL",
    help="Report store (default: MATCHER_DATABASE_URL or sqlite:///var/matcher.sqlite3).")


@click.command("find")
@click.option("--lab", required=True, help="The lab whose reports are searched (only its own).")
@click.option("--gene", help="HGNC symbol (aliases resolved) or signature name (TMB, MSI).")
@click.option("--alteration", help="V600E, p.Val600Glu, EML4::ALK, amplification, BRAF V600E.")
@click.option("--tumor-type", help="OncoTree code or name; descendants included.")
@click.option("--kind", type=click.Choice(["variant", "fusion", "copy_number", "signature"]),
              help="Only alterations of this kind.")
@click.option("--include-filtered", is_flag=True, help="Also calls listed as filtered.")
@click.option("--all-versions", is_flag=True, help="Also superseded versions of reports.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="At most this many rows (the total is always counted).")
@DB_OPTION
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False), envvar="MATCHER_KB_DIR",
              help="Knowledge base folder (gene aliases, OncoTree; default: the shipped one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def find(lab, gene, alteration, tumor_type, kind, include_filtered, all_versions, limit,
         database_url, kb_dir, as_json) -> None:
    """List a lab's stored reports that carry an alteration (newest first).

    Example: matcher find --lab lab-a --gene BRAF --alteration V600E --tumor-type THYROID
    """
    from matcher.kb.loader import load_kb
    from matcher.service.alterations import build_query, find_alterations, item_dict

    if not (gene or alteration or tumor_type):
        raise click.UsageError("give at least one of --gene, --alteration, --tumor-type")
    kb = load_kb(kb_dir)
    q = build_query(kb, lab, gene=gene, alteration=alteration, tumor_type=tumor_type,
                    field_prefix="--", kind=kind, include_filtered=include_filtered,
                    all_versions=all_versions)
    store = open_store(database_url)
    try:
        rows, total = find_alterations(store, q, limit=limit)
    finally:
        store.engine.dispose()
    items = [item_dict(r) for r in rows]
    if as_json:
        click.echo(json.dumps({"total": total, "items": items}, indent=2, default=str))
        return
    click.echo(f"{total} alteration(s) in {lab}'s stored reports"
               + (f" (first {len(items)})" if total > len(items) else ""))
    for it in items:
        click.echo(f"  {it['report_id']} v{it['version']}\t{it['tumor_type'] or '-'}\t"
                   f"{it['label']}\t{it['status'] or ''}\t{it['submitted_at']:%Y-%m-%d}")


COMMANDS = [find]
