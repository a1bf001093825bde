"""`matcher find` (which of a lab's stored reports carry an alteration) and `matcher rematch`
(every stored report re-matched against the current KB, by any number of workers)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import click


def open_store(database_url: str | None):  # noqa: ANN201
    """The configured report store; exit 2 for a bad URL or one that holds no store at the
    schema this code needs."""
    from matcher.commands.service import _store
    from matcher.errors import InputError
    from matcher.service.config import mask_url
    from matcher.service.store import Store

    store = _store(database_url, migrate=False)
    try:
        revision = store.schema_revision()
    except BaseException:
        store.close()
        raise
    if revision != Store.head_revision():
        store.close()
        if revision is None:
            raise InputError(f"{mask_url(store.url)}: not a report store "
                             "(no schema; run `matcher db upgrade` or check --database-url)")
        raise InputError(f"{mask_url(store.url)}: schema at revision {revision}, "
                         f"this matcher needs {Store.head_revision()}: run `matcher db upgrade`")
    return store


DB_OPTION = click.option(
    "--database-url", envvar="MATCHER_DATABASE_URL", default=None, metavar="URL",
    help="Report store (default: MATCHER_DATABASE_URL or sqlite:///var/matcher.sqlite3).")


@click.command("find")
@click.option("--lab", required=True, help="The lab whose reports are searched (only its own).")
@click.option("--gene", help="HGNC symbol (aliases resolved) or signature name (TMB, MSI).")
@click.option("--alteration", help="V600E, p.Val600Glu, EML4::ALK, amplification, BRAF V600E.")
@click.option("--tumor-type", help="OncoTree code or name; descendants included.")
@click.option("--trial", "nct_id", metavar="NCT_ID",
              help="Instead: the reports that meet this KB trial's biomarkers.")
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
def find(lab, gene, alteration, tumor_type, nct_id, kind, include_filtered, all_versions, limit,
         database_url, kb_dir, as_json) -> None:
    """List a lab's stored reports that carry an alteration (newest first).

    Example: matcher find --lab lab-a --gene BRAF --alteration V600E --tumor-type THYROID
    """
    from matcher.kb.loader import load_kb
    from matcher.service.alterations import build_query, find_alterations, item_dict

    if not (gene or alteration or tumor_type or nct_id):
        raise click.UsageError("give at least one of --gene, --alteration, --tumor-type, --trial")
    kb = load_kb(kb_dir)
    if nct_id:
        _find_trial(kb, lab, nct_id, database_url, limit, as_json)
        return
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


def _find_trial(kb, lab: str, nct_id: str, database_url: str | None, limit: int,  # noqa: ANN001
                as_json: bool) -> None:
    from matcher.errors import InputError, NotFound
    from matcher.service.alterations import trial_reports

    store = open_store(database_url)
    try:
        found = trial_reports(store, kb, lab, nct_id)
    except NotFound as exc:
        raise InputError(str(exc)) from None
    finally:
        store.engine.dispose()
    if as_json:
        click.echo(json.dumps({"total": len(found), "items": found[:limit]}, indent=2,
                              default=str))
        return
    click.echo(f"{len(found)} of {lab}'s stored reports meet the biomarkers of {nct_id}")
    for it in found[:limit]:
        click.echo(f"  {it['report_id']} v{it['version']}\t{it['tumor_type'] or '-'}\t"
                   f"{', '.join(it['alterations'])}\t{it['submitted_at']:%Y-%m-%d}")


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected a date such as 2026-11-01",
                                 param_hint="--since") from None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def _fork_workers(n: int, url: str, kb, job, reread: bool) -> list:  # noqa: ANN001
    """Start ``n`` worker processes (forked: the loaded KB is shared, not loaded again)."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    results = ctx.Queue()

    def run(i: int) -> None:
        from matcher.service.rematch_jobs import work_until_done, worker_name
        from matcher.service.store import Store

        store = Store(url)
        try:
            results.put((i, work_until_done(store, kb, job, worker=f"{worker_name()}/{i}",
                                            reread=reread)))
        finally:
            store.engine.dispose()

    procs = [ctx.Process(target=run, args=(i,), daemon=True) for i in range(n)]
    for p in procs:
        p.start()
    return [procs, results]


