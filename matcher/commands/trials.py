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
@KB_OPTION
@CACHE_OPTION
@api_options
def refresh_cmd(nct_ids, kb_dir, cache, base_url, timeout, retries, rate) -> None:
    """Refresh the status of NCT_IDS (default: every trial in the KB, including the open
    ClinicalTrials.gov trials of knowledgebase/ctgov/); exit 1 if any failed.

    A trial that cannot be refreshed (offline, 404, malformed answer) keeps its previous status.
    """
    from matcher.kb.trials import refresh

    ids = list(nct_ids)
    if not ids:
        from matcher.kb.loader import load_kb

        kb = load_kb(kb_dir)
        # the KB's cited trials and the ClinicalTrials.gov trials it may offer as open
        ids = sorted(set(kb.trials) | {n for n, t in kb.open_trials.items() if t.is_open})
    rep = refresh(ids, base_url=base_url, timeout=timeout, retries=retries, rate=rate,
                  cache=cache)
    click.echo(f"refreshed {len(rep.refreshed)} of {len(ids)} trial(s); cache {rep.cache_path}")
    for nct, (old, new) in sorted(rep.changed.items()):
        click.echo(f"  {nct}: {old or 'unverified'} -> {new}")
    for nct, reason in sorted(rep.failed.items()):
        click.echo(f"  not refreshed {nct}: {reason}", err=True)
    if rep.failed:
        raise click.exceptions.Exit(1)


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
