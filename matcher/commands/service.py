"""`matcher serve | keys | submit | db | config`: run the HTTP service and administer it."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import click

DEMO_LAB = "demo"
SAMPLE = Path("vcf_samples") / "atc_braf_v600e.json"

_db_option = click.option(
    "--database-url", envvar="MATCHER_DATABASE_URL", default=None, metavar="URL",
    help="Report store (default: MATCHER_DATABASE_URL or sqlite:///var/matcher.sqlite3).")


def _config(**overrides: Any) -> dict[str, Any]:
    from matcher.service.config import load_config

    return load_config({k: v for k, v in overrides.items() if v is not None})


def _store(database_url: str | None, migrate: bool = True):
    from sqlalchemy.exc import ArgumentError

    from matcher.errors import InputError, Problem
    from matcher.service.store import Store

    cfg = _config(DATABASE_URL=database_url)
    try:
        store = Store(cfg["DATABASE_URL"], store_content=cfg["STORE_CONTENT"])
    except ArgumentError as exc:  # not a database URL SQLAlchemy can open: the caller's input
        raise InputError(f"cannot open the report store: {exc}",
                         [Problem(str(exc), field="database_url",
                                  expected="a SQLAlchemy URL such as sqlite:///var/matcher.sqlite3 "
                                           "or postgresql+psycopg://…")]) from None
    if migrate:
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
    return store


class APIFailure(click.ClickException):
    """A server-reported failure; exit 2 for the caller's input (4xx), 1 otherwise."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def _sample_path() -> Path | None:
    if SAMPLE.exists():
        return SAMPLE
    shipped = Path(__file__).resolve().parents[2] / SAMPLE
    return shipped if shipped.exists() else None