@click.command("rematch")
@click.option("--since", help="Only reports stored on or after this date (YYYY-MM-DD).")
@click.option("--lab", help="Only this lab's reports.")
@DB_OPTION
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False), envvar="MATCHER_KB_DIR",
              help="Knowledge base folder (default: the shipped one).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256),
              help="Worker processes on this machine (PostgreSQL; SQLite uses one). Run the "
                   "same command on other machines sharing the database to add more.")
@click.option("--batch-size", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="Reports per batch a worker claims (new jobs only).")
@click.option("--reread", is_flag=True,
              help="Re-read each stored upload instead of re-using its stored normalised "
                   "alterations (after a matcher upgrade that changes reading or normalising; "
                   "needs MATCHER_STORE_CONTENT).")
@click.option("--progress/--no-progress", default=None,
              help="Show progress on stderr (default: when stderr is a terminal).")
@click.option("--all", "show_all", is_flag=True,
              help="Also list reports whose options are unchanged.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def rematch(since, lab, database_url, kb_dir, workers, batch_size, reread, progress, show_all,
            as_json) -> None:
    """Re-match stored reports against the current KB and record what changed, per report.

    The work is a job of batches in the database: any number of workers (``--workers``, or this
    command on other machines) share it; an interrupted run resumes where it stopped; a report
    version is re-matched once per KB. Stored results are never overwritten. Each report is
    matched from its stored normalised alterations (oncogenicity classified again under the KB;
    ``--reread`` re-reads the upload instead). Lists the reports whose options changed (new,
    lost, re-levelled; new resistance).
    """
    import gc

    from matcher.kb.loader import load_kb
    from matcher.pipeline import warm_up
    from matcher.progress import Progress
    from matcher.service import rematch_jobs as rj

    since_dt = _since(since)
    store = open_store(database_url)
    try:
        kb = load_kb(kb_dir)
        job = rj.ensure_job(store, kb, lab=lab, since=since_dt, batch_size=batch_size)
        if store.dialect == "sqlite" and workers > 1:
            click.echo("SQLite: one worker (use PostgreSQL to scale out)", err=True)
            workers = 1
        start, first = time.monotonic(), rj.progress(store, job.id)
        stop = threading.Event()
        with Progress(progress, delay=0.5) as bar:

            def show() -> None:
                while not stop.wait(1.0):
                    p = rj.progress(store, job.id)
                    rate = (p.reports_done - first.reports_done) / (time.monotonic() - start)
                    bar.phase(f"re-matching: {p.reports_done}/{p.reports} reports, "
                              f"{p.batches_done}/{p.batches} batches, {rate:.0f} reports/s")

            watcher = threading.Thread(target=show, daemon=True)
            failed = 0
            warm_up(kb)  # loaded once here (and shared by forked workers)
            gc.freeze()  # the KB stays out of every collection (and its pages stay shared)
            if workers == 1:
                watcher.start()
                worked = rj.work_until_done(store, kb, job, reread=reread)
            else:
                store.engine.dispose()  # no pooled connection may cross the fork
                procs, results = _fork_workers(workers, store.url, kb, job, reread)
                watcher.start()
                for p in procs:
                    p.join()
                failed = sum(1 for p in procs if p.exitcode != 0)
                # each finished worker left its count (a small message: joining first is safe)
                worked = sum(results.get(timeout=10)[1] for _ in range(len(procs) - failed))
            stop.set()
            watcher.join()
        left = rj.progress(store, job.id)
        summary = rj.summarise(store, kb, lab=lab, since=since_dt)
    finally:
        store.engine.dispose()
    if failed or not left.finished:
        click.echo(f"{failed} worker(s) failed; {left.batches - left.batches_done} batch(es) "
                   "left: run the command again to resume", err=True)
        raise click.exceptions.Exit(1)
    _print_summary(summary, kb, worked, show_all, as_json)


