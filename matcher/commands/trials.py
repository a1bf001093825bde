"""`matcher trials refresh|show`: the ClinicalTrials.gov status cache."""

from __future__ import annotations

import json

import click

KB_OPTION = click.option("--kb", "kb_dir", type=click.Path(file_okay=False),
                         envvar="MATCHER_KB_DIR",
                         help="Knowledge base folder (default: the shipped one).")
CACHE_OPTION = click.option("--cache", "cache", type=click.Path(dir_okay=False),
                            envvar="MATCHER_TRIAL_CACHE",
                            help="Status cache file (default: MATCHER_TRIAL_CACHE or "
                                 "var/trial_status.json).")


@click.group("trials")
def trials_group() -> None:
    """Clinical trials: refresh their status from ClinicalTrials.gov, show the cache."""


def api_options(f):
    """--base-url, --timeout, --retries and --rate of the commands that call the API v2."""
    for opt in reversed((
            click.option("--base-url", default="https://clinicaltrials.gov/api/v2",
                         show_default=True, help="ClinicalTrials.gov API v2 base URL."),
            click.option("--timeout", default=10.0, show_default=True,
                         help="Seconds per request."),
            click.option("--retries", default=3, show_default=True,
                         help="Further attempts after a timeout, connection error, 429 or 5xx."),
            click.option("--rate", default=0.8, show_default=True,
                         help="At most this many requests per second."))):
        f = opt(f)
    return f


@trials_group.command("refresh")
@click.argument("nct_ids", nargs=-1)
@click.option("--report", "report_file", type=click.Path(exists=True, dir_okay=False),
              help="Refresh only the trials of this report: a lab file as `matcher match` reads "
                   "it, or a result it wrote with --format json.")
@KB_OPTION
@CACHE_OPTION
@api_options
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="One line per trial on stderr.")
def refresh_cmd(nct_ids, report_file, kb_dir, cache, base_url, timeout, retries, rate,
                progress) -> None:
    """Refresh title, phase, sponsor and status of NCT_IDS (default: every trial in the KB,
    including the open ClinicalTrials.gov trials of knowledgebase/ctgov/; with --report, the
    trials of that report); exit 1 if any failed.

    A trial ClinicalTrials.gov does not know (404) or answers oddly keeps its previous status
    and the run goes on; a network failure stops the run at once (exit 1), keeping what was
    refreshed before it.
    """
    from matcher.kb.trials import refresh

    ids = list(nct_ids)
    if report_file:
        ids += _report_trials(report_file, kb_dir)
        if not ids:
            click.echo(f"{report_file}: the report names no trial; nothing to refresh")
            return
    elif not ids:
        from matcher.kb.loader import load_kb

        kb = load_kb(kb_dir)
        # the KB's cited trials and the ClinicalTrials.gov trials it may offer as open
        ids = sorted(set(kb.trials) | {n for n, t in kb.open_trials.items() if t.is_open})
    ids = list(dict.fromkeys(ids))
    width = len(str(len(ids)))

    def show(n: int, total: int, nct: str, outcome: str) -> None:
        click.echo(f"[{n:>{width}}/{total}] {nct}: {outcome}", err=True)

    if progress:
        click.echo(f"refreshing {len(ids)} trial(s) from {base_url}", err=True)
    rep = refresh(ids, base_url=base_url, timeout=timeout, retries=retries, rate=rate,
                  cache=cache, progress=show if progress else None)
    click.echo(f"refreshed {len(rep.refreshed)} of {len(ids)} trial(s); cache {rep.cache_path}")
    for nct, (old, new) in sorted(rep.changed.items()):
        click.echo(f"  {nct}: {old or 'unverified'} -> {new}")
    for nct, reason in sorted(rep.failed.items()):
        if nct != rep.stopped_at:
            click.echo(f"  not refreshed {nct}: {reason}", err=True)
    if rep.stopped:
        saved = (f"the {len(rep.refreshed)} refreshed before it are saved"
                 if rep.refreshed else "nothing was saved")
        click.echo(f"error: not refreshed {rep.stopped_at}, stopped there: cannot reach "
                   f"ClinicalTrials.gov at {base_url} ({rep.stopped}); {saved}, "
                   f"{len(rep.not_tried)} not tried. Check the network connection (or "
                   "--base-url) and run the command again.", err=True)
    if rep.failed:
        raise click.exceptions.Exit(1)


def _report_trials(path: str, kb_dir: str | None) -> list[str]:
    """NCT ids of one report's trials (cited and open): from a `matcher match --format json`
    result, or by matching a lab file against the KB."""
    from pathlib import Path

    data = Path(path).read_bytes()
    try:
        doc = json.loads(data)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and ("results" in doc or "therapy_options" in doc):
        docs = doc.get("results") if "results" in doc else [doc]
        if not isinstance(docs, list):
            docs = []
        return [t["nct_id"] for d in docs if isinstance(d, dict)
                for key in ("trials", "open_trials") for t in d.get(key) or []
                if isinstance(t, dict) and isinstance(t.get("nct_id"), str)]
    from matcher.kb.loader import load_kb
    from matcher.pipeline import run

    results = run(data, kb=load_kb(kb_dir), path=path, filename=Path(path).name)
    return [t.nct_id for r in results for t in (*r.trials, *r.open_trials)]


@trials_group.command("export")
@click.argument("nct_ids", nargs=-1, required=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="TSV to write (gzip when it ends in .gz), for `matcher kb import-trials`.")
@api_options
def export_cmd(nct_ids, out, base_url, timeout, retries, rate) -> None:
    """Fetch NCT_IDS from ClinicalTrials.gov into a source TSV (full eligibility text) in the
    shape `matcher kb import-trials` reads; exit 1 if any could not be fetched."""
    from matcher.errors import InputError
    from matcher.kb.trials import export_records

    try:
        rep = export_records(nct_ids, out, base_url=base_url, timeout=timeout, retries=retries,
                             rate=rate)
    except OSError as exc:
        raise InputError(f"{out}: cannot write ({exc.strerror or exc})") from None
    if rep.refreshed:
        click.echo(f"wrote {len(rep.refreshed)} of {len(set(nct_ids))} record(s) to {out}")
    else:
        click.echo(f"no record fetched: {out} not written")
    for nct, reason in sorted(rep.failed.items()):
        click.echo(f"  not fetched {nct}: {reason}", err=True)
    if rep.failed:
        raise click.exceptions.Exit(1)


@trials_group.command("show")
@click.argument("nct_ids", nargs=-1)
@CACHE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def show_cmd(nct_ids, cache, as_json) -> None:
    """Show cached trial statuses (all, or NCT_IDS) with the date each was verified."""
    from dataclasses import asdict

    from matcher.kb.trials import load_status_cache

    statuses = load_status_cache(cache)
    keys = [k for k in nct_ids] if nct_ids else sorted(statuses)
    if as_json:
        click.echo(json.dumps({k: asdict(statuses[k]) if k in statuses else None for k in keys},
                              indent=2))
        return
    if not keys:
        click.echo("no trial statuses cached (run `matcher trials refresh`)")
    for k in keys:
        st = statuses.get(k)
        if st is None:
            click.echo(f"{k}: not in the cache")
            continue
        click.echo(f"{k}: {st.status or '?'} (phase {st.phase or '?'}; last update "
                   f"{st.last_update or '?'}; verified {st.verified}) {st.title or ''}".rstrip())


COMMANDS = [trials_group]