def _demo_banner(key: str, bind: str) -> str:
    host, _, port = bind.rpartition(":")
    host = "127.0.0.1" if host in ("", "0.0.0.0", "[::]", "::") else host.strip("[]")
    url = f"http://{host}:{port}"
    sample = _sample_path()
    lines = [
        "",
        f"Created an API key for lab '{DEMO_LAB}' (shown once; only its hash is stored):",
        "",
        f"    {key}",
        "",
    ]
    if sample is not None:
        lines += [
            "Submit the sample report:",
            "",
            f"    curl -sS -X POST {url}/v1/reports \\",
            f"      -H 'Authorization: Bearer {key}' \\",
            "      -H 'Content-Type: application/json' \\",
            f"      --data-binary @{shlex.quote(str(sample))}",
            "",
        ]
    lines += [f"API docs: {url}/docs   OpenAPI: {url}/openapi.json", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------- serve
@click.command("serve")
@click.option("--bind", "-b", envvar="MATCHER_BIND", default=None, metavar="HOST:PORT",
              help="Listen address (default 127.0.0.1:8000).")
@click.option("--workers", "-w", envvar="MATCHER_WORKERS", type=int, default=None,
              help="Gunicorn worker processes (default 2).")
@click.option("--timeout", envvar="MATCHER_TIMEOUT", type=int, default=None,
              help="Seconds before a busy worker is killed (default 60).")
@_db_option
@click.option("--kb", "kb_dir", envvar="MATCHER_KB_DIR", default=None,
              type=click.Path(file_okay=False), help="Knowledge base folder.")
@click.option("--demo-key/--no-demo-key", default=None,
              help="On first start with no API keys, create a 'demo' lab key (default on).")
def serve(bind, workers, timeout, database_url, kb_dir, demo_key) -> None:
    """Run the HTTP service under gunicorn (migrates the database first)."""
    from matcher.service.auth import create_key

    cfg = _config(BIND=bind, WORKERS=workers, TIMEOUT=timeout, DATABASE_URL=database_url,
                  KB_DIR=kb_dir, DEMO_KEY=demo_key)
    with _store(cfg["DATABASE_URL"]) as store:
        if cfg["DEMO_KEY"] and store.count_keys() == 0:
            key = create_key(store, DEMO_LAB, note="created by matcher serve on first start").key
            click.echo(_demo_banner(key, cfg["BIND"]))
    run_gunicorn(cfg)


def gunicorn_options(cfg: dict[str, Any]) -> dict[str, Any]:
    """The gunicorn settings of ``matcher serve`` (worker class, threads, timeouts, logging).

    One table, so that ``bench/bench_api_cost.py`` serves its durable-echo baseline under
    exactly the settings the service runs with."""
    from matcher.service.worker import MatcherWorker

    MatcherWorker.header_timeout = cfg["HEADER_TIMEOUT"]  # inherited by the forked workers
    return {
        "bind": cfg["BIND"], "workers": cfg["WORKERS"], "timeout": cfg["TIMEOUT"],
        "graceful_timeout": 10, "worker_class": "matcher.service.worker.MatcherWorker",
        "threads": cfg["THREADS"], "preload_app": True,
        "accesslog": None, "errorlog": "-", "loglevel": cfg["LOG_LEVEL"].lower(),
        "proc_name": "matcher", "limit_request_line": 8190, "control_socket_disable": True,
        "logconfig_dict": _gunicorn_logging(cfg["LOG_LEVEL"]),
    }


def run_gunicorn(cfg: dict[str, Any]) -> None:
    """Serve ``create_app(cfg)`` with gunicorn (app preloaded: the KB is loaded once)."""
    from gunicorn.app.base import BaseApplication

    from matcher.service import logging as mlog
    from matcher.service.app import create_app

    class _Server(BaseApplication):
        def __init__(self) -> None:
            self.application = None
            super().__init__()

        def load_config(self) -> None:
            options = {**gunicorn_options(cfg), "post_fork": self._post_fork}
            for key, value in options.items():
                self.cfg.set(key, value)

        def _post_fork(self, server, worker) -> None:  # noqa: ANN001
            # Connections opened in the master must not be shared with the children.
            if self.application is not None:
                self.application.extensions["matcher"].store.dispose()

        def load(self):  # noqa: ANN202
            if self.application is None:
                self.application = create_app(cfg)
                _warm_up(self.application)
                settle_heap()
                mlog.get_logger().info("service starting", extra={
                    "event": "start", "bind": cfg["BIND"], "workers": cfg["WORKERS"],
                    "kb_version": self.application.extensions["matcher"].kb.version})
            return self.application

    sys.argv = sys.argv[:1]  # gunicorn parses argv in places; ours are already handled
    _Server().run()


GC_GEN0_THRESHOLD = 5000


def settle_heap() -> None:
    """Call in the gunicorn master once the app (and its KB) is loaded, before workers fork.

    ``gc.freeze()`` moves the loaded KB (about 190,000 tracked objects with the CIViC import) out
    of the collector's reach: collections stop re-walking it, and children share its pages
    instead of copying them when the collector would touch them (the Python documentation's
    advice for pre-fork servers). A 20-variant submission allocates more than the default 700
    young containers, so the young-generation threshold is raised to GC_GEN0_THRESHOLD: with both,
    time in the collector fell from 1.1 ms to under 0.02 ms per submission (bench/README.md).
    """
    import gc

    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


def _gunicorn_logging(level: str) -> dict[str, Any]:
    """Gunicorn's own messages as JSON lines too, beside the service's."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "matcher.service.logging.JsonFormatter"}},
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json",
                              "stream": "ext://sys.stderr"}},
        "root": {"level": "WARNING", "handlers": ["json"]},
        "loggers": {"gunicorn.error": {"level": level.upper(), "handlers": ["json"],
                                       "propagate": False}},
    }


def _warm_up(app) -> None:  # noqa: ANN001
    """Load lazily built KB indexes in the master, so forked workers share them warm."""
    kb = app.extensions["matcher"].kb
    for name in ("hotspots", "gene_spans"):
        try:
            getattr(kb, name)
        except Exception:  # noqa: BLE001 - a missing index only makes the first request slower
            pass
    try:  # one match through every layer warms the remaining caches
        from matcher.pipeline import run

        run(json.dumps({"report_id": "WARM-UP", "tumor_type": "THAP", "genome_build": "GRCh38",
                        "variants": [{"gene": "BRAF", "protein_change": "p.V600E"}]}).encode(),
            kb=kb)
    except Exception:  # noqa: BLE001
        pass


# ---------------------------------------------------------------------------------------- keys
@click.group("keys")
def keys() -> None:
    """Per-lab API keys: create (printed once), list, revoke."""


@keys.command("create")
@click.option("--lab", required=True, help="Lab name: letters, digits, '.', '_', '-'.")
@click.option("--note", default=None, help="Free text kept with the key (who, why).")
@_db_option
def keys_create(lab, note, database_url) -> None:
    """Create a key for LAB and print it (the only time it is shown)."""
    from matcher.service.auth import create_key

    with _store(database_url) as store:
        new = create_key(store, lab, note)
    click.echo(new.key)
    click.echo(f"lab {lab}, prefix {new.row.prefix}: store it now; it cannot be shown again.",
               err=True)


@keys.command("list")
@click.option("--lab", default=None, help="Only this lab's keys.")
@_db_option
def keys_list(lab, database_url) -> None:
    """List keys: prefix, lab, created, revoked (never the keys themselves)."""
    with _store(database_url) as store:
        rows = store.list_keys(lab)
    for r in rows:
        state = f"revoked {r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "active"
        click.echo(f"{r.prefix}  {r.lab:<20} created {r.created_at:%Y-%m-%d %H:%M}  {state}"
                   + (f"  {r.note}" if r.note else ""))
    if not rows:
        click.echo("no keys", err=True)


@keys.command("revoke")
@click.argument("prefix")
@_db_option
def keys_revoke(prefix, database_url) -> None:
    """Revoke the key with PREFIX (as listed) or the full key; it stops working at once."""
    from matcher.service.auth import revoke

    with _store(database_url) as store:
        revoked = revoke(store, prefix)
    if not revoked:
        raise click.UsageError(f"no active key with prefix {prefix!r}")
    click.echo(f"revoked {prefix[:11]}")


# ---------------------------------------------------------------------------------------- submit
@click.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", envvar="MATCHER_URL", default="http://127.0.0.1:8000", show_default=True,
              help="Service base URL (env MATCHER_URL).")
@click.option("--key", envvar="MATCHER_API_KEY", required=True,
              help="Your lab's API key (env MATCHER_API_KEY).")
@click.option("--report-id", default=None, help="Report id (default: the file's own).")
@click.option("--tumor-type", default=None, help="OncoTree code or name.")
@click.option("--sample", default=None, help="Tumor sample of a multi-sample file.")
@click.option("--genome-build", type=click.Choice(["GRCh37", "GRCh38"]), default=None,
              help="Genome build of the file's coordinates.")
@click.option("--format", "fmt", default=None,
              help="labjson, vcf, bcf, maf, star-fusion, arriba, fusioncatcher, cna, sv.")
@click.option("--supersede", is_flag=True, help="Store changed content as a new version.")
@click.option("--clinical", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="MAF clinical sidecar (SAMPLE_ID, ONCOTREE_CODE), sent with "
                                 "the MAF as the multipart part 'clinical'.")
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Read timeout per attempt, seconds.")
@click.option("--retries", type=int, default=4, show_default=True,
              help="Retries on connection errors and 502/503/504 (safe: idempotent).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole response as JSON.")
def submit(file, url, key, report_id, tumor_type, sample, genome_build, fmt, supersede,
           clinical, timeout, retries, as_json) -> None:
    """Submit FILE to a Matcher service and print the result (retries are safe: idempotent)."""
    import requests

    from matcher.client import MatcherAPIError, MatcherClient

    try:
        with MatcherClient(url, key, timeout=(5.0, timeout), retries=retries) as client:
            res = client.submit(file, report_id=report_id, tumor_type=tumor_type, sample=sample,
                                genome_build=genome_build, fmt=fmt, supersede=supersede,
                                clinical=clinical)
    except MatcherAPIError as exc:
        raise APIFailure(str(exc), 2 if 400 <= exc.status < 500 else 1) from None
    except requests.RequestException as exc:
        raise APIFailure(f"cannot reach {url}: {type(exc).__name__}", 1) from None
    if as_json:
        click.echo(json.dumps(res.record, indent=2))
        return
    rec = res.record
    from matcher.model import lead_warnings

    result = rec["result"]
    for text in lead_warnings(result.get("tumor_type"), result.get("warnings", [])):
        click.echo(f"warning: {text}")
    what = "stored" if res.created else "already stored (identical content)"
    amended = rec.get("amendment")
    if amended:
        what = (f"stored, amending v{amended['replaces_version']} (" + "; ".join(
            f"{c['field']}: {c['before'] or 'not given'} -> {c['after']}"
            for c in amended["changes"]) + ")")
    click.echo(f"{rec['report_id']} v{rec['version']}: {what} -> {url.rstrip('/')}{res.location}")
    for opt in rec["result"].get("therapy_options", [])[:10]:
        name = opt.get("name") or " + ".join(opt.get("therapy") or [])  # compact: no name
        click.echo(f"  level {opt.get('level'):<3} {name}")
    click.echo(f"  {len(rec['result'].get('trials', []))} trials; KB {rec['kb_version']}")


# ---------------------------------------------------------------------------------------- db
@click.group("db")
def db() -> None:
    """The report store: migrations."""


@db.command("upgrade")
@_db_option
@click.option("--revision", default="head", show_default=True,
              help="Alembic revision to migrate to.")
def db_upgrade(database_url, revision) -> None:
    """Apply the Alembic migrations (safe to run while servers run, and twice)."""
    from matcher.service.config import mask_url

    with _store(database_url, migrate=False) as store:
        store.migrate(revision)
        click.echo(f"{mask_url(store.url)} at revision {store.schema_revision()}")


@db.command("current")
@_db_option
def db_current(database_url) -> None:
    """Print the database's migration revision (none: not migrated)."""
    with _store(database_url, migrate=False) as store:
        click.echo(store.schema_revision() or "none")


@db.command("backfill-alterations")
@_db_option
def db_backfill_alterations(database_url) -> None:
    """Fill the queryable alterations of reports stored before that table existed.

    Safe to run twice and while servers run: reports that have their rows are skipped.
    """
    from matcher.service.alterations import backfill

    with _store(database_url) as store:
        n = backfill(store, progress=lambda done: click.echo(f"  {done} report(s) ...", err=True))
    click.echo(f"filled the alterations of {n} stored report version(s)")


# ---------------------------------------------------------------------------------------- config
@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def config_cmd(as_json) -> None:
    """List every service setting: env var, current value, default and meaning."""
    from matcher.service.config import describe

    rows = describe()
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    for r in rows:
        click.echo(f"{r['env']}={'' if r['value'] is None else r['value']}")
        click.echo(f"    {r['help']} (default: {r['default']})")


COMMANDS = [serve, keys, submit, db, config_cmd]