def _print_summary(summary: list, kb, worked: int, show_all: bool,  # noqa: ANN001
                   as_json: bool) -> None:
    changed = [r for r in summary if r["changed"]]
    if as_json:
        click.echo(json.dumps({"kb_version": kb.version, "kb_hash": kb.hash, "worked": worked,
                               "checked": len(summary), "changed": len(changed),
                               "reports": [r for r in summary
                                           if show_all or r["error"] or r["changed"]]},
                              indent=2, default=str))
        return
    click.echo(f"re-matched {len(summary)} stored report(s) against KB {kb.version} "
               f"({worked} by this run): {len(changed)} with changed options")
    for r in summary:
        where = f"  {r['lab']}/{r['report_id']} v{r['version']}"
        if r["error"]:
            click.echo(f"{where}: not re-matched ({r['error']})")
        elif show_all or r["changed"]:
            click.echo(f"{where} (KB {r['old_kb']}): {r['summary']}")


@click.command("cohort")
@click.argument("maf", type=click.Path(exists=True, dir_okay=False))
@click.option("--clinical", type=click.Path(exists=True, dir_okay=False),
              help="MAF clinical sidecar (SAMPLE_ID, ONCOTREE_CODE) giving each tumor type.")
@click.option("--tumor-type", help="One OncoTree code for every sample (overrides the sidecar).")
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False), envvar="MATCHER_KB_DIR",
              help="Knowledge base folder (default: the shipped one).")
@click.option("--jobs", "-j", default=0, type=click.IntRange(0, 256),
              help="Processes matching samples in parallel (default: one per core).")
@click.option("--chunk", default=32, show_default=True, type=click.IntRange(1, 10_000),
              help="Samples per task handed to a process.")
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False),
              help="Folder for annotated.maf, samples.tsv, levels.tsv, biomarkers.tsv, "
                   "summary.html.")
@click.option("--progress/--no-progress", default=None,
              help="Show progress on stderr (default: when stderr is a terminal).")
def cohort(maf, clinical, tumor_type, kb_dir, jobs, chunk, output, progress) -> None:
    """Match every sample of a MAF; write the MAF annotated per row (LEVEL_1 ... LEVEL_R2,
    HIGHEST_LEVEL, MATCH_TYPE, CITATIONS) and a cohort summary (samples by highest level per
    tumor type, actionable biomarkers) as TSV tables and an HTML page with a chart.

    The MAF is streamed (samples are read and matched a chunk at a time, the annotated MAF is
    written from a temporary table), so memory does not grow with the number of samples.
    """
    import os
    from pathlib import Path

    from matcher.cohort import run_cohort
    from matcher.kb.loader import load_kb
    from matcher.progress import Progress
    from matcher.readers import ReadOptions

    kb = load_kb(kb_dir)
    out = Path(output)
    with Progress(progress, delay=0.5) as bar:
        run = run_cohort(Path(maf), out, kb,
                         clinical=Path(clinical).read_bytes() if clinical else None,
                         options=ReadOptions(tumor_type=tumor_type),
                         jobs=jobs or os.cpu_count() or 1, chunk=chunk,
                         progress=lambda n: bar.phase(f"matched {n} sample(s)"))
    for name, rows in run.summary.tables().items():
        (out / f"{name}.tsv").write_text("".join("\t".join(r) + "\n" for r in rows),
                                         encoding="utf-8")
    (out / "summary.html").write_text(
        run.summary.html(title=f"Cohort summary: {Path(maf).name}"), encoding="utf-8")
    click.echo(f"{run.samples} sample(s) matched; written to {out}/")
    for tumor, level, n in run.summary.levels_table()[1:]:
        click.echo(f"  {tumor or '-'}\thighest level {level}\t{n} sample(s)")


COMMANDS = [find, rematch, cohort]
